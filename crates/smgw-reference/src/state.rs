//! The gateway's persistent data model: integrity state with time,
//! recommendation and reasons, the TNC settings from the last profile, and a
//! bounded history of checks. Stored as one JSON file, written atomically with
//! mode 0600.

use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil;
use crate::schedule::ErrorClass;

/// File name of the state inside the data directory.
pub const STATE_FILE: &str = "state.json";
/// Largest state file read.
pub const MAX_STATE_LEN: u64 = 16 << 20;
/// Current format version of the state file.
pub const FORMAT: u32 = 1;

/// The integrity state of the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum IntegrityState {
    /// No verdict: TNC is off, or no check has finished yet.
    #[default]
    #[serde(rename = "unknown")]
    Unknown,
    /// The GWA found the gateway compliant.
    #[serde(rename = "trusted")]
    Trusted,
    /// The GWA found the gateway non-compliant.
    #[serde(rename = "not trusted")]
    NotTrusted,
    /// The check could not be completed or the GWA reported an error.
    #[serde(rename = "error")]
    Error,
}

impl IntegrityState {
    /// The name used in files, logs and the register.
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrityState::Unknown => "unknown",
            IntegrityState::Trusted => "trusted",
            IntegrityState::NotTrusted => "not trusted",
            IntegrityState::Error => "error",
        }
    }
}

impl fmt::Display for IntegrityState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The current integrity state with its evidence.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Integrity {
    /// The state.
    pub state: IntegrityState,
    /// Unix time the state was set.
    pub time: u64,
    /// The GWA's access recommendation (`allow`, `isolate`, `no access`), if any.
    pub recommendation: Option<String>,
    /// Reasons (GWA reason strings, or the error that prevented a verdict).
    pub reasons: Vec<String>,
}

/// What started a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    /// The profile's interval elapsed (or the first check after start).
    Scheduled,
    /// A retry after a transient failure.
    Retry,
    /// A verified wake-up datagram.
    Wakeup,
    /// `smgw-reference once`.
    Manual,
}

/// A check that did not reach a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFailure {
    /// Whether a retry can help.
    pub class: ErrorClass,
    /// What happened.
    pub message: String,
}

/// One finished check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    /// Unix time the check started.
    pub started: u64,
    /// Unix time the check ended.
    pub finished: u64,
    /// What started it.
    pub trigger: Trigger,
    /// The resulting state.
    pub state: IntegrityState,
    /// The GWA's recommendation, if any.
    pub recommendation: Option<String>,
    /// Reasons.
    pub reasons: Vec<String>,
    /// Set when no verdict was reached.
    pub failure: Option<CheckFailure>,
}

/// The TNC settings of the last applied configuration profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TncSettings {
    /// Profile revision (monotonic, set by the GWA).
    pub revision: u64,
    /// TNC switched on.
    pub enabled: bool,
    /// Seconds between checks.
    pub interval_secs: u64,
    /// Host of the GWA's PT-TLS service.
    pub gwa_host: String,
    /// Port of the GWA's PT-TLS service.
    pub gwa_port: u16,
    /// Expected name in the GWA's certificate.
    pub expected_gwa_name: Option<String>,
    /// PEM SPKI of the GWA's wake-up verification key.
    pub wakeup_key: String,
}

/// Position of the simulated meter source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MeterCursor {
    /// Number of readings taken so far.
    pub taken: u64,
    /// Unix time of the last reading.
    pub last_time: u64,
}

/// Everything the gateway remembers across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayState {
    /// File format version ([`FORMAT`]).
    pub format: u32,
    /// The current integrity state.
    pub integrity: Integrity,
    /// TNC settings of the last profile; `None` = factory default (TNC off).
    pub tnc: Option<TncSettings>,
    /// Finished checks, oldest first, bounded.
    pub history: VecDeque<CheckRecord>,
    /// Meter source position.
    #[serde(default)]
    pub meter: MeterCursor,
    /// The last accepted wake-up (replay protection across restarts).
    #[serde(default)]
    pub last_wakeup: Option<LastWakeup>,
}

/// The last accepted wake-up datagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastWakeup {
    /// Its creation time (Unix seconds).
    pub time: u64,
    /// Its nonce, hex.
    pub nonce: String,
}

impl Default for GatewayState {
    fn default() -> Self {
        GatewayState {
            format: FORMAT,
            integrity: Integrity::default(),
            tnc: None,
            history: VecDeque::new(),
            meter: MeterCursor::default(),
            last_wakeup: None,
        }
    }
}

impl GatewayState {
    /// Whether TNC is switched on.
    pub fn tnc_enabled(&self) -> bool {
        self.tnc.as_ref().is_some_and(|t| t.enabled)
    }

