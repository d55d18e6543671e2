//! TCG IF-M segmentation: Segmenter/Reassembler round trips and the contract
//! limits a peer cannot get around.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use tnc_ifm::segmentation::*;
use tnc_ifm::{AttrValue, Attribute, Error, ErrorInformation, Pen};

fn base(len: usize, flags: u8) -> Vec<u8> {
    let value: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let mut a = Attribute::new(AttrValue::Unknown {
        vendor: Pen::ITA,
        attr_type: 1,
        value: &value,
    });
    a.flags = flags;
    a.to_vec().unwrap()
}

fn envelope(bytes: &[u8]) -> SegmentEnvelope<'_> {
    match Attribute::decode(bytes, 0).unwrap().value {
        AttrValue::SegmentEnvelope(e) => e,
        v => panic!("{v:?}"),
    }
}

/// Runs a full transfer; returns the reassembled bytes and the envelope count.
fn transfer(contract: Contract, attr: Vec<u8>) -> (Vec<u8>, usize) {
    let mut tx = Segmenter::new(contract);
    let mut rx = Reassembler::new(contract);
    let (_, mut env) = tx.start(attr).unwrap();
    let mut n = 1;
    loop {
        assert!(env.len() <= 12 + 4 + contract.max_segment_size as usize);
        match rx.receive(&envelope(&env)).unwrap() {
            Reassembled::NeedMore(next) => {
                env = tx.next(&next).unwrap().unwrap();
                n += 1;
            }
            Reassembled::Complete(done) => {
                assert_eq!(tx.in_progress(), 0);
                assert_eq!(rx.in_progress(), 0);
                return (done.bytes, n);
            }
        }
    }
}

#[test]
fn a_64_kib_attribute_round_trips() {
    let attr = base(64 * 1024, 0x80);
    let contract = Contract {
        max_message_size: 1 << 20,
        max_segment_size: 4000,
    };
    let (got, n) = transfer(contract, attr.clone());
    assert_eq!(got, attr);
    assert_eq!(n, (attr.len()).div_ceil(4000));
}

proptest! {
    #[test]
    fn any_size_round_trips(len in 0usize..3000, seg in 12u32..600) {
        let attr = base(len, 0);
        let contract = Contract { max_message_size: 1 << 16, max_segment_size: seg };
        if attr.len() <= seg as usize {
            let mut tx = Segmenter::new(contract);
            prop_assert!(
                matches!(tx.start(attr).unwrap_err(), Error::NotSegmentable { .. }),
                "an attribute that fits one segment is not segmented"
            );
        } else {
            let (got, n) = transfer(contract, attr.clone());
            prop_assert_eq!(got, attr.clone());
            prop_assert_eq!(n, attr.len().div_ceil(seg as usize));
        }
    }

    /// Whatever envelopes a peer sends, the reassembler never buffers more than
    /// max_transfers × the contract's maximum attribute size, and never panics.
    #[test]
    fn a_peer_cannot_exceed_the_contract(ops in prop::collection::vec(
        (any::<bool>(), any::<bool>(), 0u32..6, prop::collection::vec(any::<u8>(), 0..80), any::<u32>()), 0..200)
    ) {
        let contract = Contract { max_message_size: 8 + 200, max_segment_size: 64 };
        let mut rx = Reassembler::with_max_transfers(contract, 3);
        for (more, start, id, mut seg, len) in ops {
            if start && seg.len() >= 12 {
                // plausible header with an arbitrary claimed length
                seg[0] = 0;
                seg[1..4].copy_from_slice(&[0, 0x90, 0x2a]);
                seg[4..8].copy_from_slice(&[0, 0, 0, 1]);
                seg[8..12].copy_from_slice(&(len % 400).to_be_bytes());
            }
            let env = SegmentEnvelope { more, start, base_message_id: id, segment: &seg };
            let before = rx.buffered();
            let res = rx.receive(&env);
            prop_assert!(rx.buffered() <= 3 * 200, "{}", rx.buffered());
            prop_assert!(rx.in_progress() <= 3);
            if seg.len() > 64 {
                let too_large = matches!(res, Err(Error::SegmentTooLarge { .. }));
                prop_assert!(too_large, "{:?}", res);
                prop_assert!(rx.buffered() <= before);
            }
            if let Ok(Reassembled::Complete(done)) = res {
                prop_assert!(done.bytes.len() <= 200);
            }
        }
    }
}

