//! Brokers: the TNC client (TNCC) and TNC server (TNCS) that drive a PB-TNC [`Session`] with
//! real collectors ([`Imc`]) and verifiers ([`Imv`]).
//!
//! Both are transport-agnostic: they take received batch bytes and `now`, and give back a
//! [`Step`] — the next batch to transmit, and/or the [`Outcome`] once the session is over.
//! Every plug-in call is awaited in place; a transport adapter that must bound the time a
//! plug-in may take wraps each call in its own timer and, when it fires, drops the pending
//! future and calls `handle_timeout` (see the crate docs for the driving loop).
//!
//! [`Session`]: crate::Session

mod client;
mod policy;
mod server;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use tnc_imc_api::{
    ApiError, ConnectionAttributes, ConnectionId, ConnectionState, Context, Imc, MessageType,
    MessageTypeFilter, PostureId, ReceivedMessage,
};
use tnc_imv_api::{Imv, ImvContext};

pub use client::{Tncc, TnccConfig};
pub use policy::{
    RecommendationPolicy, access_recommendation_for, connection_state_for, select_reason,
};
pub use server::{Tncs, TncsConfig};

use std::time::Instant;

use crate::consts::{AccessRecommendation, AssessmentResult, BatchType};
use crate::error::Error;
use crate::session::{CloseReason, Event, Limits, PaMessage, RemediationInfo, Session};
use crate::state::Role;

/// What a broker asks its transport to do after a call.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    /// A batch to transmit to the peer, if any.
    pub batch: Option<Vec<u8>>,
    /// Set once the session is over (after transmitting `batch`, close the transport).
    pub outcome: Option<Outcome>,
}

impl Step {
    /// True when the session is over.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }
}

/// A reason string of the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// UTF-8 text.
    pub text: String,
    /// Language tag.
    pub language: String,
}

/// The server's decision about the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// PB-Access-Recommendation.
    pub recommendation: AccessRecommendation,
    /// PB-Assessment-Result.
    pub assessment: AssessmentResult,
    /// PB-Reason-Strings (one per IMV that gave reasons, in the client's preferred language).
    pub reasons: Vec<Reason>,
    /// PB-Remediation-Parameters.
    pub remediation: Vec<RemediationInfo>,
}

/// How a PB-TNC session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The assessment completed with this decision.
    Decided(Decision),
    /// The session ended without a (final) decision.
    Failed(CloseReason),
}

impl Outcome {
    /// The decision, if the assessment completed.
    pub fn decision(&self) -> Option<&Decision> {
        match self {
            Outcome::Decided(d) => Some(d),
            Outcome::Failed(_) => None,
        }
    }
}

/// A registered plug-in: its id, the plug-in and its subscriptions.
struct Entry<T: ?Sized> {
    id: PostureId,
    plugin: Arc<T>,
    filters: Vec<MessageTypeFilter>,
}

/// The loaded collectors or verifiers of a TNC client/server, with their ids (assigned from 1
/// in registration order) and subscriptions. Share one set between all connections.
pub struct PluginSet<T: ?Sized> {
    entries: Vec<Entry<T>>,
}

/// The IMCs of a TNC client.
pub type ImcSet = PluginSet<dyn Imc>;
/// The IMVs of a TNC server.
pub type ImvSet = PluginSet<dyn Imv>;

impl<T: ?Sized> Default for PluginSet<T> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<T: ?Sized> core::fmt::Debug for PluginSet<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| e.id))
            .finish()
    }
}

impl<T: ?Sized> PluginSet<T> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    fn insert(&mut self, plugin: Arc<T>, filters: Vec<MessageTypeFilter>) -> PostureId {
        let id = PostureId(u16::try_from(self.entries.len() + 1).unwrap_or(PostureId::ANY.0 - 1));
        self.entries.push(Entry {
            id,
            plugin,
            filters,
        });
        id
    }

    /// Number of plug-ins.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no plug-in is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Indexes of the plug-ins a PB-PA of `t` goes to (`pb-tnc.md` §7): every subscriber, or
    /// with EXCL only the subscriber whose id is `destination`.
    fn recipients(&self, t: MessageType, exclusive: bool, destination: u16) -> Vec<usize> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.filters.iter().any(|f| f.matches(t)))
            .filter(|(_, e)| !exclusive || e.id.0 == destination)
            .map(|(i, _)| i)
            .collect()
    }
}

