//! `smgw-reference`: the smart-meter gateway's TNC client.
//!
//! Exit codes of `once`: 0 trusted, 10 not trusted, 11 error, 12 unknown (TNC
//! off); every command: 1 when the program itself fails (configuration, files),
//! 2 for usage errors.

use std::path::PathBuf;
use std::process::ExitCode;

use std::sync::Arc;
use tokio::signal::unix::SignalKind;

use clap::{Parser, Subcommand};
use smgw_reference::config::Config;
use smgw_reference::daemon::{Daemon, SystemClock};
use smgw_reference::logbook::{self, LOG_DIR};
use smgw_reference::state::{IntegrityState, StateStore, Trigger};
use smgw_reference::status::{Register, StatusWord};
use smgw_reference::time::{rfc3339, unix_now};
use smgw_reference::transport::{self, TlsIdentity};

#[derive(Parser, Debug)]
#[command(
    name = "smgw-reference",
    version,
    about = "Smart-meter gateway TNC client (Access Requestor)"
)]
struct Cli {
    /// Configuration file (TOML).
    #[arg(
        long,
        short,
        env = "SMGW_CONFIG",
        default_value = "/etc/smgw-reference/smgw.toml"
    )]
    config: PathBuf,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run as a daemon: profile fetch, scheduled checks, wake-ups, meter readings.
    Run,
    /// One check now (fetches the profile first); the exit code tells the verdict.
    Once,
    /// Print the integrity state and the status word.
    Status {
        /// Print the status register for market participants as JSON.
        #[arg(long)]
        register: bool,
    },
    /// Print logbook entries.
    Logs {
        /// Which logbook: system, calibration or consumer-<id>.
        #[arg(long, default_value = "system")]
        kind: String,
        /// Only the last N entries.
        #[arg(long)]
        tail: Option<usize>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Verify the hash chains of all logbooks.
    VerifyLogs,
    /// Check certificates, trust anchors, manifest paths, clock and GWA reachability.
    Doctor,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let cfg = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log.level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    match run(cli.cmd, cfg) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, Box<dyn std::error::Error>> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn run(cmd: Cmd, cfg: Config) -> Result<ExitCode, Box<dyn std::error::Error>> {
    match cmd {
        Cmd::Run => {
            let id = TlsIdentity::load(&cfg)?;
            runtime()?.block_on(async {
                let mut d = Daemon::new(cfg, id, Arc::new(SystemClock))?;
                if let Some(a) = d.bind_wakeup().await? {
                    tracing::info!(%a, "wake-up listener (UDP)");
                }
                // Ctrl-C or SIGTERM (systemd's default stop signal)
                let stop = async {
                    match tokio::signal::unix::signal(SignalKind::terminate()) {
                        Ok(mut term) => tokio::select! {
                            _ = tokio::signal::ctrl_c() => {}
                            _ = term.recv() => {}
                        },
                        Err(_) => {
                            let _ = tokio::signal::ctrl_c().await;
                        }
                    }
                };
                d.run(stop, None).await?;
                Ok::<_, Box<dyn std::error::Error>>(ExitCode::SUCCESS)
            })
        }
        Cmd::Once => {
            let id = TlsIdentity::load(&cfg)?;
            runtime()?.block_on(async {
                let mut d = Daemon::new(cfg, id, Arc::new(SystemClock))?;
                d.refresh_profile().await?;
                if !d.gateway().state().tnc_enabled() {
                    println!("TNC is off: integrity state unknown");
                    return Ok(ExitCode::from(12));
                }
                let rec = d.check(Trigger::Manual).await?;
                d.refresh_profile().await?;
                println!("{}", serde_json::to_string_pretty(&rec)?);
                Ok::<_, Box<dyn std::error::Error>>(ExitCode::from(match rec.state {
                    IntegrityState::Trusted => 0,
                    IntegrityState::NotTrusted => 10,
                    IntegrityState::Error => 11,
                    IntegrityState::Unknown => 12,
                }))
            })
        }
        Cmd::Status { register } => {
            let st = StateStore::open(&cfg.gateway.data_dir)?.load()?;
            let now = unix_now();
            if register {
                let r = Register::new(&cfg.gateway.id, &st, now);
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                let w = StatusWord::from_state(&st);
                println!("gateway:     {}", cfg.gateway.id);
                println!(
                    "TNC:         {}",
                    if st.tnc_enabled() { "on" } else { "off" }
                );
                println!(
                    "integrity:   {} since {}",
                    st.integrity.state,
                    rfc3339(st.integrity.time)
                );
                if let Some(r) = &st.integrity.recommendation {
                    println!("recommend.:  {r}");
                }
                for r in &st.integrity.reasons {
                    println!("reason:      {r}");
                }
                println!("status word: {w}");
                if let Some(c) = st.last_check() {
                    println!("last check:  {} ({:?})", rfc3339(c.finished), c.trigger);
                }
                println!("history:     {} checks", st.history.len());
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Logs { kind, tail, json } => {
            if logbook::LogKind::from_label(&kind).is_none() {
                eprintln!("unknown logbook {kind:?}: use system, calibration or consumer-<id>");
                return Ok(ExitCode::from(2));
            }
            let path = cfg
                .gateway
                .data_dir
                .join(LOG_DIR)
                .join(format!("{kind}.log"));
            let entries = logbook::read_entries(&path)?;
            let skip = tail.map_or(0, |t| entries.len().saturating_sub(t));
            for e in entries.iter().skip(skip) {
                if json {
                    println!("{}", serde_json::to_string(e)?);
                } else {
                    println!(
                        "{:>6} {} {:<7} {:<7} {:<20} {}",
                        e.seq,
                        rfc3339(e.time),
                        format!("{:?}", e.level).to_lowercase(),
                        format!("{:?}", e.outcome).to_lowercase(),
                        e.event,
                        e.text
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::VerifyLogs => {
            let mut ok = true;
            for (label, r) in logbook::verify_dir(&cfg.gateway.data_dir.join(LOG_DIR))? {
                match r {
                    Ok(v) if v.first_seq == 0 => {
                        println!("{label}: ok, {} entries, head {}", v.entries, v.head)
                    }
                    Ok(v) => println!(
                        "{label}: ok, {} entries from entry {} on (older segments deleted by \
                         rotation), {} segments, head {}",
                        v.entries, v.first_seq, v.segments, v.head
                    ),
                    Err(e) => {
                        ok = false;
                        println!("{label}: BROKEN: {e}");
                    }
                }
            }
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Cmd::Doctor => doctor(&cfg),
    }
}

fn doctor(cfg: &Config) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let mut failures = 0;
    let mut report = |ok: bool, what: &str, fix: &str| {
        if ok {
            println!("ok    {what}");
        } else {
            failures += 1;
            println!("FAIL  {what}\n      -> {fix}");
        }
    };
    for (name, p) in [
        ("certificate", &cfg.tls.cert),
        ("private key", &cfg.tls.key),
        ("trust anchors", &cfg.tls.trust_anchors),
    ] {
        match p {
            Some(p) => report(
                p.is_file(),
                &format!("{name} {}", p.display()),
                "install the file or fix the path in [tls]",
            ),
            None => report(false, &format!("{name} not configured"), "set it in [tls]"),
        }
    }
    let now = unix_now();
    for (name, p) in [
        ("certificate", &cfg.tls.cert),
        ("trust anchor", &cfg.tls.trust_anchors),
    ] {
        let Some(p) = p else { continue };
        let Ok(certs) = tnc_ift_tls_bsi::pki::load_certs(p) else {
            continue;
        };
        for (i, c) in certs.iter().enumerate() {
            match smgw_reference::certinfo::validity(c.as_ref()) {
                Ok(v) => report(
                    v.not_before <= now && now <= v.not_after,
                    &format!(
                        "{name} {} #{i} valid {} .. {}{}",
                        p.display(),
                        rfc3339(v.not_before),
                        rfc3339(v.not_after),
                        if now <= v.not_after {
                            format!(" ({} days left)", (v.not_after - now) / 86_400)
                        } else {
                            " (EXPIRED)".into()
                        }
                    ),
                    "renew the certificate at the SM-PKI sub-CA (or fix the clock if it is wrong)",
                ),
                Err(e) => report(
                    false,
                    &format!("{name} {} #{i}: {e}", p.display()),
                    "replace the file with a valid PEM certificate",
                ),
            }
        }
    }
    let id = TlsIdentity::load(cfg);
    report(
        id.is_ok(),
        &format!(
            "TLS identity loads{}",
            id.as_ref()
                .err()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ),
        "use PEM files: the gateway chain (leaf first), its EC private key, the SM-PKI root",
    );
    for m in &cfg.manifest {
        report(
            m.path.exists(),
            &format!("manifest {} -> {}", m.name, m.path.display()),
            "the measured file or directory is missing: fix the manifest or restore the file",
        );
    }
    report(
        now > 1_704_067_200,
        &format!("clock {}", rfc3339(now)),
        "the system clock is before 2024: certificates and wake-ups cannot be checked; sync the time",
    );
    let writable = StateStore::open(&cfg.gateway.data_dir).and_then(|s| s.load().map(|_| ()));
    report(
        writable.is_ok(),
        &format!("data directory {}", cfg.gateway.data_dir.display()),
        "create it and make it writable for the gateway user (mode 0750)",
    );
    let log_check = logbook::verify_dir(&cfg.gateway.data_dir.join(LOG_DIR));
    let logs_ok = log_check
        .as_ref()
        .map(|v| v.iter().all(|(_, r)| r.is_ok()))
        .unwrap_or(true);
    report(
        logs_ok,
        "logbook chains",
        "run verify-logs and investigate the broken entry",
    );
    if let Ok(id) = &id {
        let rt = runtime()?;
        let r = rt.block_on(transport::fetch_profile(id, cfg));
        report(
            r.is_ok(),
            &format!(
                "GWA {} reachable, profile fetched{}",
                cfg.gwa_addr(),
                r.as_ref()
                    .err()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            ),
            "check the network route, [gwa] host/port/expected_name, and that the GWA knows this gateway",
        );
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
