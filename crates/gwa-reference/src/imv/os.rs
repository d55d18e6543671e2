//! The operating-system / product IMV.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tnc_ifm::consts::{
    ForwardingStatus, IetfAttributeType, OperationalResult, OperationalStatusCode,
};
use tnc_ifm::ietf::{AttributeId, AttributeRequest};
use tnc_ifm::seq::Seq;
use tnc_ifm::{AttrValue, Attribute, Received, encode_message, receive};
use tnc_imv_api::{
    ActionRecommendation, ApiError, ConnectionId, ConnectionState, EvaluationResult, Imv,
    ImvContext, MessageTypeFilter, Pen, ReceivedMessage, async_trait,
};

use super::{IETF_OS, Journal, PerConnection, decide};
use crate::config::Policy;
use crate::storage::LogLevel;

const NAME: &str = "os-product";

/// What the OS IMV collected on one connection.
#[derive(Debug, Clone, Default)]
struct OsState {
    vendor_pen: Option<u32>,
    product: Option<String>,
    version: Option<String>,
    operational: Option<(OperationalStatusCode, OperationalResult)>,
    forwarding: Option<ForwardingStatus>,
    default_password: Option<bool>,
    malformed: Option<String>,
    requested: bool,
    decided: bool,
}

/// The operating-system / product verifier (IETF PA subtype Operating System).
#[derive(Debug)]
pub struct OsImv {
    policy: Policy,
    journal: Arc<Journal>,
    state: PerConnection<OsState>,
    message_id: AtomicU32,
}

impl OsImv {
    /// A verifier with `policy`, recording into `journal`.
    pub fn new(policy: Policy, journal: Arc<Journal>) -> Self {
        Self {
            policy,
            journal,
            state: PerConnection::new(),
            message_id: AtomicU32::new(1),
        }
    }

    fn with<R>(&self, c: ConnectionId, f: impl FnOnce(&mut OsState) -> R) -> R {
        self.state.with(c, f)
    }

    fn missing(s: &OsState) -> Vec<u32> {
        let mut v = Vec::new();
        if s.product.is_none() {
            v.push(IetfAttributeType::PRODUCT_INFORMATION.0);
        }
        if s.version.is_none() {
            v.push(IetfAttributeType::STRING_VERSION.0);
        }
        if s.operational.is_none() {
            v.push(IetfAttributeType::OPERATIONAL_STATUS.0);
        }
        if s.forwarding.is_none() {
            v.push(IetfAttributeType::FORWARDING_ENABLED.0);
        }
        if s.default_password.is_none() {
            v.push(IetfAttributeType::FACTORY_DEFAULT_PASSWORD_ENABLED.0);
        }
        v
    }

    /// The policy decision on what was collected.
    fn evaluate(&self, s: &OsState) -> (ActionRecommendation, EvaluationResult, Vec<String>) {
        let p = &self.policy;
        if let Some(m) = &s.malformed {
            return (
                ActionRecommendation::NO_ACCESS,
                EvaluationResult::ERROR,
                vec![format!("malformed operating-system message: {m}")],
            );
        }
        let (Some(pen), Some(product)) = (s.vendor_pen, s.product.as_deref()) else {
            return (
                ActionRecommendation::NO_ACCESS,
                EvaluationResult::DONT_KNOW,
                vec!["the gateway did not report its product information".into()],
            );
        };
        let mut major = Vec::new();
        let mut minor = Vec::new();
        let version = s.version.as_deref().unwrap_or("");
        if !p.allowed_products.is_empty() {
            let ok = p.allowed_products.iter().any(|a| {
                a.vendor_pen == pen
                    && a.product == product
                    && (a.versions.is_empty() || a.versions.iter().any(|v| v == version))
            });
            if !ok {
                major.push(format!(
                    "product {product:?} version {version:?} of vendor PEN {pen} is not allowed by policy"
                ));
            }
        }
        if p.forbid_factory_default_password {
            match s.default_password {
                Some(true) => major.push("a factory default password is enabled".into()),
                Some(false) => {}
                None => major.push(
                    "the gateway did not report whether a factory default password is enabled"
                        .into(),
                ),
            }
        }
        if p.forbid_forwarding {
            match s.forwarding {
                Some(ForwardingStatus::ENABLED) => major.push("IP forwarding is enabled".into()),
                Some(ForwardingStatus::DISABLED) => {}
                _ => minor.push("the gateway did not report its forwarding state".into()),
            }
        }
        if p.require_operational {
            match s.operational {
                Some((OperationalStatusCode::OPERATIONAL, r))
                    if r != OperationalResult::UNSUCCESSFUL => {}
                Some((st, r)) => minor.push(format!(
                    "operational status {:?} / last use {:?}",
                    st.name().unwrap_or("unknown"),
                    r.name().unwrap_or("unknown")
                )),
                None => minor.push("the gateway did not report its operational status".into()),
            }
        }
        if !major.is_empty() {
            major.extend(minor);
            (
                ActionRecommendation::NO_ACCESS,
                EvaluationResult::NONCOMPLIANT_MAJOR,
                major,
            )
        } else if !minor.is_empty() {
            (
                ActionRecommendation::ISOLATE,
                EvaluationResult::NONCOMPLIANT_MINOR,
                minor,
            )
        } else {
            (
                ActionRecommendation::ALLOW,
                EvaluationResult::COMPLIANT,
                Vec::new(),
            )
        }
    }

