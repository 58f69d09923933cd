//! zlib (RFC 1950) compression of serialized instructions, with a hard cap
//! on the inflated size so a small "zlib bomb" cannot exhaust memory.

use miniz_oxide::deflate::compress_to_vec_zlib;
use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_PARSE_ZLIB_HEADER, TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{decompress as inflate, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use super::error::WireError;

/// Largest serialized instruction we send or accept, in bytes: 4 MiB.
///
/// Upstream mosh inflates into (and deflates from) one fixed buffer of
/// 2048 * 2048 bytes, so no upstream peer can send or accept a larger
/// instruction; matching it loses no interoperability. It is generous: a
/// complete repaint of a 200x60 screen with a colour change on every cell
/// is a few hundred KiB, and keystroke diffs are far smaller.
pub const MAX_INSTRUCTION_BYTES: usize = 2048 * 2048;

/// zlib level 6, zlib's own default, as upstream's `compress()` uses.
const LEVEL: u8 = 6;

/// Compresses `data` as one zlib stream.
pub fn compress(data: &[u8]) -> Vec<u8> {
    compress_to_vec_zlib(data, LEVEL)
}

/// Inflates one zlib stream, checking its header and Adler-32 checksum.
/// Fails with `DecompressTooLarge` as soon as the output would exceed
/// `limit`; the output buffer never grows past `limit` bytes.
pub fn decompress(data: &[u8], limit: usize) -> Result<Vec<u8>, WireError> {
    let flags = TINFL_FLAG_PARSE_ZLIB_HEADER | TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut state = Box::<DecompressorOxide>::default();
    let mut out: Vec<u8> = Vec::new();
    grow_to(&mut out, data.len().saturating_mul(4).max(64).min(limit));
    let mut input = data;
    let mut written = 0;
    loop {
        let (status, consumed, produced) = inflate(&mut state, input, &mut out, written, flags);
        written = written.saturating_add(produced).min(out.len());
        input = input.get(consumed..).ok_or(WireError::Decompress)?;
        match status {
            TINFLStatus::Done => {
                out.truncate(written);
                return Ok(out);
            }
            TINFLStatus::HasMoreOutput => {
                if out.len() >= limit {
                    return Err(WireError::DecompressTooLarge);
                }
                let doubled = out.len().saturating_mul(2).min(limit);
                grow_to(&mut out, doubled);
            }
            _ => return Err(WireError::Decompress),
        }
    }
}

/// Zero-extends `buf` to exactly `len` bytes without over-reserving.
fn grow_to(buf: &mut Vec<u8>, len: usize) {
    buf.reserve_exact(len.saturating_sub(buf.len()));
    buf.resize(len, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_many_shapes() {
        let mut text = Vec::new();
        for i in 0..5000u32 {
            text.extend_from_slice(format!("\x1b[{};{}H{}", i % 60, i % 200, i).as_bytes());
        }
        let mut noise = Vec::new();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            noise.push(x as u8);
        }
        for data in [Vec::new(), b"a".to_vec(), vec![0u8; 100_000], text, noise] {
            let packed = compress(&data);
            assert_eq!(decompress(&packed, MAX_INSTRUCTION_BYTES).unwrap(), data);
        }
    }

    #[test]
    fn decodes_a_stream_made_by_real_zlib() {
        // python3 -c 'import zlib; print(zlib.compress(b"hello hello hello mosh").hex())'
        let from_zlib = [
            0x78, 0x9c, 0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40, 0x22, 0x73, 0xf3, 0x8b,
            0x33, 0x00, 0x5f, 0x8e, 0x08, 0x54,
        ];
        assert_eq!(
            decompress(&from_zlib, 100).unwrap(),
            b"hello hello hello mosh"
        );
    }

    #[test]
    fn output_exactly_at_limit_is_allowed_and_one_over_is_not() {
        let data = vec![7u8; 10_000];
        let packed = compress(&data);
        assert_eq!(decompress(&packed, 10_000).unwrap(), data);
        assert_eq!(
            decompress(&packed, 9_999),
            Err(WireError::DecompressTooLarge)
        );
        assert_eq!(decompress(&packed, 0), Err(WireError::DecompressTooLarge));
    }

    #[test]
    fn empty_stream_decodes_under_zero_limit() {
        assert_eq!(decompress(&compress(&[]), 0).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn bomb_is_refused_without_inflating_it() {
        let bomb = compress(&vec![0u8; 64 << 20]);
        assert!(bomb.len() < 100_000, "bomb is {} bytes", bomb.len());
        assert_eq!(
            decompress(&bomb, MAX_INSTRUCTION_BYTES),
            Err(WireError::DecompressTooLarge)
        );
    }

    #[test]
    fn corrupt_and_truncated_streams_fail() {
        let packed = compress(b"the quick brown fox jumps over the lazy dog");
        for len in 0..packed.len() {
            assert!(
                decompress(&packed[..len], 1000).is_err(),
                "truncated to {len}"
            );
        }
        let mut bad_checksum = packed.clone();
        let last = bad_checksum.len() - 1;
        bad_checksum[last] ^= 1;
        assert_eq!(decompress(&bad_checksum, 1000), Err(WireError::Decompress));
        assert_eq!(
            decompress(b"not zlib at all", 1000),
            Err(WireError::Decompress)
        );
    }
}
