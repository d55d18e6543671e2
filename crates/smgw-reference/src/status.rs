//! The gateway's status word, the simulated meter source, stored readings and
//! the status register exported to market participants.
//!
//! TR-03109-1's exact SMGW status word was not available to this project (see
//! the BSI digest §7.4), so the bit layout below is this project's own: the
//! integrity state is one criterion among the others (time sync, meter
//! communication). Readings carry the status word and the PTB status class
//! (0 no error … 4 fatal); while the integrity state is not `trusted` they are
//! flagged for diagnosis.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fsutil;
use crate::state::{GatewayState, IntegrityState};

/// File of stored readings (JSON lines) inside the data directory.
pub const READINGS_FILE: &str = "readings.jsonl";

/// The gateway status word (open: unknown bits are kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusWord(pub u32);

impl StatusWord {
    /// TNC is switched on.
    pub const TNC_ENABLED: u32 = 1 << 0;
    /// Integrity state `trusted`.
    pub const INTEGRITY_TRUSTED: u32 = 1 << 1;
    /// Integrity state `not trusted`.
    pub const INTEGRITY_NOT_TRUSTED: u32 = 1 << 2;
    /// Integrity state `error`.
    pub const INTEGRITY_ERROR: u32 = 1 << 3;
    /// Readings need diagnosis (the integrity state is not `trusted`).
    pub const DIAGNOSIS: u32 = 1 << 4;
    /// The last check did not reach the GWA (backoff running).
    pub const GWA_UNREACHABLE: u32 = 1 << 5;
    /// The meter source failed.
    pub const METER_ERROR: u32 = 1 << 6;

    /// The status word for a data model (integrity state is unknown when no
    /// integrity bit is set).
    pub fn from_state(st: &GatewayState) -> Self {
        let mut w = 0;
        if st.tnc_enabled() {
            w |= Self::TNC_ENABLED;
        }
        w |= match st.integrity.state {
            IntegrityState::Unknown => 0,
            IntegrityState::Trusted => Self::INTEGRITY_TRUSTED,
            IntegrityState::NotTrusted => Self::INTEGRITY_NOT_TRUSTED,
            IntegrityState::Error => Self::INTEGRITY_ERROR,
        };
        if st.integrity.state != IntegrityState::Trusted {
            w |= Self::DIAGNOSIS;
        }
        if st
            .last_check()
            .and_then(|c| c.failure.as_ref())
            .is_some_and(|f| f.class == crate::schedule::ErrorClass::Transient)
        {
            w |= Self::GWA_UNREACHABLE;
        }
        StatusWord(w)
    }

    /// Whether `bit` is set.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// The integrity state encoded in the word.
    pub fn integrity(self) -> IntegrityState {
        if self.has(Self::INTEGRITY_TRUSTED) {
            IntegrityState::Trusted
        } else if self.has(Self::INTEGRITY_NOT_TRUSTED) {
            IntegrityState::NotTrusted
        } else if self.has(Self::INTEGRITY_ERROR) {
            IntegrityState::Error
        } else {
            IntegrityState::Unknown
        }
    }

    /// PTB status class of a reading taken under this word: 0 no error,
    /// 1 warning (value valid), 2 temporary error (value usable as substitute),
    /// 3 temporary error (value not usable).
    pub fn ptb_class(self) -> u8 {
        if self.has(Self::METER_ERROR) {
            3
        } else if self.has(Self::INTEGRITY_NOT_TRUSTED) {
            2
        } else if self.has(Self::DIAGNOSIS) {
            1
        } else {
            0
        }
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0x{:08x}", self.0)
    }
}

/// One stored meter reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reading {
    /// Running number of the reading.
    pub seq: u64,
    /// Unix time of the reading.
    pub time: u64,
    /// Meter identifier.
    pub meter_id: String,
    /// Energy register (Wh).
    pub value_wh: u64,
    /// Gateway status word at the time of the reading.
    pub status_word: StatusWord,
    /// PTB status class.
    pub status_ptb: u8,
    /// Flagged for diagnosis: the integrity state was not `trusted`.
    pub diagnosis: bool,
    /// The integrity state at the time of the reading.
    pub integrity: IntegrityState,
}

/// Where readings come from.
#[derive(Debug, Clone)]
pub enum MeterSource {
    /// `start + n * step` Wh.
    Generator {
        /// First value.
        start_wh: u64,
        /// Increment per reading.
        step_wh: u64,
    },
    /// One value (Wh) per line of a file, cycled; `#` starts a comment.
    File {
        /// The file.
        path: PathBuf,
        /// Parsed values.
        values: Vec<u64>,
    },
}

