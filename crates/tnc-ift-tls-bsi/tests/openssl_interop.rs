//! OpenSSL 3.0 (`openssl s_client`/`s_server`, Python's `ssl`) as the independent peer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::{ClientConnection, ProtocolVersion, ServerConnection};
use tnc_ift_tls_bsi::Error;
use tnc_ift_tls_bsi::binding::{self, ChannelBindingKind};
use tnc_ift_tls_bsi::identity::ConnectionInfo;
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;

/// Our one-shot server's result: the handshake outcome and how the connection ended.
type ServerJoin = JoinHandle<(Result<ConnectionInfo, Error>, Option<String>)>;

struct Fixture {
    dir: PathBuf,
    pki: DevPki,
    other_dir: PathBuf,
    nist_dir: PathBuf,
    nist: DevPki,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("pttls-openssl-{}", std::process::id()));
        let mut o = DevPkiOptions::with_curve(Curve::BrainpoolP256r1, 1);
        o.root_curve = Curve::BrainpoolP384r1;
        let pki = DevPki::generate(&o).unwrap();
        pki.write_pem(&base.join("ok")).unwrap();
        let other = DevPki::generate(&o).unwrap();
        other.write_pem(&base.join("other")).unwrap();
        // OpenSSL 3.0 has no TLS 1.3 brainpool signature schemes: TLS 1.3 tests use NIST
        let nist = DevPki::generate(&DevPkiOptions::with_curve(Curve::P256, 1)).unwrap();
        nist.write_pem(&base.join("nist")).unwrap();
        Fixture {
            dir: base.join("ok"),
            pki,
            other_dir: base.join("other"),
            nist_dir: base.join("nist"),
            nist,
        }
    })
}

const GW: &str = "EDEV0000000001";
const SUITES: [(&str, rustls::CipherSuite); 2] = [
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
];
const GROUPS: [(&str, u16); 4] = [
    ("brainpoolP256r1", 0x1a),
    ("brainpoolP384r1", 0x1b),
    ("prime256v1", 0x17),
    ("secp384r1", 0x18),
];

/// OpenSSL insists (RFC 8422 §5.1/§2) that the curve of an ECDSA end-entity key is
/// among the supported groups, so the brainpoolP256r1 certificates need it listed.
fn with_cert_curve(g: &str) -> String {
    if g == "brainpoolP256r1" {
        g.into()
    } else {
        format!("{g}:brainpoolP256r1")
    }
}

fn p(dir: &Path, f: &str) -> String {
    dir.join(f).to_string_lossy().into_owned()
}

fn settings(tls13: bool) -> TlsSettings {
    let mut s = TlsSettings::new(Profile::Bsi);
    s.tls13 = tls13;
    s.tls12 = !tls13;
    s
}

/// Our server: accepts one connection, handshakes, returns the connection info,
/// then reads until the peer goes away (the result of that read is returned too).
fn serve_once(s: TlsSettings) -> (u16, ServerJoin) {
    serve_once_with(s, &fixture().pki)
}

fn serve_once_with(s: TlsSettings, pki: &DevPki) -> (u16, ServerJoin) {
    let cfg = s
        .server_config(&[pki.root.cert_der()], &pki.credentials(&pki.gwa))
        .unwrap();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut tcp, _) = l.accept().unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut conn = ServerConnection::new(cfg).unwrap();
        let r = (|| {
            while conn.is_handshaking() {
                conn.complete_io(&mut tcp)?;
            }
            ConnectionInfo::from_connection(&conn)
        })();
        if r.is_err() {
            let _ = conn.complete_io(&mut tcp);
            return (r, None);
        }
        let mut s = rustls::Stream::new(&mut conn, &mut tcp);
        let mut buf = [0u8; 256];
        let after = loop {
            match s.read(&mut buf) {
                Ok(0) => break None,
                Ok(_) => {}
                Err(e) => break Some(e.to_string()),
            }
        };
        (r, after)
    });
    (port, h)
}

