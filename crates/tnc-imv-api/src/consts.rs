//! IF-IMV registries: action recommendations and evaluation results.

tnc_wire::open_enum! {
    /// `TNC_IMV_Action_Recommendation`.
    pub struct ActionRecommendation(u32) {
        /// Full access (PB-Access-Recommendation 1).
        ALLOW = 0 => "Allow",
        /// No access (PB-Access-Recommendation 2).
        NO_ACCESS = 1 => "No Access",
        /// Quarantine (PB-Access-Recommendation 3).
        ISOLATE = 2 => "Isolate",
        /// The IMV has no opinion (becomes Access Denied on the wire).
        NO_RECOMMENDATION = 3 => "No Recommendation",
    }
}

tnc_wire::open_enum! {
    /// `TNC_IMV_Evaluation_Result` (the same numbers as PB-Assessment-Result).
    pub struct EvaluationResult(u32) {
        /// The endpoint complies with the policy.
        COMPLIANT = 0 => "Compliant",
        /// Minor non-compliance.
        NONCOMPLIANT_MINOR = 1 => "Non-compliant minor",
        /// Major non-compliance.
        NONCOMPLIANT_MAJOR = 2 => "Non-compliant major",
        /// Compliance could not be determined because of an error.
        ERROR = 3 => "Error",
        /// The attributes provided were not enough to decide.
        DONT_KNOW = 4 => "Don't know",
    }
}
