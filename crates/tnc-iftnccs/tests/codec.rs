//! Codec tests: the PB-TNC vectors of `examples.md`, error offsets, and proptest round trips
//! of every message type and of whole batches.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use tnc_iftnccs::consts::{IetfMessageType, PdpIdentifierType, RemediationType};
use tnc_iftnccs::message::{
    LanguagePreference, MutualCapability, PbPa, PdpAddress, PdpIdentifier, PdpReferral, RawMessage,
    ReasonString, RemediationParameters, RemediationParams,
};
use tnc_iftnccs::{
    AccessRecommendation, AssessmentResult, Batch, BatchType, Error, ErrorCode, ErrorParameters,
    Message, PbError, Role, encode_batch,
};
use tnc_wire::{Encode, MessageType, Pen, Reader};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// `hex` with the batch length field set to the real length.
fn batch_hex(s: &str) -> Vec<u8> {
    let mut b = hex(s);
    let n = b.len() as u32;
    b[4..8].copy_from_slice(&n.to_be_bytes());
    b
}

fn all(b: &[u8]) -> (Batch<'_>, Vec<Message<'_>>) {
    let batch = Batch::decode(b).unwrap();
    let msgs = batch.messages().collect::<Result<Vec<_>, _>>().unwrap();
    (batch, msgs)
}

fn reencode(b: &[u8]) {
    let (batch, msgs) = all(b);
    assert_eq!(
        encode_batch(batch.sender, batch.batch_type, &msgs).unwrap(),
        b
    );
}

#[test]
fn example_9_cdata_with_pb_pa() {
    let b = hex("02000001 00000024 80000000 00000001 0000001c 00000000 00000001 0001ffff 50574e44");
    let (batch, msgs) = all(&b);
    assert_eq!(
        (batch.sender, batch.batch_type),
        (Role::Client, BatchType::CDATA)
    );
    // the body "PWND" is not a PA-TNC message: PB-TNC carries it opaquely, so it decodes
    assert_eq!(
        msgs,
        vec![Message::Pa(PbPa {
            exclusive: false,
            message_type: MessageType::new(Pen::IETF, 1),
            collector: 1,
            validator: 0xFFFF,
            body: b"PWND",
        })]
    );
    reencode(&b);
}

#[test]
fn example_10_result_batch_and_its_faulty_variant() {
    let b = hex(
        "02800003 00000028 00000000 00000003 00000010 00000001 80000000 00000002 00000010 00000000",
    );
    let (batch, msgs) = all(&b);
    assert_eq!(
        (batch.sender, batch.batch_type),
        (Role::Server, BatchType::RESULT)
    );
    assert_eq!(
        msgs,
        vec![
            Message::AccessRecommendation(AccessRecommendation::ALLOWED),
            Message::AssessmentResult(AssessmentResult::COMPLIANT)
        ]
    );
    reencode(&b);
    let mut bad = b.clone();
    bad[23] = 0x64;
    let err = Batch::decode(&bad).unwrap().validate().unwrap_err();
    // batch-relative offset 22 (strongSwan would say 10)
    assert!(
        matches!(err, Error::InvalidParameter { offset: 22, .. }),
        "{err:?}"
    );
    assert_eq!(err.pb_error().unwrap().offset(), Some(22));
}

#[test]
fn example_11_reason_string_in_cdata() {
    let b = hex(
        "02000001 00000054 00000000 00000007 0000004c 00000039 446f6e27 74206576
         65722074 616b6520 696e7469 6d617465 20706963 74757265 73207769 74682079
         6f757220 6d6f6269 6c652070 686f6e65 2e02656e",
    );
    let (_, msgs) = all(&b);
    assert_eq!(
        msgs,
        vec![Message::ReasonString(ReasonString {
            text: "Don't ever take intimate pictures with your mobile phone.",
            language: "en"
        })]
    );
    reencode(&b);
    // semantically the batch is meaningless (a client must never send Reason-String): a server
    // session accepts the batch and ignores the message, as strongSwan does
    let mut s = tnc_iftnccs::Session::new(Role::Server, Default::default());
    s.receive_batch(&b, std::time::Instant::now()).unwrap();
    let events: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
    assert_eq!(
        events,
        vec![
            tnc_iftnccs::Event::BatchStarted {
                batch_type: BatchType::CDATA
            },
            tnc_iftnccs::Event::BatchEnded {
                batch_type: BatchType::CDATA
            }
        ]
    );
}

