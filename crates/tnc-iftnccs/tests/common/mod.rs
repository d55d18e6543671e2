//! Test plug-ins and an in-memory TNCC↔TNCS driver with simulated time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskCx, Poll, Waker};
use std::time::Instant;

use tnc_iftnccs::{Outcome, Role, Step, Tncc, Tncs};
use tnc_imc_api::{
    ApiError, ConnectionState, Imc, ImcContext, MessageType, MessageTypeFilter, ReceivedMessage,
    RetryReason, async_trait,
};
use tnc_imv_api::{ActionRecommendation, EvaluationResult, Imv, ImvContext, Remediation};

/// Polls a future that must complete without waiting (every test plug-in is immediate).
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = TaskCx::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future did not complete");
}

/// A shared call log.
pub type Log = Arc<Mutex<Vec<String>>>;

pub fn log_contains(log: &Log, s: &str) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|l| l.as_str() == s)
        .count()
}

/// A collector: sends "hello" at handshake start, answers "req N" with "data N" exclusively to
/// the asking IMV; can be made to hang forever on receive.
pub struct TestImc {
    pub name: String,
    pub ty: MessageType,
    pub log: Log,
    pub hang_on_receive: bool,
    pub retry_after_result: AtomicBool,
}

impl TestImc {
    pub fn new(name: &str, ty: MessageType, log: &Log) -> Self {
        Self {
            name: name.into(),
            ty,
            log: log.clone(),
            hang_on_receive: false,
            retry_after_result: AtomicBool::new(false),
        }
    }
    fn log(&self, s: String) {
        self.log.lock().unwrap().push(format!("{}: {s}", self.name));
    }
}

#[async_trait]
impl Imc for TestImc {
    fn name(&self) -> &str {
        &self.name
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(self.ty)]
    }
    async fn notify_connection_change(
        &self,
        ctx: &mut ImcContext,
        state: ConnectionState,
    ) -> Result<(), ApiError> {
        self.log(format!("state {state:?}"));
        let decided = [
            ConnectionState::ACCESS_ALLOWED,
            ConnectionState::ACCESS_ISOLATED,
            ConnectionState::ACCESS_NONE,
        ];
        if decided.contains(&state) && self.retry_after_result.swap(false, Ordering::SeqCst) {
            ctx.request_handshake_retry(RetryReason::IMC_REMEDIATION_COMPLETE);
        }
        Ok(())
    }
    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        self.log("begin".into());
        ctx.send(self.ty, b"hello".to_vec())
    }
    async fn receive_message(
        &self,
        ctx: &mut ImcContext,
        msg: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        self.log(format!(
            "recv {} excl={} from={} {}",
            msg.message_type,
            msg.exclusive,
            msg.source.0,
            String::from_utf8_lossy(msg.body)
        ));
        if self.hang_on_receive {
            std::future::pending::<()>().await;
        }
        let body = String::from_utf8_lossy(msg.body).replace("req", "data");
        ctx.send_exclusive(self.ty, body.into_bytes(), msg.source)
    }
    async fn batch_ending(&self, _ctx: &mut ImcContext) -> Result<(), ApiError> {
        self.log("batch_ending".into());
        Ok(())
    }
}

/// A verifier: asks for `rounds − 1` further measurements, then gives its verdict.
pub struct TestImv {
    pub name: String,
    pub ty: MessageType,
    pub log: Log,
    pub rounds: u32,
    pub verdict: (ActionRecommendation, EvaluationResult),
    pub reasons: Vec<(&'static str, &'static str)>,
    pub remediation: Option<Remediation>,
    pub retry_once: AtomicBool,
    pub solicited_verdict: (ActionRecommendation, EvaluationResult),
    pub silent: bool,
    count: Mutex<HashMap<u32, u32>>,
}

