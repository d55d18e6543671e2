//! TCG IF-M Segmentation (spec digest §7): the contract, envelope, next-segment
//! and cancel attributes, and a sans-IO [`Segmenter`] / [`Reassembler`] pair.
//!
//! A contract is stated by the *issuer* (the receiver of segments): Max Message
//! Size bounds the reassembled PA-TNC message (attribute + 8-octet header), Max
//! Segment Size bounds the Segment Value of every envelope. The [`Reassembler`]
//! enforces both: it never buffers more than the contract allows per transfer,
//! never reserves memory for a *claimed* length, and bounds the number of
//! concurrent transfers.
//!
//! ```
//! use tnc_ifm::segmentation::{Contract, Segmenter, Reassembler, Reassembled};
//! use tnc_ifm::{Attribute, AttrValue};
//!
//! // a 48-octet base attribute (ITA/1 with 36 value octets), segments of 24
//! let value: Vec<u8> = (b'0'..=b'9').chain(b'A'..=b'Z').collect();
//! let base = Attribute::new(AttrValue::Unknown { vendor: tnc_wire::Pen::ITA, attr_type: 1, value: &value }).to_vec()?;
//! let contract = Contract { max_message_size: 65490, max_segment_size: 24 };
//! let mut tx = Segmenter::new(contract);
//! let mut rx = Reassembler::new(contract);
//! let (id, mut envelope) = tx.start(base.clone())?;
//! loop {
//!     let env = Attribute::decode(&envelope, 0)?;
//!     let AttrValue::SegmentEnvelope(seg) = env.value else { unreachable!() };
//!     match rx.receive(&seg)? {
//!         Reassembled::NeedMore(next) => envelope = tx.next(&next)?.expect("not cancelled"),
//!         Reassembled::Complete(done) => { assert_eq!(done.bytes, base); assert_eq!(done.base_message_id, id); break }
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use tnc_wire::{DecodeError, DecodeErrorKind, EncodeError, Pen, Reader, Writer};

use crate::attribute::{Attribute, AttributeValue, too_short};
use crate::consts::{ATTRIBUTE_HEADER_LEN, MESSAGE_HEADER_LEN, TcgAttributeType};
use crate::error::Error;
use crate::message::RawAttribute;
use crate::pa_tnc_error::PaTncError;

/// "No limit" / "do not segment" value of both contract fields.
pub const NO_LIMIT: u32 = 0xFFFF_FFFF;

/// A segmentation contract: what the issuer (receiver of segments) accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    /// Largest PA-TNC message (reassembled) the issuer accepts; [`NO_LIMIT`] = none.
    pub max_message_size: u32,
    /// Largest Segment Value the issuer accepts; [`NO_LIMIT`] = do not segment.
    pub max_segment_size: u32,
}

impl Contract {
    /// The null contract: no limit, no segmentation.
    pub const NULL: Contract = Contract {
        max_message_size: NO_LIMIT,
        max_segment_size: NO_LIMIT,
    };

    /// True when segmentation is allowed at all.
    pub fn allows_segmentation(&self) -> bool {
        self.max_segment_size != NO_LIMIT
    }

    /// Largest base attribute (header included) the issuer accepts.
    pub fn max_attribute_len(&self) -> u64 {
        if self.max_message_size == NO_LIMIT {
            u64::MAX
        } else {
            u64::from(self.max_message_size).saturating_sub(MESSAGE_HEADER_LEN as u64)
        }
    }

    /// The Max Segment Size strongSwan derives from a maximum PA-TNC message
    /// size: `max_msg − 8 − 12 − 4` (the envelope must fit one message).
    pub fn segment_size_for_message_limit(max_pa_tnc_message: u32) -> u32 {
        max_pa_tnc_message.saturating_sub(24)
    }
}

fn decode_contract(r: &mut Reader<'_>) -> Result<Contract, DecodeError> {
    if r.remaining() < 8 {
        return Err(too_short(r, "segmentation contract", 8));
    }
    Ok(Contract {
        max_message_size: r.u32()?,
        max_segment_size: r.u32()?,
    })
}

/// Segmentation Contract Request (TCG `0x21`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractRequest {
    /// The issuer's limits.
    pub contract: Contract,
}

/// Segmentation Contract Response (TCG `0x22`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractResponse {
    /// The responder's limits.
    pub contract: Contract,
}

