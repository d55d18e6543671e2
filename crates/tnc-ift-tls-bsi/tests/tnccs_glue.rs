//! The `tnccs` glue on 127.0.0.1: a real TNCC with an IMC and a real TNCS with an IMV over
//! PT-TLS (BSI profile, brainpoolP256r1 certificates); both plug-ins see the same channel
//! binding and the other side's certificate identity; a client that stalls mid-assessment
//! is closed by the server's PB-TNC turn deadline.
#![cfg(feature = "tnccs")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tnc_ift_tls_bsi::Error;
use tnc_ift_tls_bsi::identity::ConnectionInfo;
use tnc_ift_tls_bsi::net::{Client, DriverFactory, PbDriver, Server, Step};
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_ift_tls_bsi::tnccs::{TnccDriver, TncsDriver};
use tnc_iftnccs::{
    AccessRecommendation, AssessmentResult, ImcSet, ImvSet, Outcome, TnccConfig, TncsConfig,
};
use tnc_imc_api::{
    ApiError, ConnectionId, Imc, ImcContext, MessageType, MessageTypeFilter, Pen, async_trait,
};
use tnc_imv_api::{ActionRecommendation, EvaluationResult, Imv, ImvContext, ReceivedMessage};

const TYPE: MessageType = MessageType::new(Pen::IETF, 1);

type Seen = Arc<Mutex<Vec<(Vec<u8>, Option<String>)>>>;

/// Sends the channel binding it sees as its measurement.
struct BindingImc(Seen);
#[async_trait]
impl Imc for BindingImc {
    fn name(&self) -> &str {
        "binding-imc"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(TYPE)]
    }
    async fn begin_handshake(&self, ctx: &mut ImcContext) -> Result<(), ApiError> {
        let attrs = ctx.attributes();
        let cb = attrs.channel_binding.as_ref().unwrap().data.clone();
        let peer = attrs.peer_identity.as_ref().and_then(|p| p.name.clone());
        self.0.lock().unwrap().push((cb.clone(), peer));
        ctx.send(TYPE, cb)
    }
}

/// Allows when the client's reported binding equals its own connection's.
struct BindingImv(Seen);
#[async_trait]
impl Imv for BindingImv {
    fn name(&self) -> &str {
        "binding-imv"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(TYPE)]
    }
    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        m: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        let attrs = ctx.attributes();
        let own = attrs.channel_binding.as_ref().unwrap().data.clone();
        let peer = attrs.peer_identity.as_ref().and_then(|p| p.name.clone());
        self.0.lock().unwrap().push((own.clone(), peer));
        if m.body == own.as_slice() {
            ctx.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
        } else {
            ctx.provide_recommendation(
                ActionRecommendation::ISOLATE,
                EvaluationResult::NONCOMPLIANT_MAJOR,
            );
        }
        Ok(())
    }
    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        ctx.provide_recommendation(
            ActionRecommendation::NO_RECOMMENDATION,
            EvaluationResult::DONT_KNOW,
        );
        Ok(())
    }
}

struct Fixture {
    pki: DevPki,
    addr: std::net::SocketAddr,
    outcomes: Arc<Mutex<Vec<Option<Outcome>>>>,
    imv_seen: Seen,
}

/// Reports the server driver's outcome when the connection ends.
struct Reporting(TncsDriver, Arc<Mutex<Vec<Option<Outcome>>>>);
#[async_trait]
impl PbDriver for Reporting {
    async fn begin(&mut self, info: &ConnectionInfo) -> Result<Step, Error> {
        self.0.begin(info).await
    }
    async fn batch(&mut self, b: Vec<u8>) -> Result<Step, Error> {
        self.0.batch(b).await
    }
    fn deadline(&self) -> Option<std::time::Instant> {
        self.0.deadline()
    }
    async fn timeout(&mut self) -> Result<Step, Error> {
        self.0.timeout().await
    }
    async fn finished(&mut self, _r: Result<&tnc_ift_tls_bsi::net::Outcome, &Error>) {
        self.1.lock().unwrap().push(self.0.outcome().cloned());
    }
}

