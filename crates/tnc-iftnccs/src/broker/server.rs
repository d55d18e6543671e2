//! The TNC server broker (TNCS).

use std::sync::Arc;
use std::time::Instant;

use tnc_imc_api::{ApiError, ConnectionAttributes, ConnectionId, ConnectionState, RetryReason};
use tnc_imv_api::{ImvContext, ReasonString, Recommendation, Remediation};

use super::{
    Call, Core, Decision, ImvSet, Outcome, Reason, RecommendationPolicy, Step,
    access_recommendation_for, connection_state_for, select_reason,
};
use crate::consts::{AssessmentResult, BatchType, RemediationType};
use crate::message::{
    LanguagePreference, Message, PbPa, ReasonString as PbReason, RemediationParameters,
    RemediationParams,
};
use crate::session::{Event, Limits, PaMessage, RemediationInfo, Session};
use crate::state::{Role, State};
use tnc_wire::Pen;

use tnc_imv_api::Imv;

/// Configuration of a [`Tncs`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TncsConfig {
    /// Session limits.
    pub limits: Limits,
    /// How IMV recommendations are combined.
    pub policy: RecommendationPolicy,
}

/// What the server keeps per IMV for the current handshake.
#[derive(Debug, Clone, Default)]
struct ImvState {
    recommendation: Option<Recommendation>,
    reasons: Vec<ReasonString>,
    remediation: Vec<Remediation>,
}

/// The TNC server of one connection: delivers the client's PA messages to the subscribed IMVs,
/// sends their answers, solicits and combines their recommendations and sends the RESULT.
pub struct Tncs {
    core: Core<dyn Imv>,
    config: TncsConfig,
    started: bool,
    imv_state: Vec<ImvState>,
    retry: Option<RetryReason>,
    batch_had_messages: bool,
}

impl core::fmt::Debug for Tncs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.core.debug(f, "Tncs")
    }
}

