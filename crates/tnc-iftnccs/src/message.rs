//! PB-TNC messages (RFC 5793 §4.2–§4.11 and the TCG/ITA extensions): the 12-octet message
//! header ([`RawMessage`]), the decoded forms ([`Message`]) and their encoders.
//!
//! Decoding borrows from the batch; every error carries the **batch-relative** offset of the
//! offending field, as PB-Error wants it.

use tnc_wire::{Encode, EncodeError, LenWidth, MessageType, Pen, Reader, Writer};

use crate::consts::{
    AccessRecommendation, AssessmentResult, ErrorCode, FLAG_EXCL, FLAG_FATAL, FLAG_NOSKIP,
    ITA_MUTUAL_CAPABILITY, IetfMessageType, MESSAGE_HEADER_LEN, PdpIdentifierType, RemediationType,
    TCG_PDP_REFERRAL, TYPE_RESERVED, VENDOR_RESERVED,
};
use crate::error::Error;

/// A PB-TNC message as framed on the wire, before its value is interpreted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawMessage<'a> {
    /// Batch-relative offset of the message header.
    pub offset: usize,
    /// The flags octet (`0x80` = NOSKIP; the other bits are reserved).
    pub flags: u8,
    /// PB-TNC vendor id.
    pub vendor: Pen,
    /// PB-TNC message type (scoped by the vendor).
    pub message_type: u32,
    /// The message value (everything after the 12-octet header).
    pub value: &'a [u8],
}

impl<'a> RawMessage<'a> {
    /// True when NOSKIP is set.
    pub fn noskip(&self) -> bool {
        self.flags & FLAG_NOSKIP != 0
    }

    /// Reads one message header and value from `r` (whose offsets are batch-relative).
    /// Checks, in this order: a complete header, Message Length ≥ 12 and ≤ the octets left
    /// (offset `msg+8`), vendor ≠ `0xFFFFFF` (`msg+1`), type ≠ `0xFFFFFFFF` (`msg+4`).
    pub fn read(r: &mut Reader<'a>) -> Result<Self, Error> {
        let offset = r.offset();
        if r.remaining() < MESSAGE_HEADER_LEN {
            return Err(Error::invalid(offset, "PB-TNC message header truncated"));
        }
        let flags = r.u8()?;
        let vendor = r.u24()?;
        let message_type = r.u32()?;
        let len = r.u32()?;
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len < MESSAGE_HEADER_LEN {
            return Err(Error::invalid(offset + 8, "PB-TNC message length below 12"));
        }
        if len - MESSAGE_HEADER_LEN > r.remaining() {
            return Err(Error::invalid(
                offset + 8,
                "PB-TNC message length exceeds the batch",
            ));
        }
        if vendor == VENDOR_RESERVED {
            return Err(Error::invalid(
                offset + 1,
                "reserved PB-TNC vendor id 0xFFFFFF",
            ));
        }
        if message_type == TYPE_RESERVED {
            return Err(Error::invalid(
                offset + 4,
                "reserved PB-TNC message type 0xFFFFFFFF",
            ));
        }
        let value = r.bytes(len - MESSAGE_HEADER_LEN)?;
        Ok(RawMessage {
            offset,
            flags,
            vendor: Pen::from_u24(vendor),
            message_type,
            value,
        })
    }

    /// Reader over the value whose offsets stay batch-relative.
    fn value_reader(&self) -> Reader<'a> {
        Reader::with_base(self.value, self.offset + MESSAGE_HEADER_LEN)
    }

    fn value_offset(&self, rel: usize) -> usize {
        self.offset + MESSAGE_HEADER_LEN + rel
    }
}

/// PB-PA (IETF 1): a PA message with its routing header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PbPa<'a> {
    /// EXCL: deliver only to the collector/validator named in the destination field.
    pub exclusive: bool,
    /// PA message vendor and subtype.
    pub message_type: MessageType,
    /// Posture Collector Identifier (IMC id, `0xFFFF` = any).
    pub collector: u16,
    /// Posture Validator Identifier (IMV id, `0xFFFF` = any).
    pub validator: u16,
    /// The PA message (opaque here; a PA-TNC message, RFC 5792).
    pub body: &'a [u8],
}

