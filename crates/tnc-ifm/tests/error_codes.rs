//! One test per PA-TNC error code: its Error Information layout decodes, re-encodes
//! byte-identically, and a genuinely malformed information field is rejected at the
//! exact offset by the decoder — and, per receiver rule 4, dropped silently by
//! `receive` instead of being answered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tnc_ifm::consts::{PaTncErrorCode, PtsErrorCode};
use tnc_ifm::pts::{DhGroups, HashAlgorithms};
use tnc_ifm::{
    AttrValue, Attribute, AttributeValue, ErrorInformation, PaTncError, Pen, Received, receive,
};

const HDR: [u8; 8] = [1, 0, 0, 0, 0, 0, 0, 42];

/// The value of a PA-TNC Error attribute.
fn value(vendor: u32, code: u32, info: &[u8]) -> Vec<u8> {
    let mut v = vec![0];
    v.extend_from_slice(&vendor.to_be_bytes()[1..]);
    v.extend_from_slice(&code.to_be_bytes());
    v.extend_from_slice(info);
    v
}

/// Decodes `value`, checks the info, re-encodes identically.
#[track_caller]
fn good(vendor: u32, code: u32, info: &[u8], want: ErrorInformation<'_>) {
    let v = value(vendor, code, info);
    let e = PaTncError::decode_bare(&v, 0).unwrap();
    assert_eq!(e.vendor, Pen::from_u24(vendor));
    assert_eq!(e.code, code);
    assert_eq!(e.info, want);
    let a = Attribute::new(e);
    let wire = a.to_vec().unwrap();
    assert_eq!(&wire[12..], &v[..]);
    // inside a message it is acted upon
    let mut m = HDR.to_vec();
    m.extend_from_slice(&wire);
    let Received::Accept(ok) = receive(&m, &[]) else {
        panic!()
    };
    assert!(matches!(ok.iter().next().unwrap().value, AttrValue::PaTncError(x) if x == e));
}

/// A malformed info: decode fails at `offset` (relative to the value), and a
/// message holding it is accepted with the error silently dropped.
#[track_caller]
fn bad(vendor: u32, code: u32, info: &[u8], offset: usize) {
    let v = value(vendor, code, info);
    let err = PaTncError::decode_bare(&v, 0).unwrap_err();
    assert_eq!(err.offset, offset, "{err:?}");
    let mut m = HDR.to_vec();
    m.extend_from_slice(
        &Attribute::new(AttrValue::Unknown {
            vendor: Pen::IETF,
            attr_type: 8,
            value: &v,
        })
        .to_vec()
        .unwrap(),
    );
    let Received::Accept(ok) = receive(&m, &[]) else {
        panic!("a malformed PA-TNC Error must not be answered")
    };
    assert_eq!(ok.iter().count(), 0);
}

#[test]
fn value_shorter_than_8_octets() {
    for n in 0..8 {
        let v = &value(0, 1, &[])[..n];
        assert_eq!(PaTncError::decode_bare(v, 100).unwrap_err().offset, 100);
    }
}

#[test]
fn code0_reserved_is_opaque() {
    good(0, 0, b"abc", ErrorInformation::Opaque(b"abc"));
    good(0, 0, b"", ErrorInformation::Opaque(b""));
}

#[test]
fn code1_invalid_parameter() {
    let info = [1, 0, 0, 0, 0, 0, 0, 42, 0, 0, 0, 20];
    good(
        0,
        1,
        &info,
        ErrorInformation::InvalidParameter {
            message_header: HDR,
            offset: 20,
        },
    );
    bad(0, 1, &info[..11], 8);
    let mut long = info.to_vec();
    long.push(0);
    bad(0, 1, &long, 8 + 12);
    assert_eq!(PaTncErrorCode(1), PaTncErrorCode::INVALID_PARAMETER);
}

#[test]
fn code2_version_not_supported() {
    let info = [2, 0, 0, 0, 0, 0, 0, 42, 1, 1, 0, 0];
    good(
        0,
        2,
        &info,
        ErrorInformation::VersionNotSupported {
            message_header: [2, 0, 0, 0, 0, 0, 0, 42],
            max_version: 1,
            min_version: 1,
        },
    );
    bad(0, 2, &info[..10], 8);
}