impl<'a> AttributeValue<'a> for ContractRequest {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::SEGMENTATION_CONTRACT_REQUEST.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            contract: decode_contract(r)?,
        })
    }
    fn value_len(&self) -> usize {
        8
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u32(self.contract.max_message_size);
        w.u32(self.contract.max_segment_size);
        Ok(())
    }
}

impl<'a> AttributeValue<'a> for ContractResponse {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::SEGMENTATION_CONTRACT_RESPONSE.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            contract: decode_contract(r)?,
        })
    }
    fn value_len(&self) -> usize {
        8
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u32(self.contract.max_message_size);
        w.u32(self.contract.max_segment_size);
        Ok(())
    }
}

/// M flag of the Segment Envelope: more segments follow.
pub const FLAG_MORE: u8 = 0x80;
/// S flag of the Segment Envelope: first segment.
pub const FLAG_START: u8 = 0x40;

/// Segment Envelope (TCG `0x23`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentEnvelope<'a> {
    /// M: more segments follow.
    pub more: bool,
    /// S: this is the first segment (starts with the base attribute header).
    pub start: bool,
    /// Base Message ID (24 bits).
    pub base_message_id: u32,
    /// Segment Value.
    pub segment: &'a [u8],
}

impl<'a> AttributeValue<'a> for SegmentEnvelope<'a> {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::SEGMENT_ENVELOPE.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "segment envelope", 4));
        }
        let flags = r.u8()?;
        let base_message_id = r.u24()?;
        Ok(Self {
            more: flags & FLAG_MORE != 0,
            start: flags & FLAG_START != 0,
            base_message_id,
            segment: r.rest(),
        })
    }
    fn value_len(&self) -> usize {
        4 + self.segment.len()
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let mut flags = 0;
        if self.more {
            flags |= FLAG_MORE;
        }
        if self.start {
            flags |= FLAG_START;
        }
        w.u8(flags);
        w.u24(self.base_message_id, "base message id")?;
        w.bytes(self.segment);
        Ok(())
    }
}

/// Next Segment (TCG `0x24`).
///
/// The C (cancel) flag's position is disputed (spec digest §7): on receipt
/// either `0x80` or `0x01` means cancel; when cancelling this crate sends
/// `0x81`, which both readings recognise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextSegment {
    /// C: cancel the transfer.
    pub cancel: bool,
    /// Base Message ID (24 bits).
    pub base_message_id: u32,
}

impl<'a> AttributeValue<'a> for NextSegment {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::NEXT_SEGMENT.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "next segment", 4));
        }
        let flags = r.u8()?;
        Ok(Self {
            cancel: flags & 0x81 != 0,
            base_message_id: r.u24()?,
        })
    }
    fn value_len(&self) -> usize {
        4
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(if self.cancel { 0x81 } else { 0 });
        w.u24(self.base_message_id, "base message id")
    }
}

/// Cancel (TCG `0x25`): abandon a segmented transfer. Layout assumed to be
/// Reserved (1) ‖ Base Message ID (3) like Next Segment; the TCG text was not
/// available (spec digest §7) and strongSwan does not implement it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancel {
    /// Base Message ID (24 bits).
    pub base_message_id: u32,
}

impl<'a> AttributeValue<'a> for Cancel {
    const VENDOR: Pen = Pen::TCG;
    const TYPE: u32 = TcgAttributeType::CANCEL.0;
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "cancel", 4));
        }
        r.skip(1)?;
        Ok(Self {
            base_message_id: r.u24()?,
        })
    }
    fn value_len(&self) -> usize {
        4
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u8(0);
        w.u24(self.base_message_id, "base message id")
    }
}

// ------------------------------------------------------------ sender ----

#[derive(Debug)]
struct Outgoing {
    id: u32,
    data: Vec<u8>,
    sent: usize,
}

/// The sending side: splits one encoded attribute into Segment Envelopes under
/// the peer's contract, one envelope per [`NextSegment`] received.
#[derive(Debug)]
pub struct Segmenter {
    contract: Contract,
    next_id: u32,
    transfers: Vec<Outgoing>,
}

impl Segmenter {
    /// A segmenter bound by the contract the peer (the receiver) issued.
    pub fn new(contract: Contract) -> Self {
        Self {
            contract,
            next_id: 1,
            transfers: Vec::new(),
        }
    }

    /// Like [`new`](Self::new), allocating Base Message IDs from `first_id`
    /// (taken modulo 2^24; 0 becomes 1).
    pub fn with_next_base_id(contract: Contract, first_id: u32) -> Self {
        let id = first_id & Pen::MAX;
        Self {
            contract,
            next_id: if id == 0 { 1 } else { id },
            transfers: Vec::new(),
        }
    }

