//! Scheduling of integrity checks (sans-IO): the profile's interval while the
//! GWA answers, jittered exponential backoff while it does not, and the
//! distinction between transient and permanent errors.
//!
//! The scheduler never reads a clock nor draws random numbers itself: `now`
//! (Unix seconds) and a jitter sample in `[0, 1)` are passed in, so every path
//! is a plain unit test.

use std::fmt;

/// Whether retrying soon can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorClass {
    /// The GWA is unreachable, a connection broke, a timeout: retry with backoff.
    Transient,
    /// Configuration, certificates, trust anchors, protocol violations: retrying
    /// the same thing fails the same way; wait for the next regular check (or a
    /// new profile) and tell the operator.
    Permanent,
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorClass::Transient => "transient",
            ErrorClass::Permanent => "permanent",
        })
    }
}

/// Jittered exponential backoff: attempt `n` (0-based) waits
/// `d/2 + jitter * d/2` seconds with `d = min(max, base * 2^n)` ("equal jitter":
/// never less than half the nominal delay, spreads a fleet of gateways).
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// First nominal delay in seconds (≥ 1).
    pub base_secs: u64,
    /// Upper bound of the nominal delay in seconds.
    pub max_secs: u64,
    attempts: u32,
}

impl Backoff {
    /// A backoff starting at `base_secs`, capped at `max_secs` (both at least 1).
    pub fn new(base_secs: u64, max_secs: u64) -> Self {
        let base_secs = base_secs.max(1);
        Backoff {
            base_secs,
            max_secs: max_secs.max(base_secs),
            attempts: 0,
        }
    }

    /// Failed attempts since the last success.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The nominal (un-jittered) delay of the next attempt.
    pub fn nominal(&self) -> u64 {
        let shift = self.attempts.min(62);
        self.base_secs
            .saturating_mul(1u64 << shift)
            .min(self.max_secs)
    }

    /// Records a failure and returns the delay before the next attempt;
    /// `jitter` is a sample in `[0, 1)` (values outside are clamped).
    pub fn next_delay(&mut self, jitter: f64) -> u64 {
        let d = self.nominal();
        self.attempts = self.attempts.saturating_add(1);
        let j = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let half = d / 2;
        // d - half ≥ half, so the result stays within [d/2, d].
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let extra = ((d - half) as f64 * j) as u64;
        (half + extra).clamp(1, d.max(1))
    }

    /// Forgets the failures (after a success).
    pub fn reset(&mut self) {
        self.attempts = 0;
    }
}

/// Why the next check is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Nothing scheduled (TNC off).
    Never,
    /// A regular check at the given Unix time.
    Regular(u64),
    /// A retry after a transient failure at the given Unix time.
    Retry(u64),
    /// Right away (start-up, wake-up, TNC just switched on).
    Now,
}

/// The check scheduler: one state, a few events.
#[derive(Debug, Clone)]
pub struct Scheduler {
    interval_secs: Option<u64>,
    backoff: Backoff,
    due: Due,
}

impl Scheduler {
    /// A scheduler with TNC off and the given backoff limits.
    pub fn new(backoff: Backoff) -> Self {
        Scheduler {
            interval_secs: None,
            backoff,
            due: Due::Never,
        }
    }

    /// When the next check is due.
    pub fn due(&self) -> Due {
        self.due
    }

    /// The backoff state (for logging the attempt count).
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// TNC switched on (or its interval changed): a check is due now.
    /// `None` switches TNC off.
    pub fn set_interval(&mut self, interval_secs: Option<u64>) {
        let was_on = self.interval_secs.is_some();
        self.interval_secs = interval_secs.map(|i| i.max(1));
        self.due = match (was_on, self.interval_secs) {
            (_, None) => Due::Never,
            (false, Some(_)) => Due::Now,
            (true, Some(_)) => match self.due {
                Due::Never => Due::Now,
                other => other,
            },
        };
        if self.interval_secs.is_none() {
            self.backoff.reset();
        }
    }

    /// A wake-up asks for an immediate check (ignored while TNC is off).
    pub fn wake(&mut self) {
        if self.interval_secs.is_some() {
            self.due = Due::Now;
        }
    }

    /// Whether a check is due at `now`.
    pub fn is_due(&self, now: u64) -> bool {
        match self.due {
            Due::Never => false,
            Due::Now => true,
            Due::Regular(t) | Due::Retry(t) => now >= t,
        }
    }

