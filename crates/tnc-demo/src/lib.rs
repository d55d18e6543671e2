//! # tnc-demo
//!
//! One command that shows the whole TNC system working (issue 7): a development PKI
//! (brainpoolP256r1), the reference Gateway Administrator (`gwa-reference`) on 127.0.0.1 with
//! its embedded SQLite database, signed reference values of two manufacturers imported through
//! the GWA's real import path, and a fleet of reference gateways (`smgw-reference`, in-process
//! tasks running the real daemon loop) that leave the factory with TNC off and integrity state
//! `unknown`. The GWA switches TNC on through their profiles, the checks come in over PT-TLS
//! (RFC 6876, BSI TLS profile; PB-TNC RFC 5793; PA-TNC RFC 5792 with TCG PTS file
//! measurements), then one gateway's measured file is tampered with and the GWA wakes it with a
//! signed wake-up: it turns `not trusted`, with the reason and its calibration-log entry.
//!
//! [`run`] does all of it and returns a [`Report`]; [`expect::missing`] lists every expected
//! verdict that did not occur (the binary `demo` exits non-zero then).
//!
//! ```
//! use tnc_demo::expect::{missing, Observed};
//!
//! // a fleet of one gateway that never reached a verdict: the demo would fail, saying why
//! let never = Observed { id: "EACME000000001".into(), tampered: true, ..Observed::default() };
//! let gaps = missing(&[never], 0, 0);
//! assert!(gaps.iter().any(|g| g.contains("factory state not observed")));
//! assert!(gaps.iter().any(|g| g.contains("expected not trusted")));
//! ```
#![forbid(unsafe_code)]

pub mod expect;
pub mod install;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gwa_reference::config::Policy;
use gwa_reference::http::Api;
use gwa_reference::metrics::Metrics;
use gwa_reference::server::{Gwa, TlsMaterial, serve_profiles};
use gwa_reference::storage::{Manufacturer, SqliteStorage, Storage, Verdict};
use smgw_gwa_admin::{Curve as AdminCurve, PrivateKey, TncProfile};
use smgw_reference::config::Config;
use smgw_reference::daemon::{Daemon, SystemClock};
use smgw_reference::logbook::{self, LogKind};
use smgw_reference::state::{IntegrityState, Trigger};
use smgw_reference::transport::TlsIdentity;
use tnc_ift_tls_bsi::net::Server;
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Credentials, Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;

use crate::expect::Observed;
use crate::install::{Release, io};

/// Errors that stop the demo before it can judge the verdicts.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was done, on which path.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The gateway library failed.
    #[error("gateway: {0}")]
    Gateway(#[from] smgw_reference::Error),
    /// The GWA library failed.
    #[error("GWA: {0}")]
    Gwa(#[from] gwa_reference::GwaError),
    /// Key generation or signing failed.
    #[error("keys: {0}")]
    Keys(#[from] smgw_gwa_admin::AdminError),
    /// Setting up the PKI, listeners or files failed.
    #[error("setup: {0}")]
    Setup(String),
}

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Gateways in the fleet (at least 2: one of each vendor; the last gateway of the first
    /// vendor runs a field-test firmware alone and is the one tampered with).
    pub gateways: usize,
    /// Work directory (created; must be empty or absent). `None`: a fresh directory under the
    /// system's temporary directory, kept after the run.
    pub work_dir: Option<PathBuf>,
    /// Bound on the whole run (from the start to the tampered gateway's verdict).
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            gateways: 20,
            work_dir: None,
            timeout: Duration::from_secs(50),
        }
    }
}

/// One row of the final fleet table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetRow {
    /// What the demo observed.
    pub observed: Observed,
    /// The GWA's stored last verdict.
    pub gwa_last: Option<Verdict>,
}

