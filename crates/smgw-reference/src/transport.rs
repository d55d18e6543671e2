//! The gateway's network side: mutually authenticated TLS under the BSI
//! profile (`tnc-ift-tls-bsi`), the profile fetch over it, and one TNC
//! assessment — a TNC client (`tnc-iftnccs::Tncc`) with this gateway's IMCs
//! driven over a PT-TLS session on the TLS stream.
//!
//! The PT-TLS/PB-TNC driving loop ([`drive_assessment`]) works over any
//! `AsyncRead + AsyncWrite` stream, so it is tested over in-memory pipes as
//! well as over TLS on 127.0.0.1. The gateway only ever connects; it never
//! listens on a TCP port.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;
use smgw_gwa_admin::TncProfile;
use tnc_ift_tls_bsi::identity::ConnectionInfo;
use tnc_ift_tls_bsi::profile::{Credentials, Profile, TlsSettings};
use tnc_ift_tls_bsi::session::{Event, Role, Session as PtSession, SessionConfig};
use tnc_iftnccs::broker::{ImcSet, Outcome, Tncc, TnccConfig};
use tnc_iftnccs::session::CloseReason as PbCloseReason;
use tnc_iftnccs::{AccessRecommendation, AssessmentResult};
use tnc_imc_api::{ConnectionAttributes, ConnectionId};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::config::Config;
use crate::gateway::CheckOutcome;
use crate::schedule::ErrorClass;
use crate::state::IntegrityState;

/// A network failure with its class.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{class} error: {msg}")]
pub struct LinkError {
    /// Whether a retry can help.
    pub class: ErrorClass,
    /// What happened and what to do.
    pub msg: String,
}

impl LinkError {
    fn transient(msg: impl Into<String>) -> Self {
        LinkError {
            class: ErrorClass::Transient,
            msg: msg.into(),
        }
    }
    fn permanent(msg: impl Into<String>) -> Self {
        LinkError {
            class: ErrorClass::Permanent,
            msg: msg.into(),
        }
    }
}

/// Classifies an I/O error: refused, reset, timed out, unreachable are transient.
pub fn classify_io(e: &std::io::Error) -> ErrorClass {
    use std::io::ErrorKind as K;
    if let Some(inner) = e.get_ref() {
        if inner.downcast_ref::<rustls::Error>().is_some() {
            return ErrorClass::Permanent;
        }
    }
    match e.kind() {
        K::InvalidData | K::PermissionDenied | K::InvalidInput | K::Unsupported => {
            ErrorClass::Permanent
        }
        _ => ErrorClass::Transient,
    }
}

/// The gateway's TLS identity: trust anchors and certificate/key.
#[derive(Debug, Clone)]
pub struct TlsIdentity {
    roots: Vec<CertificateDer<'static>>,
    creds: Credentials,
    profile: Profile,
}

impl TlsIdentity {
    /// Built from already loaded parts (tests, secure elements).
    pub fn new(roots: Vec<CertificateDer<'static>>, creds: Credentials) -> Self {
        TlsIdentity {
            roots,
            creds,
            profile: Profile::Bsi,
        }
    }

    /// Loads certificate chain, key and trust anchors named in the configuration.
    pub fn load(cfg: &Config) -> Result<Self, LinkError> {
        let need = |p: &Option<std::path::PathBuf>, what: &str| {
            p.clone().ok_or_else(|| {
                LinkError::permanent(format!(
                    "[tls] {what} is not configured; set it in the configuration file"
                ))
            })
        };
        let cert = need(&cfg.tls.cert, "cert")?;
        let key = need(&cfg.tls.key, "key")?;
        let ta = need(&cfg.tls.trust_anchors, "trust_anchors")?;
        let chain = tnc_ift_tls_bsi::pki::load_certs(&cert)
            .map_err(|e| LinkError::permanent(format!("certificate {}: {e}", cert.display())))?;
        if chain.is_empty() {
            return Err(LinkError::permanent(format!(
                "no CERTIFICATE in {}",
                cert.display()
            )));
        }
        let key = tnc_ift_tls_bsi::pki::load_key(&key)
            .map_err(|e| LinkError::permanent(format!("key {}: {e}", key.display())))?;
        let roots = tnc_ift_tls_bsi::pki::load_certs(&ta)
            .map_err(|e| LinkError::permanent(format!("trust anchors {}: {e}", ta.display())))?;
        if roots.is_empty() {
            return Err(LinkError::permanent(format!(
                "no CERTIFICATE in {}",
                ta.display()
            )));
        }
        Ok(Self::new(
            roots,
            Credentials {
                chain,
                key: Arc::new(key),
            },
        ))
    }