impl PluginSet<dyn Imc> {
    /// Registers an IMC (its `message_types` are read now) and returns its id.
    pub fn add(&mut self, imc: Arc<dyn Imc>) -> PostureId {
        let f = imc.message_types();
        self.insert(imc, f)
    }

    /// Calls `terminate` on every IMC.
    pub async fn terminate(&self) {
        for e in &self.entries {
            e.plugin.terminate().await;
        }
    }
}

impl PluginSet<dyn Imv> {
    /// Registers an IMV (its `message_types` are read now) and returns its id.
    pub fn add(&mut self, imv: Arc<dyn Imv>) -> PostureId {
        let f = imv.message_types();
        self.insert(imv, f)
    }

    /// Calls `terminate` on every IMV.
    pub async fn terminate(&self) {
        for e in &self.entries {
            e.plugin.terminate().await;
        }
    }
}

/// One plug-in callback, independent of the side.
#[derive(Debug, Clone, Copy)]
enum Call<'m> {
    Notify(ConnectionState),
    BeginHandshake,
    Receive(ReceivedMessage<'m>),
    BatchEnding,
    SolicitRecommendation,
}

impl Call<'_> {
    fn name(&self) -> &'static str {
        match self {
            Call::Notify(_) => "notify_connection_change",
            Call::BeginHandshake => "begin_handshake",
            Call::Receive(_) => "receive_message",
            Call::BatchEnding => "batch_ending",
            Call::SolicitRecommendation => "solicit_recommendation",
        }
    }
}

type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send + 'a>>;

/// What the brokers need from either plug-in trait.
trait Plugin: Send + Sync {
    type Ctx: Send;
    fn context(
        id: PostureId,
        connection: ConnectionId,
        attrs: Arc<ConnectionAttributes>,
    ) -> Self::Ctx;
    fn call<'a>(&'a self, ctx: &'a mut Self::Ctx, call: Call<'a>) -> CallFuture<'a>;
}

impl<'x> Plugin for dyn Imc + 'x {
    type Ctx = Context;
    fn context(
        id: PostureId,
        connection: ConnectionId,
        attrs: Arc<ConnectionAttributes>,
    ) -> Context {
        Context::new(id, connection, attrs)
    }
    fn call<'a>(&'a self, ctx: &'a mut Context, call: Call<'a>) -> CallFuture<'a> {
        match call {
            Call::Notify(s) => self.notify_connection_change(ctx, s),
            Call::BeginHandshake => self.begin_handshake(ctx),
            Call::Receive(m) => self.receive_message(ctx, m),
            Call::BatchEnding => self.batch_ending(ctx),
            Call::SolicitRecommendation => Box::pin(async { Ok(()) }),
        }
    }
}

impl<'x> Plugin for dyn Imv + 'x {
    type Ctx = ImvContext;
    fn context(
        id: PostureId,
        connection: ConnectionId,
        attrs: Arc<ConnectionAttributes>,
    ) -> ImvContext {
        ImvContext::new(id, connection, attrs)
    }
    fn call<'a>(&'a self, ctx: &'a mut ImvContext, call: Call<'a>) -> CallFuture<'a> {
        match call {
            Call::Notify(s) => self.notify_connection_change(ctx, s),
            Call::BeginHandshake => Box::pin(async { Ok(()) }),
            Call::Receive(m) => self.receive_message(ctx, m),
            Call::BatchEnding => self.batch_ending(ctx),
            Call::SolicitRecommendation => self.solicit_recommendation(ctx),
        }
    }
}

