//! The one error type of the wire layer: every way a datagram, fragment,
//! key string or message can fail to decode (or fail to be produced).
//!
//! Nothing in the wire layer panics on input; every decoder returns one of
//! these instead, and the transport decides whether to drop the datagram or
//! end the session.

use std::fmt;

/// Why a wire-level operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WireError {
    /// The input is shorter than the fixed header it must start with
    /// (a datagram under 24 bytes, a plaintext under 4, a fragment under 10).
    TooShort,
    /// The datagram failed AES-OCB authentication (wrong key, or tampered).
    Authentication,
    /// Sealing refused: this key has sealed its budget of 2^47 blocks.
    EncryptionLimit,
    /// Sealing refused: the plaintext is longer than OCB can take in one go.
    PlaintextTooLong,
    /// The zlib stream is malformed (bad header, bad data, bad checksum,
    /// or truncated).
    Decompress,
    /// The zlib stream inflates to more than the allowed size.
    DecompressTooLarge,
    /// The protobuf bytes are malformed; the text says how.
    Protobuf(&'static str),
    /// A fragment contradicts the others of its instruction (e.g. a
    /// fragment numbered past the final one, or two different finals).
    BadFragment,
    /// An instruction's fragments exceed the reassembly caps (fragment
    /// number or total bytes).
    FragmentLimit,
    /// An instruction to send is larger than any peer will accept.
    InstructionTooLarge,
    /// A session key string is not a well-formed 22-character key; the
    /// text says how.
    KeyFormat(&'static str),
    /// The operating system's random source failed while making a key.
    KeyGeneration,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::TooShort => write!(f, "datagram too short"),
            WireError::Authentication => write!(f, "packet failed integrity check"),
            WireError::EncryptionLimit => {
                write!(
                    f,
                    "encrypted 2^47 blocks under one key; the session must end"
                )
            }
            WireError::PlaintextTooLong => write!(f, "plaintext too long to encrypt"),
            WireError::Decompress => write!(f, "malformed zlib data"),
            WireError::DecompressTooLarge => write!(f, "zlib data inflates past the size limit"),
            WireError::Protobuf(why) => write!(f, "malformed protobuf: {why}"),
            WireError::BadFragment => write!(f, "inconsistent instruction fragment"),
            WireError::FragmentLimit => write!(f, "instruction fragments exceed the size limit"),
            WireError::InstructionTooLarge => write!(f, "instruction too large to send"),
            WireError::KeyFormat(why) => write!(f, "bad session key: {why}"),
            WireError::KeyGeneration => write!(f, "could not read random bytes for a session key"),
        }
    }
}

impl std::error::Error for WireError {}
