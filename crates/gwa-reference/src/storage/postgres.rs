//! The PostgreSQL backend: several GWA instances share one database.
//!
//! [`Storage`] is synchronous (the server calls it from blocking tasks); this backend keeps a
//! small tokio runtime of its own on which the [deadpool](deadpool_postgres) pool and the
//! tokio-postgres connections live, and every trait call hands one future to that runtime and
//! waits for its answer. That works from any thread, including a tokio worker of the caller's
//! runtime (which a nested `block_on` would not).
//!
//! Transient failures (connection lost, server restarting, pool timeout, serialization
//! failure, deadlock) are retried a bounded number of times for operations that are
//! idempotent — reads, upserts, and [`Storage::record_assessment`], whose uid makes a repeated
//! commit find the first one. [`Storage::log_event`] is not retried (at most once).
//!
//! Connections are plaintext unless [`PgStorage::connect_tls`] (configuration `database_ca`)
//! is used: then TLS is required and the server's certificate verified (docs/DEPLOYMENT.md).

use std::future::Future;
use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Runtime};
use smgw_gwa_admin::TncProfile;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::{NoTls, Row};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::{
    ASSESSMENT_COLS, AssessmentJson, AssessmentRecord, Columns, DigestAlgorithm, FleetCounts,
    GATEWAY_COLS, GatewayRecord, LOG_COLS, LogEntry, LogRecord, MANUFACTURER_COLS, Manufacturer,
    NewAssessment, ReferenceSet, Storage, Verdict, assessment_from, gateway_from, log_from,
    manifest_conflict, manufacturer_from, same_manufacturer_or_conflict, same_profile_or_conflict,
    verdict_count_from,
};
use crate::{GwaError, Result};

/// Embedded migrations, in order; entry `i` brings the schema to version `i + 1`.
const PG_MIGRATIONS: &[&str] = &[include_str!("../../migrations/postgres/0001_init.sql")];

/// The newest PostgreSQL schema version this build knows.
pub const PG_SCHEMA_VERSION: u32 = PG_MIGRATIONS.len() as u32;

/// The statements of the assessment path (prepared once per connection).
mod sql {
    pub const GATEWAY_FIRST_CONTACT: &str = "INSERT INTO gateways (id, first_seen_ms, last_seen_ms)
        VALUES ($1, $2, $2) ON CONFLICT (id) DO NOTHING";

    pub const INSERT_ASSESSMENT: &str = "INSERT INTO assessments (uid, connection_id,
            gateway_id, started_ms, finished_ms, recommendation, evaluation, verdict,
            reasons_json, imv_json, measurement_json, vendor, product, firmware, peer_addr, tls)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
        ON CONFLICT (uid) DO NOTHING RETURNING id";

    pub const ASSESSMENT_BY_UID: &str = "SELECT id, gateway_id FROM assessments WHERE uid = $1";

    /// The logbook in one statement, in order.
    pub const INSERT_LOGBOOK: &str = "INSERT INTO logbook (assessment_id, gateway_id, time_ms,
            level, event, detail)
        SELECT $1, $2, t, l, e, d
        FROM UNNEST($3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[])
             WITH ORDINALITY AS x (t, l, e, d, n)
        ORDER BY n";

    /// The gateway summary follows the newest assessment by (finished, id): every column is
    /// computed from the row version it replaces, and when a concurrent writer holds the row,
    /// PostgreSQL recomputes them from that writer's committed version.
    pub const UPDATE_SUMMARY: &str = "UPDATE gateways SET
            last_seen_ms = GREATEST(last_seen_ms, $8),
            last_assessed_ms = CASE WHEN (last_assessed_ms IS NULL
                OR (last_assessed_ms, COALESCE(last_assessment_id, 0)) < ($2, $4))
                THEN $2 ELSE last_assessed_ms END,
            last_verdict = CASE WHEN (last_assessed_ms IS NULL
                OR (last_assessed_ms, COALESCE(last_assessment_id, 0)) < ($2, $4))
                THEN $3 ELSE last_verdict END,
            last_assessment_id = CASE WHEN (last_assessed_ms IS NULL
                OR (last_assessed_ms, COALESCE(last_assessment_id, 0)) < ($2, $4))
                THEN $4 ELSE last_assessment_id END,
            vendor = CASE WHEN (last_assessed_ms IS NULL
                OR (last_assessed_ms, COALESCE(last_assessment_id, 0)) < ($2, $4))
                THEN COALESCE($5, vendor) ELSE vendor END,
            product = CASE WHEN (last_assessed_ms IS NULL
                OR (last_assessed_ms, COALESCE(last_assessment_id, 0)) < ($2, $4))
                THEN COALESCE($6, product) ELSE product END,
            firmware = CASE WHEN (last_assessed_ms IS NULL
                OR (last_assessed_ms, COALESCE(last_assessment_id, 0)) < ($2, $4))
                THEN COALESCE($7, firmware) ELSE firmware END
        WHERE id = $1";
}

