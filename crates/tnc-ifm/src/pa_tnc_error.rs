//! The PA-TNC Error attribute (IETF 8, RFC 5792 §4.2.8) with every error code's
//! Error Information layout: the IETF codes 1–3 (RFC 5792), the SWIMA codes 4–8
//! (RFC 8412) and the TCG PTS codes (spec §9a.9).

use tnc_wire::{DecodeError, EncodeError, Pen, Reader, Writer};

use crate::attribute::{AttributeValue, check_encodable, read_text, too_short};
use crate::consts::{IetfAttributeType, PaTncErrorCode, PtsErrorCode};
use crate::pts::{DhGroups, HashAlgorithms};

/// The Error Information of a PA-TNC Error, by (error vendor, code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorInformation<'a> {
    /// IETF 1 Invalid Parameter.
    InvalidParameter {
        /// The first 8 octets of the offending message.
        message_header: [u8; 8],
        /// Offset of the first bad octet from the start of that message.
        offset: u32,
    },
    /// IETF 2 Version Not Supported.
    VersionNotSupported {
        /// The first 8 octets of the offending message (with the bad version).
        message_header: [u8; 8],
        /// Highest supported version.
        max_version: u8,
        /// Lowest supported version.
        min_version: u8,
    },
    /// IETF 3 Attribute Type Not Supported.
    AttributeTypeNotSupported {
        /// The first 8 octets of the offending message.
        message_header: [u8; 8],
        /// Flags of the unsupported attribute.
        flags: u8,
        /// Vendor of the unsupported attribute.
        vendor: Pen,
        /// Type of the unsupported attribute.
        attr_type: u32,
    },
    /// IETF 4 SWIMA Error, 5 Subscription Denied, 8 Subscription ID Reuse.
    Swima {
        /// Copy of the Request ID / Subscription ID.
        request_id: u32,
        /// Description (UTF-8).
        description: &'a str,
    },
    /// IETF 6 SWIMA Response Too Large.
    SwimaResponseTooLarge {
        /// Copy of the Request ID.
        request_id: u32,
        /// Maximum allowed size.
        max_allowed_size: u32,
        /// Description (UTF-8).
        description: &'a str,
    },
    /// TCG 1 Hash Algorithm Not Supported: the algorithms the sender supports.
    HashAlgorithmNotSupported {
        /// Supported hash algorithms.
        algorithms: HashAlgorithms,
    },
    /// TCG 6 D-H Group Not Supported: the groups the sender supports.
    DhGroupNotSupported {
        /// Supported D-H groups.
        groups: DhGroups,
    },
    /// TCG 7 DH-PN Nonce Not Acceptable: strongSwan's layout (length, maximum).
    NonceNotAcceptable {
        /// First 16 bits: a nonce length (own / minimum needed).
        length: u16,
        /// Next 16 bits: maximum (strongSwan sends `0xFFFF`).
        max_length: u16,
    },
    /// TCG codes that carry a copy of the offending request (2, 3, 9, 10, 13–16).
    RequestCopy(&'a [u8]),
    /// Anything else (IETF 0 and 7, other vendors, unknown codes): opaque.
    Opaque(&'a [u8]),
}

/// PA-TNC Error (IETF 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaTncError<'a> {
    /// Error Code Vendor ID.
    pub vendor: Pen,
    /// Error Code.
    pub code: u32,
    /// Error Information.
    pub info: ErrorInformation<'a>,
}

impl<'a> PaTncError<'a> {
    /// IETF Invalid Parameter for the message whose header is `message_header`.
    pub fn invalid_parameter(message_header: [u8; 8], offset: u32) -> Self {
        Self {
            vendor: Pen::IETF,
            code: PaTncErrorCode::INVALID_PARAMETER.0,
            info: ErrorInformation::InvalidParameter {
                message_header,
                offset,
            },
        }
    }

    /// IETF Version Not Supported (this implementation supports only version 1).
    pub fn version_not_supported(message_header: [u8; 8]) -> Self {
        Self {
            vendor: Pen::IETF,
            code: PaTncErrorCode::VERSION_NOT_SUPPORTED.0,
            info: ErrorInformation::VersionNotSupported {
                message_header,
                max_version: 1,
                min_version: 1,
            },
        }
    }

