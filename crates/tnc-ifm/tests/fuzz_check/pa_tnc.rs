// The checks of the `pa_tnc` fuzz target. This file is `include!`d by both
// `fuzz/fuzz_targets/pa_tnc.rs` (cargo-fuzz) and `tests/fuzz_corpus.rs` (which
// replays the committed corpus under plain `cargo test`), so CI runs exactly
// what the fuzzer checks.

/// Decoding never panics; every attribute header that parses re-encodes to the
/// same octets; decode → encode → decode is stable; a rejection's reply is a
/// well-formed PA-TNC message; segment envelopes found in the input never make a
/// reassembler exceed its contract.
pub fn check(data: &[u8]) {
    use tnc_ifm::segmentation::{Contract, Reassembler};
    use tnc_ifm::{AttrValue, PaMessage, Received, encode_message, receive};

    // raw attribute layer: byte-identical re-encoding of every parsed TLV
    if let Ok(m) = PaMessage::decode(data) {
        for raw in m.attributes() {
            let Ok(raw) = raw else { break };
            let mut v = Vec::new();
            raw.encode(&mut tnc_wire::Writer::new(&mut v))
                .expect("a parsed raw attribute re-encodes");
            assert_eq!(&v[..], &data[raw.offset..raw.offset + raw.length()]);
        }
    }

    match receive(data, &[]) {
        Received::NotPaTnc(_) => assert!(data.len() < 8),
        Received::Reject(rej) => {
            if let Some(off) = rej.offset() {
                assert!((off as usize) <= data.len(), "offset {off} beyond input");
            }
            let reply = rej.to_message(7).expect("a rejection encodes");
            // the reply itself is valid and carries exactly that error
            let Received::Accept(ok) = receive(&reply, &[]) else {
                panic!("the PA-TNC Error reply must be accepted")
            };
            let got: Vec<_> = ok.iter().collect();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].value, AttrValue::PaTncError(rej.error));
        }
        Received::Accept(ok) => {
            let id = ok.message().message_id();
            let attrs: Vec<_> = ok.iter().collect();
            let enc = encode_message(id, &attrs).expect("accepted attributes encode");
            let Received::Accept(ok2) = receive(&enc, &[]) else {
                panic!("re-encoded message must be accepted")
            };
            let attrs2: Vec<_> = ok2.iter().collect();
            assert_eq!(
                attrs, attrs2,
                "decode -> encode -> decode changed the attributes"
            );
            let enc2 = encode_message(id, &attrs2).expect("encodes again");
            assert_eq!(enc, enc2, "encoding is not stable");

            let contract = Contract {
                max_message_size: 8 + 256,
                max_segment_size: 32,
            };
            let mut rx = Reassembler::with_max_transfers(contract, 2);
            for a in &attrs {
                if let AttrValue::SegmentEnvelope(env) = a.value {
                    let _ = rx.receive(&env);
                    assert!(rx.buffered() <= 2 * 256);
                    assert!(rx.in_progress() <= 2);
                }
            }
        }
    }
}
