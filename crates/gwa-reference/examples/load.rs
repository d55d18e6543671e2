//! Load test of the GWA (loopback only, bounded in count and time).
//!
//! Starts `gwa-reference serve` as child process(es) with a fresh database, a development PKI
//! and one manufacturer's reference values (set up with the program's own CLI: `init`,
//! `manufacturer add`, `reference import`), then runs N concurrent simulated gateways (TNCC
//! with an OS and a PTS collector over PT-TLS, BSI profile) doing full assessments until the
//! count or the time budget is reached. Reports assessments/s, the server's CPU time per
//! assessment (from /proc/PID/stat: the sum over all GWA processes; HAProxy's and the
//! PostgreSQL server's CPU separately), the client-side p50/p99 latency of a whole assessment
//! (TCP connect to close) and the load average.
//!
//! ```text
//! cargo build --release -p gwa-reference --bin gwa-reference --example load
//! target/release/examples/load [--curve p256|bp256] [--gateways 16] [--count 1000] [--secs 60]
//!                              [--bin target/release/gwa-reference] [--tls12]
//!                              [--database postgres://USER:PASS@127.0.0.1:PORT/postgres]
//!                              [--instances N] [--target HOST:PORT]
//! ```
//!
//! * `--database`: default a fresh SQLite file; a `postgres://` URL is an admin URL of a
//!   cluster in which a fresh database `load_PID_N` is created (and dropped afterwards), e.g.
//!   the one `scripts/pg-cluster start` prints. PostgreSQL CPU = the postmaster (with its
//!   reaped children) plus its live children (the backends), found through `pg_backend_pid()`
//!   of this database, so only a server on this machine is measured.
//! * `--instances N`: N > 1 starts N `serve` processes on the same database and HAProxy
//!   (Debian package; TCP mode, round robin, health checks on /healthz, `send-proxy-v2` with
//!   `[listen] proxy_protocol = true` on the instances) in front of them; the gateways connect
//!   to HAProxy.
//! * `--target`: connect the gateways to this address instead (e.g. a balancer started by hand).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/fleet_common/mod.rs"]
mod fleet_common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use fleet_common::*;
use smgw_gwa_admin::{Curve as AdminCurve, PrivateKey};
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::{self, Curve};
use tnc_iftnccs::AccessRecommendation;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

