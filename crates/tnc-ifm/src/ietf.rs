//! The IETF standard attributes of RFC 5792 §4.2 (vendor 0, types 1–12; the
//! PA-TNC Error, type 8, lives in [`crate::pa_tnc_error`]).
//!
//! Every type decodes from borrowed bytes without allocating; list attributes
//! hold a [`Seq`] that parses entries lazily.

use tnc_wire::{DecodeError, EncodeError, Pen, Reader, Writer};

use crate::attribute::{
    AttributeValue, check_encodable, read_prefixed_text, read_prefixed_text_in, read_text,
    too_short, validate_prefixed_text8, write_prefixed_text,
};
use crate::consts::{
    AssessmentResultCode, ForwardingStatus, IetfAttributeType, OperationalResult,
    OperationalStatusCode, RemediationType,
};
use crate::seq::{Seq, SeqItem, TextView};

// ---------------------------------------------------------------- 1 ----

/// One entry of an Attribute Request: the requested (vendor, type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeId {
    /// Requested attribute vendor.
    pub vendor: Pen,
    /// Requested attribute type.
    pub attr_type: u32,
}

impl<'a> SeqItem<'a> for AttributeId {
    fn read(r: &mut Reader<'a>, _: u16) -> Result<Self, DecodeError> {
        let _reserved = r.u8()?;
        let vendor = Pen::from_u24(r.u24()?);
        let attr_type = r.u32()?;
        Ok(Self { vendor, attr_type })
    }
    fn wire_len(&self, _: u16) -> usize {
        8
    }
    fn write(&self, w: &mut Writer<'_>, _: u16) -> Result<(), EncodeError> {
        w.u8(0);
        w.u24(self.vendor.get(), "requested attribute vendor")?;
        w.u32(self.attr_type);
        Ok(())
    }
}

/// Attribute Request (IETF 1): the attributes an IMV asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeRequest<'a> {
    /// Requested attribute types.
    pub attributes: Seq<'a, AttributeId>,
}

impl<'a> AttributeValue<'a> for AttributeRequest<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::ATTRIBUTE_REQUEST.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let n = r.remaining();
        if n % 8 != 0 {
            // the first octet of the incomplete trailing entry
            return Err(DecodeError::new(
                r.offset() + n - n % 8,
                tnc_wire::DecodeErrorKind::TrailingBytes { count: n % 8 },
            ));
        }
        let at = r.offset();
        Ok(Self {
            attributes: Seq::read(r, (n / 8) as u64, 8, 0, at)?,
        })
    }
    fn decode_validated(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let n = r.remaining() as u64 / 8;
        Ok(Self {
            attributes: Seq::trusted(r, n, 0),
        })
    }
    fn value_len(&self) -> usize {
        self.attributes.wire_len(0)
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.attributes.write(w, 0)
    }
}

// ---------------------------------------------------------------- 2 ----

/// Product Information (IETF 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductInformation<'a> {
    /// PEN of the product's maker (0 allowed).
    pub vendor: Pen,
    /// Vendor-specific product number; must be 0 when `vendor` is 0.
    pub product_id: u16,
    /// Product name (UTF-8, to the end of the value).
    pub name: &'a str,
}

impl<'a> AttributeValue<'a> for ProductInformation<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::PRODUCT_INFORMATION.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 5 {
            return Err(too_short(r, "product information", 5));
        }
        let vendor = Pen::from_u24(r.u24()?);
        let id_at = r.offset();
        let product_id = r.u16()?;
        if vendor == Pen::IETF && product_id != 0 {
            return Err(DecodeError::invalid(
                id_at,
                "product id (vendor 0 requires 0)",
                u64::from(product_id),
            ));
        }
        let n = r.remaining();
        let name = read_text(r, n, "product name")?;
        Ok(Self {
            vendor,
            product_id,
            name,
        })
    }
    fn value_len(&self) -> usize {
        5 + self.name.len()
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.vendor == Pen::IETF && self.product_id != 0 {
            return Err(EncodeError::OutOfRange {
                field: "product id (vendor 0 requires 0)",
                value: u64::from(self.product_id),
            });
        }
        check_encodable(self.name, "product name")?;
        w.u24(self.vendor.get(), "product vendor id")?;
        w.u16(self.product_id);
        w.bytes(self.name.as_bytes());
        Ok(())
    }
}

// ---------------------------------------------------------------- 3 ----

/// Numeric Version (IETF 3), exactly 16 octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NumericVersion {
    /// Major version number.
    pub major: u32,
    /// Minor version number.
    pub minor: u32,
    /// Build number.
    pub build: u32,
    /// Service pack major.
    pub service_pack_major: u16,
    /// Service pack minor.
    pub service_pack_minor: u16,
}

