//! Test gateways for the GWA: a TNCC over PT-TLS with two collectors built from the crates
//! (IETF OS attributes; TCG PTS file measurements with the channel-binding report), and a GWA
//! started on 127.0.0.1 with a development PKI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::collapsible_if,
    dead_code
)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gwa_reference::config::Policy;
use gwa_reference::metrics::Metrics;
use gwa_reference::server::Gwa;
use gwa_reference::storage::{Manufacturer, SqliteStorage, Storage};
use sha2::Digest;
use smgw_gwa_admin::binding::{BINDING_ATTR_TYPE, BINDING_PEN, BindingKind, BindingReport};
use smgw_gwa_admin::{Curve as AdminCurve, PrivateKey};
use tnc_ifm::consts::{ForwardingStatus, OperationalResult, OperationalStatusCode, PtsErrorCode};
use tnc_ifm::ietf::{
    FactoryDefaultPasswordEnabled, ForwardingEnabled, OperationalStatus, ProductInformation,
    StringVersion,
};
use tnc_ifm::pa_tnc_error::PaTncError;
use tnc_ifm::pts::{FileMeasurement, FileMeasurementEntry, MeasurementAlgorithmSelection};
use tnc_ifm::seq::Seq;
use tnc_ifm::{AttrValue, Attribute, Received, encode_message, receive};
use tnc_ift_tls_bsi::Error as PtError;
use tnc_ift_tls_bsi::identity::ConnectionInfo;
use tnc_ift_tls_bsi::net::{Client, PbDriver, Server, ShutdownHandle, Step};
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_iftnccs::{Decision, ImcSet, Outcome, Tncc, TnccConfig};
use tnc_imc_api::{
    ApiError, ChannelBindingKind, ConnectionAttributes, ConnectionId, Imc, ImcContext, MessageType,
    MessageTypeFilter, Pen, ReceivedMessage, async_trait,
};
use tnc_wire::Pen as WirePen;

pub const IETF_OS: MessageType = MessageType::new(Pen::IETF, 1);
pub const TCG_PTS: MessageType = MessageType::new(Pen::TCG, 1);

/// What a simulated gateway is and reports.
#[derive(Debug, Clone)]
pub struct GatewaySpec {
    pub pen: u32,
    pub product: String,
    pub version: String,
    /// path → file content on the gateway
    pub files: BTreeMap<String, Vec<u8>>,
    /// report this binding instead of the connection's own (relay simulation)
    pub binding_override: Option<Vec<u8>>,
    pub report_binding: bool,
    pub default_password: bool,
    /// report nothing until the GWA asks (IETF Attribute Request)
    pub silent_start: bool,
}

impl GatewaySpec {
    pub fn new(pen: u32, product: &str, version: &str, files: &BTreeMap<String, Vec<u8>>) -> Self {
        Self {
            pen,
            product: product.into(),
            version: version.into(),
            files: files.clone(),
            binding_override: None,
            report_binding: true,
            default_password: false,
            silent_start: false,
        }
    }
}

pub fn firmware_files(tag: &str) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    m.insert(
        "/usr/lib/smgw/firmware.bin".to_owned(),
        format!("firmware image {tag}").into_bytes(),
    );
    m.insert(
        "/usr/bin/smgwd".to_owned(),
        format!("daemon {tag}").into_bytes(),
    );
    m.insert(
        "/etc/smgw/tnc.toml".to_owned(),
        format!("config {tag}").into_bytes(),
    );
    m
}

struct OsImc(Arc<GatewaySpec>);

impl OsImc {
    fn report(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        let s = &self.0;
        let body = encode_message(
            1,
            &[
                Attribute::new(ProductInformation {
                    vendor: WirePen::from_u24(s.pen),
                    product_id: 1,
                    name: &s.product,
                }),
                Attribute::new(StringVersion {
                    version: &s.version,
                    build: "",
                    configuration: "",
                }),
                Attribute::new(OperationalStatus {
                    status: OperationalStatusCode::OPERATIONAL,
                    result: OperationalResult::SUCCESSFUL,
                    last_use: "2026-01-01T00:00:00Z",
                }),
                Attribute::new(ForwardingEnabled {
                    status: ForwardingStatus::DISABLED,
                }),
                Attribute::new(FactoryDefaultPasswordEnabled {
                    enabled: s.default_password,
                }),
            ],
        )
        .unwrap();
        ctx.send(IETF_OS, body)
    }
}