async fn serve(turn_timeout: Duration) -> Fixture {
    let pki = DevPki::generate(&DevPkiOptions::with_curve(Curve::BrainpoolP256r1, 1)).unwrap();
    let settings = TlsSettings::new(Profile::Bsi);
    let creds = pki.credentials(&pki.gwa);
    let server = Server::bind("127.0.0.1:0", &settings, &[pki.root.cert_der()], &creds)
        .await
        .unwrap();
    let addr = server.local_addr().unwrap();
    let imv_seen: Seen = Arc::default();
    let mut imvs = ImvSet::new();
    imvs.add(Arc::new(BindingImv(imv_seen.clone())));
    let imvs = Arc::new(imvs);
    let outcomes: Arc<Mutex<Vec<Option<Outcome>>>> = Arc::default();
    let o = outcomes.clone();
    let mut config = TncsConfig::default();
    config.limits.turn_timeout = turn_timeout;
    let factory: DriverFactory = Arc::new(move || {
        Box::new(Reporting(
            TncsDriver::new(imvs.clone(), ConnectionId(7), config.clone()),
            o.clone(),
        )) as Box<dyn PbDriver>
    });
    tokio::spawn(server.run(factory, Duration::from_secs(5)));
    Fixture {
        pki,
        addr,
        outcomes,
        imv_seen,
    }
}

fn client(f: &Fixture) -> Client {
    let mut settings = TlsSettings::new(Profile::Bsi);
    settings.tls13 = false; // tls-unique
    settings.expected_peer = Some(f.pki.gwa.name.clone());
    let g = &f.pki.gateways[0];
    Client::new(
        settings,
        &[f.pki.root.cert_der()],
        Some(&f.pki.credentials(g)),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tncc_and_tncs_assess_over_pt_tls_with_one_channel_binding() {
    let f = serve(Duration::from_secs(30)).await;
    let imc_seen: Seen = Arc::default();
    let mut imcs = ImcSet::new();
    imcs.add(Arc::new(BindingImc(imc_seen.clone())));
    let mut driver = TnccDriver::new(Arc::new(imcs), ConnectionId(1), TnccConfig::default());
    let out = client(&f).run(f.addr, &mut driver).await.unwrap();

    let decision = driver
        .outcome()
        .and_then(Outcome::decision)
        .unwrap()
        .clone();
    assert_eq!(decision.assessment, AssessmentResult::COMPLIANT);
    assert_eq!(decision.recommendation, AccessRecommendation::ALLOWED);
    // the server's broker reached the same decision
    tokio::time::sleep(Duration::from_millis(100)).await;
    let server_outcome = f.outcomes.lock().unwrap()[0].clone().unwrap();
    assert_eq!(server_outcome.decision(), Some(&decision));

    let imc = imc_seen.lock().unwrap()[0].clone();
    let imv = f.imv_seen.lock().unwrap()[0].clone();
    assert_eq!(imc.0.len(), 12, "TLS 1.2 tls-unique is 12 octets");
    assert_eq!(imc.0, imv.0);
    assert_eq!(imc.0, out.info.channel_binding.data);
    assert_eq!(imc.1.as_deref(), Some(f.pki.gwa.name.as_str()));
    assert_eq!(imv.1.as_deref(), Some(f.pki.gateways[0].name.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_turn_deadline_closes_a_stalled_client() {
    let f = serve(Duration::from_millis(300)).await;
    // a client that sends its first CDATA batch, then stalls (never answers)
    struct Stalling(TnccDriver);
    #[async_trait]
    impl PbDriver for Stalling {
        async fn begin(&mut self, info: &ConnectionInfo) -> Result<Step, Error> {
            self.0.begin(info).await
        }
        async fn batch(&mut self, _b: Vec<u8>) -> Result<Step, Error> {
            Ok(Step::Wait)
        }
    }
    let mut imcs = ImcSet::new();
    imcs.add(Arc::new(BindingImc(Arc::default())));
    let mut driver = Stalling(TnccDriver::new(
        Arc::new(imcs),
        ConnectionId(1),
        TnccConfig::default(),
    ));
    // the IMV answers at once, so the server's turn is over and the client's turn deadline
    // of 300 ms runs on the server; then the server closes the session
    let started = std::time::Instant::now();
    let r = client(&f).run(f.addr, &mut driver).await;
    assert!(started.elapsed() < Duration::from_secs(10), "{r:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let server_outcome = f.outcomes.lock().unwrap()[0].clone();
    assert!(
        matches!(server_outcome, Some(Outcome::Failed(_))),
        "{server_outcome:?}"
    );
}