    /// The Segment Value size used (the contract's Max Segment Size, lowered so
    /// that an envelope fits into a PA-TNC message of Max Message Size).
    pub fn segment_size(&self) -> usize {
        let by_msg = Contract::segment_size_for_message_limit(self.contract.max_message_size);
        self.contract.max_segment_size.min(by_msg) as usize
    }

    /// Open transfers.
    pub fn in_progress(&self) -> usize {
        self.transfers.len()
    }

    fn envelope(id: u32, start: bool, more: bool, segment: &[u8]) -> Result<Vec<u8>, Error> {
        Ok(Attribute::new(SegmentEnvelope {
            more,
            start,
            base_message_id: id,
            segment,
        })
        .to_vec()?)
    }

    /// Starts sending `attribute` (a complete encoded attribute, header
    /// included). Returns the Base Message ID and the first Segment Envelope
    /// attribute. Fails when the attribute is malformed, larger than the peer
    /// accepts, or does not need (or may not use) segmentation.
    pub fn start(&mut self, attribute: Vec<u8>) -> Result<(u32, Vec<u8>), Error> {
        let mut r = Reader::new(&attribute);
        RawAttribute::read(&mut r)?;
        r.finish()?;
        let len = attribute.len();
        if len as u64 > self.contract.max_attribute_len() {
            return Err(Error::AttributeTooLarge {
                base_message_id: 0,
                len: len as u64,
                max: self.contract.max_message_size,
            });
        }
        if !self.contract.allows_segmentation() {
            return Err(Error::NotSegmentable {
                len,
                max_segment_size: self.contract.max_segment_size,
                reason: "the contract does not allow segmentation",
            });
        }
        let seg = self.segment_size();
        if seg < ATTRIBUTE_HEADER_LEN {
            return Err(Error::NotSegmentable {
                len,
                max_segment_size: self.contract.max_segment_size,
                reason: "segments must hold at least the 12-octet attribute header",
            });
        }
        if len <= seg {
            return Err(Error::NotSegmentable {
                len,
                max_segment_size: self.contract.max_segment_size,
                reason: "the attribute fits into one segment; send it unsegmented",
            });
        }
        let id = self.alloc_id();
        let first = Self::envelope(id, true, true, &attribute[..seg])?;
        self.transfers.push(Outgoing {
            id,
            data: attribute,
            sent: seg,
        });
        Ok((id, first))
    }

    fn alloc_id(&mut self) -> u32 {
        loop {
            let id = self.next_id;
            self.next_id = if self.next_id >= Pen::MAX {
                1
            } else {
                self.next_id + 1
            };
            if !self.transfers.iter().any(|t| t.id == id) {
                return id;
            }
        }
    }

    /// Answers a Next Segment: the next envelope, or `None` when the peer
    /// cancelled (the transfer is dropped).
    pub fn next(&mut self, request: &NextSegment) -> Result<Option<Vec<u8>>, Error> {
        let idx = self
            .transfers
            .iter()
            .position(|t| t.id == request.base_message_id)
            .ok_or(Error::UnknownBaseMessageId {
                base_message_id: request.base_message_id,
            })?;
        if request.cancel {
            self.transfers.swap_remove(idx);
            return Ok(None);
        }
        let seg = self.segment_size();
        let t = &mut self.transfers[idx];
        let end = (t.sent + seg).min(t.data.len());
        let more = end < t.data.len();
        let env = Self::envelope(t.id, false, more, &t.data[t.sent..end])?;
        t.sent = end;
        if !more {
            self.transfers.swap_remove(idx);
        }
        Ok(Some(env))
    }

    /// Abandons a transfer locally; returns the Cancel attribute to send.
    pub fn cancel(&mut self, base_message_id: u32) -> Option<Cancel> {
        let idx = self
            .transfers
            .iter()
            .position(|t| t.id == base_message_id)?;
        self.transfers.swap_remove(idx);
        Some(Cancel { base_message_id })
    }
}

// ---------------------------------------------------------- receiver ----

#[derive(Debug)]
struct Incoming {
    id: u32,
    expected: usize,
    data: Vec<u8>,
}

/// A complete reassembled base attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassembledAttribute {
    /// Base Message ID it travelled under.
    pub base_message_id: u32,
    /// The attribute, header included.
    pub bytes: Vec<u8>,
}

impl ReassembledAttribute {
    /// The pseudo message header strongSwan puts into PA-TNC Errors about a
    /// segmented attribute: `FF FF FF FF ‖ base message id`.
    pub fn pseudo_header(&self) -> [u8; 8] {
        pseudo_header(self.base_message_id)
    }

