//! The byte streams of the "screens match" tests, shared by both sides:
//! `server_interop.rs` shows each through our server and the stock
//! client and compares with tmux showing the bytes directly;
//! `client_interop.rs` shows each through the stock server to our client
//! and to the stock client and compares the two. Each case is a name (for
//! scratch files and messages) and the bytes a program prints.

/// One stream: its name and the bytes.
pub type Case = (&'static str, Vec<u8>);

/// Plain text with a tab, SGR colours and attributes (16, 256 and true
/// colour, background colour erase), and cursor motion with save and
/// restore and the erase-in-line forms.
pub fn text_colours_and_cursor() -> Vec<Case> {
    vec![
        ("text", b"plain text\r\nsecond line\r\n\ttabbed\r\n".to_vec()),
        (
            "colours",
            b"\x1b[31mred\x1b[0m \x1b[1;42mbold-on-green\x1b[0m \x1b[4;7munder-rev\x1b[0m \
              \x1b[38;5;196mx256\x1b[0m \x1b[38;2;10;200;30mtruecolour\x1b[0m\r\n\x1b[44m\x1b[Kbce-line\x1b[0m\r\n"
                .to_vec(),
        ),
        (
            "cursor",
            b"\x1b[2J\x1b[5;10Hat-5-10\x1b[2Aup\x1b[3Bdown\x1b[4Cright\x1b[6Dleft\x1b7\x1b[20;1Hsaved\x1b8restored\
              \x1b[10;1Hxxxxxxxxxx\x1b[10;5H\x1b[K\x1b[12;1Hyyyy\x1b[1K"
                .to_vec(),
        ),
    ]
}

/// Lines that wrap (exactly at the margin, past it, and a wide character
/// that does not fit), wide text, and combining marks.
pub fn wrap_wide_and_combining() -> Vec<Case> {
    let mut wrap = Vec::new();
    wrap.extend(std::iter::repeat_n(b'a', 80));
    wrap.extend_from_slice(b"next\r\n");
    wrap.extend(std::iter::repeat_n(b'b', 85));
    wrap.extend_from_slice(b"\r\n");
    wrap.extend(std::iter::repeat_n(b'c', 79));
    wrap.extend_from_slice("日本".as_bytes());
    vec![
        ("wrap", wrap),
        (
            "wide",
            "wide: 日本語テキスト 한국어\r\ncombining: e\u{301} a\u{308}\u{323} n\u{303}\r\nmixed: x日y\u{301}z\r\n"
                .as_bytes()
                .to_vec(),
        ),
    ]
}

/// A full screen, then a scroll region scrolled up and, by reverse
/// index, down.
pub fn scroll_regions() -> Vec<Case> {
    let mut scroll = b"\x1b[2J\x1b[H".to_vec();
    for i in 0..24 {
        scroll.extend_from_slice(format!("\x1b[{};1Hrow{i}", i + 1).as_bytes());
    }
    scroll.extend_from_slice(b"\x1b[5;10r\x1b[10;1H");
    for i in 0..7 {
        scroll.extend_from_slice(format!("\r\nscrolled{i}").as_bytes());
    }
    scroll.extend_from_slice(b"\x1b[5;1H\x1bMreverse\x1b[r\x1b[24;1H");
    vec![("scroll", scroll)]
}

/// The alternate screen, left again and left on.
pub fn alternate_screen() -> Vec<Case> {
    vec![
        (
            "altscreen",
            b"main screen text\r\n\x1b[?1049h\x1b[2J\x1b[Halternate\x1b[?1049l\r\nback on main\r\n"
                .to_vec(),
        ),
        (
            "altscreen-stay",
            b"main\r\n\x1b[?1049h\x1b[H\x1b[2Jonly-alt\x1b[3;3Hthere".to_vec(),
        ),
    ]
}
