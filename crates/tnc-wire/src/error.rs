//! The one error type of the wire layer: what went wrong and at which byte.

use core::fmt;

/// A decoding failure: the byte offset (from the start of the outermost buffer the
/// [`Reader`](crate::Reader) was created for) and what was wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at offset {offset}")]
pub struct DecodeError {
    /// Absolute byte offset of the offending field.
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// Builds an error at `offset`.
    pub const fn new(offset: usize, kind: DecodeErrorKind) -> Self {
        Self { offset, kind }
    }

    /// An [`DecodeErrorKind::InvalidValue`] error for `field` at `offset`.
    pub const fn invalid(offset: usize, field: &'static str, value: u64) -> Self {
        Self::new(offset, DecodeErrorKind::InvalidValue { field, value })
    }
}

/// What made a decode fail.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended before a field was complete.
    Truncated {
        /// Octets the field needed.
        needed: usize,
        /// Octets that were left.
        available: usize,
    },
    /// A length field is smaller than the structure's fixed part.
    LengthTooShort {
        /// Which length field.
        field: &'static str,
        /// The minimum legal value.
        min: u64,
        /// The value on the wire.
        actual: u64,
    },
    /// A length field exceeds a configured or structural maximum.
    LengthTooLarge {
        /// Which length field.
        field: &'static str,
        /// The maximum accepted value.
        max: u64,
        /// The value on the wire.
        actual: u64,
    },
    /// A field holds a value the specification forbids.
    InvalidValue {
        /// Which field.
        field: &'static str,
        /// The value on the wire.
        value: u64,
    },
    /// Octets were left over after a structure that must fill its container.
    TrailingBytes {
        /// How many octets were left.
        count: usize,
    },
    /// A field that must be UTF-8 is not.
    InvalidUtf8 {
        /// Which field.
        field: &'static str,
    },
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => write!(
                f,
                "input truncated: needed {needed} octet(s), {available} available"
            ),
            Self::LengthTooShort { field, min, actual } => {
                write!(f, "{field} {actual} is below the minimum {min}")
            }
            Self::LengthTooLarge { field, max, actual } => {
                write!(f, "{field} {actual} exceeds the maximum {max}")
            }
            Self::InvalidValue { field, value } => {
                write!(f, "invalid {field} value {value} (0x{value:x})")
            }
            Self::TrailingBytes { count } => write!(f, "{count} unexpected trailing octet(s)"),
            Self::InvalidUtf8 { field } => write!(f, "{field} is not valid UTF-8"),
        }
    }
}

/// An encoding failure: a value does not fit its length field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A length does not fit the field's width.
    #[error("{field} of {len} octets does not fit in {bits} bits")]
    LengthOverflow {
        /// Which length field.
        field: &'static str,
        /// The length that had to be written.
        len: u64,
        /// The field's width in bits.
        bits: u32,
    },
    /// A field's value is outside its legal range.
    #[error("{field} value {value} is out of range")]
    OutOfRange {
        /// Which field.
        field: &'static str,
        /// The offending value.
        value: u64,
    },
}
