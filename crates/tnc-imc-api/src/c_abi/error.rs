//! The loader's error type.

use std::path::PathBuf;

use super::ffi::TNC_Result;
use super::tnc_config::ConfigError;

/// Why a `tnc_config` file or a plug-in library could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CAbiError {
    /// The `tnc_config` file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A `tnc_config` syntax error.
    #[error("{path}: {source}")]
    Config {
        /// The file.
        path: PathBuf,
        /// Line, column and kind.
        source: ConfigError,
    },
    /// `dlopen` failed (missing file, not a shared object, unresolved symbols…).
    #[error("cannot load plug-in library {path}: {message}")]
    Open {
        /// The library.
        path: PathBuf,
        /// The dynamic loader's message.
        message: String,
    },
    /// A mandatory entry point (e.g. `TNC_IMC_Initialize`) is missing: not an IMC/IMV.
    #[error("{path} is not an IF-IMC/IF-IMV plug-in: missing entry point {symbol}")]
    MissingEntryPoint {
        /// The library.
        path: PathBuf,
        /// The missing symbol.
        symbol: &'static str,
    },
    /// `Initialize` failed.
    #[error("plug-in {name}: {function} returned TNC_Result {code}")]
    Call {
        /// The `tnc_config` name.
        name: String,
        /// `TNC_IMC_Initialize`, `TNC_IMV_ProvideBindFunction`, …
        function: &'static str,
        /// The result code.
        code: TNC_Result,
    },
    /// `Initialize` succeeded but reported a version other than 1.
    #[error("plug-in {name} chose API version {version}, only version 1 exists")]
    NoCommonVersion {
        /// The `tnc_config` name.
        name: String,
        /// The version it wrote.
        version: TNC_Result,
    },
    /// All 65 534 plug-in ids of this process are in use.
    #[error("no plug-in id left")]
    IdsExhausted,
}
