#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! End-to-end assessments over PT-TLS (BSI profile) on 127.0.0.1 with generated certificates:
//! several gateways of two vendors — trusted, tampered firmware, unknown firmware version,
//! relay (channel binding of another connection), certificate from a wrong CA, expired
//! certificate — and the database rows and logbook entries each one leaves.

mod common;

use std::time::Duration;

use common::*;
use gwa_reference::config::Policy;
use gwa_reference::storage::{AssessmentRecord, LogRecord, Verdict};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_iftnccs::AccessRecommendation;

fn events(log: &[LogRecord]) -> Vec<&str> {
    log.iter().map(|l| l.entry.event.as_str()).collect()
}

fn last(r: &Running, gw: &str) -> AssessmentRecord {
    let h = r.storage.history(gw, 1).unwrap();
    assert_eq!(h.len(), 1, "one assessment stored for {gw}");
    h.into_iter().next().unwrap()
}

async fn wait_for_event(r: &Running, event: &str) -> LogRecord {
    for _ in 0..100 {
        if let Some(l) = r
            .storage
            .recent_log(50)
            .unwrap()
            .into_iter()
            .find(|l| l.entry.event == event)
        {
            return l;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no {event} logbook entry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn must_show_cases() {
    let p = pkis(Curve::BrainpoolP256r1, 8);
    let r = start_gwa(&p, Policy::default()).await;
    let acme = firmware_files("acme-2.1.0");
    let zeta = firmware_files("zeta-1.4");
    import_reference(&r, "ACME", ACME_PEN, "2.1.0", &acme);
    import_reference(&r, "Zeta", ZETA_PEN, "1.4", &zeta);
    let ids: Vec<String> = p.good.gateways.iter().map(|g| g.name.clone()).collect();

    // --- trusted: two gateways of each vendor
    for (i, (pen, version, files)) in [
        (ACME_PEN, "2.1.0", &acme),
        (ACME_PEN, "2.1.0", &acme),
        (ZETA_PEN, "1.4", &zeta),
        (ZETA_PEN, "1.4", &zeta),
    ]
    .into_iter()
    .enumerate()
    {
        let (decision, _) = assess(
            r.addr,
            &p.good,
            i,
            GatewaySpec::new(pen, "SMGW-X", version, files),
        )
        .await
        .unwrap();
        assert_eq!(
            decision.unwrap().recommendation,
            AccessRecommendation::ALLOWED,
            "gateway {i}"
        );
        let a = last(&r, &ids[i]);
        assert_eq!(a.data.verdict, Verdict::Trusted);
        assert_eq!(a.data.recommendation, "allow");
        // the gateway's TCP address is stored with the assessment
        assert!(
            a.data
                .peer_addr
                .as_deref()
                .is_some_and(|p| p.starts_with("127.0.0.1:")),
            "{:?}",
            a.data.peer_addr
        );
        assert_eq!(
            a.data.vendor.as_deref(),
            Some(if pen == ACME_PEN { "ACME" } else { "Zeta" })
        );
        assert_eq!(a.data.firmware.as_deref(), Some(version));
        assert_eq!(a.data.measurement.requested, 3);
        assert_eq!(a.data.measurement.matched, 3);
        assert_eq!(a.data.measurement.channel_binding, "match");
        assert_eq!(a.data.imv_verdicts.len(), 2);
        assert!(
            a.data
                .imv_verdicts
                .iter()
                .all(|v| v.recommendation == "allow")
        );
        let log = r.storage.logbook(a.id).unwrap();
        let ev = events(&log);
        for want in [
            "tls_established",
            "product_reported",
            "measurement_requested",
            "imv_verdict",
            "decision",
        ] {
            assert!(ev.contains(&want), "{want} missing in {ev:?}");
        }
        let gw = r.storage.gateway(&ids[i]).unwrap().unwrap();
        assert_eq!(gw.last_verdict, Some(Verdict::Trusted));
        assert!(gw.last_assessed_ms.is_some());
    }

    // --- tampered firmware (ACME gateway with a modified daemon)
    let mut tampered = acme.clone();
    tampered.insert("/usr/bin/smgwd".into(), b"daemon with a backdoor".to_vec());
    let (decision, _) = assess(
        r.addr,
        &p.good,
        4,
        GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &tampered),
    )
    .await
    .unwrap();
    let decision = decision.unwrap();
    assert_eq!(decision.recommendation, AccessRecommendation::DENIED);
    assert!(
        decision
            .reasons
            .iter()
            .any(|x| x.text.contains("/usr/bin/smgwd")),
        "{:?}",
        decision.reasons
    );
    let a = last(&r, &ids[4]);
    assert_eq!(a.data.verdict, Verdict::NotTrusted);
    assert_eq!(
        a.data.measurement.mismatched,
        vec!["/usr/bin/smgwd".to_owned()]
    );
    assert_eq!(a.data.measurement.matched, 2);
    assert!(
        a.data
            .reasons
            .iter()
            .any(|x| x.contains("differ from the reference values"))
    );
    let ev = events(&r.storage.logbook(a.id).unwrap()).join(",");
    assert!(
        ev.contains("measurement_requested") && ev.contains("decision"),
        "{ev}"
    );

    // --- unknown firmware version (Zeta gateway reporting 1.5)
    let (decision, _) = assess(
        r.addr,
        &p.good,
        5,
        GatewaySpec::new(ZETA_PEN, "SMGW-X", "1.5", &zeta),
    )
    .await
    .unwrap();
    assert_eq!(
        decision.unwrap().recommendation,
        AccessRecommendation::DENIED
    );
    let a = last(&r, &ids[5]);
    assert_eq!(a.data.verdict, Verdict::NotTrusted);
    assert!(
        a.data
            .reasons
            .iter()
            .any(|x| x.contains("unknown firmware version \"1.5\"") && x.contains("1.4")),
        "{:?}",
        a.data.reasons
    );
    assert_eq!(a.data.measurement.requested, 0);
    let ev = events(&r.storage.logbook(a.id).unwrap()).join(",");
    assert!(!ev.contains("measurement_requested"), "{ev}");

    // --- relay: gateway 6 reports the channel binding of another connection (gateway 7's)
    let (_, other_binding) = assess(
        r.addr,
        &p.good,
        7,
        GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &acme),
    )
    .await
    .unwrap();
    assert!(!other_binding.is_empty());
    let mut relay = GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &acme);
    relay.binding_override = Some(other_binding);
    let (decision, _) = assess(r.addr, &p.good, 6, relay).await.unwrap();
    assert_eq!(
        decision.unwrap().recommendation,
        AccessRecommendation::DENIED
    );
    let a = last(&r, &ids[6]);
    assert_eq!(a.data.verdict, Verdict::NotTrusted);
    assert_eq!(a.data.measurement.channel_binding, "mismatch");
    assert_eq!(
        a.data.measurement.matched, 3,
        "the files themselves are fine"
    );
    assert!(a.data.reasons.iter().any(|x| x.contains("relay")));

    // --- certificate from a wrong CA: no assessment, a logbook entry, no gateway row
    let before = r.storage.gateways().unwrap().len();
    let foreign = client(&p.foreign, &p.foreign.gateways[0], &p.good);
    let mut d = TnccDriver::new(GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &acme));
    assert!(foreign.run(r.addr, &mut d).await.is_err());
    let refused = wait_for_event(&r, "connection_refused").await;
    assert_eq!(refused.assessment_id, None);
    assert_eq!(refused.gateway_id, None);
    assert!(
        refused.entry.detail.to_lowercase().contains("issuer")
            || refused.entry.detail.contains("UnknownIssuer"),
        "{}",
        refused.entry.detail
    );
    assert_eq!(r.storage.gateways().unwrap().len(), before);

    // --- expired certificate (chains to a trusted root, but expired)
    let expired = client(&p.expired, &p.expired.gateways[0], &p.good);
    let mut d = TnccDriver::new(GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &acme));
    assert!(expired.run(r.addr, &mut d).await.is_err());
    let mut found = None;
    for _ in 0..100 {
        found = r.storage.recent_log(50).unwrap().into_iter().find(|l| {
            l.entry.event == "connection_refused"
                && l.entry.detail.to_lowercase().contains("expired")
        });
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let found = found.expect("a connection_refused entry naming the expired certificate");
    assert_eq!(found.assessment_id, None);
    assert!(r.storage.gateway("EEXPIRED000001").unwrap().is_none());

    // totals: 7 trusted-or-not assessments, nothing left open
    let m = r.gwa.metrics();
    assert_eq!(m.verdict_count(Verdict::Trusted), 5);
    assert_eq!(m.verdict_count(Verdict::NotTrusted), 3);
    assert_eq!(r.gwa.open_records(), 0);
    r.stop.shutdown();
    r.task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc6876_profile_for_interoperability() {
    use gwa_reference::metrics::Metrics;
    use gwa_reference::server::Gwa;
    use gwa_reference::storage::{SqliteStorage, Storage};
    use std::sync::Arc;
    use tnc_ift_tls_bsi::net::{Client, Server};
    use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};

    let p = pkis(Curve::P256, 1);
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStorage::open(&dir.path().join("gwa.sqlite")).unwrap();
    s.init().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(s);
    let files = firmware_files("rfc");
    import_reference_into(
        storage.as_ref(),
        dir.path(),
        "ACME",
        ACME_PEN,
        "2.1.0",
        &files,
    );
    let gwa = Gwa::new(storage.clone(), Policy::default(), Arc::new(Metrics::new()));
    let settings = TlsSettings::new(Profile::Rfc6876);
    let creds = p.good.credentials(&p.good.gwa);
    let server = Server::bind("127.0.0.1:0", &settings, &[p.good.root.cert_der()], &creds)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let stop = server.shutdown_handle();
    let task = tokio::spawn(server.run(gwa.driver_factory(), Duration::from_secs(5)));

    let leaf = &p.good.gateways[0];
    let mut cs = TlsSettings::new(Profile::Rfc6876);
    cs.expected_peer = Some("gwa.localhost".into());
    let client = Client::new(
        cs,
        &[p.good.root.cert_der()],
        Some(&p.good.credentials(leaf)),
    )
    .unwrap();
    let mut d = TnccDriver::new(GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &files));
    let out = client.run(addr, &mut d).await.unwrap();
    assert_eq!(
        d.decision.lock().unwrap().clone().unwrap().recommendation,
        AccessRecommendation::ALLOWED
    );
    let a = &storage.history(&leaf.name, 1).unwrap()[0];
    assert_eq!(a.data.verdict, Verdict::Trusted);
    assert!(
        a.data.tls.as_deref().unwrap_or("").contains("TLSv1_"),
        "{:?} {:?}",
        a.data.tls,
        out.info.tls_version
    );
    stop.shutdown();
    task.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn os_product_policy_refusals() {
    use gwa_reference::config::AllowedProduct;

    let p = pkis(Curve::P256, 3);
    let policy = Policy {
        allowed_products: vec![AllowedProduct {
            vendor_pen: ACME_PEN,
            product: "SMGW-X".into(),
            versions: vec!["2.1.0".into()],
        }],
        ..Policy::default()
    };
    let r = start_gwa(&p, policy).await;
    let acme = firmware_files("policy");
    import_reference(&r, "ACME", ACME_PEN, "2.1.0", &acme);
    import_reference(&r, "Zeta", ZETA_PEN, "2.1.0", &acme);
    let ids: Vec<String> = p.good.gateways.iter().map(|g| g.name.clone()).collect();

    // allowed product, but a factory default password is still enabled
    let mut spec = GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &acme);
    spec.default_password = true;
    let (d, _) = assess(r.addr, &p.good, 0, spec).await.unwrap();
    assert_eq!(d.unwrap().recommendation, AccessRecommendation::DENIED);
    let a = last(&r, &ids[0]);
    assert_eq!(a.data.verdict, Verdict::NotTrusted);
    let os = a
        .data
        .imv_verdicts
        .iter()
        .find(|v| v.imv == "os-product")
        .unwrap();
    assert_eq!(os.evaluation, "noncompliant_major");
    assert!(
        os.reasons
            .iter()
            .any(|x| x.contains("factory default password"))
    );
    let fw = a
        .data
        .imv_verdicts
        .iter()
        .find(|v| v.imv == "firmware-measurement")
        .unwrap();
    assert_eq!(fw.recommendation, "allow", "the firmware itself is fine");

    // a product the policy does not allow (Zeta has reference values, but is not allowed)
    let (d, _) = assess(
        r.addr,
        &p.good,
        1,
        GatewaySpec::new(ZETA_PEN, "SMGW-X", "2.1.0", &acme),
    )
    .await
    .unwrap();
    assert_eq!(d.unwrap().recommendation, AccessRecommendation::DENIED);
    let a = last(&r, &ids[1]);
    assert!(
        a.data
            .reasons
            .iter()
            .any(|x| x.contains("not allowed by policy")),
        "{:?}",
        a.data.reasons
    );

    // the compliant one passes
    let (d, _) = assess(
        r.addr,
        &p.good,
        2,
        GatewaySpec::new(ACME_PEN, "SMGW-X", "2.1.0", &acme),
    )
    .await
    .unwrap();
    assert_eq!(d.unwrap().recommendation, AccessRecommendation::ALLOWED);
    r.stop.shutdown();
    r.task.await.unwrap().unwrap();
}
