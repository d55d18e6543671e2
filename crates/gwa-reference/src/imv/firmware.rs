//! The firmware-measurement IMV: TCG PTS file measurements against manufacturer reference
//! values, plus relay detection through the channel binding.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use smgw_gwa_admin::binding::{BINDING_ATTR_TYPE, BINDING_PEN, BindingKind, BindingReport};
use tnc_ifm::consts::PtsErrorCode;
use tnc_ifm::ietf::{AttributeId, AttributeRequest};
use tnc_ifm::pa_tnc_error::ErrorInformation;
use tnc_ifm::pts::{
    DELIMITER_SLASH, HashAlgorithms, MeasurementAlgorithmRequest, RequestFileMeasurement,
};
use tnc_ifm::seq::Seq;
use tnc_ifm::{AttrValue, Attribute, Received, encode_message, receive};
use tnc_imv_api::{
    ActionRecommendation, ApiError, ChannelBindingKind, ConnectionId, ConnectionState,
    EvaluationResult, Imv, ImvContext, MessageTypeFilter, Pen, ReceivedMessage, async_trait,
};

use super::{IETF_OS, Journal, PerConnection, TCG_PTS, decide};
use crate::config::Policy;
use crate::storage::{DigestAlgorithm, LogLevel, MeasurementSummary, ReferenceSet, Storage};

const NAME: &str = "firmware-measurement";
/// File requests per PA message (keeps messages well below the size limit).
const FILES_PER_MESSAGE: usize = 256;

#[derive(Debug, Clone, Default)]
struct FwState {
    vendor_pen: Option<u32>,
    product: Option<String>,
    version: Option<String>,
    asked_product: bool,
    reference: Option<ReferenceSet>,
    /// request id → path
    requests: HashMap<u16, String>,
    /// path → measured digest
    measured: BTreeMap<String, Vec<u8>>,
    /// paths the collector reported as not found / not measurable
    failed: BTreeMap<String, String>,
    algorithm_selected: Option<HashAlgorithms>,
    binding: Option<(BindingKind, Vec<u8>)>,
    malformed: Option<String>,
    answered: bool,
    decided: bool,
}

/// The firmware-measurement verifier (IETF Operating System for the product report, TCG PTS
/// for measurements).
pub struct FirmwareImv {
    storage: Arc<dyn Storage>,
    /// Reference sets already read: a firmware version is immutable once imported, so a
    /// found set never changes (unknown versions are not cached: they may be imported later).
    cache: Mutex<HashMap<(u32, String, String), ReferenceSet>>,
    policy: Policy,
    journal: Arc<Journal>,
    state: PerConnection<FwState>,
    message_id: AtomicU32,
}

impl core::fmt::Debug for FirmwareImv {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FirmwareImv").finish_non_exhaustive()
    }
}

fn hash_mask(a: DigestAlgorithm) -> HashAlgorithms {
    match a {
        DigestAlgorithm::Sha256 => HashAlgorithms::SHA256,
        DigestAlgorithm::Sha384 => HashAlgorithms::SHA384,
    }
}

