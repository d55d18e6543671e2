//! PB-TNC batches (RFC 5793 §4.1): the 8-octet header, borrowed decoding with the receive
//! checks in strongSwan's order, a lazy message iterator and the encoder.

use tnc_wire::{Encode, EncodeError, Reader, Writer};

use crate::consts::{BATCH_HEADER_LEN, BatchType, VERSION};
use crate::error::Error;
use crate::message::{Message, RawMessage};
use crate::state::Role;

/// A decoded batch: header fields plus the borrowed message area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch<'a> {
    /// Who sent it (the D bit: 1 = server).
    pub sender: Role,
    /// The batch type (0 and 7–15 are refused by [`Batch::decode`]; 0 only by the state machine).
    pub batch_type: BatchType,
    body: &'a [u8],
}

impl<'a> Batch<'a> {
    /// Decodes a batch header and frames the body, checking (as strongSwan does, each failure
    /// fatal): length ≥ 8 (offset 0), version 2, the D bit against `expected_sender` if given
    /// (offset 1), batch type ≤ 6 (offset 3; 0 is left to the state machine), and Batch Length
    /// equal to `buf.len()` (offset 4). Messages are not looked at; see [`messages`](Self::messages)
    /// and [`validate`](Self::validate).
    pub fn decode_checked(buf: &'a [u8], expected_sender: Option<Role>) -> Result<Self, Error> {
        Self::decode_limited(buf, expected_sender, u32::MAX)
    }

    /// [`decode_checked`](Self::decode_checked) with a size limit: a Batch Length above
    /// `max_len` is refused ([`Error::BatchTooLarge`], offset 4) after the version, direction
    /// and type checks and before the length is compared with the octets received.
    pub fn decode_limited(
        buf: &'a [u8],
        expected_sender: Option<Role>,
        max_len: u32,
    ) -> Result<Self, Error> {
        if buf.len() < BATCH_HEADER_LEN {
            return Err(Error::BatchTooShort { len: buf.len() });
        }
        let mut r = Reader::new(buf);
        let version = r.u8()?;
        if version != VERSION {
            return Err(Error::VersionNotSupported { version });
        }
        let d = r.u8()? & 0x80 != 0;
        let sender = if d { Role::Server } else { Role::Client };
        if let Some(expected) = expected_sender {
            if expected != sender {
                return Err(Error::WrongDirection {
                    claimed: sender,
                    expected,
                });
            }
        }
        r.skip(1)?;
        let bt = r.u8()? & 0x0F;
        if bt > 6 {
            return Err(Error::InvalidBatchType { value: bt });
        }
        let declared = r.u32()?;
        if declared > max_len {
            return Err(Error::BatchTooLarge {
                len: u64::from(declared),
                max: max_len,
            });
        }
        if usize::try_from(declared).ok() != Some(buf.len()) {
            return Err(Error::LengthMismatch {
                declared,
                received: buf.len(),
            });
        }
        Ok(Batch {
            sender,
            batch_type: BatchType(bt),
            body: r.rest(),
        })
    }

    /// [`decode_checked`](Self::decode_checked) without the direction check.
    pub fn decode(buf: &'a [u8]) -> Result<Self, Error> {
        Self::decode_checked(buf, None)
    }

    /// The Batch Length a batch with `buf` would need, read from a header prefix: lets a
    /// transport check the size before it buffers the rest. `None` if fewer than 8 octets.
    pub fn peek_length(buf: &[u8]) -> Option<u32> {
        let b = buf.get(4..8)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The octets after the header.
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The messages, decoded lazily. The iterator stops after the first error. Unknown
    /// messages with NOSKIP clear are yielded as [`Message::Unknown`].
    pub fn messages(&self) -> Messages<'a> {
        Messages {
            r: Reader::with_base(self.body, BATCH_HEADER_LEN),
            failed: false,
        }
    }

