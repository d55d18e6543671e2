// The checks of the `pt_tls` fuzz target, shared with the corpus replay test
// (`tests/fuzz_corpus.rs`) through `include!`. Never panics on any input; the
// assertions below are the properties the fuzzer looks for violations of.

/// Runs every check on one input.
pub fn check_pt_tls(data: &[u8]) {
    use std::sync::Arc;
    use std::time::{Duration, Instant};
    use tnc_ift_tls_bsi::message::{Message, PlainCredentials};
    use tnc_ift_tls_bsi::session::{Role, Session, SessionConfig, State};

    // 1. one message: decode, and a decoded message re-encodes to something that
    //    decodes to the same value
    if let Ok((h, m)) = Message::decode(data, 1 << 16) {
        let again = m
            .to_vec(h.identifier)
            .expect("a decoded message re-encodes");
        let (h2, m2) = Message::decode(&again, 1 << 16).expect("re-encoded message decodes");
        assert_eq!(h2.identifier, h.identifier);
        match (m, m2) {
            // the strongSwan one-octet SASL Result and over-long error copies normalise
            (Message::SaslResult { code: a, .. }, Message::SaslResult { code: b, .. }) => {
                assert_eq!(a, b)
            }
            (Message::Error(a), Message::Error(b)) => {
                assert_eq!((a.vendor, a.code), (b.vendor, b.code))
            }
            (a, b) => assert_eq!(a, b),
        }
    }

    // 2. the byte stream fed to sessions of every role and profile, in chunks
    let Some((&sel, stream)) = data.split_first() else {
        return;
    };
    let role = if sel & 1 == 0 {
        Role::Client
    } else {
        Role::Server
    };
    let mut cfg = if sel & 2 == 0 {
        SessionConfig::bsi(role)
    } else {
        SessionConfig::rfc6876(role)
    };
    cfg.max_message_len = 256 + u32::from(sel >> 4) * 64;
    if sel & 4 != 0 {
        cfg.plain_verifier = Some(Arc::new(|c: &PlainCredentials| c.password == "pw"));
        cfg.plain_credentials = Some(PlainCredentials {
            authzid: String::new(),
            authcid: "gw".into(),
            password: "pw".into(),
        });
    }
    let t0 = Instant::now();
    let mut s = Session::new(cfg.clone(), t0);
    if role == Role::Client {
        s.start(t0).expect("a new client starts");
    }
    let chunk = usize::from(sel >> 3).max(1);
    let mut now = t0;
    for (i, part) in stream.chunks(chunk).enumerate() {
        if sel & 8 != 0 {
            now += Duration::from_secs(3600 * i as u64);
        }
        let r = s.feed(part, now);
        if r.is_err() {
            assert!(s.is_closed(), "an error closes the session");
        }
        // whatever the session sends is well-formed PT-TLS
        let out = s.take_transmit();
        let mut rest = &out[..];
        while !rest.is_empty() {
            let len = u32::from_be_bytes([rest[8], rest[9], rest[10], rest[11]]) as usize;
            Message::decode(&rest[..len], u32::MAX).expect("own output decodes");
            rest = &rest[len..];
        }
        while s.poll_event().is_some() {}
        if s.is_closed() {
            assert_eq!(s.state(), State::Closed);
            assert!(s.feed(b"x", now).is_err());
            break;
        }
        if s.is_ready() {
            let _ = s.send_batch(part, now);
        }
    }
}
