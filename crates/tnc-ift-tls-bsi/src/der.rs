//! A minimal DER writer and reader: just what the development PKI generator and the
//! peer-identity extraction need (X.509 certificates, RFC 5280).

use crate::error::Error;

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let be = (len as u64).to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&be[skip..]);
    }
}

/// A TLV with `tag` around `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(content.len() + 6);
    v.push(tag);
    push_len(&mut v, content.len());
    v.extend_from_slice(content);
    v
}

/// A SEQUENCE of already-encoded parts.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A SET of already-encoded parts (caller keeps DER order; used with one element).
pub fn set(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x31, &parts.concat())
}

/// A non-negative INTEGER from big-endian magnitude octets.
pub fn uint(bytes: &[u8]) -> Vec<u8> {
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let mut body: Vec<u8> = bytes[skip.min(bytes.len().saturating_sub(1))..].to_vec();
    if body.is_empty() {
        body.push(0);
    }
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x02, &body)
}

/// A BIT STRING with no unused bits.
pub fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut c = Vec::with_capacity(bytes.len() + 1);
    c.push(0);
    c.extend_from_slice(bytes);
    tlv(0x03, &c)
}

/// An OCTET STRING.
pub fn octet_string(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

/// A UTF8String.
pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

/// A PrintableString (caller ensures the charset).
pub fn printable(s: &str) -> Vec<u8> {
    tlv(0x13, s.as_bytes())
}

/// A context-specific constructed (EXPLICIT) tag `[n]`.
pub fn explicit(n: u8, content: &[u8]) -> Vec<u8> {
    tlv(0xa0 | n, content)
}

/// Days since 1970-01-01 to (year, month, day) (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01 (proleptic Gregorian; inverse of `civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses a Time (tag 0x17 UTCTime `YYMMDDHHMMSSZ`, years 1950–2049, or 0x18 GeneralizedTime
/// `YYYYMMDDHHMMSSZ`, RFC 5280 §4.1.2.5: UTC, seconds, no fractions) to unix seconds.
pub fn parse_time(tag: u8, content: &[u8]) -> Result<i64, Error> {
    let digits = |s: &[u8]| -> Result<i64, Error> {
        s.iter().try_fold(0i64, |acc, b| {
            if b.is_ascii_digit() {
                Ok(acc * 10 + i64::from(b - b'0'))
            } else {
                Err(bad("time: digit expected"))
            }
        })
    };
    let (year, rest) = match (tag, content.len()) {
        (0x17, 13) => {
            let yy = digits(&content[..2])?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &content[2..])
        }
        (0x18, 15) => (digits(&content[..4])?, &content[4..]),
        _ => {
            return Err(bad(
                "time: UTCTime or GeneralizedTime in RFC 5280 form expected",
            ));
        }
    };
    if rest[10] != b'Z' {
        return Err(bad("time: must end in Z (UTC)"));
    }
    let (mo, d) = (digits(&rest[0..2])?, digits(&rest[2..4])?);
    let (h, mi, se) = (
        digits(&rest[4..6])?,
        digits(&rest[6..8])?,
        digits(&rest[8..10])?,
    );
    let month_len = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return Err(bad("time: month out of range")),
    };
    if d < 1 || d > month_len || h > 23 || mi > 59 || se > 59 {
        return Err(bad("time: field out of range"));
    }
    // the ranges are checked above, so the conversions cannot fail
    let days = days_from_civil(year, mo as u32, d as u32);
    Ok(days * 86_400 + h * 3600 + mi * 60 + se)
}

/// A Time (UTCTime before 2050, GeneralizedTime from 2050, RFC 5280 §4.1.2.5).
pub fn time(unix: i64) -> Vec<u8> {
    let (y, mo, d) = civil(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    let (h, mi, se) = (s / 3600, (s / 60) % 60, s % 60);
    if (1950..2050).contains(&y) {
        tlv(
            0x17,
            format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z", y % 100).as_bytes(),
        )
    } else {
        tlv(
            0x18,
            format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z").as_bytes(),
        )
    }
}

/// A DER reader over borrowed bytes.
#[derive(Debug, Clone)]
pub struct DerReader<'a> {
    buf: &'a [u8],
}

