//! Tokio client and server on 127.0.0.1: one assessment, same channel binding on
//! both ends, connection limit, handshake timeout, graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tnc_ift_tls_bsi::Error;
use tnc_ift_tls_bsi::identity::ConnectionInfo;
use tnc_ift_tls_bsi::net::{
    Client, DriverFactory, FnDriver, Outcome, PbDriver, Server, Step, Timeouts,
};
use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
use tnc_ift_tls_bsi::profile::{Profile, TlsSettings};
use tokio::sync::mpsc;

fn batch(ty: u8, server: bool) -> Vec<u8> {
    vec![2, if server { 0x80 } else { 0 }, 0, ty, 0, 0, 0, 8]
}

/// A toy TNCS: answers CDATA with RESULT and reports its outcome.
struct Tncs {
    tx: mpsc::UnboundedSender<Result<Outcome, String>>,
    seen: Vec<u8>,
}

#[async_trait::async_trait]
impl PbDriver for Tncs {
    async fn begin(&mut self, _info: &ConnectionInfo) -> Result<Step, Error> {
        Ok(Step::Wait)
    }
    async fn batch(&mut self, b: Vec<u8>) -> Result<Step, Error> {
        self.seen.push(b[3]);
        Ok(if b[3] == 1 {
            Step::Send(batch(3, true))
        } else {
            Step::Wait
        })
    }
    async fn finished(&mut self, r: Result<&Outcome, &Error>) {
        assert!(r.is_err() || self.seen == [1, 6]);
        let _ = self.tx.send(r.cloned().map_err(|e| e.to_string()));
    }
}

fn tncc() -> FnDriver<impl FnMut(Option<&[u8]>) -> Result<Step, Error> + Send> {
    FnDriver(|b: Option<&[u8]>| {
        Ok(match b {
            None => Step::Send(batch(1, false)),
            Some(b) if b[3] == 3 => Step::Send(batch(6, false)),
            Some(_) => Step::Wait,
        })
    })
}

async fn start_server(
    pki: &DevPki,
    max: usize,
    t: Timeouts,
) -> (
    Server,
    mpsc::UnboundedReceiver<Result<Outcome, String>>,
    DriverFactory,
) {
    let settings = TlsSettings::new(Profile::Bsi);
    let creds = pki.credentials(&pki.gwa);
    let server = Server::bind("127.0.0.1:0", &settings, &[pki.root.cert_der()], &creds)
        .await
        .unwrap()
        .with_max_connections(max)
        .with_timeouts(t);
    let (tx, rx) = mpsc::unbounded_channel();
    let factory: DriverFactory = Arc::new(move || {
        Box::new(Tncs {
            tx: tx.clone(),
            seen: vec![],
        }) as Box<dyn PbDriver>
    });
    (server, rx, factory)
}

