//! The validity period of an X.509 certificate (for `doctor`): a small,
//! bounded DER walk over `TBSCertificate` up to `validity`. Malformed input is
//! an error, never a panic.

use crate::error::{Error, Result};

/// notBefore / notAfter as Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start of validity.
    pub not_before: u64,
    /// End of validity.
    pub not_after: u64,
}

fn bad(offset: usize, msg: &str) -> Error {
    Error::Corrupt {
        path: "certificate".into(),
        offset: offset as u64,
        msg: msg.into(),
    }
}

/// One DER element: (tag, content, offset of the content, offset after it).
fn element(der: &[u8], at: usize) -> Result<(u8, &[u8], usize, usize)> {
    let tag = *der.get(at).ok_or_else(|| bad(at, "truncated tag"))?;
    let l0 = *der
        .get(at + 1)
        .ok_or_else(|| bad(at + 1, "truncated length"))?;
    let (len, hdr) = if l0 < 0x80 {
        (usize::from(l0), 2)
    } else {
        let n = usize::from(l0 & 0x7F);
        if n == 0 || n > 4 {
            return Err(bad(at + 1, "unsupported length form"));
        }
        let mut len = 0usize;
        for i in 0..n {
            let b = *der
                .get(at + 2 + i)
                .ok_or_else(|| bad(at + 2 + i, "truncated length"))?;
            len = (len << 8) | usize::from(b);
        }
        (len, 2 + n)
    };
    let start = at + hdr;
    let end = start
        .checked_add(len)
        .filter(|&e| e <= der.len())
        .ok_or_else(|| bad(at, "length beyond the end"))?;
    Ok((tag, &der[start..end], start, end))
}

fn digits(s: &[u8], at: usize) -> Result<u64> {
    let mut v = 0u64;
    for (i, &c) in s.iter().enumerate() {
        if !c.is_ascii_digit() {
            return Err(bad(at + i, "time: digit expected"));
        }
        v = v * 10 + u64::from(c - b'0');
    }
    Ok(v)
}

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

fn time(tag: u8, s: &[u8], at: usize) -> Result<u64> {
    let (year, rest, rest_at) = match (tag, s.len()) {
        (0x17, 13) => {
            let yy = digits(&s[..2], at)?;
            (
                if yy >= 50 { 1900 + yy } else { 2000 + yy },
                &s[2..],
                at + 2,
            )
        }
        (0x18, 15) => (digits(&s[..4], at)?, &s[4..], at + 4),
        _ => {
            return Err(bad(
                at,
                "time: UTCTime or GeneralizedTime in Z form expected",
            ));
        }
    };
    if rest[10] != b'Z' {
        return Err(bad(rest_at + 10, "time: must end in Z"));
    }
    let f = |i: usize| digits(&rest[i..i + 2], rest_at + i);
    let (mo, d, h, mi, se) = (f(0)?, f(2)?, f(4)?, f(6)?, f(8)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(bad(rest_at, "time: field out of range"));
    }
    Ok(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// The validity of a DER certificate.
pub fn validity(der: &[u8]) -> Result<Validity> {
    let (t, cert, cert_at, _) = element(der, 0)?;
    if t != 0x30 {
        return Err(bad(0, "certificate: SEQUENCE expected"));
    }
    let (t, tbs, tbs_at, _) = element(cert, 0).map_err(|_| bad(cert_at, "tbsCertificate"))?;
    if t != 0x30 {
        return Err(bad(cert_at, "tbsCertificate: SEQUENCE expected"));
    }
    let mut pos = 0;
    let (t, _, _, end) = element(tbs, pos)?;
    if t == 0xA0 {
        pos = end; // explicit version
    }
    for _ in 0..3 {
        // serialNumber, signature, issuer
        pos = element(tbs, pos)?.3;
    }
    let (t, val, val_at, _) = element(tbs, pos)?;
    if t != 0x30 {
        return Err(bad(tbs_at + pos, "validity: SEQUENCE expected"));
    }
    let (t1, nb, nb_at, e1) = element(val, 0)?;
    let (t2, na, na_at, _) = element(val, e1)?;
    Ok(Validity {
        not_before: time(t1, nb, tbs_at + val_at + nb_at)?,
        not_after: time(t2, na, tbs_at + val_at + na_at)?,
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
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert!(
            time(0x17, b"991231235959Z", 0).unwrap() < time(0x17, b"000101000000Z", 0).unwrap()
        );
        assert!(time(0x17, b"001301000000Z", 0).is_err());
        assert!(time(0x18, b"20260101000000+", 0).is_err());
    }
}
