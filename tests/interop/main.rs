//! The end-to-end tests, one binary: our client and server against the
//! stock mosh 1.4 programs in tmux (`client_*`, `server_*`,
//! `acceptance_*`, `user_terminal`, `program_compare`), the key out of
//! reach of the user's other processes (`process_secrets`), sessions taken
//! over (`attach_sessions`), diagnostics (`diag_*`), the ssh carrier (`carrier_relay`,
//! `carrier_ssh`, `carrier_login`, and its faults: `carrier_faults`), the renderer in a
//! real terminal (`render_wraps`, and native scrollback: `scrollback_feed`), synchronized
//! output through every pairing with our server (`synchronized_output`), prompt marks,
//! the current directory and the title stack (`prompt_marks`), mouse pixel
//! positions (`mouse_pixels`), underline styles and colours
//! (`underline_styles`), the clipboard (`clipboard`), and the cell
//! reader's own checks (`cells_reader`).

#[path = "../support/mod.rs"]
mod support;

mod acceptance_upstream_client;
mod acceptance_upstream_server;
mod attach_sessions;
mod carrier_faults;
mod carrier_login;
mod carrier_relay;
mod carrier_ssh;
mod cells_reader;
mod client_interop;
mod client_prediction;
mod clipboard;
mod diag_session;
mod diag_verbose;
mod keyboard_protocol;
mod line_discipline;
mod mouse_pixels;
mod process_secrets;
mod program_compare;
mod prompt_marks;
mod render_wraps;
mod scrollback;
mod scrollback_feed;
mod server_interop;
mod synchronized_output;
mod underline_styles;
mod user_terminal;
