//! One test per receiver rule of spec §2.1, from genuinely malformed bytes,
//! with the exact offsets the PA-TNC Error must carry.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tnc_ifm::consts::PaTncErrorCode;
use tnc_ifm::{AttrValue, ErrorInformation, Pen, Received, Rule, receive};

const ID: [u8; 4] = [0xde, 0xad, 0xbe, 0xef];

fn header() -> [u8; 8] {
    [1, 0, 0, 0, ID[0], ID[1], ID[2], ID[3]]
}

/// A message with the given attributes (each: flags, vendor, type, value).
fn msg(attrs: &[(u8, u32, u32, &[u8])]) -> Vec<u8> {
    let mut m = header().to_vec();
    for (flags, vendor, ty, value) in attrs {
        m.push(*flags);
        m.extend_from_slice(&vendor.to_be_bytes()[1..]);
        m.extend_from_slice(&ty.to_be_bytes());
        m.extend_from_slice(&(12 + value.len() as u32).to_be_bytes());
        m.extend_from_slice(value);
    }
    m
}

const NUMERIC: (u8, u32, u32, &[u8]) = (0, 0, 3, &[0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 4, 0, 5]);

/// Asserts an Invalid Parameter at `offset` under `rule`.
#[track_caller]
fn invalid_at(m: &[u8], offset: u32, rule: Rule) {
    match receive(m, &[]) {
        Received::Reject(rej) => {
            assert_eq!(rej.rule, rule, "{rej:?}");
            assert_eq!(
                rej.error.info,
                ErrorInformation::InvalidParameter {
                    message_header: m[..8].try_into().unwrap(),
                    offset
                },
                "{rej:?}"
            );
            assert_eq!(
                (rej.error.vendor, rej.error.code),
                (Pen::IETF, PaTncErrorCode::INVALID_PARAMETER.0)
            );
            // the reply encodes as a 32-octet attribute in a 40-octet message
            let reply = rej.to_message(9).unwrap();
            assert_eq!(reply.len(), 40);
            assert_eq!(&reply[16..20], &32u32.to_be_bytes());
        }
        other => panic!("expected Invalid Parameter at {offset}, got {other:?}"),
    }
}

#[test]
fn rule1_fewer_than_8_octets_is_not_pa_tnc() {
    for n in 0..8 {
        assert!(
            matches!(receive(&header()[..n], &[]), Received::NotPaTnc(_)),
            "{n}"
        );
    }
    assert!(matches!(receive(&header(), &[]), Received::Accept(_)));
}

#[test]
fn rule2_version_not_supported_echoes_header() {
    for v in [0u8, 2, 0xff] {
        let mut m = msg(&[NUMERIC]);
        m[0] = v;
        m[1] = 0x55; // reserved octets are copied verbatim too
        let Received::Reject(rej) = receive(&m, &[]) else {
            panic!()
        };
        assert_eq!(rej.rule, Rule::Version);
        assert_eq!(rej.error.code, PaTncErrorCode::VERSION_NOT_SUPPORTED.0);
        let mut h = header();
        h[0] = v;
        h[1] = 0x55;
        assert_eq!(
            rej.error.info,
            ErrorInformation::VersionNotSupported {
                message_header: h,
                max_version: 1,
                min_version: 1
            }
        );
        let reply = rej.to_message(1).unwrap();
        assert_eq!(
            reply.len(),
            8 + 32,
            "Version Not Supported attribute is 32 octets"
        );
    }
}

#[test]
fn rule3_fewer_than_12_octets_left() {
    let mut m = msg(&[NUMERIC]);
    m.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0]); // 11 octets
    invalid_at(&m, 36, Rule::HeaderTruncated);
}

#[test]
fn rule3_length_below_12() {
    let mut m = msg(&[NUMERIC]);
    m.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 11]);
    invalid_at(&m, 36 + 8, Rule::LengthTooShort);
}

