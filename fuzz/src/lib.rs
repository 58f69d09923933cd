//! What every fuzz target shares: the memory cap (a global allocator that
//! refuses, and so aborts the run, when one allocation or the live heap
//! exceeds its cap), the fixed session key, and the ways a target cuts
//! its input into pieces.
//!
//! libFuzzer's own `-malloc_limit_mb` needs a sanitizer's malloc hooks,
//! which a stable toolchain does not build in; `-rss_limit_mb` still
//! works but samples once a second. The allocator below is exact: the
//! allocation that crosses a cap fails, Rust's allocation-error handler
//! aborts, and libFuzzer saves the input as a crash.

pub mod render_round_trip;

use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The largest single allocation any decoder may make. The largest the
/// code asks for by design is the 4 MiB inflate buffer (and a few copies
/// of a 4 MiB instruction); 64 MiB leaves room for growth strategies.
pub const MAX_ALLOCATION: usize = 64 << 20;
/// The most heap all live allocations may hold together.
pub const MAX_LIVE_HEAP: usize = 512 << 20;

/// The system allocator with the two caps above.
pub struct CappedAllocator {
    live: AtomicUsize,
}

impl CappedAllocator {
    /// Whether a block of `size` bytes may exist, `added` of them new;
    /// reserves the new bytes if so.
    fn reserve(&self, size: usize, added: usize) -> bool {
        if size > MAX_ALLOCATION {
            return false;
        }
        let before = self.live.fetch_add(added, Ordering::Relaxed);
        if before.saturating_add(added) > MAX_LIVE_HEAP {
            self.live.fetch_sub(added, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn release(&self, size: usize) {
        self.live.fetch_sub(size, Ordering::Relaxed);
    }
}

// SAFETY: every method forwards to `System` with the caller's own layout
// and pointer, after bookkeeping that never touches the memory; a refused
// request returns null, which `GlobalAlloc` allows.
unsafe impl GlobalAlloc for CappedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !self.reserve(layout.size(), layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's layout has a non-zero size (GlobalAlloc's contract).
        let ptr = unsafe { System.alloc(layout) };
        if ptr.is_null() {
            self.release(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !self.reserve(layout.size(), layout.size()) {
            return std::ptr::null_mut();
        }
        // SAFETY: as in `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if ptr.is_null() {
            self.release(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator (so from `System`) with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        self.release(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old_size = layout.size();
        let added = new_size.saturating_sub(old_size);
        if added > 0 && !self.reserve(new_size, added) {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from `System` with `layout`; `new_size` is
        // non-zero and fits `isize` (GlobalAlloc's contract).
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if new_ptr.is_null() {
            self.release(added);
        } else {
            self.release(old_size.saturating_sub(new_size));
        }
        new_ptr
    }
}

#[global_allocator]
static ALLOCATOR: CappedAllocator = CappedAllocator {
    live: AtomicUsize::new(0),
};

/// The session key every datagram target seals and opens with, so the
/// fuzzer's inputs get past authentication.
pub fn fixed_key() -> mosh_rs::wire::SessionKey {
    mosh_rs::wire::SessionKey::from_bytes(*b"mosh-rs-fuzzing!")
}

/// Cuts `data` into records, each a 16-bit little-endian length and that
/// many bytes (the last record takes what is left).
pub fn records(data: &[u8]) -> Records<'_> {
    Records { rest: data }
}

/// The iterator of [`records`].
pub struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = match self.rest {
            [] | [_] => return None,
            [lo, hi, rest @ ..] => (usize::from(u16::from_le_bytes([*lo, *hi])), rest),
        };
        let (record, rest) = rest.split_at(len.min(rest.len()));
        self.rest = rest;
        Some(record)
    }
}

/// A command line and an environment from `data`: NUL-separated words;
/// a word starting with `\x01` is an environment entry `NAME=VALUE`, the
/// others are arguments in order.
pub fn command_line(data: &[u8]) -> (Vec<OsString>, Vec<(String, OsString)>) {
    let mut args = Vec::new();
    let mut env = Vec::new();
    for word in data.split(|&b| b == 0) {
        match word {
            [1, entry @ ..] => {
                let entry = String::from_utf8_lossy(entry);
                let (name, value) = entry.split_once('=').unwrap_or((&entry, ""));
                env.push((name.to_string(), OsString::from(value)));
            }
            _ => args.push(OsString::from_vec(word.to_vec())),
        }
    }
    (args, env)
}

/// A little-endian reader of the first bytes of an input, giving zeros
/// once the input runs out.
pub struct Header<'a> {
    data: &'a [u8],
}

impl<'a> Header<'a> {
    pub fn new(data: &'a [u8]) -> Header<'a> {
        Header { data }
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((first, rest)) => {
                self.data = rest;
                *first
            }
            None => 0,
        }
    }

    /// The next 16-bit value.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// The next 64-bit value.
    pub fn u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        for b in &mut bytes {
            *b = self.byte();
        }
        u64::from_le_bytes(bytes)
    }

    /// What is left after the values read so far.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }
}

/// Decodes `bytes` as a user message; when it decodes, our encoding of
/// the events decodes to events that encode to the same bytes again.
pub fn check_user_message(bytes: &[u8]) {
    use mosh_rs::wire::{decode_user_message, encode_user_message};
    if let Ok(events) = decode_user_message(bytes) {
        let once = encode_user_message(&events);
        let again = decode_user_message(&once).expect("our own user message decodes");
        assert_eq!(encode_user_message(&again), once, "{events:?} -> {again:?}");
    }
}

/// [`check_user_message`] for a host message.
pub fn check_host_message(bytes: &[u8]) {
    use mosh_rs::wire::{decode_host_message, encode_host_message};
    if let Ok(events) = decode_host_message(bytes) {
        let once = encode_host_message(&events);
        let again = decode_host_message(&once).expect("our own host message decodes");
        assert_eq!(encode_host_message(&again), once, "{events:?} -> {again:?}");
    }
}

/// A user or host message of one inner instruction whose field `field`
/// holds `body`: how a target reaches one extension's decoder.
pub fn one_field_message(field: u32, body: &[u8]) -> Vec<u8> {
    use mosh_rs::wire::protobuf::write_bytes_field;
    let mut inner = Vec::with_capacity(body.len() + 8);
    write_bytes_field(&mut inner, field, body);
    let mut message = Vec::with_capacity(inner.len() + 8);
    write_bytes_field(&mut message, 1, &inner);
    message
}