    /// IETF Attribute Type Not Supported for an attribute with these header fields.
    pub fn attribute_type_not_supported(
        message_header: [u8; 8],
        flags: u8,
        vendor: Pen,
        attr_type: u32,
    ) -> Self {
        Self {
            vendor: Pen::IETF,
            code: PaTncErrorCode::ATTRIBUTE_TYPE_NOT_SUPPORTED.0,
            info: ErrorInformation::AttributeTypeNotSupported {
                message_header,
                flags,
                vendor,
                attr_type,
            },
        }
    }

    /// A TCG PTS error carrying a copy of the offending request's value.
    pub fn pts_request_copy(code: PtsErrorCode, request_value: &'a [u8]) -> Self {
        Self {
            vendor: Pen::TCG,
            code: code.0,
            info: ErrorInformation::RequestCopy(request_value),
        }
    }

    /// TCG PTS Hash Algorithm Not Supported, listing the sender's algorithms.
    pub fn pts_hash_algorithm_not_supported(algorithms: HashAlgorithms) -> Self {
        Self {
            vendor: Pen::TCG,
            code: PtsErrorCode::HASH_ALGORITHM_NOT_SUPPORTED.0,
            info: ErrorInformation::HashAlgorithmNotSupported { algorithms },
        }
    }

    /// The registry name of the error code, if known.
    pub fn code_name(&self) -> Option<&'static str> {
        crate::consts::error_code_name(self.vendor, self.code)
    }

    /// The message offset of Invalid Parameter errors.
    pub fn offset(&self) -> Option<u32> {
        match self.info {
            ErrorInformation::InvalidParameter { offset, .. } => Some(offset),
            _ => None,
        }
    }
}

/// Which Error Information layout a (vendor, code) uses.
fn layout(vendor: Pen, code: u32) -> u8 {
    match (vendor, code) {
        (Pen::IETF, 1) => 1,
        (Pen::IETF, 2) => 2,
        (Pen::IETF, 3) => 3,
        (Pen::IETF, 4 | 5 | 8) => 4,
        (Pen::IETF, 6) => 6,
        (Pen::TCG, 1) => 11,
        (Pen::TCG, 6) => 16,
        (Pen::TCG, 7) => 17,
        (Pen::TCG, 2 | 3 | 9 | 10 | 13..=16) => 20,
        _ => 0,
    }
}

impl<'a> ErrorInformation<'a> {
    fn decode(r: &mut Reader<'a>, vendor: Pen, code: u32) -> Result<Self, DecodeError> {
        let min = match layout(vendor, code) {
            1 | 2 => 12,
            3 => 16,
            4 => 4,
            6 => 8,
            11 | 16 | 17 => 4,
            _ => 0,
        };
        if r.remaining() < min {
            // offset of the (too short) Error Information field
            return Err(DecodeError::new(
                r.offset(),
                tnc_wire::DecodeErrorKind::LengthTooShort {
                    field: "error information",
                    min: min as u64,
                    actual: r.remaining() as u64,
                },
            ));
        }
        Ok(match layout(vendor, code) {
            1 => ErrorInformation::InvalidParameter {
                message_header: r.array()?,
                offset: r.u32()?,
            },
            2 => {
                let message_header = r.array()?;
                let max_version = r.u8()?;
                let min_version = r.u8()?;
                r.skip(2)?;
                ErrorInformation::VersionNotSupported {
                    message_header,
                    max_version,
                    min_version,
                }
            }
            3 => ErrorInformation::AttributeTypeNotSupported {
                message_header: r.array()?,
                flags: r.u8()?,
                vendor: Pen::from_u24(r.u24()?),
                attr_type: r.u32()?,
            },
            4 => {
                let request_id = r.u32()?;
                let n = r.remaining();
                ErrorInformation::Swima {
                    request_id,
                    description: read_text(r, n, "error description")?,
                }
            }
            6 => {
                let request_id = r.u32()?;
                let max_allowed_size = r.u32()?;
                let n = r.remaining();
                ErrorInformation::SwimaResponseTooLarge {
                    request_id,
                    max_allowed_size,
                    description: read_text(r, n, "error description")?,
                }
            }
            11 => {
                r.skip(2)?;
                ErrorInformation::HashAlgorithmNotSupported {
                    algorithms: HashAlgorithms(r.u16()?),
                }
            }
            16 => {
                r.skip(2)?;
                ErrorInformation::DhGroupNotSupported {
                    groups: DhGroups(r.u16()?),
                }
            }
            17 => ErrorInformation::NonceNotAcceptable {
                length: r.u16()?,
                max_length: r.u16()?,
            },
            20 => ErrorInformation::RequestCopy(r.rest()),
            _ => ErrorInformation::Opaque(r.rest()),
        })
    }

