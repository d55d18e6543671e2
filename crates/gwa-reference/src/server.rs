//! The GWA's network side: the PT-TLS listener with one TNCS per connection ([`Gwa`] and its
//! [`PbDriver`]), the TNC profile service over mutual TLS, and wake-ups.
//!
//! A result is stored (committed) before the RESULT batch that carries it leaves: the driver
//! writes the assessment when the TNCS has produced its decision and only then hands the batch
//! to PT-TLS.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use smgw_gwa_admin::{ErrorBody, PrivateKey, ProfileResponse, serve_profile, sign_wakeup};
use tnc_ift_tls_bsi::Error as PtError;
use tnc_ift_tls_bsi::identity::{CertIdentity, ConnectionInfo};
use tnc_ift_tls_bsi::net::{DriverFactory, Outcome as PtOutcome, PbDriver, Step};
use tnc_ift_tls_bsi::profile::{Credentials, TlsSettings};
use tnc_iftnccs::{AccessRecommendation, AssessmentResult, ImvSet, Outcome, Tncs, TncsConfig};
use tnc_imv_api::{ConnectionId, Imv};

use crate::config::Policy;
use crate::imv::{FirmwareImv, Journal, OsImv};
use crate::metrics::Metrics;
use crate::storage::{LogEntry, LogLevel, NewAssessment, Storage, Verdict};
use crate::{GwaError, Result};

/// The GWA core shared by all connections.
pub struct Gwa {
    storage: Arc<dyn Storage>,
    imvs: Arc<ImvSet>,
    journal: Arc<Journal>,
    metrics: Arc<Metrics>,
    next_connection: AtomicU32,
    tncs_config: TncsConfig,
}

impl core::fmt::Debug for Gwa {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gwa").finish_non_exhaustive()
    }
}

impl Gwa {
    /// The GWA with its two verifiers (OS/product and firmware measurement) under `policy`.
    pub fn new(storage: Arc<dyn Storage>, policy: Policy, metrics: Arc<Metrics>) -> Arc<Self> {
        Self::with_extra_imvs(storage, policy, metrics, Vec::new())
    }

    /// The GWA with its two verifiers plus `extra` ones (e.g. vendor IMVs loaded from a
    /// `tnc_config` file through the IF-IMV C ABI); all recommendations are combined.
    pub fn with_extra_imvs(
        storage: Arc<dyn Storage>,
        policy: Policy,
        metrics: Arc<Metrics>,
        extra: Vec<Arc<dyn Imv>>,
    ) -> Arc<Self> {
        let journal = Arc::new(Journal::new());
        let mut imvs = ImvSet::new();
        imvs.add(Arc::new(OsImv::new(policy.clone(), journal.clone())));
        imvs.add(Arc::new(FirmwareImv::new(
            storage.clone(),
            policy,
            journal.clone(),
        )));
        for imv in extra {
            imvs.add(imv);
        }
        Arc::new(Self {
            storage,
            imvs: Arc::new(imvs),
            journal,
            metrics,
            next_connection: AtomicU32::new(1),
            tncs_config: TncsConfig::default(),
        })
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// Open per-connection verifier records (0 when idle: nothing leaks).
    pub fn open_records(&self) -> usize {
        self.journal.len()
    }

    /// A factory of per-connection drivers for [`tnc_ift_tls_bsi::net::Server::run`].
    pub fn driver_factory(self: &Arc<Self>) -> DriverFactory {
        let gwa = self.clone();
        Arc::new(move || Box::new(GwaDriver::new(gwa.clone())) as Box<dyn PbDriver>)
    }
}

/// Runs a blocking storage call off the async threads.
async fn blocking<T: Send + 'static>(
    storage: &Arc<dyn Storage>,
    f: impl FnOnce(&dyn Storage) -> Result<T> + Send + 'static,
) -> Result<T> {
    let s = storage.clone();
    tokio::task::spawn_blocking(move || f(s.as_ref()))
        .await
        .map_err(|e| GwaError::Invalid(format!("storage task failed: {e}")))?
}

fn verdict_for(r: AccessRecommendation) -> Verdict {
    match r {
        AccessRecommendation::ALLOWED => Verdict::Trusted,
        AccessRecommendation::DENIED | AccessRecommendation::QUARANTINED => Verdict::NotTrusted,
        _ => Verdict::Unknown,
    }
}

fn access_name(r: AccessRecommendation) -> &'static str {
    match r {
        AccessRecommendation::ALLOWED => "allow",
        AccessRecommendation::DENIED => "no_access",
        AccessRecommendation::QUARANTINED => "isolate",
        _ => "no_recommendation",
    }
}

