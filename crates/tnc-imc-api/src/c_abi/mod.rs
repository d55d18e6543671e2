//! The standard IF-IMC 1.3 C ABI (feature `c-abi`): load vendor IMC libraries listed in a
//! `tnc_config` file as native [`Imc`](crate::Imc)s, and export a native IMC as a C library.
//!
//! * [`tnc_config`]: the configuration file, with line- and column-precise errors.
//! * [`CImc`]: a loaded C library behind the [`Imc`](crate::Imc) trait. The TNCC functions it
//!   binds (`TNC_TNCC_SendMessage[Long]`, `ReportMessageTypes[Long]`, `RequestHandshakeRetry`,
//!   `GetAttribute`, `SetAttribute`, `ReserveAdditionalIMCID`, `BindFunction`) check every
//!   input — ids, connection ids, lengths against the connection's maximum message size before
//!   reading, null pointers, wildcard types — and answer misuse with the `TNC_Result` IF-IMC
//!   defines ([`host`]).
//! * [`export_imc!`](crate::export_imc): turns a native IMC into a `cdylib` with the standard
//!   entry points ([`export`]).
//! * [`ffi`]: the C types and constants (`TNC_UInt32` is C `unsigned long`).
//!
//! The verifier side (`tnc_imv_api::c_abi`) builds on [`host`], [`library`] and [`export`].
//!
//! # Memory checking
//!
//! Miri cannot `dlopen`, so the loader and exporter are checked with Valgrind (memcheck) over
//! the integration tests of `crates/tnc-cabi-tests` — see that crate's README for the command
//! and the recorded result.
#![allow(unsafe_code)]

mod error;
pub mod export;
pub mod ffi;
pub mod host;
pub mod library;
mod loader;
pub mod tnc_config;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::CAbiError;
pub use loader::{CImc, deliver};
use tnc_config::TncConfig;

/// Reads and parses a `tnc_config` file.
pub fn read_tnc_config(path: &Path) -> Result<TncConfig, CAbiError> {
    let text = std::fs::read_to_string(path).map_err(|source| CAbiError::Io {
        path: path.to_owned(),
        source,
    })?;
    TncConfig::parse(&text).map_err(|source| CAbiError::Config {
        path: path.to_owned(),
        source,
    })
}

/// A library path of a `tnc_config` entry: absolute as written, relative ones relative to the
/// directory of the configuration file.
pub fn resolve_library_path(config: &Path, library: &Path) -> PathBuf {
    if library.is_absolute() {
        library.to_owned()
    } else {
        config
            .parent()
            .map_or_else(|| library.to_owned(), |d| d.join(library))
    }
}

/// Loads every `IMC` line of the `tnc_config` file at `path`, in file order (`IMV` and other
/// lines are ignored). As in strongSwan, the first malformed line or the first library that
/// fails to load or initialise stops the processing (the error names it); libraries loaded
/// before are terminated again when the partial list is dropped.
pub fn load_from_tnc_config(path: &Path) -> Result<Vec<Arc<dyn crate::Imc>>, CAbiError> {
    let config = read_tnc_config(path)?;
    let mut out: Vec<Arc<dyn crate::Imc>> = Vec::new();
    for e in config.imcs() {
        out.push(CImc::load(&e.name, &resolve_library_path(path, &e.path))?);
    }
    Ok(out)
}
