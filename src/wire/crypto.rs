//! Sealing and opening datagrams with AES-128-OCB3 (RFC 7253): 12-byte
//! nonce, 16-byte tag, no associated data. A datagram is
//! `nonce_tail[8] || ciphertext || tag[16]`.

use std::fmt;

use aes::Aes128;
use ocb3::aead::{AeadInOut, KeyInit};
use ocb3::Ocb3;

use super::error::WireError;
use super::key::SessionKey;
use super::nonce::Nonce;

/// Bytes of clear nonce at the start of a datagram.
pub(crate) const NONCE_TAIL_LEN: usize = 8;
/// Bytes of authentication tag at the end of a datagram.
pub(crate) const TAG_LEN: usize = 16;
/// Bytes a datagram adds to its plaintext.
pub(crate) const SEAL_OVERHEAD: usize = NONCE_TAIL_LEN + TAG_LEN;

/// OCB's security degrades with the square of the blocks seen under one
/// key; both directions share the key, so each side stops at 2^47.
const BLOCK_BUDGET: u64 = 1 << 47;

type Aes128Ocb3 = Ocb3<Aes128>;

/// The session's AEAD. `seal` counts the blocks it has encrypted and
/// refuses once this key's budget is spent.
pub struct Cipher {
    aead: Aes128Ocb3,
    blocks_sealed: u64,
}

impl Cipher {
    pub fn new(key: &SessionKey) -> Cipher {
        Cipher {
            aead: Aes128Ocb3::new(key.bytes().into()),
            blocks_sealed: 0,
        }
    }

    /// Encrypts `plaintext` under `nonce` and returns the whole datagram.
    /// The caller must never reuse a nonce under one key.
    pub fn seal(&mut self, nonce: Nonce, plaintext: &[u8]) -> Result<Vec<u8>, WireError> {
        let blocks =
            u64::try_from(plaintext.len().div_ceil(16)).map_err(|_| WireError::PlaintextTooLong)?;
        let total = self.blocks_sealed.saturating_add(blocks);
        if total >= BLOCK_BUDGET {
            return Err(WireError::EncryptionLimit);
        }
        let mut datagram = Vec::with_capacity(plaintext.len() + SEAL_OVERHEAD);
        datagram.extend_from_slice(&nonce.to_wire());
        seal_append(&self.aead, &nonce.full(), plaintext, &mut datagram)?;
        self.blocks_sealed = total;
        Ok(datagram)
    }

    /// Authenticates and decrypts a datagram, returning its nonce and
    /// plaintext. Fails for fewer than 24 bytes or a bad tag.
    pub fn open(&self, datagram: &[u8]) -> Result<(Nonce, Vec<u8>), WireError> {
        if datagram.len() < SEAL_OVERHEAD {
            return Err(WireError::TooShort);
        }
        let (tail, sealed) = datagram
            .split_first_chunk::<NONCE_TAIL_LEN>()
            .ok_or(WireError::TooShort)?;
        let nonce = Nonce::from_wire(*tail);
        let plaintext = open_detached(&self.aead, &nonce.full(), sealed)?;
        Ok((nonce, plaintext))
    }

    #[cfg(test)]
    /// How many 16-byte blocks this cipher has sealed so far.
    pub(crate) fn blocks_sealed(&self) -> u64 {
        self.blocks_sealed
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("blocks_sealed", &self.blocks_sealed)
            .finish_non_exhaustive()
    }
}

/// Appends `ciphertext || tag` for `plaintext` under the full 12-byte
/// nonce to `out`.
fn seal_append(
    aead: &Aes128Ocb3,
    nonce: &[u8; 12],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), WireError> {
    let start = out.len();
    out.extend_from_slice(plaintext);
    let body = out.get_mut(start..).ok_or(WireError::PlaintextTooLong)?;
    let tag = aead
        .encrypt_inout_detached(nonce.into(), &[], body.into())
        .map_err(|_| WireError::PlaintextTooLong)?;
    out.extend_from_slice(&tag);
    Ok(())
}

/// The plaintext of `ciphertext || tag`, if the tag verifies.
fn open_detached(aead: &Aes128Ocb3, nonce: &[u8; 12], sealed: &[u8]) -> Result<Vec<u8>, WireError> {
    let (body, tag) = sealed
        .split_last_chunk::<TAG_LEN>()
        .ok_or(WireError::TooShort)?;
    let mut plaintext = body.to_vec();
    aead.decrypt_inout_detached(
        nonce.into(),
        &[],
        plaintext.as_mut_slice().into(),
        tag.into(),
    )
    .map_err(|_| WireError::Authentication)?;
    Ok(plaintext)
}

