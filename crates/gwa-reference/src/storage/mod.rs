//! The GWA's data model behind the [`Storage`] trait: gateways, assessments with their
//! logbook, manufacturer keys, reference values and TNC profiles. [`SqliteStorage`] is the
//! embedded default; the trait is synchronous and object-safe so that a PostgreSQL backend can
//! follow (the server calls it from blocking tasks).
//!
//! Durability rule: [`Storage::record_assessment`] returns only after the assessment, its
//! logbook entries and the gateway's summary are committed in one transaction; the server sends
//! the result to the gateway after that.

mod sqlite;

pub use sqlite::{SCHEMA_VERSION, SqliteStorage};

use serde::{Deserialize, Serialize};
use smgw_gwa_admin::TncProfile;

use crate::Result;

/// The outcome of an assessment, as the GWA's other functions see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Access allowed: every verifier found the gateway compliant.
    Trusted,
    /// Some verifier found a violation (tampered, unknown firmware, relay, policy).
    NotTrusted,
    /// No verifier could decide (e.g. the gateway reported nothing).
    Unknown,
    /// The assessment did not complete (protocol error, timeout).
    Error,
}

impl Verdict {
    /// All verdicts.
    pub const ALL: [Verdict; 4] = [
        Verdict::Trusted,
        Verdict::NotTrusted,
        Verdict::Unknown,
        Verdict::Error,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verdict::Trusted => "trusted",
            Verdict::NotTrusted => "not_trusted",
            Verdict::Unknown => "unknown",
            Verdict::Error => "error",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl core::fmt::Display for Verdict {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Severity of a logbook entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Normal course.
    Info,
    /// Something the administrator should look at.
    Warning,
    /// A failure.
    Error,
}

impl LogLevel {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warning => "warning",
            LogLevel::Error => "error",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<LogLevel> {
        [LogLevel::Info, LogLevel::Warning, LogLevel::Error]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// One step of a check's course.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Unix milliseconds.
    pub time_ms: i64,
    /// Severity.
    pub level: LogLevel,
    /// Short machine-friendly event name (`tls_established`, `imv_verdict`, …).
    pub event: String,
    /// One line of detail.
    pub detail: String,
}

impl LogEntry {
    /// An entry stamped now.
    pub fn now(level: LogLevel, event: &str, detail: impl Into<String>) -> Self {
        Self {
            time_ms: crate::time::now_ms(),
            level,
            event: event.to_owned(),
            detail: detail.into(),
        }
    }
}

/// A stored logbook entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// Row id.
    pub id: i64,
    /// The assessment it belongs to (none for connection-level events such as a refused
    /// certificate).
    pub assessment_id: Option<i64>,
    /// The gateway, when known.
    pub gateway_id: Option<String>,
    /// The entry.
    #[serde(flatten)]
    pub entry: LogEntry,
}

/// One verifier's verdict within an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImvVerdict {
    /// IMV name.
    pub imv: String,
    /// Action recommendation name (`allow`, `no_access`, `isolate`, `no_recommendation`).
    pub recommendation: String,
    /// Evaluation result name.
    pub evaluation: String,
    /// Reasons (English).
    pub reasons: Vec<String>,
}

/// What the firmware measurement found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasurementSummary {
    /// Files whose measurement was requested.
    pub requested: u32,
    /// Files whose digest equals the reference value.
    pub matched: u32,
    /// Paths whose digest differs from the reference value.
    pub mismatched: Vec<String>,
    /// Paths the gateway did not measure.
    pub missing: Vec<String>,
    /// Measurement algorithm (`sha256`, `sha384`), when known.
    pub algorithm: Option<String>,
    /// Channel binding check: `match`, `mismatch`, `missing` or `not_checked`.
    pub channel_binding: String,
}

/// An assessment to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAssessment {
    /// Gateway id (from its certificate).
    pub gateway_id: String,
    /// Start (unix ms).
    pub started_ms: i64,
    /// End (unix ms).
    pub finished_ms: i64,
    /// Combined action recommendation name.
    pub recommendation: String,
    /// Combined evaluation result name.
    pub evaluation: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Reasons (English), all verifiers.
    pub reasons: Vec<String>,
    /// Per-verifier verdicts.
    pub imv_verdicts: Vec<ImvVerdict>,
    /// Firmware measurement summary.
    pub measurement: MeasurementSummary,
    /// Vendor (manufacturer name), if reported and registered.
    pub vendor: Option<String>,
    /// Product name, if reported.
    pub product: Option<String>,
    /// Firmware version, if reported.
    pub firmware: Option<String>,
    /// Peer address.
    pub peer_addr: Option<String>,
    /// TLS parameters (version, suite, group).
    pub tls: Option<String>,
    /// The check's course.
    pub log: Vec<LogEntry>,
}

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentRecord {
    /// Row id.
    pub id: i64,
    /// The stored data.
    #[serde(flatten)]
    pub data: NewAssessment,
}

