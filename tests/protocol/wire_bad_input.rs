//! Hostile input for every wire decoder: random and mutated datagrams,
//! wrong keys and directions, random fragments (giant numbers, endless
//! streams, huge ids), malformed protobuf, and zlib bombs. Nothing may
//! panic, memory held must stay under the caps, and errors come back as
//! `Err`. Seeded PRNG, so every run sees the same inputs.

use crate::support::hostile;
use crate::support::rng::Rng;
use miniz_oxide::deflate::core::{
    compress as deflate, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush,
    TDEFLStatus,
};
use mosh_rs::wire::fragment::MAX_COMPRESSED_BYTES;
use mosh_rs::wire::protobuf::{write_bytes_field, write_varint, write_varint_field};
use mosh_rs::wire::*;

fn key(byte: u8) -> SessionKey {
    SessionKey::from_bytes([byte; 16])
}

/// Everything a receiver does with one datagram, end to end.
fn receive(
    cipher: &Cipher,
    assembly: &mut FragmentAssembly,
    datagram: &[u8],
) -> Result<Option<Instruction>, WireError> {
    let (_nonce, plaintext) = cipher.open(datagram)?;
    receive_plaintext(assembly, &plaintext)
}

fn receive_plaintext(
    assembly: &mut FragmentAssembly,
    plaintext: &[u8],
) -> Result<Option<Instruction>, WireError> {
    let packet = Packet::decode(plaintext)?;
    let fragment = Fragment::decode(&packet.payload)?;
    let result = assembly.add(fragment);
    assert_bounded(assembly);
    let inst = result?;
    if let Some(inst) = &inst {
        // Either side's diff decoder must survive whatever arrived.
        let _ = decode_user_message(&inst.diff);
        let _ = decode_host_message(&inst.diff);
    }
    Ok(inst)
}

fn assert_bounded(assembly: &FragmentAssembly) {
    assert!(assembly.held_bytes() <= MAX_COMPRESSED_BYTES);
    assert!(assembly.held_fragments() <= MAX_FRAGMENTS);
}

fn sample_instruction(rng: &mut Rng) -> Instruction {
    let events: Vec<HostEvent> = (0..1 + rng.index(4))
        .map(|_| match rng.index(3) {
            0 => HostEvent::EchoAck(rng.next_u64()),
            1 => HostEvent::Resize {
                width: rng.next_u64() as i32,
                height: rng.next_u64() as i32,
            },
            _ => HostEvent::HostBytes(rng.some_bytes(3000)),
        })
        .collect();
    Instruction {
        protocol_version: PROTOCOL_VERSION,
        old_num: rng.next_u64() % 100,
        new_num: rng.next_u64() % 100,
        ack_num: rng.next_u64() % 100,
        throwaway_num: rng.next_u64() % 100,
        diff: encode_host_message(&events),
        chaff: rng.some_bytes(17),
    }
}

/// Sealed datagrams carrying the fragments of `inst`.
fn seal_all(cipher: &mut Cipher, seq: &mut u64, inst: &Instruction, budget: usize) -> Vec<Vec<u8>> {
    Fragmenter::new()
        .make_fragments(inst, budget)
        .into_iter()
        .map(|frag| {
            let packet = Packet {
                timestamp: 1,
                timestamp_reply: TIMESTAMP_NONE,
                payload: frag.encode(),
            };
            *seq += 1;
            let nonce = Nonce {
                direction: Direction::ToClient,
                seq: *seq,
            };
            cipher.seal(nonce, &packet.encode()).unwrap()
        })
        .collect()
}

#[test]
fn random_datagrams_are_rejected() {
    let mut rng = Rng::new(1);
    let cipher = Cipher::new(&key(7));
    let mut assembly = FragmentAssembly::new();
    for _ in 0..20_000 {
        let datagram = rng.some_bytes(1500);
        let result = receive(&cipher, &mut assembly, &datagram);
        let expected = if datagram.len() < 24 {
            WireError::TooShort
        } else {
            WireError::Authentication
        };
        assert_eq!(result, Err(expected));
    }
}

#[test]
fn mutated_datagrams_are_rejected_and_originals_still_work() {
    let mut rng = Rng::new(2);
    let mut sender = Cipher::new(&key(9));
    let receiver = Cipher::new(&key(9));
    let mut seq = 0;
    for _ in 0..300 {
        let inst = sample_instruction(&mut rng);
        let datagrams = seal_all(&mut sender, &mut seq, &inst, 1224);
        let mut assembly = FragmentAssembly::new();
        for datagram in &datagrams {
            for _ in 0..10 {
                let mutated = hostile::mutate(&mut rng, datagram);
                if mutated != *datagram {
                    assert!(receive(&receiver, &mut assembly, &mutated).is_err());
                }
            }
        }
        let mut done = None;
        for datagram in &datagrams {
            done = receive(&receiver, &mut assembly, datagram).unwrap();
        }
        assert_eq!(done, Some(inst));
    }
}

