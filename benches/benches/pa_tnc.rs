//! PA-TNC (tnc-ifm) benchmarks on the strongSwan-produced REPORT fixture, plus a
//! 64 KiB attribute through IF-M segmentation and reassembly.
//!
//! C reference (strongSwan 6.0.6 on this kind of machine, `../shared/bench/README.md`):
//! decode of REPORT ≈ 158 MB/s (17,000 msg/s), encode ≈ 120 MB/s (13,000 msg/s).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tnc_benches::REPORT;
use tnc_ifm::consts::{OperationalResult, OperationalStatusCode};
use tnc_ifm::ietf::{
    InstalledPackages, NumericVersion, OperationalStatus, Package, ProductInformation,
    StringVersion,
};
use tnc_ifm::pts::{FileMeasurement, FileMeasurementEntry};
use tnc_ifm::segmentation::{Contract, Reassembled, Reassembler, Segmenter};
use tnc_ifm::seq::Seq;
use tnc_ifm::{AttrValue, Attribute, ErrorInformation, MessageBuilder, Pen, Received, receive};

/// Decode + validate (receiver rules) + read every field of every attribute.
fn decode_all(msg: &[u8]) -> u64 {
    let Received::Accept(ok) = receive(msg, &[]) else {
        panic!("REPORT must be accepted")
    };
    let mut sum = u64::from(ok.message().message_id());
    for a in ok.iter() {
        sum += u64::from(a.flags) + u64::from(a.attr_type()) + u64::from(a.vendor().get());
        match a.value {
            AttrValue::ProductInformation(p) => {
                sum += p.name.len() as u64 + u64::from(p.product_id)
            }
            AttrValue::NumericVersion(v) => {
                sum += u64::from(v.major)
                    + u64::from(v.minor)
                    + u64::from(v.build)
                    + u64::from(v.service_pack_major)
                    + u64::from(v.service_pack_minor)
            }
            AttrValue::StringVersion(v) => {
                sum += (v.version.len() + v.build.len() + v.configuration.len()) as u64
            }
            AttrValue::OperationalStatus(s) => {
                sum += u64::from(s.status.0) + u64::from(s.result.0) + s.last_use.len() as u64
            }
            AttrValue::InstalledPackages(p) => {
                for pkg in p.packages.iter() {
                    sum += (pkg.name.len() + pkg.version.len()) as u64;
                }
            }
            AttrValue::FileMeasurement(f) => {
                sum += u64::from(f.request_id) + u64::from(f.measurement_len);
                for file in f.files.iter() {
                    sum += u64::from(file.digest[31]) + file.name.len() as u64;
                }
            }
            AttrValue::PaTncError(e) => {
                if let ErrorInformation::Opaque(b) = e.info {
                    sum += b.len() as u64;
                }
            }
            _ => sum += 1,
        }
    }
    sum
}

/// The report's content as an IMC holds it before encoding.
struct Report {
    packages: Vec<(String, String)>,
    files: Vec<([u8; 32], String)>,
}

