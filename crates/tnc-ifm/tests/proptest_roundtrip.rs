//! proptest: `decode(encode(x)) == x` and `encode(decode(b)) == b` for every
//! attribute type this crate interprets, and for whole messages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use tnc_ifm::consts::*;
use tnc_ifm::ietf::*;
use tnc_ifm::pts::*;
use tnc_ifm::segmentation::*;
use tnc_ifm::seq::Seq;
use tnc_ifm::{
    AttrValue, Attribute, ErrorInformation, PaTncError, Pen, Received, encode_message, receive,
};

/// Owned description of one attribute (the typed values borrow, so tests build
/// them from this inside a closure).
#[derive(Debug, Clone)]
enum Gen {
    AttrRequest(Vec<(u32, u32)>),
    Product(u32, u16, String),
    Numeric(u32, u32, u32, u16, u16),
    StringVersion(String, String, String),
    OpStatus(u8, u8, String),
    PortFilter(Vec<(bool, u8, u16)>),
    Packages(Vec<(String, String)>),
    Error(u32, u32, ErrGen),
    Assessment(u32),
    RemUri(String),
    RemString(String, String),
    RemOther(u32, u32, Vec<u8>),
    Forwarding(u32),
    FactoryPw(bool),
    ContractReq(u32, u32),
    ContractResp(u32, u32),
    Envelope(bool, bool, u32, Vec<u8>),
    Next(bool, u32),
    Cancel(u32),
    CapsReq(u32),
    Caps(u32),
    AlgReq(u16),
    AlgSel(u16),
    ReqFm(bool, u16, u32, String),
    Fm(u16, u16, Vec<(Vec<u8>, String)>),
    ReqMeta(bool, u8, String),
    UnixMeta(Vec<(u8, [u64; 6], String)>),
    Unknown(u32, u32, Vec<u8>),
}

#[derive(Debug, Clone)]
enum ErrGen {
    Ip([u8; 8], u32),
    Vns([u8; 8], u8, u8),
    Atns([u8; 8], u8, u32, u32),
    Swima(u32, String),
    TooLarge(u32, u32, String),
    Hash(u16),
    Dh(u16),
    Nonce(u16, u16),
    Bytes(Vec<u8>),
}