/// Parameters of a PB-Error, by layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorParameters<'a> {
    /// No parameters (codes 0 and 2 as the RFC sends them).
    None,
    /// A 4-octet batch offset (codes 1 and 3; strongSwan also sends it for 0 and 2).
    Offset(u32),
    /// Version Not Supported: bad version, maximum and minimum supported version, reserved.
    Version {
        /// The version that was refused.
        bad: u8,
        /// Highest supported version.
        max: u8,
        /// Lowest supported version.
        min: u8,
    },
    /// Anything else (vendor codes, unexpected lengths), kept raw.
    Raw(&'a [u8]),
}

/// PB-Error (IETF 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PbError<'a> {
    /// FATAL: the receiver must end the session after this batch.
    pub fatal: bool,
    /// Error code vendor.
    pub vendor: Pen,
    /// Error code (IETF codes in [`ErrorCode`]).
    pub code: ErrorCode,
    /// Error parameters.
    pub parameters: ErrorParameters<'a>,
}

impl PbError<'_> {
    /// The error offset, when the parameters carry one.
    pub fn offset(&self) -> Option<u32> {
        match self.parameters {
            ErrorParameters::Offset(o) => Some(o),
            _ => None,
        }
    }
}

/// Parameters of PB-Remediation-Parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemediationParams<'a> {
    /// IETF Remediation-URI.
    Uri(&'a str),
    /// IETF Remediation-String.
    String {
        /// The instructions (UTF-8).
        text: &'a str,
        /// Language tag.
        language: &'a str,
    },
    /// Another vendor's or type's parameters, raw.
    Raw(&'a [u8]),
}

/// PB-Remediation-Parameters (IETF 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemediationParameters<'a> {
    /// Remediation Parameters vendor.
    pub vendor: Pen,
    /// Remediation Parameters type (IETF types in [`RemediationType`]).
    pub remediation_type: u32,
    /// The parameters.
    pub params: RemediationParams<'a>,
}

/// PB-Language-Preference (IETF 6): an `Accept-Language` header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LanguagePreference<'a> {
    /// The whole value, e.g. `Accept-Language: de, en;q=0.5`.
    pub value: &'a str,
}

impl<'a> LanguagePreference<'a> {
    /// The header name including the one space strongSwan insists on.
    pub const PREFIX: &'static str = "Accept-Language: ";

    /// The language list after `Accept-Language:` (leading whitespace removed): what
    /// `TNC_ATTRIBUTEID_PREFERRED_LANGUAGE` returns.
    pub fn languages(&self) -> &'a str {
        self.value.get(16..).unwrap_or("").trim_start()
    }

    /// The language ranges in the sender's order of preference (highest `q` first, ties in
    /// list order), without weights; ranges with `q=0` are dropped.
    pub fn ranges(&self) -> Vec<&'a str> {
        let mut v: Vec<(u32, usize, &str)> = Vec::new();
        for (i, item) in self.languages().split(',').enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            if tag.is_empty() {
                continue;
            }
            let mut q = 1000u32;
            for p in parts {
                if let Some(qv) = p.trim().strip_prefix("q=") {
                    q = parse_q(qv.trim());
                }
            }
            if q > 0 {
                v.push((q, i, tag));
            }
        }
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        v.into_iter().map(|(_, _, t)| t).collect()
    }
}

/// A `q` value as thousandths (`0.8` → 800); malformed values count as 1.
fn parse_q(s: &str) -> u32 {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    match int.parse::<u32>() {
        Ok(0) => {}
        // q is at most 1; larger or malformed integer parts count as 1
        _ => return 1000,
    }
    let mut f = 0u32;
    let mut scale = 100u32;
    for c in frac.chars().take(3) {
        let Some(d) = c.to_digit(10) else { return 1000 };
        f += d * scale;
        scale /= 10;
    }
    f
}

/// PB-Reason-String (IETF 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonString<'a> {
    /// UTF-8 text.
    pub text: &'a str,
    /// Language tag (ASCII, may be empty).
    pub language: &'a str,
}