#[async_trait]
impl Imc for OsImc {
    fn name(&self) -> &str {
        "test-os"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(IETF_OS)]
    }
    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        if self.0.silent_start {
            return Ok(());
        }
        self.report(ctx)
    }
    async fn receive_message(
        &self,
        ctx: &mut ImcContext,
        m: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        if let Received::Accept(acc) = receive(m.body, &[]) {
            if acc
                .iter()
                .any(|a| matches!(a.value, AttrValue::AttributeRequest(_)))
            {
                return self.report(ctx);
            }
        }
        Ok(())
    }
}

struct PtsImc(Arc<GatewaySpec>);

#[async_trait]
impl Imc for PtsImc {
    fn name(&self) -> &str {
        "test-pts"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(TCG_PTS)]
    }
    async fn begin_handshake(&self, _ctx: &mut ImcContext) -> Result<(), ApiError> {
        Ok(())
    }
    async fn receive_message(
        &self,
        ctx: &mut ImcContext,
        m: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        let Received::Accept(acc) = receive(m.body, &[]) else {
            return Ok(());
        };
        let mut digests: Vec<(u16, String, Vec<u8>)> = Vec::new();
        let mut errors: Vec<Vec<u8>> = Vec::new();
        let mut asked_alg = false;
        for a in acc.iter() {
            match a.value {
                AttrValue::MeasurementAlgorithmRequest(_) => asked_alg = true,
                AttrValue::RequestFileMeasurement(r) => match self.0.files.get(r.path) {
                    Some(content) => {
                        let name = r.path.rsplit('/').next().unwrap_or("").to_owned();
                        digests.push((r.request_id, name, sha2::Sha256::digest(content).to_vec()));
                    }
                    None => {
                        // PTS File Not Found with a copy of the request value
                        let mut copy = vec![0u8, 0];
                        copy.extend_from_slice(&r.request_id.to_be_bytes());
                        copy.extend_from_slice(&r.delimiter.to_be_bytes());
                        copy.extend_from_slice(r.path.as_bytes());
                        errors.push(copy);
                    }
                },
                _ => {}
            }
        }
        let entries: Vec<Vec<FileMeasurementEntry<'_>>> = digests
            .iter()
            .map(|(_, name, d)| vec![FileMeasurementEntry { digest: d, name }])
            .collect();
        let mut attrs: Vec<Attribute<'_>> = Vec::new();
        if asked_alg {
            attrs.push(Attribute::new(MeasurementAlgorithmSelection {
                algorithm: tnc_ifm::pts::HashAlgorithms::SHA256,
            }));
        }
        for (i, (id, _, _)) in digests.iter().enumerate() {
            attrs.push(Attribute::new(FileMeasurement {
                request_id: *id,
                measurement_len: 32,
                files: Seq::Items(&entries[i]),
            }));
        }
        for e in &errors {
            attrs.push(Attribute::new(PaTncError::pts_request_copy(
                PtsErrorCode::FILE_NOT_FOUND,
                e,
            )));
        }
        let own = ctx.attributes().channel_binding.clone();
        let binding_value;
        if self.0.report_binding {
            if let Some(own) = own {
                let data = self.0.binding_override.clone().unwrap_or(own.data);
                let kind = match own.kind {
                    ChannelBindingKind::TlsUnique => BindingKind::TLS_UNIQUE,
                    _ => BindingKind::TLS_EXPORTER,
                };
                binding_value = BindingReport { kind, data: &data }.encode().unwrap();
                attrs.push(
                    Attribute::new(AttrValue::Unknown {
                        vendor: WirePen::from_u24(BINDING_PEN),
                        attr_type: BINDING_ATTR_TYPE,
                        value: &binding_value,
                    })
                    .with_noskip(),
                );
            }
        }
        let body = encode_message(2, &attrs).unwrap();
        ctx.send(TCG_PTS, body)
    }
}