fn mk(flags: u8, value: AttrValue<'_>) -> Attribute<'_> {
    Attribute { flags, value }
}

fn with_attr<R>(flags: u8, g: &Gen, f: impl FnOnce(Attribute<'_>) -> R) -> R {
    match g {
        Gen::AttrRequest(v) => {
            let items: Vec<AttributeId> = v
                .iter()
                .map(|&(vendor, attr_type)| AttributeId {
                    vendor: Pen::from_u24(vendor),
                    attr_type,
                })
                .collect();
            f(mk(
                flags,
                AttributeRequest {
                    attributes: Seq::Items(&items),
                }
                .into(),
            ))
        }
        Gen::Product(v, id, name) => f(mk(
            flags,
            ProductInformation {
                vendor: Pen::from_u24(*v),
                product_id: if *v == 0 { 0 } else { *id },
                name,
            }
            .into(),
        )),
        Gen::Numeric(a, b, c, d, e) => f(mk(
            flags,
            NumericVersion {
                major: *a,
                minor: *b,
                build: *c,
                service_pack_major: *d,
                service_pack_minor: *e,
            }
            .into(),
        )),
        Gen::StringVersion(a, b, c) => f(mk(
            flags,
            StringVersion {
                version: a,
                build: b,
                configuration: c,
            }
            .into(),
        )),
        Gen::OpStatus(s, r, ts) => f(mk(
            flags,
            OperationalStatus {
                status: OperationalStatusCode(*s),
                result: OperationalResult(*r),
                last_use: ts,
            }
            .into(),
        )),
        Gen::PortFilter(v) => {
            let items: Vec<PortFilterEntry> = v
                .iter()
                .map(|&(blocked, protocol, port)| PortFilterEntry {
                    blocked,
                    protocol,
                    port,
                })
                .collect();
            f(mk(
                flags,
                PortFilter {
                    entries: Seq::Items(&items),
                }
                .into(),
            ))
        }
        Gen::Packages(v) => {
            let items: Vec<Package<'_>> = v
                .iter()
                .map(|(n, ver)| Package {
                    name: n,
                    version: ver,
                })
                .collect();
            f(mk(
                flags,
                InstalledPackages {
                    packages: Seq::Items(&items),
                }
                .into(),
            ))
        }
        Gen::Error(vendor, code, info) => {
            let info = match info {
                ErrGen::Ip(h, o) => ErrorInformation::InvalidParameter {
                    message_header: *h,
                    offset: *o,
                },
                ErrGen::Vns(h, a, b) => ErrorInformation::VersionNotSupported {
                    message_header: *h,
                    max_version: *a,
                    min_version: *b,
                },
                ErrGen::Atns(h, fl, v, t) => ErrorInformation::AttributeTypeNotSupported {
                    message_header: *h,
                    flags: *fl,
                    vendor: Pen::from_u24(*v),
                    attr_type: *t,
                },
                ErrGen::Swima(id, d) => ErrorInformation::Swima {
                    request_id: *id,
                    description: d,
                },
                ErrGen::TooLarge(id, m, d) => ErrorInformation::SwimaResponseTooLarge {
                    request_id: *id,
                    max_allowed_size: *m,
                    description: d,
                },
                ErrGen::Hash(m) => ErrorInformation::HashAlgorithmNotSupported {
                    algorithms: HashAlgorithms(*m),
                },
                ErrGen::Dh(m) => ErrorInformation::DhGroupNotSupported {
                    groups: DhGroups(*m),
                },
                ErrGen::Nonce(a, b) => ErrorInformation::NonceNotAcceptable {
                    length: *a,
                    max_length: *b,
                },
                ErrGen::Bytes(b) => {
                    if *vendor == 0x5597 && matches!(code, 2 | 3 | 9 | 10 | 13..=16) {
                        ErrorInformation::RequestCopy(b)
                    } else {
                        ErrorInformation::Opaque(b)
                    }
                }
            };
            f(mk(
                flags,
                PaTncError {
                    vendor: Pen::from_u24(*vendor),
                    code: *code,
                    info,
                }
                .into(),
            ))
        }
        Gen::Assessment(v) => f(mk(
            flags,
            AssessmentResult {
                result: AssessmentResultCode(*v),
            }
            .into(),
        )),
        Gen::RemUri(u) => f(mk(
            flags,
            RemediationInstructions {
                parameters: RemediationParameters::Uri(u),
            }
            .into(),
        )),
        Gen::RemString(t, l) => f(mk(
            flags,
            RemediationInstructions {
                parameters: RemediationParameters::String { text: t, lang: l },
            }
            .into(),
        )),
        Gen::RemOther(v, t, d) => f(mk(
            flags,
            RemediationInstructions {
                parameters: RemediationParameters::Other {
                    vendor: Pen::from_u24(*v),
                    param_type: *t,
                    data: d,
                },
            }
            .into(),
        )),
        Gen::Forwarding(v) => f(mk(
            flags,
            ForwardingEnabled {
                status: ForwardingStatus(*v),
            }
            .into(),
        )),
        Gen::FactoryPw(b) => f(mk(
            flags,
            FactoryDefaultPasswordEnabled { enabled: *b }.into(),
        )),
        Gen::ContractReq(a, b) => f(mk(
            flags,
            ContractRequest {
                contract: Contract {
                    max_message_size: *a,
                    max_segment_size: *b,
                },
            }
            .into(),
        )),
        Gen::ContractResp(a, b) => f(mk(
            flags,
            ContractResponse {
                contract: Contract {
                    max_message_size: *a,
                    max_segment_size: *b,
                },
            }
            .into(),
        )),
        Gen::Envelope(m, s, id, seg) => f(mk(
            flags,
            SegmentEnvelope {
                more: *m,
                start: *s,
                base_message_id: *id,
                segment: seg,
            }
            .into(),
        )),
        Gen::Next(c, id) => f(mk(
            flags,
            NextSegment {
                cancel: *c,
                base_message_id: *id,
            }
            .into(),
        )),
        Gen::Cancel(id) => f(mk(
            flags,
            Cancel {
                base_message_id: *id,
            }
            .into(),
        )),
        Gen::CapsReq(c) => f(mk(
            flags,
            RequestProtocolCapabilities {
                capabilities: Capabilities(*c),
            }
            .into(),
        )),
        Gen::Caps(c) => f(mk(
            flags,
            ProtocolCapabilities {
                capabilities: Capabilities(*c),
            }
            .into(),
        )),
        Gen::AlgReq(m) => f(mk(
            flags,
            MeasurementAlgorithmRequest {
                algorithms: HashAlgorithms(*m),
            }
            .into(),
        )),
        Gen::AlgSel(m) => f(mk(
            flags,
            MeasurementAlgorithmSelection {
                algorithm: HashAlgorithms(*m),
            }
            .into(),
        )),
        Gen::ReqFm(d, id, delim, p) => f(mk(
            flags,
            RequestFileMeasurement {
                directory: *d,
                request_id: *id,
                delimiter: *delim,
                path: p,
            }
            .into(),
        )),
        Gen::Fm(id, m, files) => {
            let items: Vec<FileMeasurementEntry<'_>> = files
                .iter()
                .map(|(d, n)| FileMeasurementEntry { digest: d, name: n })
                .collect();
            f(mk(
                flags,
                FileMeasurement {
                    request_id: *id,
                    measurement_len: *m,
                    files: Seq::Items(&items),
                }
                .into(),
            ))
        }
        Gen::ReqMeta(d, delim, p) => f(mk(
            flags,
            RequestFileMetadata {
                directory: *d,
                delimiter: *delim,
                path: p,
            }
            .into(),
        )),
        Gen::UnixMeta(v) => {
            let items: Vec<UnixFileMetadataEntry<'_>> = v
                .iter()
                .map(|(t, n, name)| UnixFileMetadataEntry {
                    file_type: UnixFileType(*t),
                    size: n[0],
                    create_time: n[1],
                    modify_time: n[2],
                    access_time: n[3],
                    owner: n[4],
                    group: n[5],
                    name,
                })
                .collect();
            f(mk(
                flags,
                UnixFileMetadata {
                    files: Seq::Items(&items),
                }
                .into(),
            ))
        }
        Gen::Unknown(v, t, d) => f(mk(
            flags,
            AttrValue::Unknown {
                vendor: Pen::from_u24(*v),
                attr_type: *t,
                value: d,
            },
        )),
    }
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[a-zA-Z0-9 ./_:\u{e4}\u{20ac}-]{{0,{max}}}")).unwrap()
}

fn pen() -> impl Strategy<Value = u32> {
    0u32..0xFF_FFFF
}

fn hdr() -> impl Strategy<Value = [u8; 8]> {
    any::<[u8; 8]>()
}

fn err_gen() -> impl Strategy<Value = (u32, u32, ErrGen)> {
    prop_oneof![
        (hdr(), any::<u32>()).prop_map(|(h, o)| (0, 1, ErrGen::Ip(h, o))),
        (hdr(), any::<u8>(), any::<u8>()).prop_map(|(h, a, b)| (0, 2, ErrGen::Vns(h, a, b))),
        (hdr(), any::<u8>(), pen(), any::<u32>()).prop_map(|(h, f, v, t)| (
            0,
            3,
            ErrGen::Atns(h, f, v, t)
        )),
        (
            prop::sample::select(vec![4u32, 5, 8]),
            any::<u32>(),
            text(20)
        )
            .prop_map(|(c, id, d)| (0, c, ErrGen::Swima(id, d))),
        (any::<u32>(), any::<u32>(), text(20)).prop_map(|(i, m, d)| (
            0,
            6,
            ErrGen::TooLarge(i, m, d)
        )),
        any::<u16>().prop_map(|m| (0x5597, 1, ErrGen::Hash(m))),
        any::<u16>().prop_map(|m| (0x5597, 6, ErrGen::Dh(m))),
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| (0x5597, 7, ErrGen::Nonce(a, b))),
        (
            prop::sample::select(vec![0u32, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 99]),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(c, b)| (0x5597, c, ErrGen::Bytes(b))),
        (
            prop::sample::select(vec![0u32, 7, 9, 1000]),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(c, b)| (0, c, ErrGen::Bytes(b))),
        (
            1u32..0xFF_FFFF,
            any::<u32>(),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(v, c, b)| (
                if v == 0x5597 { 0x5598 } else { v },
                c,
                ErrGen::Bytes(b)
            )),
    ]
}

fn timestamp() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(LAST_USE_UNKNOWN.to_string()),
        (
            0u32..10000,
            1u32..13,
            1u32..29,
            0u32..24,
            0u32..60,
            0u32..60
        )
            .prop_map(|(y, mo, d, h, mi, s)| format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z"
            )),
    ]
}

