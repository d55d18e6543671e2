//! Storage benchmark: `Storage::record_assessment` (the one write of every assessment, a
//! transaction with the assessment, its logbook and the gateway summary) and
//! `Storage::gateway` (the profile service's read), on SQLite and on PostgreSQL, from several
//! threads at once. Prints records/s and the median / p99 latency of one call.
//!
//! ```text
//! cargo run --release -p gwa-reference --example store_bench -- \
//!     [--database postgres://ADMIN-URL | --database sqlite] [--threads 8] [--count 4000]
//! ```
//!
//! With a PostgreSQL URL a fresh database `gwa_store_bench_<pid>` is created through it and
//! dropped at the end (the URL's role needs CREATEDB). The SQLite file lives in a temporary
//! directory (WAL, synchronous = FULL: every commit is fsynced).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use gwa_reference::storage::{
    Database, ImvVerdict, LogEntry, LogLevel, MeasurementSummary, NewAssessment, Storage, Verdict,
    connection_id, new_uid,
};

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_owned())
}

fn assessment(gw: &str, t: i64) -> NewAssessment {
    NewAssessment {
        uid: new_uid(),
        connection_id: Some(connection_id(&t.to_be_bytes())),
        gateway_id: gw.into(),
        started_ms: t,
        finished_ms: t + 12,
        recommendation: "allow".into(),
        evaluation: "compliant".into(),
        verdict: Verdict::Trusted,
        reasons: vec![],
        imv_verdicts: vec![
            ImvVerdict {
                imv: "os".into(),
                recommendation: "allow".into(),
                evaluation: "compliant".into(),
                reasons: vec![],
            },
            ImvVerdict {
                imv: "firmware".into(),
                recommendation: "allow".into(),
                evaluation: "compliant".into(),
                reasons: vec![],
            },
        ],
        measurement: MeasurementSummary {
            requested: 3,
            matched: 3,
            algorithm: Some("sha256".into()),
            channel_binding: "match".into(),
            ..Default::default()
        },
        vendor: Some("ACME".into()),
        product: Some("SMGW-X".into()),
        firmware: Some("2.1.0".into()),
        peer_addr: Some("127.0.0.1:40000".into()),
        tls: Some("TLSv1_2 TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 secp256r1".into()),
        // a typical course: 6 entries
        log: [
            "tls_established",
            "imv_verdict",
            "measurement",
            "imv_verdict",
            "decision",
            "result_sent",
        ]
        .iter()
        .map(|e| LogEntry {
            time_ms: t,
            level: LogLevel::Info,
            event: (*e).into(),
            detail: "detail of the step, about the length the server writes".into(),
        })
        .collect(),
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(sorted.len() - 1);
    sorted[i].as_secs_f64() * 1000.0
}

fn run(
    name: &str,
    db: &Arc<dyn Storage>,
    threads: usize,
    count: usize,
    op: fn(&dyn Storage, usize, usize),
) {
    let per = count / threads;
    let t0 = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::with_capacity(per);
                for i in 0..per {
                    let s = Instant::now();
                    op(db.as_ref(), t, i);
                    lat.push(s.elapsed());
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let wall = t0.elapsed();
    lat.sort();
    println!(
        "{name:<18} threads {threads:>2}  calls {:>6}  {:>8.0}/s  median {:.3} ms  p99 {:.3} ms",
        lat.len(),
        lat.len() as f64 / wall.as_secs_f64(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
    );
}

fn main() {
    let database = arg("--database", "sqlite");
    let threads: usize = arg("--threads", "8").parse().unwrap();
    let count: usize = arg("--count", "4000").parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut drop_db = None;
    let location = if database.starts_with("postgres") {
        let name = format!("gwa_store_bench_{}", std::process::id());
        admin(&database, &format!("CREATE DATABASE {name}"));
        let (base, _) = database.rsplit_once('/').unwrap();
        drop_db = Some((database.clone(), name.clone()));
        Database::Postgres(format!("{base}/{name}"))
    } else {
        Database::Sqlite(dir.path().join("bench.sqlite"))
    };
    let db = location.open(threads.max(1)).unwrap();
    db.init().unwrap();
    println!("backend {}", location.display_name());
    for gw in 0..threads * 4 {
        db.gateway_seen(&format!("GW{gw:05}"), 1).unwrap();
    }
    run("record_assessment", &db, 1, count / 4, |db, t, i| {
        db.record_assessment(&assessment(&format!("GW{:05}", (t * 7 + i) % 4), i as i64))
            .unwrap();
    });
    run("record_assessment", &db, threads, count, |db, t, i| {
        db.record_assessment(&assessment(
            &format!("GW{:05}", t * 4 + i % 4),
            (t * 1_000_000 + i) as i64,
        ))
        .unwrap();
    });
    run("gateway (read)", &db, threads, count, |db, t, i| {
        assert!(
            db.gateway(&format!("GW{:05}", t * 4 + i % 4))
                .unwrap()
                .is_some()
        );
    });
    drop(db);
    if let Some((url, name)) = drop_db {
        admin(&url, &format!("DROP DATABASE {name} WITH (FORCE)"));
    }
}

/// One statement on the administrator URL.
fn admin(url: &str, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (c, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        let task = tokio::spawn(conn);
        c.batch_execute(sql).await.unwrap();
        drop(c);
        let _ = task.await;
    });
}
