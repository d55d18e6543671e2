//! PT-TLS messages (RFC 6876 §3.5–§3.9): the 16-octet header and the value of
//! every IETF message type, decoded zero-copy and encoded with back-patched lengths.

use crate::consts::{
    HEADER_LEN, MAX_ERROR_COPY, MAX_MECH_LEN, PtTlsErrorCode, PtTlsMessageType, SaslResultCode,
};
use crate::error::Error;
use tnc_wire::{DecodeError, DecodeErrorKind, EncodeError, LenWidth, Pen, Reader, Writer};

/// The PT-TLS message header (§3.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Message Type Vendor ID (0 = IETF).
    pub vendor: Pen,
    /// Message Type within the vendor's namespace.
    pub msg_type: u32,
    /// Message Length: the whole message including this header.
    pub length: u32,
    /// Message Identifier: the sender's sequence number.
    pub identifier: u32,
}

impl Header {
    /// Parses the 16 header octets. Never fails: the checks are in [`Header::check`].
    pub fn parse(b: &[u8; HEADER_LEN]) -> Header {
        Header {
            vendor: Pen::from_u24(u32::from_be_bytes([0, b[1], b[2], b[3]])),
            msg_type: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            length: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            identifier: u32::from_be_bytes([b[12], b[13], b[14], b[15]]),
        }
    }

    /// Checks the header against the structural rules and the configured maximum
    /// message length, **before** the value is read or buffered. Every failure maps to
    /// PT-TLS Error *Invalid Parameter* (6).
    pub fn check(&self, max_len: u32) -> Result<(), Error> {
        let inv = |offset, kind| Error::Decode {
            code: PtTlsErrorCode::INVALID_PARAMETER,
            source: DecodeError::new(offset, kind),
        };
        if self.vendor == Pen::RESERVED {
            return Err(inv(
                1,
                DecodeErrorKind::InvalidValue {
                    field: "Message Type Vendor ID",
                    value: u64::from(self.vendor.get()),
                },
            ));
        }
        if self.vendor == Pen::IETF && self.msg_type == PtTlsMessageType::RESERVED.0 {
            return Err(inv(
                4,
                DecodeErrorKind::InvalidValue {
                    field: "Message Type",
                    value: u64::from(self.msg_type),
                },
            ));
        }
        if (self.length as usize) < HEADER_LEN {
            return Err(inv(
                8,
                DecodeErrorKind::LengthTooShort {
                    field: "Message Length",
                    min: HEADER_LEN as u64,
                    actual: u64::from(self.length),
                },
            ));
        }
        if self.length > max_len {
            return Err(inv(
                8,
                DecodeErrorKind::LengthTooLarge {
                    field: "Message Length",
                    max: u64::from(max_len),
                    actual: u64::from(self.length),
                },
            ));
        }
        Ok(())
    }

    /// The message type as the IETF registry value, if the vendor is IETF.
    pub fn ietf_type(&self) -> Option<PtTlsMessageType> {
        (self.vendor == Pen::IETF).then_some(PtTlsMessageType(self.msg_type))
    }

    /// Octets of value that follow the header.
    pub fn value_len(&self) -> usize {
        (self.length as usize).saturating_sub(HEADER_LEN)
    }

    /// Writes the header.
    pub fn write(&self, out: &mut [u8; HEADER_LEN]) {
        out[0] = 0;
        out[1..4].copy_from_slice(&self.vendor.get().to_be_bytes()[1..]);
        out[4..8].copy_from_slice(&self.msg_type.to_be_bytes());
        out[8..12].copy_from_slice(&self.length.to_be_bytes());
        out[12..16].copy_from_slice(&self.identifier.to_be_bytes());
    }
}

/// A SASL mechanism list (SASL Mechanisms value), iterated lazily.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaslMechanisms<'a> {
    raw: &'a [u8],
}

impl<'a> SaslMechanisms<'a> {
    /// The raw value (already validated).
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }

    /// True when the list is empty ("no (further) authentication required").
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The mechanism names.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let mut rest = self.raw;
        core::iter::from_fn(move || {
            let (&first, tail) = rest.split_first()?;
            let n = usize::from(first & 0x1F);
            let name = tail.get(..n)?;
            rest = tail.get(n..)?;
            core::str::from_utf8(name).ok()
        })
    }

    /// True when `name` is in the list.
    pub fn contains(&self, name: &str) -> bool {
        self.iter().any(|m| m == name)
    }
}

