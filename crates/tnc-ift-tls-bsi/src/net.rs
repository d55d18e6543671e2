//! Tokio adapters: a PT-TLS client (the gateway: connect, one assessment, close) and
//! server (the GWA: accept loop, one task per connection, handshake and idle
//! timeouts, connection limit, graceful shutdown). TCP_NODELAY is set on every socket.
//!
//! PB-TNC stays outside: each side hands batches to a caller-supplied [`PbDriver`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::error::Error;
use crate::identity::ConnectionInfo;
use crate::profile::{Credentials, TlsSettings};
use crate::session::{CloseReason, Event, Role, Session, SessionConfig};

/// What a [`PbDriver`] wants next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this PB-TNC batch.
    Send(Vec<u8>),
    /// Nothing to send; wait for the peer's next batch.
    Wait,
    /// The assessment is over: close the connection.
    Done,
}

/// The PB-TNC side of a connection (a TNCC on the gateway, a TNCS on the GWA).
#[async_trait::async_trait]
pub trait PbDriver: Send {
    /// The data transport phase began. A client returns its first batch (CDATA).
    async fn begin(&mut self, info: &ConnectionInfo) -> Result<Step, Error>;
    /// A batch arrived; return the next batch or `Done`.
    async fn batch(&mut self, batch: Vec<u8>) -> Result<Step, Error>;
    /// The connection ended (called once, also on failure).
    async fn finished(&mut self, _result: Result<&Outcome, &Error>) {}
    /// The driver's own next deadline (e.g. a PB-TNC turn deadline), if any. The adapter
    /// calls [`timeout`](Self::timeout) when it passes before the peer's next batch.
    fn deadline(&self) -> Option<Instant> {
        None
    }
    /// The driver's deadline passed; return what to do (a CLOSE batch, or `Done`).
    async fn timeout(&mut self) -> Result<Step, Error> {
        Ok(Step::Done)
    }
}

/// A driver from a closure: called with `None` at the start and `Some(batch)` for
/// every received batch.
pub struct FnDriver<F>(pub F);

#[async_trait::async_trait]
impl<F> PbDriver for FnDriver<F>
where
    F: FnMut(Option<&[u8]>) -> Result<Step, Error> + Send,
{
    async fn begin(&mut self, _info: &ConnectionInfo) -> Result<Step, Error> {
        (self.0)(None)
    }

    async fn batch(&mut self, batch: Vec<u8>) -> Result<Step, Error> {
        (self.0)(Some(&batch))
    }
}

/// How one connection ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// TLS parameters, peer identity and channel binding.
    pub info: ConnectionInfo,
    /// Batches sent.
    pub batches_sent: u32,
    /// Batches received.
    pub batches_received: u32,
    /// Why the PT-TLS session closed.
    pub close_reason: CloseReason,
}

/// Timeouts of a connection.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// TCP connect (client).
    pub connect: Duration,
    /// TLS handshake.
    pub handshake: Duration,
    /// Longest wait for the peer's next PT-TLS bytes.
    pub idle: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(30),
            handshake: Duration::from_secs(30),
            idle: Duration::from_secs(300),
        }
    }
}

async fn flush<S: AsyncWrite + Unpin>(stream: &mut S, session: &mut Session) -> Result<(), Error> {
    let out = session.take_transmit();
    if !out.is_empty() {
        stream.write_all(&out).await?;
        stream.flush().await?;
    }
    Ok(())
}