    /// Applies the receiver rules of spec §2.1 to the reassembled attribute,
    /// as if it were the only attribute of a message: the typed attribute, or
    /// `None` when it is an unknown type without NOSKIP (skip it), or the PA-TNC
    /// Error to send (offsets relative to the reassembled attribute).
    pub fn process(
        &self,
        extra_known: &[(Pen, u32)],
    ) -> Result<Option<Attribute<'_>>, PaTncError<'static>> {
        let h = self.pseudo_header();
        let mut r = Reader::new(&self.bytes);
        let raw = RawAttribute::read(&mut r)
            .map_err(|e| PaTncError::invalid_parameter(h, e.offset as u32))?;
        if let Err(e) = r.finish() {
            return Err(PaTncError::invalid_parameter(h, e.offset as u32));
        }
        let known = crate::AttrValue::is_known_type(raw.vendor, raw.attr_type)
            || extra_known.contains(&(raw.vendor, raw.attr_type));
        if !known {
            return if raw.noskip() {
                Err(PaTncError::attribute_type_not_supported(
                    h,
                    raw.flags,
                    raw.vendor,
                    raw.attr_type,
                ))
            } else {
                Ok(None)
            };
        }
        Attribute::from_raw(&raw)
            .map(Some)
            .map_err(|e| PaTncError::invalid_parameter(h, e.offset as u32))
    }
}

fn pseudo_header(id: u32) -> [u8; 8] {
    let b = id.to_be_bytes();
    [0xFF, 0xFF, 0xFF, 0xFF, b[0], b[1], b[2], b[3]]
}

/// What [`Reassembler::receive`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reassembled {
    /// Send this Next Segment and wait for the next envelope.
    NeedMore(NextSegment),
    /// The base attribute is complete.
    Complete(ReassembledAttribute),
}

/// Default bound on concurrently open transfers.
pub const DEFAULT_MAX_TRANSFERS: usize = 8;

/// The receiving side: collects Segment Envelopes into base attributes under
/// the contract this side issued.
#[derive(Debug)]
pub struct Reassembler {
    contract: Contract,
    max_transfers: usize,
    transfers: Vec<Incoming>,
}

impl Reassembler {
    /// A reassembler enforcing `contract` (the one this side issued), with at
    /// most [`DEFAULT_MAX_TRANSFERS`] transfers open at once.
    pub fn new(contract: Contract) -> Self {
        Self::with_max_transfers(contract, DEFAULT_MAX_TRANSFERS)
    }

    /// Like [`new`](Self::new) with a custom bound on open transfers.
    pub fn with_max_transfers(contract: Contract, max_transfers: usize) -> Self {
        Self {
            contract,
            max_transfers,
            transfers: Vec::new(),
        }
    }

    /// Open transfers.
    pub fn in_progress(&self) -> usize {
        self.transfers.len()
    }

    /// Octets currently buffered over all transfers.
    pub fn buffered(&self) -> usize {
        self.transfers.iter().map(|t| t.data.len()).sum()
    }

    /// Drops a transfer; returns the Next Segment (C set) asking the sender to
    /// stop.
    pub fn cancel(&mut self, base_message_id: u32) -> Option<NextSegment> {
        let idx = self
            .transfers
            .iter()
            .position(|t| t.id == base_message_id)?;
        self.transfers.swap_remove(idx);
        Some(NextSegment {
            cancel: true,
            base_message_id,
        })
    }

    fn abort(&mut self, id: u32) {
        self.transfers.retain(|t| t.id != id);
    }