/// The value of a PT-TLS Error message (§3.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorValue<'a> {
    /// Error Code Vendor ID.
    pub vendor: Pen,
    /// Error code.
    pub code: PtTlsErrorCode,
    /// Copy of (at most the first 1024 octets of) the offending message.
    pub original: &'a [u8],
}

/// One decoded PT-TLS message value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message<'a> {
    /// Experimental (0), opaque.
    Experimental(&'a [u8]),
    /// Version Request (1).
    VersionRequest {
        /// Lowest acceptable version.
        min: u8,
        /// Highest acceptable version.
        max: u8,
        /// Preferred version.
        preferred: u8,
    },
    /// Version Response (2).
    VersionResponse {
        /// The selected version.
        version: u8,
    },
    /// SASL Mechanisms (3).
    SaslMechanisms(SaslMechanisms<'a>),
    /// SASL Mechanism Selection (4).
    SaslMechanismSelection {
        /// The chosen mechanism.
        mechanism: &'a str,
        /// Optional initial client response.
        initial_response: &'a [u8],
    },
    /// SASL Authentication Data (5), opaque.
    SaslAuthenticationData(&'a [u8]),
    /// SASL Result (6).
    SaslResult {
        /// Result code.
        code: SaslResultCode,
        /// Additional data (success only).
        data: &'a [u8],
    },
    /// PB-TNC Batch (7): the batch, opaque.
    PbTncBatch(&'a [u8]),
    /// PT-TLS Error (8).
    Error(ErrorValue<'a>),
    /// A vendor-specific or unassigned IETF type (answered with *Type Not Supported*).
    Unknown {
        /// Vendor of the message type.
        vendor: Pen,
        /// The message type.
        msg_type: u32,
        /// The value.
        value: &'a [u8],
    },
}

fn malformed(source: DecodeError) -> Error {
    Error::Decode {
        code: PtTlsErrorCode::MALFORMED_MESSAGE,
        source,
    }
}

fn check_mech_name(name: &[u8], at: usize) -> Result<&str, Error> {
    if name.is_empty()
        || name.len() > MAX_MECH_LEN
        || !name
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
    {
        return Err(malformed(DecodeError::invalid(
            at,
            "SASL mechanism name",
            name.len() as u64,
        )));
    }
    core::str::from_utf8(name).map_err(|_| {
        malformed(DecodeError::new(
            at,
            DecodeErrorKind::InvalidUtf8 {
                field: "SASL mechanism name",
            },
        ))
    })
}

impl<'a> Message<'a> {
    /// The message's type (vendor, type) pair.
    pub fn kind(&self) -> (Pen, u32) {
        let t = match self {
            Message::Experimental(_) => PtTlsMessageType::EXPERIMENTAL,
            Message::VersionRequest { .. } => PtTlsMessageType::VERSION_REQUEST,
            Message::VersionResponse { .. } => PtTlsMessageType::VERSION_RESPONSE,
            Message::SaslMechanisms(_) => PtTlsMessageType::SASL_MECHANISMS,
            Message::SaslMechanismSelection { .. } => PtTlsMessageType::SASL_MECHANISM_SELECTION,
            Message::SaslAuthenticationData(_) => PtTlsMessageType::SASL_AUTHENTICATION_DATA,
            Message::SaslResult { .. } => PtTlsMessageType::SASL_RESULT,
            Message::PbTncBatch(_) => PtTlsMessageType::PB_TNC_BATCH,
            Message::Error(_) => PtTlsMessageType::PT_TLS_ERROR,
            Message::Unknown {
                vendor, msg_type, ..
            } => return (*vendor, *msg_type),
        };
        (Pen::IETF, t.0)
    }

    /// Decodes the value of a message whose (checked) header is `h`. `value` must be
    /// exactly `h.value_len()` octets; offsets in errors count from the message start.
    pub fn decode_value(h: &Header, value: &'a [u8]) -> Result<Message<'a>, Error> {
        let mut r = Reader::with_base(value, HEADER_LEN);
        let Some(t) = h.ietf_type().filter(|t| t.0 <= 8) else {
            return Ok(Message::Unknown {
                vendor: h.vendor,
                msg_type: h.msg_type,
                value,
            });
        };
        let msg = match t {
            PtTlsMessageType::EXPERIMENTAL => Message::Experimental(value),
            PtTlsMessageType::VERSION_REQUEST => {
                let [_, min, max, preferred] = r.array::<4>().map_err(malformed)?;
                r.finish().map_err(malformed)?;
                Message::VersionRequest {
                    min,
                    max,
                    preferred,
                }
            }
            PtTlsMessageType::VERSION_RESPONSE => {
                let [_, _, _, version] = r.array::<4>().map_err(malformed)?;
                r.finish().map_err(malformed)?;
                Message::VersionResponse { version }
            }
            PtTlsMessageType::SASL_MECHANISMS => {
                while !r.is_empty() {
                    let at = r.offset();
                    let n = usize::from(r.u8().map_err(malformed)? & 0x1F);
                    let name = r.bytes(n).map_err(malformed)?;
                    check_mech_name(name, at)?;
                }
                Message::SaslMechanisms(SaslMechanisms { raw: value })
            }
            PtTlsMessageType::SASL_MECHANISM_SELECTION => {
                let at = r.offset();
                let n = usize::from(r.u8().map_err(malformed)? & 0x1F);
                let name = r.bytes(n).map_err(malformed)?;
                let mechanism = check_mech_name(name, at)?;
                Message::SaslMechanismSelection {
                    mechanism,
                    initial_response: r.rest(),
                }
            }
            PtTlsMessageType::SASL_AUTHENTICATION_DATA => Message::SaslAuthenticationData(value),
            PtTlsMessageType::SASL_RESULT => match value.len() {
                0 => {
                    return Err(malformed(DecodeError::new(
                        HEADER_LEN,
                        DecodeErrorKind::Truncated {
                            needed: 1,
                            available: 0,
                        },
                    )));
                }
                // strongSwan's one-octet form (pt-tls.md §9)
                1 => Message::SaslResult {
                    code: SaslResultCode(u16::from(value[0])),
                    data: &[],
                },
                _ => {
                    let code = SaslResultCode(r.u16().map_err(malformed)?);
                    Message::SaslResult {
                        code,
                        data: r.rest(),
                    }
                }
            },
            PtTlsMessageType::PB_TNC_BATCH => Message::PbTncBatch(value),
            _ => {
                // PT_TLS_ERROR
                r.skip(1).map_err(malformed)?;
                let vendor = Pen::from_u24(r.u24().map_err(malformed)?);
                let code = PtTlsErrorCode(r.u32().map_err(malformed)?);
                Message::Error(ErrorValue {
                    vendor,
                    code,
                    original: r.rest(),
                })
            }
        };
        Ok(msg)
    }

    /// Decodes one complete message from `buf` (header + value, nothing more),
    /// checking the length against `max_len` first.
    pub fn decode(buf: &'a [u8], max_len: u32) -> Result<(Header, Message<'a>), Error> {
        let hdr: &[u8; HEADER_LEN] = buf
            .get(..HEADER_LEN)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| {
                malformed(DecodeError::new(
                    0,
                    DecodeErrorKind::Truncated {
                        needed: HEADER_LEN,
                        available: buf.len(),
                    },
                ))
            })?;
        let h = Header::parse(hdr);
        h.check(max_len)?;
        let len = h.length as usize;
        if buf.len() != len {
            let kind = if buf.len() < len {
                DecodeErrorKind::Truncated {
                    needed: len - HEADER_LEN,
                    available: buf.len() - HEADER_LEN,
                }
            } else {
                DecodeErrorKind::TrailingBytes {
                    count: buf.len() - len,
                }
            };
            return Err(Error::Decode {
                code: PtTlsErrorCode::INVALID_PARAMETER,
                source: DecodeError::new(if buf.len() < len { 8 } else { len }, kind),
            });
        }
        Ok((h, Message::decode_value(&h, &buf[HEADER_LEN..])?))
    }

    fn write_value(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        match self {
            Message::Experimental(v)
            | Message::SaslAuthenticationData(v)
            | Message::PbTncBatch(v) => w.bytes(v),
            Message::Unknown { value, .. } => w.bytes(value),
            Message::VersionRequest {
                min,
                max,
                preferred,
            } => w.bytes(&[0, *min, *max, *preferred]),
            Message::VersionResponse { version } => w.bytes(&[0, 0, 0, *version]),
            Message::SaslMechanisms(m) => w.bytes(m.raw),
            Message::SaslMechanismSelection {
                mechanism,
                initial_response,
            } => {
                write_mech(w, mechanism)?;
                w.bytes(initial_response);
            }
            Message::SaslResult { code, data } => {
                w.u16(code.0);
                w.bytes(data);
            }
            Message::Error(e) => {
                w.u8(0);
                w.u24(e.vendor.get(), "Error Code Vendor ID")?;
                w.u32(e.code.0);
                w.bytes(&e.original[..e.original.len().min(MAX_ERROR_COPY)]);
            }
        }
        Ok(())
    }

    /// Appends the whole message (header with `identifier`, value) to `out`.
    pub fn encode(&self, identifier: u32, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let (vendor, msg_type) = self.kind();
        let mut w = Writer::new(out);
        let start = w.position();
        w.u8(0);
        w.u24(vendor.get(), "Message Type Vendor ID")?;
        w.u32(msg_type);
        let len = w.reserve_len(LenWidth::U32, start, "Message Length");
        w.u32(identifier);
        self.write_value(&mut w)?;
        w.patch_len(len)?;
        Ok(())
    }

    /// The encoded message in a new vector.
    pub fn to_vec(&self, identifier: u32) -> Result<Vec<u8>, EncodeError> {
        let mut v = Vec::new();
        self.encode(identifier, &mut v)?;
        Ok(v)
    }
}

fn write_mech(w: &mut Writer<'_>, name: &str) -> Result<(), EncodeError> {
    if name.is_empty() || name.len() > MAX_MECH_LEN {
        return Err(EncodeError::OutOfRange {
            field: "SASL mechanism name length",
            value: name.len() as u64,
        });
    }
    w.u8(name.len() as u8);
    w.bytes(name.as_bytes());
    Ok(())
}

/// Builds a SASL Mechanisms value from names (each 1..=20 octets).
pub fn mechanisms_value(names: &[&str]) -> Result<Vec<u8>, EncodeError> {
    let mut v = Vec::new();
    let mut w = Writer::new(&mut v);
    for n in names {
        write_mech(&mut w, n)?;
    }
    Ok(v)
}

impl<'a> SaslMechanisms<'a> {
    /// Wraps an encoded mechanism list (see [`mechanisms_value`]); it is validated
    /// when the enclosing message is decoded.
    pub fn from_raw(raw: &'a [u8]) -> Self {
        SaslMechanisms { raw }
    }
}

/// RFC 4616 PLAIN credentials: `authzid NUL authcid NUL passwd`.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainCredentials {
    /// Authorization identity (usually empty).
    pub authzid: String,
    /// Authentication identity (user name).
    pub authcid: String,
    /// Password.
    pub password: String,
}

impl core::fmt::Debug for PlainCredentials {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PlainCredentials")
            .field("authzid", &self.authzid)
            .field("authcid", &self.authcid)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl PlainCredentials {
    /// The PLAIN message.
    pub fn encode(&self) -> Vec<u8> {
        let mut v =
            Vec::with_capacity(self.authzid.len() + self.authcid.len() + self.password.len() + 2);
        v.extend_from_slice(self.authzid.as_bytes());
        v.push(0);
        v.extend_from_slice(self.authcid.as_bytes());
        v.push(0);
        v.extend_from_slice(self.password.as_bytes());
        v
    }

    /// Parses a PLAIN message; `None` if it is not three UTF-8 fields with a
    /// non-empty authcid and password (RFC 4616 §2).
    pub fn parse(b: &[u8]) -> Option<PlainCredentials> {
        let mut it = b.split(|c| *c == 0);
        let authzid = core::str::from_utf8(it.next()?).ok()?;
        let authcid = core::str::from_utf8(it.next()?).ok()?;
        let password = core::str::from_utf8(it.next()?).ok()?;
        if it.next().is_some() || authcid.is_empty() || password.is_empty() || b.len() > 767 {
            return None;
        }
        Some(PlainCredentials {
            authzid: authzid.into(),
            authcid: authcid.into(),
            password: password.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn rt(m: Message<'_>) {
        let v = m.to_vec(7).unwrap();
        let (h, d) = Message::decode(&v, 1 << 20).unwrap();
        assert_eq!(h.identifier, 7);
        assert_eq!(h.length as usize, v.len());
        assert_eq!(d, m);
        assert_eq!(d.to_vec(7).unwrap(), v);
    }

    #[test]
    fn every_type_round_trips() {
        let mechs = mechanisms_value(&["PLAIN", "SCRAM-SHA-256-PLUS"]).unwrap();
        rt(Message::Experimental(b"x"));
        rt(Message::VersionRequest {
            min: 1,
            max: 1,
            preferred: 1,
        });
        rt(Message::VersionResponse { version: 1 });
        rt(Message::SaslMechanisms(SaslMechanisms::from_raw(&mechs)));
        rt(Message::SaslMechanisms(SaslMechanisms::from_raw(&[])));
        rt(Message::SaslMechanismSelection {
            mechanism: "PLAIN",
            initial_response: b"\0u\0p",
        });
        rt(Message::SaslAuthenticationData(b"abc"));
        rt(Message::SaslResult {
            code: SaslResultCode::FAILURE,
            data: b"",
        });
        rt(Message::PbTncBatch(&[2, 0x80, 0, 1, 0, 0, 0, 8]));
        rt(Message::Error(ErrorValue {
            vendor: Pen::IETF,
            code: PtTlsErrorCode::INVALID_MESSAGE,
            original: &[0; 16],
        }));
        rt(Message::Unknown {
            vendor: Pen::TCG,
            msg_type: 1,
            value: b"v",
        });
        rt(Message::Unknown {
            vendor: Pen::IETF,
            msg_type: 9,
            value: b"",
        });
    }

    #[test]
    fn version_request_wire_form() {
        let v = Message::VersionRequest {
            min: 1,
            max: 1,
            preferred: 1,
        }
        .to_vec(0)
        .unwrap();
        assert_eq!(
            v,
            [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 20, 0, 0, 0, 0, 0, 1, 1, 1]
        );
        let m = SaslMechanisms::from_raw(&[5, b'P', b'L', b'A', b'I', b'N']);
        assert!(m.contains("PLAIN"));
    }

    #[test]
    fn header_errors_are_invalid_parameter_with_offsets() {
        let mut v = Message::VersionResponse { version: 1 }.to_vec(0).unwrap();
        v[8..12].copy_from_slice(&0u32.to_be_bytes());
        let e = Message::decode(&v, 100).unwrap_err();
        assert_eq!(e.wire_code(), Some(PtTlsErrorCode::INVALID_PARAMETER));
        assert!(matches!(e, Error::Decode { ref source, .. } if source.offset == 8));
        v[8..12].copy_from_slice(&1000u32.to_be_bytes());
        let e = Message::decode(&v, 100).unwrap_err();
        assert!(
            matches!(e, Error::Decode { ref source, .. } if matches!(source.kind, DecodeErrorKind::LengthTooLarge { max: 100, actual: 1000, .. }))
        );
        v[1..4].copy_from_slice(&[0xff, 0xff, 0xff]);
        assert_eq!(
            Message::decode(&v, 2000).unwrap_err().wire_code(),
            Some(PtTlsErrorCode::INVALID_PARAMETER)
        );
    }

    #[test]
    fn bad_values_are_malformed() {
        // Version Request with 3 octets of value
        let mut v = vec![0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 19, 0, 0, 0, 0, 0, 1, 1];
        let e = Message::decode(&v, 100).unwrap_err();
        assert_eq!(e.wire_code(), Some(PtTlsErrorCode::MALFORMED_MESSAGE));
        // mechanism with lower-case name
        v = vec![
            0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 19, 0, 0, 0, 0, 2, b'a', b'b',
        ];
        let e = Message::decode(&v, 100).unwrap_err();
        assert!(
            matches!(e, Error::Decode { code: PtTlsErrorCode::MALFORMED_MESSAGE, ref source } if source.offset == 16)
        );
        // mechanism length running past the end
        v = vec![0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 18, 0, 0, 0, 0, 5, b'A'];
        assert!(Message::decode(&v, 100).is_err());
        // empty SASL result
        v = vec![0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 16, 0, 0, 0, 0];
        assert!(Message::decode(&v, 100).is_err());
        // one-octet SASL result (strongSwan form)
        v = vec![0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 17, 0, 0, 0, 0, 2];
        assert_eq!(
            Message::decode(&v, 100).unwrap().1,
            Message::SaslResult {
                code: SaslResultCode::ABORT,
                data: &[]
            }
        );
    }

    #[test]
    fn error_copy_is_truncated_to_1024() {
        let big = vec![0xAB; 3000];
        let v = Message::Error(ErrorValue {
            vendor: Pen::IETF,
            code: PtTlsErrorCode::MALFORMED_MESSAGE,
            original: &big,
        })
        .to_vec(1)
        .unwrap();
        assert_eq!(v.len(), 16 + 8 + 1024);
    }

    #[test]
    fn plain_credentials() {
        let c = PlainCredentials {
            authzid: String::new(),
            authcid: "gw".into(),
            password: "pw".into(),
        };
        assert_eq!(c.encode(), b"\0gw\0pw");
        assert_eq!(PlainCredentials::parse(&c.encode()), Some(c));
        assert_eq!(PlainCredentials::parse(b"\0\0pw"), None);
        assert_eq!(PlainCredentials::parse(b"a\0b"), None);
        assert_eq!(PlainCredentials::parse(b"a\0b\0c\0d"), None);
    }
}
