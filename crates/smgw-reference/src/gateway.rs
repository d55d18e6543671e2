//! The gateway engine: the data model, the logbooks, the scheduler and the
//! wake-up verifier, and the rules that tie them together. It performs no
//! network I/O: the daemon (or a test) feeds it profiles, check outcomes,
//! wake-up datagrams and the time, and asks it when the next check is due.

use smgw_gwa_admin::{PublicKey, TncProfile, Wakeup, WakeupError, WakeupVerifier};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::logbook::{Level, Logbooks, Outcome};
use crate::schedule::{Backoff, Due, ErrorClass, Scheduler};
use crate::state::{
    CheckFailure, CheckRecord, GatewayState, Integrity, IntegrityState, StateStore, TncSettings,
    Trigger,
};
use crate::status::{MeterSource, Reading};

/// What a profile did to the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileChange {
    /// The profile's revision is older than the applied one; nothing changed.
    Stale,
    /// Same on/off state, settings updated (or unchanged).
    Updated,
    /// TNC switched on.
    SwitchedOn,
    /// TNC switched off (integrity state back to `unknown`).
    SwitchedOff,
}

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The GWA delivered a verdict.
    Verdict {
        /// `trusted`, `not trusted` or `error`.
        state: IntegrityState,
        /// The access recommendation, if the GWA sent one.
        recommendation: Option<String>,
        /// Reason strings.
        reasons: Vec<String>,
    },
    /// No verdict (GWA unreachable, TLS or protocol failure, ...).
    Failed {
        /// Whether a retry can help.
        class: ErrorClass,
        /// What happened.
        message: String,
    },
}

/// The gateway engine.
#[derive(Debug)]
pub struct Gateway {
    cfg: Config,
    store: StateStore,
    state: GatewayState,
    logs: Logbooks,
    scheduler: Scheduler,
    wakeup: Option<WakeupVerifier>,
    /// The key PEM the current verifier was built from (its replay cache is kept
    /// as long as the key stays the same).
    wakeup_key: Option<String>,
    /// Wake-up datagrams seen in the current minute, for the rate limit.
    wakeup_rate: WakeupRate,
    meter: MeterSource,
}

/// A fixed one-minute window over wake-up datagrams.
#[derive(Debug, Default, Clone, Copy)]
struct WakeupRate {
    /// `now / 60` of the window.
    minute: u64,
    /// Datagrams seen in it.
    seen: u64,
    /// Of those, dropped unverified.
    dropped: u64,
}

impl Gateway {
    /// Opens the data directory of `cfg` (state, logbooks) at time `now` and
    /// records the start in the system log.
    pub fn open(cfg: Config, now: u64) -> Result<Self> {
        let store = StateStore::open(&cfg.gateway.data_dir)?;
        let state = store.load()?;
        let logs = Logbooks::open_with(
            &cfg.gateway.data_dir,
            cfg.consumers.iter().map(|c| c.id.as_str()),
            cfg.gateway.log_rotation(),
        )?;
        let meter = match &cfg.meter.file {
            Some(p) => MeterSource::from_file(p)?,
            None => MeterSource::Generator {
                start_wh: cfg.meter.start_wh,
                step_wh: cfg.meter.step_wh,
            },
        };
        let scheduler = Scheduler::new(Backoff::new(
            cfg.schedule.backoff_base_secs,
            cfg.schedule.backoff_max_secs,
        ));
        let mut gw = Gateway {
            cfg,
            store,
            state,
            logs,
            scheduler,
            wakeup: None,
            wakeup_key: None,
            wakeup_rate: WakeupRate::default(),
            meter,
        };
        gw.configure_from_state();
        gw.logs.system.append(
            now,
            Level::Info,
            Outcome::Success,
            "gateway.start",
            &format!(
                "gateway {} started; TNC {}; integrity state {}",
                gw.cfg.gateway.id,
                if gw.state.tnc_enabled() { "on" } else { "off" },
                gw.state.integrity.state
            ),
        )?;
        Ok(gw)
    }

