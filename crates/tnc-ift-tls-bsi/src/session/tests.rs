#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;

fn batch(ty: u8, dir_server: bool) -> Vec<u8> {
    vec![2, if dir_server { 0x80 } else { 0 }, 0, ty, 0, 0, 0, 8]
}

fn pump(a: &mut Session, b: &mut Session, now: Instant) -> (Result<(), Error>, Result<(), Error>) {
    let mut ra = Ok(());
    let mut rb = Ok(());
    for _ in 0..8 {
        let t = a.take_transmit();
        if !t.is_empty() && !b.is_closed() {
            rb = rb.and(b.feed(&t, now));
        }
        let t = b.take_transmit();
        if !t.is_empty() && !a.is_closed() {
            ra = ra.and(a.feed(&t, now));
        }
    }
    (ra, rb)
}

fn events(s: &mut Session) -> Vec<Event> {
    core::iter::from_fn(|| s.poll_event()).collect()
}

fn bsi_pair(now: Instant) -> (Session, Session) {
    let mut c = Session::new(SessionConfig::bsi(Role::Client), now);
    let mut s = Session::new(SessionConfig::bsi(Role::Server), now);
    c.start(now).unwrap();
    let (a, b) = pump(&mut c, &mut s, now);
    a.unwrap();
    b.unwrap();
    (c, s)
}

#[test]
fn bsi_negotiates_and_exchanges_one_assessment() {
    let now = Instant::now();
    let (mut c, mut s) = bsi_pair(now);
    assert!(c.is_ready() && s.is_ready());
    assert_eq!(
        events(&mut c),
        vec![Event::Negotiated { version: 1 }, Event::Ready]
    );
    assert_eq!(
        events(&mut s),
        vec![Event::Negotiated { version: 1 }, Event::Ready]
    );
    c.send_batch(&batch(1, false), now).unwrap();
    pump(&mut c, &mut s, now).1.unwrap();
    assert_eq!(events(&mut s), vec![Event::Batch(batch(1, false))]);
    s.send_batch(&batch(3, true), now).unwrap();
    pump(&mut c, &mut s, now).0.unwrap();
    assert_eq!(events(&mut c), vec![Event::Batch(batch(3, true))]);
    // the client may not start a second assessment after the RESULT
    assert!(matches!(
        c.send_batch(&batch(4, false), now),
        Err(Error::State(_))
    ));
    c.send_batch(&batch(6, false), now).unwrap();
    assert!(c.is_closed());
    pump(&mut c, &mut s, now).1.unwrap();
    assert!(s.is_closed());
    assert_eq!(
        events(&mut s),
        vec![
            Event::Batch(batch(6, false)),
            Event::Closed(CloseReason::Done)
        ]
    );
}

#[test]
fn second_assessment_from_peer_is_invalid_message() {
    let now = Instant::now();
    let (mut c, mut s) = bsi_pair(now);
    c.send_batch(&batch(1, false), now).unwrap();
    pump(&mut c, &mut s, now).1.unwrap();
    s.send_batch(&batch(3, true), now).unwrap();
    pump(&mut c, &mut s, now).0.unwrap();
    // a misbehaving client (no limit) sends CRETRY after the RESULT
    let mut bad_cfg = SessionConfig::bsi(Role::Client);
    bad_cfg.max_assessments = None;
    let mut raw = Vec::new();
    Message::PbTncBatch(&batch(4, false))
        .encode(9, &mut raw)
        .unwrap();
    let e = s.feed(&raw, now).unwrap_err();
    assert_eq!(e.wire_code(), Some(PtTlsErrorCode::INVALID_MESSAGE));
    assert!(s.is_closed());
    let out = s.take_transmit();
    let (_, m) = Message::decode(&out, 4096).unwrap();
    match m {
        Message::Error(ev) => {
            assert_eq!(ev.code, PtTlsErrorCode::INVALID_MESSAGE);
            assert_eq!(ev.original, &raw[..]);
        }
        other => panic!("{other:?}"),
    }
    // without the limit (RFC profile) the same retry is fine
    let (mut c2, mut s2) = {
        let mut c = Session::new(SessionConfig::rfc6876(Role::Client), now);
        let mut s = Session::new(SessionConfig::rfc6876(Role::Server), now);
        c.start(now).unwrap();
        let _ = pump(&mut c, &mut s, now);
        (c, s)
    };
    s2.send_batch(&batch(3, true), now).unwrap();
    pump(&mut c2, &mut s2, now).0.unwrap();
    c2.send_batch(&batch(4, false), now).unwrap();
    pump(&mut c2, &mut s2, now).1.unwrap();
    assert!(s2.is_ready());
}

