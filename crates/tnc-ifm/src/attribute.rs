//! Typed attributes: the [`AttributeValue`] trait every attribute layout
//! implements, and the [`Attribute`] / [`AttrValue`] pair that dispatches on the
//! (vendor, type) of a [`RawAttribute`].

use tnc_wire::{DecodeError, DecodeErrorKind, EncodeError, Pen, Reader, Writer};

use crate::consts::{ATTRIBUTE_HEADER_LEN, NOSKIP};
use crate::message::{RawAttribute, write_attribute_header};
use crate::{ietf, pa_tnc_error, pts, segmentation};

/// The value layout of one attribute type.
///
/// `decode_value` receives a reader over exactly the value (its offsets are
/// absolute PA-TNC message offsets); the caller checks that it consumed all of
/// it, so trailing octets become an error at the first unexplained octet.
pub trait AttributeValue<'a>: Sized {
    /// Attribute Vendor ID.
    const VENDOR: Pen;
    /// Attribute Type.
    const TYPE: u32;

    /// Parses and validates the value.
    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError>;

    /// Octets [`encode_value`](Self::encode_value) appends.
    fn value_len(&self) -> usize;

    /// Appends the value (no header).
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;

    /// Decodes a value that [`decode_value`](Self::decode_value) has already
    /// accepted (the receiver validates every attribute before handing it out):
    /// list attributes then skip re-walking their entries. On input that was not
    /// validated it may accept more than `decode_value`, never panic.
    #[doc(hidden)]
    fn decode_validated(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        Self::decode_value(r)
    }

    /// Decodes a bare value whose first octet is at message offset `base`.
    fn decode_bare(value: &'a [u8], base: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::with_base(value, base);
        let v = Self::decode_value(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

macro_rules! attr_values {
    ($( $(#[$m:meta])* $variant:ident($ty:ty) ),* $(,)?) => {
        /// The value of an attribute, typed when this crate knows the
        /// (vendor, type), raw otherwise.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum AttrValue<'a> {
            $( $(#[$m])* $variant($ty), )*
            /// An attribute type this crate does not interpret; its value is kept raw.
            Unknown {
                /// Attribute Vendor ID.
                vendor: Pen,
                /// Attribute Type.
                attr_type: u32,
                /// The value octets.
                value: &'a [u8],
            },
        }

        $(
            impl<'a> From<$ty> for AttrValue<'a> {
                fn from(v: $ty) -> Self {
                    AttrValue::$variant(v)
                }
            }
        )*

        impl<'a> AttrValue<'a> {
            /// Attribute Vendor ID.
            pub fn vendor(&self) -> Pen {
                match self {
                    $( AttrValue::$variant(_) => <$ty as AttributeValue>::VENDOR, )*
                    AttrValue::Unknown { vendor, .. } => *vendor,
                }
            }

            /// Attribute Type.
            pub fn attr_type(&self) -> u32 {
                match self {
                    $( AttrValue::$variant(_) => <$ty as AttributeValue>::TYPE, )*
                    AttrValue::Unknown { attr_type, .. } => *attr_type,
                }
            }

            /// Octets of the value on the wire.
            pub fn value_len(&self) -> usize {
                match self {
                    $( AttrValue::$variant(v) => v.value_len(), )*
                    AttrValue::Unknown { value, .. } => value.len(),
                }
            }

            /// Appends the value.
            pub fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
                match self {
                    $( AttrValue::$variant(v) => v.encode_value(w), )*
                    AttrValue::Unknown { value, .. } => {
                        w.bytes(value);
                        Ok(())
                    }
                }
            }

            /// True when this crate interprets (vendor, type).
            pub fn is_known_type(vendor: Pen, attr_type: u32) -> bool {
                $( if vendor == <$ty as AttributeValue>::VENDOR && attr_type == <$ty as AttributeValue>::TYPE { return true; } )*
                false
            }

            /// Like [`from_raw`](Self::from_raw) for an attribute that already
            /// passed it once (no second walk over list entries).
            pub(crate) fn from_raw_validated(raw: &RawAttribute<'a>) -> Result<Self, DecodeError> {
                $(
                    if raw.vendor == <$ty as AttributeValue>::VENDOR && raw.attr_type == <$ty as AttributeValue>::TYPE {
                        let mut r = raw.value_reader();
                        let v = <$ty>::decode_validated(&mut r)?;
                        r.finish()?;
                        return Ok(AttrValue::$variant(v));
                    }
                )*
                Ok(AttrValue::Unknown { vendor: raw.vendor, attr_type: raw.attr_type, value: raw.value })
            }

            /// Decodes the value of `raw` (unknown types become [`AttrValue::Unknown`]).
            pub fn from_raw(raw: &RawAttribute<'a>) -> Result<Self, DecodeError> {
                $(
                    if raw.vendor == <$ty as AttributeValue>::VENDOR && raw.attr_type == <$ty as AttributeValue>::TYPE {
                        return <$ty>::decode_bare(raw.value, raw.value_offset()).map(AttrValue::$variant);
                    }
                )*
                Ok(AttrValue::Unknown { vendor: raw.vendor, attr_type: raw.attr_type, value: raw.value })
            }
        }
    };
}

attr_values! {
    /// IETF Attribute Request (1).
    AttributeRequest(ietf::AttributeRequest<'a>),
    /// IETF Product Information (2).
    ProductInformation(ietf::ProductInformation<'a>),
    /// IETF Numeric Version (3).
    NumericVersion(ietf::NumericVersion),
    /// IETF String Version (4).
    StringVersion(ietf::StringVersion<'a>),
    /// IETF Operational Status (5).
    OperationalStatus(ietf::OperationalStatus<'a>),
    /// IETF Port Filter (6).
    PortFilter(ietf::PortFilter<'a>),
    /// IETF Installed Packages (7).
    InstalledPackages(ietf::InstalledPackages<'a>),
    /// IETF PA-TNC Error (8).
    PaTncError(pa_tnc_error::PaTncError<'a>),
    /// IETF Assessment Result (9).
    AssessmentResult(ietf::AssessmentResult),
    /// IETF Remediation Instructions (10).
    RemediationInstructions(ietf::RemediationInstructions<'a>),
    /// IETF Forwarding Enabled (11).
    ForwardingEnabled(ietf::ForwardingEnabled),
    /// IETF Factory Default Password Enabled (12).
    FactoryDefaultPasswordEnabled(ietf::FactoryDefaultPasswordEnabled),
    /// TCG Segmentation Contract Request.
    ContractRequest(segmentation::ContractRequest),
    /// TCG Segmentation Contract Response.
    ContractResponse(segmentation::ContractResponse),
    /// TCG Segment Envelope.
    SegmentEnvelope(segmentation::SegmentEnvelope<'a>),
    /// TCG Next Segment.
    NextSegment(segmentation::NextSegment),
    /// TCG Cancel.
    Cancel(segmentation::Cancel),
    /// TCG PTS Request PTS Protocol Capabilities.
    RequestProtocolCapabilities(pts::RequestProtocolCapabilities),
    /// TCG PTS Protocol Capabilities.
    ProtocolCapabilities(pts::ProtocolCapabilities),
    /// TCG PTS Measurement Algorithm Request.
    MeasurementAlgorithmRequest(pts::MeasurementAlgorithmRequest),
    /// TCG PTS Measurement Algorithm Selection.
    MeasurementAlgorithmSelection(pts::MeasurementAlgorithmSelection),
    /// TCG PTS Request File Measurement.
    RequestFileMeasurement(pts::RequestFileMeasurement<'a>),
    /// TCG PTS File Measurement.
    FileMeasurement(pts::FileMeasurement<'a>),
    /// TCG PTS Request File Metadata.
    RequestFileMetadata(pts::RequestFileMetadata<'a>),
    /// TCG PTS Unix-Style File Metadata.
    UnixFileMetadata(pts::UnixFileMetadata<'a>),
}

/// A typed attribute: the flags octet plus the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// Flags octet (`0x80` = NOSKIP; reserved bits are kept as received).
    pub flags: u8,
    /// The value.
    pub value: AttrValue<'a>,
}

impl<'a> Attribute<'a> {
    /// An attribute with NOSKIP clear.
    pub fn new(value: impl Into<AttrValue<'a>>) -> Self {
        Self {
            flags: 0,
            value: value.into(),
        }
    }

    /// The same attribute with NOSKIP set.
    pub fn with_noskip(mut self) -> Self {
        self.flags |= NOSKIP;
        self
    }

    /// True when NOSKIP is set.
    pub fn noskip(&self) -> bool {
        self.flags & NOSKIP != 0
    }

    /// Attribute Vendor ID.
    pub fn vendor(&self) -> Pen {
        self.value.vendor()
    }

    /// Attribute Type.
    pub fn attr_type(&self) -> u32 {
        self.value.attr_type()
    }

    /// Decodes the typed form of `raw`.
    pub fn from_raw(raw: &RawAttribute<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            flags: raw.flags,
            value: AttrValue::from_raw(raw)?,
        })
    }

    /// Decodes one complete attribute (header and value) whose first octet is
    /// at message offset `base`; it must fill `bytes` exactly.
    pub fn decode(bytes: &'a [u8], base: usize) -> Result<Self, DecodeError> {
        let mut r = Reader::with_base(bytes, base);
        let raw = RawAttribute::read(&mut r)?;
        r.finish()?;
        Self::from_raw(&raw)
    }

    /// Octets of the encoded attribute, header included.
    pub fn encoded_len(&self) -> usize {
        ATTRIBUTE_HEADER_LEN + self.value.value_len()
    }

    /// Appends header and value.
    pub fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_attribute_header(
            w,
            self.flags,
            self.vendor(),
            self.attr_type(),
            self.value.value_len(),
        )?;
        let before = w.position();
        self.value.encode_value(w)?;
        debug_assert_eq!(w.position() - before, self.value.value_len());
        Ok(())
    }

    /// The encoded attribute in a new vector.
    pub fn to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut Writer::new(&mut v))?;
        Ok(v)
    }
}

// ---- helpers shared by the attribute modules ----

/// Checks that `b` (at absolute offset `at`) is UTF-8 without NUL octets; the
/// error points at the first offending octet.
pub(crate) fn check_text<'a>(
    b: &'a [u8],
    at: usize,
    field: &'static str,
) -> Result<&'a str, DecodeError> {
    let s = core::str::from_utf8(b).map_err(|e| {
        DecodeError::new(at + e.valid_up_to(), DecodeErrorKind::InvalidUtf8 { field })
    })?;
    // a plain loop: the strings are short, a memchr call costs more
    if let Some(p) = b.iter().position(|&c| c == 0) {
        return Err(DecodeError::invalid(at + p, field, 0));
    }
    Ok(s)
}

/// Reads `n` octets of text (UTF-8, no NUL).
pub(crate) fn read_text<'a>(
    r: &mut Reader<'a>,
    n: usize,
    field: &'static str,
) -> Result<&'a str, DecodeError> {
    let at = r.offset();
    let b = r.bytes(n)?;
    check_text(b, at, field)
}

/// Reads `n` octets of text using `view` when it covers them (no per-string
/// UTF-8 validation; no NUL check when the view was validated before).
pub(crate) fn read_text_in<'a>(
    r: &mut Reader<'a>,
    n: usize,
    field: &'static str,
    view: crate::seq::TextView<'a>,
) -> Result<&'a str, DecodeError> {
    let at = r.offset();
    let b = r.bytes(n)?;
    if !view.nul_free {
        if let Some(p) = b.iter().position(|&c| c == 0) {
            // report whichever bad octet comes first
            return Err(check_text(&b[..p], at, field)
                .err()
                .unwrap_or(DecodeError::invalid(at + p, field, 0)));
        }
    }
    if let Some(s) = view.get(at, n) {
        return Ok(s);
    }
    core::str::from_utf8(b)
        .map_err(|e| DecodeError::new(at + e.valid_up_to(), DecodeErrorKind::InvalidUtf8 { field }))
}

/// Checks `n` octets of text like [`read_text_in`] without building the `&str`
/// (ASCII needs no UTF-8 decoding).
pub(crate) fn validate_text_in<'a>(
    r: &mut Reader<'a>,
    n: usize,
    field: &'static str,
    view: crate::seq::TextView<'a>,
) -> Result<(), DecodeError> {
    let at = r.offset();
    let b = r.bytes(n)?;
    if !view.nul_free {
        if let Some(p) = b.iter().position(|&c| c == 0) {
            return Err(check_text(&b[..p], at, field)
                .err()
                .unwrap_or(DecodeError::invalid(at + p, field, 0)));
        }
    }
    if view.text.is_some() || b.is_ascii() {
        // inside an all-ASCII view, or ASCII itself: valid UTF-8
        return Ok(());
    }
    core::str::from_utf8(b)
        .map(|_| ())
        .map_err(|e| DecodeError::new(at + e.valid_up_to(), DecodeErrorKind::InvalidUtf8 { field }))
}

/// Reads a one-octet length and checks that many octets of text.
pub(crate) fn validate_prefixed_text8<'a>(
    r: &mut Reader<'a>,
    field: &'static str,
    view: crate::seq::TextView<'a>,
) -> Result<(), DecodeError> {
    let lo = r.offset();
    let len = usize::from(r.u8()?);
    if len > r.remaining() {
        return Err(DecodeError::new(
            lo,
            DecodeErrorKind::LengthTooLarge {
                field,
                max: r.remaining() as u64,
                actual: len as u64,
            },
        ));
    }
    validate_text_in(r, len, field, view)
}

/// Reads a string with a length prefix of `prefix` octets (1, 2 or 4); a length
/// pointing past the end is an error at the length field.
pub(crate) fn read_prefixed_text<'a>(
    r: &mut Reader<'a>,
    prefix: usize,
    field: &'static str,
) -> Result<&'a str, DecodeError> {
    read_prefixed_text_in(r, prefix, field, crate::seq::TextView::default())
}

/// [`read_prefixed_text`] with a text view.
pub(crate) fn read_prefixed_text_in<'a>(
    r: &mut Reader<'a>,
    prefix: usize,
    field: &'static str,
    view: crate::seq::TextView<'a>,
) -> Result<&'a str, DecodeError> {
    let lo = r.offset();
    let len = match prefix {
        1 => usize::from(r.u8()?),
        2 => usize::from(r.u16()?),
        _ => r.u32()? as usize,
    };
    if len > r.remaining() {
        return Err(DecodeError::new(
            lo,
            DecodeErrorKind::LengthTooLarge {
                field,
                max: r.remaining() as u64,
                actual: len as u64,
            },
        ));
    }
    read_text_in(r, len, field, view)
}

