//! Registries of IF-IMC/IF-IMV 1.3 shared by collectors and verifiers.

tnc_wire::open_enum! {
    /// `TNC_ConnectionState`: the life cycle of a connection as IMCs/IMVs see it.
    pub struct ConnectionState(u32) {
        /// Connection object created.
        CREATE = 0 => "Create",
        /// (Re)starting an integrity-check handshake.
        HANDSHAKE = 1 => "Handshake",
        /// Decision: full access.
        ACCESS_ALLOWED = 2 => "Access Allowed",
        /// Decision: quarantined.
        ACCESS_ISOLATED = 3 => "Access Isolated",
        /// Decision: no access.
        ACCESS_NONE = 4 => "Access None",
        /// The connection is gone; forget its state.
        DELETE = 5 => "Delete",
    }
}

tnc_wire::open_enum! {
    /// `TNC_RetryReason`: why an IMC or IMV asks for a new handshake.
    pub struct RetryReason(u32) {
        /// IMC: remediation is complete.
        IMC_REMEDIATION_COMPLETE = 0 => "IMC Remediation Complete",
        /// IMC: a serious event happened.
        IMC_SERIOUS_EVENT = 1 => "IMC Serious Event",
        /// IMC: an informational event happened.
        IMC_INFORMATIONAL_EVENT = 2 => "IMC Informational Event",
        /// IMC: periodic re-check.
        IMC_PERIODIC = 3 => "IMC Periodic",
        /// IMV: important policy change.
        IMV_IMPORTANT_POLICY_CHANGE = 4 => "IMV Important Policy Change",
        /// IMV: minor policy change.
        IMV_MINOR_POLICY_CHANGE = 5 => "IMV Minor Policy Change",
        /// IMV: a serious event happened.
        IMV_SERIOUS_EVENT = 6 => "IMV Serious Event",
        /// IMV: a minor event happened.
        IMV_MINOR_EVENT = 7 => "IMV Minor Event",
        /// IMV: periodic re-check.
        IMV_PERIODIC = 8 => "IMV Periodic",
    }
}

tnc_wire::open_enum! {
    /// `TNC_AttributeID`: what `GetAttribute`/`SetAttribute` read or write.
    pub struct AttributeId(u32) {
        /// Preferred language (from PB-Language-Preference).
        PREFERRED_LANGUAGE = 0x0000_0001 => "Preferred Language",
        /// IMV reason string (set).
        REASON_STRING = 0x0000_0002 => "Reason String",
        /// IMV reason language (set).
        REASON_LANGUAGE = 0x0000_0003 => "Reason Language",
        /// Maximum round trips.
        MAX_ROUND_TRIPS = 0x0055_9700 => "Max Round Trips",
        /// Maximum PA message size.
        MAX_MESSAGE_SIZE = 0x0055_9701 => "Max Message Size",
        /// Diffie-Hellman pre-negotiation value.
        DHPN = 0x0055_9702 => "DHPN",
        /// Long message types supported.
        HAS_LONG_TYPES = 0x0055_9703 => "Has Long Types",
        /// Exclusive delivery supported.
        HAS_EXCLUSIVE = 0x0055_9704 => "Has Exclusive",
        /// SoH supported.
        HAS_SOH = 0x0055_9705 => "Has SoH",
        /// IF-TNCCS protocol name.
        IFTNCCS_PROTOCOL = 0x0055_970A => "IF-TNCCS Protocol",
        /// IF-TNCCS version.
        IFTNCCS_VERSION = 0x0055_970B => "IF-TNCCS Version",
        /// IF-T protocol name.
        IFT_PROTOCOL = 0x0055_970C => "IF-T Protocol",
        /// IF-T version.
        IFT_VERSION = 0x0055_970D => "IF-T Version",
        /// tls-unique channel binding octets.
        TLS_UNIQUE = 0x0055_970E => "TLS Unique",
        /// Primary IMV id.
        PRIMARY_IMV_ID = 0x0055_9710 => "Primary IMV ID",
        /// Primary IMC id.
        PRIMARY_IMC_ID = 0x0055_9711 => "Primary IMC ID",
        /// Access-requestor identities.
        AR_IDENTITIES = 0x0055_9712 => "AR Identities",
    }
}
