//! The GWA's data model behind the [`Storage`] trait: gateways, assessments with their
//! logbook, manufacturer keys, reference values and TNC profiles. [`SqliteStorage`] is the
//! embedded default for one GWA process; [`PgStorage`] keeps the same data model in PostgreSQL
//! so that several GWA instances can share one database ([`Database`] selects the backend from
//! the configured `database` string). The trait is synchronous and object-safe; the server calls
//! it from blocking tasks.
//!
//! Rules every backend keeps:
//! * Durability: [`Storage::record_assessment`] returns only after the assessment, its logbook
//!   entries and the gateway's summary are committed in one transaction; the server sends the
//!   result to the gateway after that.
//! * Idempotency: an assessment carries a unique [`NewAssessment::uid`]; recording it again
//!   (a retry after a lost acknowledgement) returns the stored row instead of a second one.
//!   Re-importing the same manifest, re-registering the same manufacturer key and re-setting the
//!   same profile revision are no-ops as well.
//! * Concurrency: when two instances assess one gateway at once, the gateway's summary ends up
//!   describing the newest assessment by (`finished_ms`, id), whatever the commit order.

mod postgres;
mod sqlite;

pub use postgres::{PG_SCHEMA_VERSION, PgStorage};
pub use sqlite::{SCHEMA_VERSION, SqliteStorage};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::Digest;
use smgw_gwa_admin::TncProfile;

use crate::{GwaError, Result};

/// Where the data lives: the configured `database` string. A `postgres://` or `postgresql://`
/// URL selects PostgreSQL; anything else is the path of a SQLite file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Database {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/dbname`).
    Postgres(String),
}

impl From<String> for Database {
    fn from(s: String) -> Self {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Database::Postgres(s)
        } else {
            Database::Sqlite(s.into())
        }
    }
}

impl From<&str> for Database {
    fn from(s: &str) -> Self {
        Database::from(s.to_owned())
    }
}

impl From<Database> for String {
    fn from(d: Database) -> String {
        match d {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(u) => u,
        }
    }
}

impl Database {
    /// Makes a relative SQLite path relative to `base` (URLs stay as they are).
    pub fn resolve(&mut self, base: &Path) {
        if let Database::Sqlite(p) = self
            && p.is_relative()
        {
            *p = base.join(&*p);
        }
    }

    /// A name for messages: the path, or the URL without its password.
    pub fn display_name(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(u) => postgres::redact(u),
        }
    }

    /// Opens the store (without creating or checking the schema). `pool_size` bounds the
    /// PostgreSQL connections of this process; SQLite uses one connection. PostgreSQL
    /// connections are plaintext (see [`Database::open_tls`]).
    pub fn open(&self, pool_size: usize) -> Result<Arc<dyn Storage>> {
        self.open_tls(pool_size, None)
    }

    /// As [`Database::open`]; with `ca_file` (PEM), PostgreSQL connections use TLS verified
    /// against those CAs (ignored for SQLite).
    pub fn open_tls(&self, pool_size: usize, ca_file: Option<&Path>) -> Result<Arc<dyn Storage>> {
        Ok(match self {
            Database::Sqlite(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| GwaError::io(dir, e))?;
                }
                Arc::new(SqliteStorage::open(p)?)
            }
            Database::Postgres(url) => match ca_file {
                None => Arc::new(PgStorage::connect(url, pool_size)?),
                Some(ca) => {
                    let certs =
                        tnc_ift_tls_bsi::pki::load_certs(ca).map_err(|e| GwaError::Config {
                            path: ca.to_owned(),
                            message: format!("cannot read the database CA certificates: {e}"),
                        })?;
                    if certs.is_empty() {
                        return Err(GwaError::Config {
                            path: ca.to_owned(),
                            message: "no CERTIFICATE in the database CA file".into(),
                        });
                    }
                    Arc::new(PgStorage::connect_tls(url, pool_size, certs)?)
                }
            },
        })
    }
}

/// The connection id stored with an assessment: lowercase hex of SHA-256 over the TLS channel
/// binding value. Gateway and GWA compute the same value for the same connection, so a gateway
/// (or an auditor holding its log) can find the stored assessment its result came from.
pub fn connection_id(channel_binding: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(channel_binding))
}

/// A fresh assessment uid (128 random bits, hex), the idempotency key of
/// [`Storage::record_assessment`].
pub fn new_uid() -> String {
    hex::encode(rand::random::<[u8; 16]>())
}

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
    /// Idempotency key (see [`new_uid`]): recording the same uid twice stores it once.
    pub uid: String,
    /// The TLS connection it came from (see [`connection_id`]), when known.
    pub connection_id: Option<String>,
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
    /// Id of the assessment the summary (`last_*`, vendor, product, firmware) comes from.
    pub last_assessment_id: Option<i64>,
}