    fn finish(&self, ctx: &mut ImvContext) {
        let c = ctx.connection();
        let Some(s) = self.with(c, |s| {
            if s.decided {
                None
            } else {
                s.decided = true;
                Some(s.clone())
            }
        }) else {
            return;
        };
        let (a, e, reasons) = self.evaluate(&s);
        decide(&self.journal, NAME, ctx, a, e, reasons);
    }
}

#[async_trait]
impl Imv for OsImv {
    fn name(&self) -> &str {
        NAME
    }

    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(IETF_OS)]
    }

    async fn notify_connection_change(
        &self,
        ctx: &mut ImvContext,
        state: ConnectionState,
    ) -> Result<(), ApiError> {
        // a (re)started handshake collects afresh; DELETE forgets the connection
        self.state.on_connection_change(ctx.connection(), state);
        Ok(())
    }

    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        msg: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        let c = ctx.connection();
        match receive(msg.body, &[]) {
            Received::Accept(acc) => {
                let mut seen = Vec::new();
                self.with(c, |s| {
                    for a in acc.iter() {
                        match a.value {
                            AttrValue::ProductInformation(p) => {
                                s.vendor_pen = Some(p.vendor.get());
                                s.product = Some(p.name.to_owned());
                                seen.push(format!(
                                    "product {:?} (vendor PEN {})",
                                    p.name,
                                    p.vendor.get()
                                ));
                            }
                            AttrValue::StringVersion(v) => {
                                s.version = Some(v.version.to_owned());
                                seen.push(format!("version {:?}", v.version));
                            }
                            AttrValue::OperationalStatus(o) => {
                                s.operational = Some((o.status, o.result));
                            }
                            AttrValue::ForwardingEnabled(f) => s.forwarding = Some(f.status),
                            AttrValue::FactoryDefaultPasswordEnabled(f) => {
                                s.default_password = Some(f.enabled);
                            }
                            _ => {}
                        }
                    }
                });
                if !seen.is_empty() {
                    self.journal
                        .log(c, LogLevel::Info, "product_reported", seen.join(", "));
                }
            }
            Received::Reject(rej) => {
                let detail = format!("{:?} ({:?})", rej.rule, rej.cause);
                self.journal
                    .log(c, LogLevel::Error, "pa_tnc_rejected", detail.clone());
                self.with(c, |s| s.malformed = Some(detail));
                let id = self.message_id.fetch_add(1, Ordering::Relaxed);
                if let Ok(reply) = rej.to_message(id) {
                    ctx.send(IETF_OS, reply)?;
                }
            }
            Received::NotPaTnc(e) => {
                self.journal
                    .log(c, LogLevel::Error, "pa_tnc_rejected", e.to_string());
                self.with(c, |s| s.malformed = Some(e.to_string()));
            }
        }
        Ok(())
    }

    async fn batch_ending(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        let c = ctx.connection();
        let (missing, requested, decided) =
            self.with(c, |s| (Self::missing(s), s.requested, s.decided));
        if decided {
            return Ok(());
        }
        if !missing.is_empty() && !requested {
            self.with(c, |s| s.requested = true);
            let ids: Vec<AttributeId> = missing
                .iter()
                .map(|t| AttributeId {
                    vendor: Pen::IETF,
                    attr_type: *t,
                })
                .collect();
            let req = Attribute::new(AttributeRequest {
                attributes: Seq::Items(&ids),
            });
            let id = self.message_id.fetch_add(1, Ordering::Relaxed);
            let body = encode_message(id, &[req])
                .map_err(|e| ApiError::Other(format!("cannot encode attribute request: {e}")))?;
            self.journal.log(
                c,
                LogLevel::Info,
                "attributes_requested",
                format!("{NAME}: requested {} IETF attribute(s)", ids.len()),
            );
            return ctx.send(IETF_OS, body);
        }
        self.finish(ctx);
        Ok(())
    }

    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        self.finish(ctx);
        Ok(())
    }
}