fn s_client(port: u16, args: &[&str], stdin: &[u8]) -> String {
    let mut c = Command::new("openssl")
        .arg("s_client")
        .arg("-connect")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut i = c.stdin.take().unwrap();
        for part in stdin.split_inclusive(|b| *b == b'\n') {
            std::thread::sleep(Duration::from_millis(300));
            let _ = i.write_all(part);
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let out = c.wait_with_output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn client_auth_args(dir: &Path) -> Vec<String> {
    vec![
        "-cert".into(),
        p(dir, &format!("{GW}.pem")),
        "-cert_chain".into(),
        p(dir, "sub-ca.pem"),
        "-key".into(),
        p(dir, &format!("{GW}.key")),
        "-CAfile".into(),
        p(dir, "root-ca.pem"),
        "-verify_return_error".into(),
    ]
}

#[test]
fn openssl_client_every_bsi_tls12_suite_and_group() {
    let f = fixture();
    for (oname, suite) in SUITES {
        for (gname, code) in GROUPS {
            let mut ours = settings(false);
            ours.groups = Some(vec![code]);
            let (port, h) = serve_once(ours);
            let mut args: Vec<String> = vec![
                "-tls1_2".into(),
                "-cipher".into(),
                oname.into(),
                "-groups".into(),
                with_cert_curve(gname),
            ];
            args.extend(client_auth_args(&f.dir));
            let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
            let out = s_client(port, &a, b"");
            let (info, _) = h.join().unwrap();
            let info = info.unwrap_or_else(|e| panic!("{oname}/{gname}: {e}\n{out}"));
            assert_eq!(info.cipher_suite, suite);
            assert_eq!(info.group, Some(rustls::NamedGroup::from(code)));
            assert_eq!(info.peer.common_name.as_deref(), Some(GW));
            assert!(out.contains("Verify return code: 0 (ok)"), "{out}");
        }
    }
}

fn s_server(dir: &Path, args: &[&str]) -> (Child, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut c = Command::new("openssl")
        .arg("s_server")
        .args(["-accept", &port.to_string(), "-naccept", "1"])
        .args([
            "-cert",
            &p(dir, "gwa.pem"),
            "-cert_chain",
            &p(dir, "sub-ca.pem"),
            "-key",
            &p(dir, "gwa.key"),
        ])
        .args([
            "-CAfile",
            &p(dir, "root-ca.pem"),
            "-Verify",
            "3",
            "-verify_return_error",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(c.stdout.take().unwrap());
    let mut line = String::new();
    while r.read_line(&mut line).unwrap() > 0 {
        if line.contains("ACCEPT") {
            break;
        }
        line.clear();
    }
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
    });
    (c, port)
}

fn our_client(s: &TlsSettings, port: u16) -> Result<ConnectionInfo, Error> {
    our_client_with(s, port, &fixture().pki)
}

fn our_client_with(s: &TlsSettings, port: u16, pki: &DevPki) -> Result<ConnectionInfo, Error> {
    let g = &pki.gateways[0];
    let cfg = s.client_config(&[pki.root.cert_der()], Some(&pki.credentials(g)))?;
    let mut conn = ClientConnection::new(cfg, s.server_name())?;
    let mut tcp = TcpStream::connect(("127.0.0.1", port))?;
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp)?;
    }
    let info = ConnectionInfo::from_connection(&conn);
    conn.send_close_notify();
    let _ = conn.complete_io(&mut tcp);
    info
}

#[test]
fn our_client_against_openssl_server_every_suite_and_group() {
    let f = fixture();
    for (oname, suite) in SUITES {
        for (gname, code) in GROUPS {
            let (mut srv, port) = s_server(
                &f.dir,
                &[
                    "-tls1_2",
                    "-cipher",
                    oname,
                    "-groups",
                    &with_cert_curve(gname),
                ],
            );
            let mut ours = settings(false);
            ours.groups = Some(if code == 0x1a {
                vec![code]
            } else {
                vec![code, 0x1a]
            });
            let info = our_client(&ours, port).unwrap_or_else(|e| panic!("{oname}/{gname}: {e}"));
            assert_eq!(info.cipher_suite, suite);
            assert_eq!(info.group, Some(rustls::NamedGroup::from(code)));
            assert_eq!(info.peer.common_name.as_deref(), Some("gwa.localhost"));
            let _ = srv.kill();
            let _ = srv.wait();
        }
    }
}

