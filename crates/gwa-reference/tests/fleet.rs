#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Two `gwa-reference serve` instances on one database behind HAProxy (TCP mode, 127.0.0.1),
//! one of them killed with SIGKILL in the middle of the load (issue 10, item 4).
//!
//! Many simulated gateways (TNCC over PT-TLS, BSI profile, P-256) are assessed through the
//! balancer; each retries a failed attempt (reset, EOF, timeout) with a short backoff until it
//! receives a result. Every result a gateway received is then looked up **in the database
//! itself** (SQL, not the program's API) by its `connection_id` (SHA-256 of the TLS channel
//! binding, which both ends know): it must be there exactly once, no connection id may occur
//! twice, and the rows no gateway received (the victim committed, then died before the RESULT
//! left) are bounded by the connections in flight at the kill. Gateway summaries must equal
//! their newest assessment. Profile changes, wake-ups and `stale` made through one instance
//! or the CLI must be seen by the other instance.
//!
//! Database: the PostgreSQL cluster of `GWA_TEST_POSTGRES_URL` (a fresh database per run; see
//! scripts/pg-cluster and .ci/run), or with `GWA_FLEET_DB=sqlite` one shared SQLite file.
//! HAProxy: Debian's `haproxy`. Without them the test fails and says so, unless
//! `GWA_SKIP_FLEET=1` (then it prints `SKIPPED: …`).

mod common;
mod fleet_common;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use fleet_common::*;
use gwa_reference::storage::connection_id;
use smgw_gwa_admin::{TncProfile, fetch_profile};
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_iftnccs::AccessRecommendation;

const GATEWAYS: usize = 12;
/// Concurrent gateway tasks: two per gateway certificate, so the same gateway is assessed by
/// both instances at once.
const TASKS: usize = 24;
const PER_TASK: usize = 12;
const MAX_ATTEMPTS: usize = 40;
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(15);
const LOAD_BUDGET: Duration = Duration::from_secs(60);