#[test]
fn example_12_close_batches_with_fatal_errors() {
    let b = hex("02000006 00000020 80000000 00000005 00000018 80000000 00010000 00000001");
    let (batch, msgs) = all(&b);
    assert_eq!(
        (batch.sender, batch.batch_type),
        (Role::Client, BatchType::CLOSE)
    );
    assert_eq!(
        msgs,
        vec![Message::Error(PbError {
            fatal: true,
            vendor: Pen::IETF,
            code: ErrorCode::INVALID_PARAMETER,
            parameters: ErrorParameters::Offset(1)
        })]
    );
    reencode(&b);
    let b = hex("02800006 00000020 80000000 00000005 00000018 80000000 00040000 01020200");
    let (_, msgs) = all(&b);
    assert_eq!(
        msgs,
        vec![Message::Error(PbError {
            fatal: true,
            vendor: Pen::IETF,
            code: ErrorCode::VERSION_NOT_SUPPORTED,
            parameters: ErrorParameters::Version {
                bad: 1,
                max: 2,
                min: 2
            }
        })]
    );
    reencode(&b);
}

#[test]
fn example_13_language_preference() {
    let b = hex(
        "02000001 00000027 00000000 00000006 0000001f 41636365 70742d4c 616e6775 6167653a 20656e",
    );
    let (_, msgs) = all(&b);
    let Message::LanguagePreference(l) = msgs[0] else {
        panic!()
    };
    assert_eq!(l.value, "Accept-Language: en");
    assert_eq!(l.languages(), "en");
    reencode(&b);
    // the RFC-legal form without the space is accepted
    let lp = LanguagePreference {
        value: "Accept-Language:de;q=0.5, fr, en-GB;q=0.9, it;q=0",
    };
    assert_eq!(lp.ranges(), vec!["fr", "en-GB", "de"]);
    // huge or malformed weights count as 1 (fuzz find: `q=0900000000` overflowed)
    let lp = LanguagePreference {
        value: "Accept-Language: d;q=0900000000, e;q=0.5, f;q=x, g;q=0.25",
    };
    assert_eq!(lp.ranges(), vec!["d", "f", "e", "g"]);
    // a value without the header name is refused at the value offset
    let bad = encode_batch(
        Role::Client,
        BatchType::CDATA,
        &[Message::Unknown(RawMessage {
            offset: 0,
            flags: 0,
            vendor: Pen::IETF,
            message_type: 6,
            value: b"en",
        })],
    )
    .unwrap();
    assert!(matches!(
        Batch::decode(&bad).unwrap().validate(),
        Err(Error::InvalidParameter { offset: 20, .. })
    ));
}

#[test]
fn example_14_vendor_messages() {
    let mc = hex("0000902a 00000001 00000010 80000000");
    let pdp = hex(
        "00005597 00000001 00000027 00005597 00000000 0000010f 7064702e 6578616d 706c652e 6f7267",
    );
    let mut b = vec![2, 0x80, 0, 2, 0, 0, 0, 0];
    b.extend_from_slice(&mc);
    b.extend_from_slice(&pdp);
    let n = b.len() as u32;
    b[4..8].copy_from_slice(&n.to_be_bytes());
    let (_, msgs) = all(&b);
    assert_eq!(
        msgs[0],
        Message::MutualCapability(MutualCapability {
            flags: MutualCapability::HALF_DUPLEX
        })
    );
    assert_eq!(
        msgs[1],
        Message::PdpReferral(PdpReferral {
            vendor: Pen::TCG,
            identifier_type: PdpIdentifierType::FQDN.0,
            identifier: PdpIdentifier::Address {
                protocol: 0,
                port: 271,
                address: PdpAddress::Fqdn("pdp.example.org")
            }
        })
    );
    reencode(&b);
}

#[test]
fn example_15_result_with_wrong_direction() {
    // jTNC's PT-TLS vector carries a RESULT batch with D = 0: it decodes, but a client refuses it
    let inner = hex(
        "02000003 00000028 00000000 00000003 00000010 00000001 80000000 00000002 00000010 00000000",
    );
    let (batch, _) = all(&inner);
    assert_eq!(batch.sender, Role::Client);
    assert!(matches!(
        Batch::decode_checked(&inner, Some(Role::Server)),
        Err(Error::WrongDirection {
            claimed: Role::Client,
            expected: Role::Server
        })
    ));
}

