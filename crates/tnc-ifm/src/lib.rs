//! # tnc-ifm
//!
//! The PA-TNC layer (TCG IF-M, RFC 5792) of the Rust TNC crate family: the
//! posture attributes that collectors (IMCs) and verifiers (IMVs) exchange end to
//! end inside PB-PA messages.
//!
//! * [`PaMessage`]: a borrowed PA-TNC message with a lazy attribute iterator
//!   ([`RawAttribute`]); [`MessageBuilder`] / [`encode_message`] encode.
//! * [`Attribute`] / [`AttrValue`]: typed attributes — every IETF attribute of
//!   RFC 5792 (types 1–12, [`ietf`], [`pa_tnc_error`]), TCG IF-M segmentation
//!   ([`segmentation`]) and the TCG PTS file-measurement attributes ([`pts`]);
//!   unknown attributes stay raw.
//! * [`receive`]: the receiver rules (version, NOSKIP, Invalid Parameter with
//!   the exact offset) as one function returning the attributes to act upon or
//!   the PA-TNC Error to send back.
//! * [`segmentation::Segmenter`] / [`segmentation::Reassembler`]: sans-IO
//!   segmentation bound by the negotiated contract.
//!
//! Decoding a well-formed message allocates nothing: values borrow the input and
//! list attributes parse their entries lazily ([`seq::Seq`]).
//!
//! ```
//! use tnc_ifm::{encode_message, receive, Attribute, AttrValue, Received};
//! use tnc_ifm::ietf::{AssessmentResult, StringVersion};
//! use tnc_ifm::consts::AssessmentResultCode;
//!
//! let wire = encode_message(7, &[
//!     Attribute::new(StringVersion { version: "12.11", build: "", configuration: "" }),
//!     Attribute::new(AssessmentResult { result: AssessmentResultCode::COMPLIANT }).with_noskip(),
//! ])?;
//! let Received::Accept(msg) = receive(&wire, &[]) else { panic!("valid message") };
//! assert_eq!(msg.message().message_id(), 7);
//! let attrs: Vec<_> = msg.iter().collect();
//! assert!(matches!(attrs[0].value, AttrValue::StringVersion(v) if v.version == "12.11"));
//! assert!(attrs[1].noskip());
//!
//! // a truncated message is answered with Invalid Parameter at the length field
//! let Received::Reject(rej) = receive(&wire[..wire.len() - 1], &[]) else { panic!() };
//! assert_eq!(rej.offset(), Some(8 + 20 + 8)); // 2nd attribute's length field
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod attribute;
pub mod consts;
mod error;
pub mod ietf;
pub mod message;
pub mod pa_tnc_error;
pub mod pts;
pub mod receiver;
pub mod segmentation;
pub mod seq;

pub use attribute::{AttrValue, Attribute, AttributeValue};
pub use error::Error;
pub use message::{
    Attributes, MessageBuilder, OwnedAttribute, PaMessage, RawAttribute, encode_message,
};
pub use pa_tnc_error::{ErrorInformation, PaTncError};
pub use receiver::{Accepted, Received, Rejection, Rule, receive};
pub use tnc_wire::{DecodeError, DecodeErrorKind, EncodeError, Pen};
