//! PT-TLS connection setup in memory: full mutual-auth TLS handshake (certificate
//! chains root → sub-CA → leaf on both sides), channel binding on both ends, and the
//! PT-TLS version exchange, for P-256 and brainpoolP256r1, TLS 1.2 and 1.3.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::sync::Arc;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use tnc_ift_tls_bsi::binding;
use tnc_ift_tls_bsi::memory;
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_ift_tls_bsi::session::{Role, Session};

fn configs(curve: Curve, tls13: bool) -> (Arc<ClientConfig>, Arc<ServerConfig>, TlsSettings) {
    let pki = DevPki::generate(&DevPkiOptions::with_curve(curve, 1)).unwrap();
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
    (cc, sc, s)
}

fn one(cc: &Arc<ClientConfig>, sc: &Arc<ServerConfig>, s: &TlsSettings) {
    let mut c = ClientConnection::new(cc.clone(), s.server_name()).unwrap();
    let mut v = ServerConnection::new(sc.clone()).unwrap();
    memory::handshake(&mut c, &mut v).unwrap();
    let a = binding::channel_binding(&c).unwrap();
    let b = binding::channel_binding(&v).unwrap();
    assert_eq!(a, b);
    let now = Instant::now();
    let mut cs = Session::new(Profile::Bsi.session_config(Role::Client), now);
    let mut ss = Session::new(Profile::Bsi.session_config(Role::Server), now);
    memory::negotiate(&mut c, &mut v, &mut cs, &mut ss, now).unwrap();
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("pt_tls_handshake");
    g.sample_size(20);
    for (name, curve) in [
        ("p256", Curve::P256),
        ("brainpoolP256r1", Curve::BrainpoolP256r1),
    ] {
        for tls13 in [false, true] {
            let (cc, sc, s) = configs(curve, tls13);
            let id = format!("{name}/{}", if tls13 { "tls13" } else { "tls12" });
            g.bench_function(id, |b| b.iter(|| one(&cc, &sc, &s)));
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