    /// Takes one received Segment Envelope.
    ///
    /// On error the transfer (if any) is dropped; errors that the protocol
    /// answers on the wire convert with [`Error::to_pa_tnc_error`].
    pub fn receive(&mut self, env: &SegmentEnvelope<'_>) -> Result<Reassembled, Error> {
        let id = env.base_message_id;
        if !self.contract.allows_segmentation() {
            return Err(Error::UnexpectedSegment {
                base_message_id: id,
                reason: "this side did not allow segmentation",
            });
        }
        if env.segment.len() as u64 > u64::from(self.contract.max_segment_size) {
            self.abort(id);
            return Err(Error::SegmentTooLarge {
                base_message_id: id,
                len: env.segment.len(),
                max: self.contract.max_segment_size,
            });
        }
        if env.start {
            return self.first(env);
        }
        let idx =
            self.transfers
                .iter()
                .position(|t| t.id == id)
                .ok_or(Error::UnknownBaseMessageId {
                    base_message_id: id,
                })?;
        let t = &mut self.transfers[idx];
        if t.data.len() + env.segment.len() > t.expected {
            let expected = t.expected;
            self.transfers.swap_remove(idx);
            return Err(Error::Overrun {
                base_message_id: id,
                expected,
            });
        }
        t.data.extend_from_slice(env.segment);
        if env.more {
            return Ok(Reassembled::NeedMore(NextSegment {
                cancel: false,
                base_message_id: id,
            }));
        }
        let t = self.transfers.swap_remove(idx);
        if t.data.len() < t.expected {
            return Err(Error::Incomplete {
                base_message_id: id,
                received: t.data.len(),
                expected: t.expected,
            });
        }
        Ok(Reassembled::Complete(ReassembledAttribute {
            base_message_id: id,
            bytes: t.data,
        }))
    }

    fn first(&mut self, env: &SegmentEnvelope<'_>) -> Result<Reassembled, Error> {
        let id = env.base_message_id;
        if self.transfers.iter().any(|t| t.id == id) {
            return Err(Error::DuplicateBaseMessageId {
                base_message_id: id,
            });
        }
        let seg = env.segment;
        let invalid = |error: DecodeError| Error::InvalidBaseAttribute {
            base_message_id: id,
            error,
        };
        if seg.len() < ATTRIBUTE_HEADER_LEN {
            return Err(invalid(DecodeError::new(
                0,
                DecodeErrorKind::Truncated {
                    needed: ATTRIBUTE_HEADER_LEN,
                    available: seg.len(),
                },
            )));
        }
        let mut h = Reader::new(seg);
        let _flags = h.u8()?;
        let vendor = h.u24()?;
        let attr_type = h.u32()?;
        let length = h.u32()?;
        if (length as usize) < ATTRIBUTE_HEADER_LEN {
            return Err(invalid(DecodeError::new(
                8,
                DecodeErrorKind::LengthTooShort {
                    field: "attribute length",
                    min: ATTRIBUTE_HEADER_LEN as u64,
                    actual: u64::from(length),
                },
            )));
        }
        if vendor == Pen::MAX {
            return Err(invalid(DecodeError::invalid(
                1,
                "attribute vendor id",
                u64::from(vendor),
            )));
        }
        if attr_type == crate::consts::RESERVED_ATTRIBUTE_TYPE {
            return Err(invalid(DecodeError::invalid(
                4,
                "attribute type",
                u64::from(attr_type),
            )));
        }
        if u64::from(length) > self.contract.max_attribute_len() {
            return Err(Error::AttributeTooLarge {
                base_message_id: id,
                len: u64::from(length),
                max: self.contract.max_message_size,
            });
        }
        let expected = length as usize;
        if seg.len() > expected {
            return Err(Error::Overrun {
                base_message_id: id,
                expected,
            });
        }
        if !env.more {
            if seg.len() < expected {
                return Err(Error::Incomplete {
                    base_message_id: id,
                    received: seg.len(),
                    expected,
                });
            }
            return Ok(Reassembled::Complete(ReassembledAttribute {
                base_message_id: id,
                bytes: seg.to_vec(),
            }));
        }
        if self.transfers.len() >= self.max_transfers {
            return Err(Error::TooManyTransfers {
                max: self.max_transfers,
            });
        }
        // Only what arrived is buffered; the claimed length is never reserved.
        self.transfers.push(Incoming {
            id,
            expected,
            data: seg.to_vec(),
        });
        Ok(Reassembled::NeedMore(NextSegment {
            cancel: false,
            base_message_id: id,
        }))
    }
}

impl Error {
    /// The PA-TNC Error the protocol sends for this segmentation failure (with
    /// the pseudo header `FF FF FF FF ‖ base id`), if it defines one.
    pub fn to_pa_tnc_error(&self) -> Option<PaTncError<'static>> {
        match *self {
            Error::InvalidBaseAttribute {
                base_message_id,
                ref error,
            } => Some(PaTncError::invalid_parameter(
                pseudo_header(base_message_id),
                error.offset as u32,
            )),
            Error::Incomplete {
                base_message_id, ..
            }
            | Error::Overrun {
                base_message_id, ..
            }
            | Error::AttributeTooLarge {
                base_message_id, ..
            } => Some(PaTncError::invalid_parameter(
                pseudo_header(base_message_id),
                8,
            )),
            _ => None,
        }
    }
}