    /// Opens a TLS connection to `host:port`, checking the GWA's name if given.
    pub async fn connect(
        &self,
        host: &str,
        port: u16,
        expected_name: Option<&str>,
        timeout: Duration,
    ) -> Result<(TlsStream<TcpStream>, ConnectionInfo), LinkError> {
        let mut settings = TlsSettings::new(self.profile);
        settings.expected_peer = expected_name.map(str::to_owned);
        let config = settings
            .client_config(&self.roots, Some(&self.creds))
            .map_err(|e| LinkError::permanent(format!("TLS configuration: {e}")))?;
        let tcp = tokio::time::timeout(timeout, TcpStream::connect((host, port)))
            .await
            .map_err(|_| LinkError::transient(format!("connecting to {host}:{port} timed out")))?
            .map_err(|e| LinkError::transient(format!("connecting to {host}:{port}: {e}")))?;
        let _ = tcp.set_nodelay(true);
        let tls = tokio::time::timeout(
            timeout,
            TlsConnector::from(config).connect(settings.server_name(), tcp),
        )
        .await
        .map_err(|_| LinkError::transient(format!("TLS handshake with {host}:{port} timed out")))?
        .map_err(|e| LinkError {
            class: classify_io(&e),
            msg: format!("TLS handshake with {host}:{port}: {e} (check certificates, trust anchors and the expected GWA name)"),
        })?;
        let info = ConnectionInfo::from_connection(tls.get_ref().1)
            .map_err(|e| LinkError::permanent(format!("connection information: {e}")))?;
        Ok((tls, info))
    }
}

/// Fetches the TNC configuration profile from the GWA named in `[gwa]`.
pub async fn fetch_profile(id: &TlsIdentity, cfg: &Config) -> Result<TncProfile, LinkError> {
    let timeout = Duration::from_secs(cfg.gwa.timeout_secs.max(1));
    let (mut tls, _) = id
        .connect(
            &cfg.gwa.host,
            cfg.gwa.port,
            cfg.gwa.expected_name.as_deref(),
            timeout,
        )
        .await?;
    let p = tokio::time::timeout(timeout, smgw_gwa_admin::fetch_profile(&mut tls))
        .await
        .map_err(|_| LinkError::transient("profile fetch timed out"))?
        .map_err(|e| match e {
            smgw_gwa_admin::AdminError::Io(io) => LinkError {
                class: classify_io(&io),
                msg: format!("profile fetch: {io}"),
            },
            other => LinkError::permanent(format!("profile fetch: {other}")),
        })?;
    let _ = tls.shutdown().await;
    Ok(p)
}

/// Connection attributes for the IMCs from a TLS connection's information.
pub fn attributes_for(info: &ConnectionInfo) -> ConnectionAttributes {
    tnc_ift_tls_bsi::tnccs::connection_attributes(info)
}

/// Maps the TNC server's decision (or the failed session) to a check outcome.
pub fn outcome_to_check(o: &Outcome) -> CheckOutcome {
    match o.decision() {
        Some(d) => {
            let state = match d.assessment {
                AssessmentResult::COMPLIANT => IntegrityState::Trusted,
                AssessmentResult::NONCOMPLIANT_MINOR | AssessmentResult::NONCOMPLIANT_MAJOR => {
                    IntegrityState::NotTrusted
                }
                _ => IntegrityState::Error,
            };
            let recommendation = match d.recommendation {
                AccessRecommendation::ALLOWED => "allow".to_string(),
                AccessRecommendation::DENIED => "no access".to_string(),
                AccessRecommendation::QUARANTINED => "isolate".to_string(),
                other => format!("{other:?}"),
            };
            CheckOutcome::Verdict {
                state,
                recommendation: Some(recommendation),
                reasons: d.reasons.iter().map(|r| r.text.clone()).collect(),
            }
        }
        None => {
            let (class, message) = match o {
                Outcome::Failed(PbCloseReason::Timeout) => (
                    ErrorClass::Transient,
                    "PB-TNC turn deadline expired".to_string(),
                ),
                Outcome::Failed(r) => (
                    ErrorClass::Permanent,
                    format!("PB-TNC session failed: {r:?}"),
                ),
                other => (ErrorClass::Permanent, format!("PB-TNC: {other:?}")),
            };
            CheckOutcome::Failed { class, message }
        }
    }
}

