//! Registry numbers of the IF-M layer: attribute types, error codes, value
//! registries. Every registry is an open newtype built with
//! [`tnc_wire::open_enum!`]: unknown values are representable and round-trip.

use tnc_wire::Pen;

tnc_wire::open_enum! {
    /// IETF (vendor 0) PA-TNC attribute types (RFC 5792 §4.2, RFC 8412).
    pub struct IetfAttributeType(u32) {
        /// Testing (reserved for examples and experiments; never interpreted).
        TESTING = 0 => "Testing",
        /// Attribute Request.
        ATTRIBUTE_REQUEST = 1 => "Attribute Request",
        /// Product Information.
        PRODUCT_INFORMATION = 2 => "Product Information",
        /// Numeric Version.
        NUMERIC_VERSION = 3 => "Numeric Version",
        /// String Version.
        STRING_VERSION = 4 => "String Version",
        /// Operational Status.
        OPERATIONAL_STATUS = 5 => "Operational Status",
        /// Port Filter.
        PORT_FILTER = 6 => "Port Filter",
        /// Installed Packages.
        INSTALLED_PACKAGES = 7 => "Installed Packages",
        /// PA-TNC Error.
        PA_TNC_ERROR = 8 => "PA-TNC Error",
        /// Assessment Result.
        ASSESSMENT_RESULT = 9 => "Assessment Result",
        /// Remediation Instructions.
        REMEDIATION_INSTRUCTIONS = 10 => "Remediation Instructions",
        /// Forwarding Enabled.
        FORWARDING_ENABLED = 11 => "Forwarding Enabled",
        /// Factory Default Password Enabled.
        FACTORY_DEFAULT_PASSWORD_ENABLED = 12 => "Factory Default Password Enabled",
        /// SWIMA Request (RFC 8412).
        SWIMA_REQUEST = 13 => "SWIMA Request",
        /// Software Identifier Inventory (RFC 8412).
        SOFTWARE_IDENTIFIER_INVENTORY = 14 => "Software Identifier Inventory",
        /// Software Identifier Events (RFC 8412).
        SOFTWARE_IDENTIFIER_EVENTS = 15 => "Software Identifier Events",
        /// Software Inventory (RFC 8412).
        SOFTWARE_INVENTORY = 16 => "Software Inventory",
        /// Software Events (RFC 8412).
        SOFTWARE_EVENTS = 17 => "Software Events",
        /// Subscription Status Request (RFC 8412).
        SUBSCRIPTION_STATUS_REQUEST = 18 => "Subscription Status Request",
        /// Subscription Status Response (RFC 8412).
        SUBSCRIPTION_STATUS_RESPONSE = 19 => "Subscription Status Response",
        /// Source Metadata Request (RFC 8412).
        SOURCE_METADATA_REQUEST = 20 => "Source Metadata Request",
        /// Source Metadata Response (RFC 8412).
        SOURCE_METADATA_RESPONSE = 21 => "Source Metadata Response",
        /// Reserved; invalid on the wire for every vendor.
        RESERVED = 0xFFFF_FFFF => "Reserved",
    }
}

