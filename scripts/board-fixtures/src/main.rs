//! Host-side fixtures for the ARM qemu check of `scripts/cross-build`.
//!
//! ```text
//! board-fixtures pki DIR --curve brainpoolP256r1 --gateway EDEV0000000001 [--gateway ...]
//!     development PKI (root CA → sub-CA → GWA "gwa.localhost" + gateways) as PEM files in DIR
//! board-fixtures maker-key KEY PUB --curve brainpoolP256r1
//!     a manufacturer's manifest-signing key (PKCS#8 PEM) and its public key (SPKI PEM)
//! board-fixtures sign KEY FILE
//!     detached DER ECDSA signature of FILE into FILE.sig (what gwa-reference imports)
//! ```
//!
//! Development and CI only: keys are written unencrypted.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use smgw_gwa_admin::{Curve as AdminCurve, PrivateKey};
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::provider::Curve;

type Result<T> = std::result::Result<T, String>;

fn tls_curve(name: &str) -> Result<Curve> {
    match name {
        "brainpoolP256r1" => Ok(Curve::BrainpoolP256r1),
        "P256" | "P-256" => Ok(Curve::P256),
        other => Err(format!(
            "unknown TLS curve {other:?} (brainpoolP256r1 or P256)"
        )),
    }
}

fn write(path: &Path, data: &[u8]) -> Result<()> {
    std::fs::write(path, data).map_err(|e| format!("{}: {e}", path.display()))
}

fn pki(args: &[String]) -> Result<()> {
    let (dir, rest) = args.split_first().ok_or("pki: DIR missing")?;
    let mut curve = Curve::BrainpoolP256r1;
    let mut ids = Vec::new();
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag}: value missing"))?;
        match flag.as_str() {
            "--curve" => curve = tls_curve(value)?,
            "--gateway" => ids.push(value.clone()),
            other => return Err(format!("pki: unknown option {other}")),
        }
    }
    if ids.is_empty() {
        return Err("pki: at least one --gateway ID".into());
    }
    let mut opts = DevPkiOptions::with_curve(curve, 0);
    opts.gateway_ids = ids;
    let pki = DevPki::generate(&opts).map_err(|e| format!("generating the PKI: {e}"))?;
    let written = pki
        .write_pem(&PathBuf::from(dir))
        .map_err(|e| format!("writing the PKI to {dir}: {e}"))?;
    println!("wrote {} PKI files to {dir}", written.len());
    Ok(())
}

fn maker_key(args: &[String]) -> Result<()> {
    let [key, public, flag, curve] = args else {
        return Err("maker-key KEY PUB --curve CURVE".into());
    };
    if flag != "--curve" {
        return Err(format!("maker-key: unknown option {flag}"));
    }
    let curve = AdminCurve::from_name(curve).ok_or(format!("unknown curve {curve:?}"))?;
    let k = PrivateKey::generate(curve).map_err(|e| e.to_string())?;
    write(
        Path::new(key),
        k.to_pkcs8_pem().map_err(|e| e.to_string())?.as_bytes(),
    )?;
    write(
        Path::new(public),
        k.public_key()
            .to_spki_pem()
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;
    println!("wrote {key} and {public} ({curve})");
    Ok(())
}

fn sign(args: &[String]) -> Result<()> {
    let [key, file] = args else {
        return Err("sign KEY FILE".into());
    };
    let pem = std::fs::read_to_string(key).map_err(|e| format!("{key}: {e}"))?;
    let k = PrivateKey::from_pkcs8_pem(&pem).map_err(|e| format!("{key}: {e}"))?;
    let data = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let sig = k.sign(&data).map_err(|e| e.to_string())?;
    let out = format!("{file}.sig");
    write(Path::new(&out), &sig)?;
    println!("wrote {out}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((cmd, rest)) if cmd == "pki" => pki(rest),
        Some((cmd, rest)) if cmd == "maker-key" => maker_key(rest),
        Some((cmd, rest)) if cmd == "sign" => sign(rest),
        _ => Err("usage: board-fixtures pki|maker-key|sign ... (see the source's header)".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("board-fixtures: {e}");
            ExitCode::from(1)
        }
    }
}
