//! The standard IF-IMV 1.3 C ABI (feature `c-abi`): load vendor IMV libraries listed in a
//! `tnc_config` file as native [`Imv`](crate::Imv)s, and export a native IMV as a C library.
//!
//! The IMV counterpart of `tnc_imc_api::c_abi` (whose [`tnc_config`], [`ffi`] and
//! [`CAbiError`] are re-exported here):
//!
//! * [`CImv`]: a loaded C library behind the [`Imv`](crate::Imv) trait. The TNCS functions it
//!   binds (`TNC_TNCS_SendMessage[Long]`, `ReportMessageTypes[Long]`, `RequestHandshakeRetry`,
//!   `ProvideRecommendation`, `GetAttribute`, `SetAttribute` for the reason string and its
//!   language, `ReserveAdditionalIMVID`, `BindFunction`) check every input and answer misuse
//!   with the IF-IMV `TNC_Result`.
//! * [`export_imv!`](crate::export_imv): turns a native IMV into a `cdylib`.
#[allow(unsafe_code)]
pub mod export;
#[allow(unsafe_code)]
mod loader;

use std::path::Path;
use std::sync::Arc;

pub use loader::CImv;
pub use tnc_imc_api::c_abi::{CAbiError, ffi, read_tnc_config, resolve_library_path, tnc_config};

/// Loads every `IMV` line of the `tnc_config` file at `path`, in file order (`IMC` and other
/// lines are ignored). The first malformed line or failing library stops the processing, as
/// in strongSwan; libraries loaded before are terminated again when the partial list is dropped.
pub fn load_from_tnc_config(path: &Path) -> Result<Vec<Arc<dyn crate::Imv>>, CAbiError> {
    let config = read_tnc_config(path)?;
    let mut out: Vec<Arc<dyn crate::Imv>> = Vec::new();
    for e in config.imvs() {
        out.push(CImv::load(&e.name, &resolve_library_path(path, &e.path))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    //! The IMV exporter talking to our own TNCS functions in-process (no `dlopen`).
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unsafe_code)]

    use super::export::ImvExport;
    use super::ffi::*;
    use crate::{
        ActionRecommendation, ApiError, ConnectionAttributes, ConnectionId, EvaluationResult, Imv,
        ImvContext, MessageType, MessageTypeFilter, Pen, PostureId, Recommendation,
    };
    use std::sync::Arc;
    use tnc_imc_api::c_abi::host::{self, Side};

    struct Strict;

    #[async_trait::async_trait]
    impl Imv for Strict {
        fn name(&self) -> &str {
            "strict"
        }
        fn message_types(&self) -> Vec<MessageTypeFilter> {
            vec![MessageTypeFilter::vendor(Pen::TCG)]
        }
        async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
            ctx.provide_recommendation(
                ActionRecommendation::NO_ACCESS,
                EvaluationResult::NONCOMPLIANT_MAJOR,
            );
            ctx.add_reason("zu alt", "de");
            ctx.send(MessageType::new(Pen::TCG, 7), b"bye".to_vec())
        }
    }

    fn make() -> Arc<dyn Imv> {
        Arc::new(Strict)
    }

    #[test]
    fn imv_exporter_round_trips_recommendation_and_reason_through_the_tncs_functions() {
        let export = ImvExport::new();
        let reg = host::register(Side::Imv, "loop").unwrap();
        let id = reg.primary();
        let mut v: TNC_Version = 0;
        // SAFETY: valid out-pointer; tncs_bind is the TNCS bind function.
        unsafe {
            assert_eq!(
                export.initialize(make, id, 1, 1, &raw mut v),
                TNC_RESULT_SUCCESS
            );
            assert_eq!(
                export.provide_bind_function(id, Some(super::loader::tncs_bind)),
                TNC_RESULT_SUCCESS
            );
        }
        assert_eq!(
            reg.message_types(),
            vec![MessageTypeFilter::vendor(Pen::TCG)]
        );
        let mut ctx = ImvContext::new(
            PostureId(2),
            ConnectionId(9),
            Arc::new(ConnectionAttributes::default()),
        );
        let r = host::call_with(Side::Imv, id, 9, &mut ctx, || {
            export.solicit_recommendation(id, 9)
        });
        assert_eq!(r, TNC_RESULT_SUCCESS);
        super::loader::apply_pending(id, 9, &mut ctx);
        assert_eq!(
            ctx.take_recommendation(),
            Some(Recommendation {
                action: ActionRecommendation::NO_ACCESS,
                evaluation: EvaluationResult::NONCOMPLIANT_MAJOR
            })
        );
        let reasons = ctx.take_reasons();
        assert_eq!(
            (reasons[0].text.as_str(), reasons[0].language.as_str()),
            ("zu alt", "de")
        );
        assert_eq!(&ctx.take_outbox()[0].body[..], b"bye");
        // outside a callback the send fails and the exporter reports it
        assert_eq!(
            export.solicit_recommendation(id, 9),
            TNC_RESULT_ILLEGAL_OPERATION
        );
        assert_eq!(export.batch_ending(id + 1, 9), TNC_RESULT_INVALID_PARAMETER);
        assert_eq!(export.terminate(id), TNC_RESULT_SUCCESS);
        assert_eq!(export.batch_ending(id, 9), TNC_RESULT_NOT_INITIALIZED);
        host::unregister(Side::Imv, id);
    }
}
