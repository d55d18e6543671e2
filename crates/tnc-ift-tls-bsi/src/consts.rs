//! The PT-TLS registries of RFC 6876 (IANA "PT-TLS parameters") as open enums.
//!
//! Unknown values round-trip; `Debug` prints the registry name or the hex value.

tnc_wire::open_enum! {
    /// PT-TLS message types of the IETF namespace (vendor 0), RFC 6876 §3.6.
    pub struct PtTlsMessageType(u32) {
        /// Experimental (0): data transport phase on experimental networks only.
        EXPERIMENTAL = 0 => "Experimental",
        /// Version Request (1): the first PT-TLS message of the initiator.
        VERSION_REQUEST = 1 => "Version Request",
        /// Version Response (2): the responder's selected version.
        VERSION_RESPONSE = 2 => "Version Response",
        /// SASL Mechanisms (3): mechanisms the NEA Server offers (empty = none needed).
        SASL_MECHANISMS = 3 => "SASL Mechanisms",
        /// SASL Mechanism Selection (4): the NEA Client's choice plus initial response.
        SASL_MECHANISM_SELECTION = 4 => "SASL Mechanism Selection",
        /// SASL Authentication Data (5): opaque SASL challenge/response octets.
        SASL_AUTHENTICATION_DATA = 5 => "SASL Authentication Data",
        /// SASL Result (6): outcome of one SASL exchange.
        SASL_RESULT = 6 => "SASL Result",
        /// PB-TNC Batch (7): one PB-TNC batch, data transport phase only.
        PB_TNC_BATCH = 7 => "PB-TNC Batch",
        /// PT-TLS Error (8).
        PT_TLS_ERROR = 8 => "PT-TLS Error",
        /// Reserved value, never valid on the wire.
        RESERVED = 0xFFFF_FFFF => "Reserved",
    }
}

tnc_wire::open_enum! {
    /// PT-TLS Error codes of the IETF namespace, RFC 6876 §3.9.1.
    pub struct PtTlsErrorCode(u32) {
        /// Reserved (0): recipients should ignore it; may serve debugging.
        RESERVED = 0 => "Reserved",
        /// Malformed Message (1): the basic sanity check failed.
        MALFORMED_MESSAGE = 1 => "Malformed Message",
        /// Version Not Supported (2): no common PT-TLS version. Fatal.
        VERSION_NOT_SUPPORTED = 2 => "Version Not Supported",
        /// Type Not Supported (3): unknown or unsupported message type. Not fatal.
        TYPE_NOT_SUPPORTED = 3 => "Type Not Supported",
        /// Invalid Message (4): message not valid in the current state. Fatal.
        INVALID_MESSAGE = 4 => "Invalid Message",
        /// SASL Mechanism Error (5): fatal problem in client authentication.
        SASL_MECHANISM_ERROR = 5 => "SASL Mechanism Error",
        /// Invalid Parameter (6): invalid value in a PT-TLS header (e.g. length). Fatal.
        INVALID_PARAMETER = 6 => "Invalid Parameter",
    }
}

impl PtTlsErrorCode {
    /// Whether RFC 6876 §3.9.1 makes this IETF error fatal (sender and receiver close).
    /// Malformed Message is fatal for its sender; a receiver treats it as fatal too,
    /// since the peer is about to abort.
    pub const fn is_fatal(self) -> bool {
        !matches!(self.0, 0 | 3)
    }
}

tnc_wire::open_enum! {
    /// SASL Result codes, RFC 6876 §3.8.10 (16-bit field).
    pub struct SaslResultCode(u16) {
        /// Success: authentication succeeded.
        SUCCESS = 0 => "Success",
        /// Failure: authentication failed (bad credentials); the client may retry.
        FAILURE = 1 => "Failure",
        /// Abort: the sender aborted the exchange.
        ABORT = 2 => "Abort",
        /// Mechanism Failure: the mechanism itself failed.
        MECHANISM_FAILURE = 3 => "Mechanism Failure",
    }
}

/// The only PT-TLS version that exists.
pub const PT_TLS_VERSION: u8 = 1;

/// IANA port of PT-TLS ("pt-tls").
pub const PT_TLS_PORT: u16 = 271;

/// Length of the PT-TLS message header.
pub const HEADER_LEN: usize = 16;

/// Default largest PT-TLS message accepted (header included): strongSwan's
/// `PT_TLS_MAX_MESSAGE_LEN` (2 097 136 octets of value) plus the header.
pub const DEFAULT_MAX_MESSAGE_LEN: u32 = 128 * 16384;

/// At most this many octets of an offending message are copied into a PT-TLS Error (§3.9).
pub const MAX_ERROR_COPY: usize = 1024;

/// SASL mechanism name of RFC 4616 PLAIN.
pub const SASL_PLAIN: &str = "PLAIN";

/// Longest SASL mechanism name (RFC 4422 / RFC 6876: 5-bit length, 1..20).
pub const MAX_MECH_LEN: usize = 20;