/// Largest meter file read.
pub const MAX_METER_FILE: u64 = 4 << 20;

impl MeterSource {
    /// Reads a meter file, rejecting unparsable lines with their line number.
    pub fn from_file(path: &Path) -> Result<Self> {
        let name = path.display().to_string();
        let bytes = fsutil::read_bounded(path, MAX_METER_FILE)?.ok_or_else(|| Error::Meter {
            source_name: name.clone(),
            line: 0,
            msg: "file does not exist".into(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Meter {
            source_name: name.clone(),
            line: 0,
            msg: format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        })?;
        let mut values = Vec::new();
        for (i, l) in text.lines().enumerate() {
            let l = l.split('#').next().unwrap_or("").trim();
            if l.is_empty() {
                continue;
            }
            values.push(l.parse::<u64>().map_err(|_| Error::Meter {
                source_name: name.clone(),
                line: i as u64 + 1,
                msg: format!("{l:?} is not a whole number of Wh"),
            })?);
        }
        if values.is_empty() {
            return Err(Error::Meter {
                source_name: name,
                line: 0,
                msg: "no readings in file".into(),
            });
        }
        Ok(MeterSource::File {
            path: path.into(),
            values,
        })
    }

    /// The `n`-th value.
    pub fn value(&self, n: u64) -> u64 {
        match self {
            MeterSource::Generator { start_wh, step_wh } => {
                start_wh.saturating_add(step_wh.saturating_mul(n))
            }
            MeterSource::File { values, .. } => {
                let len = values.len().max(1) as u64;
                let i = usize::try_from(n % len).unwrap_or(0);
                values.get(i).copied().unwrap_or(0)
            }
        }
    }
}

/// Takes the next reading under the current data model and appends it to
/// `data_dir/readings.jsonl` (mode 0640); advances the meter cursor in `st`.
pub fn take_reading(
    data_dir: &Path,
    source: &MeterSource,
    meter_id: &str,
    st: &mut GatewayState,
    now: u64,
) -> Result<Reading> {
    let word = StatusWord::from_state(st);
    let seq = st.meter.taken;
    let r = Reading {
        seq,
        time: now,
        meter_id: meter_id.into(),
        value_wh: source.value(seq),
        status_word: word,
        status_ptb: word.ptb_class(),
        diagnosis: word.has(StatusWord::DIAGNOSIS),
        integrity: st.integrity.state,
    };
    let path = data_dir.join(READINGS_FILE);
    let mut line = serde_json::to_vec(&r).map_err(|e| Error::Corrupt {
        path: path.clone(),
        offset: 0,
        msg: e.to_string(),
    })?;
    line.push(b'\n');
    let mut f = fsutil::open_with_mode(&path, fsutil::MODE_SHARED, false)?;
    f.write_all(&line)
        .map_err(|e| Error::io("append", &path, e))?;
    f.sync_data().map_err(|e| Error::io("fsync", &path, e))?;
    st.meter.taken = seq + 1;
    st.meter.last_time = now;
    Ok(r)
}

/// Reads the stored readings (each line bounded by the logbook line limit).
pub fn read_readings(data_dir: &Path) -> Result<Vec<Reading>> {
    let path = data_dir.join(READINGS_FILE);
    let Some(bytes) = fsutil::read_bounded(&path, 256 << 20)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let mut offset = 0u64;
    for line in bytes.split(|&b| b == b'\n') {
        if !line.is_empty() {
            out.push(serde_json::from_slice(line).map_err(|e| Error::Corrupt {
                path: path.clone(),
                offset,
                msg: e.to_string(),
            })?);
        }
        offset += line.len() as u64 + 1;
    }
    Ok(out)
}

/// The status register handed to market participants (`status --register`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Register {
    /// Gateway identifier.
    pub gateway_id: String,
    /// Unix time of the export.
    pub time: u64,
    /// RFC 3339 form of `time`.
    pub time_utc: String,
    /// The status word, hex.
    pub status_word: String,
    /// TNC switched on.
    pub tnc_enabled: bool,
    /// Integrity state.
    pub integrity_state: IntegrityState,
    /// Unix time the integrity state was set.
    pub integrity_since: u64,
    /// The GWA's recommendation.
    pub recommendation: Option<String>,
    /// Reasons.
    pub reasons: Vec<String>,
    /// Unix time of the last finished check.
    pub last_check: Option<u64>,
    /// Revision of the applied TNC profile.
    pub profile_revision: Option<u64>,
}

impl Register {
    /// Builds the register from the data model.
    pub fn new(gateway_id: &str, st: &GatewayState, now: u64) -> Self {
        Register {
            gateway_id: gateway_id.into(),
            time: now,
            time_utc: crate::time::rfc3339(now),
            status_word: StatusWord::from_state(st).to_string(),
            tnc_enabled: st.tnc_enabled(),
            integrity_state: st.integrity.state,
            integrity_since: st.integrity.time,
            recommendation: st.integrity.recommendation.clone(),
            reasons: st.integrity.reasons.clone(),
            last_check: st.last_check().map(|c| c.finished),
            profile_revision: st.tnc.as_ref().map(|t| t.revision),
        }
    }
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
    use crate::state::{Integrity, TncSettings};

