//! A minimal GWA for the integration tests, built from the protocol crates: a
//! PT-TLS server (tnc-ift-tls-bsi) with a TNC server (tnc-iftnccs) and one
//! test IMV that requests TCG PTS file measurements, compares them with
//! reference digests and checks the reported channel binding; a TLS profile
//! server (smgw-gwa-admin); a wake-up signer. Plus a gateway installation
//! (configuration, certificates, measured files) in a temporary directory.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use smgw_gwa_admin::binding::{BINDING_ATTR_TYPE, BINDING_PEN, BindingReport};
use smgw_gwa_admin::{
    Curve, ErrorBody, PrivateKey, ProfileResponse, TncProfile, serve_profile, sign_wakeup,
};
use smgw_reference::config::Config;
use smgw_reference::imc::{OS_MESSAGE_TYPE, PTS_MESSAGE_TYPE};
use smgw_reference::transport::{TlsIdentity, attributes_for};
use tnc_ifm::pts::{
    DELIMITER_SLASH, HashAlgorithms, MeasurementAlgorithmRequest, RequestFileMeasurement,
};
use tnc_ifm::{AttrValue, Attribute, Received, receive};
use tnc_ift_tls_bsi::identity::ConnectionInfo;
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::session::{Event, Role, Session as PtSession, SessionConfig};
use tnc_iftnccs::broker::{ImvSet, Tncs, TncsConfig};
use tnc_imc_api::{ConnectionId, MessageTypeFilter, Pen, ReceivedMessage, async_trait};
use tnc_imv_api::{ActionRecommendation, EvaluationResult, Imv, ImvContext};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

pub const GATEWAY_ID: &str = "EDEV0000000001";

/// Reference digests: (path, SHA-256), in request-id order.
pub type References = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

#[derive(Debug, Default, Clone)]
struct ConnVerdict {
    measured: usize,
    mismatches: Vec<String>,
    binding_ok: Option<bool>,
}

/// Test firmware IMV.
pub struct TestImv {
    /// path -> SHA-256 reference digest
    pub reference: References,
    state: Mutex<HashMap<ConnectionId, ConnVerdict>>,
}

#[async_trait]
impl Imv for TestImv {
    fn name(&self) -> &str {
        "test-firmware-imv"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![
            MessageTypeFilter::exact(OS_MESSAGE_TYPE),
            MessageTypeFilter::exact(PTS_MESSAGE_TYPE),
        ]
    }
    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        msg: ReceivedMessage<'_>,
    ) -> Result<(), tnc_imc_api::ApiError> {
        if msg.message_type == OS_MESSAGE_TYPE {
            let refs = self.reference.lock().unwrap().clone();
            let mut attrs = vec![Attribute::new(MeasurementAlgorithmRequest {
                algorithms: HashAlgorithms::SHA256,
            })];
            for (i, (path, _)) in refs.iter().enumerate() {
                attrs.push(Attribute::new(RequestFileMeasurement {
                    directory: false,
                    request_id: i as u16 + 1,
                    delimiter: DELIMITER_SLASH,
                    path,
                }));
            }
            let body = tnc_ifm::encode_message(1, &attrs).unwrap();
            return ctx.send(PTS_MESSAGE_TYPE, body);
        }
        let known = [(Pen::from_u24(BINDING_PEN), BINDING_ATTR_TYPE)];
        let Received::Accept(a) = receive(msg.body, &known) else {
            return Ok(());
        };
        let refs = self.reference.lock().unwrap().clone();
        let own = ctx.attributes().channel_binding.clone();
        let mut st = self.state.lock().unwrap();
        let v = st.entry(ctx.connection()).or_default();
        for attr in a.iter() {
            match attr.value {
                AttrValue::FileMeasurement(f) => {
                    let Some((path, want)) = refs.get(usize::from(f.request_id) - 1) else {
                        v.mismatches
                            .push(format!("unknown request {}", f.request_id));
                        continue;
                    };
                    for e in f.files.iter() {
                        v.measured += 1;
                        if e.digest != want.as_slice() {
                            v.mismatches
                                .push(format!("{path} differs from the reference"));
                        }
                    }
                }
                AttrValue::PaTncError(e) => {
                    v.mismatches.push(format!("collector error {}", e.code));
                }
                AttrValue::Unknown { vendor, value, .. } if vendor.get() == BINDING_PEN => {
                    let ok = match (BindingReport::decode(value), &own) {
                        (Ok(r), Some(o)) => r.data == o.data.as_slice(),
                        _ => false,
                    };
                    v.binding_ok = Some(ok);
                }
                _ => {}
            }
        }
        Ok(())
    }
    async fn solicit_recommendation(
        &self,
        ctx: &mut ImvContext,
    ) -> Result<(), tnc_imc_api::ApiError> {
        let v = self
            .state
            .lock()
            .unwrap()
            .remove(&ctx.connection())
            .unwrap_or_default();
        if v.measured == 0 {
            ctx.provide_recommendation(ActionRecommendation::NO_ACCESS, EvaluationResult::ERROR);
            ctx.add_reason("no measurements received", "en");
        } else if !v.mismatches.is_empty() {
            ctx.provide_recommendation(
                ActionRecommendation::ISOLATE,
                EvaluationResult::NONCOMPLIANT_MAJOR,
            );
            ctx.add_reason(&v.mismatches.join("; "), "en");
        } else if v.binding_ok != Some(true) {
            ctx.provide_recommendation(
                ActionRecommendation::NO_ACCESS,
                EvaluationResult::NONCOMPLIANT_MAJOR,
            );
            ctx.add_reason("channel binding missing or different (relay?)", "en");
        } else {
            ctx.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
        }
        Ok(())
    }
}

