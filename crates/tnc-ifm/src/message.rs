//! The PA-TNC message header and the attribute TLVs (RFC 5792 §4.1, §4.2).

use tnc_wire::{DecodeError, DecodeErrorKind, EncodeError, Pen, Reader, Writer};

use crate::attribute::Attribute;
use crate::consts::{
    ATTRIBUTE_HEADER_LEN, MESSAGE_HEADER_LEN, NOSKIP, PA_TNC_VERSION, RESERVED_ATTRIBUTE_TYPE,
};

/// A borrowed PA-TNC message: the 8-octet header and the attribute bytes.
///
/// [`PaMessage::decode`] only checks that the header is present; the version
/// check and the attribute rules are applied by [`attributes`](Self::attributes)
/// and by [`crate::receive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaMessage<'a> {
    bytes: &'a [u8],
}

impl<'a> PaMessage<'a> {
    /// Wraps `bytes` (the whole PB-PA message body). Fails only when fewer than
    /// 8 octets are present (spec §2.1 rule 1: not a PA-TNC message at all).
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        if bytes.len() < MESSAGE_HEADER_LEN {
            return Err(DecodeError::new(
                0,
                DecodeErrorKind::Truncated {
                    needed: MESSAGE_HEADER_LEN,
                    available: bytes.len(),
                },
            ));
        }
        Ok(Self { bytes })
    }

    /// The Version field (must be 1).
    pub fn version(&self) -> u8 {
        self.bytes[0]
    }

    /// The 3 reserved octets after the version (ignored on receipt).
    pub fn reserved(&self) -> [u8; 3] {
        [self.bytes[1], self.bytes[2], self.bytes[3]]
    }

    /// The Message Identifier.
    pub fn message_id(&self) -> u32 {
        u32::from_be_bytes([self.bytes[4], self.bytes[5], self.bytes[6], self.bytes[7]])
    }

    /// The first 8 octets, verbatim, as PA-TNC Error attributes copy them.
    pub fn header(&self) -> [u8; 8] {
        let mut h = [0u8; 8];
        h.copy_from_slice(&self.bytes[..MESSAGE_HEADER_LEN]);
        h
    }

    /// The whole message.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The attribute octets after the header.
    pub fn body(&self) -> &'a [u8] {
        &self.bytes[MESSAGE_HEADER_LEN..]
    }

    /// Checks the version: an error at offset 0 unless it is 1.
    pub fn check_version(&self) -> Result<(), DecodeError> {
        if self.version() == PA_TNC_VERSION {
            Ok(())
        } else {
            Err(DecodeError::invalid(
                0,
                "PA-TNC version",
                u64::from(self.version()),
            ))
        }
    }

    /// Lazily walks the attribute TLVs, applying the header rules of spec §2.1
    /// (in strongSwan's order). The iterator stops after the first error.
    /// Nothing is allocated.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            r: Reader::with_base(self.body(), MESSAGE_HEADER_LEN),
            failed: false,
        }
    }
}

/// One attribute TLV as it appeared on the wire: header fields and the borrowed
/// value. `offset` is the message offset of the attribute's first octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawAttribute<'a> {
    /// Flags octet (bit `0x80` = NOSKIP, the rest reserved).
    pub flags: u8,
    /// Attribute Vendor ID.
    pub vendor: Pen,
    /// Attribute Type.
    pub attr_type: u32,
    /// Attribute Value (the length field is `value.len() + 12`).
    pub value: &'a [u8],
    /// Offset of the attribute header from the start of the PA-TNC message.
    pub offset: usize,
}

impl<'a> RawAttribute<'a> {
    /// True when the NOSKIP flag is set.
    pub fn noskip(&self) -> bool {
        self.flags & NOSKIP != 0
    }

    /// The Attribute Length field: header plus value.
    pub fn length(&self) -> usize {
        ATTRIBUTE_HEADER_LEN + self.value.len()
    }

    /// Message offset of the first value octet.
    pub fn value_offset(&self) -> usize {
        self.offset + ATTRIBUTE_HEADER_LEN
    }

