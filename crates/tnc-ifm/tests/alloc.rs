//! Decoding a well-formed message allocates nothing, and length fields that claim
//! huge sizes allocate nothing either — measured with a counting global allocator.
#![allow(unsafe_code)] // the counting allocator below; nothing else
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use tnc_ifm::segmentation::{Contract, NO_LIMIT, Reassembler, SegmentEnvelope};
use tnc_ifm::{AttrValue, ErrorInformation, Received, receive};

struct Counting;

thread_local! {
    // const-initialised: accessing it never allocates
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every method forwards to the system allocator unchanged, with the same
// layout and pointer; the only addition is bumping thread-local counters, which
// neither allocates nor unwinds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        let _ = BYTES.try_with(|c| c.set(c.get() + layout.size()));
        // SAFETY: same layout as requested from us; the caller upholds alloc's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was returned by `System.alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        let _ = BYTES.try_with(|c| c.set(c.get() + new_size));
        // SAFETY: `ptr`/`layout` come from this allocator, i.e. from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations, bytes) made by `f` on this thread.
fn measure<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    let (c0, b0) = (COUNT.with(Cell::get), BYTES.with(Cell::get));
    let r = f();
    (r, COUNT.with(Cell::get) - c0, BYTES.with(Cell::get) - b0)
}

const REPORT: &[u8] = include_bytes!("../../../benches/data/report.bin");
const VECTORS: [&[u8]; 5] = [
    include_bytes!("vectors/ex1_numeric_version.bin"),
    include_bytes!("vectors/ex2_attribute_request.bin"),
    include_bytes!("vectors/ex3_installed_packages.bin"),
    include_bytes!("vectors/ex4_assessment_result.bin"),
    include_bytes!("vectors/ex5_error_attribute_type_not_supported.bin"),
];

/// Decodes, validates and reads every field of every attribute; returns a
/// checksum so nothing is optimised away.
fn read_everything(msg: &[u8]) -> u64 {
    let Received::Accept(ok) = receive(msg, &[]) else {
        return u64::MAX;
    };
    let mut sum = u64::from(ok.message().message_id());
    for a in ok.iter() {
        sum += u64::from(a.flags) + u64::from(a.attr_type()) + u64::from(a.vendor().get());
        match a.value {
            AttrValue::ProductInformation(p) => {
                sum += p.name.len() as u64 + u64::from(p.product_id)
            }
            AttrValue::NumericVersion(v) => sum += u64::from(v.major + v.minor + v.build),
            AttrValue::StringVersion(v) => {
                sum += (v.version.len() + v.build.len() + v.configuration.len()) as u64
            }
            AttrValue::OperationalStatus(s) => {
                sum += u64::from(s.status.0) + s.last_use.len() as u64
            }
            AttrValue::InstalledPackages(p) => {
                for pkg in p.packages.iter() {
                    sum += (pkg.name.len() + pkg.version.len()) as u64;
                }
            }
            AttrValue::AttributeRequest(r) => {
                for e in r.attributes.iter() {
                    sum += u64::from(e.attr_type);
                }
            }
            AttrValue::AssessmentResult(r) => sum += u64::from(r.result.0),
            AttrValue::PaTncError(e) => {
                if let ErrorInformation::AttributeTypeNotSupported {
                    attr_type,
                    message_header,
                    ..
                } = e.info
                {
                    sum += u64::from(attr_type) + u64::from(message_header[7]);
                }
            }
            AttrValue::FileMeasurement(f) => {
                for file in f.files.iter() {
                    sum += u64::from(file.digest[0]) + file.name.len() as u64;
                }
            }
            _ => sum += 1,
        }
    }
    sum
}

#[test]
fn decoding_well_formed_messages_allocates_nothing() {
    // warm up anything lazily initialised
    black_box(read_everything(REPORT));
    let (sum, count, bytes) = measure(|| read_everything(black_box(REPORT)));
    assert_ne!(sum, u64::MAX, "report must be accepted");
    assert_eq!((count, bytes), (0, 0), "decoding REPORT allocated");
    for v in VECTORS {
        let (sum, count, _) = measure(|| read_everything(black_box(v)));
        assert_ne!(sum, u64::MAX);
        assert_eq!(count, 0);
    }
    // the counter does work: building a Vec is seen
    let (_, count, bytes) = measure(|| black_box(vec![0u8; 100]));
    assert_eq!((count, bytes), (1, 100));
}

#[test]
fn length_fields_claiming_4_gib_allocate_nothing() {
    // attribute length 0xFFFFFFFF
    let mut m = vec![
        1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff,
    ];
    m.extend_from_slice(&[0; 16]);
    let (r, count, _) = measure(|| match receive(black_box(&m), &[]) {
        Received::Reject(rej) => rej.offset(),
        _ => None,
    });
    assert_eq!(r, Some(16));
    assert_eq!(count, 0);

    // File Measurement claiming 2^64-1 files, and Installed Packages 65535
    let mut m = vec![
        1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0x55, 0x97, 0, 0xd0, 0, 0, 0, 0, 0, 24,
    ];
    m.extend_from_slice(&[0xff; 8]);
    m.extend_from_slice(&[0, 1, 0, 0x20]);
    let (r, count, _) = measure(|| matches!(receive(black_box(&m), &[]), Received::Reject(_)));
    assert!(r);
    assert_eq!(count, 0);

    // a first segment announcing a 4 GiB base attribute under a no-limit
    // contract: only the segment that actually arrived is buffered
    let mut rx = Reassembler::new(Contract {
        max_message_size: NO_LIMIT,
        max_segment_size: 1024,
    });
    let seg = [
        0u8, 0, 0x90, 0x2a, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4,
    ];
    let env = SegmentEnvelope {
        more: true,
        start: true,
        base_message_id: 9,
        segment: &seg,
    };
    let (r, _, bytes) = measure(|| rx.receive(&env).is_ok());
    assert!(r);
    assert!(bytes < 4096, "{bytes} bytes allocated for a 4 GiB claim");
    assert_eq!(rx.buffered(), 16);
}
