#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The data model on both backends — a SQLite file and a PostgreSQL database: migrations,
//! gateways, profiles, assessments with logbook, history, staleness, fleet counts,
//! manufacturers and reference values, idempotent writes, and the gateway summary under
//! concurrent writers (several handles on one database stand for several GWA instances).
//!
//! Every test runs twice, `sqlite::NAME` and `postgres::NAME` (see tests/pg for the
//! PostgreSQL setup).

mod pg;

use std::sync::Arc;

use gwa_reference::GwaError;
use gwa_reference::storage::{
    Database, DigestAlgorithm, ImvVerdict, LogEntry, LogLevel, Manufacturer, MeasurementSummary,
    NewAssessment, PG_SCHEMA_VERSION, ReferenceSet, SCHEMA_VERSION, Storage, Verdict,
};
use smgw_gwa_admin::{Curve, PrivateKey, TncProfile};

/// A fresh database of one backend; `open` gives another handle on it (another "instance").
struct Db {
    location: Database,
    _dir: tempfile::TempDir,
    pg: Option<pg::TempDb>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Sqlite,
    Postgres,
}

impl Db {
    fn new(kind: Kind, test: &str) -> Option<Db> {
        let dir = tempfile::tempdir().unwrap();
        Some(match kind {
            Kind::Sqlite => Db {
                location: Database::Sqlite(dir.path().join("gwa.sqlite")),
                _dir: dir,
                pg: None,
            },
            Kind::Postgres => {
                let t = pg::TempDb::create(test)?;
                Db {
                    location: Database::Postgres(t.url.clone()),
                    _dir: dir,
                    pg: Some(t),
                }
            }
        })
    }

    fn open(&self) -> Arc<dyn Storage> {
        self.location.open(8).unwrap()
    }

    /// A new handle with the schema created.
    fn init(&self) -> Arc<dyn Storage> {
        let s = self.open();
        s.init().unwrap();
        s
    }

    fn kind(&self) -> Kind {
        if self.pg.is_some() {
            Kind::Postgres
        } else {
            Kind::Sqlite
        }
    }

    fn schema_version(&self) -> u32 {
        match self.kind() {
            Kind::Sqlite => SCHEMA_VERSION,
            Kind::Postgres => PG_SCHEMA_VERSION,
        }
    }

    /// Marks the schema as one version newer than this build knows.
    fn set_future_schema(&self) {
        match &self.location {
            Database::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).unwrap();
                conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                    .unwrap();
            }
            Database::Postgres(url) => pg::admin_exec(
                url,
                &[format!(
                    "UPDATE gwa_schema_version SET version = {}",
                    PG_SCHEMA_VERSION + 1
                )],
            ),
        }
    }
}

/// Runs each listed test on both backends.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() {
                if let Some(db) = super::Db::new(super::Kind::Sqlite, stringify!($name)) {
                    super::$name(&db)
                }
            })*
        }
        mod postgres {
            $(#[test] fn $name() {
                if let Some(db) = super::Db::new(super::Kind::Postgres, stringify!($name)) {
                    super::$name(&db)
                }
            })*
        }
    };
}

on_both_backends!(
    schema_is_created_once_and_checked,
    assessments_are_durable_with_their_logbook,
    profiles_need_a_growing_revision,
    manufacturers_and_reference_values,
    recording_an_assessment_twice_stores_it_once,
    gateway_summary_follows_the_newest_assessment_whatever_the_commit_order,
    concurrent_instances_lose_and_duplicate_nothing,
    fleet_counts_come_from_the_shared_data,
    changes_are_visible_to_every_instance,
);