/// Runs one assessment over `io` (an established TLS stream, or any stream in
/// tests): PT-TLS version exchange, then PB-TNC with `imcs` until the result,
/// then CLOSE. `timeout` bounds the whole exchange.
pub async fn drive_assessment<S>(
    io: &mut S,
    imcs: Arc<ImcSet>,
    attributes: ConnectionAttributes,
    connection: ConnectionId,
    timeout: Duration,
) -> Result<Outcome, LinkError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let start = Instant::now();
    let end = start + timeout;
    let mut pt = PtSession::new(SessionConfig::bsi(Role::Client), start);
    let mut tncc = Tncc::new(imcs, connection, attributes, TnccConfig::default());
    pt.start(start)
        .map_err(|e| LinkError::permanent(format!("PT-TLS: {e}")))?;
    let mut outcome: Option<Outcome> = None;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while let Some(ev) = pt.poll_event() {
            let now = Instant::now();
            let step = match ev {
                Event::Ready => Some(tncc.start(now).await),
                Event::Batch(b) => Some(tncc.receive(&b, now).await),
                Event::Closed(reason) => {
                    flush(io, &mut pt).await?;
                    let _ = io.shutdown().await;
                    return match outcome.or_else(|| tncc.outcome().cloned()) {
                        Some(o) => Ok(o),
                        None => Err(LinkError::permanent(format!(
                            "PT-TLS session closed before a result: {reason:?}"
                        ))),
                    };
                }
                Event::PeerError { vendor, code } => {
                    tracing::warn!(?vendor, ?code, "non-fatal PT-TLS error from the GWA");
                    None
                }
                _ => None,
            };
            if let Some(step) = step {
                if let Some(batch) = step.batch {
                    pt.send_batch(&batch, now)
                        .map_err(|e| LinkError::permanent(format!("PT-TLS: {e}")))?;
                }
                if let Some(o) = step.outcome {
                    outcome = Some(o);
                    pt.close();
                }
            }
        }
        flush(io, &mut pt).await?;
        let now = Instant::now();
        if now >= end {
            return Err(LinkError::transient("assessment timed out"));
        }
        let wait = tncc
            .next_deadline()
            .map_or(end, |d| d.min(end))
            .saturating_duration_since(now);
        match tokio::time::timeout(wait, io.read(&mut buf)).await {
            Err(_) => {
                let step = tncc.handle_timeout(Instant::now()).await;
                if let Some(o) = step.outcome {
                    outcome = Some(o);
                    pt.close();
                }
            }
            Ok(Err(e)) => {
                return Err(LinkError {
                    class: classify_io(&e),
                    msg: format!("reading from the GWA: {e}"),
                });
            }
            Ok(Ok(0)) => {
                return match outcome.or_else(|| tncc.outcome().cloned()) {
                    Some(o) => Ok(o),
                    None => Err(LinkError::transient(
                        "the GWA closed the connection before the result",
                    )),
                };
            }
            Ok(Ok(n)) => {
                if let Err(e) = pt.feed(&buf[..n], Instant::now()) {
                    flush(io, &mut pt).await?;
                    return Err(LinkError::permanent(format!("PT-TLS: {e}")));
                }
            }
        }
    }
}