#[test]
fn wrong_key_never_opens() {
    let mut rng = Rng::new(3);
    let mut sender = Cipher::new(&key(1));
    let mut seq = 0;
    for other in [key(2), SessionKey::generate().unwrap()] {
        let stranger = Cipher::new(&other);
        for _ in 0..200 {
            for datagram in seal_all(&mut sender, &mut seq, &sample_instruction(&mut rng), 472) {
                assert_eq!(stranger.open(&datagram), Err(WireError::Authentication));
            }
        }
    }
}

#[test]
fn direction_bit_is_reported_so_reflected_datagrams_can_be_dropped() {
    // Both directions share the key: a datagram reflected back at its
    // sender opens fine, and only its direction shows it is not the peer's.
    let mut client = Cipher::new(&key(5));
    let nonce = Nonce {
        direction: Direction::ToServer,
        seq: 3,
    };
    let datagram = client.seal(nonce, &[0, 1, 0, 2]).unwrap();
    let (opened, _) = client.open(&datagram).unwrap();
    assert_eq!(opened.direction, Direction::ToServer);
    assert_ne!(opened.direction, Direction::ToServer.reverse());
    // Flipping the clear direction bit breaks authentication.
    let mut flipped = datagram.clone();
    flipped[0] ^= 0x80;
    assert_eq!(client.open(&flipped), Err(WireError::Authentication));
}

#[test]
fn authenticated_garbage_plaintexts_do_not_panic() {
    // A peer holding the key can send anything: random plaintexts and
    // random fragments must still come back as errors or nothing.
    let mut rng = Rng::new(4);
    let mut assembly = FragmentAssembly::new();
    for _ in 0..20_000 {
        let plaintext = rng.some_bytes(1300);
        let _ = receive_plaintext(&mut assembly, &plaintext);
    }
}

#[test]
fn random_fragments_stay_bounded() {
    let mut rng = Rng::new(5);
    let mut assembly = FragmentAssembly::new();
    let ids = [0, 1, u64::MAX, u64::MAX - 1, 1 << 63];
    for i in 0..20_000 {
        let frag = Fragment {
            id: if i % 3 == 0 {
                rng.next_u64()
            } else {
                ids[rng.index(ids.len())]
            },
            num: match rng.index(4) {
                0 => 0x7fff,
                1 => rng.next_u64() as u16 & 0x7fff,
                _ => rng.index(64) as u16,
            },
            is_final: rng.index(8) == 0,
            contents: rng.some_bytes(1500),
        };
        let _ = assembly.add(Fragment::decode(&frag.encode()).unwrap());
        assert_bounded(&assembly);
    }
}

#[test]
fn endless_non_final_stream_is_capped() {
    let mut assembly = FragmentAssembly::new();
    let mut refused = 0;
    for round in 0..3u64 {
        for num in 0..0x8000u16 {
            let frag = Fragment {
                id: round,
                num,
                is_final: false,
                contents: vec![0xab; 1214],
            };
            if assembly.add(frag).is_err() {
                refused += 1;
            }
            assert_bounded(&assembly);
        }
    }
    assert!(refused > 0);
}

#[test]
fn malformed_protobuf_is_an_error_or_ignored_never_a_panic() {
    let mut rng = Rng::new(6);
    let mut seeds: Vec<Vec<u8>> = vec![
        sample_instruction(&mut rng).encode(),
        encode_user_message(&[
            UserEvent::Keystroke(b"ls -l\r".to_vec()),
            UserEvent::Resize {
                width: -5,
                height: 1 << 20,
            },
        ]),
        encode_host_message(&[
            HostEvent::EchoAck(u64::MAX),
            HostEvent::HostBytes(b"\x1b[2J".to_vec()),
        ]),
    ];
    // Hand-made shapes: truncated varints, lengths past the end, overlong
    // varints, groups, unknown wire types, deep nesting of field 1.
    seeds.push(vec![0x08, 0x80, 0x80]);
    seeds.push(vec![0x32, 0xff, 0xff, 0xff, 0xff, 0x0f, b'x']);
    let mut overlong = vec![0x10];
    overlong.extend([0xff; 11]);
    seeds.push(overlong);
    seeds.push(vec![0x0b, 0x0c]);
    seeds.push(vec![0x0e, 0x01]);
    seeds.push(vec![0x0f, 0x01]);
    let mut nested = vec![0x12, 0x00];
    for _ in 0..200 {
        let mut outer = Vec::new();
        write_bytes_field(&mut outer, 1, &nested);
        nested = outer;
    }
    seeds.push(nested);
    for seed in &seeds {
        for _ in 0..3_000 {
            let input = hostile::mutate(&mut rng, seed);
            let _ = Instruction::decode(&input);
            let _ = decode_user_message(&input);
            let _ = decode_host_message(&input);
        }
    }
    for _ in 0..20_000 {
        let input = rng.some_bytes(64);
        let _ = Instruction::decode(&input);
        let _ = decode_user_message(&input);
        let _ = decode_host_message(&input);
    }
}

