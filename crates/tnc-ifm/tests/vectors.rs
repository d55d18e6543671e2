//! Every PA-TNC example of examples.md (and the PTS worked example of pa-tnc.md
//! §9a.10) decodes to its documented meaning and re-encodes byte-identically.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tnc_ifm::consts::{AssessmentResultCode, PtsErrorCode};
use tnc_ifm::ietf::{AttributeId, AttributeRequest, NumericVersion, Package};
use tnc_ifm::pts::{DELIMITER_SLASH, FileMeasurementEntry};
use tnc_ifm::segmentation::{
    Contract, ContractRequest, NextSegment, Reassembled, Reassembler, SegmentEnvelope, Segmenter,
};
use tnc_ifm::seq::Seq;
use tnc_ifm::{
    AttrValue, Attribute, ErrorInformation, PaTncError, Pen, Received, encode_message, receive,
};

macro_rules! vector {
    ($name:literal) => {
        include_bytes!(concat!("vectors/", $name))
    };
}

fn accept(msg: &[u8]) -> (u32, Vec<Attribute<'_>>) {
    match receive(msg, &[]) {
        Received::Accept(ok) => (ok.message().message_id(), ok.iter().collect()),
        other => panic!("expected acceptance, got {other:?}"),
    }
}

#[test]
fn ex1_numeric_version() {
    let msg = vector!("ex1_numeric_version.bin");
    let (id, attrs) = accept(msg);
    assert_eq!(id, 38);
    assert_eq!(attrs.len(), 1);
    assert!(!attrs[0].noskip());
    assert_eq!(
        attrs[0].value,
        AttrValue::NumericVersion(NumericVersion {
            major: 1,
            minor: 7,
            build: 258,
            service_pack_major: 0,
            service_pack_minor: 1
        })
    );
    assert_eq!(encode_message(id, &attrs).unwrap(), msg);
}

#[test]
fn ex2_attribute_request() {
    let msg = vector!("ex2_attribute_request.bin");
    let (id, attrs) = accept(msg);
    assert_eq!(id, 17);
    let AttrValue::AttributeRequest(req) = attrs[0].value else {
        panic!("{attrs:?}")
    };
    let wanted = [AttributeId {
        vendor: Pen::IETF,
        attr_type: 4,
    }];
    assert_eq!(
        req,
        AttributeRequest {
            attributes: Seq::Items(&wanted)
        }
    );
    assert_eq!(encode_message(id, &attrs).unwrap(), msg);
    // and built from scratch
    let built = encode_message(
        17,
        &[Attribute::new(AttributeRequest {
            attributes: Seq::Items(&wanted),
        })],
    )
    .unwrap();
    assert_eq!(built, msg);
}

#[test]
fn ex3_installed_packages() {
    let msg = vector!("ex3_installed_packages.bin");
    let (id, attrs) = accept(msg);
    assert_eq!(id, 39);
    let AttrValue::InstalledPackages(p) = attrs[0].value else {
        panic!("{attrs:?}")
    };
    let got: Vec<Package<'_>> = p.packages.iter().collect();
    assert_eq!(
        got,
        [
            Package {
                name: "iptables",
                version: "1.4.12"
            },
            Package {
                name: "java",
                version: "1.7.0_40"
            }
        ]
    );
    assert_eq!(encode_message(id, &attrs).unwrap(), msg);
}

#[test]
fn ex4_assessment_result() {
    let msg = vector!("ex4_assessment_result.bin");
    let (id, attrs) = accept(msg);
    assert_eq!(id, 0);
    let AttrValue::AssessmentResult(r) = attrs[0].value else {
        panic!("{attrs:?}")
    };
    assert_eq!(r.result, AssessmentResultCode::NON_COMPLIANT_MINOR);
    assert_eq!(encode_message(id, &attrs).unwrap(), msg);
}