    /// Appends a check record, dropping the oldest beyond `limit`.
    pub fn push_history(&mut self, rec: CheckRecord, limit: usize) {
        self.history.push_back(rec);
        while self.history.len() > limit.max(1) {
            self.history.pop_front();
        }
    }

    /// The last finished check.
    pub fn last_check(&self) -> Option<&CheckRecord> {
        self.history.back()
    }
}

/// Loads and saves [`GatewayState`] in the data directory.
#[derive(Debug, Clone)]
pub struct StateStore {
    path: PathBuf,
}

impl StateStore {
    /// The store for `data_dir` (created with mode 0750 if missing).
    pub fn open(data_dir: &Path) -> Result<Self> {
        fsutil::ensure_dir(data_dir)?;
        Ok(StateStore {
            path: data_dir.join(STATE_FILE),
        })
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads the state; a missing file is the factory default.
    pub fn load(&self) -> Result<GatewayState> {
        let Some(bytes) = fsutil::read_bounded(&self.path, MAX_STATE_LEN)? else {
            return Ok(GatewayState::default());
        };
        let st: GatewayState = serde_json::from_slice(&bytes).map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            offset: byte_offset(&bytes, e.line(), e.column()),
            msg: format!(
                "{e}; restore it from a backup or remove it to return to the factory default"
            ),
        })?;
        if st.format != FORMAT {
            return Err(Error::Corrupt {
                path: self.path.clone(),
                offset: 0,
                msg: format!("unsupported format {} (expected {FORMAT})", st.format),
            });
        }
        Ok(st)
    }

    /// Saves the state atomically with mode 0600.
    pub fn save(&self, st: &GatewayState) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(st).map_err(|e| Error::Corrupt {
            path: self.path.clone(),
            offset: 0,
            msg: e.to_string(),
        })?;
        json.push(b'\n');
        fsutil::write_atomic(&self.path, &json, fsutil::MODE_PRIVATE)
    }
}

/// Byte offset of a 1-based (line, column) position.
pub(crate) fn byte_offset(bytes: &[u8], line: usize, column: usize) -> u64 {
    let mut off = 0usize;
    for (i, l) in bytes.split(|&b| b == b'\n').enumerate() {
        if i + 1 == line {
            return (off + column.saturating_sub(1)) as u64;
        }
        off += l.len() + 1;
    }
    bytes.len() as u64
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::field_reassign_with_default
    )]
    use super::*;

    fn rec(t: u64, state: IntegrityState) -> CheckRecord {
        CheckRecord {
            started: t,
            finished: t + 1,
            trigger: Trigger::Scheduled,
            state,
            recommendation: Some("allow".into()),
            reasons: vec![],
            failure: None,
        }
    }

    #[test]
    fn factory_default_is_unknown_and_off() {
        let d = tempfile::tempdir().unwrap();
        let s = StateStore::open(d.path()).unwrap().load().unwrap();
        assert_eq!(s.integrity.state, IntegrityState::Unknown);
        assert!(!s.tnc_enabled());
        assert!(s.history.is_empty());
    }

    #[test]
    fn round_trip_with_bounded_history_and_mode() {
        let d = tempfile::tempdir().unwrap();
        let store = StateStore::open(&d.path().join("data")).unwrap();
        let mut s = GatewayState::default();
        s.integrity = Integrity {
            state: IntegrityState::NotTrusted,
            time: 42,
            recommendation: Some("isolate".into()),
            reasons: vec!["firmware hash differs".into()],
        };
        for t in 0..10 {
            s.push_history(rec(t, IntegrityState::Trusted), 3);
        }
        assert_eq!(s.history.len(), 3);
        assert_eq!(s.history[0].started, 7);
        store.save(&s).unwrap();
        let back = store.load().unwrap();
        assert_eq!(back, s);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("\"not trusted\""));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(store.path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(m & 0o777, 0o600);
        }
    }

    #[test]
    fn corrupt_file_reports_offset() {
        let d = tempfile::tempdir().unwrap();
        let store = StateStore::open(d.path()).unwrap();
        let text = b"{\n  \"format\": 1,\n  \"integrity\": x\n}";
        std::fs::write(store.path(), text).unwrap();
        match store.load() {
            // the offset points at (or right after) the offending `x`
            Err(Error::Corrupt { offset, .. }) => {
                let at = usize::try_from(offset).unwrap();
                assert!(text[at.saturating_sub(1)..=at].contains(&b'x'), "{offset}");
            }
            other => panic!("{other:?}"),
        }
        let mut s = GatewayState::default();
        s.format = 99;
        std::fs::write(store.path(), serde_json::to_vec(&s).unwrap()).unwrap();
        assert!(matches!(store.load(), Err(Error::Corrupt { .. })));
    }
}