/// The identifier of a PB-PDP-Referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdpIdentifier<'a> {
    /// TCG FQDN / IPv4 / IPv6 identifier.
    Address {
        /// Transport protocol (0 = PT-TLS).
        protocol: u8,
        /// Port.
        port: u16,
        /// The address.
        address: PdpAddress<'a>,
    },
    /// Another vendor's or type's identifier, raw.
    Raw(&'a [u8]),
}

/// The address part of a TCG PDP identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdpAddress<'a> {
    /// A fully qualified domain name.
    Fqdn(&'a str),
    /// An IPv4 address.
    Ipv4([u8; 4]),
    /// An IPv6 address.
    Ipv6([u8; 16]),
}

/// TCG PB-PDP-Referral (TCG 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PdpReferral<'a> {
    /// PDP identifier vendor.
    pub vendor: Pen,
    /// PDP identifier type ([`PdpIdentifierType`] for TCG).
    pub identifier_type: u32,
    /// The identifier.
    pub identifier: PdpIdentifier<'a>,
}

/// ITA PB-Mutual-Capability (ITA 1), strongSwan's mutual-mode negotiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MutualCapability {
    /// The 32-bit flags word.
    pub flags: u32,
}

impl MutualCapability {
    /// Half-duplex mutual PB-TNC supported.
    pub const HALF_DUPLEX: u32 = 0x8000_0000;
    /// Full-duplex mutual PB-TNC supported.
    pub const FULL_DUPLEX: u32 = 0x4000_0000;
}

