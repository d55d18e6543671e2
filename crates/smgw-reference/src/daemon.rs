//! The gateway daemon: the [`Gateway`] engine plus the network — profile
//! fetch (at start, after each check, when woken), checks at the profile's
//! interval with backoff, the UDP wake-up listener and the meter source.
//!
//! Time comes from a [`Clock`], so tests can run hours of schedule in
//! milliseconds ([`VirtualClock`]) while the network stays real.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tnc_iftnccs::broker::ImcSet;
use tnc_imc_api::ConnectionId;
use tokio::net::UdpSocket;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::gateway::{CheckOutcome, Gateway, ProfileChange};
use crate::imc::firmware::{FirmwareImc, Manifest};
use crate::imc::os::OsImc;
use crate::state::{CheckRecord, Trigger};
use crate::transport::{self, LinkError, TlsIdentity};

/// Largest wake-up datagram read (longer ones are cut and then fail verification).
pub const MAX_DATAGRAM: usize = 1024;

/// Unix time and sleeping.
pub trait Clock: Send + Sync {
    /// Unix seconds.
    fn now(&self) -> u64;
    /// Waits `secs` seconds of this clock's time.
    fn sleep(&self, secs: u64) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        crate::time::unix_now()
    }
    fn sleep(&self, secs: u64) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(Duration::from_secs(secs)))
    }
}

/// A clock whose sleeps return at once and advance its time (for tests of
/// schedules): `now` = system time + all the time slept so far.
#[derive(Debug, Default)]
pub struct VirtualClock {
    offset: AtomicU64,
}

impl VirtualClock {
    /// Seconds skipped so far.
    pub fn skipped(&self) -> u64 {
        self.offset.load(Ordering::Relaxed)
    }

    /// The clock's current time (same as [`Clock::now`]).
    pub fn now_for_test(&self) -> u64 {
        self.now()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> u64 {
        crate::time::unix_now() + self.offset.load(Ordering::Relaxed)
    }
    fn sleep(&self, secs: u64) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.offset.fetch_add(secs, Ordering::Relaxed);
        Box::pin(tokio::task::yield_now())
    }
}

/// The standard IMC set of the gateway: OS/product and firmware measurement
/// (returned too, for its course notes).
pub fn standard_imcs(cfg: &Config, started: u64) -> (Arc<ImcSet>, Arc<FirmwareImc>) {
    let (set, fw) = builtin_imcs(cfg, started);
    (Arc::new(set), fw)
}

fn builtin_imcs(cfg: &Config, started: u64) -> (ImcSet, Arc<FirmwareImc>) {
    let mut set = ImcSet::new();
    set.add(Arc::new(OsImc::new(cfg.product.clone(), started)));
    let fw = Arc::new(FirmwareImc::new(Manifest::new(cfg.manifest.clone())));
    set.add(fw.clone());
    (set, fw)
}

/// The standard IMCs plus the collectors the configuration's `tnc_config` file lists
/// (standard IF-IMC 1.3 shared libraries, loaded through the C ABI).
pub fn configured_imcs(cfg: &Config, started: u64) -> Result<(Arc<ImcSet>, Arc<FirmwareImc>)> {
    let (mut set, fw) = builtin_imcs(cfg, started);
    if let Some(path) = &cfg.tnc_config {
        let extra = tnc_imc_api::c_abi::load_from_tnc_config(path).map_err(|e| Error::Config {
            path: path.clone(),
            msg: format!("cannot load the collectors it lists: {e}"),
        })?;
        for imc in extra {
            tracing::info!(imc = imc.name(), "collector loaded from tnc_config");
            set.add(imc);
        }
    }
    Ok((Arc::new(set), fw))
}

/// The gateway with its network side.
pub struct Daemon {
    gw: Gateway,
    id: TlsIdentity,
    imcs: Arc<ImcSet>,
    firmware: Arc<FirmwareImc>,
    clock: Arc<dyn Clock>,
    wakeup: Option<UdpSocket>,
    next_connection: u32,
    woken: bool,
    checks: u64,
}

