//! The crate's one error type.

use tnc_wire::DecodeError;

/// Everything that can go wrong in the administration protocol.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// A frame or datagram is malformed (offset and reason inside).
    #[error("malformed {what}: {source}")]
    Decode {
        /// Which structure was being decoded.
        what: &'static str,
        /// The offending field and its byte offset.
        #[source]
        source: DecodeError,
    },
    /// The magic at offset 0 is not the expected one.
    #[error("bad magic at offset 0: expected {expected:?}, got {actual:02x?}")]
    BadMagic {
        /// The magic this structure must start with.
        expected: &'static str,
        /// The four octets found.
        actual: [u8; 4],
    },
    /// A frame of an unsupported protocol version (offset 4).
    #[error("unsupported version {0} at offset 4 (this implementation speaks version 1)")]
    UnsupportedVersion(u8),
    /// A frame kind that is not legal at this point (offset 5).
    #[error("unexpected frame kind {0:?} at offset 5")]
    UnexpectedKind(crate::FrameKind),
    /// A JSON body that does not parse or does not fit the schema.
    #[error("invalid JSON {what} at line {line}, column {column}: {message}")]
    Json {
        /// Which body.
        what: &'static str,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// A profile that parses but breaks a rule.
    #[error("invalid TNC profile: field `{field}` {problem}")]
    InvalidProfile {
        /// The JSON field name.
        field: &'static str,
        /// What is wrong with it and what would be accepted.
        problem: String,
    },
    /// The GWA answered a profile request with an error frame.
    #[error("the GWA refused the profile request ({code}): {message}")]
    Refused {
        /// Machine-readable code (see [`crate::ErrorBody`]).
        code: String,
        /// Human-readable explanation.
        message: String,
    },
    /// A key (PEM) that cannot be used.
    #[error("unusable key: {0}")]
    Key(String),
    /// Something too large to encode (e.g. a gateway id over 64 octets).
    #[error("cannot encode: {0}")]
    Encode(String),
    /// I/O of the async helpers.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl AdminError {
    pub(crate) fn decode(what: &'static str, source: DecodeError) -> Self {
        Self::Decode { what, source }
    }

    pub(crate) fn json(what: &'static str, e: &serde_json::Error) -> Self {
        Self::Json {
            what,
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}
