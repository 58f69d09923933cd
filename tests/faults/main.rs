//! The fault suite as a binary of its own: broken networks end to end in
//! every pairing (`faults.rs`). It runs apart from the other end-to-end
//! tests because its floods through the link simulator are sensitive to
//! CPU shared with them: next to the interop binary's tests, the stock
//! server's pairings (upstream's own pair included) missed the Ctrl-C
//! deadline in full runs, while alone they pass as before. The hour-long
//! memory soak (`memory_soak.rs`) lives here too, ignored unless
//! `make soak MOSH_RS_SOAK_HOURS=…` asks for it.

#[path = "../support/mod.rs"]
mod support;

mod faults;
mod memory_soak;
