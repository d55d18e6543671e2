//! Prometheus metrics (text exposition format 0.0.4), kept in atomics.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use crate::storage::{FleetCounts, Verdict};

/// Upper bounds (seconds) of the assessment duration histogram.
pub const DURATION_BUCKETS: [f64; 10] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// The GWA's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    verdicts: [AtomicU64; 4],
    buckets: [AtomicU64; DURATION_BUCKETS.len()],
    duration_count: AtomicU64,
    duration_sum_us: AtomicU64,
    open_connections: AtomicI64,
    tls_failures: AtomicU64,
    profiles_served: AtomicU64,
    wakeups_sent: AtomicU64,
}

fn idx(v: Verdict) -> usize {
    match v {
        Verdict::Trusted => 0,
        Verdict::NotTrusted => 1,
        Verdict::Unknown => 2,
        Verdict::Error => 3,
    }
}

impl Metrics {
    /// Fresh counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts a stored assessment and its duration.
    pub fn assessment(&self, verdict: Verdict, duration: std::time::Duration) {
        self.verdicts[idx(verdict)].fetch_add(1, Ordering::Relaxed);
        let s = duration.as_secs_f64();
        for (i, b) in DURATION_BUCKETS.iter().enumerate() {
            if s <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.duration_count.fetch_add(1, Ordering::Relaxed);
        self.duration_sum_us.fetch_add(
            u64::try_from(duration.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// Assessments with `verdict` so far.
    pub fn verdict_count(&self, verdict: Verdict) -> u64 {
        self.verdicts[idx(verdict)].load(Ordering::Relaxed)
    }

    /// A PT-TLS connection opened (+1) or closed (−1).
    pub fn connection(&self, delta: i64) {
        self.open_connections.fetch_add(delta, Ordering::Relaxed);
    }

    /// Currently open PT-TLS connections.
    pub fn open_connections(&self) -> i64 {
        self.open_connections.load(Ordering::Relaxed)
    }

    /// A TLS handshake or PT-TLS connection failed before an assessment began.
    pub fn tls_failure(&self) {
        self.tls_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// A profile was served.
    pub fn profile_served(&self) {
        self.profiles_served.fetch_add(1, Ordering::Relaxed);
    }

    /// A wake-up was sent.
    pub fn wakeup_sent(&self) {
        self.wakeups_sent.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text. The counters are this process's (in a fleet, sum them over the
    /// instances); `fleet` are the shared database's numbers, the same on every instance.
    pub fn render(&self, fleet: &FleetCounts) -> String {
        let mut o = String::with_capacity(2048);
        let _ = writeln!(
            o,
            "# HELP gwa_assessments_total Assessments stored by this instance, by verdict."
        );
        let _ = writeln!(o, "# TYPE gwa_assessments_total counter");
        for v in Verdict::ALL {
            let _ = writeln!(
                o,
                "gwa_assessments_total{{verdict=\"{v}\"}} {}",
                self.verdict_count(v)
            );
        }
        let _ = writeln!(
            o,
            "# HELP gwa_assessment_duration_seconds Duration from TLS established to stored result."
        );
        let _ = writeln!(o, "# TYPE gwa_assessment_duration_seconds histogram");
        for (i, b) in DURATION_BUCKETS.iter().enumerate() {
            let _ = writeln!(
                o,
                "gwa_assessment_duration_seconds_bucket{{le=\"{b}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.duration_count.load(Ordering::Relaxed);
        let _ = writeln!(
            o,
            "gwa_assessment_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            o,
            "gwa_assessment_duration_seconds_sum {}",
            self.duration_sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(o, "gwa_assessment_duration_seconds_count {count}");
        for (name, help, kind, value) in [
            (
                "gwa_open_connections",
                "Open PT-TLS connections.",
                "gauge",
                self.open_connections().to_string(),
            ),
            (
                "gwa_stale_gateways",
                "Gateways not assessed within the stale period (database).",
                "gauge",
                fleet.stale.to_string(),
            ),
            (
                "gwa_gateways",
                "Gateways known to the database.",
                "gauge",
                fleet.gateways.to_string(),
            ),
            (
                "gwa_database_wakeups",
                "Wake-ups logged in the database by any instance or the CLI.",
                "gauge",
                fleet.wakeups.to_string(),
            ),
            (
                "gwa_tls_failures_total",
                "Connections that failed before an assessment began.",
                "counter",
                self.tls_failures.load(Ordering::Relaxed).to_string(),
            ),
            (
                "gwa_profiles_served_total",
                "TNC profiles served.",
                "counter",
                self.profiles_served.load(Ordering::Relaxed).to_string(),
            ),
            (
                "gwa_wakeups_sent_total",
                "Wake-up datagrams sent by this instance.",
                "counter",
                self.wakeups_sent.load(Ordering::Relaxed).to_string(),
            ),
        ] {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} {kind}");
            let _ = writeln!(o, "{name} {value}");
        }
        let _ = writeln!(
            o,
            "# HELP gwa_gateways_by_last_verdict Gateways by the verdict of their last assessment (database)."
        );
        let _ = writeln!(o, "# TYPE gwa_gateways_by_last_verdict gauge");
        for v in Verdict::ALL {
            let n = fleet
                .by_last_verdict
                .iter()
                .find(|(x, _)| *x == v)
                .map_or(0, |(_, n)| *n);
            let _ = writeln!(o, "gwa_gateways_by_last_verdict{{verdict=\"{v}\"}} {n}");
        }
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let m = Metrics::new();
        m.assessment(Verdict::Trusted, std::time::Duration::from_millis(3));
        m.assessment(Verdict::NotTrusted, std::time::Duration::from_millis(30));
        let t = m.render(&FleetCounts {
            gateways: 5,
            stale: 2,
            by_last_verdict: vec![(Verdict::Trusted, 3)],
            wakeups: 7,
        });
        assert!(t.contains("gwa_assessments_total{verdict=\"trusted\"} 1"));
        assert!(t.contains("gwa_assessments_total{verdict=\"not_trusted\"} 1"));
        assert!(t.contains("gwa_assessment_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(t.contains("gwa_assessment_duration_seconds_bucket{le=\"0.05\"} 2"));
        assert!(t.contains("gwa_assessment_duration_seconds_count 2"));
        assert!(t.contains("gwa_stale_gateways 2"));
        assert!(t.contains("gwa_gateways 5"));
        assert!(t.contains("gwa_database_wakeups 7"));
        assert!(t.contains("gwa_gateways_by_last_verdict{verdict=\"trusted\"} 3"));
        assert!(t.contains("gwa_gateways_by_last_verdict{verdict=\"error\"} 0"));
    }
}
