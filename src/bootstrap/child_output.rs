//! Reading the output of the program that starts the server (ssh, or the
//! server itself with `--local`) line by line, without hanging on a pipe
//! that someone else keeps open: when the program has exited and nothing
//! more is waiting, the output counts as ended even if, say, an ssh
//! connection master still holds the pipe.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::process::Child;
use std::time::Duration;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

use super::handshake::MAX_LINE;

/// How often to check whether the program has exited while it is quiet.
const EXIT_CHECK: Duration = Duration::from_millis(100);

/// Line reader over a child's output pipe.
pub(crate) struct ChildOutput {
    pipe: File,
    poll: Poll,
    events: Events,
    pending: Vec<u8>,
    ended: bool,
}

impl ChildOutput {
    /// Reads from `pipe` (the read end of the child's stdout/stderr pipe).
    pub fn new(pipe: OwnedFd) -> io::Result<ChildOutput> {
        crate::sys::fd::set_nonblocking(pipe.as_fd(), true)?;
        let poll = Poll::new()?;
        poll.registry().register(
            &mut SourceFd(&pipe.as_raw_fd()),
            Token(0),
            Interest::READABLE,
        )?;
        Ok(ChildOutput {
            pipe: File::from(pipe),
            poll,
            events: Events::with_capacity(4),
            pending: Vec::new(),
            ended: false,
        })
    }

    /// The next line without its `\n` (at most `MAX_LINE` bytes; longer
    /// lines come in pieces), or `None` once the output has ended.
    pub(crate) fn next_line(&mut self, child: &mut Child) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(line) = self.take_line() {
                return Ok(Some(line));
            }
            if self.ended {
                return Ok(None);
            }
            self.fill(child)?;
        }
    }

    fn take_line(&mut self) -> Option<Vec<u8>> {
        if let Some(at) = memchr::memchr(b'\n', &self.pending) {
            let mut line: Vec<u8> = self.pending.drain(..=at).collect();
            line.pop();
            return Some(line);
        }
        if self.pending.len() >= MAX_LINE || (self.ended && !self.pending.is_empty()) {
            let cut = self.pending.len().min(MAX_LINE);
            return Some(self.pending.drain(..cut).collect());
        }
        None
    }

    /// Waits for more output; marks the end on end-of-file, or when the
    /// child has exited and nothing is left to read.
    fn fill(&mut self, child: &mut Child) -> io::Result<()> {
        match self.poll.poll(&mut self.events, Some(EXIT_CHECK)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(e),
        }
        let got = self.read_available()?;
        if got == 0 && !self.ended && child.try_wait()?.is_some() {
            // Anything the child wrote before exiting is in the pipe by now.
            if self.read_available()? == 0 {
                self.ended = true;
            }
        }
        Ok(())
    }

    /// Reads everything available now; returns how many bytes.
    fn read_available(&mut self) -> io::Result<usize> {
        let mut total = 0;
        let mut buf = [0u8; 4096];
        while self.pending.len() < MAX_LINE {
            match self.pipe.read(&mut buf) {
                Ok(0) => {
                    self.ended = true;
                    break;
                }
                Ok(n) => {
                    total += n;
                    self.pending
                        .extend_from_slice(buf.get(..n).unwrap_or_default());
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn spawn(script: &str) -> (Child, ChildOutput) {
        let (read, write) = crate::sys::fd::pipe().unwrap();
        let child = Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::null())
            .stdout(write.try_clone().unwrap())
            .stderr(write)
            .spawn()
            .unwrap();
        (child, ChildOutput::new(read).unwrap())
    }

    fn all_lines(child: &mut Child, output: &mut ChildOutput) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(line) = output.next_line(child).unwrap() {
            lines.push(String::from_utf8_lossy(&line).into_owned());
        }
        lines
    }

    #[test]
    fn lines_from_stdout_and_stderr_arrive_in_order() {
        let (mut child, mut output) = spawn("echo one; echo two >&2; printf 'no newline'");
        assert_eq!(
            all_lines(&mut child, &mut output),
            ["one", "two", "no newline"]
        );
        child.wait().unwrap();
    }

    #[test]
    fn long_lines_come_in_bounded_pieces() {
        let (mut child, mut output) = spawn("head -c 40000 /dev/zero | tr '\\0' x; echo; echo end");
        let lines = all_lines(&mut child, &mut output);
        assert!(lines.iter().all(|l| l.len() <= MAX_LINE));
        assert_eq!(lines.iter().map(String::len).sum::<usize>(), 40000 + 3);
        assert_eq!(lines.last().unwrap(), "end");
        child.wait().unwrap();
    }

    #[test]
    fn output_ends_when_the_child_exits_even_if_a_grandchild_holds_the_pipe() {
        let (mut child, mut output) = spawn("echo bye; sleep 30 & echo $!");
        let lines = all_lines(&mut child, &mut output);
        child.wait().unwrap();
        let holder: i32 = lines[1].parse().unwrap();
        crate::sys::process::kill(holder, libc::SIGKILL).unwrap();
        assert_eq!(lines[0], "bye");
        assert_eq!(lines.len(), 2);
    }
}