/// The gateway's PB-TNC side over PT-TLS.
pub struct TnccDriver {
    imcs: Arc<ImcSet>,
    tncc: Option<Tncc>,
    pub decision: Arc<Mutex<Option<Decision>>>,
    pub binding: Arc<Mutex<Option<Vec<u8>>>>,
}

impl TnccDriver {
    pub fn new(spec: GatewaySpec) -> Self {
        let spec = Arc::new(spec);
        let mut imcs = ImcSet::new();
        imcs.add(Arc::new(OsImc(spec.clone())));
        imcs.add(Arc::new(PtsImc(spec)));
        Self {
            imcs: Arc::new(imcs),
            tncc: None,
            decision: Arc::default(),
            binding: Arc::default(),
        }
    }

    fn map(&self, step: tnc_iftnccs::Step) -> Step {
        if let Some(Outcome::Decided(d)) = &step.outcome {
            *self.decision.lock().unwrap() = Some(d.clone());
        }
        match (step.batch, step.outcome) {
            (Some(b), _) => Step::Send(b),
            (None, Some(_)) => Step::Done,
            (None, None) => Step::Wait,
        }
    }
}

#[async_trait]
impl PbDriver for TnccDriver {
    async fn begin(&mut self, info: &ConnectionInfo) -> Result<Step, PtError> {
        let kind = match info.channel_binding.kind {
            tnc_ift_tls_bsi::binding::ChannelBindingKind::TlsUnique => {
                ChannelBindingKind::TlsUnique
            }
            tnc_ift_tls_bsi::binding::ChannelBindingKind::TlsExporter => {
                ChannelBindingKind::TlsExporter
            }
        };
        *self.binding.lock().unwrap() = Some(info.channel_binding.data.clone());
        let attrs = ConnectionAttributes::new("IF-T for TLS", "2.0")
            .with_channel_binding(kind, info.channel_binding.data.clone());
        let mut tncc = Tncc::new(
            self.imcs.clone(),
            ConnectionId(1),
            attrs,
            TnccConfig::default(),
        );
        let step = tncc.start(Instant::now()).await;
        self.tncc = Some(tncc);
        Ok(self.map(step))
    }
    async fn batch(&mut self, batch: Vec<u8>) -> Result<Step, PtError> {
        let tncc = self.tncc.as_mut().ok_or(PtError::State("no TNCC"))?;
        let step = tncc.receive(&batch, Instant::now()).await;
        Ok(self.map(step))
    }
}

/// PKIs of a test: the trusted one, one from another CA, one expired but chaining to a
/// trusted root.
pub struct Pkis {
    pub good: DevPki,
    pub foreign: DevPki,
    pub expired: DevPki,
}

pub fn pkis(curve: Curve, n: usize) -> Pkis {
    let good = DevPki::generate(&DevPkiOptions::with_curve(curve, n)).unwrap();
    let mut f = DevPkiOptions::with_curve(curve, 1);
    f.organization = "Foreign CA".into();
    let foreign = DevPki::generate(&f).unwrap();
    let mut e = DevPkiOptions::with_curve(curve, 1);
    e.organization = "Expired".into();
    e.gateway_ids = vec!["EEXPIRED000001".into()];
    e.validity_days = 1;
    e.not_before = Some(std::time::SystemTime::now() - Duration::from_secs(10 * 86400));
    let expired = DevPki::generate(&e).unwrap();
    Pkis {
        good,
        foreign,
        expired,
    }
}

pub struct Running {
    pub addr: SocketAddr,
    pub gwa: Arc<Gwa>,
    pub storage: Arc<dyn Storage>,
    pub stop: ShutdownHandle,
    pub task: tokio::task::JoinHandle<Result<(), PtError>>,
    pub dir: tempfile::TempDir,
}

/// Two manufacturers with a signing key each.
pub const ACME_PEN: u32 = 4711;
pub const ZETA_PEN: u32 = 4712;