#[test]
fn message_header_errors_have_batch_offsets() {
    let cases: &[(&str, u32)] = &[
        // vendor 0xFFFFFF at msg+1
        ("02000001 00000014 00ffffff 00000001 0000000c", 9),
        // type 0xFFFFFFFF at msg+4
        ("02000001 00000014 00000000 ffffffff 0000000c", 12),
        // length 11 < 12 at msg+8
        ("02000001 00000014 00000000 00000001 0000000b", 16),
        // truncated header at msg
        ("02000001 00000010 00000000 00000001", 8),
        // PB-PA with NOSKIP clear: Invalid Parameter at the message
        (
            "02000001 00000020 00000000 00000001 00000018 00000000 00000001 0001ffff",
            8,
        ),
        // PB-PA too short (23 octets)
        (
            "02000001 0000001f 80000000 00000001 00000017 00000000 00000001 0001ff",
            8,
        ),
        // PB-PA vendor 0xFFFFFF at value+1
        (
            "02000001 00000020 80000000 00000001 00000018 00ffffff 00000001 0001ffff",
            21,
        ),
        // PB-PA subtype 0xFFFFFFFF at value+4
        (
            "02000001 00000020 80000000 00000001 00000018 00000000 ffffffff 0001ffff",
            24,
        ),
        // Assessment-Result 5 at value+0
        ("02800003 00000018 80000000 00000002 00000010 00000005", 20),
        // Assessment-Result of 17 octets (exact 16)
        (
            "02800003 00000019 80000000 00000002 00000011 00000000 00",
            8,
        ),
        // Access-Recommendation with NOSKIP set
        ("02800003 00000018 80000000 00000003 00000010 00000001", 8),
        // Reason-String length beyond the message at value+0
        (
            "02800003 0000001d 00000000 00000007 00000015 000000ff 41424300 00",
            20,
        ),
        // Reason-String whose language length (0xfa) runs past the end: at the length field
        // (fuzz find: the offset used to point one past the message)
        (
            "02800003 0000002c 80000000 00000002 00000010 00000000 00000000 00000007 00000014 00000003 610462fa",
            43,
        ),
        // Reason-String with NUL in the text (value+4+1)
        (
            "02800003 0000001e 00000000 00000007 00000014 00000003 41004300",
            25,
        ),
        // Remediation-String language length mismatch, at the length field: value + 8 + 4 + 2
        (
            "02800003 00000023 00000000 00000004 0000001c 00000000 00000002 00000002 41420300 00",
            34,
        ),
    ];
    for (h, off) in cases {
        let b = batch_hex(h);
        let err = Batch::decode(&b).unwrap().validate().unwrap_err();
        let pe = err.pb_error().unwrap();
        assert_eq!(
            (pe.code, pe.offset()),
            (ErrorCode::INVALID_PARAMETER, Some(*off)),
            "{h}: {err}"
        );
    }
}

#[test]
fn batch_header_errors() {
    assert!(matches!(
        Batch::decode(&[2, 0, 0]),
        Err(Error::BatchTooShort { len: 3 })
    ));
    assert!(matches!(
        Batch::decode(&[3, 0, 0, 1, 0, 0, 0, 8]),
        Err(Error::VersionNotSupported { version: 3 })
    ));
    assert!(matches!(
        Batch::decode(&[2, 0, 0, 7, 0, 0, 0, 8]),
        Err(Error::InvalidBatchType { value: 7 })
    ));
    // reserved bits of octet 3 are masked
    assert_eq!(
        Batch::decode(&[2, 0x7F, 0xFF, 0xF1, 0, 0, 0, 8])
            .unwrap()
            .batch_type,
        BatchType::CDATA
    );
    assert!(matches!(
        Batch::decode(&[2, 0, 0, 1, 0, 0, 0, 9]),
        Err(Error::LengthMismatch {
            declared: 9,
            received: 8
        })
    ));
    assert!(matches!(
        Batch::decode_limited(&[2, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF], None, 1 << 20),
        Err(Error::BatchTooLarge { .. })
    ));
    // unknown non-NOSKIP messages are kept raw, NOSKIP ones refused at the message offset
    let b = batch_hex("02000001 00000018 00001234 00000009 0000000c 80001234 00000009 0000000c");
    let mut it = Batch::decode(&b).unwrap().messages();
    assert!(matches!(
        it.next(),
        Some(Ok(Message::Unknown(RawMessage { offset: 8, .. })))
    ));
    assert!(matches!(
        it.next(),
        Some(Err(Error::UnsupportedMandatoryMessage {
            offset: 20,
            message_type: 9,
            ..
        }))
    ));
    assert!(it.next().is_none());
}

