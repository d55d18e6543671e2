//! The command line of `gwa-reference` (clap). Every command except `serve` is a plain function
//! returning the text to print, so tests run them in-process.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use smgw_gwa_admin::{Curve, PrivateKey, PublicKey, TncProfile};

use crate::config::{Config, TlsProfile};
use crate::storage::{Database, GatewayRecord, Manufacturer, Storage};
use crate::time::{now_ms, parse_duration, rfc3339};
use crate::{GwaError, Result};

/// The reference Gateway Administrator: TNC integrity server for smart-meter gateways.
#[derive(Debug, Parser)]
#[command(name = "gwa-reference", version, about)]
pub struct Cli {
    /// Configuration file (TOML); relative paths in it are relative to its directory.
    #[arg(
        long,
        short,
        global = true,
        env = "GWA_CONFIG",
        default_value = "gwa.toml"
    )]
    pub config: PathBuf,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create (or migrate) the database and the wake-up signing key.
    Init,
    /// Manufacturer keys.
    #[command(subcommand)]
    Manufacturer(ManufacturerCmd),
    /// Reference values.
    #[command(subcommand)]
    Reference(ReferenceCmd),
    /// Per-gateway administration.
    #[command(subcommand)]
    Gateway(GatewayCmd),
    /// List all gateways.
    Gateways,
    /// Show one gateway.
    Show {
        /// Gateway id (certificate commonName).
        id: String,
    },
    /// A gateway's assessments, newest first, with their logbooks.
    History {
        /// Gateway id.
        id: String,
        /// Most assessments to show.
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// Gateways not assessed within DURATION (e.g. `2d`, `36h`).
    Stale {
        /// The period.
        #[arg(long)]
        older_than: String,
    },
    /// The latest logbook entries (assessments and refused connections).
    Log {
        /// Most entries.
        #[arg(long, default_value_t = 30)]
        limit: u32,
    },
    /// Run the PT-TLS listener, the profile service and the HTTP API.
    Serve,
    /// Check configuration, database, keys and certificates; say what to fix.
    Doctor,
    /// Write a development PKI (root, sub-CA, GWA and gateway certificates) into DIR.
    DevPki {
        /// Output directory.
        dir: PathBuf,
        /// Curve: P-256, P-384, brainpoolP256r1, brainpoolP384r1.
        #[arg(long, default_value = "brainpoolP256r1")]
        curve: String,
        /// Gateway ids (one certificate each).
        #[arg(long = "gateway", default_value = "EDEV0000000001")]
        gateways: Vec<String>,
    },
}

/// `manufacturer …`
#[derive(Debug, Subcommand)]
pub enum ManufacturerCmd {
    /// Register a manufacturer's manifest-signing key (SPKI PEM).
    Add {
        /// Name (the `vendor` of its manifests).
        name: String,
        /// Public key file (PEM `PUBLIC KEY`).
        key: PathBuf,
        /// IANA PEN its gateways report in IETF Product Information.
        #[arg(long)]
        pen: u32,
    },
    /// List registered manufacturers.
    List,
}

/// `reference …`
#[derive(Debug, Subcommand)]
pub enum ReferenceCmd {
    /// Import a signed manifest (FILE and FILE.sig).
    Import {
        /// The manifest.
        file: PathBuf,
    },
}

/// `gateway …`
#[derive(Debug, Subcommand)]
pub enum GatewayCmd {
    /// Set a gateway's TNC profile (creates the gateway); the revision grows by one.
    SetProfile {
        /// Gateway id.
        id: String,
        /// TNC on or off.
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        enabled: bool,
        /// Assessment interval (e.g. `1h`, `1d`).
        #[arg(long, default_value = "1d")]
        interval: String,
        /// GWA host the gateway connects to (default: the PT-TLS listen address).
        #[arg(long)]
        host: Option<String>,
        /// GWA PT-TLS port (default: the PT-TLS listen port).
        #[arg(long)]
        port: Option<u16>,
        /// Name the GWA's certificate must carry.
        #[arg(long)]
        expected_name: Option<String>,
    },
    /// Set the UDP address wake-ups go to (`host:port`).
    SetWakeAddr {
        /// Gateway id.
        id: String,
        /// Address.
        addr: SocketAddr,
    },
    /// Send a signed wake-up datagram.
    Wake {
        /// Gateway id.
        id: String,
        /// Address (default: the stored wake-up address).
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
}

/// Opens the configured database (must be initialised).
pub fn open_storage(cfg: &Config) -> Result<Arc<dyn Storage>> {
    if let Database::Sqlite(path) = &cfg.database
        && !path.exists()
    {
        return Err(GwaError::NotInitialised(path.display().to_string()));
    }
    let s = cfg
        .database
        .open_tls(cfg.limits.database_pool_size, cfg.database_ca.as_deref())?;
    s.check_schema()?;
    Ok(s)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| GwaError::io(path, e))
}