async fn flush<S: AsyncWrite + Unpin>(io: &mut S, pt: &mut PtSession) -> Result<(), LinkError> {
    let tx = pt.take_transmit();
    if !tx.is_empty() {
        io.write_all(&tx).await.map_err(|e| LinkError {
            class: classify_io(&e),
            msg: format!("writing to the GWA: {e}"),
        })?;
        io.flush().await.map_err(|e| LinkError {
            class: classify_io(&e),
            msg: format!("writing to the GWA: {e}"),
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tnc_iftnccs::broker::{Decision, Reason};

    fn decided(a: AssessmentResult, r: AccessRecommendation) -> Outcome {
        Outcome::Decided(Decision {
            recommendation: r,
            assessment: a,
            reasons: vec![Reason {
                text: "why".into(),
                language: "en".into(),
            }],
            remediation: vec![],
        })
    }

    #[test]
    fn decisions_map_to_states() {
        for (a, r, state, rec) in [
            (
                AssessmentResult::COMPLIANT,
                AccessRecommendation::ALLOWED,
                IntegrityState::Trusted,
                "allow",
            ),
            (
                AssessmentResult::NONCOMPLIANT_MINOR,
                AccessRecommendation::QUARANTINED,
                IntegrityState::NotTrusted,
                "isolate",
            ),
            (
                AssessmentResult::NONCOMPLIANT_MAJOR,
                AccessRecommendation::DENIED,
                IntegrityState::NotTrusted,
                "no access",
            ),
            (
                AssessmentResult::ERROR,
                AccessRecommendation::DENIED,
                IntegrityState::Error,
                "no access",
            ),
            (
                AssessmentResult::DONT_KNOW,
                AccessRecommendation::DENIED,
                IntegrityState::Error,
                "no access",
            ),
        ] {
            assert_eq!(
                outcome_to_check(&decided(a, r)),
                CheckOutcome::Verdict {
                    state,
                    recommendation: Some(rec.into()),
                    reasons: vec!["why".into()],
                }
            );
        }
        let CheckOutcome::Failed { class, .. } =
            outcome_to_check(&Outcome::Failed(PbCloseReason::Timeout))
        else {
            panic!()
        };
        assert_eq!(class, ErrorClass::Transient);
        let CheckOutcome::Failed { class, .. } =
            outcome_to_check(&Outcome::Failed(PbCloseReason::PeerClosed))
        else {
            panic!()
        };
        assert_eq!(class, ErrorClass::Permanent);
    }

    #[test]
    fn io_errors_are_classified() {
        use std::io::{Error as E, ErrorKind as K};
        assert_eq!(
            classify_io(&E::from(K::ConnectionRefused)),
            ErrorClass::Transient
        );
        assert_eq!(classify_io(&E::from(K::TimedOut)), ErrorClass::Transient);
        assert_eq!(
            classify_io(&E::from(K::ConnectionReset)),
            ErrorClass::Transient
        );
        assert_eq!(classify_io(&E::from(K::InvalidData)), ErrorClass::Permanent);
        let tls = E::other(rustls::Error::General("bad certificate".into()));
        assert_eq!(classify_io(&tls), ErrorClass::Permanent);
    }

    #[tokio::test]
    async fn a_silent_peer_ends_in_a_timeout_and_a_closed_one_in_an_error() {
        let imcs = Arc::new(ImcSet::new());
        let attrs = ConnectionAttributes::new("IF-TNCCS", "2.0");
        // the peer reads but never answers: the whole exchange is bounded
        let (mut a, _b) = tokio::io::duplex(64 * 1024);
        let e = drive_assessment(
            &mut a,
            imcs.clone(),
            attrs.clone(),
            ConnectionId(1),
            Duration::from_millis(200),
        )
        .await
        .unwrap_err();
        assert_eq!(e.class, ErrorClass::Transient, "{e}");
        // the peer hangs up at once
        let (mut a, b) = tokio::io::duplex(64 * 1024);
        drop(b);
        let e = drive_assessment(&mut a, imcs, attrs, ConnectionId(2), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert_eq!(e.class, ErrorClass::Transient, "{e}");
        // the peer answers with something that is not PT-TLS: a protocol error, permanent
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            let _ = b.write_all(&[0xFF; 64]).await;
            let mut sink = vec![0u8; 1024];
            while matches!(b.read(&mut sink).await, Ok(n) if n > 0) {}
        });
        let e = drive_assessment(
            &mut a,
            Arc::new(ImcSet::new()),
            ConnectionAttributes::new("IF-TNCCS", "2.0"),
            ConnectionId(3),
            Duration::from_secs(5),
        )
        .await
        .unwrap_err();
        assert_eq!(e.class, ErrorClass::Permanent, "{e}");
    }
}