fn bad(what: &str) -> Error {
    Error::Pki(format!("malformed DER: {what}"))
}

impl<'a> DerReader<'a> {
    /// A reader over `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        DerReader { buf }
    }

    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Reads the next TLV: (tag, content).
    pub fn read_tlv(&mut self) -> Result<(u8, &'a [u8]), Error> {
        let (&tag, rest) = self.buf.split_first().ok_or_else(|| bad("truncated tag"))?;
        let (&l0, rest) = rest.split_first().ok_or_else(|| bad("truncated length"))?;
        let (len, rest) = if l0 < 0x80 {
            (usize::from(l0), rest)
        } else {
            let n = usize::from(l0 & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return Err(bad("length"));
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, b| (a << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return Err(bad("content runs past the end"));
        }
        self.buf = &rest[len..];
        Ok((tag, &rest[..len]))
    }

    /// Reads the next TLV and checks its tag.
    pub fn expect(&mut self, tag: u8) -> Result<&'a [u8], Error> {
        let (t, c) = self.read_tlv()?;
        if t != tag {
            return Err(bad("unexpected tag"));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn times_round_trip_and_bad_ones_are_refused() {
        for t in [
            0i64,
            -631_152_000,  // 1950-01-01, first UTCTime year
            951_782_400,   // 2000-02-29
            2_524_607_999, // 2049-12-31 23:59:59, last UTCTime second
            2_524_608_000, // 2050-01-01, GeneralizedTime
            4_102_444_800, // 2100-01-01
            1_795_000_000,
        ] {
            let enc = time(t);
            assert_eq!(parse_time(enc[0], &enc[2..]).unwrap(), t, "{t}");
        }
        assert_eq!(parse_time(0x17, b"700101000000Z").unwrap(), 0);
        assert_eq!(parse_time(0x18, b"19700101000000Z").unwrap(), 0);
        for (tag, bad) in [
            (0x17, &b"7001010000Z"[..]),  // no seconds
            (0x17, b"700101000000+0100"), // offset
            (0x17, b"701301000000Z"),     // month 13
            (0x17, b"010229000000Z"),     // 2001-02-29
            (0x17, b"700132000000Z"),     // day 32
            (0x17, b"700101240000Z"),     // hour 24
            (0x18, b"2000010100000.5Z"),  // fraction
            (0x17, b"7a0101000000Z"),     // not a digit
            (0x04, b"700101000000Z"),     // wrong tag
        ] {
            assert!(
                parse_time(tag, bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(parse_time(0x18, b"20000229000000Z").is_ok());
        assert!(parse_time(0x18, b"21000229000000Z").is_err());
    }

    #[test]
    fn encodes_and_reads() {
        assert_eq!(uint(&[0, 0, 0x80]), [2, 2, 0, 0x80]);
        assert_eq!(uint(&[0, 0]), [2, 1, 0]);
        let long = tlv(4, &[1; 300]);
        assert_eq!(&long[..4], &[4, 0x82, 1, 44]);
        let mut r = DerReader::new(&long);
        assert_eq!(r.read_tlv().unwrap().1.len(), 300);
        assert!(r.is_empty());
        assert!(
            DerReader::new(&[4, 0x85, 1, 1, 1, 1, 1])
                .read_tlv()
                .is_err()
        );
        assert!(DerReader::new(&[4, 5, 1]).read_tlv().is_err());
        assert_eq!(time(0), tlv(0x17, b"700101000000Z"));
        assert_eq!(time(951_782_400), tlv(0x17, b"000229000000Z"));
        assert_eq!(time(2_556_057_600), tlv(0x18, b"20501231000000Z"));
    }
}
