//! Integration tests on 127.0.0.1: the gateway against a GWA built from the
//! protocol crates (tests/common), through real TLS (BSI profile,
//! brainpoolP256r1 certificates from the dev PKI), PT-TLS and PB-TNC.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{GATEWAY_ID, Install, TestGwa, count, events};
use smgw_gwa_admin::{Curve, PrivateKey};
use smgw_reference::daemon::{Clock, Daemon, SystemClock, VirtualClock};
use smgw_reference::logbook::verify_dir;
use smgw_reference::schedule::ErrorClass;
use smgw_reference::state::{IntegrityState, StateStore, Trigger};
use smgw_reference::status::{StatusWord, read_readings};

fn all_logs_verify(data: &std::path::Path) {
    for (label, r) in verify_dir(&data.join("logs")).unwrap() {
        assert!(r.is_ok(), "{label}: {r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn factory_off_then_on_trusted_at_interval_then_tamper_then_off() {
    let mut gwa = TestGwa::start().await;
    gwa.start_pt().await;
    let inst = Install::new(&gwa);
    let clock = Arc::new(VirtualClock::default());
    let mut d = Daemon::new(inst.config(), inst.identity(), clock.clone()).unwrap();

    // factory default: no profile at the GWA -> TNC stays off, state unknown
    assert_eq!(d.refresh_profile().await.unwrap(), None);
    assert!(!d.gateway().state().tnc_enabled());
    assert_eq!(d.gateway().state().integrity.state, IntegrityState::Unknown);
    let w = StatusWord::from_state(d.gateway().state());
    assert_eq!(w.integrity(), IntegrityState::Unknown);
    assert!(!w.has(StatusWord::TNC_ENABLED));
    assert!(count(&events(&inst.data(), "system"), "profile.fetch_failed") == 1);

    // the profile switches TNC on: checks at the interval (virtual time)
    gwa.set_profile(1, true);
    d.run(std::future::pending(), Some(3)).await.unwrap();
    let st = d.gateway().state().clone();
    assert!(st.tnc_enabled());
    assert_eq!(st.history.len(), 3);
    for c in &st.history {
        assert_eq!(c.state, IntegrityState::Trusted, "{c:?}");
        assert_eq!(c.recommendation.as_deref(), Some("allow"));
    }
    let gaps: Vec<u64> = st
        .history
        .iter()
        .zip(st.history.iter().skip(1))
        .map(|(a, b)| b.started - a.finished)
        .collect();
    for g in &gaps {
        assert!(
            (60..=61).contains(g),
            "checks {gaps:?} s apart, interval is 60 s"
        );
    }
    assert_eq!(st.integrity.state, IntegrityState::Trusted);
    assert_eq!(
        gwa.assessments.load(std::sync::atomic::Ordering::Relaxed),
        3
    );

    // logbooks exactly as the issue says
    let sys = events(&inst.data(), "system");
    assert_eq!(count(&sys, "tnc.on"), 1);
    assert_eq!(count(&sys, "check.start"), 3);
    assert_eq!(count(&sys, "check.tls"), 3);
    // per check: three files measured and the channel binding reported
    assert_eq!(count(&sys, "check.measurement"), 3 * 4);
    assert_eq!(count(&sys, "check.pbtnc"), 3);
    assert_eq!(count(&sys, "check.result"), 3);
    for c in ["consumer-c1", "consumer-c2"] {
        let ev = events(&inst.data(), c);
        assert_eq!(
            ev,
            ["tnc.on", "check.result", "check.result", "check.result"],
            "{c}"
        );
    }
    assert_eq!(events(&inst.data(), "calibration"), ["tnc.on"]);
    // the reading at start (state unknown) is flagged, one taken while trusted is not
    let readings = read_readings(&inst.data()).unwrap();
    assert!(readings[0].diagnosis);
    assert_eq!(readings[0].integrity, IntegrityState::Unknown);
    let r = d.gateway_mut().take_reading(clock.now_for_test()).unwrap();
    assert!(!r.diagnosis, "trusted: readings not flagged");
    assert_eq!(r.status_ptb, 0);

    // a tampered measured file -> not trusted, calibration entry, readings flagged
    std::fs::write(inst.path("fw/bin/wand"), b"wan daemon, patched").unwrap();
    let rec = d.check(Trigger::Manual).await.unwrap();
    assert_eq!(rec.state, IntegrityState::NotTrusted);
    assert_eq!(rec.recommendation.as_deref(), Some("isolate"));
    assert!(
        rec.reasons.iter().any(|r| r.contains("fw/bin/wand")),
        "{:?}",
        rec.reasons
    );
    let cal =
        smgw_reference::logbook::read_entries(&inst.data().join("logs/calibration.log")).unwrap();
    assert_eq!(cal.last().unwrap().event, "check.failed");
    assert!(cal.last().unwrap().text.contains("not trusted"));
    let r = d.gateway_mut().take_reading(clock.now_for_test()).unwrap();
    assert!(r.diagnosis);
    assert_eq!(r.status_ptb, 2);
    assert!(r.status_word.has(StatusWord::INTEGRITY_NOT_TRUSTED));

    // restoring the file -> trusted again
    std::fs::write(inst.path("fw/bin/wand"), b"wan daemon").unwrap();
    assert_eq!(
        d.check(Trigger::Manual).await.unwrap().state,
        IntegrityState::Trusted
    );

    // TNC switched off -> every log records it, state unknown
    gwa.set_profile(2, false);
    d.refresh_profile().await.unwrap();
    assert_eq!(d.gateway().state().integrity.state, IntegrityState::Unknown);
    for l in ["system", "calibration", "consumer-c1", "consumer-c2"] {
        assert_eq!(
            events(&inst.data(), l).last().map(String::as_str),
            Some("tnc.off"),
            "{l}"
        );
    }
    all_logs_verify(&inst.data());
    // persisted
    drop(d);
    let st = StateStore::open(&inst.data()).unwrap().load().unwrap();
    assert_eq!(st.integrity.state, IntegrityState::Unknown);
    assert_eq!(st.history.len(), 5);
    gwa.stop_pt().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gwa_down_backoff_then_recovery() {
    let mut gwa = TestGwa::start().await;
    let inst = Install::new(&gwa);
    gwa.set_profile(1, true);
    let clock = Arc::new(VirtualClock::default());
    let mut d = Daemon::new(inst.config(), inst.identity(), clock.clone()).unwrap();
    // PT-TLS server down: three failed checks with growing, jittered delays
    d.run(std::future::pending(), Some(3)).await.unwrap();
    let st = d.gateway().state().clone();
    assert_eq!(st.history.len(), 3);
    for c in &st.history {
        let f = c.failure.as_ref().expect("failed check");
        assert_eq!(f.class, ErrorClass::Transient, "{f:?}");
        assert_eq!(c.state, IntegrityState::Error);
    }
    let gaps: Vec<u64> = st
        .history
        .iter()
        .zip(st.history.iter().skip(1))
        .map(|(a, b)| b.started - a.finished)
        .collect();
    // base 4 s: first retry within [2, 4], second within [4, 8] (+1 s rounding)
    assert!((2..=5).contains(&gaps[0]), "{gaps:?}");
    assert!((4..=9).contains(&gaps[1]), "{gaps:?}");
    assert_eq!(st.history[1].trigger, Trigger::Retry);
    assert_eq!(
        count(&events(&inst.data(), "system"), "schedule.backoff"),
        3
    );
    assert!(StatusWord::from_state(&st).has(StatusWord::GWA_UNREACHABLE));
    // calibration log: every failed check
    assert_eq!(
        count(&events(&inst.data(), "calibration"), "check.failed"),
        3
    );

    // the GWA comes back on the same address: recovery
    gwa.start_pt().await;
    d.run(std::future::pending(), Some(4)).await.unwrap();
    let st = d.gateway().state().clone();
    assert_eq!(st.history.len(), 4);
    assert_eq!(st.integrity.state, IntegrityState::Trusted);
    assert_eq!(d.gateway().scheduler().backoff().attempts(), 0);
    assert!(!StatusWord::from_state(&st).has(StatusWord::GWA_UNREACHABLE));
    all_logs_verify(&inst.data());
    gwa.stop_pt().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wakeups_accepted_and_forged_foreign_replayed_rejected() {
    let mut gwa = TestGwa::start().await;
    gwa.start_pt().await;
    let inst = Install::new(&gwa);
    gwa.set_profile(1, true);
    let mut d = Daemon::new(inst.config(), inst.identity(), Arc::new(SystemClock)).unwrap();
    let addr = d.bind_wakeup().await.unwrap().unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    // the daemon on its own thread and runtime, as `smgw-reference run` does
    let task = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(d.run(
            async {
                let _ = stop_rx.await;
            },
            None,
        ))
        .unwrap();
        d
    });
    let data = inst.data();
    let wait_for = |pred: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        while !pred() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out; system log: {:?}",
                events(&data, "system")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    // the first check runs at start (TNC on)
    wait_for(&|| count(&events(&data, "system"), "check.result") >= 1);

    let sock = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let forger = PrivateKey::generate(Curve::BrainpoolP256r1).unwrap();
    let forged = gwa.wakeup(&forger, GATEWAY_ID, 1);
    let foreign = gwa.wakeup(&gwa.wakeup_key, "EDEV0000000099", 2);
    let valid = gwa.wakeup(&gwa.wakeup_key, GATEWAY_ID, 3);
    for dg in [&forged, &foreign, &b"not a wake-up"[..].to_vec(), &valid] {
        sock.send_to(dg, addr).await.unwrap();
    }
    // the valid one triggers an immediate check (the interval is 60 s)
    wait_for(&|| count(&events(&data, "system"), "check.result") >= 2);
    sock.send_to(&valid, addr).await.unwrap();
    wait_for(&|| count(&events(&data, "system"), "wakeup.rejected") >= 4);
    stop_tx.send(()).unwrap();
    let d = tokio::task::spawn_blocking(move || task.join().unwrap())
        .await
        .unwrap();

    let sys = smgw_reference::logbook::read_entries(&data.join("logs/system.log")).unwrap();
    let rejected: Vec<_> = sys
        .iter()
        .filter(|e| e.event == "wakeup.rejected")
        .map(|e| e.text.clone())
        .collect();
    assert_eq!(rejected.len(), 4, "{rejected:?}");
    assert!(rejected[0].contains("signature"), "{rejected:?}");
    assert!(rejected[1].contains("EDEV0000000099"), "{rejected:?}");
    assert!(rejected[2].contains("malformed"), "{rejected:?}");
    assert!(rejected[3].contains("replayed"), "{rejected:?}");
    assert_eq!(
        sys.iter().filter(|e| e.event == "wakeup.accepted").count(),
        1
    );
    let st = d.gateway().state();
    assert_eq!(
        st.history.len(),
        2,
        "exactly one extra check, from the valid wake-up"
    );
    assert_eq!(st.history[1].trigger, Trigger::Wakeup);
    assert_eq!(st.history[1].state, IntegrityState::Trusted);
    all_logs_verify(&data);
    gwa.stop_pt().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_once_status_register_verify_logs() {
    let mut gwa = TestGwa::start().await;
    gwa.start_pt().await;
    let inst = Install::new(&gwa);
    let bin = env!("CARGO_BIN_EXE_smgw-reference");
    let run = |args: &[&str]| {
        let cfg = inst.config_path.clone();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        async move {
            tokio::process::Command::new(bin)
                .arg("--config")
                .arg(cfg)
                .args(args)
                .output()
                .await
                .unwrap()
        }
    };
    // TNC off at the factory: exit code 12 (unknown)
    let out = run(&["once"]).await;
    assert_eq!(
        out.status.code(),
        Some(12),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    gwa.set_profile(1, true);
    let out = run(&["once"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["status", "--register"]).await;
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["gateway_id"], GATEWAY_ID);
    assert_eq!(v["integrity_state"], "trusted");
    assert_eq!(v["tnc_enabled"], true);
    std::fs::write(inst.path("fw/firmware.img"), b"evil").unwrap();
    let out = run(&["once"]).await;
    assert_eq!(
        out.status.code(),
        Some(10),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["verify-logs"]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(&["logs", "--kind", "calibration", "--json"]).await;
    assert!(String::from_utf8_lossy(&out.stdout).contains("check.failed"));
    // tamper with the system log: verify-logs fails and names the entry
    let p = inst.data().join("logs/system.log");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replacen("started", "STARTED", 1);
    std::fs::write(&p, text).unwrap();
    let out = run(&["verify-logs"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("system: BROKEN"));
    let out = run(&["doctor"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ok    TLS identity loads"), "{text}");
    assert!(text.contains("days left)"), "{text}");
    assert!(!text.contains("EXPIRED"), "{text}");
    assert!(text.contains("FAIL  logbook chains"), "{text}");
    assert!(text.contains("ok    GWA"), "{text}");
    gwa.stop_pt().await;
}

/// A virtual clock that also runs a hook on its first sleep.
struct HookClock {
    inner: VirtualClock,
    hook: std::sync::Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl smgw_reference::daemon::Clock for HookClock {
    fn now(&self) -> u64 {
        self.inner.now()
    }
    fn sleep(
        &self,
        secs: u64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + '_>> {
        if let Some(h) = self.hook.lock().unwrap().take() {
            h();
        }
        self.inner.sleep(secs)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_off_the_profile_is_polled_and_a_new_one_switches_tnc_on() {
    let mut gwa = TestGwa::start().await;
    gwa.start_pt().await;
    let inst = Install::new(&gwa);
    let profile = gwa.profile.clone();
    // the GWA has no profile for the gateway at start; one appears while it runs
    gwa.set_profile(1, true);
    let on = profile.lock().unwrap().take();
    let clock = Arc::new(HookClock {
        inner: VirtualClock::default(),
        hook: std::sync::Mutex::new(Some(Box::new(move || {
            *profile.lock().unwrap() = on;
        }))),
    });
    let start = clock.now();
    let mut d = Daemon::new(inst.config(), inst.identity(), clock.clone()).unwrap();
    d.run(std::future::pending(), Some(1)).await.unwrap();
    let st = d.gateway().state();
    assert_eq!(st.history.len(), 1);
    assert_eq!(st.history[0].state, IntegrityState::Trusted);
    // the profile was fetched again only after the poll period (3600 s default)
    assert!(
        st.history[0].started - start >= 3600,
        "{}",
        st.history[0].started - start
    );
    let sys = events(&inst.data(), "system");
    let failed = sys
        .iter()
        .position(|e| e == "profile.fetch_failed")
        .unwrap();
    let on = sys.iter().position(|e| e == "tnc.on").unwrap();
    assert!(failed < on, "{sys:?}");
    gwa.stop_pt().await;
}
