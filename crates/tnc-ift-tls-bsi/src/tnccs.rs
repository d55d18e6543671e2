//! Glue (feature `tnccs`): drives a `tnc-iftnccs` TNC client or server over a PT-TLS
//! connection, so that programs do not repeat it.
//!
//! [`TnccDriver`] and [`TncsDriver`] implement [`PbDriver`]: they build the IMCs'/IMVs'
//! [`ConnectionAttributes`] from the TLS connection ([`connection_attributes`]: channel
//! binding, peer certificate identity, IF-T protocol), create the broker when the data
//! transport phase begins, hand every received batch to it, enforce its turn deadline, and
//! keep its [`Outcome`].
//!
//! ```no_run
//! # async fn run(client: tnc_ift_tls_bsi::net::Client, imcs: tnc_iftnccs::ImcSet)
//! #     -> Result<(), tnc_ift_tls_bsi::Error> {
//! use std::sync::Arc;
//! use tnc_ift_tls_bsi::tnccs::TnccDriver;
//! use tnc_imc_api::ConnectionId;
//!
//! let mut driver = TnccDriver::new(Arc::new(imcs), ConnectionId(1), Default::default());
//! client.run("127.0.0.1:271", &mut driver).await?;
//! let decision = driver.outcome().and_then(|o| o.decision());
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Instant;

use tnc_iftnccs::{ImcSet, ImvSet, Outcome, Tncc, TnccConfig, Tncs, TncsConfig};
use tnc_imc_api::{ChannelBindingKind, ConnectionAttributes, ConnectionId, PeerIdentity};

use crate::binding;
use crate::error::Error;
use crate::identity::ConnectionInfo;
use crate::net::{PbDriver, Step};

/// `TNC_ATTRIBUTEID_IFT_PROTOCOL` of PT-TLS.
pub const IFT_PROTOCOL: &str = "IF-T for TLS";
/// `TNC_ATTRIBUTEID_IFT_VERSION` of PT-TLS.
pub const IFT_VERSION: &str = "2.0";

/// The connection attributes IMCs/IMVs see for a PT-TLS connection: IF-T protocol and
/// version, the channel binding and the peer's certificate identity.
pub fn connection_attributes(info: &ConnectionInfo) -> ConnectionAttributes {
    let kind = match info.channel_binding.kind {
        binding::ChannelBindingKind::TlsUnique => ChannelBindingKind::TlsUnique,
        binding::ChannelBindingKind::TlsExporter => ChannelBindingKind::TlsExporter,
    };
    let mut attrs = ConnectionAttributes::new(IFT_PROTOCOL, IFT_VERSION)
        .with_channel_binding(kind, info.channel_binding.data.clone());
    if let Some(cert) = info.peer_chain.first() {
        attrs = attrs.with_peer_identity(PeerIdentity {
            subject: info
                .peer
                .common_name
                .as_deref()
                .map(|cn| format!("CN={cn}"))
                .unwrap_or_default(),
            name: info.peer.common_name.clone(),
            certificate_der: cert.clone(),
        });
    }
    attrs
}

fn map_step(step: tnc_iftnccs::Step, outcome: &mut Option<Outcome>) -> Step {
    if let Some(o) = step.outcome {
        *outcome = Some(o);
    }
    match step.batch {
        // a final CLOSE batch also ends the PT-TLS session (it reads the batch type)
        Some(b) => Step::Send(b),
        None if outcome.is_some() => Step::Done,
        None => Step::Wait,
    }
}

/// Drives a [`Tncc`] (the gateway's TNC client) over a PT-TLS connection.
pub struct TnccDriver {
    imcs: Arc<ImcSet>,
    connection: ConnectionId,
    config: TnccConfig,
    tncc: Option<Tncc>,
    outcome: Option<Outcome>,
    info: Option<ConnectionInfo>,
}

impl TnccDriver {
    /// A driver that will run `imcs` on the connection.
    pub fn new(imcs: Arc<ImcSet>, connection: ConnectionId, config: TnccConfig) -> Self {
        Self {
            imcs,
            connection,
            config,
            tncc: None,
            outcome: None,
            info: None,
        }
    }

