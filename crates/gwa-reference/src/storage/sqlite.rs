//! The embedded SQLite backend (rusqlite, SQLite compiled in).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Row, params};
use smgw_gwa_admin::TncProfile;

use super::{
    ASSESSMENT_COLS, AssessmentJson, AssessmentRecord, Columns, DigestAlgorithm, FleetCounts,
    GATEWAY_COLS, GatewayRecord, LOG_COLS, LogEntry, LogRecord, MANUFACTURER_COLS, Manufacturer,
    NewAssessment, ReferenceSet, Storage, Verdict, assessment_from, gateway_from, log_from,
    manifest_conflict, manufacturer_from, same_manufacturer_or_conflict, same_profile_or_conflict,
    verdict_count_from,
};
use crate::{GwaError, Result};

/// Embedded migrations, in order; entry `i` brings the schema to version `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_fleet.sql"),
];

/// The newest schema version this build knows.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// [`Storage`] in one SQLite file (WAL journal, `synchronous = FULL`: a committed
/// assessment survives a power cut).
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
    name: String,
}

fn bad_row(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("unexpected stored {what} {value:?}").into(),
    )
}

impl Columns for Row<'_> {
    fn text(&self, i: usize) -> std::result::Result<String, String> {
        self.get(i).map_err(|e| e.to_string())
    }
    fn opt_text(&self, i: usize) -> std::result::Result<Option<String>, String> {
        self.get(i).map_err(|e| e.to_string())
    }
    fn int(&self, i: usize) -> std::result::Result<i64, String> {
        self.get(i).map_err(|e| e.to_string())
    }
    fn opt_int(&self, i: usize) -> std::result::Result<Option<i64>, String> {
        self.get(i).map_err(|e| e.to_string())
    }
}

/// A shared row decoder's result as rusqlite wants it from a row mapper.
fn decoded<T>(r: std::result::Result<T, String>) -> rusqlite::Result<T> {
    r.map_err(|message| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, message.into())
    })
}

fn gateway_row(row: &Row<'_>) -> rusqlite::Result<GatewayRecord> {
    decoded(gateway_from(row))
}

fn assessment_row(row: &Row<'_>) -> rusqlite::Result<AssessmentRecord> {
    decoded(assessment_from(row))
}

fn log_row(row: &Row<'_>) -> rusqlite::Result<LogRecord> {
    decoded(log_from(row))
}