impl<'a> AttributeValue<'a> for NumericVersion {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::NUMERIC_VERSION.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 16 {
            return Err(too_short(r, "numeric version", 16));
        }
        Ok(Self {
            major: r.u32()?,
            minor: r.u32()?,
            build: r.u32()?,
            service_pack_major: r.u16()?,
            service_pack_minor: r.u16()?,
        })
    }
    fn value_len(&self) -> usize {
        16
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u32(self.major);
        w.u32(self.minor);
        w.u32(self.build);
        w.u16(self.service_pack_major);
        w.u16(self.service_pack_minor);
        Ok(())
    }
}

// ---------------------------------------------------------------- 4 ----

/// String Version (IETF 4): three 1-octet-length-prefixed strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StringVersion<'a> {
    /// Product Version Number.
    pub version: &'a str,
    /// Internal Build Number.
    pub build: &'a str,
    /// Configuration Version Number.
    pub configuration: &'a str,
}

impl<'a> AttributeValue<'a> for StringVersion<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::STRING_VERSION.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 3 {
            return Err(too_short(r, "string version", 3));
        }
        Ok(Self {
            version: read_prefixed_text(r, 1, "product version number")?,
            build: read_prefixed_text(r, 1, "internal build number")?,
            configuration: read_prefixed_text(r, 1, "configuration version number")?,
        })
    }
    fn value_len(&self) -> usize {
        3 + self.version.len() + self.build.len() + self.configuration.len()
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        write_prefixed_text(w, 1, self.version, "product version number")?;
        write_prefixed_text(w, 1, self.build, "internal build number")?;
        write_prefixed_text(w, 1, self.configuration, "configuration version number")
    }
}

// ---------------------------------------------------------------- 5 ----

/// Operational Status (IETF 5), exactly 24 octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationalStatus<'a> {
    /// Status (0–3).
    pub status: OperationalStatusCode,
    /// Result of last use (0–3).
    pub result: OperationalResult,
    /// Last use, `YYYY-MM-DDThh:mm:ssZ` (`0000-00-00T00:00:00Z` = unknown).
    pub last_use: &'a str,
}

/// The "unknown" Last Use timestamp.
pub const LAST_USE_UNKNOWN: &str = "0000-00-00T00:00:00Z";

/// Checks the `YYYY-MM-DDThh:mm:ssZ` shape; returns the index of the first bad
/// character.
pub fn check_timestamp(ts: &[u8]) -> Result<(), usize> {
    if ts.len() != 20 {
        return Err(ts.len().min(20));
    }
    for (i, &c) in ts.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return Err(i);
        }
    }
    Ok(())
}

impl<'a> AttributeValue<'a> for OperationalStatus<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::OPERATIONAL_STATUS.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 24 {
            return Err(too_short(r, "operational status", 24));
        }
        let at = r.offset();
        let status = r.u8()?;
        if status > 3 {
            return Err(DecodeError::invalid(
                at,
                "operational status",
                u64::from(status),
            ));
        }
        let result = r.u8()?;
        if result > 3 {
            return Err(DecodeError::invalid(
                at + 1,
                "operational result",
                u64::from(result),
            ));
        }
        r.skip(2)?;
        let ts_at = r.offset();
        let ts = r.bytes(20)?;
        if let Err(i) = check_timestamp(ts) {
            return Err(DecodeError::invalid(
                ts_at + i,
                "last use timestamp",
                u64::from(ts.get(i).copied().unwrap_or(0)),
            ));
        }
        // all ASCII, checked above
        let last_use = core::str::from_utf8(ts)
            .map_err(|_| DecodeError::invalid(ts_at, "last use timestamp", 0))?;
        Ok(Self {
            status: OperationalStatusCode(status),
            result: OperationalResult(result),
            last_use,
        })
    }
    fn value_len(&self) -> usize {
        24
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.status.0 > 3 {
            return Err(EncodeError::OutOfRange {
                field: "operational status",
                value: u64::from(self.status.0),
            });
        }
        if self.result.0 > 3 {
            return Err(EncodeError::OutOfRange {
                field: "operational result",
                value: u64::from(self.result.0),
            });
        }
        if check_timestamp(self.last_use.as_bytes()).is_err() {
            return Err(EncodeError::OutOfRange {
                field: "last use timestamp",
                value: self.last_use.len() as u64,
            });
        }
        w.u8(self.status.0);
        w.u8(self.result.0);
        w.u16(0);
        w.bytes(self.last_use.as_bytes());
        Ok(())
    }
}

// ---------------------------------------------------------------- 6 ----

/// One Port Filter entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortFilterEntry {
    /// B flag: true = port blocked, false = allowed.
    pub blocked: bool,
    /// IANA IP protocol number (6 TCP, 17 UDP).
    pub protocol: u8,
    /// Port number.
    pub port: u16,
}

