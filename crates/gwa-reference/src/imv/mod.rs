//! The GWA's verifiers on the `tnc-imv-api` trait:
//!
//! * [`OsImv`]: operating system / product policy on the IETF standard attributes (RFC 5792:
//!   Product Information, String Version, Operational Status, Forwarding Enabled, Factory
//!   Default Password Enabled), so that any standard collector can be assessed;
//! * [`FirmwareImv`]: requests TCG PTS file measurements of every file the manufacturer's
//!   reference values list for the reported vendor, product and firmware version, compares the
//!   digests, and checks the gateway's channel-binding report against the connection's own
//!   (relay detection). An unknown firmware version is *not trusted*, with a reason.
//!
//! Both record what they decide in a shared [`Journal`], keyed by connection, which the server
//! reads to store per-verifier verdicts, the measurement summary and the logbook.

mod firmware;
mod os;

pub use firmware::FirmwareImv;
pub use os::OsImv;

use std::collections::HashMap;
use std::sync::Mutex;

use tnc_imv_api::{
    ActionRecommendation, ConnectionId, ConnectionState, EvaluationResult, ImvContext, MessageType,
    Pen,
};

use crate::storage::{ImvVerdict, LogEntry, LogLevel, MeasurementSummary};

/// A verifier's state per connection: fresh at each (re)started handshake, dropped when the
/// connection is deleted.
#[derive(Debug)]
struct PerConnection<S>(Mutex<HashMap<ConnectionId, S>>);

impl<S: Default> PerConnection<S> {
    fn new() -> Self {
        Self(Mutex::new(HashMap::new()))
    }

    /// Runs `f` on the state of connection `c` (created on first use).
    fn with<R>(&self, c: ConnectionId, f: impl FnOnce(&mut S) -> R) -> R {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(m.entry(c).or_default())
    }

    /// Follows a connection-state change: a new handshake collects afresh, DELETE forgets.
    fn on_connection_change(&self, c: ConnectionId, state: ConnectionState) {
        if state == ConnectionState::DELETE {
            self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&c);
        } else if state == ConnectionState::HANDSHAKE {
            self.with(c, |s| *s = S::default());
        }
    }
}

/// IETF PA subtype "Operating System".
pub const IETF_OS: MessageType = MessageType::new(Pen::IETF, 1);
/// TCG PA subtype "PTS".
pub const TCG_PTS: MessageType = MessageType::new(Pen::TCG, 1);

/// What the gateway said about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductReport {
    /// Product vendor PEN (IETF Product Information).
    pub vendor_pen: Option<u32>,
    /// Product name.
    pub product: Option<String>,
    /// Firmware version (IETF String Version, product version number).
    pub version: Option<String>,
}

/// Everything the verifiers found on one connection.
#[derive(Debug, Clone, Default)]
pub struct ConnectionRecord {
    /// Per-verifier verdicts (last one per verifier).
    pub verdicts: Vec<ImvVerdict>,
    /// The product report.
    pub product: ProductReport,
    /// Manufacturer name of the matched reference values.
    pub vendor: Option<String>,
    /// Firmware measurement summary.
    pub measurement: MeasurementSummary,
    /// The verifiers' logbook entries.
    pub log: Vec<LogEntry>,
}

/// Per-connection records shared by the verifiers and the server.
#[derive(Debug, Default)]
pub struct Journal {
    inner: Mutex<HashMap<ConnectionId, ConnectionRecord>>,
}

impl Journal {
    /// An empty journal.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `f` on the record of `conn` (created on first use).
    pub fn with<R>(&self, conn: ConnectionId, f: impl FnOnce(&mut ConnectionRecord) -> R) -> R {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(map.entry(conn).or_default())
    }

    /// Removes and returns the record of `conn`.
    pub fn take(&self, conn: ConnectionId) -> ConnectionRecord {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&conn).unwrap_or_default()
    }

    /// Connections with a record (open assessments).
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |m| m.len())
    }

    /// True when no connection has a record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a logbook entry for `conn`.
    pub fn log(&self, conn: ConnectionId, level: LogLevel, event: &str, detail: impl Into<String>) {
        let e = LogEntry::now(level, event, detail);
        self.with(conn, |r| r.log.push(e));
    }
}

/// Stable lower-case names for stored recommendations.
pub fn action_name(a: ActionRecommendation) -> &'static str {
    match a {
        ActionRecommendation::ALLOW => "allow",
        ActionRecommendation::NO_ACCESS => "no_access",
        ActionRecommendation::ISOLATE => "isolate",
        _ => "no_recommendation",
    }
}

/// Stable lower-case names for stored evaluations.
pub fn evaluation_name(e: EvaluationResult) -> &'static str {
    match e {
        EvaluationResult::COMPLIANT => "compliant",
        EvaluationResult::NONCOMPLIANT_MINOR => "noncompliant_minor",
        EvaluationResult::NONCOMPLIANT_MAJOR => "noncompliant_major",
        EvaluationResult::ERROR => "error",
        _ => "dont_know",
    }
}

/// Provides a recommendation with English reasons and records it in the journal.
pub(crate) fn decide(
    journal: &Journal,
    imv: &str,
    ctx: &mut ImvContext,
    action: ActionRecommendation,
    evaluation: EvaluationResult,
    reasons: Vec<String>,
) {
    ctx.provide_recommendation(action, evaluation);
    for r in &reasons {
        ctx.add_reason(r, "en");
    }
    let level = if action == ActionRecommendation::ALLOW {
        LogLevel::Info
    } else {
        LogLevel::Warning
    };
    let detail = format!(
        "{imv}: {} / {}{}{}",
        action_name(action),
        evaluation_name(evaluation),
        if reasons.is_empty() { "" } else { ": " },
        reasons.join("; ")
    );
    let verdict = ImvVerdict {
        imv: imv.to_owned(),
        recommendation: action_name(action).to_owned(),
        evaluation: evaluation_name(evaluation).to_owned(),
        reasons,
    };
    journal.with(ctx.connection(), |r| {
        r.verdicts.retain(|v| v.imv != imv);
        r.verdicts.push(verdict);
        r.log.push(LogEntry::now(level, "imv_verdict", detail));
    });
}