#[test]
fn ex5_error_attribute_type_not_supported_is_what_receive_produces() {
    let msg = vector!("ex5_error_attribute_type_not_supported.bin");
    let (id, attrs) = accept(msg);
    assert_eq!(id, 0xa1b2c3d4);
    let AttrValue::PaTncError(e) = attrs[0].value else {
        panic!("{attrs:?}")
    };
    assert_eq!((e.vendor, e.code), (Pen::IETF, 3));
    assert_eq!(
        e.info,
        ErrorInformation::AttributeTypeNotSupported {
            message_header: [1, 0, 0, 0, 0x12, 0x34, 0x56, 0x78],
            flags: 0x80,
            vendor: Pen::ITA,
            attr_type: 0xFFFF_FFFE,
        }
    );
    assert_eq!(encode_message(id, &attrs).unwrap(), msg);

    // the offending message described by the example: id 0x12345678 with a
    // NOSKIP ITA/0xFFFFFFFE attribute. receive() must answer exactly this.
    let offending = [
        1, 0, 0, 0, 0x12, 0x34, 0x56, 0x78, 0x80, 0x00, 0x90, 0x2a, 0xff, 0xff, 0xff, 0xfe, 0, 0,
        0, 12,
    ];
    let Received::Reject(rej) = receive(&offending, &[]) else {
        panic!()
    };
    assert_eq!(rej.to_message(0xa1b2c3d4).unwrap(), msg);
}

/// examples.md §6: the attribute-header receive rules.
#[test]
fn ex6_header_rules() {
    fn wrap(attr: &[u8]) -> Vec<u8> {
        let mut m = vec![1, 0, 0, 0, 0, 0, 0, 1];
        m.extend_from_slice(attr);
        m
    }
    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
    // (header, expected: Some((code, offset)) or None for acceptance)
    /// (error code, Invalid Parameter offset) the receiver must answer with.
    type Expect = Option<(u32, Option<u32>)>;
    let cases: [(&str, Expect); 7] = [
        ("00fffff0 01020304 0000000a", Some((1, Some(16)))),
        ("00ffffff 00000001 0000000c", Some((1, Some(9)))),
        ("0000902a ffffffff 0000000c", Some((1, Some(12)))),
        ("8000902a fffffffe 0000000c", Some((3, None))),
        ("0000902a fffffffe 0000000c", None),
        ("00000000 00000008 0000000c", None),
        ("00000000 00000004 0000000c", Some((1, Some(20)))),
    ];
    for (h, want) in cases {
        let msg = wrap(&hex(h));
        match (receive(&msg, &[]), want) {
            (Received::Accept(ok), None) => assert_eq!(ok.iter().count(), 0, "{h}"),
            (Received::Reject(rej), Some((code, off))) => {
                assert_eq!(rej.error.code, code, "{h}");
                assert_eq!(rej.offset(), off, "{h}");
            }
            (got, want) => panic!("{h}: got {got:?}, want {want:?}"),
        }
    }
    // the empty header: a message with one octet of attribute data
    let Received::Reject(rej) = receive(&wrap(&[0]), &[]) else {
        panic!()
    };
    assert_eq!((rej.error.code, rej.offset()), (1, Some(8)));
}

#[test]
fn ex7_swima_request_is_kept_raw_and_reencodes() {
    let a = vector!("ex7_swima_request_attribute.bin");
    let attr = Attribute::decode(a, 0).unwrap();
    assert_eq!(attr.vendor(), Pen::IETF);
    assert_eq!(attr.attr_type(), 13);
    let AttrValue::Unknown { value, .. } = attr.value else {
        panic!("{attr:?}")
    };
    assert_eq!(value.len(), 45);
    assert!(value.ends_with(b"strongswan.org_strongSwan_5.3.3"));
    assert_eq!(attr.to_vec().unwrap(), a);
}

