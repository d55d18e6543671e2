//! The receiver rules of spec §2.1 as one function: [`receive`].
//!
//! Given the bytes of a received PA-TNC message it decides, without
//! allocating, whether the message is acted upon (and which attributes), or
//! which PA-TNC Error attribute goes back to the sender. As strongSwan does,
//! only the first error is reported and nothing of a rejected message is
//! processed.

use tnc_wire::{DecodeError, EncodeError, Pen};

use crate::attribute::{AttrValue, Attribute};
use crate::consts::{IetfAttributeType, PaTncErrorCode};
use crate::message::{Attributes, MessageBuilder, PaMessage};
use crate::pa_tnc_error::PaTncError;

/// Which rule of spec §2.1 produced a rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// Rule 2: version ≠ 1.
    Version,
    /// Rule 3: fewer than 12 octets left for an attribute header.
    HeaderTruncated,
    /// Rule 3: Attribute Length < 12.
    LengthTooShort,
    /// Rule 3: Attribute Length runs past the end of the message.
    LengthTooLarge,
    /// Rule 3: vendor `0xFFFFFF`.
    ReservedVendor,
    /// Rule 3: type `0xFFFFFFFF`.
    ReservedType,
    /// Rule 3: unknown type with NOSKIP set.
    UnsupportedNoskip,
    /// Rule 3: a known attribute whose value does not parse.
    InvalidValue,
}

/// A rejected message: the PA-TNC Error to send back, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The error attribute's value.
    pub error: PaTncError<'static>,
    /// The rule that fired.
    pub rule: Rule,
    /// The underlying decode error (offset + kind), for diagnostics; `None` for
    /// the version and NOSKIP rules.
    pub cause: Option<DecodeError>,
}

impl Rejection {
    /// Encodes the reply: a PA-TNC message with `message_id` holding the error
    /// attribute (NOSKIP clear).
    pub fn to_message(&self, message_id: u32) -> Result<Vec<u8>, EncodeError> {
        let mut buf = Vec::with_capacity(8 + 12 + 16);
        MessageBuilder::new(&mut buf, message_id).push(&Attribute::new(self.error))?;
        Ok(buf)
    }

    /// The offset the error reports (Invalid Parameter only).
    pub fn offset(&self) -> Option<u32> {
        self.error.offset()
    }
}

/// The outcome of [`receive`].
#[derive(Debug, Clone)]
pub enum Received<'a> {
    /// The message is valid: act on [`Accepted::iter`].
    Accept(Accepted<'a>),
    /// Send [`Rejection::error`] back; process nothing of this message.
    Reject(Rejection),
    /// Fewer than 8 octets: not a PA-TNC message (rule 1, no error attribute).
    NotPaTnc(DecodeError),
}

/// A validated message; iterating yields the attributes to act upon.
#[derive(Debug, Clone, Copy)]
pub struct Accepted<'a> {
    message: PaMessage<'a>,
    extra_known: &'a [(Pen, u32)],
}

impl<'a> Accepted<'a> {
    /// The message.
    pub fn message(&self) -> PaMessage<'a> {
        self.message
    }

    /// The attributes to act upon, in order: every attribute of a type this
    /// crate interprets (typed) or that the caller declared known (as
    /// [`AttrValue::Unknown`]), without the silently skipped ones (unknown
    /// without NOSKIP, malformed PA-TNC Errors).
    pub fn iter(&self) -> AcceptedIter<'a> {
        AcceptedIter {
            inner: self.message.attributes(),
            extra_known: self.extra_known,
        }
    }
}

impl<'a> IntoIterator for &Accepted<'a> {
    type Item = Attribute<'a>;
    type IntoIter = AcceptedIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator of [`Accepted::iter`].
#[derive(Debug, Clone)]
pub struct AcceptedIter<'a> {
    inner: Attributes<'a>,
    extra_known: &'a [(Pen, u32)],
}

impl<'a> Iterator for AcceptedIter<'a> {
    type Item = Attribute<'a>;
    fn next(&mut self) -> Option<Attribute<'a>> {
        for raw in self.inner.by_ref() {
            let raw = raw.ok()?;
            if AttrValue::is_known_type(raw.vendor, raw.attr_type) {
                if let Ok(value) = AttrValue::from_raw_validated(&raw) {
                    return Some(Attribute {
                        flags: raw.flags,
                        value,
                    });
                }
                // only a malformed PA-TNC Error can get here (dropped silently)
            } else if self.extra_known.contains(&(raw.vendor, raw.attr_type)) {
                return Some(Attribute {
                    flags: raw.flags,
                    value: AttrValue::Unknown {
                        vendor: raw.vendor,
                        attr_type: raw.attr_type,
                        value: raw.value,
                    },
                });
            }
        }
        None
    }
}