/// Fleet-wide counts from the shared data (cheap enough for every metrics scrape).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetCounts {
    /// Known gateways.
    pub gateways: u64,
    /// Gateways never assessed or last assessed before the given time.
    pub stale: u64,
    /// Gateways by the verdict of their last assessment.
    pub by_last_verdict: Vec<(Verdict, u64)>,
    /// Wake-ups logged by any instance or the CLI.
    pub wakeups: u64,
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
    /// Whether the store can be used now (for `/healthz`). By default a schema check; a
    /// pooled backend may answer from its recent successful calls, so that a health check
    /// under load does not queue for a connection behind the assessments.
    fn health(&self) -> Result<()> {
        self.check_schema().map(|_| ())
    }

    /// Records that a gateway connected (creates it on first contact).
    fn gateway_seen(&self, id: &str, now_ms: i64) -> Result<()>;
    /// One gateway.
    fn gateway(&self, id: &str) -> Result<Option<GatewayRecord>>;
    /// All gateways, by id.
    fn gateways(&self) -> Result<Vec<GatewayRecord>>;
    /// Gateways never assessed or last assessed before `before_ms`.
    fn stale(&self, before_ms: i64) -> Result<Vec<GatewayRecord>>;
    /// Sets (creates) a gateway's TNC profile; its revision must grow (the same revision with
    /// the same content again is a no-op).
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
    /// Fleet-wide counts; `stale_before_ms` as in [`Storage::stale`].
    fn fleet_counts(&self, stale_before_ms: i64) -> Result<FleetCounts>;

    /// Registers a manufacturer key (again with the same name, PEN and key: no-op; a
    /// different key for a registered name or PEN: [`GwaError::Conflict`]).
    fn add_manufacturer(&self, m: &Manufacturer) -> Result<()>;
    /// One manufacturer.
    fn manufacturer(&self, name: &str) -> Result<Option<Manufacturer>>;
    /// All manufacturers.
    fn manufacturers(&self) -> Result<Vec<Manufacturer>>;
    /// Stores a verified manifest's reference values; `manifest_sha256` identifies the file.
    /// Importing the same manifest again returns the stored id; another manifest for an
    /// imported version is a [`GwaError::Conflict`].
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

/// Column lists shared by the backends (same order, same meaning).
pub(crate) const GATEWAY_COLS: &str = "id, vendor, product, firmware, profile_json, wake_addr, \
     first_seen_ms, last_seen_ms, last_assessed_ms, last_verdict, last_assessment_id";
pub(crate) const ASSESSMENT_COLS: &str = "id, gateway_id, started_ms, finished_ms, \
     recommendation, evaluation, verdict, reasons_json, imv_json, measurement_json, vendor, \
     product, firmware, peer_addr, tls, uid, connection_id";
pub(crate) const LOG_COLS: &str = "id, assessment_id, gateway_id, time_ms, level, event, detail";

pub(crate) const MANUFACTURER_COLS: &str = "name, pen, public_key_pem, added_ms";

/// Column access of a result row, implemented by each backend's row type, so that every row
/// layout (the `*_COLS` lists above) is decoded in one place. Errors are messages; each
/// backend wraps them in its own error.
pub(crate) trait Columns {
    /// A TEXT column.
    fn text(&self, i: usize) -> std::result::Result<String, String>;
    /// A nullable TEXT column.
    fn opt_text(&self, i: usize) -> std::result::Result<Option<String>, String>;
    /// An INTEGER/BIGINT column.
    fn int(&self, i: usize) -> std::result::Result<i64, String>;
    /// A nullable INTEGER/BIGINT column.
    fn opt_int(&self, i: usize) -> std::result::Result<Option<i64>, String>;
}

fn json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> std::result::Result<T, String> {
    serde_json::from_str(s).map_err(|e| format!("stored {what} is not valid JSON ({e})"))
}

fn verdict(v: &str) -> std::result::Result<Verdict, String> {
    Verdict::parse(v).ok_or_else(|| format!("unexpected stored verdict {v:?}"))
}

/// A row in [`GATEWAY_COLS`] order.
pub(crate) fn gateway_from(r: &impl Columns) -> std::result::Result<GatewayRecord, String> {
    Ok(GatewayRecord {
        id: r.text(0)?,
        vendor: r.opt_text(1)?,
        product: r.opt_text(2)?,
        firmware: r.opt_text(3)?,
        profile: match r.opt_text(4)? {
            Some(s) => Some(json::<TncProfile>("profile", &s)?),
            None => None,
        },
        wake_addr: r.opt_text(5)?,
        first_seen_ms: r.int(6)?,
        last_seen_ms: r.opt_int(7)?,
        last_assessed_ms: r.opt_int(8)?,
        last_verdict: r.opt_text(9)?.map(|v| verdict(&v)).transpose()?,
        last_assessment_id: r.opt_int(10)?,
    })
}

