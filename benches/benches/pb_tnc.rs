//! PB-TNC benchmarks: decode + encode of the shared CDATA fixture (5 PB-PA of 2 KiB), and full
//! in-memory TNCC↔TNCS assessments (2 round trips, 2 IMC/IMV pairs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tnc_benches::BATCH;
use tnc_iftnccs::{
    Batch, BatchWriter, ImcSet, ImvSet, Message, Tncc, TnccConfig, Tncs, TncsConfig,
};
use tnc_imc_api::{
    ApiError, ConnectionAttributes, ConnectionId, Imc, ImcContext, MessageType, MessageTypeFilter,
    Pen, ReceivedMessage, async_trait,
};
use tnc_imv_api::{ActionRecommendation, EvaluationResult, Imv, ImvContext};

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

fn codec(c: &mut Criterion) {
    let mut g = c.benchmark_group("pb_tnc_batch");
    g.throughput(Throughput::Bytes(BATCH.len() as u64));
    let mut msgs: Vec<Message<'static>> = Vec::with_capacity(8);
    let mut buf = Vec::with_capacity(BATCH.len());
    g.bench_function("decode", |b| {
        b.iter(|| {
            let batch = Batch::decode(black_box(BATCH)).unwrap();
            let mut n = 0usize;
            for m in batch.messages() {
                if let Message::Pa(pa) = m.unwrap() {
                    n += pa.body.len() + usize::from(pa.collector);
                }
            }
            black_box(n)
        })
    });
    let batch = Batch::decode(BATCH).unwrap();
    msgs.extend(batch.messages().map(Result::unwrap));
    g.bench_function("encode", |b| {
        b.iter(|| {
            let mut w =
                BatchWriter::with_buffer(std::mem::take(&mut buf), batch.sender, batch.batch_type);
            for m in black_box(&msgs) {
                w.push(m).unwrap();
            }
            buf = w.finish().unwrap();
            black_box(buf.len())
        })
    });
    // independent of which benchmarks a filter selected: the encoder reproduces strongSwan's bytes
    assert_eq!(
        tnc_iftnccs::encode_batch(batch.sender, batch.batch_type, &msgs).unwrap(),
        BATCH
    );
    g.bench_function("decode_encode", |b| {
        b.iter(|| {
            let batch = Batch::decode(black_box(BATCH)).unwrap();
            let mut w =
                BatchWriter::with_buffer(std::mem::take(&mut buf), batch.sender, batch.batch_type);
            for m in batch.messages() {
                w.push(&m.unwrap()).unwrap();
            }
            buf = w.finish().unwrap();
            black_box(buf.len())
        })
    });
    g.finish();
}

/// Sends "hello" at handshake start and answers "req" with "data".
struct BenchImc(MessageType);

#[async_trait]
impl Imc for BenchImc {
    fn name(&self) -> &str {
        "bench"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(self.0)]
    }
    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        ctx.send(self.0, &b"hello"[..])
    }
    async fn receive_message(
        &self,
        ctx: &mut ImcContext,
        m: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        ctx.send_exclusive(self.0, &b"data"[..], m.source)
    }
}

/// Asks once ("req"), then allows.
struct BenchImv(MessageType);

#[async_trait]
impl Imv for BenchImv {
    fn name(&self) -> &str {
        "bench"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(self.0)]
    }
    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        m: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        if m.body == b"hello" {
            ctx.send_exclusive(self.0, &b"req"[..], m.source)
        } else {
            ctx.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
            Ok(())
        }
    }
    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        ctx.provide_recommendation(
            ActionRecommendation::NO_RECOMMENDATION,
            EvaluationResult::DONT_KNOW,
        );
        Ok(())
    }
}

/// One full assessment; returns the number of batches exchanged.
fn assessment(imcs: &Arc<ImcSet>, imvs: &Arc<ImvSet>, now: Instant) -> usize {
    let mut tncc = Tncc::new(
        imcs.clone(),
        ConnectionId(1),
        ConnectionAttributes::default(),
        TnccConfig::default(),
    );
    let mut tncs = Tncs::new(
        imvs.clone(),
        ConnectionId(1),
        ConnectionAttributes::default(),
        TncsConfig::default(),
    );
    let mut batches = 1;
    let mut to_server = block_on(tncc.start(now)).batch;
    loop {
        let s = block_on(tncs.receive(&to_server.take().unwrap(), now));
        let Some(to_client) = s.batch else {
            assert!(s.outcome.is_some());
            return batches;
        };
        batches += 1;
        let c = block_on(tncc.receive(&to_client, now));
        to_server = c.batch;
        batches += 1;
    }
}

fn assessments(c: &mut Criterion) {
    let types = [
        MessageType::new(Pen::IETF, 1),
        MessageType::new(Pen::ITA, 7),
    ];
    let mut imcs = ImcSet::new();
    let mut imvs = ImvSet::new();
    for t in types {
        imcs.add(Arc::new(BenchImc(t)));
        imvs.add(Arc::new(BenchImv(t)));
    }
    let (imcs, imvs) = (Arc::new(imcs), Arc::new(imvs));
    let now = Instant::now();
    // CDATA, SDATA, CDATA, RESULT, CLOSE: two round trips
    assert_eq!(assessment(&imcs, &imvs, now), 5);
    let mut g = c.benchmark_group("pb_tnc_assessment");
    g.throughput(Throughput::Elements(1));
    g.bench_function("in_memory_2rt_2pairs", |b| {
        b.iter(|| black_box(assessment(&imcs, &imvs, now)))
    });
    g.finish();
}

criterion_group!(benches, codec, assessments);
criterion_main!(benches);
