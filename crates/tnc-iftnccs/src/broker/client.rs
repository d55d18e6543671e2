//! The TNC client broker (TNCC).

use std::sync::Arc;
use std::time::Instant;

use tnc_imc_api::{
    ApiError, ConnectionAttributes, ConnectionId, ConnectionState, Context, RetryReason,
};

use super::{Call, Core, Decision, ImcSet, Outcome, Reason, Step, connection_state_for};
use crate::consts::{AccessRecommendation, AssessmentResult, BatchType};
use crate::message::{Message, PbPa};
use crate::session::{Event, Limits, PaMessage, Session};
use crate::state::{Role, State};

use tnc_imc_api::Imc;

/// Configuration of a [`Tncc`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TnccConfig {
    /// Session limits.
    pub limits: Limits,
    /// Languages for PB-Language-Preference (e.g. `de, en;q=0.5`); empty = none sent.
    pub preferred_language: String,
    /// Send CLOSE right after the RESULT (one assessment per connection, as the BSI profile
    /// wants). When false the client stays in Decided and waits for an SRETRY or CLOSE.
    pub close_after_result: bool,
}

impl Default for TnccConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            preferred_language: "en".to_owned(),
            close_after_result: true,
        }
    }
}

/// The TNC client of one connection: starts the assessment, delivers the server's PA messages
/// to the subscribed IMCs, sends their answers, reports the decision to them and ends the
/// session.
pub struct Tncc {
    core: Core<dyn Imc>,
    config: TnccConfig,
    started: bool,
    retry: Option<RetryReason>,
    assessment: Option<AssessmentResult>,
    access: Option<AccessRecommendation>,
    reasons: Vec<Reason>,
    remediation: Vec<crate::session::RemediationInfo>,
}

impl core::fmt::Debug for Tncc {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.core.debug(f, "Tncc")
    }
}

impl Tncc {
    /// A TNC client for `connection`, using the IMCs of `imcs`. The attributes' size and
    /// round-trip fields and the preferred language are overwritten from `config`.
    pub fn new(
        imcs: Arc<ImcSet>,
        connection: ConnectionId,
        attributes: ConnectionAttributes,
        config: TnccConfig,
    ) -> Self {
        let mut attributes = attributes;
        if !config.preferred_language.is_empty() {
            attributes.preferred_language = Some(config.preferred_language.clone());
        }
        Self {
            core: Core::new(Role::Client, config.limits, imcs, connection, attributes),
            config,
            started: false,
            retry: None,
            assessment: None,
            access: None,
            reasons: Vec::new(),
            remediation: Vec::new(),
        }
    }

    /// The PB-TNC state.
    pub fn state(&self) -> State {
        self.core.session.state()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.core.session.next_deadline()
    }

