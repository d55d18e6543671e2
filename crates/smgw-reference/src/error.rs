//! The crate's error type.

use std::path::PathBuf;

/// Every failure of the gateway library, with what went wrong, where, and
/// (in the message) what to do.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration file or an environment override is invalid.
    #[error("configuration {path}: {msg} (fix the file or the environment variable)")]
    Config {
        /// The configuration file (or the environment variable's name).
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// A file system operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was attempted ("read", "write", "rename", ...).
        op: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A data file does not parse.
    #[error("data file {path} is corrupt at byte {offset}: {msg}")]
    Corrupt {
        /// The file concerned.
        path: PathBuf,
        /// Byte offset of the offending line or value.
        offset: u64,
        /// What is wrong.
        msg: String,
    },
    /// A logbook's hash chain does not verify.
    #[error("logbook {path}: chain broken at entry {seq} (byte offset {offset}): {msg}")]
    LogChain {
        /// The logbook file.
        path: PathBuf,
        /// Sequence number where the chain breaks (expected sequence number when missing).
        seq: u64,
        /// Byte offset of the offending line.
        offset: u64,
        /// What is wrong.
        msg: String,
    },
    /// A measurement request names something outside the manifest, or a measured path is unusable.
    #[error("measurement of {path}: {msg}")]
    Measurement {
        /// The requested or configured path.
        path: String,
        /// What is wrong.
        msg: String,
    },
    /// The meter source produced an unusable reading.
    #[error("meter source {source_name}, line {line}: {msg}")]
    Meter {
        /// Where readings come from.
        source_name: String,
        /// 1-based line (0 for the generator).
        line: u64,
        /// What is wrong.
        msg: String,
    },
    /// The integrity check failed before a verdict was reached.
    #[error("check failed ({class}): {msg}")]
    Check {
        /// Whether a retry can help.
        class: crate::schedule::ErrorClass,
        /// What happened.
        msg: String,
    },
}

impl Error {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