#[test]
fn specific_malformations_are_errors() {
    let mut truncated_len = Vec::new();
    write_varint(&mut truncated_len, 0x0a);
    write_varint(&mut truncated_len, 1 << 40);
    let mut huge_field = Vec::new();
    write_varint_field(&mut huge_field, 1, 0);
    huge_field.extend([0xf8, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]); // field 2^32 - 1 + ...
    for bad in [
        &[0x08, 0x80][..],
        &truncated_len,
        &[0x0b],
        &[0x0f],
        &huge_field,
    ] {
        assert!(Instruction::decode(bad).is_err(), "{bad:?}");
        assert!(decode_user_message(bad).is_err(), "{bad:?}");
        assert!(decode_host_message(bad).is_err(), "{bad:?}");
    }
    // An inner instruction whose extension claims more bytes than it has:
    // only the messages look inside field 1.
    let inner_past_end = [0x0a, 0x03, 0x12, 0x05, 0x00];
    assert!(decode_user_message(&inner_past_end).is_err());
    assert!(decode_host_message(&inner_past_end).is_err());
    assert_eq!(
        Instruction::decode(&inner_past_end),
        Ok(Instruction::default())
    );
}

/// A zlib stream of `mib` MiB of zeros, about 1 KB per MiB (deflate's
/// limit is about 1032:1): one sync-flushed chunk of back-references,
/// repeated, then an empty final block and the Adler-32.
fn zlib_bomb(mib: usize) -> Vec<u8> {
    let mut compressor = CompressorOxide::new(create_comp_flags_from_zip_params(9, -15, 0));
    let zeros = vec![0u8; 1 << 20];
    let chunk = |compressor: &mut CompressorOxide| {
        let mut out = vec![0u8; 1 << 16];
        let (status, used, written) = deflate(compressor, &zeros, &mut out, TDEFLFlush::Sync);
        assert_eq!((status, used), (TDEFLStatus::Okay, zeros.len()));
        out.truncate(written);
        out
    };
    let first = chunk(&mut compressor);
    let steady = chunk(&mut compressor);
    let mut bomb = vec![0x78, 0xda];
    bomb.extend(first);
    for _ in 1..mib {
        bomb.extend_from_slice(&steady);
    }
    bomb.extend([0x01, 0x00, 0x00, 0xff, 0xff]);
    let adler_b = ((mib as u64) << 20) % 65521;
    bomb.extend((((adler_b << 16) | 1) as u32).to_be_bytes());
    bomb
}

#[test]
fn zlib_bomb_construction_is_valid() {
    let bomb = zlib_bomb(8);
    assert_eq!(decompress(&bomb, 8 << 20).unwrap(), vec![0u8; 8 << 20]);
}

#[test]
fn zlib_bombs_are_refused_at_the_cap() {
    let small = zlib_bomb(5);
    assert!(small.len() < 8_000, "{} bytes", small.len());
    assert_eq!(
        decompress(&small, MAX_INSTRUCTION_BYTES),
        Err(WireError::DecompressTooLarge)
    );
    let gigabyte = zlib_bomb(1024);
    assert!(gigabyte.len() < MAX_COMPRESSED_BYTES);
    assert_eq!(
        decompress(&gigabyte, MAX_INSTRUCTION_BYTES),
        Err(WireError::DecompressTooLarge)
    );
}

#[test]
fn zlib_bomb_in_fragments_is_refused_by_the_assembly() {
    let bomb = zlib_bomb(1024);
    let pieces: Vec<&[u8]> = bomb.chunks(1214).collect();
    let mut assembly = FragmentAssembly::new();
    let mut last = Ok(None);
    for (num, piece) in pieces.iter().enumerate() {
        let frag = Fragment {
            id: 42,
            num: num as u16,
            is_final: num + 1 == pieces.len(),
            contents: piece.to_vec(),
        };
        last = assembly.add(frag);
        assert_bounded(&assembly);
    }
    assert_eq!(last, Err(WireError::DecompressTooLarge));
    assert_eq!(assembly.held_bytes(), 0);
}

#[test]
fn fragment_headers_survive_any_bytes() {
    let mut rng = Rng::new(8);
    for _ in 0..20_000 {
        let bytes = rng.some_bytes(40);
        match Fragment::decode(&bytes) {
            Ok(frag) => {
                assert!(bytes.len() >= HEADER_LEN);
                assert_eq!(frag.encode(), bytes);
            }
            Err(err) => assert_eq!((err, bytes.len() < HEADER_LEN), (WireError::TooShort, true)),
        }
    }
}

#[test]
fn key_parser_survives_any_text() {
    let mut rng = Rng::new(9);
    let alphabet =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\x00\xc3\xa9";
    for _ in 0..20_000 {
        let len = [21, 22, 22, 22, 23, rng.index(40)][rng.index(6)];
        let bytes: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.index(alphabet.len())])
            .collect();
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(key) = SessionKey::parse(&text) {
            assert_eq!(key.to_base64(), text);
        }
    }
}