#[test]
fn lifetime_of_48_hours_with_simulated_time() {
    let t0 = Instant::now();
    let (mut c, mut s) = bsi_pair(t0);
    let dl = c.deadline().unwrap();
    assert_eq!(dl - t0, Duration::from_secs(48 * 3600));
    let almost = t0 + Duration::from_secs(48 * 3600 - 1);
    c.handle_timeout(almost);
    assert!(c.is_ready());
    c.send_batch(&batch(1, false), almost).unwrap();
    pump(&mut c, &mut s, almost).1.unwrap();
    let later = t0 + Duration::from_secs(48 * 3600);
    c.handle_timeout(later);
    assert!(c.is_closed());
    assert!(events(&mut c).contains(&Event::Closed(CloseReason::Expired)));
    assert!(c.deadline().is_none());
    // the server side refuses input after its own deadline
    assert!(matches!(s.feed(&[], later), Err(Error::Expired)));
    assert!(matches!(
        s.send_batch(&batch(2, true), later),
        Err(Error::Expired)
    ));
    // a configurable lifetime
    let mut cfg = SessionConfig::bsi(Role::Server);
    cfg.lifetime = Some(Duration::from_secs(60));
    let s = Session::new(cfg, t0);
    assert_eq!(s.deadline(), Some(t0 + Duration::from_secs(60)));
}

#[test]
fn sasl_is_invalid_in_bsi_profile() {
    let now = Instant::now();
    let (_c, mut s) = bsi_pair(now);
    let raw = Message::SaslMechanismSelection {
        mechanism: "PLAIN",
        initial_response: b"\0a\0b",
    }
    .to_vec(1)
    .unwrap();
    let e = s.feed(&raw, now).unwrap_err();
    assert_eq!(e.wire_code(), Some(PtTlsErrorCode::INVALID_MESSAGE));
    // and a BSI client receiving SASL Mechanisms
    let mut c = Session::new(SessionConfig::bsi(Role::Client), now);
    c.start(now).unwrap();
    let mut srv = Session::new(SessionConfig::bsi(Role::Server), now);
    let _ = pump(&mut c, &mut srv, now);
    let raw = Message::SaslMechanisms(SaslMechanisms::from_raw(&[]))
        .to_vec(5)
        .unwrap();
    assert_eq!(
        c.feed(&raw, now).unwrap_err().wire_code(),
        Some(PtTlsErrorCode::INVALID_MESSAGE)
    );
}

#[test]
fn rfc_profile_sasl_plain_success_and_failure() {
    let now = Instant::now();
    let verifier: PlainVerifier =
        Arc::new(|c: &PlainCredentials| c.authcid == "gw" && c.password == "secret");
    let mut scfg = SessionConfig::rfc6876(Role::Server);
    scfg.plain_verifier = Some(verifier);
    let mut ccfg = SessionConfig::rfc6876(Role::Client);
    ccfg.plain_credentials = Some(PlainCredentials {
        authzid: String::new(),
        authcid: "gw".into(),
        password: "secret".into(),
    });
    let mut c = Session::new(ccfg.clone(), now);
    let mut s = Session::new(scfg.clone(), now);
    c.start(now).unwrap();
    let (a, b) = pump(&mut c, &mut s, now);
    a.unwrap();
    b.unwrap();
    assert!(c.is_ready() && s.is_ready());
    assert!(events(&mut s).contains(&Event::Authenticated {
        identity: "gw".into()
    }));
    // wrong password: the client gives up after the Failure result
    ccfg.plain_credentials.as_mut().unwrap().password = "wrong".into();
    let mut c = Session::new(ccfg, now);
    let mut s = Session::new(scfg, now);
    c.start(now).unwrap();
    let (a, _) = pump(&mut c, &mut s, now);
    assert!(matches!(a, Err(Error::Authentication(_))));
    assert!(!s.is_ready());
    // a client without credentials answers a PLAIN offer with SASL Mechanism Error
    let mut scfg = SessionConfig::rfc6876(Role::Server);
    scfg.plain_verifier = Some(Arc::new(|_: &PlainCredentials| true));
    let mut c = Session::new(SessionConfig::rfc6876(Role::Client), now);
    let mut s = Session::new(scfg, now);
    c.start(now).unwrap();
    let (a, b) = pump(&mut c, &mut s, now);
    assert_eq!(
        a.unwrap_err().wire_code(),
        Some(PtTlsErrorCode::SASL_MECHANISM_ERROR)
    );
    assert!(matches!(
        b,
        Err(Error::PeerError {
            code: PtTlsErrorCode::SASL_MECHANISM_ERROR,
            ..
        })
    ));
}

