//! The one error type of this crate.

use tnc_wire::{DecodeError, EncodeError};

/// Everything that can go wrong in `tnc-ifm` outside of plain decoding.
///
/// Decoding functions return [`tnc_wire::DecodeError`] (offset + kind), which
/// converts into this type; [`crate::receive`] turns decode failures into the
/// PA-TNC Error attribute the protocol requires instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed input; `offset` is counted from the start of the PA-TNC message
    /// (or of the reassembled attribute for segmentation).
    #[error("malformed PA-TNC data: {0}")]
    Decode(#[from] DecodeError),
    /// A value could not be encoded.
    #[error("cannot encode: {0}")]
    Encode(#[from] EncodeError),
    /// The negotiated contract does not allow segmenting this attribute.
    #[error(
        "attribute of {len} octets cannot be segmented under max segment size {max_segment_size}: {reason}"
    )]
    NotSegmentable {
        /// Total length of the base attribute.
        len: usize,
        /// The contract's maximum segment size.
        max_segment_size: u32,
        /// Why (fits unsegmented, contract forbids segmentation, …).
        reason: &'static str,
    },
    /// A segment is larger than the contract allows.
    #[error(
        "segment of {len} octets for base message {base_message_id} exceeds the contract's max segment size {max}; reject the peer's segment"
    )]
    SegmentTooLarge {
        /// Base Message ID.
        base_message_id: u32,
        /// Segment value length received.
        len: usize,
        /// The contract's maximum.
        max: u32,
    },
    /// The base attribute announced in a first segment is larger than the
    /// contract's maximum message size allows.
    #[error(
        "base attribute of {len} octets (message {base_message_id}) exceeds the contract's max message size {max}"
    )]
    AttributeTooLarge {
        /// Base Message ID.
        base_message_id: u32,
        /// Announced attribute length.
        len: u64,
        /// The contract's maximum message size.
        max: u32,
    },
    /// A continuation segment or Next Segment names a transfer that is not open.
    #[error("no open segmented transfer with base message id {base_message_id}")]
    UnknownBaseMessageId {
        /// Base Message ID.
        base_message_id: u32,
    },
    /// A first segment reuses a Base Message ID that is still open; it is dropped.
    #[error("base message id {base_message_id} is already in use; first segment dropped")]
    DuplicateBaseMessageId {
        /// Base Message ID.
        base_message_id: u32,
    },
    /// More data arrived than the base attribute's length announced.
    #[error(
        "segments of base message {base_message_id} exceed the announced attribute length {expected}"
    )]
    Overrun {
        /// Base Message ID.
        base_message_id: u32,
        /// Announced attribute length.
        expected: usize,
    },
    /// The last segment (M = 0) arrived before the base attribute was complete.
    #[error(
        "base message {base_message_id} ended after {received} of {expected} octets (Invalid Parameter at offset 8)"
    )]
    Incomplete {
        /// Base Message ID.
        base_message_id: u32,
        /// Octets received.
        received: usize,
        /// Announced attribute length.
        expected: usize,
    },
    /// Too many segmented transfers are open at once.
    #[error("too many concurrent segmented transfers (limit {max}); finish or cancel one first")]
    TooManyTransfers {
        /// Configured limit.
        max: usize,
    },
    /// The first segment's base attribute header is invalid (reserved vendor or
    /// type, bad length); the PA-TNC Error to send uses the pseudo header
    /// `FF FF FF FF ‖ base id`.
    #[error("invalid base attribute header in base message {base_message_id}: {error}")]
    InvalidBaseAttribute {
        /// Base Message ID.
        base_message_id: u32,
        /// Offset and kind, relative to the reassembled attribute.
        error: DecodeError,
    },
    /// A received segment envelope is not a first segment but no transfer is
    /// open, or a first segment is malformed.
    #[error("unexpected segment for base message {base_message_id}: {reason}")]
    UnexpectedSegment {
        /// Base Message ID.
        base_message_id: u32,
        /// What was unexpected.
        reason: &'static str,
    },
}
