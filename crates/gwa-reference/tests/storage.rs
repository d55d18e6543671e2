#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The SQLite data model: migrations, gateways, profiles, assessments with logbook, history,
//! staleness, manufacturers and reference values — on a real file.

use gwa_reference::GwaError;
use gwa_reference::storage::{
    DigestAlgorithm, ImvVerdict, LogEntry, LogLevel, Manufacturer, MeasurementSummary,
    NewAssessment, ReferenceSet, SCHEMA_VERSION, SqliteStorage, Storage, Verdict,
};
use smgw_gwa_admin::{Curve, PrivateKey, TncProfile};

fn assessment(gw: &str, t: i64, verdict: Verdict) -> NewAssessment {
    NewAssessment {
        gateway_id: gw.into(),
        started_ms: t,
        finished_ms: t + 5,
        recommendation: "allow".into(),
        evaluation: "compliant".into(),
        verdict,
        reasons: vec!["r1".into()],
        imv_verdicts: vec![ImvVerdict {
            imv: "os".into(),
            recommendation: "allow".into(),
            evaluation: "compliant".into(),
            reasons: vec![],
        }],
        measurement: MeasurementSummary {
            requested: 2,
            matched: 2,
            channel_binding: "match".into(),
            ..Default::default()
        },
        vendor: Some("ACME".into()),
        product: Some("SMGW-X".into()),
        firmware: Some("2.1.0".into()),
        peer_addr: Some("127.0.0.1:5000".into()),
        tls: Some("TLSv1.2".into()),
        log: vec![
            LogEntry {
                time_ms: t,
                level: LogLevel::Info,
                event: "tls_established".into(),
                detail: "d1".into(),
            },
            LogEntry {
                time_ms: t + 5,
                level: LogLevel::Info,
                event: "result_sent".into(),
                detail: "d2".into(),
            },
        ],
    }
}

#[test]
fn schema_is_created_once_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gwa.sqlite");
    let db = SqliteStorage::open(&path).unwrap();
    assert!(matches!(
        db.check_schema(),
        Err(GwaError::NotInitialised(_))
    ));
    assert_eq!(db.init().unwrap(), SCHEMA_VERSION);
    assert_eq!(db.init().unwrap(), SCHEMA_VERSION, "init is idempotent");
    assert_eq!(db.check_schema().unwrap(), SCHEMA_VERSION);
    drop(db);
    // a schema from the future is refused
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let db = SqliteStorage::open(&path).unwrap();
    assert!(matches!(db.init(), Err(GwaError::SchemaTooNew { .. })));
}

#[test]
fn assessments_are_durable_with_their_logbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gwa.sqlite");
    let db = SqliteStorage::open(&path).unwrap();
    db.init().unwrap();
    db.gateway_seen("GW1", 1000).unwrap();
    let a1 = db
        .record_assessment(&assessment("GW1", 2000, Verdict::Trusted))
        .unwrap();
    let a2 = db
        .record_assessment(&assessment("GW1", 3000, Verdict::NotTrusted))
        .unwrap();
    db.record_assessment(&assessment("GW2", 3500, Verdict::Trusted))
        .unwrap();
    db.log_event(
        None,
        &LogEntry {
            time_ms: 4000,
            level: LogLevel::Warning,
            event: "tls_refused".into(),
            detail: "unknown CA".into(),
        },
    )
    .unwrap();
    drop(db);

    // reopen: everything is there
    let db = SqliteStorage::open(&path).unwrap();
    let gw = db.gateway("GW1").unwrap().unwrap();
    assert_eq!(gw.first_seen_ms, 1000);
    assert_eq!(gw.last_assessed_ms, Some(3005));
    assert_eq!(gw.last_verdict, Some(Verdict::NotTrusted));
    assert_eq!(gw.firmware.as_deref(), Some("2.1.0"));
    let h = db.history("GW1", 10).unwrap();
    assert_eq!(h.iter().map(|a| a.id).collect::<Vec<_>>(), vec![a2, a1]);
    assert_eq!(h[0].data, assessment("GW1", 3000, Verdict::NotTrusted));
    assert_eq!(db.history("GW1", 1).unwrap().len(), 1);
    let log = db.logbook(a1).unwrap();
    assert_eq!(
        log.iter()
            .map(|l| l.entry.event.as_str())
            .collect::<Vec<_>>(),
        ["tls_established", "result_sent"]
    );
    assert!(
        log.iter()
            .all(|l| l.gateway_id.as_deref() == Some("GW1") && l.assessment_id == Some(a1))
    );
    let recent = db.recent_log(1).unwrap();
    assert_eq!(recent[0].entry.event, "tls_refused");
    assert_eq!(recent[0].assessment_id, None);
    let mut counts = db.verdict_counts().unwrap();
    counts.sort_by_key(|c| c.0.as_str());
    assert_eq!(
        counts,
        vec![(Verdict::NotTrusted, 1), (Verdict::Trusted, 2)]
    );
    // GW2 was created by its first assessment
    assert_eq!(db.gateways().unwrap().len(), 2);
    // staleness
    assert_eq!(
        db.stale(3006).unwrap().len(),
        1,
        "GW1 (3005) is stale at 3006, GW2 (3505) not"
    );
    assert_eq!(db.stale(3000).unwrap().len(), 0);
    db.gateway_seen("GW3", 5000).unwrap();
    assert!(
        db.stale(0).unwrap().iter().any(|g| g.id == "GW3"),
        "never assessed is stale"
    );
}