impl Report {
    fn new() -> Self {
        Report {
            packages: (0..200)
                .map(|i| (format!("pkg-{i:03}"), format!("1.2.{i:03}")))
                .collect(),
            files: (0..100u8)
                .map(|i| {
                    let mut d = [0u8; 32];
                    for (j, b) in d.iter_mut().enumerate() {
                        *b = i.wrapping_mul(32).wrapping_add(j as u8);
                    }
                    (d, format!("/usr/lib/smgw/file-{i:03}.so"))
                })
                .collect(),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let packages: Vec<Package<'_>> = self
            .packages
            .iter()
            .map(|(n, v)| Package {
                name: n,
                version: v,
            })
            .collect();
        let files: Vec<FileMeasurementEntry<'_>> = self
            .files
            .iter()
            .map(|(d, n)| FileMeasurementEntry { digest: d, name: n })
            .collect();
        encode_report(&packages, &files, out);
    }
}

fn encode_report(packages: &[Package<'_>], files: &[FileMeasurementEntry<'_>], out: &mut Vec<u8>) {
    out.clear();
    let mut m = MessageBuilder::new(out, 1);
    m.push(&Attribute::new(ProductInformation {
        vendor: Pen::from_u24(0x002572),
        product_id: 0,
        name: "Debian GNU/Linux",
    }))
    .unwrap();
    m.push(&Attribute::new(NumericVersion {
        major: 12,
        minor: 11,
        ..Default::default()
    }))
    .unwrap();
    m.push(&Attribute::new(StringVersion {
        version: "12.11",
        build: "",
        configuration: "",
    }))
    .unwrap();
    m.push(&Attribute::new(OperationalStatus {
        status: OperationalStatusCode::OPERATIONAL,
        result: OperationalResult::SUCCESSFUL,
        last_use: "2025-01-01T00:00:00Z",
    }))
    .unwrap();
    m.push(&Attribute::new(InstalledPackages {
        packages: Seq::Items(packages),
    }))
    .unwrap();
    m.push(&Attribute::new(FileMeasurement {
        request_id: 1,
        measurement_len: 32,
        files: Seq::Items(files),
    }))
    .unwrap();
    m.finish();
}

fn report(c: &mut Criterion) {
    let mut g = c.benchmark_group("pa_tnc_report");
    g.throughput(Throughput::Bytes(REPORT.len() as u64));

    g.bench_function("decode_validate_read_all", |b| {
        b.iter(|| decode_all(black_box(REPORT)))
    });

    // encode from the IMC's item slices (built once, as an IMC would hold them)
    let rep = Report::new();
    let packages: Vec<Package<'_>> = rep
        .packages
        .iter()
        .map(|(n, v)| Package {
            name: n,
            version: v,
        })
        .collect();
    let files: Vec<FileMeasurementEntry<'_>> = rep
        .files
        .iter()
        .map(|(d, n)| FileMeasurementEntry { digest: d, name: n })
        .collect();
    let mut out = Vec::with_capacity(REPORT.len());
    encode_report(&packages, &files, &mut out);
    assert_eq!(out.len(), REPORT.len());
    g.bench_function("encode", |b| {
        b.iter(|| {
            encode_report(black_box(&packages), black_box(&files), &mut out);
            out.len()
        })
    });

    // encode including building the borrowed item lists from owned strings
    g.bench_function("encode_from_owned", |b| {
        b.iter(|| {
            rep.encode(&mut out);
            out.len()
        })
    });

    // re-encode a decoded message (lazy lists re-parsed while writing)
    let Received::Accept(ok) = receive(REPORT, &[]) else {
        panic!()
    };
    let attrs: Vec<Attribute<'_>> = ok.iter().collect();
    g.bench_function("reencode_decoded", |b| {
        b.iter(|| {
            out.clear();
            let mut m = MessageBuilder::new(&mut out, 1);
            for a in &attrs {
                m.push(black_box(a)).unwrap();
            }
            m.finish()
        })
    });
    assert_eq!(out, REPORT);
    g.finish();
}

fn segmentation(c: &mut Criterion) {
    let value: Vec<u8> = (0..64 * 1024).map(|i| (i % 251) as u8).collect();
    let attr = Attribute::new(AttrValue::Unknown {
        vendor: Pen::ITA,
        attr_type: 1,
        value: &value,
    })
    .to_vec()
    .unwrap();
    let mut g = c.benchmark_group("pa_tnc_segmentation_64k");
    g.throughput(Throughput::Bytes(attr.len() as u64));
    // 4 KiB segments; and strongSwan's PT-EAP-derived 65490 - 24 (two segments)
    for seg in [4096u32, 65466] {
        let contract = Contract {
            max_message_size: 1 << 20,
            max_segment_size: seg,
        };
        g.bench_with_input(BenchmarkId::from_parameter(seg), &seg, |b, _| {
            b.iter(|| {
                let mut tx = Segmenter::new(contract);
                let mut rx = Reassembler::new(contract);
                let (_, mut env) = tx.start(attr.clone()).unwrap();
                loop {
                    let a = Attribute::decode(&env, 0).unwrap();
                    let AttrValue::SegmentEnvelope(e) = a.value else {
                        panic!()
                    };
                    match rx.receive(&e).unwrap() {
                        Reassembled::NeedMore(n) => env = tx.next(&n).unwrap().unwrap(),
                        Reassembled::Complete(done) => break done.bytes.len(),
                    }
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, report, segmentation);
criterion_main!(benches);
