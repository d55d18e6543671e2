#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The real gateway program against this GWA: two `smgw-reference` gateways of two vendors
//! fetch their TNC profiles from the GWA's profile service (mutual TLS), run their checks
//! with their own collectors over PT-TLS, and end trusted; a tampered binary on one of them
//! makes the next check not trusted — on both sides (the gateway's state and the GWA's rows).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gwa_reference::config::Policy;
use gwa_reference::metrics::Metrics;
use gwa_reference::server::{Gwa, TlsMaterial, serve_profiles};
use gwa_reference::storage::{Manufacturer, SqliteStorage, Storage, Verdict};
use sha2::Digest;
use smgw_gwa_admin::{Curve as AdminCurve, PrivateKey, TncProfile};
use smgw_reference::config::Config;
use smgw_reference::daemon::{Daemon, SystemClock};
use smgw_reference::state::{IntegrityState, Trigger};
use smgw_reference::transport::TlsIdentity;
use tnc_ift_tls_bsi::net::Server;
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;

const GATEWAYS: [(&str, &str, u32); 2] = [
    ("EACME000000001", "ACME", 4711),
    ("EZETA000000001", "Zeta", 4712),
];

/// A gateway installation: PKI, measured files, configuration.
fn install(
    root: &Path,
    pki: &DevPki,
    id: &str,
    pen: u32,
    profile_port: u16,
) -> Vec<(String, Vec<u8>)> {
    pki.write_pem(&root.join("pki")).unwrap();
    std::fs::create_dir_all(root.join("fw/bin")).unwrap();
    std::fs::write(root.join("fw/firmware.img"), format!("{id} firmware 1.0.0")).unwrap();
    std::fs::write(root.join("fw/bin/meterd"), b"meter daemon").unwrap();
    std::fs::write(root.join("fw/bin/wand"), b"wan daemon").unwrap();
    std::fs::write(root.join("ip_forward"), b"0\n").unwrap();
    let text = format!(
        r#"
[gateway]
id = "{id}"
data_dir = "data"
history_limit = 50

[tls]
cert = "pki/{id}-chain.pem"
key = "pki/{id}.key"
trust_anchors = "pki/root-ca.pem"

[gwa]
host = "127.0.0.1"
port = {profile_port}
expected_name = "gwa.localhost"
timeout_secs = 10

[wakeup]
listen = "127.0.0.1:0"
window_secs = 300
replay_cache = 64

[product]
vendor_pen = {pen}
product_id = 1
name = "SMGW-X"
version = "1.0.0"
major = 1
forwarding_file = "ip_forward"

[[manifest]]
name = "firmware"
path = "fw/firmware.img"

[[manifest]]
name = "binaries"
path = "fw/bin"

[[consumers]]
id = "c1"
"#
    );
    std::fs::write(root.join("smgw.toml"), text).unwrap();
    ["fw/firmware.img", "fw/bin/meterd", "fw/bin/wand"]
        .iter()
        .map(|f| {
            let p = root.join(f);
            (
                p.display().to_string(),
                sha2::Sha256::digest(std::fs::read(&p).unwrap()).to_vec(),
            )
        })
        .collect()
}