/// The demo's result.
#[derive(Debug, Clone)]
pub struct Report {
    /// The work directory.
    pub work_dir: PathBuf,
    /// The GWA's SQLite database.
    pub database: PathBuf,
    /// The `/metrics` snapshot taken over the GWA's HTTP API at the end.
    pub metrics_file: PathBuf,
    /// Each gateway's logbook directory.
    pub logbooks: Vec<(String, PathBuf)>,
    /// The fleet.
    pub fleet: Vec<FleetRow>,
    /// Expected verdicts that did not occur (empty: success).
    pub missing: Vec<String>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

impl Report {
    /// Whether every expected verdict occurred.
    pub fn success(&self) -> bool {
        self.missing.is_empty()
    }
}

type Out<'a> = &'a mut (dyn Write + Send);

macro_rules! say {
    ($out:expr, $($arg:tt)*) => {
        writeln!($out, $($arg)*).map_err(|source| DemoError::Io { what: "write output".into(), source })?
    };
}

const VENDORS: [(&str, u32); 2] = [("ACME", 4711), ("Zeta", 4712)];
const WAKEUP_CURVE: AdminCurve = AdminCurve::BrainpoolP256r1;

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A gateway of the fleet while the demo runs.
struct Member {
    id: String,
    release: usize,
    dir: PathBuf,
    daemon: Option<Daemon>,
    wake_addr: std::net::SocketAddr,
    observed: Observed,
}

/// Runs the demo, writing its progress to `out`.
///
/// Errors are setup failures; a verdict that did not occur (or the timeout) is reported in
/// [`Report::missing`].
pub async fn run(opts: &Options, out: Out<'_>) -> Result<Report, DemoError> {
    let started = Instant::now();
    // bounds everything that waits for the network (PKI generation and file writes are not
    // interruptible, and finish in well under a second)
    let deadline = tokio::time::Instant::now() + opts.timeout;
    let n = opts.gateways.max(2);
    let work = match &opts.work_dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(io("create", d))?;
            d.clone()
        }
        None => tempfile::Builder::new()
            .prefix("tnc-demo-")
            .tempdir()
            .map_err(|source| DemoError::Io {
                what: "create a temporary directory".into(),
                source,
            })?
            .keep(),
    };
    say!(
        out,
        "tnc-rs demo: a Gateway Administrator and {n} smart-meter gateways on 127.0.0.1"
    );
    say!(out, "work directory: {}", work.display());

    // ---- 1. development PKI -------------------------------------------------------------
    let t = Instant::now();
    let (n_acme, n_zeta) = (n.div_ceil(2), n / 2);
    let ids: Vec<String> = (0..n)
        .map(|i| {
            if i < n_acme {
                format!("EACME{:09}", i + 1)
            } else {
                format!("EZETA{:09}", i + 1)
            }
        })
        .collect();
    let mut popts = DevPkiOptions::with_curve(Curve::BrainpoolP256r1, 0);
    popts.gateway_ids = ids.clone();
    let pki = DevPki::generate(&popts).map_err(|e| DemoError::Setup(format!("dev PKI: {e}")))?;
    let pki_dir = work.join("pki");
    pki.write_pem(&pki_dir)
        .map_err(|e| DemoError::Setup(format!("dev PKI: {e}")))?;
    say!(
        out,
        "\n[1] development PKI (brainpoolP256r1): root CA, sub-CA, GWA and {n} gateway certificates  ({} ms)\n    {}",
        t.elapsed().as_millis(),
        pki_dir.display()
    );

    // ---- 2. the GWA ---------------------------------------------------------------------
    let gwa_dir = work.join("gwa");
    std::fs::create_dir_all(&gwa_dir).map_err(io("create", &gwa_dir))?;
    let database = gwa_dir.join("gwa.sqlite");
    let sqlite = SqliteStorage::open(&database)?;
    sqlite.init()?;
    let storage: Arc<dyn Storage> = Arc::new(sqlite);
    let metrics = Arc::new(Metrics::new());
    let gwa = Gwa::new(storage.clone(), Policy::default(), metrics.clone());
    let settings = TlsSettings::new(Profile::Bsi);
    let creds = Credentials {
        chain: pki.chain_for(&pki.gwa),
        key: pki.gwa.key.clone(),
    };
    let roots = vec![pki.root.cert_der()];
    let server = Server::bind("127.0.0.1:0", &settings, &roots, &creds)
        .await
        .map_err(|e| DemoError::Setup(format!("PT-TLS listener: {e}")))?;
    let pt_addr = server
        .local_addr()
        .map_err(|e| DemoError::Setup(format!("PT-TLS listener: {e}")))?;
    let stop_pt = server.shutdown_handle();
    let pt_task = tokio::spawn(server.run(gwa.driver_factory(), Duration::from_secs(2)));
    let bind = |what: &'static str| async move {
        tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|source| DemoError::Io {
                what: format!("bind the {what} listener"),
                source,
            })
    };
    let profile_listener = bind("profile").await?;
    let http_listener = bind("HTTP").await?;
    let local = |l: &tokio::net::TcpListener| {
        l.local_addr().map_err(|source| DemoError::Io {
            what: "listener address".into(),
            source,
        })
    };
    let (profile_addr, http_addr) = (local(&profile_listener)?, local(&http_listener)?);
    let tls = TlsMaterial {
        settings,
        roots,
        credentials: creds,
    };
    let profile_task = tokio::spawn({
        let (storage, metrics) = (storage.clone(), metrics.clone());
        async move { serve_profiles(profile_listener, &tls, storage, metrics).await }
    });
    let http_task = tokio::spawn(
        Api {
            storage: storage.clone(),
            metrics: metrics.clone(),
            stale_after: Duration::from_secs(86_400),
        }
        .serve(http_listener),
    );
    let wakeup_key = PrivateKey::generate(WAKEUP_CURVE)?;
    install::write(&gwa_dir.join("wakeup.key"), wakeup_key.to_pkcs8_pem()?)?;
    say!(
        out,
        "\n[2] GWA (gwa-reference) started\n    PT-TLS {pt_addr}   profile service {profile_addr}   HTTP http://{http_addr}/metrics\n    database {}",
        database.display()
    );

    // ---- 3. manufacturers and their signed reference values -----------------------------
    let releases = vec![
        release(&work, 0, "1.0.0"),
        release(&work, 0, "1.1.0"),
        release(&work, 1, "2.0.0"),
    ];
    say!(
        out,
        "\n[3] manufacturers sign reference values; the GWA imports them (reference import)"
    );
    for (vendor, pen) in VENDORS {
        let key = PrivateKey::generate(AdminCurve::BrainpoolP256r1)?;
        let vdir = work.join("vendors").join(vendor);
        let public = key.public_key().to_spki_pem()?;
        install::write(&vdir.join(format!("{vendor}.pub")), &public)?;
        storage.add_manufacturer(&Manufacturer {
            name: vendor.into(),
            pen,
            public_key_pem: public,
            added_ms: unix_ms(),
        })?;
        for r in releases.iter().filter(|r| r.vendor == vendor) {
            install::write_release(r)?;
            let manifest = install::sign_manifest(r, &key, &vdir)?;
            let imported = gwa_reference::manifest::import(&*storage, &manifest, unix_ms())?;
            say!(
                out,
                "    {vendor:<5} (PEN {pen}) {} {}: {} reference value(s), signature verified, manifest sha256 {}…\n          {}",
                imported.set.product,
                imported.set.firmware_version,
                imported.set.files.len(),
                &imported.manifest_sha256[..imported.manifest_sha256.len().min(16)],
                manifest.display()
            );
        }
    }

    // ---- 4. the fleet leaves the factory: TNC off, state unknown -------------------------
    let t = Instant::now();
    let mut fleet = Vec::with_capacity(n);
    for (i, id) in ids.iter().enumerate() {
        let rel = if i < n_acme {
            if i + 1 == n_acme { 1 } else { 0 }
        } else {
            2
        };
        let dir = work.join("gateways").join(id);
        let cfg_path =
            install::write_gateway_config(&dir, &pki_dir, id, &releases[rel], profile_addr.port())?;
        let cfg = Config::load_with_env(&cfg_path, |_| None)?;
        let ident = TlsIdentity::load(&cfg)
            .map_err(|e| DemoError::Setup(format!("{id}: TLS identity: {e}")))?;
        let mut d = Daemon::new(cfg, ident, Arc::new(SystemClock))?;
        let wake_addr = d
            .bind_wakeup()
            .await?
            .ok_or_else(|| DemoError::Setup(format!("{id}: no wake-up listener")))?;
        let r = &releases[rel];
        fleet.push(Member {
            id: id.clone(),
            release: rel,
            dir,
            daemon: Some(d),
            wake_addr,
            observed: Observed {
                id: id.clone(),
                vendor: r.vendor.into(),
                firmware: r.version.into(),
                tampered: rel == 1,
                ..Observed::default()
            },
        });
    }
    // every gateway asks the GWA for its profile: there is none yet, TNC stays off
    let mut asks = JoinSet::new();
    for (i, m) in fleet.iter_mut().enumerate() {
        if let Some(mut d) = m.daemon.take() {
            asks.spawn(async move {
                let r = d.refresh_profile().await;
                (i, d, r)
            });
        }
    }
    let mut refusal = String::new();
    let factory = tokio::time::timeout_at(deadline, async {
        while let Some(j) = asks.join_next().await {
            let (i, d, r) = j.map_err(|e| DemoError::Setup(format!("gateway task: {e}")))?;
            r?;
            let st = d.gateway().state();
            fleet[i].observed.factory = Some((st.integrity.state, st.tnc_enabled()));
            if refusal.is_empty() {
                refusal =
                    last_entry(d.gateway().logbooks().system.path(), "profile").unwrap_or_default();
            }
            fleet[i].daemon = Some(d);
        }
        Ok::<(), DemoError>(())
    })
    .await;
    let mut missing = Vec::new();
    let timeout = || {
        format!(
            "timeout: the demo did not finish within {} s",
            opts.timeout.as_secs()
        )
    };
    match factory {
        Ok(r) => r?,
        Err(_) => missing.push(timeout()),
    }
    let unknown_off = fleet
        .iter()
        .filter(|m| m.observed.factory == Some((IntegrityState::Unknown, false)))
        .count();
    say!(
        out,
        "\n[4] {n} gateways out of the factory ({n_acme} ACME, {n_zeta} Zeta; in-process smgw-reference daemons)  ({} ms)\n    asked the GWA for a TNC profile: none yet  →  {unknown_off}/{n} have TNC off, integrity state unknown\n    e.g. system log: {refusal}",
        t.elapsed().as_millis()
    );

    // ---- 5. the GWA switches TNC on through the profiles; checks come in ---------------
    if missing.is_empty() {
        let phase = tokio::time::timeout_at(
            deadline,
            fleet_phase(
                &mut fleet,
                &releases,
                Admin {
                    storage: &storage,
                    metrics: &metrics,
                    wakeup_key: &wakeup_key,
                    pt_port: pt_addr.port(),
                },
                deadline,
                out,
            ),
        )
        .await;
        match phase {
            Ok(Ok(())) => {}
            Ok(Err(e)) => missing.push(format!("the fleet phase failed: {e}")),
            Err(_) => missing.push(timeout()),
        }
    }

    // ---- 6. fleet table, metrics, paths --------------------------------------------------
    let metrics_file = gwa_dir.join("metrics.prom");
    let scraped = scrape(http_addr).await;
    match &scraped {
        Ok(body) => install::write(&metrics_file, body)?,
        Err(e) => missing.push(format!("GET /metrics: {e}")),
    }
    let rows: Vec<FleetRow> = fleet
        .iter()
        .map(|m| FleetRow {
            observed: m.observed.clone(),
            gwa_last: storage
                .gateway(&m.id)
                .ok()
                .flatten()
                .and_then(|g| g.last_verdict),
        })
        .collect();
    say!(out, "\n[6] fleet");
    say!(
        out,
        "    {:<16} {:<6} {:<9} {:<9} {:<13} {:<13} {:>6}",
        "gateway",
        "vendor",
        "firmware",
        "factory",
        "gateway state",
        "GWA verdict",
        "checks"
    );
    for r in &rows {
        let o = &r.observed;
        say!(
            out,
            "    {:<16} {:<6} {:<9} {:<9} {:<13} {:<13} {:>6}",
            o.id,
            o.vendor,
            o.firmware,
            o.factory.map(|f| f.0.as_str()).unwrap_or("-"),
            o.final_state().map(|s| s.as_str()).unwrap_or("-"),
            r.gwa_last.map(|v| v.as_str()).unwrap_or("-"),
            o.checks
        );
    }
    let (trusted, not_trusted) = (
        metrics.verdict_count(Verdict::Trusted),
        metrics.verdict_count(Verdict::NotTrusted),
    );
    if let Ok(body) = &scraped {
        say!(out, "\n    GWA metrics (GET http://{http_addr}/metrics):");
        for l in body
            .lines()
            .filter(|l| l.starts_with("gwa_assessments_total") || l.starts_with("gwa_wakeups"))
        {
            say!(out, "      {l}");
        }
    }
    let observed: Vec<Observed> = fleet.iter().map(|m| m.observed.clone()).collect();
    missing.extend(expect::missing(&observed, trusted, not_trusted));

    stop_pt.shutdown();
    let _ = tokio::time::timeout(Duration::from_secs(5), pt_task).await;
    profile_task.abort();
    http_task.abort();

    let logbooks: Vec<(String, PathBuf)> = fleet
        .iter()
        .map(|m| (m.id.clone(), m.dir.join("data").join("logs")))
        .collect();
    say!(out, "\nwhere to look:");
    say!(out, "    database   {}", database.display());
    say!(out, "    metrics    {}", metrics_file.display());
    say!(
        out,
        "    logbooks   {}/<gateway>/data/logs/  (system, calibration, consumer; SHA-256 chained)",
        work.join("gateways").display()
    );
    if let Some(m) = fleet.iter().find(|m| m.observed.tampered) {
        say!(
            out,
            "               e.g. {}",
            m.dir.join("data").join("logs").display()
        );
    }
    say!(
        out,
        "    configs    {}/<gateway>/smgw.toml",
        work.join("gateways").display()
    );
    say!(out, "    manifests  {}", work.join("vendors").display());
    let elapsed = started.elapsed();
    if missing.is_empty() {
        say!(
            out,
            "\nOK: every expected verdict occurred ({n} unknown before TNC, {} trusted, 1 not trusted after tampering) in {:.1} s",
            n,
            elapsed.as_secs_f64()
        );
    } else {
        say!(
            out,
            "\nFAILED: {} expected verdict(s) missing:",
            missing.len()
        );
        for m in &missing {
            say!(out, "    - {m}");
        }
    }
    Ok(Report {
        work_dir: work,
        database,
        metrics_file,
        logbooks,
        fleet: rows,
        missing,
        elapsed,
    })
}

