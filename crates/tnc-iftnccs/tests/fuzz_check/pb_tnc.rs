// The checks of the `pb_tnc` fuzz target. This file is `include!`d by both
// `fuzz/fuzz_targets/pb_tnc.rs` and the plain test `tests/fuzz_corpus.rs`, so the corpus is
// replayed in `cargo test` through exactly the same checks.
//
// 1. batch decode never panics; a decodable batch re-encodes to a batch that decodes to the
//    same messages, and every error maps to a fatal PB-Error whose offset lies in the input;
// 2. the input as one batch, and as a sequence of batches framed by their length fields, is
//    fed to a server session, a client session and a TNCS broker with an IMV subscribed to
//    everything: none panics, every refusal is a CLOSE batch with exactly the PB-Error of the
//    refusal, and after End nothing but CLOSE is ever produced.

#[allow(unused_imports)]
use std::sync::Arc;

/// A verifier that takes every message and decides at once.
struct FuzzImv;

#[tnc_imv_api::async_trait]
impl tnc_imv_api::Imv for FuzzImv {
    fn name(&self) -> &str {
        "fuzz"
    }
    fn message_types(&self) -> Vec<tnc_imv_api::MessageTypeFilter> {
        vec![tnc_imv_api::MessageTypeFilter::ALL]
    }
    async fn receive_message(
        &self,
        ctx: &mut tnc_imv_api::ImvContext,
        m: tnc_imv_api::ReceivedMessage<'_>,
    ) -> Result<(), tnc_imv_api::ApiError> {
        // echo (bounded) so that SDATA batches get built too
        let n = m.body.len().min(64);
        ctx.send_exclusive(m.message_type, m.body[..n].to_vec(), m.source)
    }
    async fn solicit_recommendation(
        &self,
        ctx: &mut tnc_imv_api::ImvContext,
    ) -> Result<(), tnc_imv_api::ApiError> {
        ctx.provide_recommendation(
            tnc_imv_api::ActionRecommendation::ALLOW,
            tnc_imv_api::EvaluationResult::COMPLIANT,
        );
        Ok(())
    }
}

fn fuzz_block_on<F: std::future::Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn check_batch_codec(data: &[u8]) {
    use tnc_iftnccs::{Batch, Message, encode_batch};
    let Ok(batch) = Batch::decode(data) else {
        return;
    };
    let mut msgs = Vec::new();
    for m in batch.messages() {
        match m {
            Ok(m) => msgs.push(m),
            Err(e) => {
                let pe = e.pb_error().expect("decode errors map to PB-Errors");
                assert!(pe.fatal);
                if let Some(off) = pe.offset() {
                    assert!(
                        (off as usize) < data.len(),
                        "offset {off} outside {}",
                        data.len()
                    );
                }
                return;
            }
        }
    }
    let wire = encode_batch(batch.sender, batch.batch_type, &msgs).expect("re-encode");
    let again = Batch::decode(&wire).expect("re-decode");
    assert_eq!(
        (again.sender, again.batch_type),
        (batch.sender, batch.batch_type)
    );
    let back: Vec<Message<'_>> = again
        .messages()
        .map(|m| m.expect("re-decoded message"))
        .collect();
    assert_eq!(back.len(), msgs.len());
    for (a, b) in back.iter().zip(&msgs) {
        match (a, b) {
            (Message::Unknown(x), Message::Unknown(y)) => {
                assert_eq!(
                    (x.flags, x.vendor, x.message_type, x.value),
                    (y.flags, y.vendor, y.message_type, y.value)
                )
            }
            _ => assert_eq!(a, b),
        }
    }
}

/// Splits `data` into batches by their length fields (the last one takes the rest).
fn frames(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && out.len() < 16 {
        let n = tnc_iftnccs::Batch::peek_length(rest)
            .map(|n| n as usize)
            .filter(|&n| n >= 8 && n <= rest.len())
            .unwrap_or(rest.len());
        out.push(&rest[..n]);
        rest = &rest[n..];
    }
    out
}

fn check_session(role: tnc_iftnccs::Role, batches: &[&[u8]]) {
    use tnc_iftnccs::{Batch, BatchType, Message, Session, State};
    let limits = tnc_iftnccs::Limits {
        max_batch_size: 4096,
        max_message_size: 1024,
        max_round_trips: 8,
        ..Default::default()
    };
    let mut s = Session::new(role, limits);
    let now = std::time::Instant::now();
    for b in batches {
        let was_end = s.state() == State::End;
        let res = s.receive_batch(b, now);
        let out: Vec<Vec<u8>> = std::iter::from_fn(|| s.poll_batch()).collect();
        while s.poll_event().is_some() {}
        if was_end {
            assert!(out.is_empty(), "nothing is sent after End");
            continue;
        }
        if let Err(e) = res {
            assert_eq!(s.state(), State::End);
            assert_eq!(out.len(), 1);
            let close = Batch::decode_checked(&out[0], Some(role)).expect("own CLOSE decodes");
            assert_eq!(close.batch_type, BatchType::CLOSE);
            let msgs: Vec<_> = close.messages().map(|m| m.expect("own message")).collect();
            match e.pb_error() {
                Some(pe) => assert_eq!(msgs, vec![Message::Error(pe)]),
                None => assert!(msgs.is_empty()),
            }
        } else {
            // accepted: only a peer's fatal error makes us answer (an empty CLOSE)
            for o in &out {
                assert_eq!(o.len(), 8);
            }
        }
        if s.state() != State::End {
            // answer with an empty batch when it is our turn, to walk the state machine
            for bt in [BatchType::CDATA, BatchType::SDATA, BatchType::RESULT] {
                if s.can_send(bt) && bt != BatchType::RESULT {
                    s.send_batch(bt, now).expect("legal send");
                    let _ = s.poll_batch();
                    break;
                }
            }
        }
    }
}

fn check_broker(batches: &[&[u8]]) {
    let mut set = tnc_iftnccs::ImvSet::new();
    set.add(Arc::new(FuzzImv));
    let limits = tnc_iftnccs::Limits {
        max_batch_size: 4096,
        max_message_size: 1024,
        max_round_trips: 8,
        ..Default::default()
    };
    let mut tncs = tnc_iftnccs::Tncs::new(
        Arc::new(set),
        tnc_imc_api::ConnectionId(1),
        tnc_imc_api::ConnectionAttributes::default(),
        tnc_iftnccs::TncsConfig {
            limits,
            ..Default::default()
        },
    );
    let now = std::time::Instant::now();
    for b in batches {
        let step = fuzz_block_on(tncs.receive(b, now));
        if let Some(out) = step.batch {
            let batch = tnc_iftnccs::Batch::decode_checked(&out, Some(tnc_iftnccs::Role::Server))
                .expect("the server's own batch decodes");
            batch.validate().expect("the server's own messages decode");
            assert!(out.len() <= 4096);
        }
    }
}

/// The whole check.
pub fn check(data: &[u8]) {
    check_batch_codec(data);
    let batches = frames(data);
    for role in [tnc_iftnccs::Role::Server, tnc_iftnccs::Role::Client] {
        check_session(role, &[data]);
        check_session(role, &batches);
    }
    check_broker(&batches);
}