    /// A reader over the value that reports absolute message offsets.
    pub fn value_reader(&self) -> Reader<'a> {
        Reader::with_base(self.value, self.value_offset())
    }

    /// Reads one attribute TLV from `r` with the header checks of spec §2.1.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let o = r.offset();
        if r.remaining() < ATTRIBUTE_HEADER_LEN {
            return Err(DecodeError::new(
                o,
                DecodeErrorKind::Truncated {
                    needed: ATTRIBUTE_HEADER_LEN,
                    available: r.remaining(),
                },
            ));
        }
        let mut h = r.clone();
        let flags = h.u8()?;
        let vendor = h.u24()?;
        let attr_type = h.u32()?;
        let length = h.u32()?;
        if (length as usize) < ATTRIBUTE_HEADER_LEN {
            return Err(DecodeError::new(
                o + 8,
                DecodeErrorKind::LengthTooShort {
                    field: "attribute length",
                    min: ATTRIBUTE_HEADER_LEN as u64,
                    actual: u64::from(length),
                },
            ));
        }
        let value_len = length as usize - ATTRIBUTE_HEADER_LEN;
        if value_len > h.remaining() {
            return Err(DecodeError::new(
                o + 8,
                DecodeErrorKind::LengthTooLarge {
                    field: "attribute length",
                    max: (h.remaining() + ATTRIBUTE_HEADER_LEN) as u64,
                    actual: u64::from(length),
                },
            ));
        }
        if vendor == Pen::MAX {
            return Err(DecodeError::invalid(
                o + 1,
                "attribute vendor id",
                u64::from(vendor),
            ));
        }
        if attr_type == RESERVED_ATTRIBUTE_TYPE {
            return Err(DecodeError::invalid(
                o + 4,
                "attribute type",
                u64::from(attr_type),
            ));
        }
        let value = h.bytes(value_len)?;
        *r = h;
        Ok(RawAttribute {
            flags,
            vendor: Pen::from_u24(vendor),
            attr_type,
            value,
            offset: o,
        })
    }

    /// Decodes the typed attribute (unknown types stay raw).
    pub fn typed(&self) -> Result<Attribute<'a>, DecodeError> {
        Attribute::from_raw(self)
    }

    /// Appends this attribute (header and value) to `w`.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_attribute_header(w, self.flags, self.vendor, self.attr_type, self.value.len())?;
        w.bytes(self.value);
        Ok(())
    }
}

/// An attribute that owns its value, for keeping it beyond the lifetime of the
/// received buffer (the explicit owned form of [`RawAttribute`] /
/// [`Attribute`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OwnedAttribute {
    /// Flags octet.
    pub flags: u8,
    /// Attribute Vendor ID.
    pub vendor: Pen,
    /// Attribute Type.
    pub attr_type: u32,
    /// Attribute Value.
    pub value: Vec<u8>,
}

impl OwnedAttribute {
    /// The borrowed raw view (offset 0).
    pub fn as_raw(&self) -> RawAttribute<'_> {
        RawAttribute {
            flags: self.flags,
            vendor: self.vendor,
            attr_type: self.attr_type,
            value: &self.value,
            offset: 0,
        }
    }

    /// The typed attribute (value offsets in errors count from the header).
    pub fn typed(&self) -> Result<Attribute<'_>, DecodeError> {
        Attribute::from_raw(&self.as_raw())
    }
}

impl RawAttribute<'_> {
    /// Copies the value into an [`OwnedAttribute`].
    pub fn to_owned_attribute(&self) -> OwnedAttribute {
        OwnedAttribute {
            flags: self.flags,
            vendor: self.vendor,
            attr_type: self.attr_type,
            value: self.value.to_vec(),
        }
    }
}

