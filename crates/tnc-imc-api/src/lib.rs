//! # tnc-imc-api
//!
//! The native Rust plug-in API for TNC *Integrity Measurement Collectors* (IMCs), with the
//! semantics of TCG **IF-IMC 1.3** (see the project's `if-imc-imv.md` digest): an IMC
//!
//! * subscribes to PA message types ([`Imc::message_types`], [`MessageTypeFilter`] with the
//!   `TNC_VENDORID_ANY` / `TNC_SUBTYPE_ANY` wildcards),
//! * is told about connection-state changes ([`Imc::notify_connection_change`],
//!   [`ConnectionState`]),
//! * starts an integrity check ([`Imc::begin_handshake`]),
//! * receives the PA messages of its types ([`Imc::receive_message`], [`ReceivedMessage`] with
//!   the exclusive flag and the source IMV id),
//! * sees the end of each received batch ([`Imc::batch_ending`]) and
//! * is terminated ([`Imc::terminate`]).
//!
//! Within each call it talks back through the [`ImcContext`]: send PA messages (optionally
//! exclusively to one IMV), request a handshake retry with a [`RetryReason`], and read the
//! [`ConnectionAttributes`] — preferred language, maximum message size, maximum round trips, the
//! connection's [`ChannelBinding`] (tls-unique / tls-exporter) and the [`PeerIdentity`] taken from
//! the peer's certificate. As in IF-IMC, sending is only possible while the TNC client is inside
//! one of the IMC's callbacks: the context exists only for the duration of the call.
//!
//! With the feature **`c-abi`**, [`c_abi`] loads standard IF-IMC 1.3 shared libraries listed in
//! a `tnc_config` file as `Arc<dyn Imc>` (every call from C checked) and
//! [`export_imc!`](crate::export_imc) turns a native IMC into such a library.
//!
//! PA messages travel as opaque bytes with their [`MessageType`]; decoding them (PA-TNC,
//! RFC 5792) is the job of `tnc-ifm`. The verifier side (`tnc-imv-api`) re-exports the shared
//! types defined here.
//!
//! ```
//! use tnc_imc_api::{async_trait, ApiError, Imc, ImcContext, MessageType, MessageTypeFilter, Pen,
//!                   ReceivedMessage};
//!
//! /// Answers every "Operating System" request with a fixed (toy) PA message body.
//! struct OsImc;
//!
//! const OS: MessageType = MessageType::new(Pen::IETF, 1);
//!
//! #[async_trait]
//! impl Imc for OsImc {
//!     fn name(&self) -> &str { "os" }
//!     fn message_types(&self) -> Vec<MessageTypeFilter> { vec![MessageTypeFilter::exact(OS)] }
//!     async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
//!         ctx.send(OS, b"hello".to_vec())
//!     }
//!     async fn receive_message(&self, ctx: &mut ImcContext, msg: ReceivedMessage<'_>)
//!         -> Result<(), ApiError> {
//!         // answer exclusively to the IMV that asked
//!         ctx.send_exclusive(msg.message_type, msg.body.to_vec(), msg.source)
//!     }
//! }
//!
//! // what a TNC client does around a callback:
//! let attrs = std::sync::Arc::new(tnc_imc_api::ConnectionAttributes::default());
//! let mut ctx = ImcContext::new(tnc_imc_api::PostureId(1), tnc_imc_api::ConnectionId(7), attrs);
//! # let waker = std::task::Waker::noop();
//! # let mut cx = std::task::Context::from_waker(&waker);
//! # let mut fut = OsImc.begin_handshake(&mut ctx);
//! # assert!(fut.as_mut().poll(&mut cx).is_ready());
//! # drop(fut);
//! let sent = ctx.take_outbox();
//! assert_eq!(sent.len(), 1);
//! assert_eq!(sent[0].message_type, OS);
//! ```
#![cfg_attr(not(feature = "c-abi"), forbid(unsafe_code))]
#![cfg_attr(feature = "c-abi", deny(unsafe_code))]
#![deny(clippy::undocumented_unsafe_blocks, clippy::missing_safety_doc)]

#[cfg(feature = "c-abi")]
pub mod c_abi;

mod attributes;
mod consts;
mod context;
mod error;
mod filter;
mod imc;
mod message;

pub use async_trait::async_trait;
pub use attributes::{ChannelBinding, ChannelBindingKind, ConnectionAttributes, PeerIdentity};
pub use consts::{AttributeId, ConnectionState, RetryReason};
pub use context::{Context, ImcContext};
pub use error::ApiError;
pub use filter::MessageTypeFilter;
pub use imc::Imc;
pub use message::{OutgoingMessage, ReceivedMessage};
pub use tnc_wire::{MessageType, Pen};

/// The id of one TNCC–TNCS connection (`TNC_ConnectionID`), chosen by the TNC client or server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnectionId(pub u32);

/// The id of an IMC (`TNC_IMCID`) or IMV (`TNC_IMVID`), assigned by the TNC client/server
/// when the plug-in is loaded. On the wire (PB-PA) it has 16 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PostureId(pub u16);

impl PostureId {
    /// `TNC_IMCID_ANY` / `TNC_IMVID_ANY`: not addressed to a particular collector/validator.
    pub const ANY: PostureId = PostureId(0xFFFF);
}