#[test]
fn refused_when_openssl_offers_only_disallowed_things() {
    let f = fixture();
    let bp = |v: &[&str]| -> Vec<String> { v.iter().map(|s| s.to_string()).collect() };
    let other_cert = {
        let o = &f.other_dir;
        bp(&[
            "-tls1_2",
            "-groups",
            "brainpoolP256r1",
            "-cert",
            &p(o, &format!("{GW}.pem")),
            "-cert_chain",
            &p(o, "sub-ca.pem"),
            "-key",
            &p(o, &format!("{GW}.key")),
            "-CAfile",
            &p(&f.dir, "root-ca.pem"),
        ])
    };
    // (what, OpenSSL arguments, what our server's error must say)
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "suite outside the profile",
            {
                let mut a = bp(&[
                    "-tls1_2",
                    "-groups",
                    "brainpoolP256r1",
                    "-cipher",
                    "ECDHE-ECDSA-CHACHA20-POLY1305",
                ]);
                a.extend(client_auth_args(&f.dir));
                a
            },
            "NoCipherSuitesInCommon",
        ),
        (
            "group outside the profile",
            {
                let mut a = bp(&["-tls1_2", "-groups", "X25519"]);
                a.extend(client_auth_args(&f.dir));
                a
            },
            "NoKxGroupsInCommon",
        ),
        (
            "TLS 1.1",
            {
                let mut a = bp(&["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"]);
                a.extend(client_auth_args(&f.dir));
                a
            },
            "PeerIncompatible",
        ),
        (
            "no client certificate",
            bp(&[
                "-tls1_2",
                "-groups",
                "brainpoolP256r1",
                "-CAfile",
                &p(&f.dir, "root-ca.pem"),
            ]),
            "NoCertificatesPresented",
        ),
        (
            "client certificate from another CA",
            other_cert,
            "InvalidCertificate",
        ),
    ];
    for (what, args, expect) in cases {
        let (port, h) = serve_once(settings(false));
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let out = s_client(port, &a, b"");
        let (r, _) = h.join().unwrap();
        let e = r.err().unwrap_or_else(|| panic!("{what}: accepted\n{out}"));
        assert!(
            format!("{e:?}").contains(expect),
            "{what}: refused for the wrong reason: {e:?}\n{out}"
        );
    }
    // and our client refuses OpenSSL servers that only offer disallowed things
    for (what, args) in [
        (
            "suite",
            vec!["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"],
        ),
        ("group", vec!["-tls1_2", "-groups", "X25519"]),
    ] {
        let (mut srv, port) = s_server(&f.dir, &args);
        assert!(our_client(&settings(false), port).is_err(), "{what}");
        let _ = srv.kill();
        let _ = srv.wait();
    }
    // a server certificate from another CA
    let (mut srv, port) = s_server(&f.other_dir, &["-tls1_2"]);
    let r = our_client(&settings(false), port);
    assert!(r.is_err());
    let _ = srv.kill();
    let _ = srv.wait();
}

const PY_CLIENT: &str = r#"
import ssl, socket, sys
port, d, gw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_verify_locations(d + "/root-ca.pem")
ctx.load_cert_chain(d + "/" + gw + "-chain.pem", d + "/" + gw + ".key")
ctx.set_ciphers("ECDHE-ECDSA-AES128-GCM-SHA256")
ctx.set_ecdh_curve("brainpoolP256r1")
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
print(s.get_channel_binding("tls-unique").hex())
s.close()
"#;

const PY_SERVER: &str = r#"
import ssl, socket, sys
d = sys.argv[1]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.load_cert_chain(d + "/gwa-chain.pem", d + "/gwa.key")
ctx.load_verify_locations(d + "/root-ca.pem")
ctx.verify_mode = ssl.CERT_REQUIRED
ctx.set_ecdh_curve("brainpoolP256r1")
if len(sys.argv) > 2 and sys.argv[2] == "noems":
    ctx.options |= 1  # SSL_OP_NO_EXTENDED_MASTER_SECRET
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
print(srv.getsockname()[1], flush=True)
c, _ = srv.accept()
try:
    s = ctx.wrap_socket(c, server_side=True)