// ---------------------------------------------------------------- proptest

#[derive(Debug, Clone)]
struct Gen {
    kind: u8,
    flag: bool,
    a: u32,
    b: u32,
    c: u16,
    d: u16,
    bytes: Vec<u8>,
    s1: String,
    s2: String,
    lang: String,
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 ,;=.äöü€-]{0,24}"
}

fn any_gen() -> impl Strategy<Value = Gen> {
    (
        0u8..11,
        any::<bool>(),
        any::<u32>(),
        any::<u32>(),
        any::<u16>(),
        any::<u16>(),
        proptest::collection::vec(any::<u8>(), 0..64),
        text(),
        text(),
        "[a-z]{0,8}(-[A-Z]{2})?",
    )
        .prop_map(|(kind, flag, a, b, c, d, bytes, s1, s2, lang)| Gen {
            kind,
            flag,
            a,
            b,
            c,
            d,
            bytes,
            s1,
            s2,
            lang,
        })
}

fn build(g: &Gen) -> Message<'_> {
    let vendor24 = g.a % 0x00FF_FFFF; // never the reserved 0xFFFFFF
    match g.kind {
        0 => Message::Experimental {
            noskip: false,
            value: &g.bytes,
        },
        1 => Message::Pa(PbPa {
            exclusive: g.flag,
            message_type: MessageType::new(Pen::from_u24(vendor24), g.b.min(0xFFFF_FFFE)),
            collector: g.c,
            validator: g.d,
            body: &g.bytes,
        }),
        2 => Message::AssessmentResult(AssessmentResult(g.b % 5)),
        3 => Message::AccessRecommendation(AccessRecommendation((g.c % 3) + 1)),
        4 => Message::RemediationParameters(match g.b % 3 {
            0 => RemediationParameters {
                vendor: Pen::IETF,
                remediation_type: RemediationType::URI.0,
                params: RemediationParams::Uri(&g.s1),
            },
            1 => RemediationParameters {
                vendor: Pen::IETF,
                remediation_type: RemediationType::STRING.0,
                params: RemediationParams::String {
                    text: &g.s1,
                    language: &g.lang,
                },
            },
            _ => RemediationParameters {
                vendor: Pen::from_u24(vendor24.max(1)),
                remediation_type: g.b,
                params: RemediationParams::Raw(&g.bytes),
            },
        }),
        5 => {
            let code = ErrorCode(g.c % 7);
            let parameters = match (g.flag, code.0) {
                (false, _) => {
                    ErrorParameters::Raw(if g.bytes.is_empty() { b"x" } else { &g.bytes })
                }
                (true, 0 | 2) if g.d % 2 == 0 => ErrorParameters::None,
                (true, 0..=3) => ErrorParameters::Offset(g.b),
                (true, 4) => ErrorParameters::Version {
                    bad: g.bytes.first().copied().unwrap_or(1),
                    max: 2,
                    min: 2,
                },
                (true, _) => ErrorParameters::Raw(if g.bytes.len() == 4 || g.bytes.is_empty() {
                    b"xyz"
                } else {
                    &g.bytes
                }),
            };
            let vendor = if g.flag {
                Pen::IETF
            } else {
                Pen::from_u24(vendor24.max(1))
            };
            Message::Error(PbError {
                fatal: g.d % 3 == 0,
                vendor,
                code,
                parameters,
            })
        }
        6 => Message::LanguagePreference(LanguagePreference { value: &g.s2 }),
        7 => Message::ReasonString(ReasonString {
            text: &g.s1,
            language: &g.lang,
        }),
        8 => Message::PdpReferral(match g.b % 4 {
            0 => PdpReferral {
                vendor: Pen::TCG,
                identifier_type: 1,
                identifier: PdpIdentifier::Address {
                    protocol: g.flag as u8,
                    port: g.c,
                    address: PdpAddress::Ipv4(g.a.to_be_bytes()),
                },
            },
            1 => PdpReferral {
                vendor: Pen::TCG,
                identifier_type: 2,
                identifier: PdpIdentifier::Address {
                    protocol: 0,
                    port: g.d,
                    address: PdpAddress::Ipv6(
                        u128::from(g.a).wrapping_mul(0x1234_5678_9abc).to_be_bytes(),
                    ),
                },
            },
            2 => PdpReferral {
                vendor: Pen::TCG,
                identifier_type: 0,
                identifier: PdpIdentifier::Address {
                    protocol: 0,
                    port: 271,
                    address: PdpAddress::Fqdn("gwa.example.org"),
                },
            },
            _ => PdpReferral {
                vendor: Pen::ITA,
                identifier_type: g.a,
                identifier: PdpIdentifier::Raw(&g.bytes),
            },
        }),
        9 => Message::MutualCapability(MutualCapability { flags: g.a }),
        _ => {
            // an unknown message: not one of the known (vendor, type) pairs, NOSKIP clear
            let (vendor, t) = match g.b % 3 {
                0 => (Pen::IETF, 8 + g.a % 1000),
                1 => (Pen::TCG, 2 + g.a % 1000),
                _ => (
                    Pen::from_u24(0x1000 + vendor24 % 0xF000),
                    g.a.min(0xFFFF_FFFE),
                ),
            };
            Message::Unknown(RawMessage {
                offset: 8,
                flags: (g.c as u8) & 0x7F,
                vendor,
                message_type: t,
                value: &g.bytes,
            })
        }
    }
}

