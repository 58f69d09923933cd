//! Instructions on the wire: serialized, zlib-compressed, and cut into
//! numbered fragments that each fit one datagram; and the reassembly of
//! those fragments back into an instruction.
//!
//! A fragment is `id: u64 BE || (final << 15 | num): u16 BE || contents`.

use std::collections::BTreeMap;

use super::compress::{compress, decompress, MAX_INSTRUCTION_BYTES};
use super::error::WireError;
use super::instruction::Instruction;

/// Bytes of fragment header: the id and the final flag + number.
pub const HEADER_LEN: usize = 10;

/// Largest compressed instruction accepted for reassembly: enough for
/// `MAX_INSTRUCTION_BYTES` of incompressible data under zlib's worst-case
/// expansion (zlib's `compressBound` is n + n/4096 + n/16384 + 13).
pub const MAX_COMPRESSED_BYTES: usize = MAX_INSTRUCTION_BYTES + MAX_INSTRUCTION_BYTES / 1024 + 64;

/// The smallest fragment contents a sender is expected to use (upstream's
/// smallest is 462, at its 500-byte fallback MTU). Only fixes the cap on
/// fragment numbers below.
pub(crate) const MIN_FRAGMENT_CONTENT_LEN: usize = 256;

/// Most fragments one instruction may have: 16401, well inside the 15
/// bits of the fragment number.
pub const MAX_FRAGMENTS: usize = MAX_COMPRESSED_BYTES.div_ceil(MIN_FRAGMENT_CONTENT_LEN);

/// How far below the instruction in progress a late fragment's id may be
/// and still count as an old instruction of the same sender (ignored):
/// ids grow by one per instruction, some tens a second, so 2^32 is years
/// of a session. An id further below is not this sender's history but
/// garbage the instruction in progress came from (a peer holding the key
/// can send any id), and resets as an in-order fragment would.
const MAX_LATE_ID_DISTANCE: u64 = 1 << 32;

const FINAL_FLAG: u16 = 0x8000;
const NUM_MASK: u16 = 0x7fff;

/// One piece of a compressed instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    /// Same for every fragment of one instruction (and its resends).
    pub id: u64,
    /// Position within the instruction, from 0; at most 15 bits are sent.
    pub num: u16,
    /// Set on the last fragment.
    pub is_final: bool,
    pub contents: Vec<u8>,
}

impl Fragment {
    /// The header followed by the contents. Only the low 15 bits of `num`
    /// fit; `Fragmenter` never makes a larger one.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.contents.len());
        out.extend_from_slice(&self.id.to_be_bytes());
        let flag = if self.is_final { FINAL_FLAG } else { 0 };
        out.extend_from_slice(&(flag | (self.num & NUM_MASK)).to_be_bytes());
        out.extend_from_slice(&self.contents);
        out
    }

    /// Parses a datagram payload into a fragment.
    pub fn decode(bytes: &[u8]) -> Result<Fragment, WireError> {
        let (header, contents) = bytes
            .split_first_chunk::<HEADER_LEN>()
            .ok_or(WireError::TooShort)?;
        let [i0, i1, i2, i3, i4, i5, i6, i7, n0, n1] = *header;
        let id = u64::from_be_bytes([i0, i1, i2, i3, i4, i5, i6, i7]);
        let flag_and_num = u16::from_be_bytes([n0, n1]);
        Ok(Fragment {
            id,
            num: flag_and_num & NUM_MASK,
            is_final: flag_and_num & FINAL_FLAG != 0,
            contents: contents.to_vec(),
        })
    }
}

/// The fields whose change makes the next instruction a new one (all but
/// `diff`), plus the budget it was cut for.
#[derive(Clone, Debug, PartialEq, Eq)]
struct IdentityKey {
    protocol_version: u32,
    old_num: u64,
    new_num: u64,
    ack_num: u64,
    throwaway_num: u64,
    chaff: Vec<u8>,
    budget: usize,
}

impl IdentityKey {
    fn of(inst: &Instruction, budget: usize) -> IdentityKey {
        IdentityKey {
            protocol_version: inst.protocol_version,
            old_num: inst.old_num,
            new_num: inst.new_num,
            ack_num: inst.ack_num,
            throwaway_num: inst.throwaway_num,
            chaff: inst.chaff.clone(),
            budget,
        }
    }
}

/// Cuts instructions into fragments, numbering them with instruction ids.
///
/// The id is bumped whenever any field other than `diff` changed since the
/// previous call, or the budget changed; so a resend of the same
/// instruction reuses its id and the receiver can combine fragments from
/// the original and the resend. The first instruction gets id 1.
#[derive(Clone, Debug, Default)]
pub struct Fragmenter {
    next_id: u64,
    last: Option<IdentityKey>,
}