except ssl.SSLError as e:
    print("refused", e, flush=True)
    sys.exit(0)
print(s.get_channel_binding("tls-unique").hex(), flush=True)
try:
    s.recv(10)
except Exception:
    pass
s.close()
"#;

#[test]
fn tls_unique_matches_python_in_both_directions() {
    let f = fixture();
    // Python client -> our server
    let (port, h) = serve_once(settings(false));
    let out = Command::new("python3")
        .args([
            "-c",
            PY_CLIENT,
            &port.to_string(),
            &f.dir.to_string_lossy(),
            GW,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let info = h.join().unwrap().0.unwrap();
    assert_eq!(info.channel_binding.kind, ChannelBindingKind::TlsUnique);
    assert_eq!(hex::encode(&info.channel_binding.data), py);
    // our client -> Python server
    let mut child = Command::new("python3")
        .args(["-c", PY_SERVER, &f.dir.to_string_lossy()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("python server: {line}"));
    let info = our_client(&settings(false), port).unwrap();
    line.clear();
    r.read_line(&mut line).unwrap();
    let _ = child.wait();
    assert_eq!(info.group, Some(rustls::NamedGroup::from(0x1a)));
    assert_eq!(hex::encode(&info.channel_binding.data), line.trim());
}

fn keying_material(out: &str) -> String {
    let i = out
        .find("Keying material: ")
        .unwrap_or_else(|| panic!("no keying material:\n{out}"));
    out[i + 17..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_ascii_lowercase()
}

#[test]
fn exporter_matches_openssl_keymatexport() {
    let f = fixture();
    for (v13, group) in [
        (true, "prime256v1"),
        (true, "secp384r1"),
        (false, "brainpoolP256r1"),
    ] {
        let (dir, pki) = if v13 {
            (&f.nist_dir, &f.nist)
        } else {
            (&f.dir, &f.pki)
        };
        let (port, h) = serve_once_with(settings(v13), pki);
        let mut args: Vec<String> = vec![
            if v13 { "-tls1_3" } else { "-tls1_2" }.into(),
            "-groups".into(),
            group.into(),
            "-keymatexport".into(),
            "EXPORTER-Channel-Binding".into(),
            "-keymatexportlen".into(),
            "32".into(),
        ];
        args.extend(client_auth_args(dir));
        let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        let out = s_client(port, &a, b"");
        let info = h
            .join()
            .unwrap()
            .0
            .unwrap_or_else(|e| panic!("{group}: {e}\n{out}"));
        let km = keying_material(&out);
        if v13 {
            assert_eq!(info.tls_version, ProtocolVersion::TLSv1_3);
            assert_eq!(info.channel_binding.kind, ChannelBindingKind::TlsExporter);
            assert_eq!(hex::encode(&info.channel_binding.data), km);
        } else {
            // TLS 1.2 with EMS: tls-exporter is available too and equals OpenSSL's
            assert_eq!(info.channel_binding.kind, ChannelBindingKind::TlsUnique);
            assert_eq!(km.len(), 64);
        }
    }
}

#[test]
fn tls12_exporter_matches_openssl_too() {
    let f = fixture();
    let cfg = settings(false)
        .server_config(&[f.pki.root.cert_der()], &f.pki.credentials(&f.pki.gwa))
        .unwrap();
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut tcp, _) = l.accept().unwrap();
        let mut conn = ServerConnection::new(cfg).unwrap();
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp).unwrap();
        }
        let e = binding::tls_exporter(&conn).unwrap();
        let _ = conn.complete_io(&mut tcp);
        e
    });
    let mut args: Vec<String> = vec![
        "-tls1_2".into(),
        "-groups".into(),
        "brainpoolP256r1".into(),
        "-keymatexport".into(),
        "EXPORTER-Channel-Binding".into(),
        "-keymatexportlen".into(),
        "32".into(),
    ];
    args.extend(client_auth_args(&f.dir));
    let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    let out = s_client(port, &a, b"");
    let e = h.join().unwrap();
    assert_eq!(hex::encode(&e.data), keying_material(&out));
}