    /// How PB-TNC ended, once it did.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome
            .as_ref()
            .or_else(|| self.tncc.as_ref().and_then(Tncc::outcome))
    }

    /// The TLS connection's parameters, once the data transport phase began.
    pub fn connection_info(&self) -> Option<&ConnectionInfo> {
        self.info.as_ref()
    }
}

#[async_trait::async_trait]
impl PbDriver for TnccDriver {
    async fn begin(&mut self, info: &ConnectionInfo) -> Result<Step, Error> {
        let mut tncc = Tncc::new(
            self.imcs.clone(),
            self.connection,
            connection_attributes(info),
            self.config.clone(),
        );
        self.info = Some(info.clone());
        let step = tncc.start(Instant::now()).await;
        self.tncc = Some(tncc);
        Ok(map_step(step, &mut self.outcome))
    }

    async fn batch(&mut self, batch: Vec<u8>) -> Result<Step, Error> {
        let tncc = self
            .tncc
            .as_mut()
            .ok_or(Error::State("PB-TNC batch before the data transport phase"))?;
        let step = tncc.receive(&batch, Instant::now()).await;
        Ok(map_step(step, &mut self.outcome))
    }

    fn deadline(&self) -> Option<Instant> {
        self.tncc.as_ref().and_then(Tncc::next_deadline)
    }

    async fn timeout(&mut self) -> Result<Step, Error> {
        let Some(tncc) = self.tncc.as_mut() else {
            return Ok(Step::Done);
        };
        let step = tncc.handle_timeout(Instant::now()).await;
        Ok(map_step(step, &mut self.outcome))
    }
}

/// Drives a [`Tncs`] (the GWA's TNC server) over a PT-TLS connection.
pub struct TncsDriver {
    imvs: Arc<ImvSet>,
    connection: ConnectionId,
    config: TncsConfig,
    tncs: Option<Tncs>,
    outcome: Option<Outcome>,
    info: Option<ConnectionInfo>,
}

impl TncsDriver {
    /// A driver that will run `imvs` on the connection.
    pub fn new(imvs: Arc<ImvSet>, connection: ConnectionId, config: TncsConfig) -> Self {
        Self {
            imvs,
            connection,
            config,
            tncs: None,
            outcome: None,
            info: None,
        }
    }

    /// How PB-TNC ended, once it did.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome
            .as_ref()
            .or_else(|| self.tncs.as_ref().and_then(Tncs::outcome))
    }

    /// The TNC server, once the data transport phase began (e.g. to read its decision).
    pub fn tncs(&self) -> Option<&Tncs> {
        self.tncs.as_ref()
    }

    /// The TLS connection's parameters, once the data transport phase began.
    pub fn connection_info(&self) -> Option<&ConnectionInfo> {
        self.info.as_ref()
    }
}

#[async_trait::async_trait]
impl PbDriver for TncsDriver {
    async fn begin(&mut self, info: &ConnectionInfo) -> Result<Step, Error> {
        self.tncs = Some(Tncs::new(
            self.imvs.clone(),
            self.connection,
            connection_attributes(info),
            self.config.clone(),
        ));
        self.info = Some(info.clone());
        // the client speaks first
        Ok(Step::Wait)
    }

    async fn batch(&mut self, batch: Vec<u8>) -> Result<Step, Error> {
        let tncs = self
            .tncs
            .as_mut()
            .ok_or(Error::State("PB-TNC batch before the data transport phase"))?;
        let step = tncs.receive(&batch, Instant::now()).await;
        Ok(map_step(step, &mut self.outcome))
    }

    fn deadline(&self) -> Option<Instant> {
        self.tncs.as_ref().and_then(Tncs::next_deadline)
    }

    async fn timeout(&mut self) -> Result<Step, Error> {
        let Some(tncs) = self.tncs.as_mut() else {
            return Ok(Step::Done);
        };
        let step = tncs.handle_timeout(Instant::now()).await;
        Ok(map_step(step, &mut self.outcome))
    }
}