impl Fragmenter {
    pub fn new() -> Fragmenter {
        Fragmenter::default()
    }

    /// Fragments `inst` so each encoded fragment is at most `mtu` bytes
    /// (header included; see `mtu::default_fragment_budget`). Returns no
    /// fragments if the instruction is too large for any peer to accept
    /// (see `try_make_fragments` to learn why).
    pub fn make_fragments(&mut self, inst: &Instruction, mtu: usize) -> Vec<Fragment> {
        self.try_make_fragments(inst, mtu).unwrap_or_default()
    }

    /// Like `make_fragments`, but says when the instruction is refused:
    /// `InstructionTooLarge` if it serializes to more than
    /// `MAX_INSTRUCTION_BYTES` or needs more than `MAX_FRAGMENTS` pieces at
    /// this `mtu`. A refused instruction does not consume an id.
    pub(crate) fn try_make_fragments(
        &mut self,
        inst: &Instruction,
        mtu: usize,
    ) -> Result<Vec<Fragment>, WireError> {
        let serialized = inst.encode();
        if serialized.len() > MAX_INSTRUCTION_BYTES {
            return Err(WireError::InstructionTooLarge);
        }
        let payload = compress(&serialized);
        let piece_len = mtu.saturating_sub(HEADER_LEN).max(1);
        let count = payload.len().div_ceil(piece_len).max(1);
        if count > MAX_FRAGMENTS {
            return Err(WireError::InstructionTooLarge);
        }
        let id = self.id_for(IdentityKey::of(inst, mtu));
        let pieces = payload.chunks(piece_len);
        pieces
            .enumerate()
            .map(|(num, piece)| {
                Ok(Fragment {
                    id,
                    num: u16::try_from(num).map_err(|_| WireError::InstructionTooLarge)?,
                    is_final: num + 1 == count,
                    contents: piece.to_vec(),
                })
            })
            .collect()
    }

    fn id_for(&mut self, key: IdentityKey) -> u64 {
        if self.last.as_ref() != Some(&key) {
            self.next_id = self.next_id.wrapping_add(1);
            self.last = Some(key);
        }
        self.next_id
    }
}

/// Reassembles the fragments of one instruction at a time.
///
/// A fragment with another id discards the partial instruction in
/// progress, unless it came late (see `add_late`); duplicates are
/// ignored. Holds at most `MAX_FRAGMENTS` fragments and
/// `MAX_COMPRESSED_BYTES` bytes of contents.
#[derive(Clone, Debug, Default)]
pub struct FragmentAssembly {
    current_id: Option<u64>,
    pieces: BTreeMap<u16, Vec<u8>>,
    total: Option<usize>,
    held_bytes: usize,
}

impl FragmentAssembly {
    pub fn new() -> FragmentAssembly {
        FragmentAssembly::default()
    }

    /// Adds one fragment. Returns the instruction once its last missing
    /// fragment arrives. An `Err` drops the partial instruction (the next
    /// complete resend can still succeed).
    pub fn add(&mut self, frag: Fragment) -> Result<Option<Instruction>, WireError> {
        if usize::from(frag.num) >= MAX_FRAGMENTS {
            return Err(WireError::FragmentLimit);
        }
        if self.current_id != Some(frag.id) {
            self.clear_pieces();
            self.current_id = Some(frag.id);
        }
        if self.pieces.contains_key(&frag.num) {
            return Ok(None);
        }
        if let Err(err) = self.check_consistent(&frag) {
            self.clear_pieces();
            return Err(err);
        }
        if frag.is_final {
            self.total = Some(usize::from(frag.num) + 1);
        }
        self.held_bytes += frag.contents.len();
        self.pieces.insert(frag.num, frag.contents);
        if self.total == Some(self.pieces.len()) {
            let compressed = self.take_pieces();
            let serialized = decompress(&compressed, MAX_INSTRUCTION_BYTES)?;
            return Instruction::decode(&serialized).map(Some);
        }
        Ok(None)
    }

    /// Adds a fragment that came in a datagram older than the newest one
    /// received (reordered, or replayed by whoever captured it): one of an
    /// older instruction than the one in progress (at most
    /// `MAX_LATE_ID_DISTANCE` older) is ignored, since a sender's ids only
    /// grow, so a replay cannot starve a large update.
    pub fn add_late(&mut self, frag: Fragment) -> Result<Option<Instruction>, WireError> {
        let older = self.current_id.map(|current| current.checked_sub(frag.id));
        if older
            .flatten()
            .is_some_and(|by| by > 0 && by <= MAX_LATE_ID_DISTANCE)
        {
            return Ok(None);
        }
        self.add(frag)
    }

