//! The strongSwan-produced benchmark fixture (a typical gateway report)
//! decodes to its documented content and re-encodes byte-identically.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tnc_ifm::consts::{OperationalResult, OperationalStatusCode};
use tnc_ifm::{AttrValue, Attribute, Pen, Received, encode_message, receive};

const REPORT: &[u8] = include_bytes!("../../../benches/data/report.bin");

#[test]
fn report_decodes_to_documented_content_and_reencodes_identically() {
    let Received::Accept(ok) = receive(REPORT, &[]) else {
        panic!("report must be accepted: {:?}", receive(REPORT, &[]))
    };
    assert_eq!(ok.message().message_id(), 1);
    let attrs: Vec<Attribute<'_>> = ok.iter().collect();
    assert_eq!(attrs.len(), 6, "{attrs:#?}");
    match attrs[0].value {
        AttrValue::ProductInformation(p) => {
            assert_eq!(p.name, "Debian GNU/Linux");
            assert_eq!(p.vendor, Pen::from_u24(0x002572));
        }
        ref v => panic!("{v:?}"),
    }
    match attrs[1].value {
        AttrValue::NumericVersion(v) => assert_eq!((v.major, v.minor), (12, 11)),
        ref v => panic!("{v:?}"),
    }
    match attrs[2].value {
        AttrValue::StringVersion(v) => assert_eq!(v.version, "12.11"),
        ref v => panic!("{v:?}"),
    }
    match attrs[3].value {
        AttrValue::OperationalStatus(s) => {
            assert_eq!(s.status, OperationalStatusCode::OPERATIONAL);
            assert_eq!(s.result, OperationalResult::SUCCESSFUL);
        }
        ref v => panic!("{v:?}"),
    }
    match attrs[4].value {
        AttrValue::InstalledPackages(p) => {
            assert_eq!(p.packages.len(), 200);
            let last = p.packages.iter().last().unwrap();
            assert_eq!((last.name, last.version), ("pkg-199", "1.2.199"));
        }
        ref v => panic!("{v:?}"),
    }
    match attrs[5].value {
        AttrValue::FileMeasurement(f) => {
            assert_eq!(f.files.len(), 100);
            assert_eq!(f.measurement_len, 32);
            let first = f.files.iter().next().unwrap();
            assert_eq!(first.digest.len(), 32);
            assert!(first.name.contains("file-"), "{}", first.name);
        }
        ref v => panic!("{v:?}"),
    }
    assert_eq!(encode_message(1, &attrs).unwrap(), REPORT);
}

#[test]
fn owned_attributes_outlive_the_buffer() {
    let owned: Vec<tnc_ifm::OwnedAttribute> = {
        let copy = REPORT.to_vec();
        let Received::Accept(ok) = receive(&copy, &[]) else {
            panic!()
        };
        ok.message()
            .attributes()
            .map(|r| r.unwrap().to_owned_attribute())
            .collect()
    };
    let Received::Accept(ok) = receive(REPORT, &[]) else {
        panic!()
    };
    for (o, a) in owned.iter().zip(ok.iter()) {
        assert_eq!(o.typed().unwrap(), a);
        assert_eq!(a.to_owned_attribute().unwrap(), *o);
    }
    assert_eq!(owned.len(), 6);
}
