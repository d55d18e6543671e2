//! The validity period of an X.509 certificate (for `doctor`). Malformed input is an error,
//! never a panic.

use crate::error::{Error, Result};

/// notBefore / notAfter as Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start of validity.
    pub not_before: u64,
    /// End of validity.
    pub not_after: u64,
}

/// The validity of a DER certificate (parsed by `tnc_ift_tls_bsi::identity::CertIdentity`, the
/// same strict RFC 5280 reading the TLS layer uses).
pub fn validity(der: &[u8]) -> Result<Validity> {
    let id =
        tnc_ift_tls_bsi::identity::CertIdentity::from_der(der).map_err(|e| Error::Corrupt {
            path: "certificate".into(),
            offset: 0,
            msg: e.to_string(),
        })?;
    let unsigned = |t: i64| {
        u64::try_from(t).map_err(|_| Error::Corrupt {
            path: "certificate".into(),
            offset: 0,
            msg: "validity before 1970".into(),
        })
    };
    Ok(Validity {
        not_before: unsigned(id.not_before)?,
        not_after: unsigned(id.not_after)?,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};
    use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};

    #[test]
    fn reads_the_validity_of_generated_certificates() {
        let start = UNIX_EPOCH + Duration::from_secs(1_767_225_600); // 2026-01-01
        let pki = DevPki::generate(&DevPkiOptions {
            validity_days: 30,
            not_before: Some(start),
            ..DevPkiOptions::default()
        })
        .unwrap();
        for c in [&pki.root, &pki.sub_ca, &pki.gwa, &pki.gateways[0]] {
            let v = validity(&c.cert).unwrap();
            assert_eq!(v.not_before, 1_767_225_600, "{}", c.name);
            assert_eq!(v.not_after, 1_767_225_600 + 30 * 86_400, "{}", c.name);
        }
    }

    #[test]
    fn malformed_input_is_an_error() {
        let pki = DevPki::generate(&DevPkiOptions::default()).unwrap();
        let der = &pki.gwa.cert;
        for cut in [0, 1, 2, 5, 20, 60, der.len() / 2] {
            assert!(validity(&der[..cut]).is_err(), "cut at {cut}");
        }
        assert!(validity(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]).is_err());
        assert!(validity(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_err());
        assert!(validity(b"\x04\x00").is_err());
    }
}
