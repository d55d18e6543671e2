//! The TNC client broker (TNCC).

use std::sync::Arc;
use std::time::Instant;

use tnc_imc_api::{
    ApiError, ConnectionAttributes, ConnectionId, ConnectionState, Context, PostureId,
    ReceivedMessage, RetryReason,
};

use super::{Call, Decision, ImcSet, Outcome, Reason, Step, connection_state_for};
use crate::consts::{AccessRecommendation, AssessmentResult, BatchType};
use crate::error::Error;
use crate::message::{Message, PbPa};
use crate::session::{CloseReason, Event, Limits, PaMessage, Session};
use crate::state::{Role, State};

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
    session: Session,
    imcs: Arc<ImcSet>,
    connection: ConnectionId,
    attributes: Arc<ConnectionAttributes>,
    config: TnccConfig,
    started: bool,
    retry: Option<RetryReason>,
    assessment: Option<AssessmentResult>,
    access: Option<AccessRecommendation>,
    reasons: Vec<Reason>,
    remediation: Vec<crate::session::RemediationInfo>,
    decision: Option<Decision>,
    outcome: Option<Outcome>,
}

impl core::fmt::Debug for Tncc {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Tncc")
            .field("connection", &self.connection)
            .field("state", &self.session.state())
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
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
        attributes.max_message_size = config.limits.max_message_size;
        attributes.max_round_trips = config.limits.max_round_trips;
        if !config.preferred_language.is_empty() {
            attributes.preferred_language = Some(config.preferred_language.clone());
        }
        Self {
            session: Session::new(Role::Client, config.limits),
            imcs,
            connection,
            attributes: Arc::new(attributes),
            config,
            started: false,
            retry: None,
            assessment: None,
            access: None,
            reasons: Vec::new(),
            remediation: Vec::new(),
            decision: None,
            outcome: None,
        }
    }

    /// The PB-TNC state.
    pub fn state(&self) -> State {
        self.session.state()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.session.next_deadline()
    }

    /// The outcome, once the session is over.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// The underlying session (read-only).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Starts the assessment: IMCs are told CREATE and HANDSHAKE and asked to begin; the
    /// returned step carries the first CDATA batch (with PB-Language-Preference).
    pub async fn start(&mut self, now: Instant) -> Step {
        if self.started || self.session.state() != State::Init {
            return self.step();
        }
        self.started = true;
        if !self.config.preferred_language.is_empty() {
            let mut buf = String::new();
            let lp = Message::language_preference(&self.config.preferred_language, &mut buf);
            if let Err(e) = self.session.queue(&lp) {
                tracing::warn!(error = %e, "cannot queue PB-Language-Preference");
            }
        }
        self.notify_all(ConnectionState::CREATE).await;
        self.begin_handshake().await;
        self.send(BatchType::CDATA, now);
        self.step()
    }

    /// Processes one batch from the server and returns what to do next.
    pub async fn receive(&mut self, batch: &[u8], now: Instant) -> Step {
        if let Err(e) = self.session.receive_batch(batch, now) {
            tracing::warn!(connection = self.connection.0, error = %e, "PB-TNC batch refused");
        }
        self.drain(now).await;
        self.step()
    }

    /// Call when [`next_deadline`](Self::next_deadline) has passed (e.g. an IMC did not
    /// answer, or the server is silent): the session is closed with a fatal Local Error.
    pub async fn handle_timeout(&mut self, now: Instant) -> Step {
        if !self.session.handle_timeout(now) {
            return Step::default();
        }
        tracing::warn!(
            connection = self.connection.0,
            "PB-TNC turn deadline expired"
        );
        // events left over from an abandoned call are stale: only the close is processed
        self.drain_closed().await;
        self.step()
    }

    /// Asks for a new assessment on a connection that stayed open after the decision
    /// (`close_after_result = false`): in Decided the IMCs are restarted and a CRETRY batch is
    /// returned. In any other state the request is kept and honoured when the next RESULT
    /// arrives (instead of closing).
    pub async fn request_retry(&mut self, now: Instant) -> Step {
        if self.session.state() == State::Decided {
            self.retry = None;
            self.decision = None;
            self.begin_handshake().await;
            self.send(BatchType::CRETRY, now);
        } else {
            self.retry = Some(RetryReason::IMC_PERIODIC);
        }
        self.step()
    }

    /// Ends the session now with an empty CLOSE batch (e.g. when the application shuts down or
    /// after a decision on a connection that stayed open). IMCs are told DELETE.
    pub async fn close(&mut self) -> Step {
        if self.session.close(None).is_ok() {
            self.drain_closed().await;
        }
        self.step()
    }

    async fn drain_closed(&mut self) {
        while let Some(ev) = self.session.poll_event() {
            if let Event::Closed(reason) = ev {
                self.closed(reason).await;
            }
        }
    }

    fn step(&mut self) -> Step {
        Step {
            batch: self.session.poll_batch(),
            outcome: if self.session.is_ended() {
                self.outcome.clone()
            } else {
                None
            },
        }
    }

    fn collect(&mut self, mut ctx: Context, res: Result<(), ApiError>, what: &'static str) {
        if let Err(e) = res {
            tracing::warn!(connection = self.connection.0, imc = ctx.id().0, call = what, error = %e, "IMC call failed");
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
            if let Err(e) = self.session.queue(&pa) {
                tracing::warn!(connection = self.connection.0, error = %e, "PA message dropped");
            }
        }
    }

    async fn call(&mut self, which: Option<&[usize]>, call: Call<'_>) {
        let (imcs, attrs) = (self.imcs.clone(), self.attributes.clone());
        super::run(
            &imcs,
            which,
            self.connection,
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
        let to = self
            .imcs
            .recipients(m.message_type, m.exclusive, m.collector);
        if to.is_empty() {
            tracing::debug!(connection = self.connection.0, r#type = %m.message_type, "PA message matches no IMC");
        }
        let msg = ReceivedMessage {
            message_type: m.message_type,
            exclusive: m.exclusive,
            source: PostureId(m.validator),
            destination: PostureId(m.collector),
            body: &m.body,
        };
        self.call(Some(&to), Call::Receive(msg)).await;
    }

    async fn batch_ending(&mut self) {
        self.call(None, Call::BatchEnding).await;
    }

    fn send(&mut self, bt: BatchType, now: Instant) {
        if let Err(e) = self.session.send_batch(bt, now) {
            tracing::warn!(connection = self.connection.0, error = %e, "cannot send batch");
            let _ = self
                .session
                .close(Some(&Error::Local("internal state error")));
        }
    }

    async fn closed(&mut self, reason: CloseReason) {
        self.notify_all(ConnectionState::DELETE).await;
        self.outcome = Some(match (&self.decision, reason) {
            (Some(d), CloseReason::PeerClosed | CloseReason::LocalClose) => {
                Outcome::Decided(d.clone())
            }
            (_, reason) => Outcome::Failed(reason),
        });
    }

    async fn drain(&mut self, now: Instant) {
        while let Some(ev) = self.session.poll_event() {
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
                    tracing::warn!(connection = self.connection.0, fatal, code = %code, ?offset, "PB-Error from the server");
                }
                Event::BatchEnded { batch_type } => self.end_of_batch(batch_type, now).await,
                Event::Closed(reason) => self.closed(reason).await,
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
                self.decision = Some(decision);
                self.notify_all(connection_state_for(access)).await;
                if self.retry.take().is_some() {
                    self.begin_handshake().await;
                    self.send(BatchType::CRETRY, now);
                } else if self.config.close_after_result {
                    let _ = self.session.close(None);
                }
            }
            BatchType::SRETRY => {
                self.decision = None;
                self.retry = None;
                self.begin_handshake().await;
                let bt = if self.session.state() == State::ClientWorking {
                    BatchType::CDATA
                } else {
                    BatchType::CRETRY
                };
                self.send(bt, now);
            }
            _ => {
                self.batch_ending().await;
                self.send(BatchType::CDATA, now);
            }
        }
    }
}