    fn configure_from_state(&mut self) {
        let tnc = self.state.tnc.clone();
        self.scheduler
            .set_interval(tnc.as_ref().filter(|t| t.enabled).map(|t| t.interval_secs));
        // the wake-up key of the last profile stays in force while TNC is off, so that
        // the GWA can switch TNC on again with a new profile and a wake-up
        match &tnc {
            Some(t) if self.wakeup_key.as_deref() != Some(t.wakeup_key.as_str()) => {
                self.wakeup = PublicKey::from_spki_pem(&t.wakeup_key).ok().map(|k| {
                    WakeupVerifier::with_capacity(
                        k,
                        self.cfg.gateway.id.clone(),
                        self.cfg.wakeup.window_secs,
                        self.cfg.wakeup.replay_cache,
                    )
                });
                self.wakeup_key = Some(t.wakeup_key.clone());
            }
            Some(_) => {}
            None => {
                self.wakeup = None;
                self.wakeup_key = None;
            }
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The data model.
    pub fn state(&self) -> &GatewayState {
        &self.state
    }

    /// The logbooks.
    pub fn logbooks(&self) -> &Logbooks {
        &self.logs
    }

    /// The scheduler.
    pub fn scheduler(&self) -> &Scheduler {
        &self.scheduler
    }

    /// When the next check is due.
    pub fn due(&self) -> Due {
        self.scheduler.due()
    }

    /// The trigger a check started now would have.
    pub fn pending_trigger(&self) -> Trigger {
        match self.scheduler.due() {
            Due::Retry(_) => Trigger::Retry,
            _ => Trigger::Scheduled,
        }
    }

    /// Applies a TNC configuration profile fetched from the GWA.
    pub fn apply_profile(&mut self, p: &TncProfile, now: u64) -> Result<ProfileChange> {
        if let Err(e) = p.validate() {
            self.logs.system.append(
                now,
                Level::Error,
                Outcome::Failure,
                "profile.invalid",
                &format!("profile revision {} rejected: {e}", p.revision),
            )?;
            return Err(Error::Check {
                class: ErrorClass::Permanent,
                msg: format!("invalid profile: {e}"),
            });
        }
        let old = self.state.tnc.clone();
        if let Some(o) = &old {
            if p.revision < o.revision {
                self.logs.system.append(
                    now,
                    Level::Warning,
                    Outcome::Failure,
                    "profile.stale",
                    &format!(
                        "profile revision {} ignored: revision {} is applied",
                        p.revision, o.revision
                    ),
                )?;
                return Ok(ProfileChange::Stale);
            }
        }
        let new = TncSettings {
            revision: p.revision,
            enabled: p.tnc_enabled,
            interval_secs: p.interval_secs,
            gwa_host: p.gwa_host.clone(),
            gwa_port: p.gwa_port,
            expected_gwa_name: p.expected_gwa_name.clone(),
            wakeup_key: p.wakeup_key.clone(),
        };
        let was_on = old.as_ref().is_some_and(|t| t.enabled);
        let change = match (was_on, new.enabled) {
            (false, true) => ProfileChange::SwitchedOn,
            (true, false) => ProfileChange::SwitchedOff,
            _ => ProfileChange::Updated,
        };
        if old.as_ref() != Some(&new) {
            self.logs.system.append(
                now,
                Level::Info,
                Outcome::Success,
                "profile.applied",
                &format!(
                    "profile revision {}: TNC {}, interval {} s, GWA {}:{}{}",
                    new.revision,
                    if new.enabled { "on" } else { "off" },
                    new.interval_secs,
                    new.gwa_host,
                    new.gwa_port,
                    new.expected_gwa_name
                        .as_deref()
                        .map(|n| format!(" (expected name {n})"))
                        .unwrap_or_default()
                ),
            )?;
        }
        match change {
            ProfileChange::SwitchedOn => self.logs.append_all(
                now,
                Level::Info,
                Outcome::Success,
                "tnc.on",
                &format!("TNC switched on by profile revision {}", new.revision),
            )?,
            ProfileChange::SwitchedOff => {
                self.logs.append_all(
                    now,
                    Level::Warning,
                    Outcome::Success,
                    "tnc.off",
                    &format!(
                        "TNC switched off by profile revision {}; integrity state unknown",
                        new.revision
                    ),
                )?;
                self.state.integrity = Integrity {
                    state: IntegrityState::Unknown,
                    time: now,
                    recommendation: None,
                    reasons: vec!["TNC switched off".into()],
                };
            }
            _ => {}
        }
        self.state.tnc = Some(new);
        self.configure_from_state();
        self.store.save(&self.state)?;
        Ok(change)
    }

    /// Records that fetching the profile failed (the gateway keeps its current profile).
    pub fn profile_fetch_failed(&mut self, now: u64, class: ErrorClass, msg: &str) -> Result<()> {
        self.logs.system.append(
            now,
            if class == ErrorClass::Transient {
                Level::Warning
            } else {
                Level::Error
            },
            Outcome::Failure,
            "profile.fetch_failed",
            &format!("{class} error fetching the profile: {msg}"),
        )?;
        Ok(())
    }

    /// Records one step of a running check in the system log (the check's course).
    pub fn log_course(&mut self, now: u64, event: &str, text: &str) -> Result<()> {
        self.logs
            .system
            .append(now, Level::Info, Outcome::Success, event, text)?;
        Ok(())
    }

    /// Records a finished check: data model and history, system log,
    /// consumer logs (each result), calibration log (each failed check), and
    /// the next due time. Returns the stored record.
    pub fn record_check(
        &mut self,
        started: u64,
        now: u64,
        trigger: Trigger,
        outcome: CheckOutcome,
    ) -> Result<CheckRecord> {
        let rec = match outcome {
            CheckOutcome::Verdict {
                state,
                recommendation,
                reasons,
            } => CheckRecord {
                started,
                finished: now,
                trigger,
                state,
                recommendation,
                reasons,
                failure: None,
            },
            CheckOutcome::Failed { class, message } => CheckRecord {
                started,
                finished: now,
                trigger,
                state: IntegrityState::Error,
                recommendation: None,
                reasons: vec![message.clone()],
                failure: Some(CheckFailure { class, message }),
            },
        };
        let reasons = if rec.reasons.is_empty() {
            String::new()
        } else {
            format!("; reasons: {}", rec.reasons.join(" | "))
        };
        let rec_text = rec
            .recommendation
            .as_deref()
            .map(|r| format!("; recommendation {r}"))
            .unwrap_or_default();
        let (level, outcome) = match (&rec.failure, rec.state) {
            (Some(f), _) if f.class == ErrorClass::Transient => (Level::Warning, Outcome::Failure),
            (Some(_), _) => (Level::Error, Outcome::Failure),
            (None, IntegrityState::Trusted) => (Level::Info, Outcome::Success),
            (None, _) => (Level::Error, Outcome::Failure),
        };
        let summary = match &rec.failure {
            Some(f) => format!("check failed ({} error): {}", f.class, f.message),
            None => format!("integrity state {}{rec_text}{reasons}", rec.state),
        };
        self.logs
            .system
            .append(now, level, outcome, "check.result", &summary)?;
        self.logs
            .append_consumers(now, level, outcome, "check.result", &summary)?;
        if rec.state != IntegrityState::Trusted {
            self.logs.calibration.append(
                now,
                Level::Error,
                Outcome::Failure,
                "check.failed",
                &format!("integrity check failed, readings flagged for diagnosis: {summary}"),
            )?;
        }
        self.state.integrity = Integrity {
            state: rec.state,
            time: now,
            recommendation: rec.recommendation.clone(),
            reasons: rec.reasons.clone(),
        };
        let jitter: f64 = rand::random();
        match &rec.failure {
            None => self.scheduler.on_success(now),
            Some(f) => self.scheduler.on_failure(now, f.class, jitter),
        }
        if let (Some(f), Due::Retry(at)) = (&rec.failure, self.scheduler.due()) {
            self.logs.system.append(
                now,
                Level::Info,
                Outcome::Success,
                "schedule.backoff",
                &format!(
                    "{} error, retry {} in {} s",
                    f.class,
                    self.scheduler.backoff().attempts(),
                    at.saturating_sub(now)
                ),
            )?;
        }
        self.state
            .push_history(rec.clone(), self.cfg.gateway.history_limit);
        self.store.save(&self.state)?;
        Ok(rec)
    }

    /// Verifies a wake-up datagram; a valid one makes a check due now. Every
    /// accepted and rejected wake-up is recorded in the system log.
    pub fn on_wakeup(
        &mut self,
        datagram: &[u8],
        now: u64,
        from: &str,
    ) -> Result<Result<Wakeup, WakeupError>> {
        // rate limit first: a flood costs neither signature checks nor a log entry each
        let limit = self.cfg.wakeup.max_per_minute;
        let minute = now / 60;
        if minute != self.wakeup_rate.minute {
            if self.wakeup_rate.dropped > 1 {
                self.logs.system.append(
                    now,
                    Level::Warning,
                    Outcome::Failure,
                    "wakeup.rate_limited",
                    &format!(
                        "{} wake-up datagrams dropped unverified in minute {} (limit {limit} per minute)",
                        self.wakeup_rate.dropped, self.wakeup_rate.minute
                    ),
                )?;
            }
            self.wakeup_rate = WakeupRate {
                minute,
                ..WakeupRate::default()
            };
        }
        self.wakeup_rate.seen += 1;
        if self.wakeup_rate.seen > u64::from(limit) {
            self.wakeup_rate.dropped += 1;
            if self.wakeup_rate.dropped == 1 {
                self.logs.system.append(
                    now,
                    Level::Warning,
                    Outcome::Failure,
                    "wakeup.rate_limited",
                    &format!(
                        "more than {limit} wake-up datagrams this minute (last from {from}): \
                         the rest of the minute is dropped unverified"
                    ),
                )?;
            }
            return Ok(Err(WakeupError::RateLimited { limit }));
        }
        let mut res = match self.wakeup.as_mut() {
            Some(v) => v.verify(datagram, now),
            None => Err(WakeupError::Malformed(
                "no wake-up key: no profile yet, or its key is unusable".into(),
            )),
        };
        // across restarts (the verifier's replay cache lives in memory): nothing
        // older than the last accepted wake-up, and never that one again
        if let (Ok(w), Some(last)) = (&res, &self.state.last_wakeup) {
            if w.time < last.time || (w.time == last.time && hex::encode(w.nonce) == last.nonce) {
                res = Err(WakeupError::Replayed);
            }
        }
        if let Ok(w) = &res {
            self.state.last_wakeup = Some(crate::state::LastWakeup {
                time: w.time,
                nonce: hex::encode(w.nonce),
            });
            self.store.save(&self.state)?;
        }
        match &res {
            Ok(w) => {
                self.scheduler.wake();
                self.logs.system.append(
                    now,
                    Level::Info,
                    Outcome::Success,
                    "wakeup.accepted",
                    &format!(
                        "wake-up from {from} (time {}) accepted; check due now",
                        w.time
                    ),
                )?;
            }
            Err(e) => {
                self.logs.system.append(
                    now,
                    Level::Warning,
                    Outcome::Failure,
                    "wakeup.rejected",
                    &format!("wake-up from {from} rejected: {e}"),
                )?;
            }
        }
        Ok(res)
    }

    /// Takes the next meter reading under the current status word and stores it.
    pub fn take_reading(&mut self, now: u64) -> Result<Reading> {
        let r = crate::status::take_reading(
            &self.cfg.gateway.data_dir,
            &self.meter,
            &self.cfg.meter.meter_id,
            &mut self.state,
            now,
        )?;
        self.store.save(&self.state)?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::field_reassign_with_default
    )]
    use super::*;
    use crate::logbook::read_entries;
    use smgw_gwa_admin::{Curve, PrivateKey, sign_wakeup};
    use std::path::Path;

    pub(crate) fn config(dir: &Path) -> Config {
        let text = r#"
[gateway]
id = "smgw-test"
data_dir = "data"
[gwa]
host = "127.0.0.1"
port = 4711
[[consumers]]
id = "c1"
[schedule]
backoff_base_secs = 4
backoff_max_secs = 64
"#;
        Config::from_toml(text, Path::new("t.toml"), dir, |_| None).unwrap()
    }

    fn profile(key: &PrivateKey, rev: u64, on: bool) -> TncProfile {
        TncProfile {
            revision: rev,
            tnc_enabled: on,
            interval_secs: 600,
            gwa_host: "127.0.0.1".into(),
            gwa_port: 2710,
            expected_gwa_name: None,
            wakeup_key: key.public_key().to_spki_pem().unwrap(),
        }
    }

    fn events(gw: &Gateway, which: &str) -> Vec<String> {
        let lb = match which {
            "system" => &gw.logs.system,
            "calibration" => &gw.logs.calibration,
            _ => &gw.logs.consumers[0],
        };
        read_entries(lb.path())
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect()
    }

    #[test]
    fn profile_switches_on_and_off_and_every_log_records_it() {
        let d = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate(Curve::P256).unwrap();
        let mut gw = Gateway::open(config(d.path()), 100).unwrap();
        assert_eq!(gw.due(), Due::Never);
        assert_eq!(
            gw.apply_profile(&profile(&key, 1, true), 110).unwrap(),
            ProfileChange::SwitchedOn
        );
        assert_eq!(gw.due(), Due::Now);
        gw.record_check(
            110,
            111,
            Trigger::Scheduled,
            CheckOutcome::Verdict {
                state: IntegrityState::Trusted,
                recommendation: Some("allow".into()),
                reasons: vec![],
            },
        )
        .unwrap();
        assert_eq!(gw.due(), Due::Regular(711));
        assert_eq!(gw.state().integrity.state, IntegrityState::Trusted);
        // an older revision is ignored
        assert_eq!(
            gw.apply_profile(&profile(&key, 0, false), 120).unwrap(),
            ProfileChange::Stale
        );
        assert!(gw.state().tnc_enabled());
        assert_eq!(
            gw.apply_profile(&profile(&key, 2, false), 130).unwrap(),
            ProfileChange::SwitchedOff
        );
        assert_eq!(gw.state().integrity.state, IntegrityState::Unknown);
        assert_eq!(gw.due(), Due::Never);
        for log in ["system", "calibration", "consumer"] {
            let ev = events(&gw, log);
            assert!(ev.contains(&"tnc.on".to_string()), "{log}: {ev:?}");
            assert!(ev.contains(&"tnc.off".to_string()), "{log}: {ev:?}");
        }
        assert!(!events(&gw, "calibration").contains(&"check.failed".to_string()));
        assert!(events(&gw, "consumer").contains(&"check.result".to_string()));
        // state survives a restart
        drop(gw);
        let gw = Gateway::open(config(d.path()), 200).unwrap();
        assert_eq!(gw.state().tnc.as_ref().unwrap().revision, 2);
        assert_eq!(gw.state().history.len(), 1);
        assert_eq!(gw.due(), Due::Never);
        for (label, r) in crate::logbook::verify_dir(&d.path().join("data/logs")).unwrap() {
            assert!(r.is_ok(), "{label}");
        }
    }

    #[test]
    fn failures_back_off_and_reach_the_calibration_log() {
        let d = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate(Curve::BrainpoolP256r1).unwrap();
        let mut gw = Gateway::open(config(d.path()), 0).unwrap();
        gw.apply_profile(&profile(&key, 1, true), 0).unwrap();
        let fail = || CheckOutcome::Failed {
            class: ErrorClass::Transient,
            message: "connection refused".into(),
        };
        gw.record_check(0, 1, Trigger::Scheduled, fail()).unwrap();
        match gw.due() {
            Due::Retry(t) => assert!((3..=5).contains(&t), "{t}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(gw.pending_trigger(), Trigger::Retry);
        gw.record_check(5, 5, Trigger::Retry, fail()).unwrap();
        match gw.due() {
            Due::Retry(t) => assert!((9..=13).contains(&t), "{t}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(gw.state().integrity.state, IntegrityState::Error);
        gw.record_check(
            13,
            14,
            Trigger::Retry,
            CheckOutcome::Verdict {
                state: IntegrityState::NotTrusted,
                recommendation: Some("isolate".into()),
                reasons: vec!["firmware differs".into()],
            },
        )
        .unwrap();
        assert_eq!(gw.due(), Due::Regular(614));
        assert_eq!(gw.scheduler().backoff().attempts(), 0);
        let cal = read_entries(gw.logbooks().calibration.path()).unwrap();
        assert_eq!(cal.iter().filter(|e| e.event == "check.failed").count(), 3);
        assert!(cal.last().unwrap().text.contains("firmware differs"));
        let sys = events(&gw, "system");
        assert_eq!(sys.iter().filter(|e| *e == "schedule.backoff").count(), 2);
        let reading = gw.take_reading(20).unwrap();
        assert!(reading.diagnosis);
        assert_eq!(reading.integrity, IntegrityState::NotTrusted);
    }

    #[test]
    fn a_wakeup_flood_is_rate_limited() {
        let d = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate(Curve::P256).unwrap();
        let mut cfg = config(d.path());
        cfg.wakeup.max_per_minute = 5;
        let mut gw = Gateway::open(cfg, 1000).unwrap();
        gw.apply_profile(&profile(&key, 1, true), 1000).unwrap();
        let minute = 1020; // 1020 / 60 = 17: one window from 1020 to 1079
        // five datagrams are verified (and rejected: garbage), the rest of the minute dropped
        for i in 0..5 {
            assert!(matches!(
                gw.on_wakeup(b"garbage", minute + i, "flood").unwrap(),
                Err(WakeupError::Malformed(_))
            ));
        }
        for i in 0..100 {
            assert_eq!(
                gw.on_wakeup(b"garbage", minute + 5 + i % 50, "flood")
                    .unwrap(),
                Err(WakeupError::RateLimited { limit: 5 })
            );
        }
        // even a valid wake-up waits for the next minute
        let good = sign_wakeup(&key, "smgw-test", 1070, [9; 16]).unwrap();
        assert_eq!(
            gw.on_wakeup(&good, 1070, "gwa").unwrap(),
            Err(WakeupError::RateLimited { limit: 5 })
        );
        assert!(gw.on_wakeup(&good, 1080, "gwa").unwrap().is_ok());
        let sys = events(&gw, "system");
        assert_eq!(sys.iter().filter(|e| *e == "wakeup.rejected").count(), 5);
        // one entry when the limit is hit, one summary when the minute is over
        assert_eq!(
            sys.iter().filter(|e| *e == "wakeup.rate_limited").count(),
            2
        );
        assert_eq!(sys.iter().filter(|e| *e == "wakeup.accepted").count(), 1);
        let texts = read_entries(gw.logs.system.path()).unwrap();
        assert!(
            texts
                .iter()
                .any(|e| e.text.contains("101 wake-up datagrams dropped unverified")),
            "summary names the count"
        );
    }

    #[test]
    fn wakeups_are_verified_and_logged() {
        let d = tempfile::tempdir().unwrap();
        let key = PrivateKey::generate(Curve::P256).unwrap();
        let other = PrivateKey::generate(Curve::P256).unwrap();
        let mut gw = Gateway::open(config(d.path()), 1000).unwrap();
        let good = sign_wakeup(&key, "smgw-test", 1000, [1; 16]).unwrap();
        // TNC off: no key, rejected
        assert!(gw.on_wakeup(&good, 1000, "t").unwrap().is_err());
        gw.apply_profile(&profile(&key, 1, true), 1000).unwrap();
        gw.record_check(
            1000,
            1000,
            Trigger::Scheduled,
            CheckOutcome::Verdict {
                state: IntegrityState::Trusted,
                recommendation: None,
                reasons: vec![],
            },
        )
        .unwrap();
        assert!(!gw.scheduler().is_due(1001));
        assert!(gw.on_wakeup(&good, 1001, "t").unwrap().is_ok());
        assert!(gw.scheduler().is_due(1001));
        assert_eq!(
            gw.on_wakeup(&good, 1002, "t").unwrap(),
            Err(WakeupError::Replayed)
        );
        let forged = sign_wakeup(&other, "smgw-test", 1000, [2; 16]).unwrap();
        assert_eq!(
            gw.on_wakeup(&forged, 1002, "t").unwrap(),
            Err(WakeupError::BadSignature)
        );
        let foreign = sign_wakeup(&key, "smgw-other", 1000, [3; 16]).unwrap();
        assert!(matches!(
            gw.on_wakeup(&foreign, 1002, "t").unwrap(),
            Err(WakeupError::OtherGateway(_))
        ));
        let old = sign_wakeup(&key, "smgw-test", 100, [4; 16]).unwrap();
        assert!(matches!(
            gw.on_wakeup(&old, 1002, "t").unwrap(),
            Err(WakeupError::OutsideWindow { .. })
        ));
        assert!(gw.on_wakeup(b"garbage", 1002, "t").unwrap().is_err());
        // re-applying the same profile keeps the replay cache
        gw.apply_profile(&profile(&key, 2, true), 1002).unwrap();
        assert_eq!(
            gw.on_wakeup(&good, 1002, "t").unwrap(),
            Err(WakeupError::Replayed)
        );
        let sys = events(&gw, "system");
        assert_eq!(sys.iter().filter(|e| *e == "wakeup.accepted").count(), 1);
        assert_eq!(sys.iter().filter(|e| *e == "wakeup.rejected").count(), 7);
        // and a restart does not reopen the window for the same datagram or older ones
        drop(gw);
        let mut gw = Gateway::open(config(d.path()), 1003).unwrap();
        assert_eq!(
            gw.on_wakeup(&good, 1003, "t").unwrap(),
            Err(WakeupError::Replayed)
        );
        let older = sign_wakeup(&key, "smgw-test", 999, [5; 16]).unwrap();
        assert_eq!(
            gw.on_wakeup(&older, 1003, "t").unwrap(),
            Err(WakeupError::Replayed)
        );
        let newer = sign_wakeup(&key, "smgw-test", 1003, [6; 16]).unwrap();
        assert!(gw.on_wakeup(&newer, 1003, "t").unwrap().is_ok());
        // TNC switched off: the key stays in force (so the GWA can wake the gateway to
        // fetch a new profile), but no check becomes due
        gw.apply_profile(&profile(&key, 3, false), 1004).unwrap();
        let w = sign_wakeup(&key, "smgw-test", 1004, [7; 16]).unwrap();
        assert!(gw.on_wakeup(&w, 1004, "t").unwrap().is_ok());
        assert_eq!(gw.due(), Due::Never);
    }
}