#[test]
fn server_aborts_after_repeated_plain_failures() {
    let now = Instant::now();
    let mut scfg = SessionConfig::rfc6876(Role::Server);
    scfg.plain_verifier = Some(Arc::new(|_: &PlainCredentials| false));
    let mut s = Session::new(scfg, now);
    let mut out = Vec::new();
    Message::VersionRequest {
        min: 1,
        max: 1,
        preferred: 1,
    }
    .encode(0, &mut out)
    .unwrap();
    s.feed(&out, now).unwrap();
    for i in 0..3 {
        let sel = Message::SaslMechanismSelection {
            mechanism: "PLAIN",
            initial_response: b"\0u\0p",
        }
        .to_vec(i + 1)
        .unwrap();
        let r = s.feed(&sel, now);
        if i < 2 {
            r.unwrap();
            assert_eq!(s.state(), State::AwaitSelection);
        } else {
            assert!(matches!(r, Err(Error::Authentication(_))));
        }
    }
    assert!(s.is_closed());
}

#[test]
fn version_negotiation_failures() {
    let now = Instant::now();
    let mut s = Session::new(SessionConfig::bsi(Role::Server), now);
    let req = Message::VersionRequest {
        min: 2,
        max: 3,
        preferred: 2,
    }
    .to_vec(0)
    .unwrap();
    let e = s.feed(&req, now).unwrap_err();
    assert_eq!(e.wire_code(), Some(PtTlsErrorCode::VERSION_NOT_SUPPORTED));
    assert!(s.is_closed());
    // a second Version Request after negotiation: Invalid Message
    let (_c, mut s) = bsi_pair(now);
    let req = Message::VersionRequest {
        min: 1,
        max: 1,
        preferred: 1,
    }
    .to_vec(3)
    .unwrap();
    assert_eq!(
        s.feed(&req, now).unwrap_err().wire_code(),
        Some(PtTlsErrorCode::INVALID_MESSAGE)
    );
    // a client getting version 2
    let mut c = Session::new(SessionConfig::bsi(Role::Client), now);
    c.start(now).unwrap();
    let resp = Message::VersionResponse { version: 2 }.to_vec(0).unwrap();
    assert_eq!(
        c.feed(&resp, now).unwrap_err().wire_code(),
        Some(PtTlsErrorCode::VERSION_NOT_SUPPORTED)
    );
    // a batch before negotiation: Invalid Message
    let mut s = Session::new(SessionConfig::bsi(Role::Server), now);
    let b = Message::PbTncBatch(&batch(1, false)).to_vec(0).unwrap();
    assert_eq!(
        s.feed(&b, now).unwrap_err().wire_code(),
        Some(PtTlsErrorCode::INVALID_MESSAGE)
    );
}

#[test]
fn unknown_types_are_not_fatal_and_experimental_is() {
    let now = Instant::now();
    let (_c, mut s) = bsi_pair(now);
    let m = Message::Unknown {
        vendor: Pen::TCG,
        msg_type: 1,
        value: b"abc",
    }
    .to_vec(4)
    .unwrap();
    s.feed(&m, now).unwrap();
    assert!(s.is_ready());
    let out = s.take_transmit();
    let (_, e) = Message::decode(&out, 4096).unwrap();
    assert!(matches!(
        e,
        Message::Error(ErrorValue {
            code: PtTlsErrorCode::TYPE_NOT_SUPPORTED,
            ..
        })
    ));
    let m = Message::Unknown {
        vendor: Pen::IETF,
        msg_type: 77,
        value: b"",
    }
    .to_vec(5)
    .unwrap();
    s.feed(&m, now).unwrap();
    assert!(s.is_ready());
    let m = Message::Experimental(b"x").to_vec(6).unwrap();
    assert_eq!(
        s.feed(&m, now).unwrap_err().wire_code(),
        Some(PtTlsErrorCode::INVALID_MESSAGE)
    );
}

