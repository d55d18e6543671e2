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
                println!("{text}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