tnc_wire::open_enum! {
    /// TCG (vendor `0x005597`) attribute types: IF-M segmentation and PTS.
    pub struct TcgAttributeType(u32) {
        /// Segmentation Contract Request.
        SEGMENTATION_CONTRACT_REQUEST = 0x21 => "Segmentation Contract Request",
        /// Segmentation Contract Response.
        SEGMENTATION_CONTRACT_RESPONSE = 0x22 => "Segmentation Contract Response",
        /// Segment Envelope.
        SEGMENT_ENVELOPE = 0x23 => "Segment Envelope",
        /// Next Segment.
        NEXT_SEGMENT = 0x24 => "Next Segment",
        /// Cancel.
        CANCEL = 0x25 => "Cancel",
        /// Oversized Message.
        OVERSIZED_MESSAGE = 0x26 => "Oversized Message",
        /// Contract Exemption.
        CONTRACT_EXEMPTION = 0x27 => "Contract Exemption",
        /// PTS Request Functional Component Evidence.
        REQUEST_FUNCTIONAL_COMPONENT_EVIDENCE = 0x0010_0000 => "Request Functional Component Evidence",
        /// PTS Generate Attestation Evidence.
        GENERATE_ATTESTATION_EVIDENCE = 0x0020_0000 => "Generate Attestation Evidence",
        /// PTS Simple Component Evidence.
        SIMPLE_COMPONENT_EVIDENCE = 0x0030_0000 => "Simple Component Evidence",
        /// PTS Simple Evidence Final.
        SIMPLE_EVIDENCE_FINAL = 0x0040_0000 => "Simple Evidence Final",
        /// PTS Verification Result.
        VERIFICATION_RESULT = 0x0050_0000 => "Verification Result",
        /// PTS Integrity Report.
        INTEGRITY_REPORT = 0x0060_0000 => "Integrity Report",
        /// PTS Request File Metadata.
        REQUEST_FILE_METADATA = 0x0070_0000 => "Request File Metadata",
        /// PTS Windows-Style File Metadata.
        WINDOWS_STYLE_FILE_METADATA = 0x0080_0000 => "Windows-Style File Metadata",
        /// PTS Unix-Style File Metadata.
        UNIX_STYLE_FILE_METADATA = 0x0090_0000 => "Unix-Style File Metadata",
        /// PTS Request Registry Value.
        REQUEST_REGISTRY_VALUE = 0x00A0_0000 => "Request Registry Value",
        /// PTS Registry Value.
        REGISTRY_VALUE = 0x00B0_0000 => "Registry Value",
        /// PTS Request File Measurement.
        REQUEST_FILE_MEASUREMENT = 0x00C0_0000 => "Request File Measurement",
        /// PTS File Measurement.
        FILE_MEASUREMENT = 0x00D0_0000 => "File Measurement",
        /// PTS Request Integrity Measurement Log.
        REQUEST_INTEGRITY_MEASUREMENT_LOG = 0x00E0_0000 => "Request Integrity Measurement Log",
        /// PTS Integrity Measurement Log.
        INTEGRITY_MEASUREMENT_LOG = 0x00F0_0000 => "Integrity Measurement Log",
        /// PTS Request PTS Protocol Capabilities.
        REQUEST_PROTOCOL_CAPABILITIES = 0x0100_0000 => "Request PTS Protocol Capabilities",
        /// PTS Protocol Capabilities.
        PROTOCOL_CAPABILITIES = 0x0200_0000 => "PTS Protocol Capabilities",
        /// PTS D-H Nonce Parameters Request.
        DH_NONCE_PARAMETERS_REQUEST = 0x0300_0000 => "D-H Nonce Parameters Request",
        /// PTS D-H Nonce Parameters Response.
        DH_NONCE_PARAMETERS_RESPONSE = 0x0400_0000 => "D-H Nonce Parameters Response",
        /// PTS D-H Nonce Finish.
        DH_NONCE_FINISH = 0x0500_0000 => "D-H Nonce Finish",
        /// PTS Measurement Algorithm Request.
        MEASUREMENT_ALGORITHM_REQUEST = 0x0600_0000 => "PTS Measurement Algorithm Request",
        /// PTS Measurement Algorithm (Selection).
        MEASUREMENT_ALGORITHM_SELECTION = 0x0700_0000 => "PTS Measurement Algorithm Selection",
        /// PTS Get TPM Version Information.
        GET_TPM_VERSION_INFORMATION = 0x0800_0000 => "Get TPM Version Information",
        /// PTS TPM Version Information.
        TPM_VERSION_INFORMATION = 0x0900_0000 => "TPM Version Information",
        /// PTS Request Template Reference Manifest Set Metadata.
        REQUEST_TEMPLATE_RM_SET_METADATA = 0x0A00_0000 => "Request Template Reference Manifest Set Metadata",
        /// PTS Template Reference Manifest Set Metadata.
        TEMPLATE_RM_SET_METADATA = 0x0B00_0000 => "Template Reference Manifest Set Metadata",
        /// PTS Update Template Reference Manifest.
        UPDATE_TEMPLATE_RM = 0x0C00_0000 => "Update Template Reference Manifest",
        /// PTS Get Attestation Identity Key.
        GET_AIK = 0x0D00_0000 => "Get Attestation Identity Key",
        /// PTS Attestation Identity Key.
        AIK = 0x0E00_0000 => "Attestation Identity Key",
    }
}