    /// The framed messages (headers checked, values not interpreted), lazily; stops after the
    /// first error.
    pub fn raw_messages(&self) -> RawMessages<'a> {
        RawMessages {
            r: Reader::with_base(self.body, BATCH_HEADER_LEN),
            failed: false,
        }
    }

    /// Decodes every message once; the first error (with its batch offset) is returned.
    pub fn validate(&self) -> Result<usize, Error> {
        let mut n = 0;
        for m in self.messages() {
            m?;
            n += 1;
        }
        Ok(n)
    }
}

/// Iterator over the messages of a [`Batch`].
#[derive(Debug, Clone)]
pub struct Messages<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> Iterator for Messages<'a> {
    type Item = Result<Message<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let res = RawMessage::read(&mut self.r).and_then(Message::from_raw);
        self.failed = res.is_err();
        Some(res)
    }
}

/// Iterator over the framed messages of a [`Batch`].
#[derive(Debug, Clone)]
pub struct RawMessages<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> Iterator for RawMessages<'a> {
    type Item = Result<RawMessage<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let res = RawMessage::read(&mut self.r);
        self.failed = res.is_err();
        Some(res)
    }
}

/// Builds a batch: header, then messages appended one by one, length patched at the end.
///
/// ```
/// use tnc_iftnccs::{BatchType, BatchWriter, Message, Role, AssessmentResult};
/// let mut w = BatchWriter::new(Role::Server, BatchType::RESULT);
/// w.push(&Message::AssessmentResult(AssessmentResult::COMPLIANT))?;
/// let bytes = w.finish()?;
/// assert_eq!(bytes, [2, 0x80, 0, 3, 0, 0, 0, 24, 0x80, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 16, 0, 0, 0, 0]);
/// # Ok::<(), tnc_iftnccs::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct BatchWriter {
    buf: Vec<u8>,
}

impl BatchWriter {
    /// Starts a batch from `sender` of type `batch_type`.
    pub fn new(sender: Role, batch_type: BatchType) -> Self {
        Self::with_buffer(Vec::new(), sender, batch_type)
    }

    /// Starts a batch in a recycled buffer (cleared first).
    pub fn with_buffer(mut buf: Vec<u8>, sender: Role, batch_type: BatchType) -> Self {
        buf.clear();
        buf.extend_from_slice(&[
            VERSION,
            if sender == Role::Server { 0x80 } else { 0 },
            0,
            batch_type.0 & 0x0F,
            0,
            0,
            0,
            0,
        ]);
        Self { buf }
    }

    /// Appends one message.
    pub fn push(&mut self, m: &Message<'_>) -> Result<(), EncodeError> {
        self.buf.reserve(m.encoded_len());
        m.encode(&mut Writer::new(&mut self.buf))
    }

    /// Appends an already encoded message.
    pub fn push_encoded(&mut self, encoded: &[u8]) {
        self.buf.extend_from_slice(encoded);
    }

    /// Current size of the batch in octets.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when no message was added yet.
    pub fn is_empty(&self) -> bool {
        self.buf.len() == BATCH_HEADER_LEN
    }

    /// Patches the Batch Length and returns the batch.
    pub fn finish(mut self) -> Result<Vec<u8>, EncodeError> {
        let len = u32::try_from(self.buf.len()).map_err(|_| EncodeError::LengthOverflow {
            field: "batch length",
            len: self.buf.len() as u64,
            bits: 32,
        })?;
        self.buf[4..8].copy_from_slice(&len.to_be_bytes());
        Ok(self.buf)
    }
}

/// Encodes a whole batch in one call.
pub fn encode_batch(
    sender: Role,
    batch_type: BatchType,
    messages: &[Message<'_>],
) -> Result<Vec<u8>, EncodeError> {
    let mut w = BatchWriter::with_buffer(
        Vec::with_capacity(
            BATCH_HEADER_LEN + messages.iter().map(Encode::encoded_len).sum::<usize>(),
        ),
        sender,
        batch_type,
    );
    for m in messages {
        w.push(m)?;
    }
    w.finish()
}