fn assessment_name(a: AssessmentResult) -> &'static str {
    match a {
        AssessmentResult::COMPLIANT => "compliant",
        AssessmentResult::NONCOMPLIANT_MINOR => "noncompliant_minor",
        AssessmentResult::NONCOMPLIANT_MAJOR => "noncompliant_major",
        AssessmentResult::ERROR => "error",
        _ => "dont_know",
    }
}

/// The PB-TNC side of one PT-TLS connection on the GWA.
struct GwaDriver {
    gwa: Arc<Gwa>,
    conn: ConnectionId,
    tncs: Option<Tncs>,
    gateway: Option<String>,
    tls: Option<String>,
    peer_addr: Option<String>,
    connection_id: Option<String>,
    started_ms: i64,
    started: Option<Instant>,
    log: Vec<LogEntry>,
    recorded: bool,
}

impl GwaDriver {
    fn new(gwa: Arc<Gwa>) -> Self {
        let conn = ConnectionId(gwa.next_connection.fetch_add(1, Ordering::Relaxed));
        Self {
            gwa,
            conn,
            tncs: None,
            gateway: None,
            tls: None,
            peer_addr: None,
            connection_id: None,
            started_ms: 0,
            started: None,
            log: Vec::new(),
            recorded: false,
        }
    }

    /// Builds and durably stores the assessment; called before the RESULT leaves.
    async fn record(&mut self, failure: Option<String>) -> Result<(), PtError> {
        if self.recorded {
            return Ok(());
        }
        self.recorded = true;
        let Some(gateway) = self.gateway.clone() else {
            return Ok(());
        };
        let rec = self.gwa.journal.take(self.conn);
        let decision = self.tncs.as_ref().and_then(|t| t.decision().cloned());
        let (recommendation, evaluation, verdict, mut reasons) = match (&decision, &failure) {
            (Some(d), _) => (
                access_name(d.recommendation).to_owned(),
                assessment_name(d.assessment).to_owned(),
                verdict_for(d.recommendation),
                Vec::new(),
            ),
            (None, Some(f)) => (
                "no_recommendation".into(),
                "error".into(),
                Verdict::Error,
                vec![f.clone()],
            ),
            (None, None) => (
                "no_recommendation".into(),
                "dont_know".into(),
                Verdict::Unknown,
                Vec::new(),
            ),
        };
        for v in &rec.verdicts {
            reasons.extend(v.reasons.iter().map(|r| format!("{}: {r}", v.imv)));
        }
        let mut log = std::mem::take(&mut self.log);
        log.extend(rec.log);
        log.push(LogEntry::now(
            if verdict == Verdict::Trusted {
                LogLevel::Info
            } else {
                LogLevel::Warning
            },
            "decision",
            format!("{verdict} ({recommendation} / {evaluation})"),
        ));
        let a = NewAssessment {
            uid: crate::storage::new_uid(),
            connection_id: self.connection_id.clone(),
            gateway_id: gateway.clone(),
            started_ms: self.started_ms,
            finished_ms: crate::time::now_ms(),
            recommendation,
            evaluation,
            verdict,
            reasons,
            imv_verdicts: rec.verdicts,
            measurement: rec.measurement,
            vendor: rec.vendor,
            product: rec.product.product,
            firmware: rec.product.version,
            peer_addr: self.peer_addr.clone(),
            tls: self.tls.clone(),
            log,
        };
        let id = blocking(&self.gwa.storage, move |s| s.record_assessment(&a))
            .await
            .map_err(|e| PtError::Driver(format!("cannot store the assessment: {e}")))?;
        let elapsed = self.started.map_or(Duration::ZERO, |t| t.elapsed());
        self.gwa.metrics.assessment(verdict, elapsed);
        tracing::info!(gateway = %gateway, assessment = id, verdict = %verdict, "assessment stored");
        Ok(())
    }
}

#[async_trait::async_trait]
impl PbDriver for GwaDriver {
    async fn begin(&mut self, info: &ConnectionInfo) -> Result<Step, PtError> {
        let Some(id) = info.peer.common_name.clone().filter(|c| !c.is_empty()) else {
            return Err(PtError::Authentication(
                "gateway certificate has no commonName (gateway id)",
            ));
        };
        self.gwa.metrics.connection(1);
        self.started = Some(Instant::now());
        self.started_ms = crate::time::now_ms();
        let tls = format!(
            "{:?} {:?} {:?}",
            info.tls_version, info.cipher_suite, info.group
        );
        self.log.push(LogEntry::now(
            LogLevel::Info,
            "tls_established",
            format!(
                "gateway {id}: {tls}, channel binding {}",
                info.channel_binding.kind.name()
            ),
        ));
        self.tls = Some(tls);
        self.peer_addr = info.peer_addr.map(|a| a.to_string());
        self.connection_id = Some(crate::storage::connection_id(&info.channel_binding.data));
        self.gateway = Some(id.clone());
        // the gateway row (created on first contact, last seen) is written with the
        // assessment, in the same transaction: one commit per connection
        // channel binding and peer identity for the IMVs, as the glue builds them
        let attrs = tnc_ift_tls_bsi::tnccs::connection_attributes(info);
        self.tncs = Some(Tncs::new(
            self.gwa.imvs.clone(),
            self.conn,
            attrs,
            self.gwa.tncs_config.clone(),
        ));
        Ok(Step::Wait)
    }

