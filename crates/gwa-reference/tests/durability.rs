#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! "A result is durable before it is sent": with a storage whose commit fails, the gateway
//! receives no result at all; once commits work again, the same gateway gets its result and
//! the row is there. Also: a gateway with no profile, or not registered, is refused by the
//! profile service with the right code.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::*;
use gwa_reference::config::Policy;
use gwa_reference::metrics::Metrics;
use gwa_reference::server::{Gwa, TlsMaterial, serve_profiles};
use gwa_reference::storage::*;
use gwa_reference::{GwaError, Result};
use smgw_gwa_admin::{AdminError, TncProfile, fetch_profile};
use tnc_ift_tls_bsi::net::Server;
use tnc_ift_tls_bsi::profile::{Credentials, Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_iftnccs::AccessRecommendation;

/// SQLite, except that `record_assessment` fails while `fail` is set.
struct Flaky {
    inner: SqliteStorage,
    fail: AtomicBool,
}

impl Storage for Flaky {
    fn init(&self) -> Result<u32> {
        self.inner.init()
    }
    fn check_schema(&self) -> Result<u32> {
        self.inner.check_schema()
    }
    fn gateway_seen(&self, id: &str, now_ms: i64) -> Result<()> {
        self.inner.gateway_seen(id, now_ms)
    }
    fn gateway(&self, id: &str) -> Result<Option<GatewayRecord>> {
        self.inner.gateway(id)
    }
    fn gateways(&self) -> Result<Vec<GatewayRecord>> {
        self.inner.gateways()
    }
    fn stale(&self, before_ms: i64) -> Result<Vec<GatewayRecord>> {
        self.inner.stale(before_ms)
    }
    fn set_profile(&self, id: &str, p: &TncProfile, now_ms: i64) -> Result<()> {
        self.inner.set_profile(id, p, now_ms)
    }
    fn set_wake_addr(&self, id: &str, addr: &str, now_ms: i64) -> Result<()> {
        self.inner.set_wake_addr(id, addr, now_ms)
    }
    fn record_assessment(&self, a: &NewAssessment) -> Result<i64> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(GwaError::Invalid("disk full (simulated)".into()));
        }
        self.inner.record_assessment(a)
    }
    fn history(&self, gateway_id: &str, limit: u32) -> Result<Vec<AssessmentRecord>> {
        self.inner.history(gateway_id, limit)
    }
    fn logbook(&self, assessment_id: i64) -> Result<Vec<LogRecord>> {
        self.inner.logbook(assessment_id)
    }
    fn log_event(&self, gateway_id: Option<&str>, entry: &LogEntry) -> Result<i64> {
        self.inner.log_event(gateway_id, entry)
    }
    fn recent_log(&self, limit: u32) -> Result<Vec<LogRecord>> {
        self.inner.recent_log(limit)
    }
    fn verdict_counts(&self) -> Result<Vec<(Verdict, u64)>> {
        self.inner.verdict_counts()
    }
    fn fleet_counts(&self, before: i64) -> Result<FleetCounts> {
        self.inner.fleet_counts(before)
    }
    fn add_manufacturer(&self, m: &Manufacturer) -> Result<()> {
        self.inner.add_manufacturer(m)
    }
    fn manufacturer(&self, name: &str) -> Result<Option<Manufacturer>> {
        self.inner.manufacturer(name)
    }
    fn manufacturers(&self) -> Result<Vec<Manufacturer>> {
        self.inner.manufacturers()
    }
    fn import_reference(&self, set: &ReferenceSet, h: &str, now_ms: i64) -> Result<i64> {
        self.inner.import_reference(set, h, now_ms)
    }
    fn reference_set(
        &self,
        pen: u32,
        product: &str,
        version: &str,
    ) -> Result<Option<ReferenceSet>> {
        self.inner.reference_set(pen, product, version)
    }
    fn firmware_versions(&self, pen: u32, product: &str) -> Result<Vec<String>> {
        self.inner.firmware_versions(pen, product)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_result_leaves_before_it_is_stored() {
    let p = pkis(Curve::P256, 3);
    let dir = tempfile::tempdir().unwrap();
    let inner = SqliteStorage::open(&dir.path().join("gwa.sqlite")).unwrap();
    inner.init().unwrap();
    let flaky = Arc::new(Flaky {
        inner,
        fail: AtomicBool::new(true),
    });
    let storage: Arc<dyn Storage> = flaky.clone();
    // reference values through the same storage
    let files = firmware_files("durable");
    let refdir = tempfile::tempdir().unwrap();
    import_reference_into(
        storage.as_ref(),
        refdir.path(),
        "ACME",
        ACME_PEN,
        "2.1.0",
        &files,
    );
    let metrics = Arc::new(Metrics::new());
    let gwa = Gwa::new(storage.clone(), Policy::default(), metrics.clone());
    let settings = TlsSettings::new(Profile::Bsi);
    let creds = p.good.credentials(&p.good.gwa);
    let roots = vec![p.good.root.cert_der()];
    let server = Server::bind("127.0.0.1:0", &settings, &roots, &creds)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let stop = server.shutdown_handle();
    let task = tokio::spawn(server.run(gwa.driver_factory(), Duration::from_secs(5)));

    // the commit fails: the gateway gets no result
    let spec = GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &files);
    let r = assess(addr, &p.good, 0, spec.clone()).await;
    match r {
        Err(_) | Ok((None, _)) => {}
        Ok((Some(d), _)) => panic!("a result was sent although it was not stored: {d:?}"),
    }
    assert!(
        storage
            .history(&p.good.gateways[0].name, 10)
            .unwrap()
            .is_empty()
    );
    assert_eq!(metrics.verdict_count(Verdict::Trusted), 0);

    // commits work again: result sent and stored
    flaky.fail.store(false, Ordering::SeqCst);
    let (d, _) = assess(addr, &p.good, 0, spec).await.unwrap();
    assert_eq!(d.unwrap().recommendation, AccessRecommendation::ALLOWED);
    assert_eq!(
        storage.history(&p.good.gateways[0].name, 10).unwrap().len(),
        1
    );

    // profile service: no profile / not registered / served
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let paddr = listener.local_addr().unwrap();
    let tls = TlsMaterial {
        settings: settings.clone(),
        roots: roots.clone(),
        credentials: creds.clone(),
    };
    tokio::spawn({
        let (storage, metrics) = (storage.clone(), metrics.clone());
        async move { serve_profiles(listener, &tls, storage, metrics).await }
    });
    let fetch = |i: usize| {
        let leaf = p.good.gateways[i].clone();
        let chain = p.good.chain_for(&leaf);
        let root = p.good.root.cert_der();
        async move {
            let mut s = TlsSettings::new(Profile::Bsi);
            s.expected_peer = Some("gwa.localhost".into());
            let cfg = s
                .client_config(
                    &[root],
                    Some(&Credentials {
                        chain,
                        key: leaf.key.clone(),
                    }),
                )
                .unwrap();
            let tcp = tokio::net::TcpStream::connect(paddr).await.unwrap();
            let mut tls = tokio_rustls::TlsConnector::from(cfg)
                .connect(s.server_name(), tcp)
                .await
                .unwrap();
            fetch_profile(&mut tls).await
        }
    };
    // gateway 0 is known (assessed) but has no profile
    match fetch(0).await {
        Err(AdminError::Refused { code, .. }) => assert_eq!(code, "no_profile"),
        other => panic!("{other:?}"),
    }
    // gateway 1 never contacted the GWA
    match fetch(1).await {
        Err(AdminError::Refused { code, .. }) => assert_eq!(code, "unknown_gateway"),
        other => panic!("{other:?}"),
    }
    assert!(
        storage
            .recent_log(10)
            .unwrap()
            .iter()
            .any(|l| l.entry.event == "profile_served" && l.entry.detail.contains("no_profile"))
    );
    stop.shutdown();
    task.await.unwrap().unwrap();
}