#[test]
fn oversized_segment_is_rejected_and_the_transfer_dropped() {
    let contract = Contract {
        max_message_size: 1000,
        max_segment_size: 24,
    };
    let mut rx = Reassembler::new(contract);
    let attr = base(100, 0);
    let first = SegmentEnvelope {
        more: true,
        start: true,
        base_message_id: 5,
        segment: &attr[..24],
    };
    assert!(matches!(rx.receive(&first), Ok(Reassembled::NeedMore(_))));
    let big = SegmentEnvelope {
        more: true,
        start: false,
        base_message_id: 5,
        segment: &attr[24..49],
    };
    assert!(matches!(
        rx.receive(&big),
        Err(Error::SegmentTooLarge {
            len: 25,
            max: 24,
            ..
        })
    ));
    assert_eq!(rx.in_progress(), 0);
    assert_eq!(rx.buffered(), 0);
}

#[test]
fn base_attribute_larger_than_max_message_size() {
    let contract = Contract {
        max_message_size: 100,
        max_segment_size: 24,
    };
    let mut rx = Reassembler::new(contract);
    let attr = base(81, 0); // 93 + 8 > 100
    let env = SegmentEnvelope {
        more: true,
        start: true,
        base_message_id: 7,
        segment: &attr[..24],
    };
    let err = rx.receive(&env).unwrap_err();
    assert!(
        matches!(err, Error::AttributeTooLarge { len: 93, .. }),
        "{err:?}"
    );
    let pe = err.to_pa_tnc_error().unwrap();
    assert_eq!(
        pe.info,
        ErrorInformation::InvalidParameter {
            message_header: [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 7],
            offset: 8
        }
    );
    // and the segmenter refuses to send it in the first place
    let mut tx = Segmenter::new(contract);
    assert!(matches!(
        tx.start(attr).unwrap_err(),
        Error::AttributeTooLarge { .. }
    ));
    // exactly at the limit is fine
    let (got, _) = transfer(contract, base(80, 0));
    assert_eq!(got.len(), 92);
}

