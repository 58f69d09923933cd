//! The server's detached-session notice, made exact for this user: the
//! server cannot know the host name that was typed, so its resume
//! command ends in a `HOST` placeholder that is filled in here.

/// What the server's notice line contains, up to the session id.
const RESUME_MARKER: &[u8] = b"resumes with: mosh --attach=";
/// The placeholder the server ends its notice with.
const PLACEHOLDER: &[u8] = b" HOST";

/// `line` with its trailing `HOST` replaced by `user_host` when it is the
/// detached-session notice; any other line is returned as it is.
pub(crate) fn with_host(line: &[u8], user_host: &str) -> Vec<u8> {
    let body_len = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |last| last + 1);
    let (body, ending) = line.split_at(body_len);
    let is_notice = memchr::memmem::find(body, RESUME_MARKER).is_some();
    match body.strip_suffix(PLACEHOLDER) {
        Some(head) if is_notice => {
            let mut out = head.to_vec();
            out.push(b' ');
            out.extend_from_slice(user_host.as_bytes());
            out.extend_from_slice(ending);
            out
        }
        _ => line.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_gets_the_typed_host_and_other_lines_stay() {
        let notice = b"mosh-server: you have 1 detached mosh-rs session; the newest, ab12 (`sh`, idle 2m), resumes with: mosh --attach=ab12 HOST\r";
        let out = with_host(notice, "me@box");
        assert!(out.ends_with(b"mosh --attach=ab12 me@box\r"));
        assert_eq!(with_host(b"my HOST", "x"), b"my HOST");
        assert_eq!(with_host(b"", "x"), b"");
    }
}