fn lang_pref(g: &mut Gen) {
    if g.kind == 6 {
        g.s2 = format!("Accept-Language: {}", g.s2);
    }
}

proptest! {
    #[test]
    fn every_message_round_trips(mut g in any_gen()) {
        lang_pref(&mut g);
        let m = build(&g);
        let wire = m.to_vec().unwrap();
        prop_assert_eq!(wire.len(), m.encoded_len());
        // decode as the first message of a batch (offset 8)
        let mut r = Reader::with_base(&wire, 8);
        let raw = RawMessage::read(&mut r).unwrap();
        prop_assert!(r.is_empty());
        let back = Message::from_raw(raw).unwrap();
        prop_assert_eq!(back, m);
        prop_assert_eq!(&back.to_vec().unwrap(), &wire);
        prop_assert_eq!(raw.noskip(), m.noskip());
        prop_assert_eq!(IetfMessageType(1).name(), Some("PB-PA"));
    }

    #[test]
    fn whole_batches_round_trip(mut gs in proptest::collection::vec(any_gen(), 0..8), bt in 0u8..16, server in any::<bool>()) {
        for g in &mut gs { lang_pref(g); }
        let msgs: Vec<Message<'_>> = gs.iter().map(build).collect();
        let sender = if server { Role::Server } else { Role::Client };
        let wire = encode_batch(sender, BatchType(bt), &msgs).unwrap();
        match Batch::decode(&wire) {
            Ok(b) => {
                prop_assert!(bt <= 6);
                prop_assert_eq!(b.sender, sender);
                prop_assert_eq!(b.batch_type, BatchType(bt));
                let back: Vec<Message<'_>> = b.messages().collect::<Result<_, _>>().unwrap();
                let fixed: Vec<Message<'_>> = back.iter().map(|m| match *m {
                    Message::Unknown(raw) => Message::Unknown(RawMessage { offset: 8, ..raw }),
                    other => other,
                }).collect();
                prop_assert_eq!(&fixed, &msgs);
                prop_assert_eq!(encode_batch(b.sender, b.batch_type, &back).unwrap(), wire);
            }
            Err(e) => {
                prop_assert!(bt > 6);
                prop_assert_eq!(e, Error::InvalidBatchType { value: bt });
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(b) = Batch::decode(&bytes) {
            for m in b.messages() {
                if let Err(e) = m {
                    let pe = e.pb_error().unwrap();
                    prop_assert!(pe.fatal);
                    if let Some(off) = pe.offset() { prop_assert!((off as usize) < bytes.len()); }
                }
            }
        }
    }
}
