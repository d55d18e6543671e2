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
#![allow(unsafe_code)]

pub mod export;
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