#[cfg(test)]
mod tests {
    use super::super::nonce::Direction;
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    fn counting(len: usize) -> Vec<u8> {
        (0..len).map(|i| i as u8).collect()
    }

    /// RFC 7253 Appendix A, AES-128, TAGLEN 128: (nonce, A len, P len, C).
    /// K = 000102..0F; A and P are the first `len` bytes of 00 01 02 ...
    const RFC7253_SAMPLES: [(&str, usize, usize, &str); 16] = [
        ("BBAA99887766554433221100", 0, 0, "785407BFFFC8AD9EDCC5520AC9111EE6"),
        ("BBAA99887766554433221101", 8, 8, "6820B3657B6F615A5725BDA0D3B4EB3A257C9AF1F8F03009"),
        ("BBAA99887766554433221102", 8, 0, "81017F8203F081277152FADE694A0A00"),
        ("BBAA99887766554433221103", 0, 8, "45DD69F8F5AAE72414054CD1F35D82760B2CD00D2F99BFA9"),
        ("BBAA99887766554433221104", 16, 16, "571D535B60B277188BE5147170A9A22C3AD7A4FF3835B8C5701C1CCEC8FC3358"),
        ("BBAA99887766554433221105", 16, 0, "8CF761B6902EF764462AD86498CA6B97"),
        ("BBAA99887766554433221106", 0, 16, "5CE88EC2E0692706A915C00AEB8B2396F40E1C743F52436BDF06D8FA1ECA343D"),
        ("BBAA99887766554433221107", 24, 24, "1CA2207308C87C010756104D8840CE1952F09673A448A122C92C62241051F57356D7F3C90BB0E07F"),
        ("BBAA99887766554433221108", 24, 0, "6DC225A071FC1B9F7C69F93B0F1E10DE"),
        ("BBAA99887766554433221109", 0, 24, "221BD0DE7FA6FE993ECCD769460A0AF2D6CDED0C395B1C3CE725F32494B9F914D85C0B1EB38357FF"),
        ("BBAA9988776655443322110A", 32, 32, "BD6F6C496201C69296C11EFD138A467ABD3C707924B964DEAFFC40319AF5A48540FBBA186C5553C68AD9F592A79A4240"),
        ("BBAA9988776655443322110B", 32, 0, "FE80690BEE8A485D11F32965BC9D2A32"),
        ("BBAA9988776655443322110C", 0, 32, "2942BFC773BDA23CABC6ACFD9BFD5835BD300F0973792EF46040C53F1432BCDFB5E1DDE3BC18A5F840B52E653444D5DF"),
        ("BBAA9988776655443322110D", 40, 40, "D5CA91748410C1751FF8A2F618255B68A0A12E093FF454606E59F9C1D0DDC54B65E8628E568BAD7AED07BA06A4A69483A7035490C5769E60"),
        ("BBAA9988776655443322110E", 40, 0, "C5CD9D1850C141E358649994EE701B68"),
        ("BBAA9988776655443322110F", 0, 40, "4412923493C57D5DE0D700F753CCE0D1D2D95060122E9F15A5DDBFC5787E50B5CC55EE507BCB084E479AD363AC366B95A98CA5F3000B1479"),
    ];

    fn rfc_aead() -> Aes128Ocb3 {
        let key: [u8; 16] = counting(16).try_into().unwrap();
        Aes128Ocb3::new((&key).into())
    }

    #[test]
    fn rfc7253_samples_without_associated_data_via_our_seal_and_open() {
        let aead = rfc_aead();
        for (nonce, ad_len, p_len, expected) in RFC7253_SAMPLES {
            if ad_len != 0 {
                continue;
            }
            let nonce: [u8; 12] = hex(nonce).try_into().unwrap();
            let mut sealed = Vec::new();
            seal_append(&aead, &nonce, &counting(p_len), &mut sealed).unwrap();
            assert_eq!(sealed, hex(expected));
            assert_eq!(
                open_detached(&aead, &nonce, &sealed).unwrap(),
                counting(p_len)
            );
        }
    }

    #[test]
    fn rfc7253_all_samples_via_the_crate() {
        let aead = rfc_aead();
        for (nonce, ad_len, p_len, expected) in RFC7253_SAMPLES {
            let nonce: [u8; 12] = hex(nonce).try_into().unwrap();
            let mut buffer = counting(p_len);
            let tag = aead
                .encrypt_inout_detached(
                    (&nonce).into(),
                    &counting(ad_len),
                    buffer.as_mut_slice().into(),
                )
                .unwrap();
            buffer.extend_from_slice(&tag);
            assert_eq!(buffer, hex(expected));
        }
    }

