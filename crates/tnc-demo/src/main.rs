//! `demo`: runs the whole TNC system on 127.0.0.1 (see the crate documentation).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

/// A Gateway Administrator and a fleet of smart-meter gateways on 127.0.0.1: dev PKI, signed
/// reference values, TNC switched on by profiles, one gateway tampered with and woken.
/// Exits 0 only if every expected verdict occurred.
#[derive(Debug, Parser)]
#[command(name = "demo", version)]
struct Cli {
    /// Gateways in the fleet (at least 2).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(2..=200))]
    gateways: u16,
    /// Work directory (default: a fresh directory under the system's temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Bound on the whole run, in seconds.
    #[arg(long, default_value_t = 50)]
    timeout_secs: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = tnc_demo::Options {
        gateways: usize::from(cli.gateways),
        work_dir: cli.dir,
        timeout: Duration::from_secs(cli.timeout_secs),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("demo: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let mut out = std::io::stdout();
    match rt.block_on(tnc_demo::run(&opts, &mut out)) {
        Ok(r) if r.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::from(2)
        }
    }
}