#[test]
fn openssl_renegotiation_attempt_fails() {
    let f = fixture();
    let (port, h) = serve_once(settings(false));
    let mut args: Vec<String> = vec!["-tls1_2".into(), "-groups".into(), "brainpoolP256r1".into()];
    args.extend(client_auth_args(&f.dir));
    let a: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
    // "R" asks s_client to renegotiate
    let out = s_client(port, &a, b"R\nhello\n");
    let (info, after) = h.join().unwrap();
    info.unwrap();
    assert!(out.contains("RENEGOTIATING"), "{out}");
    assert!(
        out.to_ascii_lowercase().contains("no renegotiation"),
        "{out}"
    );
    // the connection did not continue with a new handshake: the server saw the
    // fatal alert that followed its refusal
    let after = after.unwrap_or_default();
    assert!(after.to_ascii_lowercase().contains("alert"), "{after}");
    let _ = Arc::new(());
}

/// Python client with `SSL_OP_NO_EXTENDED_MASTER_SECRET` (OpenSSL 3.0: bit 0).
const PY_NO_EMS_CLIENT: &str = r#"
import ssl, socket, sys
port, d, gw, curve = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.maximum_version = ssl.TLSVersion.TLSv1_2
ctx.options |= 1  # SSL_OP_NO_EXTENDED_MASTER_SECRET
ctx.load_verify_locations(d + "/root-ca.pem")
ctx.load_cert_chain(d + "/" + gw + "-chain.pem", d + "/" + gw + ".key")
ctx.set_ecdh_curve(curve)
try:
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    print("connected")
    s.close()
except ssl.SSLError as e:
    print("refused", e)
"#;

#[test]
fn handshake_without_extended_master_secret_is_refused_in_bsi_only() {
    let f = fixture();
    for (profile, expect_ok) in [(Profile::Bsi, false), (Profile::Rfc6876, true)] {
        let mut s = TlsSettings::new(profile);
        s.tls13 = false;
        // the RFC profile has NIST groups only: NIST certificates there
        let (dir, pki, curve) = match profile {
            Profile::Bsi => (&f.dir, &f.pki, "brainpoolP256r1"),
            Profile::Rfc6876 => (&f.nist_dir, &f.nist, "prime256v1"),
        };
        let (port, h) = serve_once_with(s, pki);
        let out = Command::new("python3")
            .args([
                "-c",
                PY_NO_EMS_CLIENT,
                &port.to_string(),
                &dir.to_string_lossy(),
                GW,
                curve,
            ])
            .output()
            .unwrap();
        let py = String::from_utf8_lossy(&out.stdout).to_string();
        let (r, _) = h.join().unwrap();
        if expect_ok {
            let info = r.unwrap_or_else(|e| panic!("RFC profile without EMS: {e} / {py}"));
            // tls-unique still works (but is not safe without EMS: triple handshake)
            assert_eq!(info.channel_binding.kind, ChannelBindingKind::TlsUnique);
            assert!(py.contains("connected"), "{py}");
        } else {
            let e = r
                .err()
                .unwrap_or_else(|| panic!("BSI server accepted a handshake without EMS: {py}"));
            assert!(
                format!("{e:?}").contains("ExtendedMasterSecretExtensionRequired"),
                "{e:?}"
            );
            assert!(py.contains("refused"), "{py}");
        }
    }
}

#[test]
fn our_bsi_client_refuses_a_server_without_extended_master_secret() {
    let f = fixture();
    let mut child = Command::new("python3")
        .args(["-c", PY_SERVER, &f.dir.to_string_lossy(), "noems"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut r = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let port: u16 = line.trim().parse().unwrap();
    let e = our_client(&settings(false), port).unwrap_err();
    assert!(
        format!("{e:?}").contains("ExtendedMasterSecretExtensionRequired"),
        "{e:?}"
    );
    let _ = child.wait();
}