#[test]
fn rule3_length_past_the_end() {
    let mut m = msg(&[NUMERIC]);
    m.truncate(m.len() - 1);
    invalid_at(&m, 8 + 8, Rule::LengthTooLarge);
}

#[test]
fn rule3_length_claiming_4_gib() {
    let mut m = msg(&[NUMERIC]);
    m[16..20].copy_from_slice(&u32::MAX.to_be_bytes());
    invalid_at(&m, 16, Rule::LengthTooLarge);
}

#[test]
fn rule3_reserved_vendor() {
    let m = msg(&[NUMERIC, (0, 0xFF_FFFF, 1, &[])]);
    invalid_at(&m, 36 + 1, Rule::ReservedVendor);
}

#[test]
fn rule3_reserved_type() {
    let m = msg(&[NUMERIC, (0, 0x00_902A, 0xFFFF_FFFF, &[])]);
    invalid_at(&m, 36 + 4, Rule::ReservedType);
}

#[test]
fn rule3_unknown_without_noskip_is_skipped() {
    let m = msg(&[
        (0, 0x00_902A, 0xFFFF_FFFE, b"xyz"),
        NUMERIC,
        (0x7f, 0, 0, b"t"),
    ]);
    let Received::Accept(ok) = receive(&m, &[]) else {
        panic!()
    };
    let acted: Vec<_> = ok.iter().collect();
    assert_eq!(acted.len(), 1);
    assert!(matches!(acted[0].value, AttrValue::NumericVersion(_)));
    // declared known by the caller: handed over raw
    let extra = [(Pen::ITA, 0xFFFF_FFFE)];
    let Received::Accept(ok) = receive(&m, &extra) else {
        panic!()
    };
    let acted: Vec<_> = ok.iter().collect();
    assert_eq!(acted.len(), 2);
    assert!(matches!(
        acted[0].value,
        AttrValue::Unknown { value: b"xyz", .. }
    ));
}

#[test]
fn rule3_unknown_with_noskip_rejects_whole_message() {
    // a valid attribute first: still nothing is processed
    let m = msg(&[NUMERIC, (0x81, 0x00_902A, 7, b"")]);
    let Received::Reject(rej) = receive(&m, &[]) else {
        panic!()
    };
    assert_eq!(rej.rule, Rule::UnsupportedNoskip);
    assert_eq!(
        rej.error.info,
        ErrorInformation::AttributeTypeNotSupported {
            message_header: header(),
            flags: 0x81,
            vendor: Pen::ITA,
            attr_type: 7
        }
    );
    assert_eq!(rej.to_message(1).unwrap().len(), 8 + 36);
    // NOSKIP on the reserved Testing type (0) is also unsupported
    let m = msg(&[(0x80, 0, 0, b"")]);
    assert!(matches!(receive(&m, &[]), Received::Reject(r) if r.rule == Rule::UnsupportedNoskip));
    // unless the caller declares it known
    let extra = [(Pen::ITA, 7)];
    let m = msg(&[NUMERIC, (0x80, 0x00_902A, 7, b"")]);
    assert!(matches!(receive(&m, &extra), Received::Accept(_)));
}

/// Rule 3, last bullet: a known type whose value does not parse, with the
/// offset of the first bad octet (`o + 12 + relative offset`). One malformed
/// value per attribute type.
/// Unix-Style File Metadata with one 60-octet entry whose length field says 51.
const UNIX_51: [u8; 68] = {
    let mut v = [0u8; 68];
    v[7] = 1;
    v[9] = 51;
    v
};

