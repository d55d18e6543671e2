#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! `reference import`: signed manifests of two vendors side by side; unsigned, forged,
//! modified and malformed manifests refused with line-precise errors; OpenSSL-signed manifests
//! accepted (the manufacturer's usual tool).

use std::path::{Path, PathBuf};

use gwa_reference::GwaError;
use gwa_reference::manifest;
use gwa_reference::storage::{Manufacturer, SqliteStorage, Storage};
use smgw_gwa_admin::{Curve, PrivateKey};

fn manifest_text(vendor: &str, pen: u32, version: &str, digest: &str) -> String {
    format!(
        r#"{{
  "format": 1,
  "vendor": "{vendor}",
  "vendor_pen": {pen},
  "product": "SMGW-X",
  "firmware_version": "{version}",
  "algorithm": "sha256",
  "files": {{
    "/usr/lib/smgw/firmware.bin": "{digest}",
    "/etc/smgw/config.toml": "{digest}"
  }}
}}
"#
    )
}

const D: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

fn write_signed(dir: &Path, name: &str, text: &str, key: &PrivateKey) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::write(
        dir.join(format!("{name}.sig")),
        key.sign(text.as_bytes()).unwrap(),
    )
    .unwrap();
    p
}

fn setup() -> (tempfile::TempDir, SqliteStorage, PrivateKey, PrivateKey) {
    let dir = tempfile::tempdir().unwrap();
    let db = SqliteStorage::open(&dir.path().join("gwa.sqlite")).unwrap();
    db.init().unwrap();
    let acme = PrivateKey::generate(Curve::BrainpoolP256r1).unwrap();
    let zeta = PrivateKey::generate(Curve::P256).unwrap();
    for (name, pen, key) in [("ACME", 4711, &acme), ("Zeta", 4712, &zeta)] {
        db.add_manufacturer(&Manufacturer {
            name: name.into(),
            pen,
            public_key_pem: key.public_key().to_spki_pem().unwrap(),
            added_ms: 1,
        })
        .unwrap();
    }
    (dir, db, acme, zeta)
}

fn refused(r: gwa_reference::Result<manifest::Imported>) -> (usize, String) {
    match r {
        Err(GwaError::Manifest { line, message, .. }) => (line, message),
        other => panic!("expected refusal, got {other:?}"),
    }
}

#[test]
fn two_vendors_side_by_side() {
    let (dir, db, acme, zeta) = setup();
    let a = write_signed(
        dir.path(),
        "a.json",
        &manifest_text("ACME", 4711, "2.1.0", D),
        &acme,
    );
    let z = write_signed(
        dir.path(),
        "z.json",
        &manifest_text("Zeta", 4712, "2.1.0", D),
        &zeta,
    );
    let ia = manifest::import(&db, &a, 10).unwrap();
    let iz = manifest::import(&db, &z, 11).unwrap();
    assert_ne!(ia.firmware_id, iz.firmware_id);
    assert_eq!(ia.set.files.len(), 2);
    let got = db.reference_set(4711, "SMGW-X", "2.1.0").unwrap().unwrap();
    assert_eq!(got.vendor, "ACME");
    assert_eq!(got.files[0].0, "/etc/smgw/config.toml");
    assert_eq!(
        db.reference_set(4712, "SMGW-X", "2.1.0")
            .unwrap()
            .unwrap()
            .vendor,
        "Zeta"
    );
    // the same manifest again (a retried import) is a no-op with the same id
    assert_eq!(
        manifest::import(&db, &a, 12).unwrap().firmware_id,
        ia.firmware_id
    );
    // another signed manifest for an imported version is refused
    let a2 = write_signed(
        dir.path(),
        "a2.json",
        &manifest_text("ACME", 4711, "2.1.0", &D.replace('a', "b")),
        &acme,
    );
    assert!(matches!(
        manifest::import(&db, &a2, 13),
        Err(GwaError::Conflict(_))
    ));
}

