//! rustls ⇄ rustls under the profiles, in memory: every version × group × curve,
//! channel binding on both ends, many parallel handshakes, refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use rustls::{ClientConnection, NamedGroup, ProtocolVersion, ServerConnection};
use tnc_ift_tls_bsi::binding::{self, ChannelBindingKind};
use tnc_ift_tls_bsi::identity::ConnectionInfo;
use tnc_ift_tls_bsi::memory;
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Credentials, Profile, TlsSettings};
use tnc_ift_tls_bsi::provider::Curve;
use tnc_ift_tls_bsi::session::{Role, Session};

fn creds(pki: &DevPki, leaf: &tnc_ift_tls_bsi::pki::Issued) -> Credentials {
    pki.credentials(leaf)
}

fn pair(
    pki: &DevPki,
    client: &TlsSettings,
    server: &TlsSettings,
) -> Result<(ClientConnection, ServerConnection), tnc_ift_tls_bsi::Error> {
    let roots = vec![pki.root.cert_der()];
    let cc = client.client_config(&roots, Some(&creds(pki, &pki.gateways[0])))?;
    let sc = server.server_config(&roots, &creds(pki, &pki.gwa))?;
    let mut c = ClientConnection::new(cc, client.server_name())?;
    let mut s = ServerConnection::new(sc)?;
    memory::handshake(&mut c, &mut s)?;
    Ok((c, s))
}

fn restricted(v12: bool, v13: bool, group: u16) -> TlsSettings {
    let mut t = TlsSettings::new(Profile::Bsi);
    t.tls12 = v12;
    t.tls13 = v13;
    t.groups = Some(vec![group]);
    t
}

#[test]
fn every_version_group_and_curve() {
    for curve in [Curve::BrainpoolP256r1, Curve::P256, Curve::BrainpoolP384r1] {
        let pki = DevPki::generate(&DevPkiOptions::with_curve(curve, 1)).unwrap();
        for (v12, group) in [
            (true, 0x1a),
            (true, 0x1b),
            (true, 0x17),
            (true, 0x18),
            (false, 0x1f),
            (false, 0x20),
            (false, 0x17),
            (false, 0x18),
        ] {
            let t = restricted(v12, !v12, group);
            let (c, s) = pair(&pki, &t, &t)
                .unwrap_or_else(|e| panic!("{curve:?} {group:#x} tls12={v12}: {e}"));
            let ci = ConnectionInfo::from_connection(&c).unwrap();
            let si = ConnectionInfo::from_connection(&s).unwrap();
            assert_eq!(
                ci.tls_version,
                if v12 {
                    ProtocolVersion::TLSv1_2
                } else {
                    ProtocolVersion::TLSv1_3
                }
            );
            assert_eq!(ci.group, Some(NamedGroup::from(group)));
            assert_eq!(si.group, Some(NamedGroup::from(group)));
            assert_eq!(ci.channel_binding, si.channel_binding);
            let kind = if v12 {
                ChannelBindingKind::TlsUnique
            } else {
                ChannelBindingKind::TlsExporter
            };
            assert_eq!(ci.channel_binding.kind, kind);
            assert_eq!(ci.channel_binding.data.len(), if v12 { 12 } else { 32 });
            assert_eq!(ci.peer.common_name.as_deref(), Some("gwa.localhost"));
            assert_eq!(si.peer.common_name.as_deref(), Some("EDEV0000000001"));
            assert_eq!(si.peer.curve, Some(curve));
            // the value is handed out once
            if v12 {
                assert!(binding::tls_unique(&c).is_err());
            }
        }
    }
}

#[test]
fn both_versions_enabled_picks_tls13_brainpool() {
    let pki = DevPki::generate(&DevPkiOptions::default()).unwrap();
    let t = TlsSettings::new(Profile::Bsi);
    let (c, _s) = pair(&pki, &t, &t).unwrap();
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_3));
    assert_eq!(
        c.negotiated_key_exchange_group().unwrap().name(),
        NamedGroup::from(0x1f)
    );
    // a 1.2-only client against a 1.2+1.3 server: brainpool 1.2 group and signatures
    let mut t12 = TlsSettings::new(Profile::Bsi);
    t12.tls13 = false;
    let (c, _s) = pair(&pki, &t12, &t).unwrap();
    assert_eq!(c.protocol_version(), Some(ProtocolVersion::TLSv1_2));
    assert_eq!(
        c.negotiated_key_exchange_group().unwrap().name(),
        NamedGroup::from(0x1a)
    );
}