impl TestImv {
    pub fn new(name: &str, ty: MessageType, log: &Log, rounds: u32) -> Self {
        Self {
            name: name.into(),
            ty,
            log: log.clone(),
            rounds,
            verdict: (ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT),
            reasons: Vec::new(),
            remediation: None,
            retry_once: AtomicBool::new(false),
            solicited_verdict: (
                ActionRecommendation::NO_RECOMMENDATION,
                EvaluationResult::DONT_KNOW,
            ),
            silent: false,
            count: Mutex::new(HashMap::new()),
        }
    }
    fn log(&self, s: String) {
        self.log.lock().unwrap().push(format!("{}: {s}", self.name));
    }
}

#[async_trait]
impl Imv for TestImv {
    fn name(&self) -> &str {
        &self.name
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(self.ty)]
    }
    async fn notify_connection_change(
        &self,
        ctx: &mut ImvContext,
        state: ConnectionState,
    ) -> Result<(), ApiError> {
        self.log(format!("state {state:?}"));
        if state == ConnectionState::HANDSHAKE {
            self.count.lock().unwrap().insert(ctx.connection().0, 0);
            let a = ctx.attributes();
            self.log(format!(
                "attrs binding={:?} peer={:?} max_msg={} max_rt={}",
                a.channel_binding.as_ref().map(|b| (b.kind, b.data.len())),
                a.peer_identity.as_ref().map(|p| p.subject.as_str()),
                a.max_message_size,
                a.max_round_trips
            ));
        }
        Ok(())
    }
    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        msg: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        self.log(format!(
            "recv {} excl={} from={} {}",
            msg.message_type,
            msg.exclusive,
            msg.source.0,
            String::from_utf8_lossy(msg.body)
        ));
        if self.silent {
            return Ok(());
        }
        if self.retry_once.swap(false, Ordering::SeqCst) {
            ctx.request_handshake_retry(RetryReason::IMV_MINOR_POLICY_CHANGE);
            return Ok(());
        }
        let n = {
            let mut c = self.count.lock().unwrap();
            let n = c.entry(ctx.connection().0).or_insert(0);
            *n += 1;
            *n
        };
        if n < self.rounds {
            ctx.send_exclusive(self.ty, format!("req {n}").into_bytes(), msg.source)?;
        } else {
            ctx.provide_recommendation(self.verdict.0, self.verdict.1);
            for (t, l) in &self.reasons {
                ctx.add_reason(t, l);
            }
            if let Some(r) = &self.remediation {
                ctx.add_remediation(r.clone());
            }
        }
        Ok(())
    }
    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        self.log("solicited".into());
        ctx.provide_recommendation(self.solicited_verdict.0, self.solicited_verdict.1);
        Ok(())
    }
}

/// Result of an in-memory run.
#[derive(Debug)]
pub struct Run {
    pub client: Option<Outcome>,
    pub server: Option<Outcome>,
    /// Every batch in transmission order with its sender.
    pub batches: Vec<(Role, Vec<u8>)>,
}

/// Drives a client and a server until both are finished or nothing is in flight.
pub fn run(tncc: &mut Tncc, tncs: &mut Tncs, now: Instant) -> Run {
    let start = block_on(tncc.start(now));
    continue_run(tncc, tncs, now, start)
}

/// Continues a run from a client step.
pub fn continue_run(tncc: &mut Tncc, tncs: &mut Tncs, now: Instant, start: Step) -> Run {
    let mut r = Run {
        client: start.outcome.clone(),
        server: None,
        batches: Vec::new(),
    };
    let mut to_server = start.batch;
    let mut to_client: Option<Vec<u8>> = None;
    for _ in 0..200 {
        if let Some(b) = to_server.take() {
            r.batches.push((Role::Client, b.clone()));
            let s = block_on(tncs.receive(&b, now));
            to_client = s.batch;
            if s.outcome.is_some() {
                r.server = s.outcome;
            }
        }
        if let Some(b) = to_client.take() {
            r.batches.push((Role::Server, b.clone()));
            let s = block_on(tncc.receive(&b, now));
            to_server = s.batch;
            if s.outcome.is_some() {
                r.client = s.outcome;
            }
        }
        if to_server.is_none() && to_client.is_none() {
            return r;
        }
    }
    panic!("no end after 200 exchanges");
}

/// The batch type of a batch.
pub fn batch_type(b: &[u8]) -> u8 {
    b[3] & 0x0F
}