/// A gateway as the GWA knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayRecord {
    /// Id (from its certificate).
    pub id: String,
    /// Vendor of the last assessment.
    pub vendor: Option<String>,
    /// Product of the last assessment.
    pub product: Option<String>,
    /// Firmware version of the last assessment.
    pub firmware: Option<String>,
    /// Its TNC profile, if set.
    pub profile: Option<TncProfile>,
    /// UDP address for wake-ups (`host:port`), if set.
    pub wake_addr: Option<String>,
    /// When the GWA first heard of it (unix ms).
    pub first_seen_ms: i64,
    /// Last connection (unix ms).
    pub last_seen_ms: Option<i64>,
    /// Last completed assessment (unix ms).
    pub last_assessed_ms: Option<i64>,
    /// Verdict of the last assessment.
    pub last_verdict: Option<Verdict>,
}

/// Hash algorithm of reference values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestAlgorithm {
    /// SHA-256 (32 octets).
    Sha256,
    /// SHA-384 (48 octets).
    Sha384,
}

impl DigestAlgorithm {
    /// Digest length in octets.
    pub const fn digest_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
        }
    }

    /// Stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha384 => "sha384",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sha256" => Some(Self::Sha256),
            "sha384" => Some(Self::Sha384),
            _ => None,
        }
    }
}

/// A registered manufacturer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manufacturer {
    /// Name (equals the `vendor` of its manifests).
    pub name: String,
    /// IANA PEN the manufacturer's products report in IETF Product Information.
    pub pen: u32,
    /// SPKI PEM of its manifest-signing key.
    pub public_key_pem: String,
    /// Registration time (unix ms).
    pub added_ms: i64,
}

/// The reference values of one firmware version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceSet {
    /// Manufacturer name.
    pub vendor: String,
    /// Manufacturer PEN.
    pub vendor_pen: u32,
    /// Product name.
    pub product: String,
    /// Firmware version.
    pub firmware_version: String,
    /// Digest algorithm.
    pub algorithm: DigestAlgorithm,
    /// Path → digest, sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
}

/// The GWA's storage. Implementations must be safe to call from many threads.
pub trait Storage: Send + Sync {
    /// Creates or migrates the schema; returns the schema version.
    fn init(&self) -> Result<u32>;
    /// Fails with [`GwaError::NotInitialised`](crate::GwaError::NotInitialised) unless `init` ran.
    fn check_schema(&self) -> Result<u32>;

    /// Records that a gateway connected (creates it on first contact).
    fn gateway_seen(&self, id: &str, now_ms: i64) -> Result<()>;
    /// One gateway.
    fn gateway(&self, id: &str) -> Result<Option<GatewayRecord>>;
    /// All gateways, by id.
    fn gateways(&self) -> Result<Vec<GatewayRecord>>;
    /// Gateways never assessed or last assessed before `before_ms`.
    fn stale(&self, before_ms: i64) -> Result<Vec<GatewayRecord>>;
    /// Sets (creates) a gateway's TNC profile; its revision must grow.
    fn set_profile(&self, id: &str, profile: &TncProfile, now_ms: i64) -> Result<()>;
    /// Sets a gateway's wake-up address (`host:port`).
    fn set_wake_addr(&self, id: &str, addr: &str, now_ms: i64) -> Result<()>;

    /// Stores an assessment with its logbook and updates the gateway, in one transaction.
    fn record_assessment(&self, a: &NewAssessment) -> Result<i64>;
    /// A gateway's assessments, newest first.
    fn history(&self, gateway_id: &str, limit: u32) -> Result<Vec<AssessmentRecord>>;
    /// The logbook of one assessment, in order.
    fn logbook(&self, assessment_id: i64) -> Result<Vec<LogRecord>>;
    /// Records a connection-level event (no assessment: e.g. a refused certificate).
    fn log_event(&self, gateway_id: Option<&str>, entry: &LogEntry) -> Result<i64>;
    /// The most recent logbook entries of any kind, newest first.
    fn recent_log(&self, limit: u32) -> Result<Vec<LogRecord>>;
    /// Count of assessments per verdict.
    fn verdict_counts(&self) -> Result<Vec<(Verdict, u64)>>;

    /// Registers a manufacturer key.
    fn add_manufacturer(&self, m: &Manufacturer) -> Result<()>;
    /// One manufacturer.
    fn manufacturer(&self, name: &str) -> Result<Option<Manufacturer>>;
    /// All manufacturers.
    fn manufacturers(&self) -> Result<Vec<Manufacturer>>;
    /// Stores a verified manifest's reference values; `manifest_sha256` identifies the file.
    fn import_reference(
        &self,
        set: &ReferenceSet,
        manifest_sha256: &str,
        now_ms: i64,
    ) -> Result<i64>;
    /// Reference values of a firmware version of a product of the vendor with `pen`.
    fn reference_set(&self, pen: u32, product: &str, version: &str)
    -> Result<Option<ReferenceSet>>;
    /// Known firmware versions of a product of the vendor with `pen`.
    fn firmware_versions(&self, pen: u32, product: &str) -> Result<Vec<String>>;
}
