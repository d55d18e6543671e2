//! The numbers of the PB-TNC registries (RFC 5793 §4 / IANA "PB-TNC parameters") and of the
//! vendor extensions this crate understands, as open newtypes: unknown values round-trip.

use tnc_wire::Pen;

/// The only PB-TNC version (batch header octet 0).
pub const VERSION: u8 = 2;
/// Octets of the batch header.
pub const BATCH_HEADER_LEN: usize = 8;
/// Octets of a PB-TNC message header.
pub const MESSAGE_HEADER_LEN: usize = 12;
/// Octets of the PB-PA header inside the message value.
pub const PA_HEADER_LEN: usize = 12;

/// NOSKIP flag of the PB-TNC message header.
pub const FLAG_NOSKIP: u8 = 0x80;
/// EXCL flag of PB-PA.
pub const FLAG_EXCL: u8 = 0x80;
/// FATAL flag of PB-Error.
pub const FLAG_FATAL: u8 = 0x80;
/// Reserved vendor id (`0xFFFFFF`): invalid in every vendor field.
pub const VENDOR_RESERVED: u32 = 0x00FF_FFFF;
/// Reserved message type / subtype (`0xFFFFFFFF`).
pub const TYPE_RESERVED: u32 = 0xFFFF_FFFF;

tnc_wire::open_enum! {
    /// PB-TNC batch types (batch header, low nibble of octet 3).
    pub struct BatchType(u8) {
        /// Client data.
        CDATA = 1 => "CDATA",
        /// Server data.
        SDATA = 2 => "SDATA",
        /// The server's decision.
        RESULT = 3 => "RESULT",
        /// Client asks for a handshake retry.
        CRETRY = 4 => "CRETRY",
        /// Server asks for a handshake retry.
        SRETRY = 5 => "SRETRY",
        /// The sender is about to close the connection.
        CLOSE = 6 => "CLOSE",
    }
}

tnc_wire::open_enum! {
    /// IETF (vendor 0) PB-TNC message types.
    pub struct IetfMessageType(u32) {
        /// PB-Experimental.
        EXPERIMENTAL = 0 => "PB-Experimental",
        /// PB-PA: carries a PA message.
        PA = 1 => "PB-PA",
        /// PB-Assessment-Result.
        ASSESSMENT_RESULT = 2 => "PB-Assessment-Result",
        /// PB-Access-Recommendation.
        ACCESS_RECOMMENDATION = 3 => "PB-Access-Recommendation",
        /// PB-Remediation-Parameters.
        REMEDIATION_PARAMETERS = 4 => "PB-Remediation-Parameters",
        /// PB-Error.
        ERROR = 5 => "PB-Error",
        /// PB-Language-Preference.
        LANGUAGE_PREFERENCE = 6 => "PB-Language-Preference",
        /// PB-Reason-String.
        REASON_STRING = 7 => "PB-Reason-String",
    }
}

/// TCG PB-TNC message type PB-PDP-Referral (vendor [`Pen::TCG`]).
pub const TCG_PDP_REFERRAL: u32 = 1;
/// ITA PB-TNC message type PB-Noskip-Test (vendor [`Pen::ITA`]); deliberately not implemented.
pub const ITA_NOSKIP_TEST: u32 = 0;
/// ITA PB-TNC message type PB-Mutual-Capability (vendor [`Pen::ITA`]).
pub const ITA_MUTUAL_CAPABILITY: u32 = 1;

tnc_wire::open_enum! {
    /// IETF PB-Error codes.
    pub struct ErrorCode(u16) {
        /// Unexpected Batch Type (parameters empty).
        UNEXPECTED_BATCH_TYPE = 0 => "Unexpected Batch Type",
        /// Invalid Parameter (parameter: error offset).
        INVALID_PARAMETER = 1 => "Invalid Parameter",
        /// Local Error (parameters empty).
        LOCAL_ERROR = 2 => "Local Error",
        /// Unsupported Mandatory Message (parameter: offset of the message).
        UNSUPPORTED_MANDATORY_MESSAGE = 3 => "Unsupported Mandatory Message",
        /// Version Not Supported (parameters: bad, max, min version).
        VERSION_NOT_SUPPORTED = 4 => "Version Not Supported",
    }
}

tnc_wire::open_enum! {
    /// PB-Assessment-Result values (= `TNC_IMV_Evaluation_Result`).
    pub struct AssessmentResult(u32) {
        /// Compliant.
        COMPLIANT = 0 => "Compliant",
        /// Non-compliant, minor difference.
        NONCOMPLIANT_MINOR = 1 => "Non-compliant minor",
        /// Non-compliant, major difference.
        NONCOMPLIANT_MAJOR = 2 => "Non-compliant major",
        /// Compliance could not be determined because of an error.
        ERROR = 3 => "Error",
        /// Not enough information to decide.
        DONT_KNOW = 4 => "Don't know",
    }
}

tnc_wire::open_enum! {
    /// PB-Access-Recommendation codes.
    pub struct AccessRecommendation(u16) {
        /// Access Allowed.
        ALLOWED = 1 => "Access Allowed",
        /// Access Denied.
        DENIED = 2 => "Access Denied",
        /// Quarantined.
        QUARANTINED = 3 => "Quarantined",
    }
}

tnc_wire::open_enum! {
    /// IETF PB-Remediation-Parameters types.
    pub struct RemediationType(u32) {
        /// Remediation-URI.
        URI = 1 => "Remediation-URI",
        /// Remediation-String.
        STRING = 2 => "Remediation-String",
    }
}

tnc_wire::open_enum! {
    /// TCG PDP identifier types of PB-PDP-Referral.
    pub struct PdpIdentifierType(u32) {
        /// Fully qualified domain name.
        FQDN = 0 => "FQDN",
        /// IPv4 address.
        IPV4 = 1 => "IPv4",
        /// IPv6 address.
        IPV6 = 2 => "IPv6",
    }
}

/// Name of a PB-TNC message type, for logs and the CLI.
pub fn message_type_name(vendor: Pen, message_type: u32) -> Option<&'static str> {
    match vendor {
        Pen::IETF => IetfMessageType(message_type).name(),
        Pen::TCG if message_type == TCG_PDP_REFERRAL => Some("PB-PDP-Referral"),
        Pen::ITA if message_type == ITA_NOSKIP_TEST => Some("PB-Noskip-Test"),
        Pen::ITA if message_type == ITA_MUTUAL_CAPABILITY => Some("PB-Mutual-Capability"),
        _ => None,
    }
}