tnc_wire::open_enum! {
    /// IETF (vendor 0) PA-TNC error codes (RFC 5792 §4.2.8, RFC 8412).
    pub struct PaTncErrorCode(u32) {
        /// Reserved.
        RESERVED = 0 => "Reserved",
        /// Invalid Parameter.
        INVALID_PARAMETER = 1 => "Invalid Parameter",
        /// Version Not Supported.
        VERSION_NOT_SUPPORTED = 2 => "Version Not Supported",
        /// Attribute Type Not Supported.
        ATTRIBUTE_TYPE_NOT_SUPPORTED = 3 => "Attribute Type Not Supported",
        /// SWIMA Error.
        SWIMA_ERROR = 4 => "SWIMA Error",
        /// SWIMA Subscription Denied Error.
        SWIMA_SUBSCRIPTION_DENIED = 5 => "SWIMA Subscription Denied Error",
        /// SWIMA Response Too Large Error.
        SWIMA_RESPONSE_TOO_LARGE = 6 => "SWIMA Response Too Large Error",
        /// SWIMA Subscription Fulfillment Error.
        SWIMA_SUBSCRIPTION_FULFILLMENT = 7 => "SWIMA Subscription Fulfillment Error",
        /// SWIMA Subscription ID Reuse Error.
        SWIMA_SUBSCRIPTION_ID_REUSE = 8 => "SWIMA Subscription ID Reuse Error",
    }
}

tnc_wire::open_enum! {
    /// TCG PTS error codes, carried in an IETF PA-TNC Error attribute whose error
    /// code vendor is TCG (spec §9a.9).
    pub struct PtsErrorCode(u32) {
        /// Reserved.
        RESERVED = 0 => "Reserved",
        /// Hash Algorithm Not Supported.
        HASH_ALGORITHM_NOT_SUPPORTED = 1 => "Hash Algorithm Not Supported",
        /// Invalid Path.
        INVALID_PATH = 2 => "Invalid Path",
        /// File Not Found.
        FILE_NOT_FOUND = 3 => "File Not Found",
        /// Registry Not Supported.
        REGISTRY_NOT_SUPPORTED = 4 => "Registry Not Supported",
        /// Registry Key Not Found.
        REGISTRY_KEY_NOT_FOUND = 5 => "Registry Key Not Found",
        /// D-H Group Not Supported.
        DH_GROUP_NOT_SUPPORTED = 6 => "D-H Group Not Supported",
        /// DH-PN Nonce Not Acceptable.
        DH_PN_NONCE_NOT_ACCEPTABLE = 7 => "DH-PN Nonce Not Acceptable",
        /// Invalid Functional Name Family.
        INVALID_FUNCTIONAL_NAME_FAMILY = 8 => "Invalid Functional Name Family",
        /// TPM Version Information Unavailable.
        TPM_VERSION_INFORMATION_UNAVAILABLE = 9 => "TPM Version Information Unavailable",
        /// Invalid File Pathname Delimiter.
        INVALID_FILE_PATHNAME_DELIMITER = 10 => "Invalid File Pathname Delimiter",
        /// PTS Operation Not Supported.
        OPERATION_NOT_SUPPORTED = 11 => "PTS Operation Not Supported",
        /// Unable To Update Reference Manifest.
        UNABLE_TO_UPDATE_REFERENCE_MANIFEST = 12 => "Unable To Update Reference Manifest",
        /// Unable To Perform Local Validation.
        UNABLE_TO_PERFORM_LOCAL_VALIDATION = 13 => "Unable To Perform Local Validation",
        /// Unable To Collect Current Evidence.
        UNABLE_TO_COLLECT_CURRENT_EVIDENCE = 14 => "Unable To Collect Current Evidence",
        /// Unable To Determine Transitive Trust Chain.
        UNABLE_TO_DETERMINE_TRANSITIVE_TRUST_CHAIN = 15 => "Unable To Determine Transitive Trust Chain",
        /// Unable To Determine PCR.
        UNABLE_TO_DETERMINE_PCR = 16 => "Unable To Determine PCR",
    }
}