    /// Bytes of fragment contents currently held.
    pub fn held_bytes(&self) -> usize {
        self.held_bytes
    }

    /// Number of fragments currently held.
    pub fn held_fragments(&self) -> usize {
        self.pieces.len()
    }

    fn check_consistent(&self, frag: &Fragment) -> Result<(), WireError> {
        let num = usize::from(frag.num);
        if let Some(total) = self.total {
            if num >= total || (frag.is_final && num + 1 != total) {
                return Err(WireError::BadFragment);
            }
        }
        if frag.is_final {
            let highest = self.pieces.keys().next_back().map(|n| usize::from(*n));
            if highest.is_some_and(|highest| highest > num) {
                return Err(WireError::BadFragment);
            }
        }
        if self.held_bytes.saturating_add(frag.contents.len()) > MAX_COMPRESSED_BYTES {
            return Err(WireError::FragmentLimit);
        }
        Ok(())
    }

    /// Concatenates the complete set of pieces, in order, and empties the
    /// assembly (keeping the id, so late duplicates of this instruction
    /// start a fresh, harmless reassembly of it).
    fn take_pieces(&mut self) -> Vec<u8> {
        let mut joined = Vec::with_capacity(self.held_bytes);
        for piece in std::mem::take(&mut self.pieces).into_values() {
            joined.extend_from_slice(&piece);
        }
        self.clear_pieces();
        joined
    }

