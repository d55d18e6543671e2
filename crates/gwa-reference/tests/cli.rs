#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The `gwa-reference` binary end to end on 127.0.0.1: init, manufacturer add, reference import
//! (and a refused one with its one-line error), gateway set-profile, doctor, serve; a gateway
//! fetches its profile over mutual TLS, gets a signed wake-up, is assessed; the HTTP API and
//! metrics show the result; show/history/stale print it.

mod common;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use common::*;
use sha2::Digest;
use smgw_gwa_admin::{Curve as AdminCurve, PrivateKey, WakeupVerifier, fetch_profile};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_iftnccs::AccessRecommendation;

fn gwa(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gwa-reference"))
        .arg("--config")
        .arg(dir.join("gwa.toml"))
        .args(args)
        .env("GWA_LOG", "warn")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = gwa(dir, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn free_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn http_get(addr: SocketAddr, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = pkis(Curve::P256, 2);
    p.good.write_pem(&d.join("pki")).unwrap();
    let (pt, prof, http) = (free_port(), free_port(), free_port());
    std::fs::write(
        d.join("gwa.toml"),
        format!(
            "database = \"db/gwa.sqlite\"\n[listen]\npt_tls = \"{pt}\"\nprofile = \"{prof}\"\nhttp = \"{http}\"\n\
             [tls]\ncertificate = \"pki/gwa-chain.pem\"\nprivate_key = \"pki/gwa.key\"\ntrust_anchors = \"pki/root-ca.pem\"\n"
        ),
    )
    .unwrap();

    // before init: a one-line error that says what to do
    let o = gwa(d, &["gateways"]);
    assert!(!o.status.success());
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("gwa-reference init"), "{err}");

    // dev-pki writes a usable PKI (loaded back by the TLS loader)
    let out = ok(
        d,
        &[
            "dev-pki",
            d.join("devpki").to_str().unwrap(),
            "--curve",
            "P-256",
            "--gateway",
            "GWX",
        ],
    );
    assert!(out.contains("Not for production"), "{out}");
    assert!(
        !tnc_ift_tls_bsi::pki::load_certs(&d.join("devpki/GWX-chain.pem"))
            .unwrap()
            .is_empty()
    );
    tnc_ift_tls_bsi::pki::load_key(&d.join("devpki/gwa.key")).unwrap();

    let out = ok(d, &["init"]);
    assert!(
        out.contains(&format!(
            "schema version {}",
            gwa_reference::storage::SCHEMA_VERSION
        )) && out.contains("created"),
        "{out}"
    );
    assert!(ok(d, &["init"]).contains("kept"));

    // a manufacturer and its signed manifest
    let maker = PrivateKey::generate(AdminCurve::BrainpoolP256r1).unwrap();
    std::fs::write(
        d.join("acme.pub"),
        maker.public_key().to_spki_pem().unwrap(),
    )
    .unwrap();
    ok(
        d,
        &[
            "manufacturer",
            "add",
            "ACME",
            d.join("acme.pub").to_str().unwrap(),
            "--pen",
            "4711",
        ],
    );
    let files = firmware_files("cli");
    let mut obj = serde_json::Map::new();
    for (path, c) in &files {
        obj.insert(path.clone(), hex::encode(sha2::Sha256::digest(c)).into());
    }
    let manifest = serde_json::to_string_pretty(&serde_json::json!({
        "format": 1, "vendor": "ACME", "vendor_pen": 4711, "product": "SMGW-X",
        "firmware_version": "3.0", "algorithm": "sha256", "files": obj,
    }))
    .unwrap();
    std::fs::write(d.join("m.json"), &manifest).unwrap();
    std::fs::write(
        d.join("m.json.sig"),
        maker.sign(manifest.as_bytes()).unwrap(),
    )
    .unwrap();
    let out = ok(
        d,
        &["reference", "import", d.join("m.json").to_str().unwrap()],
    );
    assert!(
        out.contains("imported 3 reference value(s) for ACME SMGW-X firmware 3.0"),
        "{out}"
    );
    // a malformed one: refused in one line with file:line:column
    std::fs::write(d.join("bad.json"), manifest.replace("\"3.0\"", "3.0,")).unwrap();
    std::fs::write(d.join("bad.json.sig"), b"x").unwrap();
    let o = gwa(
        d,
        &["reference", "import", d.join("bad.json").to_str().unwrap()],
    );
    assert!(!o.status.success());
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let line = manifest
        .lines()
        .position(|l| l.contains("firmware_version"))
        .unwrap()
        + 1;
    assert!(err.contains(&format!("bad.json:{line}:")), "{err}");

    let gw = p.good.gateways[0].name.clone();
    let out = ok(
        d,
        &[
            "gateway",
            "set-profile",
            &gw,
            "--interval",
            "2h",
            "--host",
            "127.0.0.1",
        ],
    );
    assert!(out.contains("revision 1, TNC on, every 7200s"), "{out}");
    assert!(
        ok(
            d,
            &[
                "gateway",
                "set-profile",
                &gw,
                "--interval",
                "1h",
                "--host",
                "127.0.0.1"
            ]
        )
        .contains("revision 2")
    );

    let doc = ok(d, &["doctor"]);
    assert!(
        doc.lines()
            .all(|l| l.starts_with("ok ") || l.starts_with("warn")),
        "{doc}"
    );
    assert!(
        doc.contains("P256") || doc.contains("brainpool") || doc.contains("wake-up key"),
        "{doc}"
    );

    // wake-up: UDP to a local socket, verified with the key of the gateway's profile
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let waddr = udp.local_addr().unwrap().to_string();
    ok(d, &["gateway", "set-wake-addr", &gw, &waddr]);
    assert!(ok(d, &["gateway", "wake", &gw]).contains("sent to"));
    let mut buf = [0u8; 600];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), udp.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();

    // serve
    let child = Command::new(env!("CARGO_BIN_EXE_gwa-reference"))
        .arg("--config")
        .arg(d.join("gwa.toml"))
        .arg("serve")
        .env("GWA_LOG", "warn")
        .spawn()
        .unwrap();
    let _serve = Kill(child);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(http).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }

    // the gateway fetches its profile over mutual TLS
    let mut settings = TlsSettings::new(Profile::Bsi);
    settings.expected_peer = Some("gwa.localhost".into());
    let leaf = &p.good.gateways[0];
    let cfg = settings
        .client_config(&[p.good.root.cert_der()], Some(&p.good.credentials(leaf)))
        .unwrap();
    let tcp = tokio::net::TcpStream::connect(prof).await.unwrap();
    let mut tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(settings.server_name(), tcp)
        .await
        .unwrap();
    let profile = fetch_profile(&mut tls).await.unwrap();
    assert_eq!(profile.revision, 2);
    assert_eq!(profile.interval_secs, 3600);
    assert_eq!(profile.gwa_port, pt.port());
    // the wake-up verifies with the key the profile carries
    let key = profile.validate().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let w = WakeupVerifier::new(key, gw.clone(), 300)
        .verify(&buf[..n], now)
        .unwrap();
    assert_eq!(w.gateway_id, gw);

    // an assessment
    let (decision, _) = assess(
        pt,
        &p.good,
        0,
        GatewaySpec::new(4711, "SMGW-X", "3.0", &files),
    )
    .await
    .unwrap();
    assert_eq!(
        decision.unwrap().recommendation,
        AccessRecommendation::ALLOWED
    );

    // HTTP API and metrics
    let r = http_get(http, &format!("/api/gateways/{gw}")).await;
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("\"last_verdict\": \"trusted\""), "{r}");
    let m = http_get(http, "/metrics").await;
    assert!(
        m.contains("gwa_assessments_total{verdict=\"trusted\"} 1"),
        "{m}"
    );
    assert!(m.contains("gwa_profiles_served_total 1"), "{m}");
    assert!(m.contains("gwa_stale_gateways 0"), "{m}");
    let h = http_get(http, &format!("/api/gateways/{gw}/history")).await;
    assert!(h.contains("measurement_requested"), "{h}");

    // the CLI reads the same database while the server runs
    let show = ok(d, &["show", &gw]);
    assert!(
        show.contains("last verdict   trusted") && show.contains("firmware       3.0"),
        "{show}"
    );
    let hist = ok(d, &["history", &gw]);
    assert!(
        hist.contains("trusted (allow / compliant) firmware 3.0 files 3/3 binding match"),
        "{hist}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(d, &["--json", "gateways"])).unwrap();
    assert_eq!(json[0]["id"], gw.as_str());
    assert!(ok(d, &["stale", "--older-than", "1h"]).trim().is_empty());
    let log = ok(d, &["log"]);
    assert!(
        log.contains("wakeup_sent") && log.contains("profile_served"),
        "{log}"
    );
    let o = gwa(d, &["stale", "--older-than", "soon"]);
    assert!(String::from_utf8(o.stderr).unwrap().contains("write e.g."));

    // systemd stops the service with SIGTERM: the server shuts down cleanly, exit 0
    let mut serve = _serve;
    let pid = serve.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = serve.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "serve ignored SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}