#[test]
fn rule3_invalid_values_have_exact_offsets() {
    // the bad attribute follows NUMERIC, so its value starts at 36 + 12 = 48
    const V: u32 = 48;
    let cases: &[(&str, u32, u32, &[u8], u32)] = &[
        (
            "attribute request not a multiple of 8",
            0,
            1,
            &[0, 0, 0, 0, 0, 0, 0, 4, 0],
            V + 8,
        ),
        ("product info too short", 0, 2, &[0, 0, 0, 0], V),
        (
            "product info vendor 0 with product id",
            0,
            2,
            &[0, 0, 0, 0, 5, b'x'],
            V + 3,
        ),
        (
            "product name not UTF-8",
            0,
            2,
            &[0, 0, 9, 0, 1, b'a', 0xff],
            V + 6,
        ),
        (
            "product name with NUL",
            0,
            2,
            &[0, 0, 9, 0, 1, b'a', b'b', 0],
            V + 7,
        ),
        ("numeric version too short", 0, 3, &[0; 15], V),
        ("numeric version too long", 0, 3, &[0; 17], V + 16),
        ("string version too short", 0, 4, &[0, 0], V),
        (
            "string version length past end",
            0,
            4,
            &[1, b'a', 5, b'b', 0],
            V + 2,
        ),
        ("string version trailing", 0, 4, &[0, 0, 0, 9], V + 3),
        ("operational status too short", 0, 5, &[3, 1, 0, 0], V),
        (
            "operational status 4",
            0,
            5,
            b"\x04\x01\x00\x002025-01-01T00:00:00Z",
            V,
        ),
        (
            "operational result 4",
            0,
            5,
            b"\x03\x04\x00\x002025-01-01T00:00:00Z",
            V + 1,
        ),
        (
            "last use not RFC 3339",
            0,
            5,
            b"\x03\x01\x00\x002025-01-01 00:00:00Z",
            V + 4 + 10,
        ),
        (
            "port filter not a multiple of 4",
            0,
            6,
            &[1, 6, 0, 22, 0, 17],
            V + 4,
        ),
        ("installed packages too short", 0, 7, &[0, 0, 0], V),
        (
            "installed packages count too large (missing entry starts at V+8)",
            0,
            7,
            &[0, 0, 0, 2, 1, b'a', 1, b'1'],
            V + 8,
        ),
        (
            "installed packages count beyond any fit",
            0,
            7,
            &[0, 0, 0xff, 0xff, 1, b'a', 1, b'1'],
            V + 2,
        ),
        (
            "installed packages trailing",
            0,
            7,
            &[0, 0, 0, 1, 1, b'a', 1, b'1', 7],
            V + 8,
        ),
        (
            "installed packages name past end",
            0,
            7,
            &[0, 0, 0, 1, 9, b'a', 0],
            V + 4,
        ),
        (
            "package name with NUL (ASCII list)",
            0,
            7,
            &[0, 0, 0, 1, 3, b'a', 0, b'b', 1, b'1'],
            V + 6,
        ),
        (
            "package version not UTF-8",
            0,
            7,
            &[0, 0, 0, 1, 1, b'a', 2, 0xc3, 0x28],
            V + 7,
        ),
        (
            "invalid UTF-8 before a NUL: first bad octet",
            0,
            7,
            &[0, 0, 0, 1, 3, 0xff, 0, b'a', 0],
            V + 5,
        ),
        (
            "non-ASCII package names are fine, NUL still found",
            0,
            7,
            &[0, 0, 0, 1, 2, 0xc3, 0xa4, 2, b'x', 0],
            V + 9,
        ),
        (
            "file measurement name not UTF-8",
            0x5597,
            0x00D0_0000,
            &[0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0xaa, 0, 2, b'a', 0xff],
            V + 16,
        ),
        (
            "file measurement name with NUL",
            0x5597,
            0x00D0_0000,
            &[0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0xaa, 0, 2, 0, b'a'],
            V + 15,
        ),
        ("assessment result 5", 0, 9, &[0, 0, 0, 5], V),
        ("assessment result too long", 0, 9, &[0, 0, 0, 1, 0], V + 4),
        ("remediation too short", 0, 10, &[0, 0, 0, 0, 0, 0, 0], V),
        (
            "remediation string length",
            0,
            10,
            &[0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 1, 0, b'x'],
            V + 8,
        ),
        (
            "remediation lang length",
            0,
            10,
            &[0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, b'x', 3, b'e'],
            V + 13,
        ),
        (
            "remediation URI NUL",
            0,
            10,
            &[0, 0, 0, 0, 0, 0, 0, 1, b'h', 0],
            V + 9,
        ),
        ("forwarding enabled 3", 0, 11, &[0, 0, 0, 3], V),
        ("factory default password 2", 0, 12, &[0, 0, 0, 2], V),
        (
            "contract request short",
            0x5597,
            0x21,
            &[0, 0, 0, 0, 0, 0, 0],
            V,
        ),
        ("segment envelope short", 0x5597, 0x23, &[0xc0, 0, 0], V),
        ("next segment long", 0x5597, 0x24, &[0, 0, 0, 1, 0], V + 4),
        ("PTS capabilities short", 0x5597, 0x0200_0000, &[0, 0, 0], V),
        (
            "PTS selection two algorithms",
            0x5597,
            0x0700_0000,
            &[0, 0, 0x60, 0],
            V + 2,
        ),
        (
            "PTS selection none",
            0x5597,
            0x0700_0000,
            &[0, 0, 0, 0],
            V + 2,
        ),
        (
            "request file measurement short",
            0x5597,
            0x00C0_0000,
            &[0, 0, 0, 1, 0, 0, 0],
            V,
        ),
        (
            "file measurement count 2^64-1",
            0x5597,
            0x00D0_0000,
            &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0],
            V,
        ),
        (
            "file measurement name past end",
            0x5597,
            0x00D0_0000,
            &[0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0xaa, 0, 3, b'l', b's'],
            V + 13,
        ),
        (
            "file measurement trailing",
            0x5597,
            0x00D0_0000,
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 9],
            V + 12,
        ),
        (
            "request file metadata short",
            0x5597,
            0x0070_0000,
            &[0x80, 0x2f, 0],
            V,
        ),
        (
            "unix metadata entry length < 52",
            0x5597,
            0x0090_0000,
            &UNIX_51,
            V + 8,
        ),
        (
            "unix metadata count too large",
            0x5597,
            0x0090_0000,
            &[0, 0, 0, 0, 0, 0, 0, 1],
            V,
        ),
    ];
    for (what, vendor, ty, value, offset) in cases {
        let m = msg(&[NUMERIC, (0, *vendor, *ty, value)]);
        match receive(&m, &[]) {
            Received::Reject(rej) => {
                assert_eq!(rej.rule, Rule::InvalidValue, "{what}: {rej:?}");
                assert_eq!(rej.offset(), Some(*offset), "{what}: {rej:?}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn rule4_malformed_pa_tnc_error_is_dropped_silently() {
    // IETF Invalid Parameter error whose information is 3 octets short
    let bad_err: &[u8] = &[0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 0];
    let m = msg(&[(0, 0, 8, bad_err), NUMERIC, (0, 0, 8, &[0; 7])]);
    let Received::Accept(ok) = receive(&m, &[]) else {
        panic!()
    };
    let acted: Vec<_> = ok.iter().collect();
    assert_eq!(acted.len(), 1, "{acted:?}");
    assert!(matches!(acted[0].value, AttrValue::NumericVersion(_)));
}

#[test]
fn rule5_only_the_first_error_is_reported() {
    let m = msg(&[
        NUMERIC,
        (0, 0, 9, &[0, 0, 0, 7]),  // bad at 48
        (0x80, 0x00_902A, 1, &[]), // unsupported NOSKIP
        (0, 0xFF_FFFF, 1, &[]),    // reserved vendor
    ]);
    let Received::Reject(rej) = receive(&m, &[]) else {
        panic!()
    };
    assert_eq!((rej.rule, rej.offset()), (Rule::InvalidValue, Some(48)));
}