#[test]
fn ex8_segmentation_exchange_byte_exact() {
    let contract_req = vector!("ex8_contract_request_attribute.bin");
    let first = vector!("ex8_envelope_first_attribute.bin");
    let next = vector!("ex8_next_segment_attribute.bin");
    let last = vector!("ex8_envelope_last_attribute.bin");

    let c = Attribute::decode(contract_req, 0).unwrap();
    let contract = Contract {
        max_message_size: 65490,
        max_segment_size: 24,
    };
    assert_eq!(
        c.value,
        AttrValue::ContractRequest(ContractRequest { contract })
    );
    assert_eq!(c.to_vec().unwrap(), contract_req);

    // base attribute ITA/1 with the 36 octets 0-9A-Z
    let value: Vec<u8> = (b'0'..=b'9').chain(b'A'..=b'Z').collect();
    let base = Attribute::new(AttrValue::Unknown {
        vendor: Pen::ITA,
        attr_type: 1,
        value: &value,
    })
    .to_vec()
    .unwrap();
    assert_eq!(base.len(), 48);

    let mut tx = Segmenter::with_next_base_id(contract, 0x123456);
    let (id, env1) = tx.start(base.clone()).unwrap();
    assert_eq!(id, 0x123456);
    assert_eq!(env1, first);

    let mut rx = Reassembler::new(contract);
    let AttrValue::SegmentEnvelope(seg1) = Attribute::decode(first, 0).unwrap().value else {
        panic!()
    };
    assert!(seg1.more && seg1.start);
    let Reassembled::NeedMore(ns) = rx.receive(&seg1).unwrap() else {
        panic!()
    };
    assert_eq!(Attribute::new(ns).to_vec().unwrap(), next);
    assert_eq!(
        Attribute::decode(next, 0).unwrap().value,
        AttrValue::NextSegment(NextSegment {
            cancel: false,
            base_message_id: 0x123456
        })
    );

    let env2 = tx.next(&ns).unwrap().unwrap();
    assert_eq!(env2, last);
    assert_eq!(tx.in_progress(), 0);
    let AttrValue::SegmentEnvelope(seg2) = Attribute::decode(last, 0).unwrap().value else {
        panic!()
    };
    assert_eq!(
        seg2,
        SegmentEnvelope {
            more: false,
            start: false,
            base_message_id: 0x123456,
            segment: &value[12..],
        }
    );
    let Reassembled::Complete(done) = rx.receive(&seg2).unwrap() else {
        panic!()
    };
    assert_eq!(done.bytes, base);
    assert_eq!(rx.in_progress(), 0);
}

#[test]
fn pts_worked_example() {
    let req = vector!("pts_request_file_measurement_attribute.bin");
    let fm = vector!("pts_file_measurement_attribute.bin");
    let err = vector!("pts_error_file_not_found_attribute.bin");

    let r = Attribute::decode(req, 0).unwrap();
    assert!(r.noskip());
    let AttrValue::RequestFileMeasurement(rq) = r.value else {
        panic!("{r:?}")
    };
    assert!(rq.directory);
    assert_eq!(
        (rq.request_id, rq.delimiter, rq.path),
        (7, DELIMITER_SLASH, "/bin")
    );
    assert_eq!(r.to_vec().unwrap(), req);

    let m = Attribute::decode(fm, 0).unwrap();
    let AttrValue::FileMeasurement(f) = m.value else {
        panic!("{m:?}")
    };
    assert_eq!((f.request_id, f.measurement_len, f.files.len()), (7, 32, 1));
    let digest: Vec<u8> = (0..32).collect();
    assert_eq!(
        f.files.iter().next().unwrap(),
        FileMeasurementEntry {
            digest: &digest,
            name: "ls"
        }
    );
    assert_eq!(m.to_vec().unwrap(), fm);

    let e = Attribute::decode(err, 0).unwrap();
    let AttrValue::PaTncError(pe) = e.value else {
        panic!("{e:?}")
    };
    assert_eq!(
        pe,
        PaTncError::pts_request_copy(PtsErrorCode::FILE_NOT_FOUND, &req[12..])
    );
    assert_eq!(e.to_vec().unwrap(), err);
}