fn import(
    storage: &SqliteStorage,
    dir: &Path,
    vendor: &str,
    pen: u32,
    files: &[(String, Vec<u8>)],
) {
    let key = PrivateKey::generate(AdminCurve::P256).unwrap();
    storage
        .add_manufacturer(&Manufacturer {
            name: vendor.into(),
            pen,
            public_key_pem: key.public_key().to_spki_pem().unwrap(),
            added_ms: 1,
        })
        .unwrap();
    let mut obj = serde_json::Map::new();
    for (p, d) in files {
        obj.insert(p.clone(), hex::encode(d).into());
    }
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "format": 1, "vendor": vendor, "vendor_pen": pen, "product": "SMGW-X",
        "firmware_version": "1.0.0", "algorithm": "sha256", "files": obj,
    }))
    .unwrap();
    let m = dir.join(format!("{vendor}.json"));
    std::fs::write(&m, &text).unwrap();
    std::fs::write(
        dir.join(format!("{vendor}.json.sig")),
        key.sign(text.as_bytes()).unwrap(),
    )
    .unwrap();
    gwa_reference::manifest::import(storage, &m, 2).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smgw_reference_gateways_of_two_vendors() {
    let mut opts = DevPkiOptions::with_curve(Curve::BrainpoolP256r1, 0);
    opts.gateway_ids = GATEWAYS.iter().map(|g| g.0.to_owned()).collect();
    let pki = DevPki::generate(&opts).unwrap();
    let gwa_dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStorage::open(&gwa_dir.path().join("gwa.sqlite")).unwrap();
    sqlite.init().unwrap();

    // the GWA: PT-TLS listener and profile service
    let settings = TlsSettings::new(Profile::Bsi);
    let creds = pki.credentials(&pki.gwa);
    let roots = vec![pki.root.cert_der()];
    let profile_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let profile_port = profile_listener.local_addr().unwrap().port();

    let installs: Vec<tempfile::TempDir> = GATEWAYS
        .iter()
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    for (i, (id, vendor, pen)) in GATEWAYS.iter().enumerate() {
        let files = install(installs[i].path(), &pki, id, *pen, profile_port);
        import(&sqlite, gwa_dir.path(), vendor, *pen, &files);
    }
    let storage: Arc<dyn Storage> = Arc::new(sqlite);
    let metrics = Arc::new(Metrics::new());
    let gwa = Gwa::new(storage.clone(), Policy::default(), metrics.clone());
    let server = Server::bind("127.0.0.1:0", &settings, &roots, &creds)
        .await
        .unwrap();
    let pt_port = server.local_addr().unwrap().port();
    let stop = server.shutdown_handle();
    let pt = tokio::spawn(server.run(gwa.driver_factory(), Duration::from_secs(5)));
    let tls = TlsMaterial {
        settings,
        roots,
        credentials: creds,
    };
    tokio::spawn({
        let (storage, metrics) = (storage.clone(), metrics.clone());
        async move { serve_profiles(profile_listener, &tls, storage, metrics).await }
    });
    let wakeup_key = PrivateKey::generate(AdminCurve::BrainpoolP256r1).unwrap();
    for (id, _, _) in GATEWAYS {
        storage
            .set_profile(
                id,
                &TncProfile {
                    revision: 1,
                    tnc_enabled: true,
                    interval_secs: 3600,
                    gwa_host: "127.0.0.1".into(),
                    gwa_port: pt_port,
                    expected_gwa_name: Some("gwa.localhost".into()),
                    wakeup_key: wakeup_key.public_key().to_spki_pem().unwrap(),
                },
                1,
            )
            .unwrap();
    }

    for (i, (id, vendor, _)) in GATEWAYS.iter().enumerate() {
        let cfg = Config::load_with_env(&installs[i].path().join("smgw.toml"), |_| None).unwrap();
        let ident = TlsIdentity::load(&cfg).unwrap();
        let mut d = Daemon::new(cfg, ident, Arc::new(SystemClock)).unwrap();
        assert!(
            d.refresh_profile().await.unwrap().is_some(),
            "profile from the GWA applied"
        );
        assert!(d.gateway().state().tnc_enabled());
        let rec = d.check(Trigger::Manual).await.unwrap();
        assert_eq!(rec.state, IntegrityState::Trusted, "{id}: {rec:?}");
        let a = &storage.history(id, 1).unwrap()[0];
        assert_eq!(a.data.verdict, Verdict::Trusted, "{:?}", a.data.reasons);
        assert_eq!(a.data.vendor.as_deref(), Some(*vendor));
        assert_eq!(
            (a.data.measurement.matched, a.data.measurement.requested),
            (3, 3)
        );
        assert_eq!(a.data.measurement.channel_binding, "match");

        if i == 0 {
            // tamper with a binary: the next check is not trusted on both sides
            std::fs::write(
                installs[i].path().join("fw/bin/wand"),
                b"wan daemon, patched",
            )
            .unwrap();
            let rec = d.check(Trigger::Manual).await.unwrap();
            assert_eq!(rec.state, IntegrityState::NotTrusted, "{rec:?}");
            assert!(
                rec.reasons.iter().any(|r| r.contains("fw/bin/wand")),
                "{:?}",
                rec.reasons
            );
            let a = &storage.history(id, 1).unwrap()[0];
            assert_eq!(a.data.verdict, Verdict::NotTrusted);
            assert_eq!(a.data.measurement.mismatched.len(), 1);
            assert!(a.data.measurement.mismatched[0].ends_with("fw/bin/wand"));
        }
    }
    assert_eq!(metrics.verdict_count(Verdict::Trusted), 2);
    assert_eq!(metrics.verdict_count(Verdict::NotTrusted), 1);
    stop.shutdown();
    pt.await.unwrap().unwrap();
}
