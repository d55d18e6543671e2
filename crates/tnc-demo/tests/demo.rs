#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Runs the demo (library and binary) with small fleets and checks what it claims.

use std::process::Command;
use std::time::Duration;

use gwa_reference::storage::{SqliteStorage, Storage, Verdict};
use smgw_reference::logbook;
use smgw_reference::state::IntegrityState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_fleet_reaches_every_expected_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let opts = tnc_demo::Options {
        gateways: 4,
        work_dir: Some(dir.path().to_path_buf()),
        timeout: Duration::from_secs(120),
    };
    let mut out = Vec::new();
    let report = tnc_demo::run(&opts, &mut out).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(report.success(), "{:?}\n{text}", report.missing);
    assert!(
        text.contains("\nOK: every expected verdict occurred"),
        "{text}"
    );

    // the fleet: 4 gateways, 2 vendors, unknown before TNC, exactly one tampered and not trusted
    assert_eq!(report.fleet.len(), 4);
    let vendors: std::collections::BTreeSet<_> = report
        .fleet
        .iter()
        .map(|r| r.observed.vendor.as_str())
        .collect();
    assert_eq!(vendors.len(), 2);
    let tampered: Vec<_> = report
        .fleet
        .iter()
        .filter(|r| r.observed.tampered)
        .collect();
    assert_eq!(tampered.len(), 1);
    for r in &report.fleet {
        let o = &r.observed;
        assert_eq!(o.factory, Some((IntegrityState::Unknown, false)), "{o:?}");
        assert!(o.switched_on, "{o:?}");
        assert_eq!(o.first_check, Some(IntegrityState::Trusted), "{o:?}");
        let want = if o.tampered {
            (IntegrityState::NotTrusted, Verdict::NotTrusted, 2)
        } else {
            (IntegrityState::Trusted, Verdict::Trusted, 1)
        };
        assert_eq!(
            (o.final_state(), r.gwa_last, o.checks),
            (Some(want.0), Some(want.1), want.2)
        );
    }

    // what it prints as "where to look" exists and says the same
    let db = SqliteStorage::open(&report.database).unwrap();
    let id = &tampered[0].observed.id;
    let last = &db.history(id, 1).unwrap()[0];
    assert_eq!(last.data.verdict, Verdict::NotTrusted);
    assert_eq!(last.data.measurement.mismatched.len(), 1);
    assert!(last.data.measurement.mismatched[0].ends_with("bin/wand"));
    assert_eq!(db.history(id, 10).unwrap().len(), 2);
    let metrics = std::fs::read_to_string(&report.metrics_file).unwrap();
    assert!(
        metrics.contains("gwa_assessments_total{verdict=\"trusted\"} 4"),
        "{metrics}"
    );
    assert!(
        metrics.contains("gwa_assessments_total{verdict=\"not_trusted\"} 1"),
        "{metrics}"
    );
    let logs = &report.logbooks.iter().find(|(g, _)| g == id).unwrap().1;
    let cal = logbook::read_entries(&logs.join("calibration.log")).unwrap();
    assert!(
        cal.iter()
            .any(|e| e.event == "check.failed" && e.text.contains("not trusted"))
    );
    assert!(
        text.contains("reason: 1 file(s) differ from the reference values"),
        "{text}"
    );
}

#[test]
fn binary_exits_zero_on_success_and_nonzero_with_what_is_missing() {
    let exe = env!("CARGO_BIN_EXE_demo");
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new(exe)
        .args(["--gateways", "2", "--dir"])
        .arg(dir.path().join("ok"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(stdout.contains("work directory: "), "{stdout}");
    assert!(stdout.contains("gateway: not trusted"), "{stdout}");

    // no time for the fleet: the verdicts cannot occur, and the demo says which
    let failed = Command::new(exe)
        .args(["--gateways", "2", "--timeout-secs", "0", "--dir"])
        .arg(dir.path().join("timeout"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert_eq!(failed.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAILED: "), "{stdout}");
    assert!(
        stdout.contains("- timeout: the demo did not finish within 0 s"),
        "{stdout}"
    );
    assert!(
        stdout.contains("first check: GWA verdict none (expected trusted)"),
        "{stdout}"
    );
}