/// Advisory lock that serialises `init` when several instances start at once.
const INIT_LOCK: i64 = 0x6777_612d_696e_6974;

/// Tries of an idempotent operation.
const ATTEMPTS: u32 = 4;

/// Longest wait for one storage call (statement timeout plus retries and pool waits).
const CALL_TIMEOUT: Duration = Duration::from_secs(90);

/// A failure inside one attempt, classified for the retry loop.
struct PgErr {
    transient: bool,
    err: GwaError,
}

impl PgErr {
    fn permanent(err: GwaError) -> Self {
        Self {
            transient: false,
            err,
        }
    }

    fn bad(what: String) -> Self {
        Self::permanent(GwaError::BadStoredValue(what))
    }
}

impl From<GwaError> for PgErr {
    fn from(err: GwaError) -> Self {
        Self::permanent(err)
    }
}

fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(d) = db.detail() {
                s.push_str(": ");
                s.push_str(d);
            }
            s
        }
        None => match std::error::Error::source(e) {
            Some(src) => format!("{e}: {src}"),
            None => e.to_string(),
        },
    }
}

impl From<tokio_postgres::Error> for PgErr {
    fn from(e: tokio_postgres::Error) -> Self {
        let code_transient = e.code().is_some_and(|c| {
            *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
                || c.code().starts_with("08")
        });
        let io = std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>());
        Self {
            transient: code_transient || io || e.is_closed(),
            err: GwaError::Postgres(describe(&e)),
        }
    }
}

impl From<PoolError> for PgErr {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Backend(e) => e.into(),
            other => Self {
                transient: true,
                err: GwaError::Postgres(format!("connection pool: {other}")),
            },
        }
    }
}

type Attempt<T> = std::result::Result<T, PgErr>;

/// A statement parameter.
type Param<'a> = dyn tokio_postgres::types::ToSql + Sync + 'a;

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    // postgres://user:password@host/db → postgres://user:***@host/db
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, tail) = match rest.rfind('@') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***{tail}"),
        None => url.to_owned(),
    }
}

/// [`Storage`] in a PostgreSQL database shared by several GWA instances.
pub struct PgStorage {
    pool: Pool,
    /// Unix ms of the last call that succeeded (for [`Storage::health`]).
    last_ok_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// The runtime the pool's connections run on (taken out in `drop`).
    rt: Option<tokio::runtime::Runtime>,
    handle: tokio::runtime::Handle,
    name: String,
}

impl core::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PgStorage")
            .field("database", &self.name)
            .field("pool", &self.pool.status())
            .finish()
    }
}