#[test]
fn oversized_length_is_refused_before_buffering() {
    let now = Instant::now();
    let mut cfg = SessionConfig::bsi(Role::Server);
    cfg.max_message_len = 64;
    let mut s = Session::new(cfg, now);
    // only a header announcing 4 GiB; nothing else is needed to reject it
    let mut h = [0u8; 16];
    Header {
        vendor: Pen::IETF,
        msg_type: 1,
        length: u32::MAX,
        identifier: 0,
    }
    .write(&mut h);
    let e = s.feed(&h, now).unwrap_err();
    assert_eq!(e.wire_code(), Some(PtTlsErrorCode::INVALID_PARAMETER));
    let out = s.take_transmit();
    let (_, m) = Message::decode(&out, 4096).unwrap();
    assert!(
        matches!(m, Message::Error(ErrorValue { code: PtTlsErrorCode::INVALID_PARAMETER, original, .. }) if original == h)
    );
    // length below 16
    let mut s = Session::new(SessionConfig::bsi(Role::Server), now);
    Header {
        vendor: Pen::IETF,
        msg_type: 1,
        length: 3,
        identifier: 0,
    }
    .write(&mut h);
    assert_eq!(
        s.feed(&h, now).unwrap_err().wire_code(),
        Some(PtTlsErrorCode::INVALID_PARAMETER)
    );
}

#[test]
fn byte_by_byte_feeding_and_peer_errors() {
    let now = Instant::now();
    let mut c = Session::new(SessionConfig::bsi(Role::Client), now);
    let mut s = Session::new(SessionConfig::bsi(Role::Server), now);
    c.start(now).unwrap();
    for b in c.take_transmit() {
        s.feed(&[b], now).unwrap();
    }
    for b in s.take_transmit() {
        c.feed(&[b], now).unwrap();
    }
    assert!(c.is_ready() && s.is_ready());
    // non-fatal error from the peer is an event
    let e = Message::Error(ErrorValue {
        vendor: Pen::IETF,
        code: PtTlsErrorCode::TYPE_NOT_SUPPORTED,
        original: &[],
    })
    .to_vec(2)
    .unwrap();
    c.feed(&e, now).unwrap();
    assert!(events(&mut c).contains(&Event::PeerError {
        vendor: Pen::IETF,
        code: PtTlsErrorCode::TYPE_NOT_SUPPORTED
    }));
    // fatal error closes without answering
    let e = Message::Error(ErrorValue {
        vendor: Pen::IETF,
        code: PtTlsErrorCode::INVALID_MESSAGE,
        original: &[],
    })
    .to_vec(3)
    .unwrap();
    assert!(matches!(c.feed(&e, now), Err(Error::PeerError { .. })));
    assert!(c.is_closed());
    assert!(!c.wants_write());
}

#[test]
fn phase_table() {
    use PtTlsMessageType as T;
    assert_eq!(
        allowed(Role::Server, State::AwaitVersionRequest, T::VERSION_REQUEST),
        Some(true)
    );
    assert_eq!(
        allowed(Role::Server, State::Data, T::VERSION_REQUEST),
        Some(false)
    );
    assert_eq!(
        allowed(Role::Client, State::Data, T::PB_TNC_BATCH),
        Some(true)
    );
    assert_eq!(
        allowed(Role::Client, State::AwaitMechanisms, T::PB_TNC_BATCH),
        Some(false)
    );
    assert_eq!(
        allowed(Role::Client, State::Data, T::EXPERIMENTAL),
        Some(false)
    );
    assert_eq!(
        allowed(Role::Server, State::Data, T::SASL_MECHANISMS),
        Some(false)
    );
    assert_eq!(allowed(Role::Server, State::Data, T(9)), None);
}