fn gen_attr() -> impl Strategy<Value = Gen> {
    let alg_bit = prop::sample::select(vec![0x8000u16, 0x4000, 0x2000, 0x1000, 0x0001]);
    prop_oneof![
        prop::collection::vec((pen(), any::<u32>()), 0..10).prop_map(Gen::AttrRequest),
        (pen(), any::<u16>(), text(30)).prop_map(|(v, i, n)| Gen::Product(v, i, n)),
        any::<(u32, u32, u32, u16, u16)>().prop_map(|(a, b, c, d, e)| Gen::Numeric(a, b, c, d, e)),
        (text(40), text(40), text(40)).prop_map(|(a, b, c)| Gen::StringVersion(a, b, c)),
        (0u8..4, 0u8..4, timestamp()).prop_map(|(s, r, t)| Gen::OpStatus(s, r, t)),
        prop::collection::vec(any::<(bool, u8, u16)>(), 0..10).prop_map(Gen::PortFilter),
        prop::collection::vec((text(20), text(20)), 0..20).prop_map(Gen::Packages),
        err_gen().prop_map(|(v, c, e)| Gen::Error(v, c, e)),
        (0u32..5).prop_map(Gen::Assessment),
        text(40).prop_map(Gen::RemUri),
        (text(40), text(8)).prop_map(|(t, l)| Gen::RemString(t, l)),
        (
            1u32..0xFF_FFFF,
            any::<u32>(),
            prop::collection::vec(any::<u8>(), 0..20)
        )
            .prop_map(|(v, t, d)| Gen::RemOther(v, t, d)),
        (0u32..3).prop_map(Gen::Forwarding),
        any::<bool>().prop_map(Gen::FactoryPw),
        any::<(u32, u32)>().prop_map(|(a, b)| Gen::ContractReq(a, b)),
        any::<(u32, u32)>().prop_map(|(a, b)| Gen::ContractResp(a, b)),
        (
            any::<bool>(),
            any::<bool>(),
            pen(),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(m, s, i, b)| Gen::Envelope(m, s, i, b)),
        (any::<bool>(), pen()).prop_map(|(c, i)| Gen::Next(c, i)),
        pen().prop_map(Gen::Cancel),
        (0u32..32).prop_map(Gen::CapsReq),
        (0u32..32).prop_map(Gen::Caps),
        any::<u16>().prop_map(Gen::AlgReq),
        alg_bit.prop_map(Gen::AlgSel),
        (any::<bool>(), any::<u16>(), any::<u32>(), text(40))
            .prop_map(|(d, i, de, p)| Gen::ReqFm(d, i, de, p)),
        (
            any::<u16>(),
            prop::sample::select(vec![0u16, 20, 32, 48, 64])
        )
            .prop_flat_map(|(id, m)| {
                prop::collection::vec(
                    (prop::collection::vec(any::<u8>(), m as usize), text(20)),
                    if m == 0 { 0..1 } else { 0..6 },
                )
                .prop_map(move |files| Gen::Fm(id, m, files))
            }),
        (any::<bool>(), any::<u8>(), text(40)).prop_map(|(d, de, p)| Gen::ReqMeta(d, de, p)),
        prop::collection::vec((any::<u8>(), any::<[u64; 6]>(), text(20)), 0..5)
            .prop_map(Gen::UnixMeta),
        // unknown vendors/types (never one this crate interprets)
        (
            1u32..0xFF_FFFF,
            any::<u32>(),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_filter("not a known type", |(v, t, _)| {
                *t != u32::MAX && !AttrValue::is_known_type(Pen::from_u24(*v), *t)
            })
            .prop_map(|(v, t, d)| Gen::Unknown(v, t, d)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_attribute_round_trips(flags in any::<u8>(), g in gen_attr()) {
        with_attr(flags, &g, |a| {
            let wire = a.to_vec().unwrap();
            prop_assert_eq!(wire.len(), a.encoded_len());
            let d = Attribute::decode(&wire, 0).unwrap();
            prop_assert_eq!(d, a);                       // decode(encode(x)) == x
            prop_assert_eq!(d.to_vec().unwrap(), wire);  // encode(decode(b)) == b
            Ok(())
        })?;
    }

    #[test]
    fn whole_messages_round_trip(id in any::<u32>(), attrs in prop::collection::vec((any::<u8>(), gen_attr()), 0..8)) {
        let mut wire = vec![1, 0, 0, 0];
        wire.extend_from_slice(&id.to_be_bytes());
        for (flags, g) in &attrs {
            with_attr(*flags & 0x7f, g, |a| wire.extend_from_slice(&a.to_vec().unwrap()));
        }
        // unknown attributes carry NOSKIP clear, so the receiver accepts the message
        let Received::Accept(ok) = receive(&wire, &[]) else { panic!("{:?}", receive(&wire, &[])) };
        prop_assert_eq!(ok.message().message_id(), id);
        let raws: Vec<_> = ok.message().attributes().map(|r| r.unwrap()).collect();
        prop_assert_eq!(raws.len(), attrs.len());
        let mut typed = Vec::new();
        for ((flags, g), raw) in attrs.iter().zip(&raws) {
            let t = raw.typed().unwrap();
            with_attr(*flags & 0x7f, g, |a| {
                prop_assert_eq!(t, a);
                Ok(())
            })?;
            typed.push(t);
        }
        prop_assert_eq!(&encode_message(id, &typed).unwrap()[..], &wire[..]);
        // what the receiver acts on: exactly the known types, in order
        let acted: Vec<_> = ok.iter().collect();
        let known: Vec<_> = typed.iter().copied().filter(|a| !matches!(a.value, AttrValue::Unknown { .. })).collect();
        prop_assert_eq!(acted, known);
    }

    /// Arbitrary bytes: receive never panics, and accepted messages re-encode
    /// to the same bytes attribute by attribute.
    #[test]
    fn arbitrary_bytes_never_panic(mut bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if bytes.len() >= 8 { bytes[0] = 1; }
        if let Received::Accept(ok) = receive(&bytes, &[]) {
            for raw in ok.message().attributes() {
                let raw = raw.unwrap();
                let mut v = Vec::new();
                raw.encode(&mut tnc_wire::Writer::new(&mut v)).unwrap();
                prop_assert_eq!(&v[..], &bytes[raw.offset..raw.offset + raw.length()]);
            }
            for a in ok.iter() {
                let v = a.to_vec().unwrap();
                let again = Attribute::decode(&v, 0).unwrap();
                prop_assert_eq!(again, a);
            }
        }
    }
}
