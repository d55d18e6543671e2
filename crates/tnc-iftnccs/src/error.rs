//! The crate's error type and its mapping to the PB-Error a receiver must send.

use tnc_wire::{DecodeError, DecodeErrorKind, EncodeError, Pen};

use crate::consts::{BatchType, ErrorCode, VERSION};
use crate::message::{ErrorParameters, PbError};
use crate::state::{Role, State};

/// Everything that can go wrong in this crate. Variants that describe bad input carry the
/// batch-relative byte offset of the offending field; [`Error::pb_error`] gives the PB-Error
/// (RFC 5793 §4.9) a receiver answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer than 8 octets: no batch header (Invalid Parameter, offset 0).
    #[error("batch of {len} octet(s) is shorter than the 8-octet PB-TNC header (offset 0)")]
    BatchTooShort {
        /// Octets received.
        len: usize,
    },
    /// Batch version other than 2 (Version Not Supported).
    #[error("PB-TNC version {version} is not supported, only 2 (offset 0)")]
    VersionNotSupported {
        /// The version octet received.
        version: u8,
    },
    /// The D bit does not match the sender's role (Invalid Parameter, offset 1).
    #[error(
        "batch directionality says it was sent by the {claimed:?}, but the peer is the {expected:?} (offset 1)"
    )]
    WrongDirection {
        /// The role the D bit claims.
        claimed: Role,
        /// The peer's actual role.
        expected: Role,
    },
    /// Batch type 7–15 (Invalid Parameter, offset 3).
    #[error("invalid batch type {value} (offset 3)")]
    InvalidBatchType {
        /// The batch-type nibble.
        value: u8,
    },
    /// The Batch Length field differs from the octets received (Invalid Parameter, offset 4).
    #[error("batch length field says {declared} octets but {received} were received (offset 4)")]
    LengthMismatch {
        /// The Batch Length field.
        declared: u32,
        /// Octets received.
        received: usize,
    },
    /// The batch is larger than the local limit (Invalid Parameter, offset 4).
    #[error(
        "batch of {len} octets exceeds the limit of {max} octets (offset 4); raise Limits::max_batch_size if the peer is legitimate"
    )]
    BatchTooLarge {
        /// The declared or received size.
        len: u64,
        /// The configured limit.
        max: u32,
    },
    /// A field holds an invalid value (Invalid Parameter at `offset`).
    #[error("invalid parameter at batch offset {offset}: {what}")]
    InvalidParameter {
        /// Batch-relative offset of the field.
        offset: u32,
        /// What was wrong.
        what: &'static str,
    },
    /// A field could not be decoded (Invalid Parameter at `offset`).
    #[error("malformed field at batch offset {offset}: {kind}")]
    Malformed {
        /// Batch-relative offset of the field.
        offset: u32,
        /// What was wrong.
        kind: DecodeErrorKind,
    },
    /// An unknown message with NOSKIP set (Unsupported Mandatory Message).
    #[error(
        "unsupported mandatory PB-TNC message {vendor}/{message_type} at batch offset {offset}"
    )]
    UnsupportedMandatoryMessage {
        /// Offset of the message header.
        offset: u32,
        /// Its vendor id.
        vendor: Pen,
        /// Its type.
        message_type: u32,
    },
    /// The batch type is not legal in the current state (Unexpected Batch Type).
    #[error("the {role:?} may not {action} a {batch_type} batch in state {state:?}")]
    UnexpectedBatchType {
        /// Our role.
        role: Role,
        /// "send" or "receive".
        action: &'static str,
        /// The batch type.
        batch_type: BatchType,
        /// Our state.
        state: State,
    },
    /// A local failure: round-trip limit, deadline, failing plug-in (Local Error).
    #[error("local error: {0}")]
    Local(&'static str),
    /// Encoding failed (a value does not fit its field).
    #[error(transparent)]
    Encode(#[from] EncodeError),
    /// The session is over; nothing can be sent or received any more.
    #[error("the PB-TNC session has ended")]
    SessionEnded,
}

fn offset32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::Malformed {
            offset: offset32(e.offset),
            kind: e.kind,
        }
    }
}

impl Error {
    pub(crate) fn invalid(offset: usize, what: &'static str) -> Self {
        Error::InvalidParameter {
            offset: offset32(offset),
            what,
        }
    }

    /// The PB-Error a receiver sends for this error (always FATAL, to be carried in a CLOSE
    /// batch), or `None` for errors that are not about received input.
    pub fn pb_error(&self) -> Option<PbError<'static>> {
        let (code, parameters) = match *self {
            Error::BatchTooShort { .. } => {
                (ErrorCode::INVALID_PARAMETER, ErrorParameters::Offset(0))
            }
            Error::VersionNotSupported { version } => (
                ErrorCode::VERSION_NOT_SUPPORTED,
                ErrorParameters::Version {
                    bad: version,
                    max: VERSION,
                    min: VERSION,
                },
            ),
            Error::WrongDirection { .. } => {
                (ErrorCode::INVALID_PARAMETER, ErrorParameters::Offset(1))
            }
            Error::InvalidBatchType { .. } => {
                (ErrorCode::INVALID_PARAMETER, ErrorParameters::Offset(3))
            }
            Error::LengthMismatch { .. } | Error::BatchTooLarge { .. } => {
                (ErrorCode::INVALID_PARAMETER, ErrorParameters::Offset(4))
            }
            Error::InvalidParameter { offset, .. } | Error::Malformed { offset, .. } => (
                ErrorCode::INVALID_PARAMETER,
                ErrorParameters::Offset(offset),
            ),
            Error::UnsupportedMandatoryMessage { offset, .. } => (
                ErrorCode::UNSUPPORTED_MANDATORY_MESSAGE,
                ErrorParameters::Offset(offset),
            ),
            Error::UnexpectedBatchType { .. } => {
                (ErrorCode::UNEXPECTED_BATCH_TYPE, ErrorParameters::None)
            }
            Error::Local(_) => (ErrorCode::LOCAL_ERROR, ErrorParameters::None),
            Error::Encode(_) | Error::SessionEnded => return None,
        };
        Some(PbError {
            fatal: true,
            vendor: Pen::IETF,
            code,
            parameters,
        })
    }
}
