//! Runs the `tnc` binary: views, JSON, exit codes, and no panic on bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn tnc(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tnc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

const EX1: &str =
    "01000000 00000026 00000000 00000003 0000001c 00000001 00000007 00000102 00000001";
const REPORT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../benches/data/report.bin");

#[test]
fn hex_on_stdin_json() {
    let out = tnc(&["decode", "pa-tnc", "--json"], EX1.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let j = json(&out);
    assert_eq!(j["version"], 1);
    assert_eq!(j["message_id"], 38);
    assert_eq!(j["errors"], Value::Array(vec![]));
    let a = &j["attributes"][0];
    assert_eq!(a["vendor_id"], 0);
    assert_eq!(a["type"], 3);
    assert_eq!(a["name"], "Numeric Version");
    assert_eq!(a["noskip"], false);
    assert_eq!(a["length"], 28);
    assert_eq!(a["value"]["major"], 1);
    assert_eq!(a["value"]["minor"], 7);
    assert_eq!(a["value"]["build"], 258);
    assert_eq!(a["value"]["service_pack_minor"], 1);
}

#[test]
fn hex_with_dash_and_text_view() {
    let out = tnc(&["decode", "pa-tnc", "-"], EX1.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("message id 38"), "{text}");
    assert!(text.contains("Numeric Version"), "{text}");
    assert!(text.contains("build: 258"), "{text}");
}

#[test]
fn binary_file_report() {
    let out = tnc(&["decode", "pa-tnc", REPORT, "--json"], b"");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out);
    let attrs = j["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 6);
    assert_eq!(attrs[0]["value"]["name"], "Debian GNU/Linux");
    assert_eq!(attrs[4]["value"]["packages"].as_array().unwrap().len(), 200);
    assert_eq!(attrs[5]["name"], "File Measurement");
    assert_eq!(attrs[5]["vendor_id"], 0x5597);
    assert_eq!(attrs[5]["value"]["files"].as_array().unwrap().len(), 100);
}

#[test]
fn malformed_length_reports_invalid_parameter_and_exits_1() {
    // attribute length 0xFFFFFFFF
    let hex = "01000000 00000005 00000000 00000003 ffffffff 00000000";
    let out = tnc(&["decode", "pa-tnc", "--json"], hex.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out);
    let e = &j["errors"][0];
    assert_eq!(e["code"], 1);
    assert_eq!(e["vendor_id"], 0);
    assert_eq!(e["offset"], 16);
    assert!(e["message"].as_str().unwrap().contains("attribute length"));
    // text view says so too
    let out = tnc(&["decode", "pa-tnc"], hex.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("offset 16"));
}

#[test]
fn version_and_noskip_errors() {
    let out = tnc(&["decode", "pa-tnc", "--json"], b"02000000 00000001");
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out);
    assert_eq!(j["version"], 2);
    assert_eq!(j["errors"][0]["code"], 2);

    let out = tnc(
        &["decode", "pa-tnc", "--json"],
        b"01000000 00000001 00000000 00000009 00000010 00000000 8000902a 00000007 0000000c",
    );
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out);
    assert_eq!(j["errors"][0]["code"], 3);
    assert_eq!(j["errors"][0]["offset"], 24);
    assert_eq!(j["attributes"].as_array().unwrap().len(), 2);
}

#[test]
fn invalid_value_offset_inside_the_value() {
    // Assessment Result 7 -> Invalid Parameter at the value (offset 20)
    let out = tnc(
        &["decode", "pa-tnc", "--json"],
        b"01000000 00000001 00000000 00000009 00000010 00000007",
    );
    assert_eq!(out.status.code(), Some(1));
    let j = json(&out);
    assert_eq!(j["errors"][0]["offset"], 20);
    assert!(j["attributes"][0]["value"]["error"].is_string());
}

#[test]
fn short_input_odd_hex_missing_file_and_usage() {
    let out = tnc(&["decode", "pa-tnc", "--json"], b"0100");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["errors"][0]["code"], Value::Null);

    let out = tnc(&["decode", "pa-tnc"], b"010");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("odd number"));

    let out = tnc(&["decode", "pa-tnc", "/nonexistent/file"], b"");
    assert_eq!(out.status.code(), Some(1));

    let out = tnc(&["decode", "no-such-layer"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = tnc(&["frobnicate"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = tnc(&["--help"], b"");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn garbage_never_panics() {
    // deterministic pseudo-random inputs through the binary (a few) and the
    // library view (many); a panic would exit with 101
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..3000 {
        let len = (next() % 200) as usize;
        let mut b: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if i % 2 == 0 && b.len() >= 8 {
            b[0] = 1;
            if b.len() >= 20 {
                // plausible attribute length
                let l = (next() % (b.len() as u64 - 8)) as u32;
                b[16..20].copy_from_slice(&l.to_be_bytes());
            }
        }
        let v = tnc_cli::pa_tnc::view(&b);
        assert_eq!(v.ok, v.json["errors"].as_array().unwrap().is_empty());
        if i < 20 {
            let out = tnc(&["decode", "pa-tnc", "--json"], &b);
            assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}", out.status);
            json(&out);
        }
    }
}

#[test]
fn pki_dev_writes_a_chain_that_openssl_verifies() {
    let dir = std::env::temp_dir().join(format!("tnc-cli-pki-{}", std::process::id()));
    let d = dir.to_str().unwrap();
    let out = tnc(&["pki", "dev", d, "--gateways", "2"], b"");
    assert!(out.status.success(), "{out:?}");
    for f in [
        "root-ca.pem",
        "sub-ca.pem",
        "gwa.pem",
        "gwa.key",
        "gwa-chain.pem",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    // the independent check: OpenSSL accepts the gateway certificate under the root
    let verify = Command::new("openssl")
        .args(["verify", "-x509_strict", "-CAfile"])
        .arg(dir.join("root-ca.pem"))
        .arg("-untrusted")
        .arg(dir.join("sub-ca.pem"))
        .arg(dir.join("EDEV0000000002.pem"))
        .output()
        .unwrap();
    assert!(verify.status.success(), "{verify:?}");
    // an unknown curve is a usage error
    assert_eq!(
        tnc(&["pki", "dev", d, "--curve", "ed25519"], b"")
            .status
            .code(),
        Some(2)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
