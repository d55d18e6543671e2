//! The error type of the plug-in API (the `TNC_Result` codes of IF-IMC/IF-IMV 1.3).

/// Why a plug-in call or a context operation failed. Each variant corresponds to a
/// `TNC_Result` code; [`ApiError::code`] gives it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// `TNC_RESULT_INVALID_PARAMETER`: e.g. sending with a wildcard vendor or subtype.
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// `TNC_RESULT_ILLEGAL_OPERATION`: the operation is not allowed now.
    #[error("illegal operation: {0}")]
    IllegalOperation(&'static str),
    /// `TNC_RESULT_CANT_RETRY`: the handshake cannot be retried on this connection.
    #[error("the handshake cannot be retried")]
    CantRetry,
    /// `TNC_RESULT_WONT_RETRY`: the TNC client/server refuses to retry.
    #[error("the handshake will not be retried")]
    WontRetry,
    /// `TNC_RESULT_EXCEEDED_MAX_MESSAGE_SIZE`: the PA message is larger than the connection allows.
    #[error("PA message of {size} octets exceeds the maximum message size {max}")]
    ExceededMaxMessageSize {
        /// Size of the refused message.
        size: usize,
        /// The connection's maximum (`TNC_ATTRIBUTEID_MAX_MESSAGE_SIZE`).
        max: u32,
    },
    /// `TNC_RESULT_OTHER`: a plug-in specific failure, with a description.
    #[error("{0}")]
    Other(String),
    /// `TNC_RESULT_FATAL`: the plug-in is unusable.
    #[error("fatal plug-in error: {0}")]
    Fatal(String),
}

impl ApiError {
    /// The IF-IMC/IF-IMV `TNC_Result` value of this error.
    pub const fn code(&self) -> u32 {
        match self {
            Self::InvalidParameter(_) => 6,
            Self::IllegalOperation(_) => 8,
            Self::CantRetry => 4,
            Self::WontRetry => 5,
            Self::ExceededMaxMessageSize { .. } => 0x0055_9701,
            Self::Other(_) => 9,
            Self::Fatal(_) => 10,
        }
    }
}
