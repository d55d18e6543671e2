//! The TNC configuration profile the GWA hands to a gateway.

use serde::{Deserialize, Serialize};

use crate::{AdminError, PublicKey};

/// Shortest accepted assessment interval (one minute).
pub const MIN_INTERVAL_SECS: u64 = 60;
/// Longest accepted assessment interval (31 days).
pub const MAX_INTERVAL_SECS: u64 = 31 * 24 * 3600;
/// Longest accepted host name or address, in octets (DNS limit).
pub const MAX_HOST_LEN: usize = 253;

/// A gateway's TNC configuration profile (JSON on the wire, field names as below).
///
/// While a gateway has no profile, or its profile says `tnc_enabled: false`, TNC is off and its
/// integrity state is *unknown*. The gateway identity is never part of the profile: the GWA
/// picks the profile by the gateway's TLS client certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TncProfile {
    /// Monotonic revision; a gateway ignores a profile whose revision is below the one it has.
    pub revision: u64,
    /// TNC switched on.
    pub tnc_enabled: bool,
    /// Seconds between scheduled assessments ([`MIN_INTERVAL_SECS`]..=[`MAX_INTERVAL_SECS`]).
    pub interval_secs: u64,
    /// Host name or address of the GWA's PT-TLS listener.
    pub gwa_host: String,
    /// Port of the GWA's PT-TLS listener (non-zero).
    pub gwa_port: u16,
    /// Name the GWA's server certificate must carry, if set.
    pub expected_gwa_name: Option<String>,
    /// SPKI PEM of the GWA's ECDSA wake-up verification key.
    pub wakeup_key: String,
}

impl TncProfile {
    /// Checks every rule: interval bounds, host non-empty and without blanks, port non-zero,
    /// expected name non-empty when given, wake-up key parses. Returns the parsed key.
    pub fn validate(&self) -> Result<PublicKey, AdminError> {
        let bad = |field, problem: String| AdminError::InvalidProfile { field, problem };
        if !(MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&self.interval_secs) {
            return Err(bad(
                "interval_secs",
                format!(
                    "is {}; use a value from {MIN_INTERVAL_SECS} to {MAX_INTERVAL_SECS}",
                    self.interval_secs
                ),
            ));
        }
        if self.gwa_host.is_empty()
            || self.gwa_host.len() > MAX_HOST_LEN
            || self
                .gwa_host
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad(
                "gwa_host",
                format!(
                    "must be a host name or address of 1..={MAX_HOST_LEN} octets without blanks, got {:?}",
                    self.gwa_host
                ),
            ));
        }
        if self.gwa_port == 0 {
            return Err(bad("gwa_port", "must not be 0".into()));
        }
        if let Some(name) = &self.expected_gwa_name {
            if name.is_empty() || name.len() > MAX_HOST_LEN {
                return Err(bad(
                    "expected_gwa_name",
                    format!("must be 1..={MAX_HOST_LEN} octets or absent"),
                ));
            }
        }
        PublicKey::from_spki_pem(&self.wakeup_key).map_err(|e| bad("wakeup_key", e.to_string()))
    }

    /// Serializes to the JSON of the wire (after validating).
    pub fn to_json(&self) -> Result<Vec<u8>, AdminError> {
        self.validate()?;
        serde_json::to_vec(self).map_err(|e| AdminError::json("profile", &e))
    }

    /// Parses and validates the JSON of the wire; errors carry line and column.
    pub fn from_json(body: &[u8]) -> Result<Self, AdminError> {
        let p: TncProfile =
            serde_json::from_slice(body).map_err(|e| AdminError::json("profile", &e))?;
        p.validate()?;
        Ok(p)
    }
}

/// The JSON body of an error frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Machine-readable code: `unknown_gateway`, `no_profile`, `bad_request` or `internal`.
    pub code: String,
    /// One line for a human: what is wrong and what to do.
    pub message: String,
}

impl ErrorBody {
    /// The gateway's certificate identity is not registered at the GWA.
    pub const UNKNOWN_GATEWAY: &'static str = "unknown_gateway";
    /// The gateway is registered but no profile was set.
    pub const NO_PROFILE: &'static str = "no_profile";
    /// The request frame was malformed.
    pub const BAD_REQUEST: &'static str = "bad_request";
    /// The GWA failed internally.
    pub const INTERNAL: &'static str = "internal";

    /// Builds a body.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}