fn client(pki: &DevPki, i: usize, tls13: bool) -> Client {
    let mut settings = TlsSettings::new(Profile::Bsi);
    settings.tls13 = tls13;
    settings.expected_peer = Some("gwa.localhost".into());
    let g = &pki.gateways[i];
    Client::new(settings, &[pki.root.cert_der()], Some(&pki.credentials(g))).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_assessment_per_connection_with_matching_binding() {
    let pki = DevPki::generate(&DevPkiOptions::with_curve(
        tnc_ift_tls_bsi::provider::Curve::BrainpoolP256r1,
        4,
    ))
    .unwrap();
    let (server, mut rx, factory) = start_server(&pki, 16, Timeouts::default()).await;
    let addr = server.local_addr().unwrap();
    let stop = server.shutdown_handle();
    let stats = server.stats();
    let h = tokio::spawn(server.run(factory, Duration::from_secs(5)));
    for (i, tls13) in [(0, false), (1, true), (2, false), (3, true)] {
        let out = client(&pki, i, tls13).run(addr, &mut tncc()).await.unwrap();
        assert_eq!((out.batches_sent, out.batches_received), (2, 1));
        let srv = rx.recv().await.unwrap().unwrap();
        assert_eq!(srv.info.channel_binding, out.info.channel_binding);
        assert_eq!(
            srv.info.peer.common_name.as_deref(),
            Some(pki.gateways[i].name.as_str())
        );
        assert_eq!(out.info.peer.common_name.as_deref(), Some("gwa.localhost"));
        assert_eq!(srv.info.tls_version, out.info.tls_version);
        // both ends name the same TCP connection
        assert_eq!(srv.info.peer_addr, out.info.local_addr);
        assert_eq!(srv.info.local_addr, out.info.peer_addr);
        assert_eq!(out.info.peer_addr, Some(addr));
    }
    assert_eq!(stats.completed.load(Ordering::Relaxed), 4);
    stop.shutdown();
    h.await.unwrap().unwrap();
    // after shutdown nobody listens
    assert!(client(&pki, 0, true).run(addr, &mut tncc()).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_timeouts() {
    let pki = DevPki::generate(&DevPkiOptions::with_curve(
        tnc_ift_tls_bsi::provider::Curve::P256,
        1,
    ))
    .unwrap();
    let t = Timeouts {
        connect: Duration::from_secs(5),
        handshake: Duration::from_millis(300),
        idle: Duration::from_millis(300),
    };
    let (server, _rx, factory) = start_server(&pki, 1, t).await;
    let addr = server.local_addr().unwrap();
    let stop = server.shutdown_handle();
    let stats = server.stats();
    let h = tokio::spawn(server.run(factory, Duration::from_secs(2)));
    // a silent TCP peer holds the only slot until the handshake timeout
    let silent = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let refused = client(&pki, 0, true).run(addr, &mut tncc()).await;
    assert!(refused.is_err());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stats.refused.load(Ordering::Relaxed), 1);
    assert_eq!(
        stats.failed.load(Ordering::Relaxed),
        1,
        "handshake timeout counted"
    );
    drop(silent);
    // the slot is free again
    client(&pki, 0, true).run(addr, &mut tncc()).await.unwrap();
    // a client that never sends its first batch hits the server's idle timeout
    let mut mute = FnDriver(|_: Option<&[u8]>| Ok(Step::Wait));
    let c = client(&pki, 0, true).with_timeouts(Timeouts {
        idle: Duration::from_secs(3),
        ..Timeouts::default()
    });
    assert!(c.run(addr, &mut mute).await.is_err());
    stop.shutdown();
    h.await.unwrap().unwrap();
}

/// A minimal TCP balancer for the test: prepends a PROXY v2 header claiming `claimed` as the
/// client, then relays both directions (what HAProxy's `send-proxy-v2` does).
async fn proxy_relay(
    backend: std::net::SocketAddr,
    claimed: std::net::SocketAddr,
) -> std::net::SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (mut inbound, _) = l.accept().await.unwrap();
            tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let mut out = tokio::net::TcpStream::connect(backend).await.unwrap();
                let mut h = tnc_ift_tls_bsi::proxy::SIGNATURE.to_vec();
                h.extend_from_slice(&[0x21, 0x11, 0x00, 0x0C]);
                let (std::net::SocketAddr::V4(src), std::net::SocketAddr::V4(dst)) =
                    (claimed, backend)
                else {
                    panic!("IPv4 only in this test");
                };
                h.extend_from_slice(&src.ip().octets());
                h.extend_from_slice(&dst.ip().octets());
                h.extend_from_slice(&src.port().to_be_bytes());
                h.extend_from_slice(&dst.port().to_be_bytes());
                out.write_all(&h).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_protocol_names_the_gateway_behind_a_balancer() {
    let pki = DevPki::generate(&DevPkiOptions::with_curve(
        tnc_ift_tls_bsi::provider::Curve::P256,
        2,
    ))
    .unwrap();
    let (server, mut rx, factory) = start_server(&pki, 16, Timeouts::default()).await;
    let server = server.with_proxy_protocol(true);
    let addr = server.local_addr().unwrap();
    let stats = server.stats();
    let stop = server.shutdown_handle();
    let h = tokio::spawn(server.run(factory, Duration::from_secs(5)));
    let claimed: std::net::SocketAddr = "192.0.2.7:50000".parse().unwrap();
    let relay = proxy_relay(addr, claimed).await;

    // through the balancer: the server sees the claimed client address, TLS end to end
    let out = client(&pki, 0, false)
        .run(relay, &mut tncc())
        .await
        .unwrap();
    let srv = rx.recv().await.unwrap().unwrap();
    assert_eq!(srv.info.peer_addr, Some(claimed));
    assert_eq!(srv.info.channel_binding, out.info.channel_binding);

    // directly, without a header: closed before the handshake
    assert!(client(&pki, 1, false).run(addr, &mut tncc()).await.is_err());
    let srv = rx.recv().await.unwrap();
    assert!(
        srv.as_ref().is_err_and(|e| e.contains("PROXY protocol")),
        "{srv:?}"
    );
    assert_eq!(stats.completed.load(Ordering::Relaxed), 1);
    assert_eq!(stats.failed.load(Ordering::Relaxed), 1);
    stop.shutdown();
    h.await.unwrap().unwrap();
}
