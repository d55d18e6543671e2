//! Load test of the GWA (loopback only, bounded in count and time).
//!
//! Starts `gwa-reference serve` as a child process with a fresh database, a development PKI
//! and one manufacturer's reference values, then runs N concurrent simulated gateways (TNCC
//! with an OS and a PTS collector over PT-TLS, BSI profile) doing full assessments until the
//! count or the time budget is reached. Reports assessments/s, the server's CPU time per
//! assessment (from /proc/PID/stat, server process only) and the client-side p50/p99
//! latency of a whole assessment (TCP connect to close).
//!
//! ```text
//! cargo build --release -p gwa-reference --bin gwa-reference --example load
//! target/release/examples/load [--curve p256|bp256] [--gateways 16] [--count 1000] [--secs 60]
//!                              [--bin target/release/gwa-reference] [--tls12]
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::*;
use gwa_reference::storage::{Manufacturer, SqliteStorage, Storage};
use sha2::Digest;
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

/// utime + stime of a process, in seconds.
fn cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // fields after the ")" of the command name; utime and stime are fields 14 and 15
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    // SC_CLK_TCK is 100 on Linux
    ticks / 100.0
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
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

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pki = DevPki::generate(&DevPkiOptions::with_curve(curve, gateways)).unwrap();
    pki.write_pem(&d.join("pki")).unwrap();
    let (pt, prof, http) = (free_port(), free_port(), free_port());
    std::fs::write(
        d.join("gwa.toml"),
        format!(
            "database = \"gwa.sqlite\"\n[listen]\npt_tls = \"{pt}\"\nprofile = \"{prof}\"\nhttp = \"{http}\"\n\
             [tls]\ncertificate = \"pki/gwa-chain.pem\"\nprivate_key = \"pki/gwa.key\"\ntrust_anchors = \"pki/root-ca.pem\"\n"
        ),
    )
    .unwrap();
    // database with one manufacturer and its reference values
    let files = firmware_files("load");
    {
        let s = SqliteStorage::open(&d.join("gwa.sqlite")).unwrap();
        s.init().unwrap();
        let key = PrivateKey::generate(AdminCurve::P256).unwrap();
        s.add_manufacturer(&Manufacturer {
            name: "ACME".into(),
            pen: ACME_PEN,
            public_key_pem: key.public_key().to_spki_pem().unwrap(),
            added_ms: 1,
        })
        .unwrap();
        let mut obj = serde_json::Map::new();
        for (p, c) in &files {
            obj.insert(p.clone(), hex::encode(sha2::Sha256::digest(c)).into());
        }
        let text = serde_json::to_string(&serde_json::json!({
            "format": 1, "vendor": "ACME", "vendor_pen": ACME_PEN, "product": "SMGW-X",
            "firmware_version": "2.1.0", "algorithm": "sha256", "files": obj,
        }))
        .unwrap();
        std::fs::write(d.join("m.json"), &text).unwrap();
        std::fs::write(d.join("m.json.sig"), key.sign(text.as_bytes()).unwrap()).unwrap();
        gwa_reference::manifest::import(&s, &d.join("m.json"), 1).unwrap();
    }
    std::fs::write(
        d.join("wakeup.key"),
        PrivateKey::generate(AdminCurve::P256)
            .unwrap()
            .to_pkcs8_pem()
            .unwrap(),
    )
    .unwrap();

    let mut child = Command::new(&bin)
        .arg("--config")
        .arg(d.join("gwa.toml"))
        .arg("serve")
        .env("GWA_LOG", "warn")
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}); build it with cargo build --release",
                bin.display()
            )
        });
    let pid = child.id();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = rt.block_on(async move {
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(http).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let groups = match curve {
            Curve::P256 => vec![0x0017],
            _ => vec![provider::BRAINPOOL_P256R1, provider::BRAINPOOL_P256R1_TLS13],
        };
        let pki = Arc::new(pki);
        let files = Arc::new(files);
        let done = Arc::new(AtomicUsize::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let cpu0 = cpu_secs(pid);
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
                    let out = client.run(pt, &mut drv).await.unwrap();
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
        // let the server finish writing the last results
        tokio::time::sleep(Duration::from_millis(200)).await;
        let cpu = cpu_secs(pid) - cpu0;
        (lat, wall, cpu, version)
    });
    let _ = child.kill();
    let _ = child.wait();

    let (mut lat, wall, cpu, version) = result;
    lat.sort();
    let n = lat.len();
    let pct = |p: f64| {
        lat[((n as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(n - 1)]
    };
    let s = SqliteStorage::open(&d.join("gwa.sqlite")).unwrap();
    let stored: u64 = s.verdict_counts().unwrap().iter().map(|c| c.1).sum();
    println!(
        "curve {:?}  gateways {gateways}  assessments {n} (stored {stored})  wall {:.2}s  {:.1} assessments/s  \
         server CPU {:.2}s = {:.2} ms/assessment  latency p50 {:.1} ms  p99 {:.1} ms  tls {:?}",
        curve,
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        cpu,
        cpu * 1000.0 / n as f64,
        pct(0.50).as_secs_f64() * 1000.0,
        pct(0.99).as_secs_f64() * 1000.0,
        version
    );
}