#[test]
fn incomplete_at_last_segment_is_invalid_parameter_at_offset_8() {
    let contract = Contract {
        max_message_size: 1000,
        max_segment_size: 24,
    };
    let mut rx = Reassembler::new(contract);
    let attr = base(100, 0);
    rx.receive(&SegmentEnvelope {
        more: true,
        start: true,
        base_message_id: 1,
        segment: &attr[..24],
    })
    .unwrap();
    let err = rx
        .receive(&SegmentEnvelope {
            more: false,
            start: false,
            base_message_id: 1,
            segment: &attr[24..48],
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Incomplete {
                received: 48,
                expected: 112,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_pa_tnc_error().unwrap().offset(), Some(8));
    assert_eq!(rx.in_progress(), 0);
    // a lone first segment with M = 0 that is short is incomplete too
    let err = rx
        .receive(&SegmentEnvelope {
            more: false,
            start: true,
            base_message_id: 2,
            segment: &attr[..24],
        })
        .unwrap_err();
    assert!(matches!(err, Error::Incomplete { .. }));
}

#[test]
fn overrun_is_rejected() {
    let contract = Contract {
        max_message_size: 1000,
        max_segment_size: 24,
    };
    let mut rx = Reassembler::new(contract);
    let attr = base(20, 0); // 32 octets
    rx.receive(&SegmentEnvelope {
        more: true,
        start: true,
        base_message_id: 3,
        segment: &attr[..24],
    })
    .unwrap();
    let err = rx
        .receive(&SegmentEnvelope {
            more: false,
            start: false,
            base_message_id: 3,
            segment: &[0; 9],
        })
        .unwrap_err();
    assert!(matches!(err, Error::Overrun { expected: 32, .. }));
    assert_eq!(rx.buffered(), 0);
}

#[test]
fn duplicate_unknown_and_too_many_transfers() {
    let contract = Contract {
        max_message_size: 1000,
        max_segment_size: 24,
    };
    let mut rx = Reassembler::with_max_transfers(contract, 2);
    let attr = base(100, 0);
    let first = |id| SegmentEnvelope {
        more: true,
        start: true,
        base_message_id: id,
        segment: &attr[..24],
    };
    rx.receive(&first(1)).unwrap();
    assert!(matches!(
        rx.receive(&first(1)),
        Err(Error::DuplicateBaseMessageId { base_message_id: 1 })
    ));
    rx.receive(&first(2)).unwrap();
    assert!(matches!(
        rx.receive(&first(3)),
        Err(Error::TooManyTransfers { max: 2 })
    ));
    let cont = SegmentEnvelope {
        more: true,
        start: false,
        base_message_id: 99,
        segment: &[1],
    };
    assert!(matches!(
        rx.receive(&cont),
        Err(Error::UnknownBaseMessageId {
            base_message_id: 99
        })
    ));
    assert_eq!(rx.in_progress(), 2);
    // cancelling frees the slot and yields the Next Segment with C set
    let ns = rx.cancel(1).unwrap();
    assert!(ns.cancel);
    assert_eq!(Attribute::new(ns).to_vec().unwrap()[12], 0x81);
    assert_eq!(rx.in_progress(), 1);
    rx.receive(&first(3)).unwrap();
}

#[test]
fn invalid_base_headers_have_exact_offsets() {
    let contract = Contract {
        max_message_size: 1000,
        max_segment_size: 24,
    };
    let cases: [(&[u8], usize); 4] = [
        (&[0, 0, 0x90, 0x2a, 0, 0, 0, 1, 0, 0, 0, 11], 8),
        (&[0, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 40], 1),
        (&[0, 0, 0x90, 0x2a, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 40], 4),
        (&[0, 0, 0x90, 0x2a, 0, 0, 0], 0),
    ];
    for (seg, off) in cases {
        let mut rx = Reassembler::new(contract);
        let err = rx
            .receive(&SegmentEnvelope {
                more: true,
                start: true,
                base_message_id: 0xabcdef,
                segment: seg,
            })
            .unwrap_err();
        let pe = err.to_pa_tnc_error().unwrap();
        assert_eq!(
            pe.info,
            ErrorInformation::InvalidParameter {
                message_header: [0xff, 0xff, 0xff, 0xff, 0, 0xab, 0xcd, 0xef],
                offset: off as u32
            },
            "{seg:?}"
        );
    }
}

#[test]
fn reassembled_attribute_gets_the_receiver_rules() {
    let contract = Contract {
        max_message_size: 1000,
        max_segment_size: 24,
    };
    // unknown type with NOSKIP: Attribute Type Not Supported with the pseudo header
    let (bytes, _) = transfer(contract, base(50, 0x80));
    let done = ReassembledAttribute {
        base_message_id: 4,
        bytes,
    };
    let e = done.process(&[]).unwrap_err();
    assert_eq!(
        e.info,
        ErrorInformation::AttributeTypeNotSupported {
            message_header: [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4],
            flags: 0x80,
            vendor: Pen::ITA,
            attr_type: 1
        }
    );
    // declared known: accepted raw
    assert!(done.process(&[(Pen::ITA, 1)]).unwrap().is_some());
    // without NOSKIP: skipped
    let (bytes, _) = transfer(contract, base(50, 0));
    let done = ReassembledAttribute {
        base_message_id: 4,
        bytes,
    };
    assert!(done.process(&[]).unwrap().is_none());
}

#[test]
fn segmenter_refusals_and_cancel() {
    let attr = base(100, 0);
    assert!(matches!(
        Segmenter::new(Contract::NULL).start(attr.clone()),
        Err(Error::NotSegmentable { .. })
    ));
    assert!(matches!(
        Segmenter::new(Contract {
            max_message_size: 1000,
            max_segment_size: 11
        })
        .start(attr.clone()),
        Err(Error::NotSegmentable { .. })
    ));
    // not a well-formed attribute
    assert!(matches!(
        Segmenter::new(Contract {
            max_message_size: 1000,
            max_segment_size: 24
        })
        .start(attr[..50].to_vec()),
        Err(Error::Decode(_))
    ));
    let mut tx = Segmenter::new(Contract {
        max_message_size: 1000,
        max_segment_size: 24,
    });
    let (id, _) = tx.start(attr.clone()).unwrap();
    let (id2, _) = tx.start(attr).unwrap();
    assert_ne!(id, id2);
    assert_eq!(
        tx.next(&NextSegment {
            cancel: true,
            base_message_id: id
        })
        .unwrap(),
        None
    );
    assert!(matches!(
        tx.next(&NextSegment {
            cancel: false,
            base_message_id: id
        }),
        Err(Error::UnknownBaseMessageId { .. })
    ));
    assert_eq!(
        tx.cancel(id2),
        Some(Cancel {
            base_message_id: id2
        })
    );
    assert_eq!(tx.in_progress(), 0);
    // both cancel bit conventions are recognised on receipt
    for flags in [0x80u8, 0x01] {
        let wire = [0, 0, 0x55, 0x97, 0, 0, 0, 0x24, 0, 0, 0, 16, flags, 0, 0, 9];
        assert_eq!(
            Attribute::decode(&wire, 0).unwrap().value,
            AttrValue::NextSegment(NextSegment {
                cancel: true,
                base_message_id: 9
            })
        );
    }
}

#[test]
fn segment_size_respects_the_message_limit() {
    // strongSwan's derivation: max_msg − 8 − 12 − 4
    assert_eq!(Contract::segment_size_for_message_limit(65490), 65466);
    let tx = Segmenter::new(Contract {
        max_message_size: 100,
        max_segment_size: 1000,
    });
    assert_eq!(tx.segment_size(), 76);
}