fn release(work: &Path, vendor: usize, version: &'static str) -> Release {
    let (name, pen) = VENDORS[vendor];
    Release {
        vendor: name,
        pen,
        version,
        root: work
            .join("firmware")
            .join(format!("{name}-{}-{version}", install::PRODUCT)),
    }
}

/// The text of the last entry of a logbook whose event starts with `prefix`.
fn last_entry(path: &Path, prefix: &str) -> Option<String> {
    logbook::read_entries(path)
        .ok()?
        .into_iter()
        .rev()
        .find(|e| e.event.starts_with(prefix))
        .map(|e| format!("{}: {}", e.event, e.text))
}

fn bar(done: usize, total: usize) -> String {
    const W: usize = 20;
    let filled = (done * W).checked_div(total).unwrap_or(W);
    format!("{}{}", "█".repeat(filled), "·".repeat(W - filled))
}

/// Switch-on, first checks, tampering and wake-up.
/// What the demo does as the GWA's administrator.
struct Admin<'a> {
    storage: &'a Arc<dyn Storage>,
    metrics: &'a Metrics,
    wakeup_key: &'a PrivateKey,
    pt_port: u16,
}

async fn fleet_phase(
    fleet: &mut [Member],
    releases: &[Release],
    admin: Admin<'_>,
    deadline: tokio::time::Instant,
    out: Out<'_>,
) -> Result<(), DemoError> {
    let Admin {
        storage,
        metrics,
        wakeup_key,
        pt_port,
    } = admin;
    let n = fleet.len();
    let profile = TncProfile {
        revision: 1,
        tnc_enabled: true,
        interval_secs: 86_400,
        gwa_host: "127.0.0.1".into(),
        gwa_port: pt_port,
        expected_gwa_name: Some("gwa.localhost".into()),
        wakeup_key: wakeup_key.public_key().to_spki_pem()?,
    };
    for m in fleet.iter() {
        storage.set_profile(&m.id, &profile, unix_ms())?;
        storage.set_wake_addr(&m.id, &m.wake_addr.to_string(), unix_ms())?;
    }
    say!(
        out,
        "\n[5] GWA sets each gateway's TNC profile: revision 1, TNC on, interval 1 d, PT-TLS 127.0.0.1:{pt_port}\n    (wake-up key brainpoolP256r1; wake-up addresses registered).\n    The gateways start their daemon loops: fetch the profile, switch TNC on, check:"
    );
    let t = Instant::now();
    let mut tasks = JoinSet::new();
    for (i, m) in fleet.iter_mut().enumerate() {
        if let Some(d) = m.daemon.take() {
            tasks.spawn(run_until_checks(i, d, 1, deadline));
        }
    }
    let mut done = 0;
    while let Some(j) = tasks.join_next().await {
        let (i, d, r, took) = j.map_err(|e| DemoError::Setup(format!("gateway task: {e}")))?;
        done += 1;
        let m = &mut fleet[i];
        let rec = d.gateway().state().last_check().cloned();
        m.observed.checks = d.checks();
        m.observed.first_check = rec.as_ref().map(|r| r.state);
        m.observed.switched_on = logbook::read_entries(d.gateway().logbooks().system.path())
            .is_ok_and(|es| es.iter().any(|e| e.event == "tnc.on"));
        let last = storage.history(&m.id, 1)?.into_iter().next();
        m.observed.first_gwa = last.as_ref().map(|a| a.data.verdict);
        let detail = match (&r, &last) {
            (Err(e), _) => format!("daemon error: {e}"),
            (Ok(()), Some(a)) => format!(
                "{}/{} files match, binding {}",
                a.data.measurement.matched,
                a.data.measurement.requested,
                a.data.measurement.channel_binding
            ),
            (Ok(()), None) => rec
                .as_ref()
                .map(|r| r.reasons.join("; "))
                .unwrap_or_else(|| "no check".into()),
        };
        say!(
            out,
            "    [{}] {done:>2}/{n}  {:<16} {:<5} {:<6} gateway: {:<11} GWA: {:<11} {detail}  ({} ms)",
            bar(done, n),
            m.id,
            m.observed.vendor,
            m.observed.firmware,
            m.observed.first_check.map(|s| s.as_str()).unwrap_or("-"),
            m.observed.first_gwa.map(|v| v.as_str()).unwrap_or("-"),
            took.as_millis()
        );
        m.daemon = Some(d);
    }
    let trusted = fleet
        .iter()
        .filter(|m| m.observed.first_check == Some(IntegrityState::Trusted))
        .count();
    say!(
        out,
        "    {trusted}/{n} trusted after {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // ---- tamper + wake-up ----
    let Some(m) = fleet.iter_mut().find(|m| m.observed.tampered) else {
        return Err(DemoError::Setup("no gateway to tamper with".into()));
    };
    let Some(d) = m.daemon.take() else {
        return Err(DemoError::Setup(
            "the tampered gateway's daemon is gone".into(),
        ));
    };
    let target = releases[m.release].bin().join("wand");
    let before = std::fs::read(&target).map_err(io("read", &target))?;
    let mut after = before.clone();
    after.extend_from_slice(b"\n#!patched: forward port 22 to the WAN\n");
    install::write(&target, &after)?;
    use sha2::Digest;
    say!(
        out,
        "\n    tampering with {} (only gateway on {} {}): {}\n      SHA-256 {} → {}",
        m.id,
        m.observed.vendor,
        m.observed.firmware,
        target.display(),
        &hex::encode(sha2::Sha256::digest(&before))[..16],
        &hex::encode(sha2::Sha256::digest(&after))[..16],
    );
    let calibration = d.gateway().logbooks().calibration.path().to_path_buf();
    let cal_before = d.gateway().logbooks().calibration.len();
    let now = smgw_reference::time::unix_now();
    let datagram =
        gwa_reference::server::wake(storage, wakeup_key, &m.id, m.wake_addr, now).await?;
    // `server::wake` sends and logs; the counter belongs to the GWA process that sent it
    metrics.wakeup_sent();
    say!(
        out,
        "    GWA → signed wake-up to {} ({} octets, ECDSA brainpoolP256r1)",
        m.wake_addr,
        datagram.len()
    );
    let want = d.checks() + 1;
    let (_, d, r, took) = run_until_checks(0, d, want, deadline).await;
    r?;
    let rec = d.gateway().state().last_check().cloned();
    m.observed.checks = d.checks();
    m.observed.after_wakeup = rec.as_ref().map(|r| r.state);
    m.observed.woken = rec.as_ref().is_some_and(|r| r.trigger == Trigger::Wakeup);
    let tampered_path = target.display().to_string();
    m.observed.reason_names_file = rec
        .as_ref()
        .is_some_and(|r| r.reasons.iter().any(|s| s.contains(&tampered_path)));
    let last = storage.history(&m.id, 1)?.into_iter().next();
    m.observed.after_wakeup_gwa = last.as_ref().map(|a| a.data.verdict);
    say!(
        out,
        "    {} woke, checked ({} ms): gateway: {}   GWA: {}",
        m.id,
        took.as_millis(),
        m.observed.after_wakeup.map(|s| s.as_str()).unwrap_or("-"),
        m.observed
            .after_wakeup_gwa
            .map(|v| v.as_str())
            .unwrap_or("-"),
    );
    if let Some(r) = &rec {
        for reason in &r.reasons {
            say!(out, "      reason: {reason}");
        }
    }
    if let Some(a) = &last {
        let ms = &a.data.measurement;
        say!(
            out,
            "      GWA assessment #{}: {}/{} files match, mismatched {:?}, channel binding {}, recommendation {}",
            a.id,
            ms.matched,
            ms.requested,
            ms.mismatched,
            ms.channel_binding,
            a.data.recommendation
        );
    }
    let entries = logbook::read_entries(&calibration)?;
    let chain = logbook::verify(&calibration, &LogKind::Calibration.label());
    let new: Vec<_> = entries
        .iter()
        .filter(|e| e.seq >= cal_before && e.event == "check.failed")
        .collect();
    m.observed.calibration_entry = !new.is_empty() && chain.is_ok();
    for e in &new {
        say!(
            out,
            "    calibration log entry #{} ({}):\n      {} {:?} {}: {}",
            e.seq,
            calibration.display(),
            smgw_reference::time::rfc3339(e.time),
            e.level,
            e.event,
            e.text
        );
    }
    match chain {
        Ok(v) => say!(
            out,
            "      hash chain verified: {} entries, head {}…",
            v.entries,
            &v.head[..v.head.len().min(16)]
        ),
        Err(e) => say!(out, "      hash chain does NOT verify: {e}"),
    }
    m.daemon = Some(d);
    Ok(())
}

/// Runs a gateway's daemon loop until it has run `checks` checks (or `deadline`).
async fn run_until_checks(
    i: usize,
    mut d: Daemon,
    checks: u64,
    deadline: tokio::time::Instant,
) -> (usize, Daemon, Result<(), smgw_reference::Error>, Duration) {
    let t = Instant::now();
    let r = d
        .run(tokio::time::sleep_until(deadline), Some(checks))
        .await;
    (i, d, r, t.elapsed())
}

/// `GET /metrics` on the GWA's HTTP API.
async fn scrape(addr: std::net::SocketAddr) -> Result<String, String> {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    (&mut s)
        .take(1 << 20)
        .read_to_end(&mut buf)
        .await
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP header end")?;
    if !head.starts_with("HTTP/1.1 200") {
        return Err(format!(
            "HTTP status {}",
            head.lines().next().unwrap_or_default()
        ));
    }
    Ok(body.to_owned())
}

/// The README of the workspace, compiled as doc tests (its IMC and IMV examples).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