impl Attribute<'_> {
    /// Encodes the value into an [`OwnedAttribute`].
    pub fn to_owned_attribute(&self) -> Result<OwnedAttribute, EncodeError> {
        let mut value = Vec::with_capacity(self.value.value_len());
        self.value.encode_value(&mut Writer::new(&mut value))?;
        Ok(OwnedAttribute {
            flags: self.flags,
            vendor: self.vendor(),
            attr_type: self.attr_type(),
            value,
        })
    }
}

/// Writes a 12-octet attribute header for a value of `value_len` octets.
pub(crate) fn write_attribute_header(
    w: &mut Writer<'_>,
    flags: u8,
    vendor: Pen,
    attr_type: u32,
    value_len: usize,
) -> Result<(), EncodeError> {
    let len = value_len
        .checked_add(ATTRIBUTE_HEADER_LEN)
        .and_then(|l| u32::try_from(l).ok())
        .ok_or(EncodeError::LengthOverflow {
            field: "attribute length",
            len: value_len as u64,
            bits: 32,
        })?;
    w.u8(flags);
    w.u24(vendor.get(), "attribute vendor id")?;
    w.u32(attr_type);
    w.u32(len);
    Ok(())
}

/// Iterator over the attributes of a [`PaMessage`]; yields at most one error,
/// then ends.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<RawAttribute<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let res = RawAttribute::read(&mut self.r);
        if res.is_err() {
            self.failed = true;
        }
        Some(res)
    }
}

/// Builds a PA-TNC message into a caller-supplied buffer.
///
/// ```
/// use tnc_ifm::{MessageBuilder, Attribute, ietf::NumericVersion};
/// let mut buf = Vec::new();
/// let mut m = MessageBuilder::new(&mut buf, 38);
/// m.push(&Attribute::new(NumericVersion { major: 1, minor: 7, build: 258, service_pack_major: 0, service_pack_minor: 1 }))?;
/// m.finish();
/// assert_eq!(buf.len(), 36);
/// # Ok::<(), tnc_wire::EncodeError>(())
/// ```
#[derive(Debug)]
pub struct MessageBuilder<'b> {
    buf: &'b mut Vec<u8>,
    start: usize,
}

impl<'b> MessageBuilder<'b> {
    /// Starts a version-1 message with `message_id`, appending to `buf`.
    pub fn new(buf: &'b mut Vec<u8>, message_id: u32) -> Self {
        let start = buf.len();
        buf.push(PA_TNC_VERSION);
        buf.extend_from_slice(&[0, 0, 0]);
        buf.extend_from_slice(&message_id.to_be_bytes());
        Self { buf, start }
    }

    /// Appends a typed attribute.
    pub fn push(&mut self, attr: &Attribute<'_>) -> Result<&mut Self, EncodeError> {
        attr.encode(&mut Writer::new(self.buf))?;
        Ok(self)
    }

    /// Appends a raw attribute.
    pub fn push_raw(&mut self, attr: &RawAttribute<'_>) -> Result<&mut Self, EncodeError> {
        attr.encode(&mut Writer::new(self.buf))?;
        Ok(self)
    }

    /// Appends already encoded attribute octets (e.g. a Segment Envelope from the
    /// [`Segmenter`](crate::segmentation::Segmenter)).
    pub fn push_encoded(&mut self, attr: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(attr);
        self
    }

    /// Current size of the message being built.
    pub fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// True when only the header has been written so far.
    pub fn is_empty(&self) -> bool {
        self.len() == MESSAGE_HEADER_LEN
    }

    /// Ends the message; returns its length.
    pub fn finish(self) -> usize {
        self.len()
    }
}

/// Encodes a complete message from typed attributes into a new vector.
pub fn encode_message(message_id: u32, attrs: &[Attribute<'_>]) -> Result<Vec<u8>, EncodeError> {
    let len = MESSAGE_HEADER_LEN + attrs.iter().map(Attribute::encoded_len).sum::<usize>();
    let mut buf = Vec::with_capacity(len);
    let mut m = MessageBuilder::new(&mut buf, message_id);
    for a in attrs {
        m.push(a)?;
    }
    m.finish();
    Ok(buf)
}