/// Rejects text that would not decode back (NUL octets).
pub(crate) fn check_encodable(s: &str, field: &'static str) -> Result<(), EncodeError> {
    if s.as_bytes().contains(&0) {
        Err(EncodeError::OutOfRange { field, value: 0 })
    } else {
        Ok(())
    }
}

/// Writes a string with a `prefix`-octet length.
pub(crate) fn write_prefixed_text(
    w: &mut Writer<'_>,
    prefix: usize,
    s: &str,
    field: &'static str,
) -> Result<(), EncodeError> {
    check_encodable(s, field)?;
    let len = s.len() as u64;
    let max = match prefix {
        1 => u64::from(u8::MAX),
        2 => u64::from(u16::MAX),
        _ => u64::from(u32::MAX),
    };
    if len > max {
        return Err(EncodeError::LengthOverflow {
            field,
            len,
            bits: 8 * prefix as u32,
        });
    }
    match prefix {
        1 => w.u8(len as u8),
        2 => w.u16(len as u16),
        _ => w.u32(len as u32),
    }
    w.bytes(s.as_bytes());
    Ok(())
}

/// An error for a value shorter than its minimum: offset of the value start.
pub(crate) fn too_short(r: &Reader<'_>, field: &'static str, min: usize) -> DecodeError {
    DecodeError::new(
        r.base(),
        DecodeErrorKind::LengthTooShort {
            field,
            min: min as u64,
            actual: r.remaining() as u64,
        },
    )
}