    fn len(&self) -> usize {
        match self {
            Self::InvalidParameter { .. } | Self::VersionNotSupported { .. } => 12,
            Self::AttributeTypeNotSupported { .. } => 16,
            Self::Swima { description, .. } => 4 + description.len(),
            Self::SwimaResponseTooLarge { description, .. } => 8 + description.len(),
            Self::HashAlgorithmNotSupported { .. }
            | Self::DhGroupNotSupported { .. }
            | Self::NonceNotAcceptable { .. } => 4,
            Self::RequestCopy(b) | Self::Opaque(b) => b.len(),
        }
    }

    fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match *self {
            Self::InvalidParameter {
                message_header,
                offset,
            } => {
                w.bytes(&message_header);
                w.u32(offset);
            }
            Self::VersionNotSupported {
                message_header,
                max_version,
                min_version,
            } => {
                w.bytes(&message_header);
                w.u8(max_version);
                w.u8(min_version);
                w.u16(0);
            }
            Self::AttributeTypeNotSupported {
                message_header,
                flags,
                vendor,
                attr_type,
            } => {
                w.bytes(&message_header);
                w.u8(flags);
                w.u24(vendor.get(), "unsupported attribute vendor")?;
                w.u32(attr_type);
            }
            Self::Swima {
                request_id,
                description,
            } => {
                check_encodable(description, "error description")?;
                w.u32(request_id);
                w.bytes(description.as_bytes());
            }
            Self::SwimaResponseTooLarge {
                request_id,
                max_allowed_size,
                description,
            } => {
                check_encodable(description, "error description")?;
                w.u32(request_id);
                w.u32(max_allowed_size);
                w.bytes(description.as_bytes());
            }
            Self::HashAlgorithmNotSupported { algorithms } => {
                w.u16(0);
                w.u16(algorithms.0);
            }
            Self::DhGroupNotSupported { groups } => {
                w.u16(0);
                w.u16(groups.0);
            }
            Self::NonceNotAcceptable { length, max_length } => {
                w.u16(length);
                w.u16(max_length);
            }
            Self::RequestCopy(b) | Self::Opaque(b) => w.bytes(b),
        }
        Ok(())
    }

    /// True when this layout is the one (vendor, code) prescribes.
    pub fn matches(&self, vendor: Pen, code: u32) -> bool {
        let l = layout(vendor, code);
        matches!(
            (self, l),
            (Self::InvalidParameter { .. }, 1)
                | (Self::VersionNotSupported { .. }, 2)
                | (Self::AttributeTypeNotSupported { .. }, 3)
                | (Self::Swima { .. }, 4)
                | (Self::SwimaResponseTooLarge { .. }, 6)
                | (Self::HashAlgorithmNotSupported { .. }, 11)
                | (Self::DhGroupNotSupported { .. }, 16)
                | (Self::NonceNotAcceptable { .. }, 17)
                | (Self::RequestCopy(_), 20)
                | (Self::Opaque(_), 0)
        )
    }
}

impl<'a> AttributeValue<'a> for PaTncError<'a> {
    const VENDOR: Pen = Pen::IETF;
    const TYPE: u32 = IetfAttributeType::PA_TNC_ERROR.0;

    fn decode_value(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        if r.remaining() < 8 {
            return Err(too_short(r, "PA-TNC error", 8));
        }
        let _reserved = r.u8()?;
        let vendor = Pen::from_u24(r.u24()?);
        let code = r.u32()?;
        let info = ErrorInformation::decode(r, vendor, code)?;
        Ok(Self { vendor, code, info })
    }
    fn value_len(&self) -> usize {
        8 + self.info.len()
    }
    fn encode_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        if !self.info.matches(self.vendor, self.code) {
            return Err(EncodeError::OutOfRange {
                field: "error information layout for this error code",
                value: u64::from(self.code),
            });
        }
        w.u8(0);
        w.u24(self.vendor.get(), "error code vendor id")?;
        w.u32(self.code);
        self.info.encode(w)
    }
}