impl<'a> SeqItem<'a> for PortFilterEntry {
    fn read(r: &mut Reader<'a>, _: u16) -> Result<Self, DecodeError> {
        let flags = r.u8()?;
        Ok(Self {
            blocked: flags & 0x01 != 0,
            protocol: r.u8()?,
            port: r.u16()?,
        })
    }
    fn wire_len(&self, _: u16) -> usize {
        4
    }
    fn write(&self, w: &mut Writer<'_>, _: u16) -> Result<(), EncodeError> {
        w.u8(u8::from(self.blocked));
        w.u8(self.protocol);
        w.u16(self.port);
        Ok(())
    }
}

/// Port Filter (IETF 6): a list of 4-octet entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortFilter<'a> {
    /// The entries.
    pub entries: Seq<'a, PortFilterEntry>,
}

impl<'a> AttributeValue<'a> for PortFilter<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::PORT_FILTER.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let n = r.remaining();
        if n % 4 != 0 {
            return Err(DecodeError::new(
                r.offset() + n - n % 4,
                tnc_wire::DecodeErrorKind::TrailingBytes { count: n % 4 },
            ));
        }
        let at = r.offset();
        Ok(Self {
            entries: Seq::read(r, (n / 4) as u64, 4, 0, at)?,
        })
    }
    fn decode_validated(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        let n = r.remaining() as u64 / 4;
        Ok(Self {
            entries: Seq::trusted(r, n, 0),
        })
    }
    fn value_len(&self) -> usize {
        self.entries.wire_len(0)
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        self.entries.write(w, 0)
    }
}

// ---------------------------------------------------------------- 7 ----

/// One installed package: name and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Package<'a> {
    /// Package name.
    pub name: &'a str,
    /// Package version number.
    pub version: &'a str,
}

impl<'a> SeqItem<'a> for Package<'a> {
    fn read(r: &mut Reader<'a>, ctx: u16) -> Result<Self, DecodeError> {
        Self::read_in(r, ctx, TextView::default())
    }
    fn read_in(r: &mut Reader<'a>, _: u16, view: TextView<'a>) -> Result<Self, DecodeError> {
        Ok(Self {
            name: read_prefixed_text_in(r, 1, "package name", view)?,
            version: read_prefixed_text_in(r, 1, "package version", view)?,
        })
    }
    fn validate(r: &mut Reader<'a>, _: u16, view: TextView<'a>) -> Result<(), DecodeError> {
        validate_prefixed_text8(r, "package name", view)?;
        validate_prefixed_text8(r, "package version", view)
    }
    fn wire_len(&self, _: u16) -> usize {
        2 + self.name.len() + self.version.len()
    }
    fn write(&self, w: &mut Writer<'_>, _: u16) -> Result<(), EncodeError> {
        write_prefixed_text(w, 1, self.name, "package name")?;
        write_prefixed_text(w, 1, self.version, "package version")
    }
}

/// Installed Packages (IETF 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstalledPackages<'a> {
    /// The packages (at most 65535).
    pub packages: Seq<'a, Package<'a>>,
}

impl<'a> AttributeValue<'a> for InstalledPackages<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::INSTALLED_PACKAGES.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "installed packages", 4));
        }
        r.skip(2)?;
        let count_at = r.offset();
        let count = r.u16()?;
        Ok(Self {
            packages: Seq::read(r, u64::from(count), 2, 0, count_at)?,
        })
    }
    fn decode_validated(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        r.skip(2)?;
        let count = r.u16()?;
        Ok(Self {
            packages: Seq::trusted(r, u64::from(count), 0),
        })
    }
    fn value_len(&self) -> usize {
        4 + self.packages.wire_len(0)
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let count =
            u16::try_from(self.packages.len()).map_err(|_| EncodeError::LengthOverflow {
                field: "package count",
                len: self.packages.len() as u64,
                bits: 16,
            })?;
        w.u16(0);
        w.u16(count);
        self.packages.write(w, 0)
    }
}

// ---------------------------------------------------------------- 9 ----

/// Assessment Result (IETF 9), one of five values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessmentResult {
    /// The result (0–4).
    pub result: AssessmentResultCode,
}

impl<'a> AttributeValue<'a> for AssessmentResult {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::ASSESSMENT_RESULT.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "assessment result", 4));
        }
        let at = r.offset();
        let v = r.u32()?;
        if v > 4 {
            return Err(DecodeError::invalid(at, "assessment result", u64::from(v)));
        }
        Ok(Self {
            result: AssessmentResultCode(v),
        })
    }
    fn value_len(&self) -> usize {
        4
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.result.0 > 4 {
            return Err(EncodeError::OutOfRange {
                field: "assessment result",
                value: u64::from(self.result.0),
            });
        }
        w.u32(self.result.0);
        Ok(())
    }
}

// --------------------------------------------------------------- 10 ----