    fn clear_pieces(&mut self) {
        self.pieces.clear();
        self.total = None;
        self.held_bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::instruction::PROTOCOL_VERSION;
    use super::*;

    /// xorshift64*: a tiny seeded PRNG for reproducible shuffles.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn bytes(&mut self, len: usize) -> Vec<u8> {
            (0..len).map(|_| self.next() as u8).collect()
        }
    }

    fn instruction(diff: Vec<u8>) -> Instruction {
        Instruction {
            protocol_version: PROTOCOL_VERSION,
            old_num: 3,
            new_num: 4,
            ack_num: 9,
            throwaway_num: 2,
            diff,
            chaff: vec![1, 2, 3],
        }
    }

    #[test]
    fn header_layout() {
        let frag = Fragment {
            id: 0x0102_0304_0506_0708,
            num: 0x1234,
            is_final: true,
            contents: b"xy".to_vec(),
        };
        assert_eq!(
            frag.encode(),
            [1, 2, 3, 4, 5, 6, 7, 8, 0x92, 0x34, b'x', b'y']
        );
        assert_eq!(Fragment::decode(&frag.encode()), Ok(frag));
        let not_final = Fragment {
            id: 1,
            num: 2,
            is_final: false,
            contents: vec![],
        };
        assert_eq!(not_final.encode(), [0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x02]);
        assert_eq!(Fragment::decode(&not_final.encode()), Ok(not_final));
    }

    #[test]
    fn short_fragment_is_rejected() {
        for len in 0..HEADER_LEN {
            assert_eq!(
                Fragment::decode(&[0; HEADER_LEN][..len]),
                Err(WireError::TooShort)
            );
        }
    }

    #[test]
    fn small_instruction_is_one_final_fragment() {
        let mut fragmenter = Fragmenter::new();
        let inst = instruction(b"hello".to_vec());
        let frags = fragmenter.make_fragments(&inst, 1224);
        assert_eq!(frags.len(), 1);
        assert!(frags[0].is_final && frags[0].num == 0 && frags[0].id == 1);
        let compressed = decompress(&frags[0].contents, MAX_INSTRUCTION_BYTES).unwrap();
        assert_eq!(compressed, inst.encode());
    }

    #[test]
    fn fragments_fit_the_budget_and_reassemble_in_any_order() {
        let mut rng = Rng(0x5eed);
        for round in 0..200 {
            let diff_len = [0, 1, 500, 5_000, 60_000][round % 5] + rng.below(100);
            let diff = if round % 2 == 0 {
                rng.bytes(diff_len)
            } else {
                vec![b'a'; diff_len]
            };
            // One-byte pieces only for small diffs: 60 KB of noise would
            // need more than MAX_FRAGMENTS of them.
            let smallest = if diff_len < 1000 { 0 } else { 1 };
            let budget = [HEADER_LEN + 1, 50, 472, 1188, 1224][smallest + rng.below(5 - smallest)];
            let inst = instruction(diff);
            let mut frags = Fragmenter::new().make_fragments(&inst, budget);
            for (i, frag) in frags.iter().enumerate() {
                assert!(frag.encode().len() <= budget);
                assert_eq!(
                    (usize::from(frag.num), frag.is_final),
                    (i, i + 1 == frags.len())
                );
            }
            // Duplicate some, then shuffle.
            for _ in 0..rng.below(4) {
                let dup = frags[rng.below(frags.len())].clone();
                frags.push(dup);
            }
            for i in (1..frags.len()).rev() {
                frags.swap(i, rng.below(i + 1));
            }
            let mut assembly = FragmentAssembly::new();
            let mut done = Vec::new();
            for frag in frags {
                if let Some(got) = assembly
                    .add(Fragment::decode(&frag.encode()).unwrap())
                    .unwrap()
                {
                    done.push(got);
                }
            }
            assert!(!done.is_empty(), "round {round}: never completed");
            assert!(done.iter().all(|got| *got == inst), "round {round}");
        }
    }

    #[test]
    fn id_is_kept_for_resends_and_bumped_on_any_other_change() {
        let mut fragmenter = Fragmenter::new();
        let base = instruction(b"diff".to_vec());
        let first = fragmenter.make_fragments(&base, 1224)[0].id;
        assert_eq!(fragmenter.make_fragments(&base, 1224)[0].id, first);
        // Only the diff differs: same id.
        let other_diff = Instruction {
            diff: b"other".to_vec(),
            ..base.clone()
        };
        assert_eq!(fragmenter.make_fragments(&other_diff, 1224)[0].id, first);
        let changes = [
            Instruction {
                old_num: 99,
                ..base.clone()
            },
            Instruction {
                new_num: 99,
                ..base.clone()
            },
            Instruction {
                ack_num: 99,
                ..base.clone()
            },
            Instruction {
                throwaway_num: 99,
                ..base.clone()
            },
            Instruction {
                chaff: vec![],
                ..base.clone()
            },
            Instruction {
                protocol_version: 3,
                ..base.clone()
            },
        ];
        let mut last = first;
        for changed in changes {
            // From base to a change and back: two bumps.
            let id = fragmenter.make_fragments(&changed, 1224)[0].id;
            assert_eq!(id, last + 1, "{changed:?}");
            last = fragmenter.make_fragments(&base, 1224)[0].id;
            assert_eq!(last, id + 1);
        }
        assert_eq!(fragmenter.make_fragments(&base, 472)[0].id, last + 1);
    }

    #[test]
    fn new_id_discards_the_partial_instruction() {
        let inst = instruction(Rng(7).bytes(5000));
        let mut fragmenter = Fragmenter::new();
        let old = fragmenter.make_fragments(&inst, 472);
        let newer_inst = Instruction {
            new_num: 5,
            ..inst.clone()
        };
        let newer = fragmenter.make_fragments(&newer_inst, 472);
        assert!(old.len() > 2 && old[0].id != newer[0].id);
        let mut assembly = FragmentAssembly::new();
        for frag in &old[..old.len() - 1] {
            assert_eq!(assembly.add(frag.clone()), Ok(None));
        }
        assert!(assembly.held_fragments() > 0);
        let mut result = None;
        for frag in &newer {
            result = assembly.add(frag.clone()).unwrap();
        }
        assert_eq!(result, Some(newer_inst));
        // The old instruction's last fragment alone completes nothing.
        assert_eq!(assembly.add(old[old.len() - 1].clone()), Ok(None));
    }

    #[test]
    fn replayed_older_fragment_leaves_the_reassembly_in_progress() {
        let mut fragmenter = Fragmenter::new();
        let replayed = fragmenter.make_fragments(&instruction(b"captured".to_vec()), 472);
        let large = Instruction {
            new_num: 5,
            ..instruction(Rng(11).bytes(5000))
        };
        let current = fragmenter.make_fragments(&large, 472);
        assert!(current.len() > 2 && current[0].id > replayed[0].id);
        let mut assembly = FragmentAssembly::new();
        let (last, head) = current.split_last().unwrap();
        for frag in head {
            assert_eq!(assembly.add(frag.clone()), Ok(None));
            // Someone replays an authentic old datagram between each piece.
            assert_eq!(assembly.add_late(replayed[0].clone()), Ok(None));
        }
        assert_eq!(assembly.held_fragments(), head.len());
        assert_eq!(assembly.add(last.clone()), Ok(Some(large.clone())));

        // Late fragments of the current or a newer instruction still count.
        let mut assembly = FragmentAssembly::new();
        assert_eq!(
            assembly.add(replayed[0].clone()),
            Ok(Some(instruction(b"captured".to_vec())))
        );
        for frag in head {
            assert_eq!(assembly.add_late(frag.clone()), Ok(None));
        }
        assert_eq!(assembly.add_late(last.clone()), Ok(Some(large.clone())));

        // After garbage with a far higher id (from a peer holding the key,
        // in a datagram numbered far ahead, so every real one is late),
        // the real fragments still get through.
        let mut assembly = FragmentAssembly::new();
        let garbage = Fragment {
            id: u64::MAX / 3,
            num: 0,
            is_final: false,
            contents: vec![1; 100],
        };
        assert_eq!(assembly.add(garbage), Ok(None));
        for frag in head {
            assert_eq!(assembly.add_late(frag.clone()), Ok(None));
        }
        assert_eq!(assembly.add_late(last.clone()), Ok(Some(large)));
    }

    #[test]
    fn resend_after_completion_reassembles_again() {
        let inst = instruction(b"again".to_vec());
        let frag = Fragmenter::new().make_fragments(&inst, 1224).remove(0);
        let mut assembly = FragmentAssembly::new();
        assert_eq!(assembly.add(frag.clone()), Ok(Some(inst.clone())));
        assert_eq!(assembly.add(frag), Ok(Some(inst)));
        assert_eq!(assembly.held_bytes(), 0);
    }

    #[test]
    fn fragment_past_the_final_one_is_rejected() {
        let mut assembly = FragmentAssembly::new();
        let frag = |num, is_final| Fragment {
            id: 5,
            num,
            is_final,
            contents: vec![0; 4],
        };
        assert_eq!(assembly.add(frag(1, true)), Ok(None));
        assert_eq!(assembly.add(frag(2, false)), Err(WireError::BadFragment));
        assert_eq!(assembly.held_fragments(), 0);
        assert_eq!(assembly.add(frag(3, false)), Ok(None));
        assert_eq!(assembly.add(frag(2, true)), Err(WireError::BadFragment));
        assert_eq!(assembly.add(frag(4, true)), Ok(None));
        assert_eq!(assembly.add(frag(1, true)), Err(WireError::BadFragment));
    }

    #[test]
    fn giant_fragment_numbers_are_refused() {
        let mut assembly = FragmentAssembly::new();
        let frag = Fragment {
            id: 1,
            num: 0x7fff,
            is_final: true,
            contents: vec![1],
        };
        assert_eq!(assembly.add(frag), Err(WireError::FragmentLimit));
        let edge = Fragment {
            id: 1,
            num: (MAX_FRAGMENTS - 1) as u16,
            is_final: false,
            contents: vec![1],
        };
        assert_eq!(assembly.add(edge), Ok(None));
    }

    #[test]
    fn endless_non_final_stream_stays_under_the_byte_cap() {
        let mut assembly = FragmentAssembly::new();
        let mut refused = 0;
        for num in 0..MAX_FRAGMENTS as u16 {
            let frag = Fragment {
                id: 1,
                num,
                is_final: false,
                contents: vec![0; 1400],
            };
            if assembly.add(frag).is_err() {
                refused += 1;
            }
            assert!(assembly.held_bytes() <= MAX_COMPRESSED_BYTES);
        }
        assert!(refused > 0);
    }

    #[test]
    fn oversized_instruction_is_refused_by_the_sender() {
        let mut fragmenter = Fragmenter::new();
        let huge = instruction(vec![0; MAX_INSTRUCTION_BYTES]);
        assert_eq!(
            fragmenter.try_make_fragments(&huge, 1224),
            Err(WireError::InstructionTooLarge)
        );
        assert!(fragmenter.make_fragments(&huge, 1224).is_empty());
        // Refusal does not consume an id.
        assert_eq!(
            fragmenter.make_fragments(&instruction(vec![]), 1224)[0].id,
            1
        );
    }

    #[test]
    fn largest_allowed_instruction_round_trips_at_the_smallest_budget() {
        let mut rng = Rng(99);
        let overhead = instruction(vec![]).encode().len() + 4;
        let inst = instruction(rng.bytes(MAX_INSTRUCTION_BYTES - overhead));
        assert!(inst.encode().len() <= MAX_INSTRUCTION_BYTES);
        let frags = Fragmenter::new().try_make_fragments(&inst, 472).unwrap();
        let mut assembly = FragmentAssembly::new();
        let mut result = None;
        for frag in frags {
            result = assembly.add(frag).unwrap();
        }
        assert_eq!(result, Some(inst));
    }
}