pub async fn start_gwa(p: &Pkis, policy: Policy) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("gwa.sqlite")).unwrap();
    storage.init().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(storage);
    let gwa = Gwa::new(storage.clone(), policy, Arc::new(Metrics::new()));
    let settings = TlsSettings::new(Profile::Bsi);
    let creds = p.good.credentials(&p.good.gwa);
    let server = Server::bind(
        "127.0.0.1:0",
        &settings,
        &[p.good.root.cert_der(), p.expired.root.cert_der()],
        &creds,
    )
    .await
    .unwrap();
    let addr = server.local_addr().unwrap();
    let stop = server.shutdown_handle();
    let task = tokio::spawn(server.run(gwa.driver_factory(), Duration::from_secs(5)));
    Running {
        addr,
        gwa,
        storage,
        stop,
        task,
        dir,
    }
}

/// Registers ACME and Zeta and imports one firmware version each (reference = `files`).
pub fn import_reference(
    r: &Running,
    vendor: &str,
    pen: u32,
    version: &str,
    files: &BTreeMap<String, Vec<u8>>,
) {
    import_reference_into(
        r.storage.as_ref(),
        r.dir.path(),
        vendor,
        pen,
        version,
        files,
    );
}

/// Registers `vendor` and imports a signed manifest of `files` through `storage`.
pub fn import_reference_into(
    storage: &dyn Storage,
    dir: &std::path::Path,
    vendor: &str,
    pen: u32,
    version: &str,
    files: &BTreeMap<String, Vec<u8>>,
) {
    let key = PrivateKey::generate(AdminCurve::BrainpoolP256r1).unwrap();
    if storage.manufacturer(vendor).unwrap().is_none() {
        storage
            .add_manufacturer(&Manufacturer {
                name: vendor.into(),
                pen,
                public_key_pem: key.public_key().to_spki_pem().unwrap(),
                added_ms: 1,
            })
            .unwrap();
    } else {
        panic!("register each vendor once per test");
    }
    let path = write_signed_manifest(dir, &key, vendor, pen, version, files);
    gwa_reference::manifest::import(storage, &path, 2).unwrap();
}

/// Writes `<vendor>-<version>.json` (product SMGW-X, SHA-256 of `files`) and its detached
/// signature by `key` into `dir`; returns the manifest's path.
#[allow(dead_code)]
pub fn write_signed_manifest(
    dir: &std::path::Path,
    key: &PrivateKey,
    vendor: &str,
    pen: u32,
    version: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> std::path::PathBuf {
    let mut obj = serde_json::Map::new();
    for (p, c) in files {
        obj.insert(p.clone(), hex::encode(sha2::Sha256::digest(c)).into());
    }
    let text = serde_json::to_string_pretty(&serde_json::json!({
        "format": 1, "vendor": vendor, "vendor_pen": pen, "product": "SMGW-X",
        "firmware_version": version, "algorithm": "sha256", "files": obj,
    }))
    .unwrap();
    let path = dir.join(format!("{vendor}-{version}.json"));
    std::fs::write(&path, &text).unwrap();
    std::fs::write(
        format!("{}.sig", path.display()),
        key.sign(text.as_bytes()).unwrap(),
    )
    .unwrap();
    path
}

pub fn client(pki: &DevPki, leaf: &tnc_ift_tls_bsi::pki::Issued, trust: &DevPki) -> Client {
    let mut settings = TlsSettings::new(Profile::Bsi);
    settings.expected_peer = Some("gwa.localhost".into());
    Client::new(
        settings,
        &[trust.root.cert_der()],
        Some(&pki.credentials(leaf)),
    )
    .unwrap()
}

/// Runs one assessment; returns the decision the gateway received and its channel binding.
pub async fn assess(
    addr: SocketAddr,
    pki: &DevPki,
    idx: usize,
    spec: GatewaySpec,
) -> Result<(Option<Decision>, Vec<u8>), PtError> {
    let mut d = TnccDriver::new(spec);
    let c = client(pki, &pki.gateways[idx], pki);
    c.run(addr, &mut d).await?;
    let decision = d.decision.lock().unwrap().clone();
    let binding = d.binding.lock().unwrap().clone().unwrap_or_default();
    Ok((decision, binding))
}