/// Remediation parameters of a Remediation Instructions attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemediationParameters<'a> {
    /// IETF type 1: Remediation-URI.
    Uri(&'a str),
    /// IETF type 2: Remediation-String with its language tag.
    String {
        /// Instructions (UTF-8).
        text: &'a str,
        /// RFC 5646 language tag.
        lang: &'a str,
    },
    /// Any other (vendor, type): kept raw.
    Other {
        /// Remediation Parameters Vendor ID.
        vendor: Pen,
        /// Remediation Parameters Type.
        param_type: u32,
        /// Parameters.
        data: &'a [u8],
    },
}

/// Remediation Instructions (IETF 10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemediationInstructions<'a> {
    /// The parameters.
    pub parameters: RemediationParameters<'a>,
}

impl RemediationParameters<'_> {
    /// (vendor, type) on the wire.
    pub fn kind(&self) -> (Pen, u32) {
        match self {
            Self::Uri(_) => (Pen::IETF, RemediationType::URI.0),
            Self::String { .. } => (Pen::IETF, RemediationType::STRING.0),
            Self::Other {
                vendor, param_type, ..
            } => (*vendor, *param_type),
        }
    }
}

impl<'a> AttributeValue<'a> for RemediationInstructions<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::REMEDIATION_INSTRUCTIONS.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 8 {
            return Err(too_short(r, "remediation instructions", 8));
        }
        let _reserved = r.u8()?;
        let vendor = Pen::from_u24(r.u24()?);
        let param_type = r.u32()?;
        let parameters = match (vendor, RemediationType(param_type)) {
            (Pen::IETF, RemediationType::URI) => {
                let n = r.remaining();
                RemediationParameters::Uri(read_text(r, n, "remediation URI")?)
            }
            (Pen::IETF, RemediationType::STRING) => {
                let text = read_prefixed_text(r, 4, "remediation string")?;
                let lang = read_prefixed_text(r, 1, "remediation language code")?;
                RemediationParameters::String { text, lang }
            }
            _ => RemediationParameters::Other {
                vendor,
                param_type,
                data: r.rest(),
            },
        };
        Ok(Self { parameters })
    }
    fn value_len(&self) -> usize {
        8 + match self.parameters {
            RemediationParameters::Uri(u) => u.len(),
            RemediationParameters::String { text, lang } => 5 + text.len() + lang.len(),
            RemediationParameters::Other { data, .. } => data.len(),
        }
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let (vendor, ty) = self.parameters.kind();
        w.u8(0);
        w.u24(vendor.get(), "remediation parameters vendor id")?;
        w.u32(ty);
        match self.parameters {
            RemediationParameters::Uri(u) => {
                check_encodable(u, "remediation URI")?;
                w.bytes(u.as_bytes());
            }
            RemediationParameters::String { text, lang } => {
                write_prefixed_text(w, 4, text, "remediation string")?;
                write_prefixed_text(w, 1, lang, "remediation language code")?;
            }
            RemediationParameters::Other { data, .. } => w.bytes(data),
        }
        Ok(())
    }
}

// --------------------------------------------------------------- 11 ----

/// Forwarding Enabled (IETF 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardingEnabled {
    /// 0 disabled, 1 enabled, 2 unknown.
    pub status: ForwardingStatus,
}

impl<'a> AttributeValue<'a> for ForwardingEnabled {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::FORWARDING_ENABLED.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "forwarding enabled", 4));
        }
        let at = r.offset();
        let v = r.u32()?;
        if v > 2 {
            return Err(DecodeError::invalid(at, "forwarding enabled", u64::from(v)));
        }
        Ok(Self {
            status: ForwardingStatus(v),
        })
    }
    fn value_len(&self) -> usize {
        4
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if self.status.0 > 2 {
            return Err(EncodeError::OutOfRange {
                field: "forwarding enabled",
                value: u64::from(self.status.0),
            });
        }
        w.u32(self.status.0);
        Ok(())
    }
}

// --------------------------------------------------------------- 12 ----

/// Factory Default Password Enabled (IETF 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FactoryDefaultPasswordEnabled {
    /// True when a factory default password is still enabled.
    pub enabled: bool,
}

impl<'a> AttributeValue<'a> for FactoryDefaultPasswordEnabled {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::FACTORY_DEFAULT_PASSWORD_ENABLED.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 4 {
            return Err(too_short(r, "factory default password enabled", 4));
        }
        let at = r.offset();
        let v = r.u32()?;
        if v > 1 {
            return Err(DecodeError::invalid(
                at,
                "factory default password enabled",
                u64::from(v),
            ));
        }
        Ok(Self { enabled: v == 1 })
    }
    fn value_len(&self) -> usize {
        4
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        w.u32(u32::from(self.enabled));
        Ok(())
    }
}
