//! Combining IMV recommendations (`pb-tnc.md` §8.1) and choosing reason strings by language.

use tnc_imc_api::ConnectionState;
use tnc_imv_api::{ActionRecommendation as A, EvaluationResult as E, ReasonString, Recommendation};

use crate::consts::AccessRecommendation;

/// How the TNCS folds the IMVs' recommendations into one (strongSwan's
/// `tnc-imv.recommendation_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RecommendationPolicy {
    /// Most restrictive wins (No Access > Isolate > Allow; Error > Major > Minor > Compliant);
    /// No Recommendation / Don't Know never override.
    #[default]
    Default,
    /// Most permissive wins (Allow > Isolate > No Access > No Recommendation; Compliant > Minor >
    /// Major > Error > Don't Know).
    Any,
    /// Unanimity: any disagreement gives No Recommendation / Don't Know.
    All,
}

fn restrictive_action(a: A) -> i32 {
    match a {
        A::ALLOW => 0,
        A::ISOLATE => 1,
        A::NO_ACCESS => 2,
        _ => -1,
    }
}

fn restrictive_eval(e: E) -> i32 {
    match e {
        E::COMPLIANT => 0,
        E::NONCOMPLIANT_MINOR => 1,
        E::NONCOMPLIANT_MAJOR => 2,
        E::ERROR => 3,
        _ => -1,
    }
}

fn permissive_action(a: A) -> i32 {
    match a {
        A::ALLOW => 3,
        A::ISOLATE => 2,
        A::NO_ACCESS => 1,
        _ => 0,
    }
}

fn permissive_eval(e: E) -> i32 {
    match e {
        E::COMPLIANT => 4,
        E::NONCOMPLIANT_MINOR => 3,
        E::NONCOMPLIANT_MAJOR => 2,
        E::ERROR => 1,
        _ => 0,
    }
}

impl RecommendationPolicy {
    /// The combined recommendation of all IMVs; with none, (No Recommendation, Don't Know).
    pub fn combine(self, recs: &[Recommendation]) -> Recommendation {
        let mut it = recs.iter().copied();
        let Some(mut acc) = it.next() else {
            return Recommendation {
                action: A::NO_RECOMMENDATION,
                evaluation: E::DONT_KNOW,
            };
        };
        for r in it {
            match self {
                RecommendationPolicy::Default => {
                    if restrictive_action(r.action) > restrictive_action(acc.action) {
                        acc.action = r.action;
                    }
                    if restrictive_eval(r.evaluation) > restrictive_eval(acc.evaluation) {
                        acc.evaluation = r.evaluation;
                    }
                }
                RecommendationPolicy::Any => {
                    if permissive_action(r.action) > permissive_action(acc.action) {
                        acc.action = r.action;
                    }
                    if permissive_eval(r.evaluation) > permissive_eval(acc.evaluation) {
                        acc.evaluation = r.evaluation;
                    }
                }
                RecommendationPolicy::All => {
                    if r.action != acc.action {
                        acc.action = A::NO_RECOMMENDATION;
                    }
                    if r.evaluation != acc.evaluation {
                        acc.evaluation = E::DONT_KNOW;
                    }
                }
            }
        }
        acc
    }
}

/// PB-Access-Recommendation for a final action recommendation: Allow → Access Allowed,
/// Isolate → Quarantined, everything else → Access Denied.
pub fn access_recommendation_for(a: A) -> AccessRecommendation {
    match a {
        A::ALLOW => AccessRecommendation::ALLOWED,
        A::ISOLATE => AccessRecommendation::QUARANTINED,
        _ => AccessRecommendation::DENIED,
    }
}

/// The connection state IMCs/IMVs are told for a PB-Access-Recommendation.
pub fn connection_state_for(a: AccessRecommendation) -> ConnectionState {
    match a {
        AccessRecommendation::ALLOWED => ConnectionState::ACCESS_ALLOWED,
        AccessRecommendation::QUARANTINED => ConnectionState::ACCESS_ISOLATED,
        _ => ConnectionState::ACCESS_NONE,
    }
}

fn lang_matches(range: &str, tag: &str) -> bool {
    if range == "*" {
        return true;
    }
    let (r, t) = (range.to_ascii_lowercase(), tag.to_ascii_lowercase());
    t == r || t.starts_with(&format!("{r}-")) || r.starts_with(&format!("{t}-"))
}

/// The reason in the most preferred language (`ranges` in preference order, e.g. from
/// [`LanguagePreference::ranges`](crate::message::LanguagePreference::ranges)); a range
/// matches its own tag, its sub-tags (`en` ↔ `en-GB`) and `*` matches everything. Without a
/// match the first reason is chosen.
pub fn select_reason<'r>(reasons: &'r [ReasonString], ranges: &[&str]) -> Option<&'r ReasonString> {
    ranges
        .iter()
        .find_map(|range| reasons.iter().find(|r| lang_matches(range, &r.language)))
        .or_else(|| reasons.first())
}
