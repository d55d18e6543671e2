//! The *Channel-Binding Report*: the PA-TNC attribute in which a gateway's measurement
//! collector reports the channel binding of the TLS connection it measured for, so that the
//! GWA's verifier can compare it with the binding of its own side of the connection and detect
//! a relay (seed paper's `tls-unique` binding, bsi-profile.md §8.2 rule 4).
//!
//! No standard attribute carries a bare channel binding (TCG PTS binds it into a TPM quote),
//! so this is a project attribute in a vendor namespace: vendor [`BINDING_PEN`], type
//! [`BINDING_ATTR_TYPE`], sent with the NOSKIP flag inside the TCG PTS PA message (vendor TCG,
//! subtype 1) that carries the file measurements. Value layout:
//!
//! ```text
//! kind u8 (1 = tls-unique, 2 = tls-exporter) | reserved u8[3] = 0 | binding octets (1..=64)
//! ```
//! **Deviation:** [`BINDING_PEN`] is a placeholder (`0xFFFFFE`, an unassigned value) until the
//! project has an IANA Private Enterprise Number.

use tnc_wire::{DecodeError, DecodeErrorKind, Reader};

use crate::AdminError;

/// Vendor id (PEN) of the channel-binding report attribute (placeholder, see module docs).
pub const BINDING_PEN: u32 = 0x00FF_FFFE;
/// Attribute type of the channel-binding report.
pub const BINDING_ATTR_TYPE: u32 = 1;
/// Largest binding accepted.
pub const MAX_BINDING_LEN: usize = 64;

tnc_wire::open_enum! {
    /// The binding kind octet.
    pub struct BindingKind(u8) {
        /// RFC 5929 `tls-unique`.
        TLS_UNIQUE = 1 => "tls-unique",
        /// RFC 9266 `tls-exporter`.
        TLS_EXPORTER = 2 => "tls-exporter",
    }
}

/// A decoded channel-binding report (borrows the attribute value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingReport<'a> {
    /// Which binding.
    pub kind: BindingKind,
    /// The binding octets as the gateway computed them.
    pub data: &'a [u8],
}

impl<'a> BindingReport<'a> {
    /// Encodes the attribute value.
    pub fn encode(&self) -> Result<Vec<u8>, AdminError> {
        if self.data.is_empty() || self.data.len() > MAX_BINDING_LEN {
            return Err(AdminError::Encode(format!(
                "channel binding of {} octets (allowed 1..={MAX_BINDING_LEN})",
                self.data.len()
            )));
        }
        let mut v = Vec::with_capacity(4 + self.data.len());
        v.push(u8::from(self.kind));
        v.extend_from_slice(&[0, 0, 0]);
        v.extend_from_slice(self.data);
        Ok(v)
    }

    /// Decodes an attribute value (offsets relative to the value's first octet).
    pub fn decode(value: &'a [u8]) -> Result<Self, AdminError> {
        let what = "channel-binding report";
        let e = |e| AdminError::decode(what, e);
        let mut r = Reader::new(value);
        let kind = BindingKind::from(r.u8().map_err(e)?);
        if !kind.is_known() {
            return Err(e(DecodeError::invalid(
                0,
                "binding kind",
                u64::from(u8::from(kind)),
            )));
        }
        let reserved: [u8; 3] = r.array().map_err(e)?;
        if reserved != [0; 3] {
            return Err(e(DecodeError::invalid(1, "reserved", 0)));
        }
        let data = r.rest();
        if data.is_empty() || data.len() > MAX_BINDING_LEN {
            return Err(e(DecodeError::new(
                4,
                DecodeErrorKind::LengthTooLarge {
                    field: "binding (1..=64 octets)",
                    max: MAX_BINDING_LEN as u64,
                    actual: data.len() as u64,
                },
            )));
        }
        Ok(Self { kind, data })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let r = BindingReport {
            kind: BindingKind::TLS_UNIQUE,
            data: &[9; 12],
        };
        let v = r.encode().unwrap();
        assert_eq!(&v[..4], &[1, 0, 0, 0]);
        assert_eq!(BindingReport::decode(&v).unwrap(), r);
        assert!(BindingReport::decode(&v[..4]).is_err()); // empty binding
        assert!(BindingReport::decode(&v[..3]).is_err()); // truncated header
        let mut bad = v.clone();
        bad[0] = 7;
        assert!(BindingReport::decode(&bad).is_err());
        let mut bad = v.clone();
        bad[2] = 1;
        assert!(BindingReport::decode(&bad).is_err());
        let mut long = v[..4].to_vec();
        long.extend_from_slice(&[0; 65]);
        assert!(BindingReport::decode(&long).is_err());
        assert!(
            BindingReport {
                kind: BindingKind::TLS_EXPORTER,
                data: &[]
            }
            .encode()
            .is_err()
        );
    }
}
