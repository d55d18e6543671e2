//! # tnc-iftnccs
//!
//! **PB-TNC** (RFC 5793, TCG IF-TNCCS 2.0), the posture-broker protocol between a TNC client
//! (TNCC) and a TNC server (TNCS), as digested in the project's `pb-tnc.md`:
//!
//! * [`batch`] and [`message`]: a borrowed, allocation-free decoder and an encoder for batches
//!   and every IETF message (PB-Experimental, PB-PA, PB-Assessment-Result,
//!   PB-Access-Recommendation, PB-Remediation-Parameters, PB-Error with each parameter layout,
//!   PB-Language-Preference, PB-Reason-String), the TCG PB-PDP-Referral and strongSwan's ITA
//!   PB-Mutual-Capability; unknown messages are kept raw, the NOSKIP rules applied, and every
//!   error carries the batch-relative offset PB-Error wants ([`Error::pb_error`]);
//! * [`state`]: the PB-TNC state machine as data ([`state::EDGES`], [`state::transition`]);
//! * [`session`]: a sans-IO [`Session`] per side — `receive_batch(bytes, now)`, `poll_batch()`,
//!   `poll_event()`, `next_deadline()` / `handle_timeout(now)` — with limits on batch size,
//!   message size and round trips, answering malformed or illegal input with the right fatal
//!   PB-Error in a CLOSE batch;
//! * [`broker`]: the [`Tncc`] and [`Tncs`] that drive a session with real collectors
//!   ([`tnc_imc_api::Imc`]) and verifiers ([`tnc_imv_api::Imv`]): routing of PB-PA by message
//!   type with exclusive delivery, combining recommendations ([`RecommendationPolicy`]),
//!   language preference, reason strings, remediation parameters, CRETRY/SRETRY and CLOSE.
//!
//! PA messages travel as opaque bytes (decode them with `tnc-ifm`); batches travel as opaque
//! bytes over any transport (PT-TLS, PT-EAP).
//!
//! ## Time
//!
//! `now` is a [`std::time::Instant`] passed in by the caller; nothing in this crate reads the
//! clock. Tests take one base instant and add simulated durations.
//!
//! ## Driving a broker from a transport
//!
//! The client calls [`Tncc::start`] and sends the batch it returns; from then on both sides
//! feed each received batch to `receive` and send what the returned [`Step`] carries, until the
//! step has an [`Outcome`]. If [`next_deadline`](Tncc::next_deadline) passes first (a silent
//! peer, or a plug-in call that does not return — drop the pending future), call
//! `handle_timeout`. Here both sides run in memory (a tokio adapter does the same with
//! `timeout_at` around `receive`):
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Instant;
//! use tnc_iftnccs::{ImcSet, ImvSet, Tncc, TnccConfig, Tncs, TncsConfig, AccessRecommendation};
//! use tnc_imc_api::{async_trait, ApiError, ConnectionAttributes, ConnectionId, Imc, ImcContext,
//!                   MessageType, MessageTypeFilter, Pen};
//! use tnc_imv_api::{ActionRecommendation, EvaluationResult, Imv, ImvContext, ReceivedMessage};
//!
//! const OS: MessageType = MessageType::new(Pen::IETF, 1);
//!
//! struct Collector;
//! #[async_trait]
//! impl Imc for Collector {
//!     fn name(&self) -> &str { "os" }
//!     fn message_types(&self) -> Vec<MessageTypeFilter> { vec![MessageTypeFilter::exact(OS)] }
//!     async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
//!         ctx.send(OS, b"Debian 12.11".to_vec())
//!     }
//! }
//!
//! struct Verifier;
//! #[async_trait]
//! impl Imv for Verifier {
//!     fn name(&self) -> &str { "os" }
//!     fn message_types(&self) -> Vec<MessageTypeFilter> { vec![MessageTypeFilter::exact(OS)] }
//!     async fn receive_message(&self, ctx: &mut ImvContext, m: ReceivedMessage<'_>)
//!         -> Result<(), ApiError> {
//!         let ok = m.body.starts_with(b"Debian 12");
//!         ctx.provide_recommendation(
//!             if ok { ActionRecommendation::ALLOW } else { ActionRecommendation::ISOLATE },
//!             if ok { EvaluationResult::COMPLIANT } else { EvaluationResult::NONCOMPLIANT_MINOR });
//!         Ok(())
//!     }
//!     async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
//!         ctx.provide_recommendation(ActionRecommendation::NO_RECOMMENDATION,
//!                                    EvaluationResult::DONT_KNOW);
//!         Ok(())
//!     }
//! }
//!
//! # fn block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     let mut f = std::pin::pin!(f);
//! #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
//! #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
//! # }
//! # block_on(async {
//! let mut imcs = ImcSet::new();
//! imcs.add(Arc::new(Collector));
//! let mut imvs = ImvSet::new();
//! imvs.add(Arc::new(Verifier));
//! let mut tncc = Tncc::new(Arc::new(imcs), ConnectionId(1), ConnectionAttributes::default(),
//!                          TnccConfig::default());
//! let mut tncs = Tncs::new(Arc::new(imvs), ConnectionId(1), ConnectionAttributes::default(),
//!                          TncsConfig::default());
//! let now = Instant::now();
//!
//! // the client speaks first
//! let mut to_server = tncc.start(now).await.batch;
//! let (client_outcome, server_outcome) = loop {
//!     // "transmit" to the server
//!     let s = tncs.receive(&to_server.take().unwrap(), now).await;
//!     let Some(to_client) = s.batch else { break (None, s.outcome) };
//!     // "transmit" to the client
//!     let c = tncc.receive(&to_client, now).await;
//!     if let Some(outcome) = c.outcome {
//!         // the client's final CLOSE still goes to the server
//!         let s = tncs.receive(&c.batch.unwrap(), now).await;
//!         break (Some(outcome), s.outcome);
//!     }
//!     to_server = c.batch;
//! };
//! let decision = client_outcome.unwrap().decision().cloned().unwrap();
//! assert_eq!(decision.recommendation, AccessRecommendation::ALLOWED);
//! assert_eq!(server_outcome.unwrap().decision(), Some(&decision));
//! # });
//! ```
#![forbid(unsafe_code)]

pub mod batch;
pub mod consts;
mod error;
pub mod message;
pub mod session;
pub mod state;

pub use batch::{Batch, BatchWriter, encode_batch};
pub use consts::{AccessRecommendation, AssessmentResult, BatchType, ErrorCode};
pub use error::Error;
pub use message::{ErrorParameters, Message, PbError};
pub use session::{Event, Limits, Session};
pub use state::{Role, State};
pub use tnc_wire::{MessageType, Pen};
pub mod broker;
pub use broker::{
    Decision, ImcSet, ImvSet, Outcome, RecommendationPolicy, Step, Tncc, TnccConfig, Tncs,
    TncsConfig,
};