impl Tncs {
    /// A TNC server for `connection`, using the IMVs of `imvs`.
    pub fn new(
        imvs: Arc<ImvSet>,
        connection: ConnectionId,
        attributes: ConnectionAttributes,
        config: TncsConfig,
    ) -> Self {
        let n = imvs.len();
        Self {
            core: Core::new(Role::Server, config.limits, imvs, connection, attributes),
            config,
            started: false,
            imv_state: vec![ImvState::default(); n],
            retry: None,
            batch_had_messages: false,
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

    /// The decision sent in the last RESULT, if any.
    pub fn decision(&self) -> Option<&Decision> {
        self.core.decision.as_ref()
    }

    /// The connection attributes as the IMVs see them (incl. the client's language).
    pub fn attributes(&self) -> &ConnectionAttributes {
        &self.core.attributes
    }

    /// The underlying session (read-only).
    pub fn session(&self) -> &Session {
        &self.core.session
    }

    /// Processes one batch from the client and returns what to do next.
    pub async fn receive(&mut self, batch: &[u8], now: Instant) -> Step {
        if !self.started {
            self.started = true;
            self.notify_all(ConnectionState::CREATE).await;
            self.notify_all(ConnectionState::HANDSHAKE).await;
        }
        if let Err(e) = self.core.session.receive_batch(batch, now) {
            tracing::warn!(connection = self.core.connection.0, error = %e, "PB-TNC batch refused");
        }
        self.drain(now).await;
        self.core.step()
    }

    /// Call when [`next_deadline`](Self::next_deadline) has passed: the session is closed with
    /// a fatal Local Error.
    pub async fn handle_timeout(&mut self, now: Instant) -> Step {
        self.core.handle_timeout(now).await
    }

    /// Asks the client for a new assessment. In Decided (the client kept the connection open)
    /// an SRETRY batch is returned; the client answers with CRETRY and a new handshake runs.
    /// Otherwise the request is kept and honoured after the next received batch, as if an IMV
    /// had asked.
    pub async fn request_retry(&mut self, reason: RetryReason, now: Instant) -> Step {
        if self.core.session.state() == State::Decided {
            self.core.send(BatchType::SRETRY, now);
        } else {
            self.retry = Some(reason);
        }
        self.core.step()
    }

    /// Ends the session now with an empty CLOSE batch; IMVs are told DELETE.
    pub async fn close(&mut self) -> Step {
        self.core.close().await
    }

    fn collect(
        &mut self,
        index: usize,
        mut ctx: ImvContext,
        res: Result<(), ApiError>,
        what: &str,
    ) {
        if let Err(e) = res {
            tracing::warn!(connection = self.core.connection.0, imv = ctx.id().0, call = what, error = %e, "IMV call failed");
        }
        if let Some(r) = ctx.take_retry_request() {
            self.retry = Some(r);
        }
        if let Some(st) = self.imv_state.get_mut(index) {
            if let Some(rec) = ctx.take_recommendation() {
                st.recommendation = Some(rec);
            }
            st.reasons.extend(ctx.take_reasons());
            st.remediation.extend(ctx.take_remediation());
        }
        for m in ctx.take_outbox() {
            let pa = Message::Pa(PbPa {
                exclusive: m.exclusive,
                message_type: m.message_type,
                collector: m.destination.0,
                validator: ctx.id().0,
                body: &m.body,
            });
            if let Err(e) = self.core.session.queue(&pa) {
                tracing::warn!(connection = self.core.connection.0, error = %e, "PA message dropped");
            }
        }
    }

    async fn call(&mut self, which: Option<&[usize]>, call: Call<'_>) {
        let (imvs, attrs) = (self.core.plugins.clone(), self.core.attributes.clone());
        super::run(
            &imvs,
            which,
            self.core.connection,
            &attrs,
            call,
            |i, ctx, r, what| self.collect(i, ctx, r, what),
        )
        .await;
    }

    async fn notify_all(&mut self, state: ConnectionState) {
        self.call(None, Call::Notify(state)).await;
    }

    async fn deliver(&mut self, m: PaMessage) {
        let (to, msg) = self.core.route(&m);
        self.call(Some(&to), Call::Receive(msg)).await;
    }

    async fn batch_ending(&mut self) {
        self.call(None, Call::BatchEnding).await;
    }

    /// Asks every IMV that has not provided a recommendation yet for one.
    async fn solicit(&mut self) {
        let missing: Vec<usize> = (0..self.imv_state.len())
            .filter(|&i| self.imv_state[i].recommendation.is_none())
            .collect();
        self.call(Some(&missing), Call::SolicitRecommendation).await;
    }

    /// New handshake: recommendations, reasons and remediation are forgotten, IMVs told HANDSHAKE.
    async fn restart(&mut self) {
        for s in &mut self.imv_state {
            *s = ImvState::default();
        }
        self.core.decision = None;
        self.notify_all(ConnectionState::HANDSHAKE).await;
    }

    async fn drain(&mut self, now: Instant) {
        while let Some(ev) = self.core.session.poll_event() {
            match ev {
                Event::BatchStarted { batch_type } => {
                    self.batch_had_messages = false;
                    if batch_type == BatchType::CRETRY {
                        self.retry = None;
                        self.restart().await;
                    }
                }
                Event::Pa(m) => {
                    self.batch_had_messages = true;
                    self.deliver(m).await;
                }
                Event::LanguagePreference(l) => {
                    Arc::make_mut(&mut self.core.attributes).preferred_language = Some(l);
                }
                Event::PeerError {
                    fatal,
                    code,
                    offset,
                    ..
                } => {
                    tracing::warn!(connection = self.core.connection.0, fatal, code = %code, ?offset, "PB-Error from the client");
                }
                Event::BatchEnded { .. } => self.end_of_batch(now).await,
                Event::Closed(reason) => self.core.closed(reason).await,
                _ => {}
            }
        }
    }

    async fn end_of_batch(&mut self, now: Instant) {
        self.batch_ending().await;
        if self.retry.is_some() && self.core.session.can_send(BatchType::SRETRY) {
            // an IMV asked for a new handshake before the decision: start over
            self.retry = None;
            self.restart().await;
            self.core.send(BatchType::SRETRY, now);
            return;
        }
        let all_provided = self.imv_state.iter().all(|s| s.recommendation.is_some());
        let limit_reached =
            self.core.session.round_trips() >= self.core.session.limits().max_round_trips;
        if all_provided || !self.batch_had_messages || limit_reached {
            self.solicit().await;
            self.send_result(now).await;
        } else {
            self.core.send(BatchType::SDATA, now);
        }
    }

    async fn send_result(&mut self, now: Instant) {
        let recs: Vec<Recommendation> = self
            .imv_state
            .iter()
            .map(|s| {
                s.recommendation.unwrap_or(Recommendation {
                    action: tnc_imv_api::ActionRecommendation::NO_RECOMMENDATION,
                    evaluation: tnc_imv_api::EvaluationResult::DONT_KNOW,
                })
            })
            .collect();
        let final_rec = self.config.policy.combine(&recs);
        let access = access_recommendation_for(final_rec.action);
        let assessment = AssessmentResult(final_rec.evaluation.0);
        let lang_value = self
            .core
            .attributes
            .preferred_language
            .as_ref()
            .map(|l| format!("Accept-Language: {l}"))
            .unwrap_or_default();
        let lp = LanguagePreference { value: &lang_value };
        let ranges = if lang_value.is_empty() {
            Vec::new()
        } else {
            lp.ranges()
        };
        let mut reasons = Vec::new();
        let mut remediation = Vec::new();
        for s in &self.imv_state {
            if let Some(r) = select_reason(&s.reasons, &ranges) {
                reasons.push(Reason {
                    text: r.text.clone(),
                    language: r.language.clone(),
                });
            }
            for r in &s.remediation {
                remediation.push(match r {
                    Remediation::Uri(u) => RemediationInfo::Uri(u.clone()),
                    Remediation::Text { text, language } => RemediationInfo::Text {
                        text: text.clone(),
                        language: language.clone(),
                    },
                    _ => continue,
                });
            }
        }
        let mut msgs: Vec<Message<'_>> = vec![
            Message::AssessmentResult(assessment),
            Message::AccessRecommendation(access),
        ];
        for r in &reasons {
            msgs.push(Message::ReasonString(PbReason {
                text: &r.text,
                language: &r.language,
            }));
        }
        for r in &remediation {
            let (t, params) = match r {
                RemediationInfo::Uri(u) => (RemediationType::URI, RemediationParams::Uri(u)),
                RemediationInfo::Text { text, language } => (
                    RemediationType::STRING,
                    RemediationParams::String { text, language },
                ),
                RemediationInfo::Other { .. } => continue,
            };
            msgs.push(Message::RemediationParameters(RemediationParameters {
                vendor: Pen::IETF,
                remediation_type: t.0,
                params,
            }));
        }
        for m in &msgs {
            if let Err(e) = self.core.session.queue(m) {
                tracing::warn!(connection = self.core.connection.0, error = %e, "RESULT message dropped");
            }
        }
        self.core.decision = Some(Decision {
            recommendation: access,
            assessment,
            reasons,
            remediation,
        });
        self.core.send(BatchType::RESULT, now);
        self.notify_all(connection_state_for(access)).await;
    }
}