    async fn batch(&mut self, batch: Vec<u8>) -> Result<Step, PtError> {
        let Some(tncs) = self.tncs.as_mut() else {
            return Err(PtError::State("batch before the PT-TLS data phase"));
        };
        let step = tncs.receive(&batch, Instant::now()).await;
        if tncs.decision().is_some() && !self.recorded {
            // durable before the RESULT batch is handed to PT-TLS
            self.record(None).await?;
        }
        if let Some(Outcome::Failed(reason)) = &step.outcome {
            let why = format!("PB-TNC session ended without a decision: {reason:?}");
            self.log
                .push(LogEntry::now(LogLevel::Error, "pb_tnc_failed", why.clone()));
            self.record(Some(why)).await?;
        }
        Ok(match (step.batch, step.outcome) {
            (Some(b), _) => Step::Send(b),
            (None, Some(_)) => Step::Done,
            (None, None) => Step::Wait,
        })
    }

    async fn finished(&mut self, result: Result<&PtOutcome, &PtError>) {
        if self.started.is_some() {
            self.gwa.metrics.connection(-1);
        }
        match result {
            Ok(_) => {}
            Err(e) if self.gateway.is_none() => {
                // refused before PB-TNC began (wrong CA, expired certificate, timeout, …)
                self.gwa.metrics.tls_failure();
                let entry = LogEntry::now(LogLevel::Warning, "connection_refused", e.to_string());
                let _ = blocking(&self.gwa.storage, move |s| s.log_event(None, &entry)).await;
            }
            Err(e) => {
                let why = format!("connection failed: {e}");
                self.log.push(LogEntry::now(
                    LogLevel::Error,
                    "connection_failed",
                    why.clone(),
                ));
                if let Err(e) = self.record(Some(why)).await {
                    tracing::warn!(error = %e, "could not store the failed assessment");
                }
            }
        }
        // never leave a verifier record behind
        let _ = self.gwa.journal.take(self.conn);
    }
}

/// TLS material of the listeners.
#[derive(Clone)]
pub struct TlsMaterial {
    /// Settings (profile, versions).
    pub settings: TlsSettings,
    /// Trust anchors for gateway certificates.
    pub roots: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// The GWA's chain and key.
    pub credentials: Credentials,
}

impl core::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("profile", &self.settings.profile)
            .finish_non_exhaustive()
    }
}

/// Most concurrent connections of the profile service (more are closed at once).
pub const PROFILE_MAX_CONNECTIONS: usize = 256;

/// Serves TNC profiles: each gateway connects with its certificate and gets the profile stored
/// for the certificate's commonName. Runs until the listener fails.
pub async fn serve_profiles(
    listener: tokio::net::TcpListener,
    tls: &TlsMaterial,
    storage: Arc<dyn Storage>,
    metrics: Arc<Metrics>,
) -> Result<()> {
    serve_profiles_with(listener, tls, storage, metrics, false).await
}

/// As [`serve_profiles`]; with `proxy_protocol`, each connection starts with a PROXY protocol
/// v2 header from the load balancer (see `tnc_ift_tls_bsi::proxy`).
pub async fn serve_profiles_with(
    listener: tokio::net::TcpListener,
    tls: &TlsMaterial,
    storage: Arc<dyn Storage>,
    metrics: Arc<Metrics>,
    proxy_protocol: bool,
) -> Result<()> {
    let config = tls
        .settings
        .server_config(&tls.roots, &tls.credentials)
        .map_err(|e| GwaError::Invalid(format!("profile service TLS configuration: {e}")))?;
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let limit = Arc::new(tokio::sync::Semaphore::new(PROFILE_MAX_CONNECTIONS));
    loop {
        let (tcp, peer) = listener
            .accept()
            .await
            .map_err(|e| GwaError::io("profile listener", e))?;
        let Ok(permit) = limit.clone().try_acquire_owned() else {
            drop(tcp);
            continue;
        };
        let acceptor = acceptor.clone();
        let storage = storage.clone();
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let r = profile_connection(tcp, peer, proxy_protocol, acceptor, storage, metrics).await;
            if let Err(e) = r {
                tracing::info!(peer = %peer, error = %e, "profile request failed");
            }
            drop(permit);
        });
    }
}