impl Drop for PgStorage {
    fn drop(&mut self) {
        // dropping a runtime blocks, which panics inside an async context; let it go quietly
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

impl PgStorage {
    /// Connects lazily to `url` (`postgres://user:password@host:port/dbname`, the libpq URL
    /// syntax) with at most `pool_size` connections. Call [`Storage::init`] once per database.
    /// Unless the URL sets them, a connect timeout of 5 s, TCP keepalives and a statement
    /// timeout of 30 s apply.
    pub fn connect(url: &str, pool_size: usize) -> Result<Self> {
        Self::build(url, pool_size, None)
    }

    /// As [`PgStorage::connect`], over TLS: the server's certificate must chain to one of
    /// `ca_certs` and name the URL's host; plaintext is never used.
    pub fn connect_tls(
        url: &str,
        pool_size: usize,
        ca_certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    ) -> Result<Self> {
        let mut roots = rustls::RootCertStore::empty();
        for c in ca_certs {
            roots.add(c).map_err(|e| {
                GwaError::Postgres(format!("unusable database CA certificate: {e}"))
            })?;
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| GwaError::Postgres(format!("TLS configuration: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Self::build(url, pool_size, Some(tls))
    }

    fn build(url: &str, pool_size: usize, tls: Option<rustls::ClientConfig>) -> Result<Self> {
        let name = redact(url);
        let mut cfg = tokio_postgres::Config::from_str(url).map_err(|e| GwaError::Config {
            path: name.clone().into(),
            message: format!("not a PostgreSQL URL: {e}"),
        })?;
        if cfg.get_connect_timeout().is_none() {
            cfg.connect_timeout(Duration::from_secs(5));
        }
        cfg.keepalives(true);
        if cfg.get_options().is_none() {
            cfg.options("-c statement_timeout=30000");
        }
        if cfg.get_application_name().is_none() {
            cfg.application_name("gwa-reference");
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("gwa-postgres")
            .enable_all()
            .build()
            .map_err(|e| GwaError::Postgres(format!("cannot start the database runtime: {e}")))?;
        let mgr_cfg = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let mgr = match tls {
            Some(tls) => {
                cfg.ssl_mode(SslMode::Require);
                Manager::from_config(cfg, MakeRustlsConnect::new(tls), mgr_cfg)
            }
            None => Manager::from_config(cfg, NoTls, mgr_cfg),
        };
        let pool = Pool::builder(mgr)
            .max_size(pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(10)))
            .create_timeout(Some(Duration::from_secs(10)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|e| GwaError::Postgres(format!("cannot build the connection pool: {e}")))?;
        Ok(Self {
            pool,
            last_ok_ms: Default::default(),
            handle: rt.handle().clone(),
            rt: Some(rt),
            name,
        })
    }

    /// The URL without its password.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs `op` on the database runtime and waits for it; retries transient failures when
    /// `retry` (only for idempotent operations).
    fn run<T, F, Fut>(&self, retry: bool, op: F) -> Result<T>
    where
        T: Send + 'static,
        F: Fn(Pool) -> Fut + Send + 'static,
        Fut: Future<Output = Attempt<T>> + Send,
    {
        let pool = self.pool.clone();
        let last_ok = self.last_ok_ms.clone();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.handle.spawn(async move {
            let mut attempt = 1;
            let result = loop {
                match op(pool.clone()).await {
                    Err(e) if retry && e.transient && attempt < ATTEMPTS => {
                        tracing::warn!(error = %e.err, attempt, "database call failed; retrying");
                        tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                        attempt += 1;
                    }
                    other => break other.map_err(|e| e.err),
                }
            };
            if result.is_ok() {
                last_ok.store(crate::time::now_ms(), std::sync::atomic::Ordering::Relaxed);
            }
            let _ = tx.send(result);
        });
        rx.recv_timeout(CALL_TIMEOUT).map_err(|_| {
            GwaError::Postgres(format!(
                "no answer from {} within {} s",
                self.name,
                CALL_TIMEOUT.as_secs()
            ))
        })?
    }
}

impl Columns for Row {
    fn text(&self, i: usize) -> std::result::Result<String, String> {
        self.try_get(i).map_err(|e| describe(&e))
    }
    fn opt_text(&self, i: usize) -> std::result::Result<Option<String>, String> {
        self.try_get(i).map_err(|e| describe(&e))
    }
    fn int(&self, i: usize) -> std::result::Result<i64, String> {
        self.try_get(i).map_err(|e| describe(&e))
    }
    fn opt_int(&self, i: usize) -> std::result::Result<Option<i64>, String> {
        self.try_get(i).map_err(|e| describe(&e))
    }
}

fn gateway_row(r: &Row) -> Attempt<GatewayRecord> {
    gateway_from(r).map_err(PgErr::bad)
}

fn log_row(r: &Row) -> Attempt<LogRecord> {
    log_from(r).map_err(PgErr::bad)
}

fn assessment_row(r: &Row) -> Attempt<AssessmentRecord> {
    assessment_from(r).map_err(PgErr::bad)
}

fn manufacturer_row(r: &Row) -> Attempt<Manufacturer> {
    manufacturer_from(r).map_err(PgErr::bad)
}

fn verdict_count_row(r: &Row) -> Attempt<(Verdict, u64)> {
    verdict_count_from(r).map_err(PgErr::bad)
}

fn count(r: &Row, idx: usize) -> Attempt<u64> {
    let n: i64 = r.try_get(idx)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn schema_version(c: &impl deadpool_postgres::GenericClient) -> Attempt<u32> {
    let exists: bool = c
        .query_one("SELECT to_regclass('gwa_schema_version') IS NOT NULL", &[])
        .await?
        .try_get(0)?;
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> = match c
        .query_opt("SELECT version FROM gwa_schema_version", &[])
        .await?
    {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    };
    Ok(v.map_or(0, |v| u32::try_from(v).unwrap_or(0)))
}

/// A call that succeeded this recently makes [`Storage::health`] answer without a query.
const HEALTHY_FOR_MS: i64 = 5_000;

impl Storage for PgStorage {
    fn health(&self) -> Result<()> {
        let last = self.last_ok_ms.load(std::sync::atomic::Ordering::Relaxed);
        if crate::time::now_ms().saturating_sub(last) < HEALTHY_FOR_MS {
            return Ok(());
        }
        self.check_schema().map(|_| ())
    }

    fn init(&self) -> Result<u32> {
        self.run(true, |pool| async move {
            let mut c = pool.get().await?;
            let tx = c.transaction().await?;
            // instances starting together migrate one after the other
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&INIT_LOCK])
                .await?;
            tx.batch_execute(
                "CREATE TABLE IF NOT EXISTS gwa_schema_version (version INTEGER NOT NULL)",
            )
            .await?;
            let current = schema_version(&tx).await?;
            if current > PG_SCHEMA_VERSION {
                return Err(PgErr::permanent(GwaError::SchemaTooNew {
                    found: current,
                    supported: PG_SCHEMA_VERSION,
                }));
            }
            for sql in PG_MIGRATIONS.iter().skip(current as usize) {
                tx.batch_execute(sql).await?;
            }
            tx.execute("DELETE FROM gwa_schema_version", &[]).await?;
            tx.execute(
                "INSERT INTO gwa_schema_version (version) VALUES ($1)",
                &[&(PG_SCHEMA_VERSION as i32)],
            )
            .await?;
            tx.commit().await?;
            Ok(PG_SCHEMA_VERSION)
        })
    }

    fn check_schema(&self) -> Result<u32> {
        let name = self.name.clone();
        self.run(true, move |pool| {
            let name = name.clone();
            async move {
                let c = pool.get().await?;
                let v = schema_version(&c).await?;
                if v == 0 {
                    return Err(PgErr::permanent(GwaError::NotInitialised(name)));
                }
                if v > PG_SCHEMA_VERSION {
                    return Err(PgErr::permanent(GwaError::SchemaTooNew {
                        found: v,
                        supported: PG_SCHEMA_VERSION,
                    }));
                }
                Ok(v)
            }
        })
    }

    fn gateway_seen(&self, id: &str, now_ms: i64) -> Result<()> {
        let id = id.to_owned();
        self.run(true, move |pool| {
            let id = id.clone();
            async move {
                let c = pool.get().await?;
                c.execute(
                    "INSERT INTO gateways (id, first_seen_ms, last_seen_ms) VALUES ($1, $2, $2)
                     ON CONFLICT (id) DO UPDATE
                     SET last_seen_ms = GREATEST(gateways.last_seen_ms, excluded.last_seen_ms)",
                    &[&id, &now_ms],
                )
                .await?;
                Ok(())
            }
        })
    }

    fn gateway(&self, id: &str) -> Result<Option<GatewayRecord>> {
        let id = id.to_owned();
        self.run(true, move |pool| {
            let id = id.clone();
            async move {
                let c = pool.get().await?;
                let sql = format!("SELECT {GATEWAY_COLS} FROM gateways WHERE id = $1");
                match c.query_opt(&c.prepare_cached(&sql).await?, &[&id]).await? {
                    Some(r) => Ok(Some(gateway_row(&r)?)),
                    None => Ok(None),
                }
            }
        })
    }

    fn gateways(&self) -> Result<Vec<GatewayRecord>> {
        self.run(true, |pool| async move {
            let c = pool.get().await?;
            let sql = format!("SELECT {GATEWAY_COLS} FROM gateways ORDER BY id");
            c.query(&sql, &[]).await?.iter().map(gateway_row).collect()
        })
    }

    fn stale(&self, before_ms: i64) -> Result<Vec<GatewayRecord>> {
        self.run(true, move |pool| async move {
            let c = pool.get().await?;
            let sql = format!(
                "SELECT {GATEWAY_COLS} FROM gateways
                 WHERE last_assessed_ms IS NULL OR last_assessed_ms < $1 ORDER BY id"
            );
            c.query(&sql, &[&before_ms])
                .await?
                .iter()
                .map(gateway_row)
                .collect()
        })
    }

    fn set_profile(&self, id: &str, profile: &TncProfile, now_ms: i64) -> Result<()> {
        profile.validate()?;
        let json = serde_json::to_string(profile)?;
        let revision = i64::try_from(profile.revision)
            .map_err(|_| GwaError::Invalid("profile revision exceeds 2^63-1".into()))?;
        let id = id.to_owned();
        self.run(true, move |pool| {
            let (id, json) = (id.clone(), json.clone());
            async move {
                let c = pool.get().await?;
                // one statement: the revision check and the write cannot interleave with
                // another instance's
                let n = c
                    .execute(
                        "INSERT INTO gateways (id, first_seen_ms, profile_json, profile_revision)
                         VALUES ($1, $2, $3, $4)
                         ON CONFLICT (id) DO UPDATE
                         SET profile_json = excluded.profile_json,
                             profile_revision = excluded.profile_revision
                         WHERE gateways.profile_revision IS NULL
                            OR gateways.profile_revision < excluded.profile_revision",
                        &[&id, &now_ms, &json, &revision],
                    )
                    .await?;
                if n == 1 {
                    return Ok(());
                }
                let row = c
                    .query_one(
                        "SELECT profile_revision, profile_json FROM gateways WHERE id = $1",
                        &[&id],
                    )
                    .await?;
                let old: Option<i64> = row.try_get(0)?;
                let old_json: Option<String> = row.try_get(1)?;
                Ok(same_profile_or_conflict(
                    &id,
                    revision,
                    &json,
                    old,
                    old_json.as_deref(),
                )?)
            }
        })
    }

    fn set_wake_addr(&self, id: &str, addr: &str, now_ms: i64) -> Result<()> {
        let (id, addr) = (id.to_owned(), addr.to_owned());
        self.run(true, move |pool| {
            let (id, addr) = (id.clone(), addr.clone());
            async move {
                let c = pool.get().await?;
                c.execute(
                    "INSERT INTO gateways (id, first_seen_ms, wake_addr) VALUES ($1, $2, $3)
                     ON CONFLICT (id) DO UPDATE SET wake_addr = excluded.wake_addr",
                    &[&id, &now_ms, &addr],
                )
                .await?;
                Ok(())
            }
        })
    }

    fn record_assessment(&self, a: &NewAssessment) -> Result<i64> {
        if a.uid.is_empty() {
            return Err(GwaError::Invalid(
                "an assessment needs a uid (storage::new_uid)".into(),
            ));
        }
        let json = AssessmentJson::of(a)?;
        let a = a.clone();
        self.run(true, move |pool| {
            let (a, json) = (a.clone(), json.clone());
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                // statements are prepared once per connection; the independent ones of each
                // stage are pipelined (sent in order without waiting): BEGIN, two stages and
                // COMMIT are four round trips
                let (gw_st, ins_st) = tokio::try_join!(
                    tx.prepare_cached(sql::GATEWAY_FIRST_CONTACT),
                    tx.prepare_cached(sql::INSERT_ASSESSMENT),
                )?;
                let verdict = a.verdict.as_str();
                let gw_params: [&Param<'_>; 2] = [&a.gateway_id, &a.started_ms];
                let ins_params: [&Param<'_>; 16] = [
                    &a.uid,
                    &a.connection_id,
                    &a.gateway_id,
                    &a.started_ms,
                    &a.finished_ms,
                    &a.recommendation,
                    &a.evaluation,
                    &verdict,
                    &json.reasons,
                    &json.imvs,
                    &json.measurement,
                    &a.vendor,
                    &a.product,
                    &a.firmware,
                    &a.peer_addr,
                    &a.tls,
                ];
                let (_, inserted) = tokio::try_join!(
                    tx.execute(&gw_st, &gw_params),
                    tx.query_opt(&ins_st, &ins_params),
                )?;
                let Some(row) = inserted else {
                    // a retry after a commit whose acknowledgement was lost
                    let st = tx.prepare_cached(sql::ASSESSMENT_BY_UID).await?;
                    let row = tx.query_one(&st, &[&a.uid]).await?;
                    let gw: String = row.try_get(1)?;
                    if gw != a.gateway_id {
                        return Err(PgErr::permanent(GwaError::Conflict(format!(
                            "assessment uid {} is already used by gateway {gw}",
                            a.uid
                        ))));
                    }
                    tx.commit().await?;
                    return Ok(row.try_get(0)?);
                };
                let id: i64 = row.try_get(0)?;
                let times: Vec<i64> = a.log.iter().map(|e| e.time_ms).collect();
                let levels: Vec<&str> = a.log.iter().map(|e| e.level.as_str()).collect();
                let events: Vec<&str> = a.log.iter().map(|e| e.event.as_str()).collect();
                let details: Vec<&str> = a.log.iter().map(|e| e.detail.as_str()).collect();
                let (log_st, sum_st) = tokio::try_join!(
                    tx.prepare_cached(sql::INSERT_LOGBOOK),
                    tx.prepare_cached(sql::UPDATE_SUMMARY),
                )?;
                let log_params: [&Param<'_>; 6] =
                    [&id, &a.gateway_id, &times, &levels, &events, &details];
                let sum_params: [&Param<'_>; 8] = [
                    &a.gateway_id,
                    &a.finished_ms,
                    &verdict,
                    &id,
                    &a.vendor,
                    &a.product,
                    &a.firmware,
                    &a.started_ms,
                ];
                tokio::try_join!(
                    tx.execute(&log_st, &log_params),
                    tx.execute(&sum_st, &sum_params),
                )?;
                tx.commit().await?;
                Ok(id)
            }
        })
    }

    fn history(&self, gateway_id: &str, limit: u32) -> Result<Vec<AssessmentRecord>> {
        let gateway_id = gateway_id.to_owned();
        self.run(true, move |pool| {
            let gateway_id = gateway_id.clone();
            async move {
                let c = pool.get().await?;
                let sql = format!(
                    "SELECT {ASSESSMENT_COLS} FROM assessments WHERE gateway_id = $1
                     ORDER BY started_ms DESC, id DESC LIMIT $2"
                );
                let mut out = c
                    .query(&sql, &[&gateway_id, &i64::from(limit)])
                    .await?
                    .iter()
                    .map(assessment_row)
                    .collect::<Attempt<Vec<_>>>()?;
                let ids: Vec<i64> = out.iter().map(|a| a.id).collect();
                let sql = format!(
                    "SELECT {LOG_COLS} FROM logbook WHERE assessment_id = ANY($1) ORDER BY id"
                );
                for row in c.query(&sql, &[&ids]).await? {
                    let rec = log_row(&row)?;
                    if let Some(a) = out.iter_mut().find(|a| Some(a.id) == rec.assessment_id) {
                        a.data.log.push(rec.entry);
                    }
                }
                Ok(out)
            }
        })
    }

    fn logbook(&self, assessment_id: i64) -> Result<Vec<LogRecord>> {
        self.run(true, move |pool| async move {
            let c = pool.get().await?;
            let sql =
                format!("SELECT {LOG_COLS} FROM logbook WHERE assessment_id = $1 ORDER BY id");
            c.query(&sql, &[&assessment_id])
                .await?
                .iter()
                .map(log_row)
                .collect()
        })
    }

    fn log_event(&self, gateway_id: Option<&str>, e: &LogEntry) -> Result<i64> {
        let gateway_id = gateway_id.map(str::to_owned);
        let e = e.clone();
        // not retried: a retry after a lost acknowledgement would log the event twice
        self.run(false, move |pool| {
            let (gateway_id, e) = (gateway_id.clone(), e.clone());
            async move {
                let c = pool.get().await?;
                let row = c
                    .query_one(
                        &c.prepare_cached("INSERT INTO logbook (assessment_id, gateway_id, time_ms, level, event, detail)
                         VALUES (NULL, $1, $2, $3, $4, $5) RETURNING id").await?,
                        &[&gateway_id, &e.time_ms, &e.level.as_str(), &e.event, &e.detail],
                    )
                    .await?;
                Ok(row.try_get(0)?)
            }
        })
    }

    fn recent_log(&self, limit: u32) -> Result<Vec<LogRecord>> {
        self.run(true, move |pool| async move {
            let c = pool.get().await?;
            let sql = format!("SELECT {LOG_COLS} FROM logbook ORDER BY id DESC LIMIT $1");
            c.query(&sql, &[&i64::from(limit)])
                .await?
                .iter()
                .map(log_row)
                .collect()
        })
    }

    fn verdict_counts(&self) -> Result<Vec<(Verdict, u64)>> {
        self.run(true, |pool| async move {
            let c = pool.get().await?;
            let rows = c
                .query(
                    "SELECT verdict, COUNT(*) FROM assessments GROUP BY verdict",
                    &[],
                )
                .await?;
            rows.iter().map(verdict_count_row).collect()
        })
    }

    fn fleet_counts(&self, stale_before_ms: i64) -> Result<FleetCounts> {
        self.run(true, move |pool| async move {
            let c = pool.get().await?;
            let head = c
                .query_one(
                    "SELECT COUNT(*),
                            COUNT(*) FILTER (WHERE last_assessed_ms IS NULL
                                                OR last_assessed_ms < $1),
                            (SELECT COUNT(*) FROM logbook WHERE event = 'wakeup_sent')
                     FROM gateways",
                    &[&stale_before_ms],
                )
                .await?;
            let rows = c
                .query(
                    "SELECT last_verdict, COUNT(*) FROM gateways
                     WHERE last_verdict IS NOT NULL GROUP BY last_verdict ORDER BY last_verdict",
                    &[],
                )
                .await?;
            let by_last_verdict = rows
                .iter()
                .map(verdict_count_row)
                .collect::<Attempt<Vec<_>>>()?;
            Ok(FleetCounts {
                gateways: count(&head, 0)?,
                stale: count(&head, 1)?,
                by_last_verdict,
                wakeups: count(&head, 2)?,
            })
        })
    }

    fn add_manufacturer(&self, m: &Manufacturer) -> Result<()> {
        let m = m.clone();
        self.run(true, move |pool| {
            let m = m.clone();
            async move {
                let c = pool.get().await?;
                let n = c
                    .execute(
                        "INSERT INTO manufacturers (name, pen, public_key_pem, added_ms)
                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                        &[&m.name, &i64::from(m.pen), &m.public_key_pem, &m.added_ms],
                    )
                    .await?;
                if n == 1 {
                    return Ok(());
                }
                let sql = format!(
                    "SELECT {MANUFACTURER_COLS} FROM manufacturers WHERE name = $1 OR pen = $2"
                );
                let existing = c
                    .query(&sql, &[&m.name, &i64::from(m.pen)])
                    .await?
                    .iter()
                    .map(manufacturer_row)
                    .collect::<Attempt<Vec<_>>>()?;
                Ok(same_manufacturer_or_conflict(&m, &existing)?)
            }
        })
    }

    fn manufacturer(&self, name: &str) -> Result<Option<Manufacturer>> {
        let name = name.to_owned();
        self.run(true, move |pool| {
            let name = name.clone();
            async move {
                let c = pool.get().await?;
                match c
                    .query_opt(
                        &format!("SELECT {MANUFACTURER_COLS} FROM manufacturers WHERE name = $1"),
                        &[&name],
                    )
                    .await?
                {
                    Some(r) => Ok(Some(manufacturer_row(&r)?)),
                    None => Ok(None),
                }
            }
        })
    }

    fn manufacturers(&self) -> Result<Vec<Manufacturer>> {
        self.run(true, |pool| async move {
            let c = pool.get().await?;
            c.query(
                &format!("SELECT {MANUFACTURER_COLS} FROM manufacturers ORDER BY name"),
                &[],
            )
            .await?
            .iter()
            .map(manufacturer_row)
            .collect()
        })
    }

    fn import_reference(
        &self,
        set: &ReferenceSet,
        manifest_sha256: &str,
        now_ms: i64,
    ) -> Result<i64> {
        let set = set.clone();
        let hash = manifest_sha256.to_owned();
        self.run(true, move |pool| {
            let (set, hash) = (set.clone(), hash.clone());
            async move {
                let mut c = pool.get().await?;
                let tx = c.transaction().await?;
                let pen = i64::from(set.vendor_pen);
                let inserted = tx
                    .query_opt(
                        "INSERT INTO firmware (vendor, vendor_pen, product, version, algorithm,
                             manifest_sha256, imported_ms)
                         VALUES ($1, $2, $3, $4, $5, $6, $7)
                         ON CONFLICT (vendor_pen, product, version) DO NOTHING RETURNING id",
                        &[
                            &set.vendor,
                            &pen,
                            &set.product,
                            &set.firmware_version,
                            &set.algorithm.as_str(),
                            &hash,
                            &now_ms,
                        ],
                    )
                    .await?;
                let Some(row) = inserted else {
                    let row = tx
                        .query_one(
                            "SELECT id, manifest_sha256 FROM firmware
                             WHERE vendor_pen = $1 AND product = $2 AND version = $3",
                            &[&pen, &set.product, &set.firmware_version],
                        )
                        .await?;
                    let existing: String = row.try_get(1)?;
                    if existing == hash {
                        return Ok(row.try_get(0)?); // the same manifest again
                    }
                    return Err(PgErr::permanent(manifest_conflict(&set, &existing)));
                };
                let id: i64 = row.try_get(0)?;
                let paths: Vec<&str> = set.files.iter().map(|f| f.0.as_str()).collect();
                let digests: Vec<&[u8]> = set.files.iter().map(|f| f.1.as_slice()).collect();
                tx.execute(
                    "INSERT INTO reference_values (firmware_id, path, digest)
                     SELECT $1, p, d FROM UNNEST($2::TEXT[], $3::BYTEA[]) AS x (p, d)",
                    &[&id, &paths, &digests],
                )
                .await?;
                tx.commit().await?;
                Ok(id)
            }
        })
    }

    fn reference_set(
        &self,
        pen: u32,
        product: &str,
        version: &str,
    ) -> Result<Option<ReferenceSet>> {
        let (product, version) = (product.to_owned(), version.to_owned());
        self.run(true, move |pool| {
            let (product, version) = (product.clone(), version.clone());
            async move {
                let c = pool.get().await?;
                let Some(head) = c
                    .query_opt(
                        "SELECT id, vendor, algorithm FROM firmware
                         WHERE vendor_pen = $1 AND product = $2 AND version = $3",
                        &[&i64::from(pen), &product, &version],
                    )
                    .await?
                else {
                    return Ok(None);
                };
                let id: i64 = head.try_get(0)?;
                let alg: String = head.try_get(2)?;
                let algorithm = DigestAlgorithm::parse(&alg)
                    .ok_or_else(|| PgErr::bad(format!("unexpected stored algorithm {alg:?}")))?;
                let files = c
                    .query(
                        "SELECT path, digest FROM reference_values WHERE firmware_id = $1
                         ORDER BY path",
                        &[&id],
                    )
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
                    .collect::<Attempt<Vec<(String, Vec<u8>)>>>()?;
                Ok(Some(ReferenceSet {
                    vendor: head.try_get(1)?,
                    vendor_pen: pen,
                    product,
                    firmware_version: version,
                    algorithm,
                    files,
                }))
            }
        })
    }

    fn firmware_versions(&self, pen: u32, product: &str) -> Result<Vec<String>> {
        let product = product.to_owned();
        self.run(true, move |pool| {
            let product = product.clone();
            async move {
                let c = pool.get().await?;
                c.query(
                    "SELECT version FROM firmware WHERE vendor_pen = $1 AND product = $2
                     ORDER BY imported_ms, id",
                    &[&i64::from(pen), &product],
                )
                .await?
                .iter()
                .map(|r| Ok(r.try_get(0)?))
                .collect()
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://gwa:secret@db.example:5432/gwa"),
            "postgres://gwa:***@db.example:5432/gwa"
        );
        assert_eq!(
            redact("postgres://gwa@127.0.0.1/gwa"),
            "postgres://gwa@127.0.0.1/gwa"
        );
        assert_eq!(
            redact("postgresql://u:p:q@h/d?x=y"),
            "postgresql://u:***@h/d?x=y"
        );
    }
}
