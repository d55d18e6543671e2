//! The development PKI is accepted by `openssl verify -x509_strict` for every curve.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions, load_certs, load_key};
use tnc_ift_tls_bsi::provider::{Curve, EcdsaSigner};

fn tmpdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("pttls-pki-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn openssl_verify_x509_strict_accepts_every_curve() {
    for (curve, root) in [
        (Curve::BrainpoolP256r1, Curve::BrainpoolP256r1),
        (Curve::BrainpoolP256r1, Curve::BrainpoolP384r1),
        (Curve::P256, Curve::P256),
        (Curve::P384, Curve::P384),
    ] {
        let mut o = DevPkiOptions::with_curve(curve, 2);
        o.root_curve = root;
        let pki = DevPki::generate(&o).unwrap();
        let dir = tmpdir(&format!("{curve:?}-{root:?}"));
        pki.write_pem(&dir).unwrap();
        for leaf in ["gwa", "EDEV0000000001", "EDEV0000000002"] {
            let out = Command::new("openssl")
                .args(["verify", "-x509_strict", "-CAfile"])
                .arg(dir.join("root-ca.pem"))
                .arg("-untrusted")
                .arg(dir.join("sub-ca.pem"))
                .arg(dir.join(format!("{leaf}.pem")))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{curve:?}/{root:?} {leaf}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // a leaf does not verify against a foreign root
        let other = DevPki::generate(&o).unwrap();
        let odir = tmpdir(&format!("other-{curve:?}-{root:?}"));
        other.write_pem(&odir).unwrap();
        let out = Command::new("openssl")
            .args(["verify", "-x509_strict", "-CAfile"])
            .arg(odir.join("root-ca.pem"))
            .arg("-untrusted")
            .arg(dir.join("sub-ca.pem"))
            .arg(dir.join("gwa.pem"))
            .output()
            .unwrap();
        assert!(!out.status.success());
        // openssl reads our keys, and our loader reads them back
        let out = Command::new("openssl")
            .args(["pkey", "-noout", "-in"])
            .arg(dir.join("gwa.key"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let k = load_key(&dir.join("gwa.key")).unwrap();
        assert_eq!(k.curve(), curve);
        assert_eq!(load_certs(&dir.join("gwa-chain.pem")).unwrap().len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&odir);
    }
}