    fn tnc(enabled: bool) -> TncSettings {
        TncSettings {
            revision: 3,
            enabled,
            interval_secs: 60,
            gwa_host: "h".into(),
            gwa_port: 1,
            expected_gwa_name: None,
            wakeup_key: String::new(),
        }
    }

    #[test]
    fn word_encodes_state_and_diagnosis() {
        let mut st = GatewayState::default();
        let w = StatusWord::from_state(&st);
        assert_eq!(w.integrity(), IntegrityState::Unknown);
        assert!(w.has(StatusWord::DIAGNOSIS) && !w.has(StatusWord::TNC_ENABLED));
        assert_eq!(w.ptb_class(), 1);
        st.tnc = Some(tnc(true));
        for (s, ptb, diag) in [
            (IntegrityState::Trusted, 0, false),
            (IntegrityState::NotTrusted, 2, true),
            (IntegrityState::Error, 1, true),
        ] {
            st.integrity.state = s;
            let w = StatusWord::from_state(&st);
            assert_eq!(w.integrity(), s);
            assert_eq!(w.ptb_class(), ptb);
            assert_eq!(w.has(StatusWord::DIAGNOSIS), diag);
            assert!(w.has(StatusWord::TNC_ENABLED));
        }
        assert_eq!(StatusWord(0x13).to_string(), "0x00000013");
    }

    #[test]
    fn readings_carry_the_word_and_are_flagged() {
        let d = tempfile::tempdir().unwrap();
        let src = MeterSource::Generator {
            start_wh: 100,
            step_wh: 10,
        };
        let mut st = GatewayState::default();
        st.tnc = Some(tnc(true));
        st.integrity = Integrity {
            state: IntegrityState::Trusted,
            ..Integrity::default()
        };
        let a = take_reading(d.path(), &src, "m1", &mut st, 10).unwrap();
        st.integrity.state = IntegrityState::NotTrusted;
        let b = take_reading(d.path(), &src, "m1", &mut st, 20).unwrap();
        assert!(!a.diagnosis && b.diagnosis);
        assert_eq!((a.value_wh, b.value_wh), (100, 110));
        assert_eq!(b.status_ptb, 2);
        assert_eq!(st.meter.taken, 2);
        assert_eq!(read_readings(d.path()).unwrap(), vec![a, b]);
    }

    #[test]
    fn meter_file_parses_cycles_and_reports_bad_lines() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("m.txt");
        std::fs::write(&p, "# comment\n5\n\n7 # second\n").unwrap();
        let s = MeterSource::from_file(&p).unwrap();
        assert_eq!([s.value(0), s.value(1), s.value(2)], [5, 7, 5]);
        std::fs::write(&p, "5\nfive\n").unwrap();
        match MeterSource::from_file(&p) {
            Err(Error::Meter { line, .. }) => assert_eq!(line, 2),
            other => panic!("{other:?}"),
        }
        std::fs::write(&p, "#\n").unwrap();
        assert!(MeterSource::from_file(&p).is_err());
        assert!(MeterSource::from_file(&d.path().join("none")).is_err());
    }

    #[test]
    fn register_serialises_the_state() {
        let mut st = GatewayState::default();
        st.tnc = Some(tnc(true));
        st.integrity.state = IntegrityState::NotTrusted;
        st.integrity.reasons = vec!["fw".into()];
        let r = Register::new("gw", &st, 0);
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert_eq!(v["integrity_state"], "not trusted");
        assert_eq!(v["status_word"], "0x00000015");
        assert_eq!(v["profile_revision"], 3);
        assert_eq!(v["time_utc"], "1970-01-01T00:00:00Z");
    }
}