    /// RFC 7253 Appendix A, "more sample results": one tag over 128
    /// rounds of encryptions with growing inputs, AES-128, TAGLEN 128.
    #[test]
    fn rfc7253_wider_variety_result() {
        let mut key = [0u8; 16];
        key[15] = 128;
        let aead = Aes128Ocb3::new((&key).into());
        let nonce_of = |n: u32| {
            let mut nonce = [0u8; 12];
            nonce[8..].copy_from_slice(&n.to_be_bytes());
            nonce
        };
        let encrypt = |n: u32, ad: &[u8], text: &[u8]| {
            let mut buffer = text.to_vec();
            let tag = aead
                .encrypt_inout_detached((&nonce_of(n)).into(), ad, buffer.as_mut_slice().into())
                .unwrap();
            buffer.extend_from_slice(&tag);
            buffer
        };
        let mut c = Vec::new();
        for i in 0..128u32 {
            let s = vec![0u8; i as usize];
            c.extend(encrypt(3 * i + 1, &s, &s));
            c.extend(encrypt(3 * i + 2, &[], &s));
            c.extend(encrypt(3 * i + 3, &s, &[]));
        }
        assert_eq!(c.len(), 22_400);
        assert_eq!(
            encrypt(385, &c, &[]),
            hex("67E944D23256C5E0B6C61FA22FDF1EA2")
        );
    }

    fn test_cipher() -> Cipher {
        Cipher::new(&SessionKey::from_bytes(*b"0123456789abcdef"))
    }

    #[test]
    fn seal_open_round_trip_with_nonce_in_clear() {
        let mut cipher = test_cipher();
        let nonce = Nonce {
            direction: Direction::ToClient,
            seq: 42,
        };
        for len in [0, 1, 15, 16, 17, 1200] {
            let plaintext = counting(len);
            let datagram = cipher.seal(nonce, &plaintext).unwrap();
            assert_eq!(datagram.len(), len + SEAL_OVERHEAD);
            assert_eq!(datagram[..8], nonce.to_wire());
            assert_eq!(cipher.open(&datagram).unwrap(), (nonce, plaintext));
        }
    }

    #[test]
    fn every_single_bit_flip_fails_authentication() {
        let mut cipher = test_cipher();
        let nonce = Nonce {
            direction: Direction::ToServer,
            seq: 7,
        };
        let datagram = cipher.seal(nonce, b"hello, world").unwrap();
        for bit in 0..datagram.len() * 8 {
            let mut tampered = datagram.clone();
            tampered[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                cipher.open(&tampered),
                Err(WireError::Authentication),
                "bit {bit}"
            );
        }
    }

    #[test]
    fn truncation_is_rejected() {
        let mut cipher = test_cipher();
        let nonce = Nonce {
            direction: Direction::ToServer,
            seq: 0,
        };
        let datagram = cipher.seal(nonce, b"some bytes").unwrap();
        for len in 0..datagram.len() {
            let expected = if len < SEAL_OVERHEAD {
                WireError::TooShort
            } else {
                WireError::Authentication
            };
            assert_eq!(cipher.open(&datagram[..len]), Err(expected), "len {len}");
        }
    }

    #[test]
    fn wrong_key_fails_authentication() {
        let mut cipher = test_cipher();
        let other = Cipher::new(&SessionKey::from_bytes(*b"0123456789abcdeF"));
        let datagram = cipher
            .seal(
                Nonce {
                    direction: Direction::ToServer,
                    seq: 1,
                },
                b"x",
            )
            .unwrap();
        assert_eq!(other.open(&datagram), Err(WireError::Authentication));
    }

    #[test]
    fn sealing_stops_at_the_block_budget() {
        let mut cipher = test_cipher();
        let nonce = Nonce {
            direction: Direction::ToServer,
            seq: 1,
        };
        cipher.blocks_sealed = BLOCK_BUDGET - 3;
        // 17 bytes are two blocks: the total reaches 2^47 - 1, still allowed.
        cipher.seal(nonce, &[0; 17]).unwrap();
        assert_eq!(cipher.blocks_sealed(), BLOCK_BUDGET - 1);
        assert_eq!(cipher.seal(nonce, &[0; 1]), Err(WireError::EncryptionLimit));
        assert_eq!(cipher.seal(nonce, &[]).map(|d| d.len()), Ok(SEAL_OVERHEAD));
    }

    #[test]
    fn debug_does_not_reveal_key_material() {
        let shown = format!("{:?}", test_cipher());
        assert!(!shown.contains("0123456789abcdef"), "{shown}");
    }
}
