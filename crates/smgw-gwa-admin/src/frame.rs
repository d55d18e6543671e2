//! Profile-fetch frames.
//!
//! ```text
//! request  = "TNCP" | version 1 | kind 1 (get profile) | reserved u16 0
//! response = "TNCP" | version 1 | kind 2 (profile) or 3 (error) | reserved u16 0
//!            | length u32 (≤ 64 KiB) | JSON body of `length` octets
//! ```
//! The response length is checked against [`MAX_BODY_LEN`] from the 12-octet header alone,
//! before any body buffer exists.

use tnc_wire::{DecodeError, DecodeErrorKind, Reader};

use crate::consts::{MAX_BODY_LEN, PROFILE_MAGIC, REQUEST_LEN, RESPONSE_HEADER_LEN, VERSION};
use crate::{AdminError, ErrorBody, FrameKind, TncProfile};

fn check_magic_version(r: &mut Reader<'_>) -> Result<(), AdminError> {
    let magic: [u8; 4] = r
        .array()
        .map_err(|e| AdminError::decode("profile frame", e))?;
    if magic != PROFILE_MAGIC {
        return Err(AdminError::BadMagic {
            expected: "TNCP",
            actual: magic,
        });
    }
    let version = r.u8().map_err(|e| AdminError::decode("profile frame", e))?;
    if version != VERSION {
        return Err(AdminError::UnsupportedVersion(version));
    }
    Ok(())
}

fn reserved(r: &mut Reader<'_>, what: &'static str) -> Result<(), AdminError> {
    let at = r.offset();
    let v = r.u16().map_err(|e| AdminError::decode(what, e))?;
    if v != 0 {
        return Err(AdminError::decode(
            what,
            DecodeError::invalid(at, "reserved", u64::from(v)),
        ));
    }
    Ok(())
}

/// The 8 octets of a get-profile request.
pub fn encode_request() -> [u8; REQUEST_LEN] {
    let mut out = [0u8; REQUEST_LEN];
    out[..4].copy_from_slice(&PROFILE_MAGIC);
    out[4] = VERSION;
    out[5] = u8::from(FrameKind::GET_PROFILE);
    out
}

/// Checks a get-profile request (exactly 8 octets).
pub fn decode_request(buf: &[u8]) -> Result<(), AdminError> {
    let mut r = Reader::new(buf);
    check_magic_version(&mut r)?;
    let kind = FrameKind::from(
        r.u8()
            .map_err(|e| AdminError::decode("profile request", e))?,
    );
    if kind != FrameKind::GET_PROFILE {
        return Err(AdminError::UnexpectedKind(kind));
    }
    reserved(&mut r, "profile request")?;
    r.finish()
        .map_err(|e| AdminError::decode("profile request", e))
}

/// A decoded response header: the kind and the (already bounded) body length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeader {
    /// [`FrameKind::PROFILE`] or [`FrameKind::ERROR`].
    pub kind: FrameKind,
    /// Body length, at most [`MAX_BODY_LEN`].
    pub body_len: u32,
}

/// Decodes the 12-octet response header, rejecting a length over [`MAX_BODY_LEN`].
pub fn decode_response_header(
    buf: &[u8; RESPONSE_HEADER_LEN],
) -> Result<ResponseHeader, AdminError> {
    let what = "profile response";
    let mut r = Reader::new(buf);
    check_magic_version(&mut r)?;
    let kind = FrameKind::from(r.u8().map_err(|e| AdminError::decode(what, e))?);
    if kind != FrameKind::PROFILE && kind != FrameKind::ERROR {
        return Err(AdminError::UnexpectedKind(kind));
    }
    reserved(&mut r, what)?;
    let at = r.offset();
    let body_len = r.u32().map_err(|e| AdminError::decode(what, e))?;
    if body_len > MAX_BODY_LEN {
        return Err(AdminError::decode(
            what,
            DecodeError::new(
                at,
                DecodeErrorKind::LengthTooLarge {
                    field: "length",
                    max: u64::from(MAX_BODY_LEN),
                    actual: u64::from(body_len),
                },
            ),
        ));
    }
    Ok(ResponseHeader { kind, body_len })
}

/// What the GWA answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileResponse {
    /// The gateway's profile.
    Profile(TncProfile),
    /// A refusal.
    Error(ErrorBody),
}

impl ProfileResponse {
    /// Encodes header and JSON body.
    pub fn encode(&self) -> Result<Vec<u8>, AdminError> {
        let (kind, body) = match self {
            Self::Profile(p) => (FrameKind::PROFILE, p.to_json()?),
            Self::Error(e) => (
                FrameKind::ERROR,
                serde_json::to_vec(e).map_err(|e| AdminError::json("error body", &e))?,
            ),
        };
        let len = u32::try_from(body.len())
            .ok()
            .filter(|l| *l <= MAX_BODY_LEN)
            .ok_or_else(|| {
                AdminError::Encode(format!(
                    "response body of {} octets exceeds {MAX_BODY_LEN}",
                    body.len()
                ))
            })?;
        let mut out = Vec::with_capacity(RESPONSE_HEADER_LEN + body.len());
        out.extend_from_slice(&PROFILE_MAGIC);
        out.push(VERSION);
        out.push(u8::from(kind));
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decodes a body of the kind given by the header.
    pub fn decode_body(header: ResponseHeader, body: &[u8]) -> Result<Self, AdminError> {
        if body.len() != header.body_len as usize {
            return Err(AdminError::decode(
                "profile response",
                DecodeError::new(
                    RESPONSE_HEADER_LEN + body.len().min(header.body_len as usize),
                    DecodeErrorKind::Truncated {
                        needed: header.body_len as usize,
                        available: body.len(),
                    },
                ),
            ));
        }
        if header.kind == FrameKind::PROFILE {
            TncProfile::from_json(body).map(Self::Profile)
        } else {
            serde_json::from_slice(body)
                .map(Self::Error)
                .map_err(|e| AdminError::json("error body", &e))
        }
    }

    /// Decodes a whole response frame (header and body, nothing after it).
    pub fn decode(buf: &[u8]) -> Result<Self, AdminError> {
        let what = "profile response";
        let mut r = Reader::new(buf);
        let head: [u8; RESPONSE_HEADER_LEN] = r.array().map_err(|e| AdminError::decode(what, e))?;
        let header = decode_response_header(&head)?;
        let body = r
            .bytes(header.body_len as usize)
            .map_err(|e| AdminError::decode(what, e))?;
        r.finish().map_err(|e| AdminError::decode(what, e))?;
        Self::decode_body(header, body)
    }
}
