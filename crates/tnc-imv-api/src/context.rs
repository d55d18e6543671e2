//! The verifier's context: the shared [`Context`] plus recommendation, reasons and remediation.

use core::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::{ActionRecommendation, EvaluationResult};
use tnc_imc_api::{ConnectionAttributes, ConnectionId, Context, PostureId};

/// An IMV's verdict (`TNC_TNCS_ProvideRecommendation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recommendation {
    /// What access the IMV recommends.
    pub action: ActionRecommendation,
    /// How the endpoint was evaluated.
    pub evaluation: EvaluationResult,
}

/// A human-readable reason in one language (becomes a PB-Reason-String).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReasonString {
    /// UTF-8 text (no NUL).
    pub text: String,
    /// Language tag (RFC 5646, e.g. `de`, `en-GB`), may be empty.
    pub language: String,
}

/// Remediation instructions (become PB-Remediation-Parameters in the RESULT batch).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remediation {
    /// IETF Remediation-URI.
    Uri(String),
    /// IETF Remediation-String with its language tag.
    Text {
        /// UTF-8 instructions.
        text: String,
        /// Language tag.
        language: String,
    },
}

/// The context handed to an IMV: everything of [`Context`] (via `Deref`) plus the IMV's
/// recommendation, reason strings and remediation instructions, which the TNC server drains
/// after each callback.
#[derive(Debug, Clone)]
pub struct ImvContext {
    base: Context,
    recommendation: Option<Recommendation>,
    reasons: Vec<ReasonString>,
    remediation: Vec<Remediation>,
}

impl ImvContext {
    /// A context for IMV `id` on `connection` (called by the TNC server).
    pub fn new(
        id: PostureId,
        connection: ConnectionId,
        attributes: Arc<ConnectionAttributes>,
    ) -> Self {
        Self {
            base: Context::new(id, connection, attributes),
            recommendation: None,
            reasons: Vec::new(),
            remediation: Vec::new(),
        }
    }

    /// Provides (or replaces) the IMV's recommendation for this connection.
    pub fn provide_recommendation(
        &mut self,
        action: ActionRecommendation,
        evaluation: EvaluationResult,
    ) {
        self.recommendation = Some(Recommendation { action, evaluation });
    }

    /// Adds a reason string in `language` (call once per language; NUL characters are removed,
    /// PB-Reason-String forbids them).
    pub fn add_reason(&mut self, text: &str, language: &str) {
        self.reasons.push(ReasonString {
            text: text.replace('\0', ""),
            language: language.replace('\0', ""),
        });
    }

    /// Adds remediation instructions.
    pub fn add_remediation(&mut self, remediation: Remediation) {
        self.remediation.push(remediation);
    }

    /// The recommendation provided during the callback (drained; for the TNC server).
    pub fn take_recommendation(&mut self) -> Option<Recommendation> {
        self.recommendation.take()
    }

    /// The reasons added during the callback (drained; for the TNC server).
    pub fn take_reasons(&mut self) -> Vec<ReasonString> {
        core::mem::take(&mut self.reasons)
    }

    /// The remediation added during the callback (drained; for the TNC server).
    pub fn take_remediation(&mut self) -> Vec<Remediation> {
        core::mem::take(&mut self.remediation)
    }
}

impl Deref for ImvContext {
    type Target = Context;
    fn deref(&self) -> &Context {
        &self.base
    }
}

impl DerefMut for ImvContext {
    fn deref_mut(&mut self) -> &mut Context {
        &mut self.base
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tnc_imc_api::RetryReason;

    #[test]
    fn drains_everything_once() {
        let mut c = ImvContext::new(PostureId(2), ConnectionId(5), Arc::default());
        c.provide_recommendation(
            ActionRecommendation::ISOLATE,
            EvaluationResult::NONCOMPLIANT_MINOR,
        );
        c.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
        c.add_reason("a\0b", "en");
        c.add_remediation(Remediation::Uri("https://example.invalid/fix".into()));
        c.request_handshake_retry(RetryReason::IMV_PERIODIC);
        assert_eq!(c.id(), PostureId(2));
        assert_eq!(
            c.take_recommendation(),
            Some(Recommendation {
                action: ActionRecommendation::ALLOW,
                evaluation: EvaluationResult::COMPLIANT
            })
        );
        assert_eq!(c.take_recommendation(), None);
        assert_eq!(c.take_reasons()[0].text, "ab");
        assert_eq!(c.take_remediation().len(), 1);
        assert_eq!(c.take_retry_request(), Some(RetryReason::IMV_PERIODIC));
    }
}