#[test]
fn profiles_need_a_growing_revision() {
    let db = SqliteStorage::open_in_memory().unwrap();
    db.init().unwrap();
    let key = PrivateKey::generate(Curve::BrainpoolP256r1).unwrap();
    let mut p = TncProfile {
        revision: 1,
        tnc_enabled: true,
        interval_secs: 3600,
        gwa_host: "127.0.0.1".into(),
        gwa_port: 2710,
        expected_gwa_name: None,
        wakeup_key: key.public_key().to_spki_pem().unwrap(),
    };
    db.set_profile("GW1", &p, 10).unwrap();
    assert_eq!(db.gateway("GW1").unwrap().unwrap().profile, Some(p.clone()));
    assert!(matches!(
        db.set_profile("GW1", &p, 11),
        Err(GwaError::Conflict(_))
    ));
    p.revision = 2;
    p.tnc_enabled = false;
    db.set_profile("GW1", &p, 12).unwrap();
    assert!(
        !db.gateway("GW1")
            .unwrap()
            .unwrap()
            .profile
            .unwrap()
            .tnc_enabled
    );
    p.revision = 3;
    p.interval_secs = 1;
    assert!(matches!(
        db.set_profile("GW1", &p, 13),
        Err(GwaError::Admin(_))
    ));
    db.set_wake_addr("GW1", "127.0.0.1:4059", 14).unwrap();
    assert_eq!(
        db.gateway("GW1").unwrap().unwrap().wake_addr.as_deref(),
        Some("127.0.0.1:4059")
    );
}

#[test]
fn manufacturers_and_reference_values() {
    let db = SqliteStorage::open_in_memory().unwrap();
    db.init().unwrap();
    let m = Manufacturer {
        name: "ACME".into(),
        pen: 4711,
        public_key_pem: "pem".into(),
        added_ms: 1,
    };
    db.add_manufacturer(&m).unwrap();
    assert!(matches!(
        db.add_manufacturer(&m),
        Err(GwaError::Conflict(_))
    ));
    let other_pen_same_name = Manufacturer {
        pen: 1,
        ..m.clone()
    };
    assert!(matches!(
        db.add_manufacturer(&other_pen_same_name),
        Err(GwaError::Conflict(_))
    ));
    let same_pen = Manufacturer {
        name: "Other".into(),
        ..m.clone()
    };
    assert!(matches!(
        db.add_manufacturer(&same_pen),
        Err(GwaError::Conflict(_))
    ));
    assert_eq!(db.manufacturer("ACME").unwrap(), Some(m));

    let set = ReferenceSet {
        vendor: "ACME".into(),
        vendor_pen: 4711,
        product: "SMGW-X".into(),
        firmware_version: "2.1.0".into(),
        algorithm: DigestAlgorithm::Sha256,
        files: vec![("/a".into(), vec![1; 32]), ("/b".into(), vec![2; 32])],
    };
    db.import_reference(&set, "h1", 5).unwrap();
    assert!(matches!(
        db.import_reference(&set, "h2", 6),
        Err(GwaError::Conflict(_))
    ));
    assert_eq!(
        db.reference_set(4711, "SMGW-X", "2.1.0").unwrap(),
        Some(set.clone())
    );
    assert_eq!(db.reference_set(4711, "SMGW-X", "9.9").unwrap(), None);
    assert_eq!(db.reference_set(4712, "SMGW-X", "2.1.0").unwrap(), None);
    assert_eq!(
        db.firmware_versions(4711, "SMGW-X").unwrap(),
        vec!["2.1.0".to_owned()]
    );
    // an unregistered vendor cannot get reference values in (foreign key)
    let rogue = ReferenceSet {
        vendor: "Nobody".into(),
        firmware_version: "1".into(),
        ..set
    };
    assert!(db.import_reference(&rogue, "h3", 7).is_err());
}
