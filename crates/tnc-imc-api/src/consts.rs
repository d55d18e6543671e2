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