fn is_pa_tnc_error(vendor: Pen, attr_type: u32) -> bool {
    vendor == Pen::IETF && attr_type == IetfAttributeType::PA_TNC_ERROR.0
}

fn header_rule(e: &DecodeError, attr_offset: usize) -> Rule {
    use tnc_wire::DecodeErrorKind as K;
    match (&e.kind, e.offset.wrapping_sub(attr_offset)) {
        (K::Truncated { .. }, _) => Rule::HeaderTruncated,
        (K::LengthTooShort { .. }, _) => Rule::LengthTooShort,
        (K::LengthTooLarge { .. }, _) => Rule::LengthTooLarge,
        (_, 1) => Rule::ReservedVendor,
        _ => Rule::ReservedType,
    }
}

/// Applies the receiver rules of spec §2.1 to a received PA-TNC message.
///
/// `extra_known` lists further (vendor, type) pairs the caller handles itself
/// (vendor-specific attributes): they are accepted raw instead of being skipped
/// or rejected for NOSKIP. Nothing is allocated.
///
/// ```
/// use tnc_ifm::{receive, Received};
/// // Numeric Version message (examples.md §1)
/// let msg = [1,0,0,0, 0,0,0,38, 0,0,0,0, 0,0,0,3, 0,0,0,28, 0,0,0,1, 0,0,0,7, 0,0,1,2, 0,0,0,1];
/// let Received::Accept(ok) = receive(&msg, &[]) else { panic!() };
/// assert_eq!(ok.iter().count(), 1);
/// // the same with version 2: Version Not Supported
/// let mut bad = msg; bad[0] = 2;
/// let Received::Reject(rej) = receive(&bad, &[]) else { panic!() };
/// assert_eq!(rej.error.code, 2);
/// ```
pub fn receive<'a>(msg: &'a [u8], extra_known: &'a [(Pen, u32)]) -> Received<'a> {
    let message = match PaMessage::decode(msg) {
        Ok(m) => m,
        Err(e) => return Received::NotPaTnc(e),
    };
    let header = message.header();
    if message.check_version().is_err() {
        return Received::Reject(Rejection {
            error: PaTncError::version_not_supported(header),
            rule: Rule::Version,
            cause: None,
        });
    }
    let invalid = |e: DecodeError, rule: Rule| {
        Received::Reject(Rejection {
            error: PaTncError::invalid_parameter(
                header,
                u32::try_from(e.offset).unwrap_or(u32::MAX),
            ),
            rule,
            cause: Some(e),
        })
    };
    let mut next_offset = crate::consts::MESSAGE_HEADER_LEN;
    for item in message.attributes() {
        let raw = match item {
            Ok(raw) => raw,
            Err(e) => {
                let rule = header_rule(&e, next_offset);
                return invalid(e, rule);
            }
        };
        next_offset = raw.offset + raw.length();
        if AttrValue::is_known_type(raw.vendor, raw.attr_type) {
            if let Err(e) = AttrValue::from_raw(&raw) {
                if is_pa_tnc_error(raw.vendor, raw.attr_type) {
                    // rule 4: never answer a PA-TNC Error with a PA-TNC Error
                    continue;
                }
                return invalid(e, Rule::InvalidValue);
            }
        } else if !extra_known.contains(&(raw.vendor, raw.attr_type)) && raw.noskip() {
            return Received::Reject(Rejection {
                error: PaTncError::attribute_type_not_supported(
                    header,
                    raw.flags,
                    raw.vendor,
                    raw.attr_type,
                ),
                rule: Rule::UnsupportedNoskip,
                cause: None,
            });
        }
    }
    Received::Accept(Accepted {
        message,
        extra_known,
    })
}

/// True for the received IETF errors that strongSwan treats as fatal for the
/// assessment (codes 1–3), as opposed to SWIMA codes handled by SWIMA logic.
pub fn is_fatal_ietf_error(e: &PaTncError<'_>) -> bool {
    e.vendor == Pen::IETF
        && matches!(
            PaTncErrorCode(e.code),
            PaTncErrorCode::INVALID_PARAMETER
                | PaTncErrorCode::VERSION_NOT_SUPPORTED
                | PaTncErrorCode::ATTRIBUTE_TYPE_NOT_SUPPORTED
        )
}