    /// Seconds until the next check (None while TNC is off).
    pub fn wait_secs(&self, now: u64) -> Option<u64> {
        match self.due {
            Due::Never => None,
            Due::Now => Some(0),
            Due::Regular(t) | Due::Retry(t) => Some(t.saturating_sub(now)),
        }
    }

    /// A check reached a verdict: the next one follows after the interval.
    pub fn on_success(&mut self, now: u64) {
        self.backoff.reset();
        self.due = match self.interval_secs {
            Some(i) => Due::Regular(now.saturating_add(i)),
            None => Due::Never,
        };
    }

    /// A check failed. Transient: retry after the jittered backoff (never later
    /// than the regular interval). Permanent: wait for the regular interval.
    pub fn on_failure(&mut self, now: u64, class: ErrorClass, jitter: f64) {
        let Some(interval) = self.interval_secs else {
            self.due = Due::Never;
            return;
        };
        self.due = match class {
            ErrorClass::Transient => {
                let d = self.backoff.next_delay(jitter).min(interval);
                Due::Retry(now.saturating_add(d))
            }
            ErrorClass::Permanent => {
                self.backoff.reset();
                Due::Regular(now.saturating_add(interval))
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_bounds_and_caps() {
        let mut b = Backoff::new(2, 60);
        let mut lows = vec![];
        let mut highs = vec![];
        for _ in 0..8 {
            let mut lo = b.clone();
            let mut hi = b.clone();
            lows.push(lo.next_delay(0.0));
            highs.push(hi.next_delay(0.999_999));
            b.next_delay(0.5);
        }
        assert_eq!(lows, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(highs, [1, 3, 7, 15, 31, 59, 59, 59]);
        assert_eq!(b.attempts(), 8);
        b.reset();
        assert_eq!(b.nominal(), 2);
    }

    #[test]
    fn backoff_survives_huge_attempt_counts_and_bad_jitter() {
        let mut b = Backoff::new(u64::MAX / 2, u64::MAX);
        for _ in 0..100 {
            let d = b.next_delay(f64::NAN);
            assert!(d >= 1);
        }
        assert_eq!(b.nominal(), u64::MAX);
        assert_eq!(Backoff::new(0, 0).next_delay(2.0), 1);
    }

    #[test]
    fn off_means_never_due() {
        let mut s = Scheduler::new(Backoff::new(1, 10));
        assert_eq!(s.due(), Due::Never);
        assert!(!s.is_due(u64::MAX));
        s.wake();
        assert_eq!(s.due(), Due::Never);
        assert_eq!(s.wait_secs(0), None);
    }

    #[test]
    fn on_then_interval_then_wakeup() {
        let mut s = Scheduler::new(Backoff::new(1, 10));
        s.set_interval(Some(60));
        assert!(s.is_due(0));
        s.on_success(100);
        assert_eq!(s.due(), Due::Regular(160));
        assert!(!s.is_due(159));
        assert!(s.is_due(160));
        assert_eq!(s.wait_secs(130), Some(30));
        s.wake();
        assert!(s.is_due(101));
        // changing the interval while on keeps the pending due time
        s.on_success(200);
        s.set_interval(Some(30));
        assert_eq!(s.due(), Due::Regular(260));
        s.set_interval(None);
        assert_eq!(s.due(), Due::Never);
    }

    #[test]
    fn transient_backs_off_permanent_waits_interval() {
        let mut s = Scheduler::new(Backoff::new(2, 100));
        s.set_interval(Some(50));
        s.on_failure(0, ErrorClass::Transient, 0.0);
        assert_eq!(s.due(), Due::Retry(1));
        s.on_failure(1, ErrorClass::Transient, 0.0);
        assert_eq!(s.due(), Due::Retry(3));
        for _ in 0..10 {
            s.on_failure(10, ErrorClass::Transient, 0.999);
        }
        // never later than the regular interval
        assert_eq!(s.due(), Due::Retry(60));
        assert_eq!(s.backoff().attempts(), 12);
        s.on_failure(10, ErrorClass::Permanent, 0.0);
        assert_eq!(s.due(), Due::Regular(60));
        assert_eq!(s.backoff().attempts(), 0);
        s.on_failure(10, ErrorClass::Transient, 0.0);
        s.on_success(20);
        assert_eq!(s.backoff().attempts(), 0);
        assert_eq!(s.due(), Due::Regular(70));
    }
}
