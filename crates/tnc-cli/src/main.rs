//! `tnc`: decode TNC wire data.
//!
//! ```text
//! tnc decode pa-tnc [FILE|-] [--json]
//! tnc decode pb-tnc [FILE|-] [--json]
//! tnc decode pt-tls [FILE|-] [--json]
//! tnc pki dev DIR [--curve NAME] [--gateways N]
//! ```
//! Input is hex (whitespace ignored) or raw binary; without FILE (or with `-`)
//! it is read from standard input. Exit status: 0 well-formed, 1 malformed input
//! or unreadable file, 2 usage error.

use std::io::{Read, Write};
use std::process::ExitCode;

const USAGE: &str = "usage: tnc decode <layer> [FILE|-] [--json]\n\
layers:\n  pa-tnc   PA-TNC message (RFC 5792, TCG IF-M)\n\
  pb-tnc   PB-TNC batch (RFC 5793, TCG IF-TNCCS 2.0)\n\
  pt-tls   stream of PT-TLS messages (RFC 6876)\n\
Input: hex (whitespace ignored) or raw binary; stdin when FILE is absent or '-'.\n\
\n       tnc pki dev DIR [--curve NAME] [--gateways N]\n\
writes a development PKI (root CA -> sub-CA -> GWA and N gateway certificates, PEM) into DIR;\n\
curves: brainpoolP256r1 (default), brainpoolP384r1, P-256, P-384. Not for production.\n";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    run(&args)
}

fn run(args: &[String]) -> ExitCode {
    let json = args.iter().any(|a| a == "--json");
    let rest: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--json")
        .collect();
    match rest.as_slice() {
        ["-h" | "--help" | "help"] => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        ["pki", "dev", dir, opts @ ..] => pki_dev(dir, opts),
        ["decode", layer, more @ ..] if more.len() <= 1 => {
            let raw = match read_input(more.first().copied()) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("tnc: {e}");
                    return ExitCode::from(1);
                }
            };
            let input = match tnc_cli::input::parse(&raw) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("tnc: {e}");
                    return ExitCode::from(1);
                }
            };
            let view = match *layer {
                "pa-tnc" => tnc_cli::pa_tnc::view(&input),
                "pb-tnc" => tnc_cli::pb_tnc::view(&input),
                "pt-tls" => tnc_cli::pt_tls::view(&input),
                other => {
                    eprintln!("tnc: unknown layer '{other}'\n{USAGE}");
                    return ExitCode::from(2);
                }
            };
            let out = if json {
                format!("{}\n", view.json)
            } else {
                view.text
            };
            // a closed stdout (e.g. `| head`) is not a crash
            let _ = std::io::stdout().write_all(out.as_bytes());
            if view.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        _ => {
            eprint!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `tnc pki dev DIR [--curve NAME] [--gateways N]`.
fn pki_dev(dir: &str, opts: &[&str]) -> ExitCode {
    use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
    use tnc_ift_tls_bsi::provider::Curve;
    let (mut curve, mut n) = (Curve::BrainpoolP256r1, 1usize);
    let mut it = opts.iter();
    while let Some(opt) = it.next() {
        let value = it.next();
        match (*opt, value) {
            ("--curve", Some(v)) => match Curve::from_name(v) {
                Some(c) => curve = c,
                None => {
                    eprintln!(
                        "tnc: unknown curve '{v}'; use brainpoolP256r1, brainpoolP384r1, P-256 or P-384"
                    );
                    return ExitCode::from(2);
                }
            },
            ("--gateways", Some(v)) => match v.parse::<usize>() {
                Ok(k) if (1..=10_000).contains(&k) => n = k,
                _ => {
                    eprintln!("tnc: --gateways wants a number from 1 to 10000, not '{v}'");
                    return ExitCode::from(2);
                }
            },
            _ => {
                eprint!("{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    let pki = match DevPki::generate(&DevPkiOptions::with_curve(curve, n)) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("tnc: cannot generate the PKI: {e}");
            return ExitCode::from(1);
        }
    };
    match pki.write_pem(std::path::Path::new(dir)) {
        Ok(files) => {
            println!(
                "development PKI ({}) with {} file(s) in {dir}: root-ca.pem, sub-ca.pem, gwa.pem/gwa.key/gwa-chain.pem and per gateway <id>.pem/<id>.key/<id>-chain.pem. Not for production.",
                curve.name(),
                files.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tnc: cannot write {dir}: {e}");
            ExitCode::from(1)
        }
    }
}

fn read_input(path: Option<&str>) -> Result<Vec<u8>, String> {
    match path {
        None | Some("-") => {
            let mut b = Vec::new();
            std::io::stdin()
                .read_to_end(&mut b)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(b)
        }
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read {p}: {e}")),
    }
}