async fn profile_connection(
    tcp: tokio::net::TcpStream,
    peer: SocketAddr,
    proxy_protocol: bool,
    acceptor: tokio_rustls::TlsAcceptor,
    storage: Arc<dyn Storage>,
    metrics: Arc<Metrics>,
) -> Result<()> {
    let mut tcp = tcp;
    let mut peer = peer;
    if proxy_protocol {
        let h = tokio::time::timeout(
            Duration::from_secs(10),
            tnc_ift_tls_bsi::proxy::read_v2(&mut tcp),
        )
        .await;
        match h {
            Ok(Ok(h)) => peer = h.source.unwrap_or(peer),
            Ok(Err(e)) => {
                tracing::info!(peer = %peer, error = %e, "profile connection without a valid PROXY header");
                return Ok(());
            }
            Err(_) => return Ok(()),
        }
    }
    let mut tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            let entry = LogEntry::now(
                LogLevel::Warning,
                "profile_tls_refused",
                format!("{peer}: {e}"),
            );
            blocking(&storage, move |s| s.log_event(None, &entry)).await?;
            return Ok(());
        }
        Err(_) => return Ok(()),
    };
    let id = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .and_then(|c| CertIdentity::from_der(c.as_ref()).ok())
        .and_then(|i| i.common_name);
    let st = storage.clone();
    let gw = id.clone();
    let exchange = serve_profile(&mut tls, || async move {
        let Some(id) = gw else {
            return ProfileResponse::Error(ErrorBody::new(
                ErrorBody::UNKNOWN_GATEWAY,
                "the client certificate carries no commonName (gateway id)",
            ));
        };
        let lookup = id.clone();
        match blocking(&st, move |s| s.gateway(&lookup)).await {
            Ok(Some(g)) => match g.profile {
                Some(p) => ProfileResponse::Profile(p),
                None => ProfileResponse::Error(ErrorBody::new(
                    ErrorBody::NO_PROFILE,
                    format!("no TNC profile is set for gateway {id}; TNC stays off"),
                )),
            },
            Ok(None) => ProfileResponse::Error(ErrorBody::new(
                ErrorBody::UNKNOWN_GATEWAY,
                format!("gateway {id} is not registered at this GWA"),
            )),
            Err(e) => ProfileResponse::Error(ErrorBody::new(ErrorBody::INTERNAL, e.to_string())),
        }
    });
    // a peer that connects and never asks must not hold the task
    let answer = match tokio::time::timeout(Duration::from_secs(10), exchange).await {
        Ok(r) => r?,
        Err(_) => return Ok(()),
    };
    let served = matches!(answer, ProfileResponse::Profile(_));
    if served {
        metrics.profile_served();
    }
    let detail = match &answer {
        ProfileResponse::Profile(p) => format!(
            "revision {} (tnc {})",
            p.revision,
            if p.tnc_enabled { "on" } else { "off" }
        ),
        ProfileResponse::Error(e) => format!("refused: {} ({})", e.code, e.message),
    };
    let entry = LogEntry::now(
        if served {
            LogLevel::Info
        } else {
            LogLevel::Warning
        },
        "profile_served",
        detail,
    );
    blocking(&storage, move |s| s.log_event(id.as_deref(), &entry)).await?;
    Ok(())
}

/// Sends a signed wake-up to `gateway_id` at `addr` and logs it. Returns the datagram.
pub async fn wake(
    storage: &Arc<dyn Storage>,
    key: &PrivateKey,
    gateway_id: &str,
    addr: SocketAddr,
    now_unix: u64,
) -> Result<Vec<u8>> {
    let nonce: [u8; 16] = rand::random();
    let datagram = sign_wakeup(key, gateway_id, now_unix, nonce)?;
    let bind: SocketAddr = if addr.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let sock = tokio::net::UdpSocket::bind(bind)
        .await
        .map_err(|e| GwaError::io("UDP socket", e))?;
    sock.send_to(&datagram, addr)
        .await
        .map_err(|e| GwaError::io(format!("wake-up to {addr}"), e))?;
    let entry = LogEntry::now(
        LogLevel::Info,
        "wakeup_sent",
        format!("to {addr}, time {now_unix}, nonce {}", hex::encode(nonce)),
    );
    let gw = gateway_id.to_owned();
    blocking(storage, move |s| s.log_event(Some(&gw), &entry)).await?;
    Ok(datagram)
}