/// Runs a PT-TLS session over an established TLS stream.
async fn run_session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    mut session: Session,
    driver: &mut dyn PbDriver,
    info: ConnectionInfo,
    idle: Duration,
) -> Result<Outcome, Error> {
    let (mut sent, mut received) = (0u32, 0u32);
    if session.config().role == Role::Client {
        session.start(Instant::now())?;
    }
    let mut buf = vec![0u8; 16 * 1024];
    let mut reason = None;
    loop {
        while let Some(ev) = session.poll_event() {
            let step = match ev {
                Event::Ready => Some(driver.begin(&info).await?),
                Event::Batch(b) => {
                    received += 1;
                    if session.is_closed() {
                        // the peer's CLOSE batch: let the driver see it, send nothing more
                        let _ = driver.batch(b).await?;
                        None
                    } else {
                        Some(driver.batch(b).await?)
                    }
                }
                Event::Closed(r) => {
                    reason = Some(r);
                    None
                }
                _ => None,
            };
            match step {
                Some(Step::Send(b)) => {
                    session.send_batch(&b, Instant::now())?;
                    sent += 1;
                }
                Some(Step::Done) => session.close(),
                Some(Step::Wait) | None => {}
            }
        }
        flush(stream, &mut session).await?;
        if session.is_closed() {
            // drain the events produced by close()
            while let Some(ev) = session.poll_event() {
                if let Event::Closed(r) = ev {
                    reason = Some(r);
                }
            }
            let _ = stream.shutdown().await;
            let close_reason = reason.unwrap_or(CloseReason::Done);
            return match close_reason {
                CloseReason::Done => Ok(Outcome {
                    info,
                    batches_sent: sent,
                    batches_received: received,
                    close_reason,
                }),
                CloseReason::Expired => Err(Error::Expired),
                CloseReason::LocalError(code) => Err(Error::Protocol {
                    code,
                    reason: "PT-TLS error sent",
                }),
                CloseReason::PeerError(code) => Err(Error::PeerError { vendor: 0, code }),
                _ => Err(Error::Authentication("SASL authentication failed")),
            };
        }
        let now = Instant::now();
        let wait = [session.deadline(), driver.deadline()]
            .into_iter()
            .flatten()
            .map(|d| d.saturating_duration_since(now))
            .fold(idle, Duration::min);
        let n = match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(r) => r?,
            Err(_) => {
                let now = Instant::now();
                if driver.deadline().is_some_and(|d| d <= now) {
                    match driver.timeout().await? {
                        Step::Send(b) => {
                            session.send_batch(&b, now)?;
                            sent += 1;
                        }
                        Step::Done => session.close(),
                        Step::Wait => {}
                    }
                    continue;
                }
                session.handle_timeout(now);
                if session.is_closed() {
                    continue;
                }
                let _ = stream.shutdown().await;
                return Err(Error::Timeout("peer idle"));
            }
        };
        if n == 0 {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "peer closed the connection before the assessment ended",
            )));
        }
        if let Err(e) = session.feed(&buf[..n], Instant::now()) {
            // send the PT-TLS Error the session queued, then report
            let _ = flush(stream, &mut session).await;
            let _ = stream.shutdown().await;
            return Err(e);
        }
    }
}

/// The gateway side: connects and runs one assessment.
#[derive(Debug, Clone)]
pub struct Client {
    config: Arc<rustls::ClientConfig>,
    settings: TlsSettings,
    session: SessionConfig,
    timeouts: Timeouts,
}

impl Client {
    /// A client with the profile's session rules.
    pub fn new(
        settings: TlsSettings,
        roots: &[CertificateDer<'static>],
        creds: Option<&Credentials>,
    ) -> Result<Client, Error> {
        let config = settings.client_config(roots, creds)?;
        let session = settings.profile.session_config(Role::Client);
        Ok(Client {
            config,
            settings,
            session,
            timeouts: Timeouts::default(),
        })
    }

    /// Replaces the PT-TLS session configuration (e.g. SASL credentials, lifetime).
    pub fn with_session_config(mut self, cfg: SessionConfig) -> Self {
        self.session = cfg;
        self
    }

    /// Replaces the timeouts.
    pub fn with_timeouts(mut self, t: Timeouts) -> Self {
        self.timeouts = t;
        self
    }

    /// Connects to `addr`, runs one assessment with `driver`, closes.
    pub async fn run<A: ToSocketAddrs>(
        &self,
        addr: A,
        driver: &mut dyn PbDriver,
    ) -> Result<Outcome, Error> {
        let r = self.run_inner(addr, driver).await;
        driver.finished(r.as_ref()).await;
        r
    }

    async fn run_inner<A: ToSocketAddrs>(
        &self,
        addr: A,
        driver: &mut dyn PbDriver,
    ) -> Result<Outcome, Error> {
        let tcp = tokio::time::timeout(self.timeouts.connect, TcpStream::connect(addr))
            .await
            .map_err(|_| Error::Timeout("TCP connect"))??;
        tcp.set_nodelay(true)?;
        let peer_addr = tcp.peer_addr().ok();
        let local_addr = tcp.local_addr().ok();
        let connector = tokio_rustls::TlsConnector::from(self.config.clone());
        let mut tls = tokio::time::timeout(
            self.timeouts.handshake,
            connector.connect(self.settings.server_name(), tcp),
        )
        .await
        .map_err(|_| Error::Timeout("TLS handshake"))??;
        let mut info = ConnectionInfo::from_connection(tls.get_ref().1)?;
        info.peer_addr = peer_addr;
        info.local_addr = local_addr;
        let session = Session::new(self.session.clone(), Instant::now());
        run_session(&mut tls, session, driver, info, self.timeouts.idle).await
    }
}

/// Creates a driver per accepted connection.
pub type DriverFactory = Arc<dyn Fn() -> Box<dyn PbDriver> + Send + Sync>;

/// Counters of a server.
#[derive(Debug, Default)]
pub struct ServerStats {
    /// Connections accepted (TCP).
    pub accepted: AtomicU64,
    /// Connections refused because of the connection limit.
    pub refused: AtomicU64,
    /// Assessments that ended normally.
    pub completed: AtomicU64,
    /// Connections that failed (TLS, PT-TLS, timeout, driver).
    pub failed: AtomicU64,
}

/// The GWA side: a PT-TLS listener.
pub struct Server {
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    session: SessionConfig,
    timeouts: Timeouts,
    max_connections: usize,
    proxy_protocol: bool,
    shutdown_tx: watch::Sender<bool>,
    stats: Arc<ServerStats>,
}

/// Requests a graceful shutdown of a [`Server`].
#[derive(Debug, Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    /// Stops accepting; running connections finish (up to the grace period).
    pub fn shutdown(&self) {
        let _ = self.0.send(true);
    }
}