/// A decoded PB-TNC message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message<'a> {
    /// PB-Experimental (IETF 0): opaque.
    Experimental {
        /// NOSKIP as received (a receiver must refuse it when set).
        noskip: bool,
        /// The value.
        value: &'a [u8],
    },
    /// PB-PA (IETF 1).
    Pa(PbPa<'a>),
    /// PB-Assessment-Result (IETF 2).
    AssessmentResult(AssessmentResult),
    /// PB-Access-Recommendation (IETF 3).
    AccessRecommendation(AccessRecommendation),
    /// PB-Remediation-Parameters (IETF 4).
    RemediationParameters(RemediationParameters<'a>),
    /// PB-Error (IETF 5).
    Error(PbError<'a>),
    /// PB-Language-Preference (IETF 6).
    LanguagePreference(LanguagePreference<'a>),
    /// PB-Reason-String (IETF 7).
    ReasonString(ReasonString<'a>),
    /// TCG PB-PDP-Referral.
    PdpReferral(PdpReferral<'a>),
    /// ITA PB-Mutual-Capability.
    MutualCapability(MutualCapability),
    /// A message of a type this crate does not know (NOSKIP clear), kept raw.
    Unknown(RawMessage<'a>),
}

/// Per-type rules: required NOSKIP value (None = either), minimum and exact total length.
struct Rule {
    noskip: Option<bool>,
    min: usize,
    exact: bool,
}

fn rule(vendor: Pen, t: u32) -> Option<Rule> {
    let r = |noskip, min, exact| Some(Rule { noskip, min, exact });
    match (vendor, IetfMessageType(t)) {
        (Pen::IETF, IetfMessageType::EXPERIMENTAL) => r(None, 12, false),
        (Pen::IETF, IetfMessageType::PA) => r(Some(true), 24, false),
        (Pen::IETF, IetfMessageType::ASSESSMENT_RESULT) => r(Some(true), 16, true),
        (Pen::IETF, IetfMessageType::ACCESS_RECOMMENDATION) => r(Some(false), 16, true),
        (Pen::IETF, IetfMessageType::REMEDIATION_PARAMETERS) => r(Some(false), 20, false),
        (Pen::IETF, IetfMessageType::ERROR) => r(Some(true), 20, false),
        (Pen::IETF, IetfMessageType::LANGUAGE_PREFERENCE) => r(Some(false), 12, false),
        (Pen::IETF, IetfMessageType::REASON_STRING) => r(Some(false), 17, false),
        (Pen::TCG, _) if t == TCG_PDP_REFERRAL => r(Some(false), 20, false),
        (Pen::ITA, _) if t == ITA_MUTUAL_CAPABILITY => r(Some(false), 16, false),
        _ => None,
    }
}

impl<'a> Message<'a> {
    /// Interprets a framed message: NOSKIP rules, length rules, then the value.
    ///
    /// * unknown type with NOSKIP set → [`Error::UnsupportedMandatoryMessage`] at the message;
    /// * unknown type with NOSKIP clear → [`Message::Unknown`] (the receiver skips it);
    /// * known type with the wrong NOSKIP value, too short, or not of its exact length →
    ///   Invalid Parameter at the message offset;
    /// * a bad value → Invalid Parameter at the batch-relative offset of the bad field.
    pub fn from_raw(raw: RawMessage<'a>) -> Result<Self, Error> {
        let Some(rule) = rule(raw.vendor, raw.message_type) else {
            if raw.noskip() {
                return Err(Error::UnsupportedMandatoryMessage {
                    offset: u32::try_from(raw.offset).unwrap_or(u32::MAX),
                    vendor: raw.vendor,
                    message_type: raw.message_type,
                });
            }
            return Ok(Message::Unknown(raw));
        };
        if let Some(noskip) = rule.noskip {
            if noskip != raw.noskip() {
                return Err(Error::invalid(
                    raw.offset,
                    "wrong NOSKIP flag for the message type",
                ));
            }
        }
        let total = raw.value.len() + MESSAGE_HEADER_LEN;
        if total < rule.min || (rule.exact && total != rule.min) {
            return Err(Error::invalid(
                raw.offset,
                "wrong length for the message type",
            ));
        }
        let mut r = raw.value_reader();
        let msg = match (raw.vendor, raw.message_type) {
            (Pen::TCG, _) => Message::PdpReferral(decode_pdp(&raw, &mut r)?),
            (Pen::ITA, _) => Message::MutualCapability(MutualCapability { flags: r.u32()? }),
            (_, 0) => Message::Experimental {
                noskip: raw.noskip(),
                value: raw.value,
            },
            (_, 1) => Message::Pa(decode_pa(&raw, &mut r)?),
            (_, 2) => {
                let v = r.u32()?;
                if v > 4 {
                    return Err(Error::invalid(
                        raw.value_offset(0),
                        "assessment result above 4",
                    ));
                }
                Message::AssessmentResult(AssessmentResult(v))
            }
            (_, 3) => {
                r.skip(2)?;
                let v = r.u16()?;
                if !(1..=3).contains(&v) {
                    return Err(Error::invalid(
                        raw.value_offset(2),
                        "access recommendation not 1, 2 or 3",
                    ));
                }
                Message::AccessRecommendation(AccessRecommendation(v))
            }
            (_, 4) => Message::RemediationParameters(decode_remediation(&raw, &mut r)?),
            (_, 5) => Message::Error(decode_error(&mut r)?),
            (_, 6) => {
                let value = no_nul_utf8(&mut r, raw.value.len(), "language preference")?;
                let prefix = value.get(..16);
                if !prefix.is_some_and(|p| p.eq_ignore_ascii_case("Accept-Language:")) {
                    return Err(Error::invalid(
                        raw.value_offset(0),
                        "language preference lacks 'Accept-Language:'",
                    ));
                }
                Message::LanguagePreference(LanguagePreference { value })
            }
            _ => {
                let len_at = r.offset();
                let len = usize::try_from(r.u32()?).unwrap_or(usize::MAX);
                if len > r.remaining().saturating_sub(1) {
                    return Err(Error::invalid(
                        len_at,
                        "reason string length exceeds the message",
                    ));
                }
                let text = no_nul_utf8(&mut r, len, "reason string")?;
                let lang_at = r.offset();
                let lang_len = usize::from(r.u8()?);
                if lang_len != r.remaining() {
                    return Err(Error::invalid(
                        lang_at,
                        "reason string language length mismatch",
                    ));
                }
                let language = no_nul_utf8(&mut r, lang_len, "reason string language")?;
                Message::ReasonString(ReasonString { text, language })
            }
        };
        Ok(msg)
    }

    /// The (vendor, type) of this message.
    pub fn kind(&self) -> (Pen, u32) {
        let ietf = |t: IetfMessageType| (Pen::IETF, t.0);
        match self {
            Message::Experimental { .. } => ietf(IetfMessageType::EXPERIMENTAL),
            Message::Pa(_) => ietf(IetfMessageType::PA),
            Message::AssessmentResult(_) => ietf(IetfMessageType::ASSESSMENT_RESULT),
            Message::AccessRecommendation(_) => ietf(IetfMessageType::ACCESS_RECOMMENDATION),
            Message::RemediationParameters(_) => ietf(IetfMessageType::REMEDIATION_PARAMETERS),
            Message::Error(_) => ietf(IetfMessageType::ERROR),
            Message::LanguagePreference(_) => ietf(IetfMessageType::LANGUAGE_PREFERENCE),
            Message::ReasonString(_) => ietf(IetfMessageType::REASON_STRING),
            Message::PdpReferral(_) => (Pen::TCG, TCG_PDP_REFERRAL),
            Message::MutualCapability(_) => (Pen::ITA, ITA_MUTUAL_CAPABILITY),
            Message::Unknown(raw) => (raw.vendor, raw.message_type),
        }
    }

    /// The NOSKIP flag this message is sent with.
    pub fn noskip(&self) -> bool {
        match self {
            Message::Experimental { noskip, .. } => *noskip,
            Message::Unknown(raw) => raw.noskip(),
            Message::Pa(_) | Message::AssessmentResult(_) | Message::Error(_) => true,
            _ => false,
        }
    }

    /// A PB-Language-Preference with the strongSwan-compatible prefix (`Accept-Language: `).
    /// `buf` receives the text; the message borrows it.
    pub fn language_preference(languages: &str, buf: &'a mut String) -> Message<'a> {
        buf.clear();
        buf.push_str(LanguagePreference::PREFIX);
        buf.push_str(languages);
        Message::LanguagePreference(LanguagePreference {
            value: buf.as_str(),
        })
    }

    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Message::Experimental { value, .. } => w.bytes(value),
            Message::Unknown(raw) => w.bytes(raw.value),
            Message::Pa(pa) => {
                w.u8(if pa.exclusive { FLAG_EXCL } else { 0 });
                w.u24(pa.message_type.vendor.get(), "PA message vendor id")?;
                w.u32(pa.message_type.subtype);
                w.u16(pa.collector);
                w.u16(pa.validator);
                w.bytes(pa.body);
            }
            Message::AssessmentResult(a) => w.u32(a.0),
            Message::AccessRecommendation(a) => {
                w.u16(0);
                w.u16(a.0);
            }
            Message::RemediationParameters(rp) => {
                w.u8(0);
                w.u24(rp.vendor.get(), "remediation vendor id")?;
                w.u32(rp.remediation_type);
                match rp.params {
                    RemediationParams::Uri(u) => w.bytes(u.as_bytes()),
                    RemediationParams::String { text, language } => {
                        w.u32(len32(text.len(), "remediation string length")?);
                        w.bytes(text.as_bytes());
                        w.u8(len8(language.len(), "remediation language length")?);
                        w.bytes(language.as_bytes());
                    }
                    RemediationParams::Raw(b) => w.bytes(b),
                }
            }
            Message::Error(e) => {
                w.u8(if e.fatal { FLAG_FATAL } else { 0 });
                w.u24(e.vendor.get(), "error code vendor id")?;
                w.u16(e.code.0);
                w.u16(0);
                match e.parameters {
                    ErrorParameters::None => {}
                    ErrorParameters::Offset(o) => w.u32(o),
                    ErrorParameters::Version { bad, max, min } => {
                        w.bytes(&[bad, max, min, 0]);
                    }
                    ErrorParameters::Raw(b) => w.bytes(b),
                }
            }
            Message::LanguagePreference(l) => w.bytes(l.value.as_bytes()),
            Message::ReasonString(rs) => {
                w.u32(len32(rs.text.len(), "reason string length")?);
                w.bytes(rs.text.as_bytes());
                w.u8(len8(rs.language.len(), "reason string language length")?);
                w.bytes(rs.language.as_bytes());
            }
            Message::PdpReferral(p) => {
                w.u8(0);
                w.u24(p.vendor.get(), "PDP identifier vendor id")?;
                w.u32(p.identifier_type);
                match p.identifier {
                    PdpIdentifier::Address {
                        protocol,
                        port,
                        address,
                    } => {
                        w.u8(0);
                        w.u8(protocol);
                        w.u16(port);
                        match address {
                            PdpAddress::Fqdn(f) => w.bytes(f.as_bytes()),
                            PdpAddress::Ipv4(a) => w.bytes(&a),
                            PdpAddress::Ipv6(a) => w.bytes(&a),
                        }
                    }
                    PdpIdentifier::Raw(b) => w.bytes(b),
                }
            }
            Message::MutualCapability(m) => w.u32(m.flags),
        }
        Ok(())
    }

    fn value_len(&self) -> usize {
        match self {
            Message::Experimental { value, .. } => value.len(),
            Message::Unknown(raw) => raw.value.len(),
            Message::Pa(pa) => 12 + pa.body.len(),
            Message::AssessmentResult(_)
            | Message::AccessRecommendation(_)
            | Message::MutualCapability(_) => 4,
            Message::RemediationParameters(rp) => {
                8 + match rp.params {
                    RemediationParams::Uri(u) => u.len(),
                    RemediationParams::String { text, language } => 5 + text.len() + language.len(),
                    RemediationParams::Raw(b) => b.len(),
                }
            }
            Message::Error(e) => {
                8 + match e.parameters {
                    ErrorParameters::None => 0,
                    ErrorParameters::Offset(_) | ErrorParameters::Version { .. } => 4,
                    ErrorParameters::Raw(b) => b.len(),
                }
            }
            Message::LanguagePreference(l) => l.value.len(),
            Message::ReasonString(rs) => 5 + rs.text.len() + rs.language.len(),
            Message::PdpReferral(p) => {
                8 + match p.identifier {
                    PdpIdentifier::Address { address, .. } => {
                        4 + match address {
                            PdpAddress::Fqdn(f) => f.len(),
                            PdpAddress::Ipv4(_) => 4,
                            PdpAddress::Ipv6(_) => 16,
                        }
                    }
                    PdpIdentifier::Raw(b) => b.len(),
                }
            }
        }
    }
}

impl Encode for Message<'_> {
    fn encoded_len(&self) -> usize {
        MESSAGE_HEADER_LEN + self.value_len()
    }

    fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let start = w.position();
        let (vendor, t) = self.kind();
        let flags = match self {
            Message::Unknown(raw) => raw.flags,
            _ if self.noskip() => FLAG_NOSKIP,
            _ => 0,
        };
        w.u8(flags);
        w.u24(vendor.get(), "PB-TNC vendor id")?;
        w.u32(t);
        let len = w.reserve_len(LenWidth::U32, start, "PB-TNC message length");
        self.encode_value(w)?;
        w.patch_len(len)?;
        Ok(())
    }
}

fn len32(n: usize, field: &'static str) -> Result<u32, EncodeError> {
    u32::try_from(n).map_err(|_| EncodeError::LengthOverflow {
        field,
        len: n as u64,
        bits: 32,
    })
}

fn len8(n: usize, field: &'static str) -> Result<u8, EncodeError> {
    u8::try_from(n).map_err(|_| EncodeError::LengthOverflow {
        field,
        len: n as u64,
        bits: 8,
    })
}

/// Reads `n` octets of UTF-8 without NUL.
fn no_nul_utf8<'a>(r: &mut Reader<'a>, n: usize, what: &'static str) -> Result<&'a str, Error> {
    let at = r.offset();
    let b = r.bytes(n)?;
    if let Some(i) = b.iter().position(|&c| c == 0) {
        return Err(Error::invalid(at + i, what));
    }
    core::str::from_utf8(b).map_err(|e| Error::invalid(at + e.valid_up_to(), what))
}

fn decode_pa<'a>(raw: &RawMessage<'a>, r: &mut Reader<'a>) -> Result<PbPa<'a>, Error> {
    let flags = r.u8()?;
    let vendor = r.u24()?;
    if vendor == VENDOR_RESERVED {
        return Err(Error::invalid(
            raw.value_offset(1),
            "reserved PA message vendor id",
        ));
    }
    let subtype = r.u32()?;
    if subtype == TYPE_RESERVED {
        return Err(Error::invalid(raw.value_offset(4), "reserved PA subtype"));
    }
    let collector = r.u16()?;
    let validator = r.u16()?;
    Ok(PbPa {
        exclusive: flags & FLAG_EXCL != 0,
        message_type: MessageType::new(Pen::from_u24(vendor), subtype),
        collector,
        validator,
        body: r.rest(),
    })
}

fn decode_error<'a>(r: &mut Reader<'a>) -> Result<PbError<'a>, Error> {
    let flags = r.u8()?;
    let vendor = Pen::from_u24(r.u24()?);
    let code = ErrorCode(r.u16()?);
    r.skip(2)?;
    let rest = r.rest();
    let parameters = match (vendor, rest) {
        (Pen::IETF, []) => ErrorParameters::None,
        (Pen::IETF, &[bad, max, min, 0]) if code == ErrorCode::VERSION_NOT_SUPPORTED => {
            ErrorParameters::Version { bad, max, min }
        }
        (Pen::IETF, &[a, b, c, d]) if code.0 <= 3 => {
            ErrorParameters::Offset(u32::from_be_bytes([a, b, c, d]))
        }
        _ => ErrorParameters::Raw(rest),
    };
    Ok(PbError {
        fatal: flags & FLAG_FATAL != 0,
        vendor,
        code,
        parameters,
    })
}

fn decode_remediation<'a>(
    raw: &RawMessage<'a>,
    r: &mut Reader<'a>,
) -> Result<RemediationParameters<'a>, Error> {
    r.skip(1)?;
    let vendor = Pen::from_u24(r.u24()?);
    let remediation_type = r.u32()?;
    let params = match (vendor, RemediationType(remediation_type)) {
        (Pen::IETF, RemediationType::URI) => {
            let n = r.remaining();
            RemediationParams::Uri(no_nul_utf8(r, n, "remediation URI")?)
        }
        (Pen::IETF, RemediationType::STRING) => {
            let len_at = r.offset();
            let len = usize::try_from(r.u32()?).unwrap_or(usize::MAX);
            if len > r.remaining().saturating_sub(1) {
                return Err(Error::invalid(
                    len_at,
                    "remediation string length exceeds the message",
                ));
            }
            let text = no_nul_utf8(r, len, "remediation string")?;
            let lang_at = r.offset();
            let lang_len = usize::from(r.u8()?);
            if lang_len != r.remaining() {
                return Err(Error::invalid(
                    lang_at,
                    "remediation string language length mismatch",
                ));
            }
            let language = no_nul_utf8(r, lang_len, "remediation string language")?;
            RemediationParams::String { text, language }
        }
        _ => RemediationParams::Raw(r.rest()),
    };
    let _ = raw;
    Ok(RemediationParameters {
        vendor,
        remediation_type,
        params,
    })
}