/// Loads the wake-up signing key.
pub fn wakeup_key(cfg: &Config) -> Result<PrivateKey> {
    let pem = std::fs::read_to_string(&cfg.wakeup.signing_key).map_err(|e| GwaError::Config {
        path: cfg.wakeup.signing_key.clone(),
        message: format!("cannot read the wake-up signing key ({e}); run `gwa-reference init`"),
    })?;
    Ok(PrivateKey::from_pkcs8_pem(&pem)?)
}

fn ms(v: Option<i64>) -> String {
    v.map_or_else(|| "never".into(), rfc3339)
}

fn gateway_line(g: &GatewayRecord) -> String {
    format!(
        "{:<20} {:<12} {:<14} {:<10} {:<12} last assessed {}",
        g.id,
        g.vendor.as_deref().unwrap_or("-"),
        g.product.as_deref().unwrap_or("-"),
        g.firmware.as_deref().unwrap_or("-"),
        g.last_verdict.map_or("-".into(), |v| v.to_string()),
        ms(g.last_assessed_ms)
    )
}

fn out<T: serde::Serialize>(json: bool, v: &T, text: impl FnOnce(&T) -> String) -> Result<String> {
    if json {
        Ok(serde_json::to_string_pretty(v)?)
    } else {
        Ok(text(v))
    }
}