impl Server {
    /// Binds a listener.
    pub async fn bind<A: ToSocketAddrs>(
        addr: A,
        settings: &TlsSettings,
        roots: &[CertificateDer<'static>],
        creds: &Credentials,
    ) -> Result<Server, Error> {
        let config = settings.server_config(roots, creds)?;
        let (shutdown_tx, _) = watch::channel(false);
        Ok(Server {
            listener: TcpListener::bind(addr).await?,
            acceptor: tokio_rustls::TlsAcceptor::from(config),
            session: settings.profile.session_config(Role::Server),
            timeouts: Timeouts::default(),
            max_connections: 1024,
            proxy_protocol: false,
            shutdown_tx,
            stats: Arc::new(ServerStats::default()),
        })
    }

    /// Replaces the PT-TLS session configuration.
    pub fn with_session_config(mut self, cfg: SessionConfig) -> Self {
        self.session = cfg;
        self
    }

    /// Replaces the timeouts.
    pub fn with_timeouts(mut self, t: Timeouts) -> Self {
        self.timeouts = t;
        self
    }

    /// Sets the most concurrent connections; more are closed at once.
    pub fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Expects a PROXY protocol v2 header (see [`crate::proxy`]) before each TLS handshake
    /// and takes the peer address from it. Only for a listener that nothing but the load
    /// balancer can reach.
    pub fn with_proxy_protocol(mut self, on: bool) -> Self {
        self.proxy_protocol = on;
        self
    }

    /// The bound address.
    pub fn local_addr(&self) -> Result<SocketAddr, Error> {
        Ok(self.listener.local_addr()?)
    }

    /// A handle that stops the server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown_tx.clone())
    }

    /// The server's counters.
    pub fn stats(&self) -> Arc<ServerStats> {
        self.stats.clone()
    }

    /// Accepts connections until shutdown; then waits up to `grace` for running
    /// connections and aborts the rest.
    pub async fn run(self, factory: DriverFactory, grace: Duration) -> Result<(), Error> {
        let mut shutdown = self.shutdown_tx.subscribe();
        let limit = Arc::new(Semaphore::new(self.max_connections));
        let mut tasks = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.changed() => break,
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                r = self.listener.accept() => {
                    let (tcp, _peer) = match r {
                        Ok(x) => x,
                        Err(e) => {
                            tracing::warn!(error = %e, "accept failed");
                            continue;
                        }
                    };
                    self.stats.accepted.fetch_add(1, Ordering::Relaxed);
                    let Ok(permit) = limit.clone().try_acquire_owned() else {
                        self.stats.refused.fetch_add(1, Ordering::Relaxed);
                        drop(tcp);
                        continue;
                    };
                    let acceptor = self.acceptor.clone();
                    let cfg = self.session.clone();
                    let t = self.timeouts;
                    let proxy = self.proxy_protocol;
                    let stats = self.stats.clone();
                    let mut driver = factory();
                    tasks.spawn(async move {
                        let r = serve_one(tcp, proxy, acceptor, cfg, t, driver.as_mut()).await;
                        match &r {
                            Ok(_) => stats.completed.fetch_add(1, Ordering::Relaxed),
                            Err(e) => {
                                tracing::info!(error = %e, "PT-TLS connection failed");
                                stats.failed.fetch_add(1, Ordering::Relaxed)
                            }
                        };
                        driver.finished(r.as_ref()).await;
                        drop(permit);
                    });
                }
            }
        }
        let _ =
            tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        tasks.abort_all();
        Ok(())
    }
}

async fn serve_one(
    mut tcp: TcpStream,
    proxy: bool,
    acceptor: tokio_rustls::TlsAcceptor,
    cfg: SessionConfig,
    t: Timeouts,
    driver: &mut dyn PbDriver,
) -> Result<Outcome, Error> {
    tcp.set_nodelay(true)?;
    let mut peer_addr = tcp.peer_addr().ok();
    let local_addr = tcp.local_addr().ok();
    if proxy {
        let h = tokio::time::timeout(t.handshake, crate::proxy::read_v2(&mut tcp))
            .await
            .map_err(|_| Error::Timeout("PROXY protocol header"))??;
        if let Some(src) = h.source {
            peer_addr = Some(src);
        }
    }
    let mut tls = tokio::time::timeout(t.handshake, acceptor.accept(tcp))
        .await
        .map_err(|_| Error::Timeout("TLS handshake"))??;
    let mut info = ConnectionInfo::from_connection(tls.get_ref().1)?;
    info.peer_addr = peer_addr;
    info.local_addr = local_addr;
    let session = Session::new(cfg, Instant::now());
    run_session(&mut tls, session, driver, info, t.idle).await
}