/// Makes `call` on the plug-ins of `set` at the indexes `which` (every plug-in when `None`), in
/// order, each with a fresh context that `done` receives afterwards with the call's result.
async fn run<T: Plugin + ?Sized>(
    set: &PluginSet<T>,
    which: Option<&[usize]>,
    connection: ConnectionId,
    attrs: &Arc<ConnectionAttributes>,
    call: Call<'_>,
    mut done: impl FnMut(usize, T::Ctx, Result<(), ApiError>, &'static str) + Send,
) {
    let n = which.map_or(set.entries.len(), <[usize]>::len);
    for k in 0..n {
        let i = which.map_or(k, |w| w[k]);
        let Some(e) = set.entries.get(i) else {
            continue;
        };
        let mut ctx = T::context(e.id, connection, attrs.clone());
        let r = e.plugin.call(&mut ctx, call).await;
        done(i, ctx, r, call.name());
    }
}

/// What both brokers keep: the session, the plug-ins and the connection, the decision and the
/// outcome, and the steps that do not depend on the side.
struct Core<T: ?Sized> {
    session: Session,
    plugins: Arc<PluginSet<T>>,
    connection: ConnectionId,
    attributes: Arc<ConnectionAttributes>,
    decision: Option<Decision>,
    outcome: Option<Outcome>,
}

impl<T: Plugin + ?Sized> Core<T> {
    fn new(
        role: Role,
        limits: Limits,
        plugins: Arc<PluginSet<T>>,
        connection: ConnectionId,
        mut attributes: ConnectionAttributes,
    ) -> Self {
        attributes.max_message_size = limits.max_message_size;
        attributes.max_round_trips = limits.max_round_trips;
        Core {
            session: Session::new(role, limits),
            plugins,
            connection,
            attributes: Arc::new(attributes),
            decision: None,
            outcome: None,
        }
    }

    fn debug(&self, f: &mut core::fmt::Formatter<'_>, name: &str) -> core::fmt::Result {
        f.debug_struct(name)
            .field("connection", &self.connection)
            .field("state", &self.session.state())
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }

    /// The next batch, and the outcome once the session is over.
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

    /// The plug-ins a PB-PA goes to and the message as they receive it: on the client the
    /// destination field is the collector id, on the server the validator id.
    fn route<'m>(&self, m: &'m PaMessage) -> (Vec<usize>, ReceivedMessage<'m>) {
        let (own, peer) = match self.session.role() {
            Role::Client => (m.collector, m.validator),
            Role::Server => (m.validator, m.collector),
        };
        let to = self.plugins.recipients(m.message_type, m.exclusive, own);
        if to.is_empty() {
            tracing::debug!(connection = self.connection.0, r#type = %m.message_type, "PA message matches no plug-in");
        }
        let msg = ReceivedMessage {
            message_type: m.message_type,
            exclusive: m.exclusive,
            source: PostureId(peer),
            destination: PostureId(own),
            body: &m.body,
        };
        (to, msg)
    }

    /// Sends a batch; a refusal (a broker bug) closes the session with a Local Error.
    fn send(&mut self, bt: BatchType, now: Instant) {
        if let Err(e) = self.session.send_batch(bt, now) {
            tracing::warn!(connection = self.connection.0, error = %e, "cannot send batch");
            let _ = self
                .session
                .close(Some(&Error::Local("internal state error")));
        }
    }

    /// The session ended: plug-ins are told DELETE and the outcome is fixed.
    async fn closed(&mut self, reason: CloseReason) {
        let (plugins, attrs, conn) = (
            self.plugins.clone(),
            self.attributes.clone(),
            self.connection,
        );
        run(&plugins, None, conn, &attrs, Call::Notify(ConnectionState::DELETE), |_, _, r, what| {
            if let Err(e) = r {
                tracing::warn!(connection = conn.0, call = what, error = %e, "plug-in call failed");
            }
        })
        .await;
        self.outcome = Some(match (&self.decision, reason) {
            (Some(d), CloseReason::PeerClosed | CloseReason::LocalClose) => {
                Outcome::Decided(d.clone())
            }
            (_, reason) => Outcome::Failed(reason),
        });
    }

    /// Processes only the close among the pending events (the others are stale).
    async fn drain_closed(&mut self) {
        while let Some(ev) = self.session.poll_event() {
            if let Event::Closed(reason) = ev {
                self.closed(reason).await;
            }
        }
    }

    async fn handle_timeout(&mut self, now: Instant) -> Step {
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

    async fn close(&mut self) -> Step {
        if self.session.close(None).is_ok() {
            self.drain_closed().await;
        }
        self.step()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tnc_imc_api::{Pen, async_trait};

    struct Sub(Vec<MessageTypeFilter>);

    #[async_trait]
    impl Imv for Sub {
        fn name(&self) -> &str {
            "sub"
        }
        fn message_types(&self) -> Vec<MessageTypeFilter> {
            self.0.clone()
        }
        async fn solicit_recommendation(&self, _: &mut ImvContext) -> Result<(), ApiError> {
            Ok(())
        }
    }

    #[test]
    fn routing_by_type_with_wildcards_and_exclusive_delivery() {
        let os = MessageType::new(Pen::IETF, 1);
        let ita = MessageType::new(Pen::ITA, 0x33);
        let mut set = ImvSet::new();
        let a = set.add(Arc::new(Sub(vec![MessageTypeFilter::exact(os)])));
        let b = set.add(Arc::new(Sub(vec![MessageTypeFilter::vendor(Pen::ITA)])));
        let c = set.add(Arc::new(Sub(vec![MessageTypeFilter::ALL])));
        let d = set.add(Arc::new(Sub(vec![MessageTypeFilter::new(
            Pen::RESERVED,
            1,
        )])));
        assert_eq!([a, b, c, d].map(|p| p.0), [1, 2, 3, 4]);
        assert_eq!(set.recipients(os, false, 0xFFFF), vec![0, 2]);
        assert_eq!(set.recipients(ita, false, 0xFFFF), vec![1, 2]);
        assert_eq!(
            set.recipients(MessageType::new(Pen::TCG, 1), false, 0xFFFF),
            vec![2]
        );
        // EXCL: only the subscriber whose id is the destination
        assert_eq!(set.recipients(os, true, 3), vec![2]);
        assert_eq!(set.recipients(os, true, 2), Vec::<usize>::new());
        assert_eq!(set.recipients(ita, true, 2), vec![1]);
    }

    #[test]
    fn policies_fold_as_specified() {
        use tnc_imv_api::{ActionRecommendation as A, EvaluationResult as E, Recommendation};
        let r = |action, evaluation| Recommendation { action, evaluation };
        let recs = [
            r(A::NO_RECOMMENDATION, E::DONT_KNOW),
            r(A::ALLOW, E::COMPLIANT),
            r(A::ISOLATE, E::NONCOMPLIANT_MINOR),
        ];
        assert_eq!(
            RecommendationPolicy::Default.combine(&recs),
            r(A::ISOLATE, E::NONCOMPLIANT_MINOR)
        );
        assert_eq!(
            RecommendationPolicy::Any.combine(&recs),
            r(A::ALLOW, E::COMPLIANT)
        );
        assert_eq!(
            RecommendationPolicy::All.combine(&recs),
            r(A::NO_RECOMMENDATION, E::DONT_KNOW)
        );
        let same = [r(A::ISOLATE, E::ERROR), r(A::ISOLATE, E::ERROR)];
        assert_eq!(
            RecommendationPolicy::All.combine(&same),
            r(A::ISOLATE, E::ERROR)
        );
        assert_eq!(
            RecommendationPolicy::Default.combine(&[]),
            r(A::NO_RECOMMENDATION, E::DONT_KNOW)
        );
        // No Recommendation never overrides under `default`, No Access beats Isolate
        let mix = [
            r(A::NO_ACCESS, E::ERROR),
            r(A::NO_RECOMMENDATION, E::NONCOMPLIANT_MAJOR),
            r(A::ISOLATE, E::COMPLIANT),
        ];
        assert_eq!(
            RecommendationPolicy::Default.combine(&mix),
            r(A::NO_ACCESS, E::ERROR)
        );
        assert_eq!(
            RecommendationPolicy::Any.combine(&mix),
            r(A::ISOLATE, E::COMPLIANT)
        );
        assert_eq!(
            access_recommendation_for(A::NO_RECOMMENDATION),
            AccessRecommendation::DENIED
        );
        assert_eq!(
            access_recommendation_for(A::ISOLATE),
            AccessRecommendation::QUARANTINED
        );
        assert_eq!(
            connection_state_for(AccessRecommendation::QUARANTINED),
            ConnectionState::ACCESS_ISOLATED
        );
    }

    #[test]
    fn reasons_follow_the_language_preference() {
        use tnc_imv_api::ReasonString;
        let rs = |t: &str, l: &str| ReasonString {
            text: t.into(),
            language: l.into(),
        };
        let reasons = [rs("hello", "en-GB"), rs("hallo", "de"), rs("bonjour", "fr")];
        assert_eq!(
            select_reason(&reasons, &["de", "en"]).unwrap().text,
            "hallo"
        );
        assert_eq!(select_reason(&reasons, &["en"]).unwrap().text, "hello");
        assert_eq!(
            select_reason(&reasons, &["it", "FR"]).unwrap().text,
            "bonjour"
        );
        assert_eq!(select_reason(&reasons, &["it"]).unwrap().text, "hello");
        assert_eq!(select_reason(&reasons, &["*"]).unwrap().text, "hello");
        assert!(select_reason(&[], &["de"]).is_none());
    }
}