/// One assessment on an accepted connection (GWA side).
async fn serve_assessment(
    acceptor: tokio_rustls::TlsAcceptor,
    tcp: tokio::net::TcpStream,
    imvs: Arc<ImvSet>,
    conn: u32,
) -> Result<(), String> {
    use tokio::io::AsyncReadExt;
    let mut tls = acceptor.accept(tcp).await.map_err(|e| e.to_string())?;
    let info = ConnectionInfo::from_connection(tls.get_ref().1).map_err(|e| e.to_string())?;
    let mut tncs = Tncs::new(
        imvs,
        ConnectionId(conn),
        attributes_for(&info),
        TncsConfig::default(),
    );
    let mut pt = PtSession::new(SessionConfig::bsi(Role::Server), Instant::now());
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(20), tls.read(&mut buf))
            .await
            .map_err(|_| "idle timeout".to_string())?
            .map_err(|e| e.to_string())?;
        if n == 0 {
            return Ok(());
        }
        let fed = pt.feed(&buf[..n], Instant::now());
        while let Some(ev) = pt.poll_event() {
            match ev {
                Event::Batch(b) => {
                    let step = tncs.receive(&b, Instant::now()).await;
                    if let Some(out) = step.batch {
                        pt.send_batch(&out, Instant::now())
                            .map_err(|e| e.to_string())?;
                    }
                }
                Event::Closed(_) => {
                    let tx = pt.take_transmit();
                    let _ = tls.write_all(&tx).await;
                    let _ = tls.shutdown().await;
                    return Ok(());
                }
                _ => {}
            }
        }
        let tx = pt.take_transmit();
        if !tx.is_empty() {
            tls.write_all(&tx).await.map_err(|e| e.to_string())?;
        }
        fed.map_err(|e| e.to_string())?;
    }
}

/// The test GWA.
pub struct TestGwa {
    pub pki: DevPki,
    pub wakeup_key: PrivateKey,
    pub profile: Arc<Mutex<Option<TncProfile>>>,
    pub reference: References,
    pub profile_addr: SocketAddr,
    pub pt_port: u16,
    pt: Option<(
        tokio::sync::oneshot::Sender<()>,
        std::thread::JoinHandle<()>,
    )>,
    pub assessments: Arc<AtomicU32>,
}