impl std::fmt::Debug for Daemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Daemon")
            .field("gateway", &self.gw.config().gateway.id)
            .field("checks", &self.checks)
            .finish_non_exhaustive()
    }
}

impl Daemon {
    /// A daemon for `cfg` with `id` (TLS) and `clock`; opens the data directory.
    pub fn new(cfg: Config, id: TlsIdentity, clock: Arc<dyn Clock>) -> Result<Self> {
        let now = clock.now();
        let (imcs, firmware) = configured_imcs(&cfg, now)?;
        let gw = Gateway::open(cfg, now)?;
        Ok(Daemon {
            gw,
            id,
            imcs,
            firmware,
            clock,
            wakeup: None,
            next_connection: 1,
            woken: false,
            checks: 0,
        })
    }

    /// Binds the wake-up UDP socket of the configuration (if any); returns its address.
    pub async fn bind_wakeup(&mut self) -> Result<Option<SocketAddr>> {
        let Some(addr) = self.gw.config().wakeup.listen else {
            return Ok(None);
        };
        let sock = UdpSocket::bind(addr)
            .await
            .map_err(|e| Error::io("bind wake-up socket", addr.to_string(), e))?;
        let local = sock
            .local_addr()
            .map_err(|e| Error::io("bind wake-up socket", addr.to_string(), e))?;
        self.wakeup = Some(sock);
        Ok(Some(local))
    }

    /// The engine.
    pub fn gateway(&self) -> &Gateway {
        &self.gw
    }

    /// Mutable engine (tests, CLI).
    pub fn gateway_mut(&mut self) -> &mut Gateway {
        &mut self.gw
    }

    /// Checks run so far by this daemon.
    pub fn checks(&self) -> u64 {
        self.checks
    }

    /// Fetches and applies the TNC profile; failures are logged, not fatal.
    pub async fn refresh_profile(&mut self) -> Result<Option<ProfileChange>> {
        let now = self.clock.now();
        match transport::fetch_profile(&self.id, self.gw.config()).await {
            Ok(p) => match self.gw.apply_profile(&p, now) {
                Ok(c) => Ok(Some(c)),
                Err(Error::Check { .. }) => Ok(None),
                Err(e) => Err(e),
            },
            Err(e) => {
                tracing::warn!(error = %e, "profile fetch failed");
                self.gw.profile_fetch_failed(now, e.class, &e.msg)?;
                Ok(None)
            }
        }
    }

    /// Runs one check now (TNC must be on) and records it.
    pub async fn check(&mut self, trigger: Trigger) -> Result<CheckRecord> {
        let started = self.clock.now();
        let Some(tnc) = self.gw.state().tnc.clone().filter(|t| t.enabled) else {
            return Err(Error::Check {
                class: crate::schedule::ErrorClass::Permanent,
                msg: "TNC is off (no profile switched it on)".into(),
            });
        };
        self.gw.log_course(
            started,
            "check.start",
            &format!(
                "check ({trigger:?}) started: connecting to {}:{}",
                tnc.gwa_host, tnc.gwa_port
            ),
        )?;
        let outcome = self.assess(&tnc, started).await;
        let now = self.clock.now();
        let outcome = match outcome {
            Ok(o) => o,
            Err(e) => CheckOutcome::Failed {
                class: e.class,
                message: e.msg,
            },
        };
        self.checks += 1;
        self.gw.record_check(started, now, trigger, outcome)
    }