fn assessment(gw: &str, t: i64, verdict: Verdict) -> NewAssessment {
    NewAssessment {
        uid: gwa_reference::storage::new_uid(),
        connection_id: Some(gwa_reference::storage::connection_id(gw.as_bytes())),
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

fn schema_is_created_once_and_checked(d: &Db) {
    let db = d.open();
    assert!(matches!(
        db.check_schema(),
        Err(GwaError::NotInitialised(_))
    ));
    assert!(db.health().is_err(), "not healthy before init");
    let v = d.schema_version();
    assert_eq!(db.init().unwrap(), v);
    db.health().unwrap();
    assert_eq!(db.init().unwrap(), v, "init is idempotent");
    assert_eq!(db.check_schema().unwrap(), v);
    // two instances starting at once both succeed
    let (a, b) = (d.open(), d.open());
    let t = std::thread::spawn(move || a.init().unwrap());
    assert_eq!(b.init().unwrap(), v);
    assert_eq!(t.join().unwrap(), v);
    drop(db);
    // a schema from the future is refused
    d.set_future_schema();
    let db = d.open();
    assert!(matches!(db.init(), Err(GwaError::SchemaTooNew { .. })));
    assert!(matches!(
        db.check_schema(),
        Err(GwaError::SchemaTooNew { .. })
    ));
}

fn assessments_are_durable_with_their_logbook(d: &Db) {
    let db = d.init();
    db.gateway_seen("GW1", 1000).unwrap();
    let a1 = db
        .record_assessment(&assessment("GW1", 2000, Verdict::Trusted))
        .unwrap();
    let second = assessment("GW1", 3000, Verdict::NotTrusted);
    let a2 = db.record_assessment(&second).unwrap();
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
    let db = d.open();
    let gw = db.gateway("GW1").unwrap().unwrap();
    assert_eq!(gw.first_seen_ms, 1000);
    assert_eq!(gw.last_assessed_ms, Some(3005));
    assert_eq!(gw.last_verdict, Some(Verdict::NotTrusted));
    assert_eq!(gw.firmware.as_deref(), Some("2.1.0"));
    let h = db.history("GW1", 10).unwrap();
    assert_eq!(h.iter().map(|a| a.id).collect::<Vec<_>>(), vec![a2, a1]);
    assert_eq!(h[0].data, second);
    assert_eq!(h[1].data.log.len(), 2, "history carries each logbook");
    assert_eq!(gw.last_assessment_id, Some(a2));
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

fn profiles_need_a_growing_revision(d: &Db) {
    let db = d.init();
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
    // the same write again (a retry) is a no-op; other content under the same revision is not
    db.set_profile("GW1", &p, 11).unwrap();
    let mut same_revision = p.clone();
    same_revision.interval_secs = 7200;
    assert!(matches!(
        db.set_profile("GW1", &same_revision, 11),
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

fn manufacturers_and_reference_values(d: &Db) {
    let db = d.init();
    let m = Manufacturer {
        name: "ACME".into(),
        pen: 4711,
        public_key_pem: "pem".into(),
        added_ms: 1,
    };
    db.add_manufacturer(&m).unwrap();
    // the same registration again is a no-op; another key under the name is refused
    db.add_manufacturer(&m).unwrap();
    let other_key = Manufacturer {
        public_key_pem: "other pem".into(),
        ..m.clone()
    };
    assert!(matches!(
        db.add_manufacturer(&other_key),
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
    let id = db.import_reference(&set, "h1", 5).unwrap();
    // the same manifest again returns the stored id; another manifest for the version is refused
    assert_eq!(db.import_reference(&set, "h1", 6).unwrap(), id);
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

fn recording_an_assessment_twice_stores_it_once(d: &Db) {
    let db = d.init();
    let a = assessment("GW1", 1000, Verdict::Trusted);
    let id = db.record_assessment(&a).unwrap();
    // a retry after a lost acknowledgement, possibly from another instance's handle
    assert_eq!(db.record_assessment(&a).unwrap(), id);
    assert_eq!(d.open().record_assessment(&a).unwrap(), id);
    assert_eq!(db.history("GW1", 10).unwrap().len(), 1);
    assert_eq!(db.logbook(id).unwrap().len(), a.log.len());
    assert_eq!(db.verdict_counts().unwrap(), vec![(Verdict::Trusted, 1)]);
    // a uid is bound to its gateway
    let mut stolen = a.clone();
    stolen.gateway_id = "GW2".into();
    assert!(matches!(
        db.record_assessment(&stolen),
        Err(GwaError::Conflict(_))
    ));
    let mut no_uid = a;
    no_uid.uid.clear();
    assert!(matches!(
        db.record_assessment(&no_uid),
        Err(GwaError::Invalid(_))
    ));
}

fn gateway_summary_follows_the_newest_assessment_whatever_the_commit_order(d: &Db) {
    let db = d.init();
    let mut newer = assessment("GW1", 5000, Verdict::NotTrusted);
    newer.firmware = Some("2.2.0".into());
    let newer_id = db.record_assessment(&newer).unwrap();
    // an older assessment committed later (a slower instance) does not overwrite the summary
    let older = assessment("GW1", 4000, Verdict::Trusted);
    db.record_assessment(&older).unwrap();
    let gw = db.gateway("GW1").unwrap().unwrap();
    assert_eq!(gw.last_assessment_id, Some(newer_id));
    assert_eq!(gw.last_verdict, Some(Verdict::NotTrusted));
    assert_eq!(gw.last_assessed_ms, Some(5005));
    assert_eq!(gw.firmware.as_deref(), Some("2.2.0"));
    assert_eq!(gw.last_seen_ms, Some(5000), "last seen never goes back");
    // equal finish times: the higher id wins
    let tie = db
        .record_assessment(&assessment("GW1", 5000, Verdict::Trusted))
        .unwrap();
    assert!(tie > newer_id);
    assert_eq!(
        db.gateway("GW1").unwrap().unwrap().last_assessment_id,
        Some(tie)
    );
}

fn concurrent_instances_lose_and_duplicate_nothing(d: &Db) {
    d.init();
    const INSTANCES: usize = 3;
    const THREADS: usize = 4;
    const PER_THREAD: usize = 25;
    // several instances (handles), several threads each, all on the same two gateways, with
    // finish times in no particular order; every record is also retried once
    let handles: Vec<Arc<dyn Storage>> = (0..INSTANCES).map(|_| d.open()).collect();
    let mut threads = Vec::new();
    for (i, handle) in handles.iter().enumerate() {
        for t in 0..THREADS {
            let db = handle.clone();
            threads.push(std::thread::spawn(move || {
                let mut ids = Vec::new();
                for n in 0..PER_THREAD {
                    let k = (i * THREADS + t) * PER_THREAD + n;
                    let gw = if k.is_multiple_of(2) { "GW-A" } else { "GW-B" };
                    // a scrambled but distinct start time per record
                    let start = 1_000_000 + ((k * 7919) % 10_007) as i64;
                    let verdict = if k.is_multiple_of(3) {
                        Verdict::NotTrusted
                    } else {
                        Verdict::Trusted
                    };
                    let a = assessment(gw, start, verdict);
                    let id = db.record_assessment(&a).unwrap();
                    assert_eq!(db.record_assessment(&a).unwrap(), id, "retry");
                    ids.push(id);
                }
                ids
            }));
        }
    }
    let mut ids: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let total = INSTANCES * THREADS * PER_THREAD;
    assert_eq!(ids.len(), total);
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total, "every record got its own row");
    let db = d.open();
    let stored: u64 = db.verdict_counts().unwrap().iter().map(|c| c.1).sum();
    assert_eq!(stored, total as u64, "nothing lost, nothing doubled");
    for gw in ["GW-A", "GW-B"] {
        let h = db.history(gw, 1000).unwrap();
        assert_eq!(h.len(), total / 2);
        let newest = h.iter().max_by_key(|a| (a.data.finished_ms, a.id)).unwrap();
        let rec = db.gateway(gw).unwrap().unwrap();
        assert_eq!(rec.last_assessment_id, Some(newest.id), "{gw}");
        assert_eq!(rec.last_assessed_ms, Some(newest.data.finished_ms));
        assert_eq!(rec.last_verdict, Some(newest.data.verdict));
        let max_start = h.iter().map(|a| a.data.started_ms).max();
        assert_eq!(rec.last_seen_ms, max_start);
        assert!(
            h.iter().all(|a| db.logbook(a.id).unwrap().len() == 2),
            "each logbook once"
        );
    }
}

fn fleet_counts_come_from_the_shared_data(d: &Db) {
    let db = d.init();
    let other = d.open();
    db.record_assessment(&assessment("GW1", 1000, Verdict::Trusted))
        .unwrap();
    other
        .record_assessment(&assessment("GW2", 2000, Verdict::NotTrusted))
        .unwrap();
    other
        .record_assessment(&assessment("GW3", 3000, Verdict::Trusted))
        .unwrap();
    db.gateway_seen("GW4", 3000).unwrap();
    for _ in 0..2 {
        other
            .log_event(
                Some("GW1"),
                &LogEntry {
                    time_ms: 4000,
                    level: LogLevel::Info,
                    event: "wakeup_sent".into(),
                    detail: "to 127.0.0.1:4059".into(),
                },
            )
            .unwrap();
    }
    let c = db.fleet_counts(2500).unwrap();
    assert_eq!(c.gateways, 4);
    assert_eq!(c.stale, 3, "GW1 and GW2 assessed before 2500, GW4 never");
    assert_eq!(c.wakeups, 2);
    assert_eq!(
        c.by_last_verdict,
        vec![(Verdict::NotTrusted, 1), (Verdict::Trusted, 2)]
    );
    assert_eq!(other.fleet_counts(2500).unwrap(), c);
    assert_eq!(db.stale(2500).unwrap().len() as u64, c.stale);
}

fn changes_are_visible_to_every_instance(d: &Db) {
    let a = d.init();
    let b = d.open();
    let key = PrivateKey::generate(Curve::P256).unwrap();
    let p = TncProfile {
        revision: 1,
        tnc_enabled: true,
        interval_secs: 3600,
        gwa_host: "127.0.0.1".into(),
        gwa_port: 2710,
        expected_gwa_name: None,
        wakeup_key: key.public_key().to_spki_pem().unwrap(),
    };
    a.set_profile("GW1", &p, 10).unwrap();
    assert_eq!(b.gateway("GW1").unwrap().unwrap().profile, Some(p.clone()));
    // a revision written by one instance binds the other
    assert!(matches!(
        b.set_profile(
            "GW1",
            &TncProfile {
                interval_secs: 60,
                ..p.clone()
            },
            11
        ),
        Err(GwaError::Conflict(_))
    ));
    b.set_wake_addr("GW1", "127.0.0.1:4059", 12).unwrap();
    assert_eq!(
        a.gateway("GW1").unwrap().unwrap().wake_addr.as_deref(),
        Some("127.0.0.1:4059")
    );
    let id = b
        .record_assessment(&assessment("GW1", 20, Verdict::Trusted))
        .unwrap();
    assert_eq!(a.history("GW1", 5).unwrap()[0].id, id);
    assert!(a.stale(24).unwrap().is_empty());
}

/// PostgreSQL only: connections cut under the pool (server restart, network) are replaced and
/// idempotent calls retried.
#[test]
fn postgres_survives_cut_connections() {
    let Some(d) = Db::new(Kind::Postgres, "cut_connections") else {
        return;
    };
    let db = d.init();
    for round in 0..3 {
        db.record_assessment(&assessment("GW1", 100 + round, Verdict::Trusted))
            .unwrap();
        d.pg.as_ref().unwrap().terminate_connections();
        let id = db
            .record_assessment(&assessment("GW1", 200 + round, Verdict::Trusted))
            .unwrap();
        assert!(id > 0);
        assert!(db.gateway("GW1").unwrap().is_some());
    }
    assert_eq!(db.history("GW1", 100).unwrap().len(), 6);
}

/// SQLite files written by the previous schema (version 1) are migrated in place.
#[test]
fn sqlite_schema_1_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../migrations/0001_init.sql"))
            .unwrap();
        conn.execute_batch(
            "INSERT INTO gateways (id, first_seen_ms, last_assessed_ms, last_verdict)
                 VALUES ('OLD', 1, 5, 'trusted');
             INSERT INTO assessments (gateway_id, started_ms, finished_ms, recommendation,
                 evaluation, verdict, reasons_json, imv_json, measurement_json)
                 VALUES ('OLD', 1, 5, 'allow', 'compliant', 'trusted', '[]', '[]',
                 '{\"requested\":0,\"matched\":0,\"mismatched\":[],\"missing\":[],\"algorithm\":null,\"channel_binding\":\"not_checked\"}');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let db = Database::Sqlite(path).open(1).unwrap();
    assert_eq!(db.init().unwrap(), SCHEMA_VERSION);
    let h = db.history("OLD", 5).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].data.uid, "", "rows from before version 2 have no uid");
    let id = db
        .record_assessment(&assessment("OLD", 10, Verdict::NotTrusted))
        .unwrap();
    let gw = db.gateway("OLD").unwrap().unwrap();
    assert_eq!(gw.last_assessment_id, Some(id));
    assert_eq!(gw.last_verdict, Some(Verdict::NotTrusted));
}

/// PostgreSQL over TLS: verified against the configured CA, never falling back to plaintext.
#[test]
fn postgres_over_tls_is_verified() {
    let Some(d) = Db::new(Kind::Postgres, "tls") else {
        return;
    };
    let Some(ca) = pg::ca_file("tls") else {
        return;
    };
    let url = d.pg.as_ref().unwrap().url.clone();
    let db = d.location.open_tls(2, Some(&ca)).unwrap();
    db.init().unwrap();
    let id = db
        .record_assessment(&assessment("GW1", 1, Verdict::Trusted))
        .unwrap();
    assert_eq!(db.history("GW1", 1).unwrap()[0].id, id);
    // the server sees TLS on the program's connections (application_name = gwa-reference)
    let tls_conns = pg::query_i64(
        &d.pg.as_ref().unwrap().admin,
        "SELECT COUNT(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
         WHERE a.application_name = 'gwa-reference' AND s.ssl",
    );
    assert!(tls_conns >= 1, "no TLS connection of gwa-reference seen");
    drop(db);

    // a CA that did not issue the server's certificate: refused, not downgraded
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other-ca.pem");
    let pki = tnc_ift_tls_bsi::pki::DevPki::generate(
        &tnc_ift_tls_bsi::pki::DevPkiOptions::with_curve(tnc_ift_tls_bsi::provider::Curve::P256, 0),
    )
    .unwrap();
    pki.write_pem(dir.path()).unwrap();
    std::fs::copy(dir.path().join("root-ca.pem"), &other).unwrap();
    let wrong = Database::Postgres(url).open_tls(1, Some(&other)).unwrap();
    match wrong.check_schema() {
        Err(GwaError::Postgres(m)) => assert!(
            m.to_ascii_lowercase().contains("certificate"),
            "unexpected message: {m}"
        ),
        other => panic!("expected a certificate failure, got {other:?}"),
    }
    // an empty CA file is a configuration error
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    assert!(matches!(
        d.location.open_tls(1, Some(&empty)),
        Err(GwaError::Config { .. })
    ));
}
