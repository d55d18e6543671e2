//! # tnc-wire
//!
//! Shared, allocation-free wire primitives of the Rust TNC crate family
//! (`tnc-ifm` for PA-TNC / RFC 5792, `tnc-iftnccs` for PB-TNC / RFC 5793,
//! `tnc-ift-tls-bsi` for PT-TLS / RFC 6876):
//!
//! * [`Reader`]: a bounded big-endian cursor over borrowed bytes; every error is a
//!   [`DecodeError`] with the absolute byte offset of the offending field;
//! * [`Writer`]: a big-endian writer with length back-patching ([`LenMark`]);
//! * [`Decode`] / [`Encode`]: the codec traits every wire structure implements;
//! * [`Pen`] and [`MessageType`]: 24-bit IANA vendor ids and vendor/subtype pairs;
//! * [`open_enum!`]: open newtypes for protocol registries (unknown values round-trip).
//!
//! All multi-octet integers of the TNC protocols are big-endian, and every TNC
//! *Length* field counts its own header; [`Writer::reserve_len`] takes the start
//! of the counted region for that reason.
//!
//! ```
//! use tnc_wire::{Decode, DecodeError, Encode, EncodeError, LenWidth, Reader, Writer};
//!
//! /// A toy TLV: 2-octet type, 2-octet length (header included), value.
//! #[derive(Debug, PartialEq)]
//! struct Tlv<'a> { ty: u16, value: &'a [u8] }
//!
//! impl<'a> Decode<'a> for Tlv<'a> {
//!     fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
//!         let ty = r.u16()?;
//!         let at = r.offset();
//!         let len = usize::from(r.u16()?);
//!         let value_len = len.checked_sub(4).ok_or(DecodeError::invalid(at, "length", len as u64))?;
//!         Ok(Tlv { ty, value: r.bytes(value_len)? })
//!     }
//! }
//!
//! impl Encode for Tlv<'_> {
//!     fn encoded_len(&self) -> usize { 4 + self.value.len() }
//!     fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
//!         let start = w.position();
//!         w.u16(self.ty);
//!         let len = w.reserve_len(LenWidth::U16, start, "length");
//!         w.bytes(self.value);
//!         w.patch_len(len)?;
//!         Ok(())
//!     }
//! }
//!
//! let wire = Tlv { ty: 7, value: b"hi" }.to_vec()?;
//! assert_eq!(wire, [0, 7, 0, 6, b'h', b'i']);
//! assert_eq!(Tlv::decode_exact(&wire)?, Tlv { ty: 7, value: b"hi" });
//! // a truncated input is an error with the offset of the field that did not fit
//! assert_eq!(Tlv::decode_exact(&wire[..5]).unwrap_err().offset, 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod error;
mod open_enum;
mod pen;
mod reader;
mod writer;

pub use error::{DecodeError, DecodeErrorKind, EncodeError};
pub use pen::{MessageType, Pen};
pub use reader::Reader;
pub use writer::{LenMark, LenWidth, Writer};

/// A structure that can be decoded from the wire, borrowing from the input.
pub trait Decode<'a>: Sized {
    /// Decodes one value from `r`, advancing it past the value.
    fn decode(r: &mut Reader<'a>) -> Result<Self, DecodeError>;

    /// Decodes one value that must fill `buf` exactly.
    fn decode_exact(buf: &'a [u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(buf);
        let v = Self::decode(&mut r)?;
        r.finish()?;
        Ok(v)
    }
}

/// A structure that can be encoded to the wire.
pub trait Encode {
    /// The exact number of octets [`encode`](Self::encode) appends.
    fn encoded_len(&self) -> usize;

    /// Appends the wire form to `w`.
    fn encode(&self, w: &mut Writer<'_>) -> Result<(), EncodeError>;

    /// Appends the wire form to `buf`.
    fn encode_to_vec(&self, buf: &mut Vec<u8>) -> Result<(), EncodeError> {
        buf.reserve(self.encoded_len());
        self.encode(&mut Writer::new(buf))
    }

    /// The wire form in a new vector.
    fn to_vec(&self) -> Result<Vec<u8>, EncodeError> {
        let mut v = Vec::with_capacity(self.encoded_len());
        self.encode(&mut Writer::new(&mut v))?;
        Ok(v)
    }

    /// The wire form as [`bytes::Bytes`].
    fn to_bytes(&self) -> Result<bytes::Bytes, EncodeError> {
        self.to_vec().map(bytes::Bytes::from)
    }
}