    async fn assess(
        &mut self,
        tnc: &crate::state::TncSettings,
        started: u64,
    ) -> Result<CheckOutcome, LinkError> {
        let timeout = Duration::from_secs(self.gw.config().gwa.timeout_secs.max(1));
        let (mut tls, info) = self
            .id
            .connect(
                &tnc.gwa_host,
                tnc.gwa_port,
                tnc.expected_gwa_name.as_deref(),
                timeout,
            )
            .await?;
        let course = format!(
            "TLS established: {:?}, suite {:?}, group {:?}, GWA {}, channel binding {} ({} octets)",
            info.tls_version,
            info.cipher_suite,
            info.group,
            info.peer.common_name.as_deref().unwrap_or("?"),
            info.channel_binding.kind.name(),
            info.channel_binding.data.len()
        );
        let _ = self.gw.log_course(started, "check.tls", &course);
        let conn = ConnectionId(self.next_connection);
        self.next_connection = self.next_connection.wrapping_add(1);
        let attrs = transport::attributes_for(&info);
        let _ = self.firmware.take_course();
        let out =
            transport::drive_assessment(&mut tls, self.imcs.clone(), attrs, conn, timeout).await;
        for note in self.firmware.take_course() {
            let _ = self
                .gw
                .log_course(self.clock.now(), "check.measurement", &note);
        }
        let out = out?;
        let check = transport::outcome_to_check(&out);
        let _ = self.gw.log_course(
            self.clock.now(),
            "check.pbtnc",
            &format!("PB-TNC session ended: {out:?}"),
        );
        Ok(check)
    }

    /// The daemon loop: profile at start; then checks when due (profile again
    /// after each), readings every meter interval, wake-ups as they come.
    /// Returns when `stop` completes or after `max_checks` checks (if given).
    pub async fn run(
        &mut self,
        stop: impl Future<Output = ()>,
        max_checks: Option<u64>,
    ) -> Result<()> {
        tokio::pin!(stop);
        self.refresh_profile().await?;
        let meter_every = self.gw.config().meter.interval_secs.max(1);
        let mut next_reading = self.clock.now();
        let poll = self.gw.config().gwa.profile_poll_secs.max(1);
        let mut next_profile = self.clock.now() + poll;
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            if max_checks.is_some_and(|m| self.checks >= m) {
                return Ok(());
            }
            let now = self.clock.now();
            if now >= next_reading {
                if let Err(e) = self.gw.take_reading(now) {
                    tracing::warn!(error = %e, "meter reading failed");
                }
                next_reading = now + meter_every;
            }
            if self.gw.scheduler().is_due(now) {
                let trigger = if std::mem::take(&mut self.woken) {
                    Trigger::Wakeup
                } else {
                    self.gw.pending_trigger()
                };
                self.check(trigger).await?;
                self.refresh_profile().await?;
                next_profile = self.clock.now() + poll;
                continue;
            }
            if now >= next_profile {
                self.refresh_profile().await?;
                next_profile = self.clock.now() + poll;
                continue;
            }
            let check_wait = self.gw.scheduler().wait_secs(now);
            let wait = check_wait
                .unwrap_or(u64::MAX)
                .min(next_reading.saturating_sub(now))
                .min(next_profile.saturating_sub(now))
                .max(1);
            let clock = self.clock.clone();
            tokio::select! {
                () = &mut stop => return Ok(()),
                () = clock.sleep(wait) => {}
                r = recv(self.wakeup.as_ref(), &mut buf) => {
                    match r {
                        Ok((n, from)) => {
                            let now = self.clock.now();
                            if let Ok(Ok(_)) = self.gw.on_wakeup(&buf[..n], now, &from.to_string()) {
                                self.refresh_profile().await?;
                                self.woken = self.gw.state().tnc_enabled();
                                next_profile = self.clock.now() + poll;
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "wake-up socket"),
                    }
                }
            }
        }
    }
}

async fn recv(sock: Option<&UdpSocket>, buf: &mut [u8]) -> std::io::Result<(usize, SocketAddr)> {
    match sock {
        Some(s) => s.recv_from(buf).await,
        None => std::future::pending().await,
    }
}