/// A line for the CI log: written to the process's stderr directly, so the test harness's
/// output capture does not hide it when the test passes.
fn ci_log(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// What the environment offers; `None` when skipping is allowed and needed.
struct Env {
    haproxy: PathBuf,
    db: Db,
    /// CA of the PostgreSQL server's TLS certificate (`GWA_TEST_POSTGRES_CA`)
    db_ca: Option<PathBuf>,
}

fn environment(dir: &Path) -> Option<Env> {
    let skip = std::env::var("GWA_SKIP_FLEET").is_ok_and(|v| v == "1");
    let missing = |what: String| -> Option<Env> {
        if skip {
            ci_log(&format!("SKIPPED: fleet test: {what} (GWA_SKIP_FLEET=1)"));
            return None;
        }
        panic!(
            "fleet test: {what}. Run it through .ci/run, or start a cluster with \
             `eval \"$(scripts/pg-cluster start)\"` and install haproxy (apt-get install haproxy); \
             GWA_FLEET_DB=sqlite uses one shared SQLite file instead of PostgreSQL; \
             GWA_SKIP_FLEET=1 skips the test"
        );
    };
    let Some(haproxy) = haproxy_bin() else {
        return missing("no haproxy binary (Debian package haproxy)".into());
    };
    let db = if std::env::var("GWA_FLEET_DB").is_ok_and(|v| v == "sqlite") {
        Db::Sqlite(dir.join("gwa.sqlite"))
    } else {
        let Ok(url) = std::env::var("GWA_TEST_POSTGRES_URL") else {
            return missing("GWA_TEST_POSTGRES_URL is not set (no PostgreSQL cluster)".into());
        };
        match Db::create_postgres(&url, "fleet") {
            Ok(db) => db,
            Err(e) => return missing(format!("cannot create a database through {url}: {e}")),
        }
    };
    let db_ca = std::env::var_os("GWA_TEST_POSTGRES_CA")
        .filter(|v| !v.is_empty() && db.is_postgres())
        .map(PathBuf::from);
    Some(Env { haproxy, db, db_ca })
}

fn tls_settings() -> TlsSettings {
    let mut s = TlsSettings::new(Profile::Bsi);
    s.expected_peer = Some("gwa.localhost".into());
    s.groups = Some(vec![0x0017]); // secp256r1
    s
}

/// Fetches gateway `gw`'s TNC profile from `addr`; `direct` (an instance's own port, not the
/// balancer): send the PROXY v2 LOCAL header first, as the listener expects one.
async fn profile_via(addr: SocketAddr, pki: &DevPki, gw: usize, direct: bool) -> TncProfile {
    let settings = tls_settings();
    let cfg = settings
        .client_config(
            &[pki.root.cert_der()],
            Some(&pki.credentials(&pki.gateways[gw])),
        )
        .unwrap();
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    if direct {
        use tokio::io::AsyncWriteExt;
        tcp.write_all(&PROXY_V2_LOCAL).await.unwrap();
    }
    let mut tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(settings.server_name(), tcp)
        .await
        .unwrap();
    fetch_profile(&mut tls).await.unwrap()
}

fn metrics_of(http: SocketAddr) -> String {
    http_get(http, "/metrics").unwrap_or_else(|e| panic!("/metrics of {http}: {e}"))
}

/// One result a gateway received.
#[derive(Debug, Clone)]
struct Received {
    gateway: String,
    connection_id: String,
    allowed: bool,
    /// the attempt began after the kill: only the survivor can have served it
    after_kill: bool,
    /// the gateway's own address of the connection (when it closed normally)
    local_addr: Option<String>,
}

#[derive(Default)]
struct Tally {
    attempts: AtomicUsize,
    failed: AtomicUsize,
    in_flight: AtomicUsize,
    received: AtomicUsize,
    results: Mutex<Vec<Received>>,
    errors: Mutex<BTreeMap<String, usize>>,
    gave_up: Mutex<Vec<String>>,
    kill_at: Mutex<Option<Instant>>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_behind_haproxy_survive_a_kill() {
    let t_start = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let Some(env) = environment(d) else {
        return;
    };
    let db = &env.db;
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_gwa-reference"));

    // development PKI, two instance configurations that differ only in their addresses
    let pki = DevPki::generate(&DevPkiOptions::with_curve(Curve::P256, GATEWAYS)).unwrap();
    pki.write_pem(&d.join("pki")).unwrap();
    let ports = [Ports::free(), Ports::free()];
    let cfg: Vec<PathBuf> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            // instance 2 (the survivor) talks to PostgreSQL over TLS when the cluster's CA is
            // known (scripts/pg-cluster exports it), as DEPLOYMENT.md recommends across machines
            let ca = (i == 1).then_some(env.db_ca.as_deref()).flatten();
            write_gwa_config(d, &format!("gwa{}", i + 1), db, p, 3600, true, ca)
        })
        .collect();
    let lb = Balancer::free();

    // `init` once, through the first configuration; the reference values through the CLI
    let out = gwa_ok(&bin, &cfg[0], &["init"]);
    assert!(out.contains("schema version"), "{out}");
    let files = firmware_files("fleet");
    import_reference_cli(&bin, &cfg[0], d, "ACME", ACME_PEN, "2.1.0", &files);

    let logs: Vec<PathBuf> = (1..=2).map(|i| d.join(format!("gwa{i}.log"))).collect();
    let mut gwa: Vec<Proc> = (0..2)
        .map(|i| start_serve(&bin, &cfg[i], &format!("gwa{}", i + 1), &logs[i]))
        .collect();
    for i in 0..2 {
        wait_listening(
            ports[i].http,
            &mut gwa[i],
            Duration::from_secs(20),
            &logs[i],
        );
        wait_listening(
            ports[i].pt_tls,
            &mut gwa[i],
            Duration::from_secs(5),
            &logs[i],
        );
    }
    // HAProxy sends a PROXY v2 header; the instances read it (`proxy_protocol = true`), so
    // assessments name the gateway's address, not the balancer's
    let _haproxy = lb.start(&env.haproxy, d, &ports, true);
    lb.wait_states(
        "gwa_pt_tls",
        &[("gwa1", "UP"), ("gwa2", "UP")],
        Duration::from_secs(10),
    );

    // --- visibility across instances: profiles, wake-ups, stale ---
    let gw0 = pki.gateways[0].name.clone();
    let lb_port = lb.pt_tls.port().to_string();
    for (rev, interval, via) in [(1u64, "2h", 0usize), (2, "1h", 1)] {
        // set through one instance's configuration, read through both instances' profile
        // ports and the balancer
        let out = gwa_ok(
            &bin,
            &cfg[via],
            &[
                "gateway",
                "set-profile",
                &gw0,
                "--interval",
                interval,
                "--host",
                "127.0.0.1",
                "--port",
                &lb_port,
            ],
        );
        assert!(out.contains(&format!("revision {rev}")), "{out}");
        for (addr, direct) in [
            (ports[0].profile, true),
            (ports[1].profile, true),
            (lb.profile, false),
        ] {
            let p = profile_via(addr, &pki, 0, direct).await;
            assert_eq!(p.revision, rev, "profile via {addr}");
            assert_eq!(
                p.interval_secs,
                if rev == 1 { 7200 } else { 3600 },
                "profile via {addr}"
            );
            assert_eq!(p.gwa_port, lb.pt_tls.port(), "profile via {addr}");
        }
    }
    // a gateway that is never assessed: stale everywhere
    gwa_ok(&bin, &cfg[1], &["gateway", "set-profile", "ENEVER00000001"]);
    for p in &ports {
        let m = metrics_of(p.http);
        assert_eq!(metric(&m, "gwa_stale_gateways"), Some(2.0), "{m}");
    }
    // wake-up sent by the CLI of instance 2's configuration; both instances count it from the
    // shared database
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let waddr = udp.local_addr().unwrap().to_string();
    gwa_ok(&bin, &cfg[0], &["gateway", "set-wake-addr", &gw0, &waddr]);
    let out = gwa_ok(&bin, &cfg[1], &["gateway", "wake", &gw0]);
    assert!(out.contains("sent to"), "{out}");
    let mut buf = [0u8; 600];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), udp.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(n > 0);
    let wake_rows = db.count(
        "SELECT count(*) FROM logbook WHERE event = 'wakeup_sent' AND gateway_id IS NOT NULL",
    );
    assert_eq!(wake_rows, 1);
    for p in &ports {
        let m = metrics_of(p.http);
        assert_eq!(
            metric(&m, "gwa_database_wakeups"),
            Some(1.0),
            "gwa_database_wakeups on {}: {m}",
            p.http
        );
        assert_eq!(metric(&m, "gwa_gateways"), Some(2.0), "{m}");
    }

    // --- the load, with instance 1 killed after a third of it ---
    let planned = TASKS * PER_TASK;
    let tally = Arc::new(Tally::default());
    let pki = Arc::new(pki);
    let files = Arc::new(files);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let (pki, files, tally) = (pki.clone(), files.clone(), tally.clone());
        let target = lb.pt_tls;
        tasks.push(tokio::spawn(async move {
            let g = t % GATEWAYS;
            let leaf = &pki.gateways[g];
            let client = tnc_ift_tls_bsi::net::Client::new(
                tls_settings(),
                &[pki.root.cert_der()],
                Some(&pki.credentials(leaf)),
            )
            .unwrap();
            for _ in 0..PER_TASK {
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    tally.attempts.fetch_add(1, Ordering::SeqCst);
                    let began = Instant::now();
                    tally.in_flight.fetch_add(1, Ordering::SeqCst);
                    let mut drv =
                        TnccDriver::new(GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &files));
                    let r =
                        tokio::time::timeout(ATTEMPT_TIMEOUT, client.run(target, &mut drv)).await;
                    tally.in_flight.fetch_sub(1, Ordering::SeqCst);
                    let decision = drv.decision.lock().unwrap().clone();
                    let binding = drv.binding.lock().unwrap().clone();
                    // a gateway that received the RESULT has its result, whatever happened to
                    // the connection afterwards
                    if let (Some(dec), Some(binding)) = (decision, binding) {
                        let after_kill = tally.kill_at.lock().unwrap().is_some_and(|k| began > k);
                        tally.results.lock().unwrap().push(Received {
                            gateway: leaf.name.clone(),
                            connection_id: connection_id(&binding),
                            allowed: dec.recommendation == AccessRecommendation::ALLOWED,
                            after_kill,
                            local_addr: match &r {
                                Ok(Ok(out)) => out.info.local_addr.map(|a| a.to_string()),
                                _ => None,
                            },
                        });
                        tally.received.fetch_add(1, Ordering::SeqCst);
                        break;
                    }
                    tally.failed.fetch_add(1, Ordering::SeqCst);
                    let why = match r {
                        Err(_) => "timeout".to_owned(),
                        Ok(Err(e)) => {
                            let s = e.to_string();
                            s.split(':').next().unwrap_or("").to_owned()
                        }
                        Ok(Ok(_)) => "closed without a result".to_owned(),
                    };
                    *tally.errors.lock().unwrap().entry(why).or_default() += 1;
                    if attempt >= MAX_ATTEMPTS || t0.elapsed() > LOAD_BUDGET {
                        tally
                            .gave_up
                            .lock()
                            .unwrap()
                            .push(format!("{} after {attempt} attempts", leaf.name));
                        return;
                    }
                    let backoff = Duration::from_millis((25 * attempt as u64).min(400));
                    tokio::time::sleep(backoff).await;
                }
            }
        }));
    }

    // kill instance 1 with SIGKILL once a third of the assessments are done
    let victim_http = ports[0].http;
    let in_flight_at_kill;
    let received_at_kill;
    loop {
        let done = tally.received.load(Ordering::SeqCst);
        if done >= planned / 3 {
            in_flight_at_kill = tally.in_flight.load(Ordering::SeqCst);
            *tally.kill_at.lock().unwrap() = Some(Instant::now());
            assert!(gwa[0].kill(), "instance 1 had died before the kill");
            received_at_kill = tally.received.load(Ordering::SeqCst);
            break;
        }
        assert!(
            t0.elapsed() < LOAD_BUDGET,
            "only {done} results before the kill point"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    for t in tasks {
        t.await.unwrap();
    }
    let wall = t0.elapsed();
    assert!(
        gwa[0].exited().is_some() && http_get(victim_http, "/healthz").is_err(),
        "instance 1 still answers"
    );
    assert!(gwa[1].exited().is_none(), "the survivor died");
    lb.wait_states(
        "gwa_pt_tls",
        &[("gwa1", "DOWN"), ("gwa2", "UP")],
        Duration::from_secs(5),
    );

    let results = tally.results.lock().unwrap().clone();
    let attempts = tally.attempts.load(Ordering::SeqCst);
    let failed = tally.failed.load(Ordering::SeqCst);
    let errors = tally.errors.lock().unwrap().clone();
    let gave_up = tally.gave_up.lock().unwrap().clone();
    assert!(
        gave_up.is_empty(),
        "gateways gave up: {gave_up:?}; errors {errors:?}"
    );
    assert_eq!(
        results.len(),
        planned,
        "every planned assessment has a result"
    );
    assert_eq!(attempts, results.len() + failed);
    assert!(results.iter().all(|r| r.allowed), "every result is allow");
    let after_kill = results.iter().filter(|r| r.after_kill).count();
    assert!(
        after_kill >= planned / 3,
        "the kill was not mid-run: only {after_kill} assessments began after it"
    );
    assert!(
        failed >= 1,
        "the kill broke no connection (in flight at the kill: {in_flight_at_kill})"
    );

    // --- the database itself ---
    let rows = db.count("SELECT count(*) FROM assessments");
    assert!(
        db.has_column("assessments", "connection_id"),
        "assessments.connection_id is missing"
    );
    let (duplicates, without_result, with_addr) = {
        let stored: Vec<(String, String, String, String)> = db
            .query("SELECT connection_id, gateway_id, verdict, peer_addr FROM assessments")
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
            .collect();
        assert_eq!(stored.len() as i64, rows);
        assert!(
            stored.iter().all(|s| s.0.len() == 64),
            "every assessment has a connection id"
        );
        let mut by_cid: HashMap<&str, Vec<&(String, String, String, String)>> = HashMap::new();
        for s in &stored {
            by_cid.entry(s.0.as_str()).or_default().push(s);
        }
        let duplicates: usize = by_cid.values().map(|v| v.len() - 1).sum();
        assert_eq!(duplicates, 0, "connection ids stored twice");
        assert_eq!(
            db.count(
                "SELECT count(*) FROM (SELECT connection_id FROM assessments \
                 GROUP BY connection_id HAVING count(*) > 1) AS d"
            ),
            0
        );
        let mut with_addr = 0;
        for r in &results {
            let rows = by_cid.get(r.connection_id.as_str()).map_or(0, Vec::len);
            assert_eq!(
                rows, 1,
                "result of {} (connection {}) stored {rows} times",
                r.gateway, r.connection_id
            );
            let s = by_cid[r.connection_id.as_str()][0];
            assert_eq!(s.1, r.gateway);
            assert_eq!(s.2, "trusted");
            // the PROXY header carried the gateway's address through HAProxy
            if let Some(a) = &r.local_addr {
                assert_eq!(&s.3, a, "peer_addr of connection {}", r.connection_id);
                with_addr += 1;
            }
        }
        assert!(
            with_addr >= results.len() / 2,
            "only {with_addr} results had the gateway's address to compare"
        );
        let received: std::collections::HashSet<&str> =
            results.iter().map(|r| r.connection_id.as_str()).collect();
        let without = stored
            .iter()
            .filter(|s| !received.contains(s.0.as_str()))
            .count();
        (duplicates, without, with_addr)
    };
    assert!(
        rows >= results.len() as i64,
        "{rows} rows < {} received results",
        results.len()
    );
    assert!(
        without_result <= in_flight_at_kill && without_result <= failed,
        "{without_result} stored assessments no gateway received; {in_flight_at_kill} connections \
         were in flight at the kill, {failed} attempts failed"
    );
    // every gateway's summary equals its newest assessment, by (finished_ms, id), whatever
    // the order in which the two instances committed
    let summary = db.query(
        "SELECT id, last_assessed_ms, last_verdict, last_assessment_id FROM gateways ORDER BY id",
    );
    let mut assessed = 0;
    for g in &summary {
        let newest = db.query(&format!(
            "SELECT id, finished_ms, verdict FROM assessments WHERE gateway_id = '{}' \
             ORDER BY finished_ms DESC, id DESC LIMIT 1",
            g[0]
        ));
        let Some(n) = newest.first() else {
            assert!(
                g[1].is_empty() && g[2].is_empty(),
                "{g:?}: summary without assessments"
            );
            continue;
        };
        assessed += 1;
        assert_eq!(
            (&g[3], &g[1], &g[2]),
            (&n[0], &n[1], &n[2]),
            "gateway {}: summary (last_assessment_id, last_assessed_ms, last_verdict) ≠ newest assessment",
            g[0]
        );
    }
    assert_eq!(assessed, GATEWAYS);
    // the same gateway really was assessed twice at the same time (two tasks per gateway
    // certificate, round robin over the instances): overlapping assessments in the database
    let overlapping = db.count(
        "SELECT count(*) FROM assessments a JOIN assessments b \
         ON a.gateway_id = b.gateway_id AND a.id < b.id \
         AND a.started_ms < b.finished_ms AND b.started_ms < a.finished_ms",
    );
    assert!(
        overlapping > 0,
        "no two assessments of one gateway overlapped in time"
    );
    // the survivor's pooled connections use TLS when it was configured with the CA
    let tls_note = if env.db_ca.is_some() {
        let tls = db.count(
            "SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = 'gwa-reference' AND a.datname = current_database() \
             AND s.ssl",
        );
        assert!(tls >= 1, "instance 2 has no TLS connection to PostgreSQL");
        format!("instance 2 on PostgreSQL over TLS ({tls} connections)")
    } else {
        "no GWA_TEST_POSTGRES_CA: PostgreSQL over TLS not exercised".to_owned()
    };
    // stale from the shared data, on the survivor: only the never-assessed gateway
    let m = metrics_of(ports[1].http);
    assert_eq!(metric(&m, "gwa_stale_gateways"), Some(1.0), "{m}");
    // the survivor did the work after the kill itself
    let survivor_trusted = m
        .lines()
        .find_map(|l| l.strip_prefix("gwa_assessments_total{verdict=\"trusted\"} "))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    assert!(
        survivor_trusted >= after_kill,
        "the survivor counted {survivor_trusted} assessments, {after_kill} began after the kill"
    );

    ci_log(&format!(
        "fleet: attempts {attempts}, failed attempts {failed}, results received {}, rows in database {rows}, \
         rows without a received result {without_result}, duplicates {duplicates}",
        results.len()
    ));
    ci_log(&format!(
        "fleet: backend {}, 2 instances behind HAProxy, {TASKS} gateway tasks on {GATEWAYS} gateways; \
         instance 1 killed (SIGKILL) after {received_at_kill} results with {in_flight_at_kill} connections \
         in flight; {after_kill} assessments began after the kill; {with_addr} stored peer addresses equal \
         the gateway's own (PROXY v2 through HAProxy); {overlapping} pairs of overlapping assessments of one \
         gateway; {tls_note}; attempt errors {errors:?}; \
         load {:.1}s, test {:.1}s",
        db.kind(),
        wall.as_secs_f64(),
        t_start.elapsed().as_secs_f64()
    ));
}