    /// The outcome, once the session is over.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.core.outcome.as_ref()
    }

    /// The underlying session (read-only).
    pub fn session(&self) -> &Session {
        &self.core.session
    }

    /// Starts the assessment: IMCs are told CREATE and HANDSHAKE and asked to begin; the
    /// returned step carries the first CDATA batch (with PB-Language-Preference).
    pub async fn start(&mut self, now: Instant) -> Step {
        if self.started || self.core.session.state() != State::Init {
            return self.core.step();
        }
        self.started = true;
        if !self.config.preferred_language.is_empty() {
            let mut buf = String::new();
            let lp = Message::language_preference(&self.config.preferred_language, &mut buf);
            if let Err(e) = self.core.session.queue(&lp) {
                tracing::warn!(error = %e, "cannot queue PB-Language-Preference");
            }
        }
        self.notify_all(ConnectionState::CREATE).await;
        self.begin_handshake().await;
        self.core.send(BatchType::CDATA, now);
        self.core.step()
    }

    /// Processes one batch from the server and returns what to do next.
    pub async fn receive(&mut self, batch: &[u8], now: Instant) -> Step {
        if let Err(e) = self.core.session.receive_batch(batch, now) {
            tracing::warn!(connection = self.core.connection.0, error = %e, "PB-TNC batch refused");
        }
        self.drain(now).await;
        self.core.step()
    }

    /// Call when [`next_deadline`](Self::next_deadline) has passed (e.g. an IMC did not
    /// answer, or the server is silent): the session is closed with a fatal Local Error.
    pub async fn handle_timeout(&mut self, now: Instant) -> Step {
        self.core.handle_timeout(now).await
    }

    /// Asks for a new assessment on a connection that stayed open after the decision
    /// (`close_after_result = false`): in Decided the IMCs are restarted and a CRETRY batch is
    /// returned. In any other state the request is kept and honoured when the next RESULT
    /// arrives (instead of closing).
    pub async fn request_retry(&mut self, now: Instant) -> Step {
        if self.core.session.state() == State::Decided {
            self.retry = None;
            self.core.decision = None;
            self.begin_handshake().await;
            self.core.send(BatchType::CRETRY, now);
        } else {
            self.retry = Some(RetryReason::IMC_PERIODIC);
        }
        self.core.step()
    }

    /// Ends the session now with an empty CLOSE batch (e.g. when the application shuts down or
    /// after a decision on a connection that stayed open). IMCs are told DELETE.
    pub async fn close(&mut self) -> Step {
        self.core.close().await
    }

    fn collect(&mut self, mut ctx: Context, res: Result<(), ApiError>, what: &'static str) {
        if let Err(e) = res {
            tracing::warn!(connection = self.core.connection.0, imc = ctx.id().0, call = what, error = %e, "IMC call failed");
        }
        if let Some(r) = ctx.take_retry_request() {
            self.retry = Some(r);
        }
        for m in ctx.take_outbox() {
            let pa = Message::Pa(PbPa {
                exclusive: m.exclusive,
                message_type: m.message_type,
                collector: ctx.id().0,
                validator: m.destination.0,
                body: &m.body,
            });
            if let Err(e) = self.core.session.queue(&pa) {
                tracing::warn!(connection = self.core.connection.0, error = %e, "PA message dropped");
            }
        }
    }

    async fn call(&mut self, which: Option<&[usize]>, call: Call<'_>) {
        let (imcs, attrs) = (self.core.plugins.clone(), self.core.attributes.clone());
        super::run(
            &imcs,
            which,
            self.core.connection,
            &attrs,
            call,
            |_, ctx, r, what| self.collect(ctx, r, what),
        )
        .await;
    }

    async fn notify_all(&mut self, state: ConnectionState) {
        self.call(None, Call::Notify(state)).await;
    }

    async fn begin_handshake(&mut self) {
        self.notify_all(ConnectionState::HANDSHAKE).await;
        self.call(None, Call::BeginHandshake).await;
    }

    async fn deliver(&mut self, m: PaMessage) {
        let (to, msg) = self.core.route(&m);
        self.call(Some(&to), Call::Receive(msg)).await;
    }

    async fn batch_ending(&mut self) {
        self.call(None, Call::BatchEnding).await;
    }

    async fn drain(&mut self, now: Instant) {
        while let Some(ev) = self.core.session.poll_event() {
            match ev {
                Event::BatchStarted {
                    batch_type: BatchType::RESULT,
                } => {
                    self.assessment = None;
                    self.access = None;
                }
                Event::Pa(m) => self.deliver(m).await,
                Event::AssessmentResult(a) => self.assessment = Some(a),
                Event::AccessRecommendation(a) => self.access = Some(a),
                Event::ReasonString { text, language } => {
                    self.reasons.push(Reason { text, language })
                }
                Event::Remediation(r) => self.remediation.push(r),
                Event::PeerError {
                    fatal,
                    code,
                    offset,
                    ..
                } => {
                    tracing::warn!(connection = self.core.connection.0, fatal, code = %code, ?offset, "PB-Error from the server");
                }
                Event::BatchEnded { batch_type } => self.end_of_batch(batch_type, now).await,
                Event::Closed(reason) => self.core.closed(reason).await,
                _ => {}
            }
        }
    }

    async fn end_of_batch(&mut self, bt: BatchType, now: Instant) {
        match bt {
            BatchType::RESULT => {
                let access = self.access.unwrap_or(AccessRecommendation::DENIED);
                let decision = Decision {
                    recommendation: access,
                    assessment: self.assessment.unwrap_or(AssessmentResult::DONT_KNOW),
                    reasons: core::mem::take(&mut self.reasons),
                    remediation: core::mem::take(&mut self.remediation),
                };
                self.core.decision = Some(decision);
                self.notify_all(connection_state_for(access)).await;
                if self.retry.take().is_some() {
                    self.begin_handshake().await;
                    self.core.send(BatchType::CRETRY, now);
                } else if self.config.close_after_result {
                    let _ = self.core.session.close(None);
                }
            }
            BatchType::SRETRY => {
                self.core.decision = None;
                self.retry = None;
                self.begin_handshake().await;
                let bt = if self.core.session.state() == State::ClientWorking {
                    BatchType::CDATA
                } else {
                    BatchType::CRETRY
                };
                self.core.send(bt, now);
            }
            _ => {
                self.batch_ending().await;
                self.core.send(BatchType::CDATA, now);
            }
        }
    }
}