/// A row in [`ASSESSMENT_COLS`] order (the logbook stays empty).
pub(crate) fn assessment_from(r: &impl Columns) -> std::result::Result<AssessmentRecord, String> {
    Ok(AssessmentRecord {
        id: r.int(0)?,
        data: NewAssessment {
            gateway_id: r.text(1)?,
            started_ms: r.int(2)?,
            finished_ms: r.int(3)?,
            recommendation: r.text(4)?,
            evaluation: r.text(5)?,
            verdict: verdict(&r.text(6)?)?,
            reasons: json("reasons", &r.text(7)?)?,
            imv_verdicts: json("verifier verdicts", &r.text(8)?)?,
            measurement: json("measurement", &r.text(9)?)?,
            vendor: r.opt_text(10)?,
            product: r.opt_text(11)?,
            firmware: r.opt_text(12)?,
            peer_addr: r.opt_text(13)?,
            tls: r.opt_text(14)?,
            // rows written before SQLite schema version 2 have no uid
            uid: r.opt_text(15)?.unwrap_or_default(),
            connection_id: r.opt_text(16)?,
            log: Vec::new(),
        },
    })
}

/// A row in [`LOG_COLS`] order.
pub(crate) fn log_from(r: &impl Columns) -> std::result::Result<LogRecord, String> {
    let level = r.text(4)?;
    Ok(LogRecord {
        id: r.int(0)?,
        assessment_id: r.opt_int(1)?,
        gateway_id: r.opt_text(2)?,
        entry: LogEntry {
            time_ms: r.int(3)?,
            level: LogLevel::parse(&level)
                .ok_or_else(|| format!("unexpected stored log level {level:?}"))?,
            event: r.text(5)?,
            detail: r.text(6)?,
        },
    })
}

/// A row in [`MANUFACTURER_COLS`] order.
pub(crate) fn manufacturer_from(r: &impl Columns) -> std::result::Result<Manufacturer, String> {
    let pen = r.int(1)?;
    Ok(Manufacturer {
        name: r.text(0)?,
        pen: u32::try_from(pen).map_err(|_| format!("stored PEN {pen} is out of range"))?,
        public_key_pem: r.text(2)?,
        added_ms: r.int(3)?,
    })
}

/// `(verdict, count)` of a `GROUP BY verdict` row.
pub(crate) fn verdict_count_from(r: &impl Columns) -> std::result::Result<(Verdict, u64), String> {
    Ok((verdict(&r.text(0)?)?, u64::try_from(r.int(1)?).unwrap_or(0)))
}

/// After an insert that changed nothing: the same registration again is a no-op; another key,
/// name or PEN is a conflict (`existing`: the rows holding the name or the PEN).
pub(crate) fn same_manufacturer_or_conflict(
    m: &Manufacturer,
    existing: &[Manufacturer],
) -> Result<()> {
    if let [one] = existing
        && one.name == m.name
        && one.pen == m.pen
        && one.public_key_pem == m.public_key_pem
    {
        return Ok(());
    }
    let other = existing
        .first()
        .map_or(m.name.as_str(), |o| o.name.as_str());
    Err(GwaError::Conflict(format!(
        "manufacturer {other:?} already holds the name {:?} or PEN {}; keys are not replaced \
         silently",
        m.name, m.pen
    )))
}

/// After a profile write that changed nothing: the same revision with the same content again
/// is a no-op; anything else is a conflict.
pub(crate) fn same_profile_or_conflict(
    id: &str,
    revision: i64,
    json: &str,
    old_revision: Option<i64>,
    old_json: Option<&str>,
) -> Result<()> {
    if old_revision == Some(revision) && old_json == Some(json) {
        return Ok(());
    }
    Err(GwaError::Conflict(format!(
        "gateway {id} already has profile revision {}; set a higher revision",
        old_revision.unwrap_or_default()
    )))
}

/// Another manifest for a firmware version whose reference values are stored.
pub(crate) fn manifest_conflict(set: &ReferenceSet, existing_sha256: &str) -> GwaError {
    GwaError::Conflict(format!(
        "reference values for {} {} firmware {} are already imported (manifest sha256 \
         {existing_sha256}); a firmware version is immutable, give the new build a new version",
        set.vendor, set.product, set.firmware_version
    ))
}

/// The JSON columns of an assessment.
#[derive(Clone)]
pub(crate) struct AssessmentJson {
    pub reasons: String,
    pub imvs: String,
    pub measurement: String,
}

impl AssessmentJson {
    pub(crate) fn of(a: &NewAssessment) -> Result<Self> {
        Ok(Self {
            reasons: serde_json::to_string(&a.reasons)?,
            imvs: serde_json::to_string(&a.imv_verdicts)?,
            measurement: serde_json::to_string(&a.measurement)?,
        })
    }
}
