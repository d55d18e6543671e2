//! # tnc-imv-api
//!
//! The native Rust plug-in API for TNC *Integrity Measurement Verifiers* (IMVs), with the
//! semantics of TCG **IF-IMV 1.3** (project digest `if-imc-imv.md`). An IMV subscribes to PA
//! message types, is told about connection-state changes, receives the collectors' PA messages,
//! sees the end of each batch, is asked for a recommendation when the TNC server needs a decision
//! ([`Imv::solicit_recommendation`]) and is terminated.
//!
//! Through its [`ImvContext`] it sends PA messages (optionally exclusively to one IMC), requests
//! a handshake retry, reads the [`ConnectionAttributes`] (preferred language, maximum message
//! size and round trips, channel binding, the peer's certificate identity) and provides its
//! [`ActionRecommendation`] and [`EvaluationResult`] (`TNC_TNCS_ProvideRecommendation`; may be
//! called at any time, the last value wins), reason strings per language
//! (`TNC_ATTRIBUTEID_REASON_STRING` / `REASON_LANGUAGE`) and [`Remediation`] instructions.
//!
//! The types shared with collectors are defined once in `tnc-imc-api` and re-exported here.
//!
//! With the feature **`c-abi`**, `c_abi` loads standard IF-IMV 1.3 shared libraries listed in a
//! `tnc_config` file as `Arc<dyn Imv>` and `export_imv!` turns a native IMV into such a library.
//!
//! ```
//! use tnc_imv_api::{async_trait, ActionRecommendation, ApiError, EvaluationResult, Imv,
//!                   ImvContext, MessageType, MessageTypeFilter, Pen, ReceivedMessage};
//!
//! /// Allows access when the collector sent "ok".
//! struct OkImv;
//! const OS: MessageType = MessageType::new(Pen::IETF, 1);
//!
//! #[async_trait]
//! impl Imv for OkImv {
//!     fn name(&self) -> &str { "ok" }
//!     fn message_types(&self) -> Vec<MessageTypeFilter> { vec![MessageTypeFilter::exact(OS)] }
//!     async fn receive_message(&self, ctx: &mut ImvContext, msg: ReceivedMessage<'_>)
//!         -> Result<(), ApiError> {
//!         if msg.body == b"ok" {
//!             ctx.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
//!         } else {
//!             ctx.provide_recommendation(ActionRecommendation::NO_ACCESS,
//!                                        EvaluationResult::NONCOMPLIANT_MAJOR);
//!             ctx.add_reason("Betriebssystem veraltet", "de");
//!             ctx.add_reason("operating system outdated", "en");
//!         }
//!         Ok(())
//!     }
//!     async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
//!         ctx.provide_recommendation(ActionRecommendation::NO_RECOMMENDATION,
//!                                    EvaluationResult::DONT_KNOW);
//!         Ok(())
//!     }
//! }
//!
//! let attrs = std::sync::Arc::new(tnc_imv_api::ConnectionAttributes::default());
//! let mut ctx = ImvContext::new(tnc_imv_api::PostureId(1), tnc_imv_api::ConnectionId(1), attrs);
//! let msg = ReceivedMessage { message_type: OS, exclusive: false,
//!     source: tnc_imv_api::PostureId(1), destination: tnc_imv_api::PostureId::ANY, body: b"old" };
//! # let waker = std::task::Waker::noop();
//! # let mut cx = std::task::Context::from_waker(&waker);
//! # let mut fut = OkImv.receive_message(&mut ctx, msg);
//! # assert!(fut.as_mut().poll(&mut cx).is_ready());
//! # drop(fut);
//! let rec = ctx.take_recommendation().unwrap();
//! assert_eq!(rec.action, ActionRecommendation::NO_ACCESS);
//! assert_eq!(ctx.take_reasons().len(), 2);
//! ```
#![cfg_attr(not(feature = "c-abi"), forbid(unsafe_code))]
#![cfg_attr(feature = "c-abi", deny(unsafe_code))]
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

#[cfg(feature = "c-abi")]
pub mod c_abi;

mod consts;
mod context;
mod imv;

pub use consts::{ActionRecommendation, EvaluationResult};
pub use context::{ImvContext, ReasonString, Recommendation, Remediation};
pub use imv::Imv;

pub use tnc_imc_api::{
    ApiError, AttributeId, ChannelBinding, ChannelBindingKind, ConnectionAttributes, ConnectionId,
    ConnectionState, Context, MessageType, MessageTypeFilter, OutgoingMessage, PeerIdentity, Pen,
    PostureId, ReceivedMessage, RetryReason, async_trait,
};
