//! The crate's one error type.

use crate::consts::PtTlsErrorCode;
use tnc_wire::{DecodeError, EncodeError};

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A PT-TLS message could not be decoded; `code` is the PT-TLS Error a receiver sends.
    #[error("PT-TLS decode error ({code}): {source}")]
    Decode {
        /// The PT-TLS Error code the receiver answers with.
        code: PtTlsErrorCode,
        /// What was wrong and at which byte offset.
        #[source]
        source: DecodeError,
    },
    /// A message could not be encoded.
    #[error("PT-TLS encode error: {0}")]
    Encode(#[from] EncodeError),
    /// The peer broke the PT-TLS protocol; the session sent `code` and closed.
    #[error("PT-TLS protocol violation ({code}): {reason}")]
    Protocol {
        /// The PT-TLS Error code that was sent.
        code: PtTlsErrorCode,
        /// Human-readable reason.
        reason: &'static str,
    },
    /// The peer sent a fatal PT-TLS Error.
    #[error("peer sent PT-TLS Error {code} (vendor {vendor}); session closed")]
    PeerError {
        /// Vendor of the error code.
        vendor: u32,
        /// The error code.
        code: PtTlsErrorCode,
    },
    /// A local API call that the current session state does not allow.
    #[error("PT-TLS API misuse: {0}")]
    State(&'static str),
    /// The session's lifetime (48 h in the BSI profile) expired.
    #[error("PT-TLS session lifetime expired; connection closed")]
    Expired,
    /// SASL client authentication failed.
    #[error("SASL authentication failed: {0}")]
    Authentication(&'static str),
    /// TLS failure (handshake, certificate, alert).
    #[error("TLS error: {0}")]
    Tls(#[from] rustls::Error),
    /// TLS configuration could not be built from the profile and credentials.
    #[error("TLS configuration error: {0}")]
    Config(String),
    /// I/O error on the transport.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A timeout (handshake, idle, lifetime) expired.
    #[error("timeout: {0}")]
    Timeout(&'static str),
    /// Certificate or key material could not be parsed or generated.
    #[error("certificate/key error: {0}")]
    Pki(String),
    /// A PROXY protocol header (from a load balancer) was missing or malformed.
    #[error("PROXY protocol header: {0}")]
    ProxyHeader(&'static str),
    /// The caller's PB-TNC driver failed.
    #[error("PB-TNC driver error: {0}")]
    Driver(String),
}

impl Error {
    /// The PT-TLS Error code this error maps to on the wire, if any.
    pub fn wire_code(&self) -> Option<PtTlsErrorCode> {
        match self {
            Error::Decode { code, .. } | Error::Protocol { code, .. } => Some(*code),
            _ => None,
        }
    }
}