#[test]
fn unsigned_forged_modified_malformed_are_refused() {
    let (dir, db, acme, zeta) = setup();
    // unsigned
    let p = dir.path().join("u.json");
    std::fs::write(&p, manifest_text("ACME", 4711, "1", D)).unwrap();
    let (_, msg) = refused(manifest::import(&db, &p, 1));
    assert!(msg.starts_with("unsigned"), "{msg}");
    // forged: ACME's manifest signed by Zeta's key
    let p = write_signed(
        dir.path(),
        "f.json",
        &manifest_text("ACME", 4711, "2", D),
        &zeta,
    );
    let (_, msg) = refused(manifest::import(&db, &p, 1));
    assert!(msg.contains("does not verify"), "{msg}");
    // modified after signing
    let p = write_signed(
        dir.path(),
        "m.json",
        &manifest_text("ACME", 4711, "3", D),
        &acme,
    );
    let changed = manifest_text("ACME", 4711, "3", &D.replace('9', "8"));
    std::fs::write(&p, changed).unwrap();
    let (_, msg) = refused(manifest::import(&db, &p, 1));
    assert!(msg.contains("does not verify"), "{msg}");
    // a garbage signature file
    let p = write_signed(
        dir.path(),
        "g.json",
        &manifest_text("ACME", 4711, "4", D),
        &acme,
    );
    std::fs::write(dir.path().join("g.json.sig"), b"\x30\x02\x01").unwrap();
    let (_, msg) = refused(manifest::import(&db, &p, 1));
    assert!(msg.contains("does not verify"), "{msg}");
    // malformed (signed, so only the parser can complain): line 9 has a bad digest
    let bad = manifest_text("ACME", 4711, "5", D).replacen(D, "zz", 1);
    let p = write_signed(dir.path(), "b.json", &bad, &acme);
    let (line, msg) = refused(manifest::import(&db, &p, 1));
    assert_eq!(line, 9, "{msg}");
    // a vendor nobody registered
    let p = write_signed(
        dir.path(),
        "n.json",
        &manifest_text("Nobody", 9, "1", D),
        &acme,
    );
    let (line, msg) = refused(manifest::import(&db, &p, 1));
    assert_eq!(line, 3, "{msg}");
    assert!(msg.contains("manufacturer add"), "{msg}");
    // ACME claiming Zeta's PEN
    let p = write_signed(
        dir.path(),
        "pen.json",
        &manifest_text("ACME", 4712, "6", D),
        &acme,
    );
    let (line, msg) = refused(manifest::import(&db, &p, 1));
    assert_eq!(line, 4, "{msg}");
    // nothing of the refused manifests was stored
    assert!(db.firmware_versions(4711, "SMGW-X").unwrap().is_empty());
    assert!(db.firmware_versions(4712, "SMGW-X").unwrap().is_empty());
}

#[test]
fn openssl_signed_manifests_import() {
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        eprintln!("openssl not installed: interop part skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = SqliteStorage::open_in_memory().unwrap();
    db.init().unwrap();
    for (i, (curve, dgst)) in [
        ("prime256v1", "-sha256"),
        ("brainpoolP256r1", "-sha256"),
        ("brainpoolP384r1", "-sha384"),
    ]
    .into_iter()
    .enumerate()
    {
        let key = dir.path().join(format!("k{i}.pem"));
        let pubk = dir.path().join(format!("k{i}.pub"));
        let run = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        run(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            &format!("ec_paramgen_curve:{curve}"),
            "-pkeyopt",
            "ec_param_enc:named_curve",
            "-out",
            key.to_str().unwrap(),
        ]);
        run(&[
            "pkey",
            "-in",
            key.to_str().unwrap(),
            "-pubout",
            "-out",
            pubk.to_str().unwrap(),
        ]);
        let name = format!("V{i}");
        db.add_manufacturer(&Manufacturer {
            name: name.clone(),
            pen: 100 + i as u32,
            public_key_pem: std::fs::read_to_string(&pubk).unwrap(),
            added_ms: 1,
        })
        .unwrap();
        let m = dir.path().join(format!("m{i}.json"));
        std::fs::write(&m, manifest_text(&name, 100 + i as u32, "1.0", D)).unwrap();
        let sig = format!("{}.sig", m.display());
        run(&[
            "dgst",
            dgst,
            "-sign",
            key.to_str().unwrap(),
            "-out",
            &sig,
            m.to_str().unwrap(),
        ]);
        let imported = manifest::import(&db, &m, 1).unwrap();
        assert_eq!(imported.set.vendor, name);
    }
}