#[test]
fn tls_unique_under_many_parallel_handshakes() {
    let pki = Arc::new(DevPki::generate(&DevPkiOptions::with_curve(Curve::P256, 1)).unwrap());
    let mut t = TlsSettings::new(Profile::Bsi);
    t.tls13 = false;
    t.groups = Some(vec![0x17]);
    let t = Arc::new(t);
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let pki = pki.clone();
            let t = t.clone();
            std::thread::spawn(move || {
                (0..16)
                    .map(|_| {
                        let (c, s) = pair(&pki, &t, &t).unwrap();
                        let a = binding::tls_unique(&c).unwrap();
                        let b = binding::tls_unique(&s).unwrap();
                        assert_eq!(a, b);
                        let e = binding::tls_exporter(&c).unwrap();
                        assert_eq!(e, binding::tls_exporter(&s).unwrap());
                        a.data
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all: Vec<Vec<u8>> = threads
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        n,
        "tls-unique values must differ between connections"
    );
}

#[test]
fn refusals() {
    let pki = DevPki::generate(&DevPkiOptions::default()).unwrap();
    let other = DevPki::generate(&DevPkiOptions::default()).unwrap();
    let t = TlsSettings::new(Profile::Bsi);
    // client certificate from another CA
    let roots = vec![pki.root.cert_der()];
    let cc = t
        .client_config(&roots, Some(&creds(&other, &other.gateways[0])))
        .unwrap();
    let sc = t.server_config(&roots, &creds(&pki, &pki.gwa)).unwrap();
    let mut c = ClientConnection::new(cc, t.server_name()).unwrap();
    let mut s = ServerConnection::new(sc.clone()).unwrap();
    assert!(memory::handshake(&mut c, &mut s).is_err());
    // no client certificate
    let mut rfc = TlsSettings::new(Profile::Rfc6876);
    rfc.groups = Some(vec![0x17]);
    let cc = rfc.client_config(&roots, None).unwrap();
    let mut c = ClientConnection::new(cc, t.server_name()).unwrap();
    let mut s = ServerConnection::new(sc.clone()).unwrap();
    assert!(memory::handshake(&mut c, &mut s).is_err());
    // the BSI client config refuses to exist without credentials
    assert!(t.client_config(&roots, None).is_err());
    // expected peer name
    let mut named = TlsSettings::new(Profile::Bsi);
    named.expected_peer = Some("gwa.localhost".into());
    assert!(pair(&pki, &named, &t).is_ok());
    named.expected_peer = Some("evil.example".into());
    assert!(pair(&pki, &named, &t).is_err());
    let mut srv = TlsSettings::new(Profile::Bsi);
    srv.expected_peer = Some("EDEV0000000001".into());
    assert!(pair(&pki, &t, &srv).is_ok());
    srv.expected_peer = Some("EDEV0000000009".into());
    assert!(pair(&pki, &t, &srv).is_err());
    // a brainpool-only client and a NIST-only server share no group
    assert!(
        pair(
            &pki,
            &restricted(true, false, 0x1a),
            &restricted(true, false, 0x17)
        )
        .is_err()
    );
}

#[test]
fn pt_tls_over_tls_in_memory() {
    let pki = DevPki::generate(&DevPkiOptions::default()).unwrap();
    let t = TlsSettings::new(Profile::Bsi);
    let (mut c, mut s) = pair(&pki, &t, &t).unwrap();
    let now = Instant::now();
    let mut cs = Session::new(Profile::Bsi.session_config(Role::Client), now);
    let mut ss = Session::new(Profile::Bsi.session_config(Role::Server), now);
    memory::negotiate(&mut c, &mut s, &mut cs, &mut ss, now).unwrap();
    assert!(cs.is_ready() && ss.is_ready());
}