fn manufacturer_row(row: &Row<'_>) -> rusqlite::Result<Manufacturer> {
    decoded(manufacturer_from(row))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl SqliteStorage {
    /// Opens (creating the file if needed) the database at `path`. Call [`Storage::init`]
    /// once to create the schema.
    pub fn open(path: &Path) -> Result<Self> {
        let conn = Connection::open(path)?;
        Self::configure(conn, path.display().to_string())
    }

    /// A private in-memory database (tests).
    pub fn open_in_memory() -> Result<Self> {
        Self::configure(Connection::open_in_memory()?, ":memory:".into())
    }

    fn configure(conn: Connection, name: String) -> Result<Self> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // journal_mode returns a row; in-memory databases answer "memory"
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        Ok(Self {
            conn: Mutex::new(conn),
            name,
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // a panic while holding the lock cannot leave a transaction half-applied (rusqlite
        // rolls back on drop), so a poisoned lock is safe to reuse
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn version(conn: &Connection) -> Result<u32> {
        Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

impl Storage for SqliteStorage {
    fn init(&self) -> Result<u32> {
        let mut conn = self.conn();
        let current = Self::version(&conn)?;
        if current > SCHEMA_VERSION {
            return Err(GwaError::SchemaTooNew {
                found: current,
                supported: SCHEMA_VERSION,
            });
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i as u32 + 1)?;
            tx.commit()?;
        }
        Self::version(&conn)
    }

    fn check_schema(&self) -> Result<u32> {
        let conn = self.conn();
        let v = Self::version(&conn)?;
        if v == 0 {
            return Err(GwaError::NotInitialised(self.name.clone()));
        }
        if v > SCHEMA_VERSION {
            return Err(GwaError::SchemaTooNew {
                found: v,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(v)
    }

    fn gateway_seen(&self, id: &str, now_ms: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO gateways (id, first_seen_ms, last_seen_ms) VALUES (?1, ?2, ?2)
             ON CONFLICT (id) DO UPDATE
             SET last_seen_ms = MAX(COALESCE(last_seen_ms, 0), excluded.last_seen_ms)",
            params![id, now_ms],
        )?;
        Ok(())
    }

    fn gateway(&self, id: &str) -> Result<Option<GatewayRecord>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {GATEWAY_COLS} FROM gateways WHERE id = ?1"),
                [id],
                gateway_row,
            )
            .optional()?)
    }

    fn gateways(&self) -> Result<Vec<GatewayRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!("SELECT {GATEWAY_COLS} FROM gateways ORDER BY id"))?;
        let rows = st.query_map([], gateway_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn stale(&self, before_ms: i64) -> Result<Vec<GatewayRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {GATEWAY_COLS} FROM gateways
             WHERE last_assessed_ms IS NULL OR last_assessed_ms < ?1 ORDER BY id"
        ))?;
        let rows = st.query_map([before_ms], gateway_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn set_profile(&self, id: &str, profile: &TncProfile, now_ms: i64) -> Result<()> {
        profile.validate()?;
        let json = serde_json::to_string(profile)?;
        let revision = i64::try_from(profile.revision)
            .map_err(|_| GwaError::Invalid("profile revision exceeds 2^63-1".into()))?;
        let conn = self.conn();
        // one statement: the revision check and the write cannot interleave with another
        // process's
        let n = conn.execute(
            "INSERT INTO gateways (id, first_seen_ms, profile_json, profile_revision)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET profile_json = excluded.profile_json,
                                            profile_revision = excluded.profile_revision
             WHERE profile_revision IS NULL OR profile_revision < excluded.profile_revision",
            params![id, now_ms, json, revision],
        )?;
        if n == 1 {
            return Ok(());
        }
        let (old, old_json): (Option<i64>, Option<String>) = conn.query_row(
            "SELECT profile_revision, profile_json FROM gateways WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        same_profile_or_conflict(id, revision, &json, old, old_json.as_deref())
    }

    fn set_wake_addr(&self, id: &str, addr: &str, now_ms: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO gateways (id, first_seen_ms, wake_addr) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET wake_addr = excluded.wake_addr",
            params![id, now_ms, addr],
        )?;
        Ok(())
    }

    fn record_assessment(&self, a: &NewAssessment) -> Result<i64> {
        if a.uid.is_empty() {
            return Err(GwaError::Invalid(
                "an assessment needs a uid (storage::new_uid)".into(),
            ));
        }
        let json = AssessmentJson::of(a)?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO gateways (id, first_seen_ms, last_seen_ms) VALUES (?1, ?2, ?2)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![a.gateway_id, a.started_ms])?;
        let existing: Option<(i64, String)> = tx
            .prepare_cached("SELECT id, gateway_id FROM assessments WHERE uid = ?1")?
            .query_row([&a.uid], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((id, gw)) = existing {
            // the same assessment again (a retry)
            if gw != a.gateway_id {
                return Err(GwaError::Conflict(format!(
                    "assessment uid {} is already used by gateway {gw}",
                    a.uid
                )));
            }
            tx.commit()?;
            return Ok(id);
        }
        tx.prepare_cached(
            "INSERT INTO assessments (uid, connection_id, gateway_id, started_ms, finished_ms,
                 recommendation, evaluation, verdict, reasons_json, imv_json, measurement_json,
                 vendor, product, firmware, peer_addr, tls)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            a.uid,
            a.connection_id,
            a.gateway_id,
            a.started_ms,
            a.finished_ms,
            a.recommendation,
            a.evaluation,
            a.verdict.as_str(),
            json.reasons,
            json.imvs,
            json.measurement,
            a.vendor,
            a.product,
            a.firmware,
            a.peer_addr,
            a.tls
        ])?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO logbook (assessment_id, gateway_id, time_ms, level, event, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for e in &a.log {
                st.execute(params![
                    id,
                    a.gateway_id,
                    e.time_ms,
                    e.level.as_str(),
                    e.event,
                    e.detail
                ])?;
            }
        }
        // the summary follows the newest assessment by (finished, id), whatever the commit order
        tx.prepare_cached(
            "UPDATE gateways SET last_assessed_ms = ?2, last_verdict = ?3, last_assessment_id = ?4,
                 vendor = COALESCE(?5, vendor), product = COALESCE(?6, product),
                 firmware = COALESCE(?7, firmware)
             WHERE id = ?1 AND (last_assessed_ms IS NULL
                 OR (last_assessed_ms, COALESCE(last_assessment_id, 0)) < (?2, ?4))",
        )?
        .execute(params![
            a.gateway_id,
            a.finished_ms,
            a.verdict.as_str(),
            id,
            a.vendor,
            a.product,
            a.firmware
        ])?;
        tx.prepare_cached(
            "UPDATE gateways SET last_seen_ms = MAX(COALESCE(last_seen_ms, 0), ?2) WHERE id = ?1",
        )?
        .execute(params![a.gateway_id, a.started_ms])?;
        tx.commit()?;
        Ok(id)
    }

    fn history(&self, gateway_id: &str, limit: u32) -> Result<Vec<AssessmentRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {ASSESSMENT_COLS} FROM assessments WHERE gateway_id = ?1
             ORDER BY started_ms DESC, id DESC LIMIT ?2"
        ))?;
        let mut out: Vec<AssessmentRecord> = st
            .query_map(params![gateway_id, limit], assessment_row)?
            .collect::<rusqlite::Result<_>>()?;
        drop(st);
        drop(conn);
        for a in &mut out {
            a.data.log = self.logbook(a.id)?.into_iter().map(|l| l.entry).collect();
        }
        Ok(out)
    }

    fn logbook(&self, assessment_id: i64) -> Result<Vec<LogRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {LOG_COLS} FROM logbook WHERE assessment_id = ?1 ORDER BY id"
        ))?;
        let rows = st.query_map([assessment_id], log_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn log_event(&self, gateway_id: Option<&str>, e: &LogEntry) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO logbook (assessment_id, gateway_id, time_ms, level, event, detail)
             VALUES (NULL, ?1, ?2, ?3, ?4, ?5)",
            params![gateway_id, e.time_ms, e.level.as_str(), e.event, e.detail],
        )?;
        Ok(conn.last_insert_rowid())
    }

    fn recent_log(&self, limit: u32) -> Result<Vec<LogRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {LOG_COLS} FROM logbook ORDER BY id DESC LIMIT ?1"
        ))?;
        let rows = st.query_map([limit], log_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn verdict_counts(&self) -> Result<Vec<(Verdict, u64)>> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT verdict, COUNT(*) FROM assessments GROUP BY verdict")?;
        let rows = st.query_map([], |r| decoded(verdict_count_from(r)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn fleet_counts(&self, stale_before_ms: i64) -> Result<FleetCounts> {
        let conn = self.conn();
        let (gateways, stale, wakeups): (i64, i64, i64) = conn.query_row(
            "SELECT COUNT(*),
                    COUNT(*) FILTER (WHERE last_assessed_ms IS NULL OR last_assessed_ms < ?1),
                    (SELECT COUNT(*) FROM logbook WHERE event = 'wakeup_sent')
             FROM gateways",
            [stale_before_ms],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut st = conn.prepare(
            "SELECT last_verdict, COUNT(*) FROM gateways
             WHERE last_verdict IS NOT NULL GROUP BY last_verdict ORDER BY last_verdict",
        )?;
        let by_last_verdict = st
            .query_map([], |r| decoded(verdict_count_from(r)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(FleetCounts {
            gateways: count(gateways),
            stale: count(stale),
            by_last_verdict,
            wakeups: count(wakeups),
        })
    }

    fn add_manufacturer(&self, m: &Manufacturer) -> Result<()> {
        let conn = self.conn();
        let n = conn.execute(
            "INSERT INTO manufacturers (name, pen, public_key_pem, added_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            params![m.name, m.pen, m.public_key_pem, m.added_ms],
        )?;
        if n == 1 {
            return Ok(());
        }
        let mut st = conn.prepare(&format!(
            "SELECT {MANUFACTURER_COLS} FROM manufacturers WHERE name = ?1 OR pen = ?2"
        ))?;
        let existing: Vec<Manufacturer> = st
            .query_map(params![m.name, m.pen], manufacturer_row)?
            .collect::<rusqlite::Result<_>>()?;
        same_manufacturer_or_conflict(m, &existing)
    }

    fn manufacturer(&self, name: &str) -> Result<Option<Manufacturer>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {MANUFACTURER_COLS} FROM manufacturers WHERE name = ?1"),
                [name],
                manufacturer_row,
            )
            .optional()?)
    }

    fn manufacturers(&self) -> Result<Vec<Manufacturer>> {
        let conn = self.conn();
        let mut st = conn.prepare(&format!(
            "SELECT {MANUFACTURER_COLS} FROM manufacturers ORDER BY name"
        ))?;
        let rows = st.query_map([], manufacturer_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn import_reference(
        &self,
        set: &ReferenceSet,
        manifest_sha256: &str,
        now_ms: i64,
    ) -> Result<i64> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, manifest_sha256 FROM firmware
                 WHERE vendor_pen = ?1 AND product = ?2 AND version = ?3",
                params![set.vendor_pen, set.product, set.firmware_version],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, h)) = existing {
            if h == manifest_sha256 {
                return Ok(id); // the same manifest again
            }
            return Err(manifest_conflict(set, &h));
        }
        tx.execute(
            "INSERT INTO firmware (vendor, vendor_pen, product, version, algorithm, manifest_sha256, imported_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                set.vendor,
                set.vendor_pen,
                set.product,
                set.firmware_version,
                set.algorithm.as_str(),
                manifest_sha256,
                now_ms
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut st = tx.prepare(
                "INSERT INTO reference_values (firmware_id, path, digest) VALUES (?1, ?2, ?3)",
            )?;
            for (path, digest) in &set.files {
                st.execute(params![id, path, digest])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    fn reference_set(
        &self,
        pen: u32,
        product: &str,
        version: &str,
    ) -> Result<Option<ReferenceSet>> {
        let conn = self.conn();
        let head: Option<(i64, String, String)> = conn
            .query_row(
                "SELECT id, vendor, algorithm FROM firmware
                 WHERE vendor_pen = ?1 AND product = ?2 AND version = ?3",
                params![pen, product, version],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((id, vendor, alg)) = head else {
            return Ok(None);
        };
        let algorithm =
            DigestAlgorithm::parse(&alg).ok_or_else(|| GwaError::Db(bad_row("algorithm", &alg)))?;
        let mut st = conn.prepare(
            "SELECT path, digest FROM reference_values WHERE firmware_id = ?1 ORDER BY path",
        )?;
        let files = st
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(ReferenceSet {
            vendor,
            vendor_pen: pen,
            product: product.to_owned(),
            firmware_version: version.to_owned(),
            algorithm,
            files,
        }))
    }

    fn firmware_versions(&self, pen: u32, product: &str) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT version FROM firmware WHERE vendor_pen = ?1 AND product = ?2 ORDER BY imported_ms, id",
        )?;
        let rows = st.query_map(params![pen, product], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
