//! The crate's one error type. Every message is one line: what is wrong, where, what to do.

use std::path::PathBuf;

/// Everything that can fail in the GWA.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GwaError {
    /// The database failed.
    #[error("database error: {0}; check the path and permissions, or run `gwa-reference doctor`")]
    Db(#[from] rusqlite::Error),
    /// The PostgreSQL database failed (connection, statement or transaction).
    #[error("PostgreSQL error: {0}; check the database URL, the server and the role's rights")]
    Postgres(String),
    /// A stored value could not be decoded (the database was changed outside the program).
    #[error("database holds an unexpected value: {0}")]
    BadStoredValue(String),
    /// The database schema is newer than this program.
    #[error(
        "database schema version {found} is newer than this program's {supported}; upgrade gwa-reference"
    )]
    SchemaTooNew {
        /// Version in the file.
        found: u32,
        /// Newest version this build knows.
        supported: u32,
    },
    /// The database was never initialised.
    #[error("database {0} is not initialised; run `gwa-reference init` first")]
    NotInitialised(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A manifest was refused (line and column are 1-based; 0 when not applicable).
    #[error("{path}:{line}:{column}: {message}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// Line of the problem.
        line: usize,
        /// Column of the problem.
        column: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A configuration file was refused.
    #[error("{path}: {message}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// Something named does not exist.
    #[error("{0}")]
    NotFound(String),
    /// A request that conflicts with the stored state.
    #[error("{0}")]
    Conflict(String),
    /// An invalid argument.
    #[error("{0}")]
    Invalid(String),
    /// The admin protocol failed.
    #[error(transparent)]
    Admin(#[from] smgw_gwa_admin::AdminError),
    /// Stored JSON could not be (de)serialized.
    #[error("stored JSON is invalid: {0}")]
    Json(#[from] serde_json::Error),
}

impl GwaError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = GwaError> = core::result::Result<T, E>;