impl TestGwa {
    pub async fn start() -> TestGwa {
        let pki = DevPki::generate(&DevPkiOptions {
            gateway_ids: vec![GATEWAY_ID.into()],
            ..DevPkiOptions::with_curve(tnc_ift_tls_bsi::provider::Curve::BrainpoolP256r1, 1)
        })
        .unwrap();
        let profile = Arc::new(Mutex::new(None::<TncProfile>));
        let settings = TlsSettings::new(Profile::Bsi);
        let creds = pki.credentials(&pki.gwa);
        let roots = vec![pki.root.cert_der()];
        let cfg = settings.server_config(&roots, &creds).unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(cfg);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let profile_addr = listener.local_addr().unwrap();
        let p = profile.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acc = acceptor.clone();
                let p = p.clone();
                tokio::spawn(async move {
                    if let Ok(mut tls) = acc.accept(tcp).await {
                        let cur = p.lock().unwrap().clone();
                        let _ = serve_profile(&mut tls, || async move {
                            match cur {
                                Some(p) => ProfileResponse::Profile(p),
                                None => ProfileResponse::Error(ErrorBody::new(
                                    ErrorBody::NO_PROFILE,
                                    "no TNC profile for this gateway",
                                )),
                            }
                        })
                        .await;
                        let _ = tls.shutdown().await;
                    }
                });
            }
        });
        let pt_port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        TestGwa {
            pki,
            wakeup_key: PrivateKey::generate(Curve::BrainpoolP256r1).unwrap(),
            profile,
            reference: Arc::new(Mutex::new(Vec::new())),
            profile_addr,
            pt_port,
            pt: None,
            assessments: Arc::new(AtomicU32::new(0)),
        }
    }

    /// Starts (or restarts) the PT-TLS server on `pt_port`: a thread with its
    /// own single-threaded runtime (the TNCS futures need not be `Send`), one
    /// local task per connection: TLS accept, PT-TLS server session, TNCS.
    pub async fn start_pt(&mut self) {
        let settings = TlsSettings::new(Profile::Bsi);
        let creds = self.pki.credentials(&self.pki.gwa);
        let roots = vec![self.pki.root.cert_der()];
        let acceptor =
            tokio_rustls::TlsAcceptor::from(settings.server_config(&roots, &creds).unwrap());
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.pt_port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let reference = self.reference.clone();
        let counter = self.assessments.clone();
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let local = tokio::task::LocalSet::new();
            local.block_on(&rt, async move {
                let listener = TcpListener::from_std(listener).unwrap();
                let mut imvs = ImvSet::new();
                imvs.add(Arc::new(TestImv {
                    reference,
                    state: Mutex::new(HashMap::new()),
                }));
                let imvs = Arc::new(imvs);
                loop {
                    tokio::select! {
                        _ = &mut stop_rx => return,
                        r = listener.accept() => {
                            let Ok((tcp, _)) = r else { continue };
                            let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                            let acc = acceptor.clone();
                            let imvs = imvs.clone();
                            tokio::task::spawn_local(async move {
                                let _ = serve_assessment(acc, tcp, imvs, n).await;
                            });
                        }
                    }
                }
            });
        });
        self.pt = Some((stop_tx, thread));
    }

    pub async fn stop_pt(&mut self) {
        if let Some((stop, thread)) = self.pt.take() {
            let _ = stop.send(());
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .unwrap()
                .unwrap();
        }
    }

    pub fn set_profile(&self, revision: u64, on: bool) {
        *self.profile.lock().unwrap() = Some(TncProfile {
            revision,
            tnc_enabled: on,
            interval_secs: 60,
            gwa_host: "127.0.0.1".into(),
            gwa_port: self.pt_port,
            expected_gwa_name: Some(self.pki.gwa.name.clone()),
            wakeup_key: self.wakeup_key.public_key().to_spki_pem().unwrap(),
        });
    }

    pub fn wakeup(&self, key: &PrivateKey, gateway: &str, nonce: u8) -> Vec<u8> {
        sign_wakeup(key, gateway, smgw_reference::time::unix_now(), [nonce; 16]).unwrap()
    }
}

/// A gateway installation in a temporary directory.
pub struct Install {
    pub dir: tempfile::TempDir,
    pub config_path: PathBuf,
}

impl Install {
    pub fn new(gwa: &TestGwa) -> Install {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        gwa.pki.write_pem(&root.join("pki")).unwrap();
        std::fs::create_dir_all(root.join("fw/bin")).unwrap();
        std::fs::write(root.join("fw/firmware.img"), b"SMGW firmware 1.0.0").unwrap();
        std::fs::write(root.join("fw/bin/meterd"), b"meter daemon").unwrap();
        std::fs::write(root.join("fw/bin/wand"), b"wan daemon").unwrap();
        let mut refs = gwa.reference.lock().unwrap();
        refs.clear();
        for f in ["fw/firmware.img", "fw/bin/meterd", "fw/bin/wand"] {
            let p = root.join(f);
            refs.push((
                p.display().to_string(),
                Sha256::digest(std::fs::read(&p).unwrap()).to_vec(),
            ));
        }
        let text = format!(
            r#"
[gateway]
id = "{GATEWAY_ID}"
data_dir = "data"
history_limit = 50

[tls]
cert = "pki/{GATEWAY_ID}-chain.pem"
key = "pki/{GATEWAY_ID}.key"
trust_anchors = "pki/root-ca.pem"

[gwa]
host = "127.0.0.1"
port = {}
expected_name = "{}"
timeout_secs = 10

[wakeup]
listen = "127.0.0.1:0"
window_secs = 300
replay_cache = 64

[product]
name = "Test SMGW"
version = "1.0.0"
major = 1
packages = [["firmware", "1.0.0"]]

[[manifest]]
name = "firmware"
path = "fw/firmware.img"

[[manifest]]
name = "binaries"
path = "fw/bin"

[[consumers]]
id = "c1"

[[consumers]]
id = "c2"

[meter]
interval_secs = 900

[schedule]
backoff_base_secs = 4
backoff_max_secs = 64
"#,
            gwa.profile_addr.port(),
            gwa.pki.gwa.name
        );
        let config_path = root.join("smgw.toml");
        std::fs::write(&config_path, text).unwrap();
        Install { dir, config_path }
    }

    pub fn config(&self) -> Config {
        Config::load_with_env(&self.config_path, |_| None).unwrap()
    }

    pub fn identity(&self) -> TlsIdentity {
        TlsIdentity::load(&self.config()).unwrap()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn data(&self) -> PathBuf {
        self.path("data")
    }
}

/// Events of a logbook file.
pub fn events(data: &Path, label: &str) -> Vec<String> {
    smgw_reference::logbook::read_entries(&data.join("logs").join(format!("{label}.log")))
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect()
}

pub fn count(events: &[String], name: &str) -> usize {
    events.iter().filter(|e| *e == name).count()
}