fn binding_kind(k: ChannelBindingKind) -> Option<BindingKind> {
    match k {
        ChannelBindingKind::TlsUnique => Some(BindingKind::TLS_UNIQUE),
        ChannelBindingKind::TlsExporter => Some(BindingKind::TLS_EXPORTER),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

impl FirmwareImv {
    /// A verifier reading reference values from `storage`.
    pub fn new(storage: Arc<dyn Storage>, policy: Policy, journal: Arc<Journal>) -> Self {
        Self {
            storage,
            cache: Mutex::new(HashMap::new()),
            policy,
            journal,
            state: PerConnection::new(),
            message_id: AtomicU32::new(1),
        }
    }

    /// The reference values of a firmware version: from the cache, else from the store on a
    /// blocking thread (a database round trip must not hold an async worker).
    async fn reference_set(
        &self,
        pen: u32,
        product: &str,
        version: &str,
    ) -> Result<Option<ReferenceSet>, ApiError> {
        let key = (pen, product.to_owned(), version.to_owned());
        if let Some(s) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(Some(s.clone()));
        }
        let unavailable = |e: String| ApiError::Other(format!("reference values unavailable: {e}"));
        let set = match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                let storage = self.storage.clone();
                let (product, version) = (product.to_owned(), version.to_owned());
                rt.spawn_blocking(move || storage.reference_set(pen, &product, &version))
                    .await
                    .map_err(|e| unavailable(e.to_string()))?
            }
            // driven outside tokio (e.g. a plain executor in a test): call directly
            Err(_) => self.storage.reference_set(pen, product, version),
        }
        .map_err(|e| unavailable(e.to_string()))?;
        if let Some(s) = &set {
            let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if c.len() >= 1024 {
                c.clear();
            }
            c.insert(key, s.clone());
        }
        Ok(set)
    }

    fn with<R>(&self, c: ConnectionId, f: impl FnOnce(&mut FwState) -> R) -> R {
        self.state.with(c, f)
    }

    fn next_id(&self) -> u32 {
        self.message_id.fetch_add(1, Ordering::Relaxed)
    }

    fn absorb_os(&self, c: ConnectionId, body: &[u8]) {
        if let Received::Accept(acc) = receive(body, &[]) {
            self.with(c, |s| {
                for a in acc.iter() {
                    match a.value {
                        AttrValue::ProductInformation(p) => {
                            s.vendor_pen = Some(p.vendor.get());
                            s.product = Some(p.name.to_owned());
                        }
                        AttrValue::StringVersion(v) => s.version = Some(v.version.to_owned()),
                        _ => {}
                    }
                }
            });
        }
    }

    fn absorb_pts(&self, ctx: &mut ImvContext, body: &[u8]) -> Result<(), ApiError> {
        let c = ctx.connection();
        let extra = [(Pen::from_u24(BINDING_PEN), BINDING_ATTR_TYPE)];
        match receive(body, &extra) {
            Received::Accept(acc) => {
                let mut notes = Vec::new();
                self.with(c, |s| {
                    s.answered = true;
                    for a in acc.iter() {
                        match a.value {
                            AttrValue::FileMeasurement(m) => {
                                let Some(path) = s.requests.get(&m.request_id).cloned() else {
                                    notes.push(format!(
                                        "measurement for unknown request id {}",
                                        m.request_id
                                    ));
                                    continue;
                                };
                                let mut entries = m.files.iter();
                                match entries.next() {
                                    Some(e) => {
                                        s.measured.insert(path, e.digest.to_vec());
                                    }
                                    None => {
                                        s.failed.insert(path, "empty measurement".into());
                                    }
                                }
                            }
                            AttrValue::MeasurementAlgorithmSelection(sel) => {
                                s.algorithm_selected = Some(sel.algorithm);
                            }
                            AttrValue::PaTncError(e) if e.vendor == Pen::TCG => {
                                let code = PtsErrorCode(e.code);
                                // the copy of our request carries its request id at octets 2..4
                                let path = match e.info {
                                    ErrorInformation::RequestCopy(req) if req.len() >= 4 => {
                                        let id = u16::from_be_bytes([req[2], req[3]]);
                                        s.requests.get(&id).cloned()
                                    }
                                    _ => None,
                                };
                                let what = code.name().unwrap_or("PTS error").to_owned();
                                match path {
                                    Some(p) => {
                                        s.failed.insert(p, what);
                                    }
                                    None => notes.push(format!("collector reported {what}")),
                                }
                            }
                            AttrValue::PaTncError(e) => {
                                notes.push(format!(
                                    "collector reported PA-TNC error {} of vendor {}",
                                    e.code,
                                    e.vendor.get()
                                ));
                            }
                            AttrValue::Unknown {
                                vendor,
                                attr_type,
                                value,
                            } if vendor.get() == BINDING_PEN && attr_type == BINDING_ATTR_TYPE => {
                                match BindingReport::decode(value) {
                                    Ok(r) => s.binding = Some((r.kind, r.data.to_vec())),
                                    Err(e) => s.malformed = Some(e.to_string()),
                                }
                            }
                            _ => {}
                        }
                    }
                });
                for n in notes {
                    self.journal.log(c, LogLevel::Warning, "pts_note", n);
                }
            }
            Received::Reject(rej) => {
                let detail = format!("{:?} ({:?})", rej.rule, rej.cause);
                self.journal
                    .log(c, LogLevel::Error, "pa_tnc_rejected", detail.clone());
                self.with(c, |s| {
                    s.malformed = Some(detail);
                    s.answered = true;
                });
                if let Ok(reply) = rej.to_message(self.next_id()) {
                    ctx.send(TCG_PTS, reply)?;
                }
            }
            Received::NotPaTnc(e) => {
                self.with(c, |s| {
                    s.malformed = Some(e.to_string());
                    s.answered = true;
                });
            }
        }
        Ok(())
    }

    /// Sends the measurement requests for `set`.
    fn request(&self, ctx: &mut ImvContext, set: &ReferenceSet) -> Result<(), ApiError> {
        let c = ctx.connection();
        let mut requests = HashMap::new();
        let mut id: u16 = 1;
        for chunk in set.files.chunks(FILES_PER_MESSAGE) {
            let mut attrs = vec![Attribute::new(MeasurementAlgorithmRequest {
                algorithms: hash_mask(set.algorithm),
            })];
            for (path, _) in chunk {
                attrs.push(
                    Attribute::new(RequestFileMeasurement {
                        directory: false,
                        request_id: id,
                        delimiter: DELIMITER_SLASH,
                        path,
                    })
                    .with_noskip(),
                );
                requests.insert(id, path.clone());
                id = id.wrapping_add(1);
            }
            let body = encode_message(self.next_id(), &attrs)
                .map_err(|e| ApiError::Other(format!("cannot encode PTS request: {e}")))?;
            ctx.send(TCG_PTS, body)?;
        }
        self.journal.log(
            c,
            LogLevel::Info,
            "measurement_requested",
            format!(
                "{NAME}: {} file(s) of {} {} firmware {} ({})",
                set.files.len(),
                set.vendor,
                set.product,
                set.firmware_version,
                set.algorithm.as_str()
            ),
        );
        self.with(c, |s| s.requests = requests);
        Ok(())
    }

    /// Compares and decides.
    fn evaluate(&self, ctx: &mut ImvContext, s: &FwState) {
        let c = ctx.connection();
        let mut summary = MeasurementSummary {
            channel_binding: "not_checked".into(),
            ..Default::default()
        };
        let mut major: Vec<String> = Vec::new();
        let mut unknown = false;

        if let Some(m) = &s.malformed {
            major.push(format!("malformed measurement message: {m}"));
        }
        match &s.reference {
            None => {
                unknown = true;
                match (s.vendor_pen, &s.product, &s.version) {
                    (Some(pen), Some(product), Some(version)) => {
                        let known = self
                            .storage
                            .firmware_versions(pen, product)
                            .unwrap_or_default();
                        major.push(if known.is_empty() {
                            format!(
                                "no reference values for product {product:?} of vendor PEN {pen}: \
                                 unknown product or manufacturer"
                            )
                        } else {
                            format!(
                                "unknown firmware version {version:?} of {product:?} (vendor PEN \
                                 {pen}); reference values exist for {}",
                                known.join(", ")
                            )
                        });
                    }
                    _ => major.push(
                        "the gateway did not report vendor, product and firmware version".into(),
                    ),
                }
            }
            Some(set) => {
                summary.algorithm = Some(set.algorithm.as_str().into());
                summary.requested = u32::try_from(set.files.len()).unwrap_or(u32::MAX);
                if let Some(sel) = s.algorithm_selected
                    && sel != hash_mask(set.algorithm)
                {
                    major.push(format!(
                        "collector selected measurement algorithm {:?}, reference values use {}",
                        sel.names().collect::<Vec<_>>(),
                        set.algorithm.as_str()
                    ));
                }
                for (path, want) in &set.files {
                    match s.measured.get(path) {
                        Some(got) if got == want => summary.matched += 1,
                        Some(_) => summary.mismatched.push(path.clone()),
                        None => summary.missing.push(path.clone()),
                    }
                }
                if !summary.mismatched.is_empty() {
                    major.push(format!(
                        "{} file(s) differ from the reference values of firmware {}: {}",
                        summary.mismatched.len(),
                        set.firmware_version,
                        summary.mismatched.join(", ")
                    ));
                }
                if !summary.missing.is_empty() {
                    let detail: Vec<String> = summary
                        .missing
                        .iter()
                        .map(|p| match s.failed.get(p) {
                            Some(why) => format!("{p} ({why})"),
                            None => p.clone(),
                        })
                        .collect();
                    major.push(format!(
                        "{} file(s) were not measured: {}",
                        summary.missing.len(),
                        detail.join(", ")
                    ));
                }
            }
        }

        // relay detection
        let own = ctx.attributes().channel_binding.clone();
        match (&own, &s.binding) {
            (Some(own), Some((kind, data))) => {
                if binding_kind(own.kind) == Some(*kind) && own.data == *data {
                    summary.channel_binding = "match".into();
                } else {
                    summary.channel_binding = "mismatch".into();
                    major.push(
                        "the channel binding the gateway reports is not this connection's: \
                         the measurements were taken for another TLS connection (relay)"
                            .into(),
                    );
                }
            }
            (Some(_), None) => {
                summary.channel_binding = "missing".into();
                if self.policy.require_channel_binding && s.reference.is_some() {
                    major.push("the gateway did not report its channel binding".into());
                }
            }
            (None, _) => {
                self.journal.log(
                    c,
                    LogLevel::Warning,
                    "channel_binding_unavailable",
                    "the transport supplied no channel binding; relay detection skipped",
                );
            }
        }

        // unknown firmware, tampered files, relay: all "not trusted"
        let (action, eval) = if major.is_empty() {
            (ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT)
        } else if unknown && s.vendor_pen.is_none() {
            (ActionRecommendation::NO_ACCESS, EvaluationResult::DONT_KNOW)
        } else {
            (
                ActionRecommendation::NO_ACCESS,
                EvaluationResult::NONCOMPLIANT_MAJOR,
            )
        };
        let vendor = s.reference.as_ref().map(|r| r.vendor.clone());
        self.journal.with(c, |r| {
            r.measurement = summary;
            r.vendor = vendor;
            r.product.vendor_pen = s.vendor_pen;
            r.product.product = s.product.clone();
            r.product.version = s.version.clone();
        });
        decide(&self.journal, NAME, ctx, action, eval, major);
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
        self.evaluate(ctx, &s);
    }
}