#[test]
fn code3_attribute_type_not_supported() {
    let info = [1, 0, 0, 0, 0, 0, 0, 42, 0x80, 0, 0x90, 0x2a, 0, 0, 0, 9];
    good(
        0,
        3,
        &info,
        ErrorInformation::AttributeTypeNotSupported {
            message_header: HDR,
            flags: 0x80,
            vendor: Pen::ITA,
            attr_type: 9,
        },
    );
    bad(0, 3, &info[..15], 8);
    let mut long = info.to_vec();
    long.extend_from_slice(&[0, 0, 0, 24]); // a copied length field is not part of the layout
    bad(0, 3, &long, 8 + 16);
}

#[test]
fn code4_swima_error() {
    good(
        0,
        4,
        b"\0\0\0\x05oops",
        ErrorInformation::Swima {
            request_id: 5,
            description: "oops",
        },
    );
    bad(0, 4, b"\0\0\0", 8);
    bad(0, 4, b"\0\0\0\x05o\xffps", 8 + 5);
}

#[test]
fn code5_swima_subscription_denied() {
    good(
        0,
        5,
        b"\0\0\0\x06no",
        ErrorInformation::Swima {
            request_id: 6,
            description: "no",
        },
    );
    bad(0, 5, b"\0\0\0\x06n\0", 8 + 5);
}

#[test]
fn code6_swima_response_too_large() {
    good(
        0,
        6,
        b"\0\0\0\x07\0\0\x10\0big",
        ErrorInformation::SwimaResponseTooLarge {
            request_id: 7,
            max_allowed_size: 4096,
            description: "big",
        },
    );
    bad(0, 6, b"\0\0\0\x07\0\0\x10", 8);
}

#[test]
fn code7_swima_subscription_fulfillment_is_opaque() {
    good(
        0,
        7,
        b"\0\0\0\x01\0\0\0\x02whatever",
        ErrorInformation::Opaque(b"\0\0\0\x01\0\0\0\x02whatever"),
    );
}

#[test]
fn code8_swima_subscription_id_reuse() {
    good(
        0,
        8,
        b"\0\0\0\x08",
        ErrorInformation::Swima {
            request_id: 8,
            description: "",
        },
    );
    bad(0, 8, b"\0\0", 8);
}

#[test]
fn unknown_ietf_code_and_other_vendors_are_opaque() {
    good(0, 99, b"x", ErrorInformation::Opaque(b"x"));
    good(0x902a, 1, b"y", ErrorInformation::Opaque(b"y"));
}

#[test]
fn every_pts_error_code() {
    let req = [0x80, 0, 0, 7, 0, 0, 0, 0x2f, b'/', b'b', b'i', b'n'];
    for code in PtsErrorCode::ALL {
        let c = code.0;
        match c {
            1 => {
                good(
                    0x5597,
                    c,
                    &[0, 0, 0xc0, 0],
                    ErrorInformation::HashAlgorithmNotSupported {
                        algorithms: HashAlgorithms(0xc000),
                    },
                );
                bad(0x5597, c, &[0, 0, 0xc0], 8);
                bad(0x5597, c, &[0, 0, 0xc0, 0, 0], 12);
            }
            6 => {
                good(
                    0x5597,
                    c,
                    &[0, 0, 0x10, 0],
                    ErrorInformation::DhGroupNotSupported {
                        groups: DhGroups(0x1000),
                    },
                );
                bad(0x5597, c, &[0], 8);
            }
            7 => {
                good(
                    0x5597,
                    c,
                    &[0, 17, 0xff, 0xff],
                    ErrorInformation::NonceNotAcceptable {
                        length: 17,
                        max_length: 0xffff,
                    },
                );
                bad(0x5597, c, &[0, 17, 0xff], 8);
            }
            2 | 3 | 9 | 10 | 13..=16 => good(0x5597, c, &req, ErrorInformation::RequestCopy(&req)),
            _ => good(0x5597, c, &req, ErrorInformation::Opaque(&req)),
        }
        assert!(code.name().is_some());
    }
    assert_eq!(PtsErrorCode::ALL.len(), 17);
}

#[test]
fn encoding_refuses_a_layout_that_does_not_match_the_code() {
    let e = PaTncError {
        vendor: Pen::IETF,
        code: 2,
        info: ErrorInformation::InvalidParameter {
            message_header: HDR,
            offset: 1,
        },
    };
    assert!(Attribute::new(e).to_vec().is_err());
    let e = PaTncError {
        vendor: Pen::TCG,
        code: 3,
        info: ErrorInformation::Opaque(b""),
    };
    assert!(Attribute::new(e).to_vec().is_err());
}