/// Runs every command except `serve`; returns what to print.
pub fn run(cli: &Cli) -> Result<String> {
    let cfg = Config::load(&cli.config)?;
    match &cli.command {
        Command::Init => init(&cfg),
        Command::Manufacturer(ManufacturerCmd::Add { name, key, pen }) => {
            let s = open_storage(&cfg)?;
            let pem = read(key)?;
            let k = PublicKey::from_spki_pem(&pem)
                .map_err(|e| GwaError::Invalid(format!("{}: {e}", key.display())))?;
            s.add_manufacturer(&Manufacturer {
                name: name.clone(),
                pen: *pen,
                public_key_pem: k.to_spki_pem()?,
                added_ms: now_ms(),
            })?;
            Ok(format!(
                "manufacturer {name:?} (PEN {pen}, {} key) registered",
                k.curve()
            ))
        }
        Command::Manufacturer(ManufacturerCmd::List) => {
            let s = open_storage(&cfg)?;
            let list = s.manufacturers()?;
            out(cli.json, &list, |l| {
                l.iter()
                    .map(|m| {
                        format!(
                            "{:<20} PEN {:<8} added {}",
                            m.name,
                            m.pen,
                            rfc3339(m.added_ms)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Reference(ReferenceCmd::Import { file }) => {
            let s = open_storage(&cfg)?;
            let i = crate::manifest::import(s.as_ref(), file, now_ms())?;
            Ok(format!(
                "imported {} reference value(s) for {} {} firmware {} ({}), manifest sha256 {}",
                i.set.files.len(),
                i.set.vendor,
                i.set.product,
                i.set.firmware_version,
                i.set.algorithm.as_str(),
                i.manifest_sha256
            ))
        }
        Command::Gateway(GatewayCmd::SetProfile {
            id,
            enabled,
            interval,
            host,
            port,
            expected_name,
        }) => {
            let s = open_storage(&cfg)?;
            let interval = parse_duration(interval).map_err(GwaError::Invalid)?;
            let key = wakeup_key(&cfg)?;
            let revision = s
                .gateway(id)?
                .and_then(|g| g.profile)
                .map_or(1, |p| p.revision + 1);
            let profile = TncProfile {
                revision,
                tnc_enabled: *enabled,
                interval_secs: interval.as_secs(),
                gwa_host: host
                    .clone()
                    .unwrap_or_else(|| cfg.listen.pt_tls.ip().to_string()),
                gwa_port: port.unwrap_or(cfg.listen.pt_tls.port()),
                expected_gwa_name: expected_name.clone(),
                wakeup_key: key.public_key().to_spki_pem()?,
            };
            s.set_profile(id, &profile, now_ms())?;
            Ok(format!(
                "gateway {id}: profile revision {revision}, TNC {}, every {}s, GWA {}:{}",
                if *enabled { "on" } else { "off" },
                profile.interval_secs,
                profile.gwa_host,
                profile.gwa_port
            ))
        }
        Command::Gateway(GatewayCmd::SetWakeAddr { id, addr }) => {
            let s = open_storage(&cfg)?;
            s.set_wake_addr(id, &addr.to_string(), now_ms())?;
            Ok(format!("gateway {id}: wake-ups go to {addr}"))
        }
        Command::Gateway(GatewayCmd::Wake { id, addr }) => {
            let s = open_storage(&cfg)?;
            let key = wakeup_key(&cfg)?;
            let addr = match addr {
                Some(a) => *a,
                None => {
                    let g = s
                        .gateway(id)?
                        .ok_or_else(|| GwaError::NotFound(format!("gateway {id} is not known")))?;
                    let a = g.wake_addr.ok_or_else(|| {
                        GwaError::NotFound(format!(
                            "gateway {id} has no wake-up address; set one with `gwa-reference gateway set-wake-addr {id} HOST:PORT`"
                        ))
                    })?;
                    a.parse().map_err(|e| {
                        GwaError::Invalid(format!("stored wake-up address {a:?}: {e}"))
                    })?
                }
            };
            let now = u64::try_from(now_ms() / 1000).unwrap_or(0);
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| GwaError::io("tokio runtime", e))?;
            let d = rt.block_on(crate::server::wake(&s, &key, id, addr, now))?;
            Ok(format!(
                "wake-up for {id} sent to {addr} ({} octets, {} signature)",
                d.len(),
                key.curve()
            ))
        }
        Command::Gateways => {
            let s = open_storage(&cfg)?;
            let list = s.gateways()?;
            out(cli.json, &list, |l| {
                l.iter().map(gateway_line).collect::<Vec<_>>().join("\n")
            })
        }
        Command::Show { id } => {
            let s = open_storage(&cfg)?;
            let g = s.gateway(id)?.ok_or_else(|| {
                GwaError::NotFound(format!(
                    "gateway {id} is not known; list them with `gwa-reference gateways`"
                ))
            })?;
            out(cli.json, &g, |g| {
                let p = g.profile.as_ref().map_or("none (TNC off)".into(), |p| {
                    format!(
                        "revision {}, TNC {}, every {}s, GWA {}:{}",
                        p.revision,
                        if p.tnc_enabled { "on" } else { "off" },
                        p.interval_secs,
                        p.gwa_host,
                        p.gwa_port
                    )
                });
                format!(
                    "gateway        {}\nvendor         {}\nproduct        {}\nfirmware       {}\nlast verdict   {}\nlast assessed  {}\nlast seen      {}\nfirst seen     {}\nprofile        {}\nwake-up addr   {}",
                    g.id,
                    g.vendor.as_deref().unwrap_or("-"),
                    g.product.as_deref().unwrap_or("-"),
                    g.firmware.as_deref().unwrap_or("-"),
                    g.last_verdict.map_or("-".into(), |v| v.to_string()),
                    ms(g.last_assessed_ms),
                    ms(g.last_seen_ms),
                    rfc3339(g.first_seen_ms),
                    p,
                    g.wake_addr.as_deref().unwrap_or("-")
                )
            })
        }
        Command::History { id, limit } => {
            let s = open_storage(&cfg)?;
            let h = s.history(id, *limit)?;
            out(cli.json, &h, |h| {
                let mut o = String::new();
                for a in h {
                    o.push_str(&format!(
                        "#{} {} {} ({} / {}) firmware {} files {}/{} binding {}\n",
                        a.id,
                        rfc3339(a.data.started_ms),
                        a.data.verdict,
                        a.data.recommendation,
                        a.data.evaluation,
                        a.data.firmware.as_deref().unwrap_or("-"),
                        a.data.measurement.matched,
                        a.data.measurement.requested,
                        a.data.measurement.channel_binding
                    ));
                    for r in &a.data.reasons {
                        o.push_str(&format!("    reason: {r}\n"));
                    }
                    for l in &a.data.log {
                        o.push_str(&format!(
                            "    {} {:<7} {:<22} {}\n",
                            rfc3339(l.time_ms),
                            l.level.as_str(),
                            l.event,
                            l.detail
                        ));
                    }
                }
                o.trim_end().to_owned()
            })
        }
        Command::Stale { older_than } => {
            let s = open_storage(&cfg)?;
            let d = parse_duration(older_than).map_err(GwaError::Invalid)?;
            let before = now_ms() - i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
            let list = s.stale(before)?;
            out(cli.json, &list, |l| {
                l.iter().map(gateway_line).collect::<Vec<_>>().join("\n")
            })
        }
        Command::Log { limit } => {
            let s = open_storage(&cfg)?;
            let l = s.recent_log(*limit)?;
            out(cli.json, &l, |l| {
                l.iter()
                    .map(|r| {
                        format!(
                            "{} {:<7} {:<14} {:<22} {}",
                            rfc3339(r.entry.time_ms),
                            r.entry.level.as_str(),
                            r.gateway_id.as_deref().unwrap_or("-"),
                            r.entry.event,
                            r.entry.detail
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        Command::Doctor => {
            let (text, failed) = doctor_report(&cfg);
            if failed > 0 {
                println!("{text}");
                Err(GwaError::Invalid(format!(
                    "{failed} doctor check(s) failed; fix the FAIL lines above"
                )))
            } else {
                Ok(text)
            }
        }
        Command::DevPki {
            dir,
            curve,
            gateways,
        } => {
            use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
            use tnc_ift_tls_bsi::provider::Curve as TlsCurve;
            let Some(c) = TlsCurve::from_name(curve) else {
                return Err(GwaError::Invalid(format!(
                    "unknown curve {curve:?}; use P-256, P-384, brainpoolP256r1 or brainpoolP384r1"
                )));
            };
            let opts = DevPkiOptions {
                gateway_ids: gateways.clone(),
                ..DevPkiOptions::with_curve(c, 0)
            };
            let pki = DevPki::generate(&opts)
                .map_err(|e| GwaError::Invalid(format!("cannot generate the PKI: {e}")))?;
            let files = pki
                .write_pem(dir)
                .map_err(|e| GwaError::Invalid(format!("cannot write {}: {e}", dir.display())))?;
            Ok(format!(
                "development PKI ({curve}) with {} file(s) in {}; for gwa.toml: certificate = \"gwa-chain.pem\", private_key = \"gwa.key\", trust_anchors = \"root-ca.pem\" (under that directory). Not for production.",
                files.len(),
                dir.display()
            ))
        }
        Command::Serve => Err(GwaError::Invalid("`serve` runs in main".into())),
    }
}

fn init(cfg: &Config) -> Result<String> {
    let s = cfg.database.open_tls(1, cfg.database_ca.as_deref())?;
    let v = s.init()?;
    let mut o = format!(
        "database {} at schema version {v}",
        cfg.database.display_name()
    );
    if cfg.wakeup.signing_key.exists() {
        wakeup_key(cfg)?;
        o.push_str(&format!(
            "\nwake-up signing key {} kept",
            cfg.wakeup.signing_key.display()
        ));
    } else {
        let curve = Curve::from_name(&cfg.wakeup.curve).ok_or_else(|| GwaError::Config {
            path: PathBuf::from("[wakeup] curve"),
            message: format!(
                "unknown curve {:?}; use P-256, P-384, brainpoolP256r1 or brainpoolP384r1",
                cfg.wakeup.curve
            ),
        })?;
        let key = PrivateKey::generate(curve)?;
        write_private(&cfg.wakeup.signing_key, &key.to_pkcs8_pem()?)?;
        o.push_str(&format!(
            "\nwake-up signing key {} created ({curve})",
            cfg.wakeup.signing_key.display()
        ));
    }
    Ok(o)
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| GwaError::io(dir, e))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts.open(path).map_err(|e| GwaError::io(path, e))?;
    f.write_all(text.as_bytes())
        .map_err(|e| GwaError::io(path, e))
}

/// `doctor`: one line per check, `ok` or `FAIL` with what to do, and the number of failures.
pub fn doctor_report(cfg: &Config) -> (String, usize) {
    let mut lines = Vec::new();
    let mut failed = 0;
    let mut check = |name: &str, r: std::result::Result<String, String>| match r {
        Ok(s) => lines.push(format!("ok    {name}: {s}")),
        Err(e) => {
            failed += 1;
            lines.push(format!("FAIL  {name}: {e}"));
        }
    };
    let db = open_storage(cfg);
    check(
        "database",
        db.as_ref()
            .map(|s| {
                format!(
                    "{} (schema {})",
                    cfg.database.display_name(),
                    s.check_schema().unwrap_or(0)
                )
            })
            .map_err(|e| e.to_string()),
    );
    if let Ok(s) = &db {
        check(
            "reference values",
            s.manufacturers().map_err(|e| e.to_string()).and_then(|m| {
                if m.is_empty() {
                    Err("no manufacturer registered; run `gwa-reference manufacturer add NAME KEY.pem --pen N`, then `reference import`".into())
                } else {
                    Ok(format!("{} manufacturer(s)", m.len()))
                }
            }),
        );
    }
    check(
        "wake-up key",
        wakeup_key(cfg)
            .map(|k| format!("{} ({})", cfg.wakeup.signing_key.display(), k.curve()))
            .map_err(|e| e.to_string()),
    );
    check(
        "TLS material",
        load_tls(cfg)
            .map(|t| {
                format!(
                    "{:?} profile, {} trust anchor(s)",
                    t.settings.profile,
                    t.roots.len()
                )
            })
            .map_err(|e| e.to_string()),
    );
    let mut warnings = Vec::new();
    if let Ok(t) = load_tls(cfg) {
        let now = now_ms() / 1000;
        let certs = t
            .credentials
            .chain
            .first()
            .map(|c| ("GWA certificate", c))
            .into_iter()
            .chain(t.roots.iter().map(|c| ("trust anchor", c)));
        for (what, der) in certs {
            match certificate_validity(what, der.as_ref(), now) {
                Validity::Ok(m) => check("certificate validity", Ok(m)),
                Validity::Warn(m) => warnings.push(format!("warn  certificate validity: {m}")),
                Validity::Fail(m) => check("certificate validity", Err(m)),
            }
        }
    }
    for (name, addr) in [
        ("PT-TLS port", cfg.listen.pt_tls),
        ("profile port", cfg.listen.profile),
        ("HTTP port", cfg.listen.http),
    ] {
        check(
            name,
            std::net::TcpListener::bind(addr)
                .map(|_| format!("{addr} is free"))
                .map_err(|e| {
                    format!("cannot bind {addr} ({e}); stop the other process or change [listen]")
                }),
        );
    }
    lines.append(&mut warnings);
    if !cfg.listen.http.ip().is_loopback() {
        lines.push(format!(
            "warn  HTTP API on {} is not loopback: put it behind an authenticating proxy",
            cfg.listen.http
        ));
    }
    (lines.join("\n"), failed)
}

/// A certificate expiring within this many seconds is reported as a warning by `doctor`.
pub const EXPIRY_WARNING_SECS: i64 = 30 * 86_400;

/// `doctor`'s verdict on one certificate's validity period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validity {
    /// Valid for longer than [`EXPIRY_WARNING_SECS`].
    Ok(String),
    /// Valid, but expires within [`EXPIRY_WARNING_SECS`].
    Warn(String),
    /// Expired, not yet valid, or unreadable.
    Fail(String),
}

fn date(unix: i64) -> String {
    let t = std::time::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(unix.max(0)).unwrap_or(0));
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Checks a DER certificate's validity period at `now` (unix seconds).
pub fn certificate_validity(what: &str, der: &[u8], now: i64) -> Validity {
    let id = match tnc_ift_tls_bsi::identity::CertIdentity::from_der(der) {
        Ok(id) => id,
        Err(e) => return Validity::Fail(format!("{what}: cannot read it ({e})")),
    };
    let name = id.common_name.as_deref().unwrap_or("(no commonName)");
    let left = id.expires_in(now);
    if now < id.not_before {
        Validity::Fail(format!(
            "{what} {name} is not valid before {}; check the clock or the certificate",
            date(id.not_before)
        ))
    } else if left < 0 {
        Validity::Fail(format!(
            "{what} {name} expired {} ({} days ago); renew it",
            date(id.not_after),
            -left / 86_400
        ))
    } else if left < EXPIRY_WARNING_SECS {
        Validity::Warn(format!(
            "{what} {name} expires {} (in {} days); renew it soon",
            date(id.not_after),
            left / 86_400
        ))
    } else {
        Validity::Ok(format!(
            "{what} {name} valid until {} ({} days)",
            date(id.not_after),
            left / 86_400
        ))
    }
}

/// Loads the TLS material named by the configuration.
pub fn load_tls(cfg: &Config) -> Result<crate::server::TlsMaterial> {
    use tnc_ift_tls_bsi::pki::{load_certs, load_key};
    use tnc_ift_tls_bsi::profile::{Credentials, Profile, TlsSettings};
    let ctx = |p: &Path, what: &str| {
        let p = p.to_owned();
        let what = what.to_owned();
        move |e: tnc_ift_tls_bsi::Error| GwaError::Config {
            path: p,
            message: format!(
                "cannot load the {what} ({e}); generate a development PKI with `gwa-reference dev-pki DIR` or point [tls] at your SM-PKI files"
            ),
        }
    };
    let chain =
        load_certs(&cfg.tls.certificate).map_err(ctx(&cfg.tls.certificate, "certificate chain"))?;
    let key = load_key(&cfg.tls.private_key).map_err(ctx(&cfg.tls.private_key, "private key"))?;
    let roots =
        load_certs(&cfg.tls.trust_anchors).map_err(ctx(&cfg.tls.trust_anchors, "trust anchors"))?;
    if chain.is_empty() || roots.is_empty() {
        return Err(GwaError::Config {
            path: cfg.tls.certificate.clone(),
            message: "no CERTIFICATE block in the chain or trust-anchor file".into(),
        });
    }
    let profile = match cfg.tls.profile {
        TlsProfile::Bsi => Profile::Bsi,
        TlsProfile::Rfc6876 => Profile::Rfc6876,
    };
    Ok(crate::server::TlsMaterial {
        settings: TlsSettings::new(profile),
        roots,
        credentials: Credentials {
            chain,
            key: Arc::new(key),
        },
    })
}

/// `serve`: runs until Ctrl-C.
pub async fn serve(cfg: Config) -> Result<()> {
    use crate::metrics::Metrics;
    use crate::server::{Gwa, serve_profiles_with};
    use tnc_ift_tls_bsi::net::{Server, Timeouts};

    let storage = open_storage(&cfg)?;
    let tls = load_tls(&cfg)?;
    // counters count this process's work; fleet-wide numbers come from the database
    let metrics = Arc::new(Metrics::new());
    let extra = match &cfg.tnc_config {
        Some(path) => {
            tnc_imv_api::c_abi::load_from_tnc_config(path).map_err(|e| GwaError::Config {
                path: path.clone(),
                message: format!("cannot load the verifiers it lists: {e}"),
            })?
        }
        None => Vec::new(),
    };
    for imv in &extra {
        tracing::info!(imv = imv.name(), "verifier loaded from tnc_config");
    }
    let gwa = Gwa::with_extra_imvs(storage.clone(), cfg.policy.clone(), metrics.clone(), extra);
    let server = Server::bind(
        cfg.listen.pt_tls,
        &tls.settings,
        &tls.roots,
        &tls.credentials,
    )
    .await
    .map_err(|e| {
        GwaError::Invalid(format!(
            "cannot listen on {} ({e}); is another GWA running?",
            cfg.listen.pt_tls
        ))
    })?
    .with_max_connections(cfg.limits.max_connections)
    .with_proxy_protocol(cfg.listen.proxy_protocol)
    .with_timeouts(Timeouts {
        handshake: Duration::from_secs(cfg.limits.handshake_timeout_secs),
        idle: Duration::from_secs(cfg.limits.assessment_timeout_secs),
        ..Timeouts::default()
    });
    let stop = server.shutdown_handle();
    let profile_listener = tokio::net::TcpListener::bind(cfg.listen.profile)
        .await
        .map_err(|e| GwaError::io(format!("profile listener {}", cfg.listen.profile), e))?;
    let http_listener = tokio::net::TcpListener::bind(cfg.listen.http)
        .await
        .map_err(|e| GwaError::io(format!("HTTP listener {}", cfg.listen.http), e))?;
    tracing::info!(pt_tls = %cfg.listen.pt_tls, profile = %cfg.listen.profile, http = %cfg.listen.http, "GWA listening");
    let api = crate::http::Api {
        storage: storage.clone(),
        metrics: metrics.clone(),
        stale_after: Duration::from_secs(cfg.stale_after_secs),
    };
    let pt = tokio::spawn(server.run(gwa.driver_factory(), Duration::from_secs(10)));
    let profiles = tokio::spawn({
        let (tls, storage, metrics) = (tls.clone(), storage.clone(), metrics.clone());
        let proxy = cfg.listen.proxy_protocol;
        async move { serve_profiles_with(profile_listener, &tls, storage, metrics, proxy).await }
    });
    let http = tokio::spawn(api.serve(http_listener));
    // Ctrl-C or SIGTERM (systemd's default stop signal)
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| GwaError::Invalid(format!("cannot watch for SIGTERM: {e}")))?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => tracing::info!("shutting down"),
        _ = term.recv() => tracing::info!("SIGTERM: shutting down"),
        r = profiles => tracing::error!(result = ?r, "profile service stopped"),
        r = http => tracing::error!(result = ?r, "HTTP API stopped"),
    }
    stop.shutdown();
    let _ = pt.await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
    use tnc_ift_tls_bsi::provider::Curve as TlsCurve;

    fn cert(valid_days: u32, starts_in_days: i64) -> Vec<u8> {
        let start = std::time::SystemTime::now()
            .checked_add(std::time::Duration::from_secs(
                u64::try_from(starts_in_days.max(0)).unwrap() * 86_400,
            ))
            .unwrap()
            .checked_sub(std::time::Duration::from_secs(
                u64::try_from((-starts_in_days).max(0)).unwrap() * 86_400,
            ))
            .unwrap();
        let pki = DevPki::generate(&DevPkiOptions {
            validity_days: valid_days,
            not_before: Some(start),
            ..DevPkiOptions::with_curve(TlsCurve::P256, 0)
        })
        .unwrap();
        pki.gwa.cert_der().as_ref().to_vec()
    }

    #[test]
    fn certificate_validity_is_judged_against_now() {
        let now = now_ms() / 1000;
        // valid for a year from yesterday
        assert!(matches!(
            certificate_validity("GWA certificate", &cert(365, -1), now),
            Validity::Ok(m) if m.contains("gwa.localhost") && m.contains("days")
        ));
        // ten days left
        assert!(matches!(
            certificate_validity("GWA certificate", &cert(20, -10), now),
            Validity::Warn(m) if m.contains("renew it soon")
        ));
        // expired two days ago
        assert!(matches!(
            certificate_validity("GWA certificate", &cert(10, -12), now),
            Validity::Fail(m) if m.contains("expired") && m.contains("2 days ago")
        ));
        // not valid yet
        assert!(matches!(
            certificate_validity("trust anchor", &cert(10, 3), now),
            Validity::Fail(m) if m.contains("not valid before")
        ));
        assert!(matches!(
            certificate_validity("trust anchor", b"junk", now),
            Validity::Fail(m) if m.contains("cannot read")
        ));
    }
}