#[async_trait]
impl Imv for FirmwareImv {
    fn name(&self) -> &str {
        NAME
    }

    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![
            MessageTypeFilter::exact(IETF_OS),
            MessageTypeFilter::exact(TCG_PTS),
        ]
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
        if msg.message_type == TCG_PTS {
            self.absorb_pts(ctx, msg.body)
        } else {
            self.absorb_os(ctx.connection(), msg.body);
            Ok(())
        }
    }

    async fn batch_ending(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        let c = ctx.connection();
        let s = self.with(c, |s| s.clone());
        if s.decided {
            return Ok(());
        }
        if !s.requests.is_empty() || s.reference.is_some() {
            if s.answered {
                self.finish(ctx);
            }
            return Ok(());
        }
        match (s.vendor_pen, &s.product, &s.version) {
            (Some(pen), Some(product), Some(version)) => {
                let set = self.reference_set(pen, product, version).await?;
                match set {
                    Some(set) => {
                        self.with(c, |st| st.reference = Some(set.clone()));
                        self.request(ctx, &set)?;
                    }
                    None => self.finish(ctx),
                }
            }
            _ if !s.asked_product => {
                self.with(c, |st| st.asked_product = true);
                let ids = [
                    AttributeId {
                        vendor: Pen::IETF,
                        attr_type: 2,
                    },
                    AttributeId {
                        vendor: Pen::IETF,
                        attr_type: 4,
                    },
                ];
                let body = encode_message(
                    self.next_id(),
                    &[Attribute::new(AttributeRequest {
                        attributes: Seq::Items(&ids),
                    })],
                )
                .map_err(|e| ApiError::Other(format!("cannot encode attribute request: {e}")))?;
                ctx.send(IETF_OS, body)?;
            }
            _ => self.finish(ctx),
        }
        Ok(())
    }

    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        self.finish(ctx);
        Ok(())
    }
}