fn decode_pdp<'a>(raw: &RawMessage<'a>, r: &mut Reader<'a>) -> Result<PdpReferral<'a>, Error> {
    r.skip(1)?;
    let vendor = Pen::from_u24(r.u24()?);
    let identifier_type = r.u32()?;
    let t = PdpIdentifierType(identifier_type);
    let identifier = if vendor == Pen::TCG && t.is_known() {
        if r.remaining() < 4 {
            return Err(Error::invalid(
                raw.value_offset(8),
                "PDP identifier truncated",
            ));
        }
        r.skip(1)?;
        let protocol = r.u8()?;
        let port = r.u16()?;
        let at = r.offset();
        let address = match t {
            PdpIdentifierType::IPV4 if r.remaining() == 4 => PdpAddress::Ipv4(r.array()?),
            PdpIdentifierType::IPV6 if r.remaining() == 16 => PdpAddress::Ipv6(r.array()?),
            PdpIdentifierType::FQDN if r.remaining() > 0 => {
                let n = r.remaining();
                PdpAddress::Fqdn(no_nul_utf8(r, n, "PDP FQDN")?)
            }
            _ => return Err(Error::invalid(at, "PDP address has the wrong length")),
        };
        PdpIdentifier::Address {
            protocol,
            port,
            address,
        }
    } else {
        PdpIdentifier::Raw(r.rest())
    };
    Ok(PdpReferral {
        vendor,
        identifier_type,
        identifier,
    })
}
