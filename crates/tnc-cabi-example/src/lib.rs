//! # tnc-cabi-example
//!
//! A native Rust collector ([`OsImc`]) and verifier ([`OsImv`]) exported as one standard
//! IF-IMC / IF-IMV 1.3 shared library with `tnc_imc_api::export_imc!` and
//! `tnc_imv_api::export_imv!` (digest `if-imc-imv.md`). Build it with
//! `cargo build -p tnc-cabi-example` and list `target/debug/libtnc_cabi_example.so` in a
//! `tnc_config` file as both `IMC` and `IMV`; any IF-IMC/IF-IMV host (strongSwan, or this
//! project's loader) can then use it.
//!
//! The collector sends the IETF "Operating System" PA message (0/1) with the text
//! `Rust OS 1.0|<hex tls-unique>`; the verifier allows access when the text starts with
//! `Rust OS 1` and the channel binding equals its own side's, and isolates the endpoint with a
//! reason string otherwise.
//!
//! The export macros expand to `#[unsafe(no_mangle)]` entry points, so this crate cannot
//! `forbid(unsafe_code)`; it holds no `unsafe` block of its own.
//!
//! ```
//! use tnc_cabi_example::{OsImc, hex};
//! use tnc_imc_api::{ChannelBindingKind, ConnectionAttributes, ConnectionId, Imc, ImcContext,
//!                   PostureId};
//! let attrs = ConnectionAttributes::default()
//!     .with_channel_binding(ChannelBindingKind::TlsUnique, vec![0xab]);
//! let mut ctx = ImcContext::new(PostureId(1), ConnectionId(1), std::sync::Arc::new(attrs));
//! tnc_imc_api::c_abi::library::block_on(OsImc.begin_handshake(&mut ctx)).unwrap();
//! assert_eq!(&ctx.take_outbox()[0].body[..], b"Rust OS 1.0|ab");
//! assert_eq!(hex(&[1, 0xfe]), "01fe");
//! ```
#![deny(unsafe_code)]

use tnc_imc_api::{
    ApiError, ChannelBindingKind, ConnectionAttributes, Imc, ImcContext, MessageType,
    MessageTypeFilter, Pen,
};
use tnc_imv_api::{ActionRecommendation, EvaluationResult, Imv, ImvContext, ReceivedMessage};

/// IETF PA subtype "Operating System".
pub const OS: MessageType = MessageType::new(Pen::IETF, 1);

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn binding(a: &ConnectionAttributes) -> String {
    a.channel_binding
        .as_ref()
        .filter(|c| c.kind == ChannelBindingKind::TlsUnique)
        .map(|c| hex(&c.data))
        .unwrap_or_default()
}

/// The collector: sends `Rust OS 1.0|<hex tls-unique>` when a handshake begins.
#[derive(Debug, Default)]
pub struct OsImc;

#[tnc_imc_api::async_trait]
impl Imc for OsImc {
    fn name(&self) -> &str {
        "rust-os-imc"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(OS)]
    }
    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        let body = format!("Rust OS 1.0|{}", binding(ctx.attributes()));
        ctx.send(OS, body.into_bytes())
    }
}

/// The verifier: allows `Rust OS 1*` with the matching channel binding.
#[derive(Debug, Default)]
pub struct OsImv;

#[tnc_imv_api::async_trait]
impl Imv for OsImv {
    fn name(&self) -> &str {
        "rust-os-imv"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(OS)]
    }
    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        m: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        let expected = format!("|{}", binding(ctx.attributes()));
        let text = String::from_utf8_lossy(m.body);
        let ok = text.starts_with("Rust OS 1") && text.ends_with(&expected) && expected.len() > 1;
        if ok {
            ctx.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
        } else {
            ctx.provide_recommendation(
                ActionRecommendation::ISOLATE,
                EvaluationResult::NONCOMPLIANT_MINOR,
            );
            ctx.add_reason("Rust verifier: unexpected OS or channel binding", "en");
        }
        Ok(())
    }
    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        ctx.provide_recommendation(
            ActionRecommendation::NO_RECOMMENDATION,
            EvaluationResult::DONT_KNOW,
        );
        Ok(())
    }
}

tnc_imc_api::export_imc!(OsImc::default);
tnc_imv_api::export_imv!(OsImv::default);