/// The 1-minute load average.
fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn main() {
    let curve = match arg("--curve", "p256").as_str() {
        "bp256" => Curve::BrainpoolP256r1,
        _ => Curve::P256,
    };
    let gateways: usize = arg("--gateways", "16").parse().unwrap();
    let count: usize = arg("--count", "1000").parse().unwrap();
    let secs: u64 = arg("--secs", "60").parse().unwrap();
    let bin = PathBuf::from(arg("--bin", "target/release/gwa-reference"));
    let tls12_only = std::env::args().any(|a| a == "--tls12");
    let database = arg("--database", "");
    let instances: usize = arg("--instances", "1").parse().unwrap();
    assert!(instances >= 1, "--instances must be at least 1");
    let target_arg = arg("--target", "");

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = if database.starts_with("postgres://") || database.starts_with("postgresql://") {
        Db::create_postgres(&database, "load").unwrap_or_else(|e| panic!("{e}"))
    } else if database.is_empty() {
        Db::Sqlite(d.join("gwa.sqlite"))
    } else {
        Db::Sqlite(PathBuf::from(&database))
    };
    let pki = DevPki::generate(&DevPkiOptions::with_curve(curve, gateways)).unwrap();
    pki.write_pem(&d.join("pki")).unwrap();
    let ports: Vec<Ports> = (0..instances).map(|_| Ports::free()).collect();
    let cfgs: Vec<PathBuf> = ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            // behind HAProxy the instances read its PROXY v2 header (docs/DEPLOYMENT.md)
            write_gwa_config(
                d,
                &format!("gwa{}", i + 1),
                &db,
                p,
                2 * 24 * 3600,
                instances > 1,
                None,
            )
        })
        .collect();
    std::fs::write(
        d.join("wakeup.key"),
        PrivateKey::generate(AdminCurve::P256)
            .unwrap()
            .to_pkcs8_pem()
            .unwrap(),
    )
    .unwrap();
    // database with one manufacturer and its reference values, through the program's CLI
    let out = gwa_ok(&bin, &cfgs[0], &["init"]);
    assert!(out.contains("schema version"), "{out}");
    let files = firmware_files("load");
    import_reference_cli(&bin, &cfgs[0], d, "ACME", ACME_PEN, "2.1.0", &files);

    let mut servers: Vec<Proc> = Vec::new();
    for (i, cfg) in cfgs.iter().enumerate() {
        let log = d.join(format!("gwa{}.log", i + 1));
        let mut p = start_serve(&bin, cfg, &format!("gwa{}", i + 1), &log);
        wait_listening(ports[i].http, &mut p, Duration::from_secs(20), &log);
        wait_listening(ports[i].pt_tls, &mut p, Duration::from_secs(5), &log);
        servers.push(p);
    }
    let mut haproxy = None;
    let mut target = ports[0].pt_tls;
    if instances > 1 {
        let hp = haproxy_bin().expect("--instances > 1 needs haproxy (apt-get install haproxy)");
        let lb = Balancer::free();
        haproxy = Some(lb.start(&hp, d, &ports, true));
        let want: Vec<(String, &str)> =
            (1..=instances).map(|i| (format!("gwa{i}"), "UP")).collect();
        let want: Vec<(&str, &str)> = want.iter().map(|(a, b)| (a.as_str(), *b)).collect();
        lb.wait_states("gwa_pt_tls", &want, Duration::from_secs(10));
        target = lb.pt_tls;
    }
    if !target_arg.is_empty() {
        target = target_arg.parse::<SocketAddr>().unwrap();
    }
    let gwa_pids: Vec<u32> = servers.iter().map(Proc::pid).collect();
    let haproxy_pid = haproxy.as_ref().map(Proc::pid);
    let postmaster = db.server_pids().first().copied();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(async move {
        let groups = match curve {
            Curve::P256 => vec![0x0017],
            _ => vec![provider::BRAINPOOL_P256R1, provider::BRAINPOOL_P256R1_TLS13],
        };
        let pki = Arc::new(pki);
        let files = Arc::new(files);
        let done = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let gwa_cpu = || gwa_pids.iter().map(|p| cpu_secs(*p)).sum::<f64>();
        let hp_cpu = || haproxy_pid.map_or(0.0, cpu_secs);
        let pg_snap = || postmaster.map(postgres_cpu_snapshot).unwrap_or_default();
        let (cpu0, hp0, pg0) = (gwa_cpu(), hp_cpu(), pg_snap());
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for g in 0..gateways {
            let (pki, files, done, groups) =
                (pki.clone(), files.clone(), done.clone(), groups.clone());
            tasks.push(tokio::spawn(async move {
                let mut settings = TlsSettings::new(Profile::Bsi);
                settings.expected_peer = Some("gwa.localhost".into());
                settings.groups = Some(groups);
                if tls12_only {
                    settings.tls13 = false;
                }
                let leaf = &pki.gateways[g];
                let client = tnc_ift_tls_bsi::net::Client::new(
                    settings,
                    &[pki.root.cert_der()],
                    Some(&pki.credentials(leaf)),
                )
                .unwrap();
                let mut lat = Vec::new();
                let mut version = None;
                while done.fetch_add(1, Ordering::Relaxed) < count && Instant::now() < deadline {
                    let mut drv =
                        TnccDriver::new(GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &files));
                    let t = Instant::now();
                    let out = client.run(target, &mut drv).await.unwrap();
                    lat.push(t.elapsed());
                    version.get_or_insert((out.info.tls_version, out.info.group));
                    let dec = drv.decision.lock().unwrap().clone().unwrap();
                    assert_eq!(dec.recommendation, AccessRecommendation::ALLOWED);
                }
                (lat, version)
            }));
        }
        let mut lat = Vec::new();
        let mut version = None;
        for t in tasks {
            let (l, v) = t.await.unwrap();
            lat.extend(l);
            version = version.or(v);
        }
        let wall = t0.elapsed();
        let load = loadavg();
        // let the servers finish writing the last results
        tokio::time::sleep(Duration::from_millis(200)).await;
        let cpu = gwa_cpu() - cpu0;
        let hp = hp_cpu() - hp0;
        let pg = snapshot_delta(&pg0, &pg_snap());
        (lat, wall, cpu, hp, pg, load, version)
    });
    drop(haproxy);
    drop(servers);

    let (mut lat, wall, cpu, hp, pg, load, version) = result;
    lat.sort();
    let n = lat.len();
    let pct = |p: f64| {
        lat[((n as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(n - 1)]
    };
    let stored = db.count("SELECT count(*) FROM assessments");
    let per = |s: f64| s * 1000.0 / n as f64;
    println!(
        "curve {:?}  gateways {gateways}  assessments {n} (stored {stored})  wall {:.2}s  {:.1} assessments/s  \
         server CPU {:.2}s = {:.2} ms/assessment  latency p50 {:.1} ms  p99 {:.1} ms  tls {:?}  \
         database {}  instances {instances}{}  db CPU {} ms/assessment  haproxy CPU {} ms/assessment  load average {load:.2}",
        curve,
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        cpu,
        per(cpu),
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        version,
        db.kind(),
        if instances > 1 { " (HAProxy)" } else { "" },
        if db.is_postgres() {
            if postmaster.is_some() {
                format!("{:.2}", per(pg))
            } else {
                "n/a".into()
            }
        } else {
            "in-process".into()
        },
        if instances > 1 {
            format!("{:.3}", per(hp))
        } else {
            "-".into()
        },
    );
}
