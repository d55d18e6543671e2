//! `gwa-reference`: the reference Gateway Administrator. See `gwa-reference --help`.
#![forbid(unsafe_code)]

use clap::Parser;
use gwa_reference::cli::{Cli, Command, run, serve};
use gwa_reference::config::Config;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GWA_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Serve => Config::load(&cli.config)
            .and_then(|cfg| {
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| gwa_reference::GwaError::io("tokio runtime", e))?
                    .block_on(serve(cfg))
            })
            .map(|()| String::new()),
        _ => run(&cli),
    };
    match result {
        Ok(text) => {
            if !text.is_empty() {
                // one write; a reader that stops early (`| grep -q`, `| head`) is not an error
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                if let Err(e) = writeln!(out, "{text}").and_then(|()| out.flush())
                    && e.kind() != std::io::ErrorKind::BrokenPipe
                {
                    eprintln!("error: cannot write the output: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
