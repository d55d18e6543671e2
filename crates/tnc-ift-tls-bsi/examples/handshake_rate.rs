//! Handshakes per second of CPU time on one core (complements the criterion bench,
//! whose wall-clock figures suffer on a shared machine): full mutual-auth handshake,
//! channel binding on both ends and PT-TLS version exchange, in memory.
//!
//! `cargo run --release --example handshake_rate [N]`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use rustls::{ClientConnection, ServerConnection};
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_ift_tls_bsi::session::{Role, Session};
use tnc_ift_tls_bsi::{binding, memory};

/// CPU time (user + system) of this process in seconds, from /proc (Linux).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(300);
    for (name, curve) in [
        ("P-256", Curve::P256),
        ("brainpoolP256r1", Curve::BrainpoolP256r1),
    ] {
        let pki = DevPki::generate(&DevPkiOptions::with_curve(curve, 1)).unwrap();
        for tls13 in [false, true] {
            let mut s = TlsSettings::new(Profile::Bsi);
            s.tls12 = !tls13;
            s.tls13 = tls13;
            s.groups = Some(vec![match (curve, tls13) {
                (Curve::P256, _) => 0x17,
                (_, false) => 0x1a,
                (_, true) => 0x1f,
            }]);
            let roots = [pki.root.cert_der()];
            let g = &pki.gateways[0];
            let cc = s.client_config(&roots, Some(&pki.credentials(g))).unwrap();
            let sc = s.server_config(&roots, &pki.credentials(&pki.gwa)).unwrap();
            let (w0, c0) = (Instant::now(), cpu_seconds());
            for _ in 0..n {
                let mut c = ClientConnection::new(cc.clone(), s.server_name()).unwrap();
                let mut v = ServerConnection::new(sc.clone()).unwrap();
                memory::handshake(&mut c, &mut v).unwrap();
                assert_eq!(
                    binding::channel_binding(&c).unwrap(),
                    binding::channel_binding(&v).unwrap()
                );
                let now = Instant::now();
                let mut cs = Session::new(Profile::Bsi.session_config(Role::Client), now);
                let mut ss = Session::new(Profile::Bsi.session_config(Role::Server), now);
                memory::negotiate(&mut c, &mut v, &mut cs, &mut ss, now).unwrap();
            }
            let (wall, cpu) = (w0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            println!(
                "{name:16} {:6}: {:7.0} handshakes/s per CPU-second ({:.3} ms CPU each), wall {:.0}/s",
                if tls13 { "TLS1.3" } else { "TLS1.2" },
                n as f64 / cpu,
                cpu * 1000.0 / n as f64,
                n as f64 / wall
            );
        }
    }
}