tnc_wire::open_enum! {
    /// Operational Status: Status field (RFC 5792 §4.2.5).
    pub struct OperationalStatusCode(u8) {
        /// Unknown or other.
        UNKNOWN = 0 => "Unknown or other",
        /// Not installed.
        NOT_INSTALLED = 1 => "Not installed",
        /// Installed but not operational.
        INSTALLED_NOT_OPERATIONAL = 2 => "Installed but not operational",
        /// Operational.
        OPERATIONAL = 3 => "Operational",
    }
}

tnc_wire::open_enum! {
    /// Operational Status: Result field, the result of last use (RFC 5792 §4.2.5).
    pub struct OperationalResult(u8) {
        /// Unknown or other.
        UNKNOWN = 0 => "Unknown or other",
        /// Successful use with no errors detected.
        SUCCESSFUL = 1 => "Successful use with no errors detected",
        /// Successful use with one or more errors detected.
        SUCCESSFUL_WITH_ERRORS = 2 => "Successful use with one or more errors detected",
        /// Unsuccessful use (e.g. aborted).
        UNSUCCESSFUL = 3 => "Unsuccessful use",
    }
}

tnc_wire::open_enum! {
    /// Assessment Result values (RFC 5792 §4.2.9), shared with IF-IMV and PB-TNC.
    pub struct AssessmentResultCode(u32) {
        /// Compliant.
        COMPLIANT = 0 => "Compliant",
        /// Non-compliant, minor.
        NON_COMPLIANT_MINOR = 1 => "Non-compliant minor",
        /// Non-compliant, major.
        NON_COMPLIANT_MAJOR = 2 => "Non-compliant major",
        /// Error.
        ERROR = 3 => "Error",
        /// Don't know / insufficient attributes.
        DONT_KNOW = 4 => "Don't know",
    }
}

tnc_wire::open_enum! {
    /// Forwarding Enabled values (RFC 5792 §4.2.11).
    pub struct ForwardingStatus(u32) {
        /// Disabled.
        DISABLED = 0 => "Disabled",
        /// Enabled.
        ENABLED = 1 => "Enabled",
        /// Unknown.
        UNKNOWN = 2 => "Unknown",
    }
}

tnc_wire::open_enum! {
    /// IETF remediation parameter types (shared numbering with PB-TNC).
    pub struct RemediationType(u32) {
        /// Remediation-URI.
        URI = 1 => "Remediation-URI",
        /// Remediation-String.
        STRING = 2 => "Remediation-String",
    }
}

tnc_wire::open_enum! {
    /// Unix file types of the Unix-Style File Metadata attribute (spec §9a.8).
    pub struct UnixFileType(u8) {
        /// Other / unknown.
        OTHER = 0 => "Other",
        /// FIFO.
        FIFO = 1 => "FIFO",
        /// Character device.
        CHARACTER_DEVICE = 2 => "Character device",
        /// Directory.
        DIRECTORY = 4 => "Directory",
        /// Block device.
        BLOCK_DEVICE = 6 => "Block device",
        /// Regular file.
        REGULAR = 8 => "Regular file",
        /// Symbolic link.
        SYMLINK = 10 => "Symbolic link",
        /// Socket.
        SOCKET = 12 => "Socket",
    }
}

/// The registry name of an attribute type, if this crate knows it.
pub fn attribute_name(vendor: Pen, attr_type: u32) -> Option<&'static str> {
    match vendor {
        Pen::IETF => IetfAttributeType(attr_type).name(),
        Pen::TCG => TcgAttributeType(attr_type).name(),
        _ => None,
    }
}

/// The name of an error code of a PA-TNC Error attribute, if known.
pub fn error_code_name(vendor: Pen, code: u32) -> Option<&'static str> {
    match vendor {
        Pen::IETF => PaTncErrorCode(code).name(),
        Pen::TCG => PtsErrorCode(code).name(),
        _ => None,
    }
}

/// The only PA-TNC version (RFC 5792).
pub const PA_TNC_VERSION: u8 = 1;
/// Length of the PA-TNC message header.
pub const MESSAGE_HEADER_LEN: usize = 8;
/// Length of a PA-TNC attribute header.
pub const ATTRIBUTE_HEADER_LEN: usize = 12;
/// The NOSKIP bit of the attribute flags octet.
pub const NOSKIP: u8 = 0x80;
/// The reserved attribute type `0xFFFFFFFF`, invalid for every vendor.
pub const RESERVED_ATTRIBUTE_TYPE: u32 = 0xFFFF_FFFF;
