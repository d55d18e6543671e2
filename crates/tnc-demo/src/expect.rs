//! The verdicts the demo must see, and what is missing when it did not.

use gwa_reference::storage::Verdict;
use smgw_reference::state::IntegrityState;

/// What the demo observed of one gateway, on both sides (gateway and GWA).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    /// Gateway id (certificate commonName).
    pub id: String,
    /// Vendor name.
    pub vendor: String,
    /// Firmware version the gateway reports.
    pub firmware: String,
    /// This is the gateway whose measured file the demo tampers with.
    pub tampered: bool,
    /// Integrity state and TNC switch before the GWA switched TNC on.
    pub factory: Option<(IntegrityState, bool)>,
    /// The gateway's system log records TNC switched on by a profile (`tnc.on`).
    pub switched_on: bool,
    /// The gateway's integrity state after its first check.
    pub first_check: Option<IntegrityState>,
    /// The GWA's verdict of that check.
    pub first_gwa: Option<Verdict>,
    /// Tampered gateway: the state after the check the wake-up started.
    pub after_wakeup: Option<IntegrityState>,
    /// Tampered gateway: that check was started by the wake-up.
    pub woken: bool,
    /// Tampered gateway: the GWA's verdict of that check.
    pub after_wakeup_gwa: Option<Verdict>,
    /// Tampered gateway: a reason (gateway side) names the tampered file.
    pub reason_names_file: bool,
    /// Tampered gateway: the check left a `check.failed` entry in the calibration log,
    /// and the log's hash chain verifies.
    pub calibration_entry: bool,
    /// Checks the gateway ran.
    pub checks: u64,
}

impl Observed {
    /// The final integrity state the gateway holds.
    pub fn final_state(&self) -> Option<IntegrityState> {
        if self.tampered {
            self.after_wakeup
        } else {
            self.first_check
        }
    }
}

/// Every expected verdict that did not occur, as readable lines (empty: all occurred).
///
/// Expected: each gateway `unknown` with TNC off before a profile switched TNC on (recorded in
/// its system log); then
/// `trusted` on both sides; the tampered gateway, after the wake-up, `not trusted` on both
/// sides with a reason naming the file and a calibration-log entry; and the GWA's metrics
/// counting one `trusted` assessment per gateway and exactly one `not_trusted`.
pub fn missing(fleet: &[Observed], metrics_trusted: u64, metrics_not_trusted: u64) -> Vec<String> {
    let mut out = Vec::new();
    if fleet.is_empty() {
        out.push("no gateway was started".into());
    }
    if fleet.iter().filter(|g| g.tampered).count() != 1 {
        out.push("exactly one gateway must be the tampered one".into());
    }
    for g in fleet {
        let id = &g.id;
        match g.factory {
            Some((IntegrityState::Unknown, false)) => {}
            Some((s, on)) => out.push(format!(
                "{id}: before TNC was switched on: state {s}, TNC {} (expected unknown, off)",
                if on { "on" } else { "off" }
            )),
            None => out.push(format!("{id}: factory state not observed")),
        }
        if !g.switched_on {
            out.push(format!("{id}: no profile switched TNC on"));
        }
        if g.first_check != Some(IntegrityState::Trusted) {
            out.push(format!(
                "{id}: first check: gateway state {} (expected trusted)",
                show(g.first_check.map(|s| s.as_str()))
            ));
        }
        if g.first_gwa != Some(Verdict::Trusted) {
            out.push(format!(
                "{id}: first check: GWA verdict {} (expected trusted)",
                show(g.first_gwa.map(|v| v.as_str()))
            ));
        }
        if g.tampered {
            if g.after_wakeup != Some(IntegrityState::NotTrusted) {
                out.push(format!(
                    "{id}: after tampering and wake-up: gateway state {} (expected not trusted)",
                    show(g.after_wakeup.map(|s| s.as_str()))
                ));
            }
            if !g.woken {
                out.push(format!(
                    "{id}: the check after tampering was not started by the wake-up"
                ));
            }
            if g.after_wakeup_gwa != Some(Verdict::NotTrusted) {
                out.push(format!(
                    "{id}: after tampering and wake-up: GWA verdict {} (expected not_trusted)",
                    show(g.after_wakeup_gwa.map(|v| v.as_str()))
                ));
            }
            if !g.reason_names_file {
                out.push(format!("{id}: no reason names the tampered file"));
            }
            if !g.calibration_entry {
                out.push(format!(
                    "{id}: no verified check.failed entry in the calibration log"
                ));
            }
        }
    }
    let n = fleet.len() as u64;
    if metrics_trusted != n {
        out.push(format!(
            "GWA metrics: {metrics_trusted} trusted assessments (expected {n})"
        ));
    }
    if metrics_not_trusted != 1 {
        out.push(format!(
            "GWA metrics: {metrics_not_trusted} not_trusted assessments (expected 1)"
        ));
    }
    out
}

fn show(v: Option<&str>) -> &str {
    v.unwrap_or("none")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good(id: &str, tampered: bool) -> Observed {
        Observed {
            id: id.into(),
            tampered,
            factory: Some((IntegrityState::Unknown, false)),
            switched_on: true,
            first_check: Some(IntegrityState::Trusted),
            first_gwa: Some(Verdict::Trusted),
            after_wakeup: tampered.then_some(IntegrityState::NotTrusted),
            woken: tampered,
            after_wakeup_gwa: tampered.then_some(Verdict::NotTrusted),
            reason_names_file: tampered,
            calibration_entry: tampered,
            checks: if tampered { 2 } else { 1 },
            ..Observed::default()
        }
    }

    #[test]
    fn complete_fleet_misses_nothing() {
        let fleet = [good("A", false), good("B", true), good("C", false)];
        assert_eq!(missing(&fleet, 3, 1), Vec::<String>::new());
    }

    #[test]
    fn each_gap_is_named() {
        let mut fleet = vec![good("A", false), good("B", true)];
        fleet[0].factory = Some((IntegrityState::Trusted, true));
        fleet[1].after_wakeup_gwa = Some(Verdict::Trusted);
        fleet[1].calibration_entry = false;
        let m = missing(&fleet, 1, 0);
        assert_eq!(m.len(), 5, "{m:#?}");
        assert!(m[0].starts_with("A: before TNC"));
        assert!(m[1].contains("GWA verdict trusted (expected not_trusted)"));
        assert!(m[2].contains("calibration log"));
        assert!(m[3].contains("1 trusted"));
        assert!(m[4].contains("0 not_trusted"));
    }

    #[test]
    fn a_fleet_without_a_tampered_gateway_fails() {
        let fleet = [good("A", false)];
        let m = missing(&fleet, 1, 1);
        assert_eq!(m, vec!["exactly one gateway must be the tampered one"]);
        assert!(!missing(&[], 0, 0).is_empty());
    }

    #[test]
    fn a_timed_out_gateway_is_reported() {
        let mut g = good("A", false);
        g.switched_on = false;
        g.first_check = None;
        g.first_gwa = None;
        let m = missing(&[g, good("B", true)], 1, 1);
        assert!(
            m.iter()
                .any(|l| l == "A: first check: gateway state none (expected trusted)")
        );
        assert!(
            m.iter()
                .any(|l| l.contains("A: first check: GWA verdict none"))
        );
    }
}
