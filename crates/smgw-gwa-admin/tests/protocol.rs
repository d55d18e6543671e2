#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Round trips and every rejection of the profile frames and the wake-up datagram.

use smgw_gwa_admin::consts::{MAX_BODY_LEN, MAX_WAKEUP_LEN};
use smgw_gwa_admin::frame::{decode_request, decode_response_header, encode_request};
use smgw_gwa_admin::{
    AdminError, Curve, ErrorBody, PrivateKey, ProfileResponse, TncProfile, WakeupDatagram,
    WakeupError, WakeupVerifier, fetch_profile, serve_profile, sign_wakeup,
};
use tnc_wire::DecodeErrorKind;

fn profile(key: &PrivateKey) -> TncProfile {
    TncProfile {
        revision: 3,
        tnc_enabled: true,
        interval_secs: 3600,
        gwa_host: "gwa.example".into(),
        gwa_port: 2710,
        expected_gwa_name: Some("gwa.example".into()),
        wakeup_key: key.public_key().to_spki_pem().unwrap(),
    }
}

#[test]
fn profile_json_round_trip_and_validation() {
    let key = PrivateKey::generate(Curve::P256).unwrap();
    let p = profile(&key);
    let json = p.to_json().unwrap();
    assert_eq!(TncProfile::from_json(&json).unwrap(), p);
    assert_eq!(p.validate().unwrap(), key.public_key());

    for (field, f) in [
        (
            "interval_secs",
            Box::new(|p: &mut TncProfile| p.interval_secs = 59) as Box<dyn Fn(&mut TncProfile)>,
        ),
        (
            "interval_secs",
            Box::new(|p: &mut TncProfile| p.interval_secs = 31 * 24 * 3600 + 1),
        ),
        (
            "gwa_host",
            Box::new(|p: &mut TncProfile| p.gwa_host.clear()),
        ),
        (
            "gwa_host",
            Box::new(|p: &mut TncProfile| p.gwa_host = "a b".into()),
        ),
        ("gwa_port", Box::new(|p: &mut TncProfile| p.gwa_port = 0)),
        (
            "expected_gwa_name",
            Box::new(|p: &mut TncProfile| p.expected_gwa_name = Some(String::new())),
        ),
        (
            "wakeup_key",
            Box::new(|p: &mut TncProfile| {
                p.wakeup_key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into()
            }),
        ),
    ] {
        let mut bad = p.clone();
        f(&mut bad);
        match bad.validate() {
            Err(AdminError::InvalidProfile { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: expected InvalidProfile, got {other:?}"),
        }
        assert!(bad.to_json().is_err());
    }
    // the bounds themselves are accepted
    let mut edge = p.clone();
    edge.interval_secs = 60;
    edge.validate().unwrap();
    edge.interval_secs = 31 * 24 * 3600;
    edge.validate().unwrap();
}

#[test]
fn profile_json_errors_have_line_and_column() {
    let body = b"{\n  \"revision\": 1,\n  \"tnc_enabled\": yes\n}";
    match TncProfile::from_json(body) {
        Err(AdminError::Json { line, column, .. }) => {
            assert_eq!(line, 3);
            assert!(column > 0);
        }
        other => panic!("expected Json error, got {other:?}"),
    }
    // unknown fields are refused, not ignored
    let key = PrivateKey::generate(Curve::P256).unwrap();
    let mut v: serde_json::Value =
        serde_json::from_slice(&profile(&key).to_json().unwrap()).unwrap();
    v["gateway_id"] = "spoof".into();
    assert!(matches!(
        TncProfile::from_json(&serde_json::to_vec(&v).unwrap()),
        Err(AdminError::Json { .. })
    ));
}

#[test]
fn frames_round_trip() {
    let req = encode_request();
    assert_eq!(&req, b"TNCP\x01\x01\x00\x00");
    decode_request(&req).unwrap();

    let key = PrivateKey::generate(Curve::BrainpoolP256r1).unwrap();
    let resp = ProfileResponse::Profile(profile(&key));
    let wire = resp.encode().unwrap();
    assert_eq!(&wire[..6], b"TNCP\x01\x02");
    assert_eq!(
        u32::from_be_bytes(wire[8..12].try_into().unwrap()) as usize,
        wire.len() - 12
    );
    assert_eq!(ProfileResponse::decode(&wire).unwrap(), resp);

    let err = ProfileResponse::Error(ErrorBody::new(ErrorBody::NO_PROFILE, "no profile set"));
    let wire = err.encode().unwrap();
    assert_eq!(wire[5], 3);
    assert_eq!(ProfileResponse::decode(&wire).unwrap(), err);
}

#[test]
fn request_rejections() {
    assert!(matches!(
        decode_request(b"TNCX\x01\x01\x00\x00"),
        Err(AdminError::BadMagic { .. })
    ));
    assert!(matches!(
        decode_request(b"TNCP\x02\x01\x00\x00"),
        Err(AdminError::UnsupportedVersion(2))
    ));
    assert!(matches!(
        decode_request(b"TNCP\x01\x02\x00\x00"),
        Err(AdminError::UnexpectedKind(_))
    ));
    match decode_request(b"TNCP\x01\x01\x00\x01") {
        Err(AdminError::Decode { source, .. }) => assert_eq!(source.offset, 6),
        other => panic!("{other:?}"),
    }
    match decode_request(b"TNCP\x01\x01\x00") {
        Err(AdminError::Decode { source, .. }) => {
            assert!(matches!(source.kind, DecodeErrorKind::Truncated { .. }))
        }
        other => panic!("{other:?}"),
    }
    match decode_request(b"TNCP\x01\x01\x00\x00\x00") {
        Err(AdminError::Decode { source, .. }) => {
            assert_eq!(source.kind, DecodeErrorKind::TrailingBytes { count: 1 })
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn response_rejections_including_4gib_length() {
    let mut head = *b"TNCP\x01\x02\x00\x00\xff\xff\xff\xff";
    match decode_response_header(&head) {
        Err(AdminError::Decode { source, .. }) => {
            assert_eq!(source.offset, 8);
            assert_eq!(
                source.kind,
                DecodeErrorKind::LengthTooLarge {
                    field: "length",
                    max: 65536,
                    actual: u64::from(u32::MAX)
                }
            );
        }
        other => panic!("{other:?}"),
    }
    head[8..].copy_from_slice(&(MAX_BODY_LEN + 1).to_be_bytes());
    assert!(decode_response_header(&head).is_err());
    head[8..].copy_from_slice(&MAX_BODY_LEN.to_be_bytes());
    assert_eq!(
        decode_response_header(&head).unwrap().body_len,
        MAX_BODY_LEN
    );
    head[5] = 1;
    assert!(matches!(
        decode_response_header(&head),
        Err(AdminError::UnexpectedKind(_))
    ));
    head[5] = 9;
    assert!(matches!(
        decode_response_header(&head),
        Err(AdminError::UnexpectedKind(_))
    ));

    // body shorter than the length claims
    let key = PrivateKey::generate(Curve::P256).unwrap();
    let wire = ProfileResponse::Profile(profile(&key)).encode().unwrap();
    assert!(matches!(
        ProfileResponse::decode(&wire[..wire.len() - 1]),
        Err(AdminError::Decode { .. })
    ));
    let mut longer = wire.clone();
    longer.push(0);
    assert!(matches!(
        ProfileResponse::decode(&longer),
        Err(AdminError::Decode { .. })
    ));
    // a profile body that is not JSON
    let mut garbage = wire[..12].to_vec();
    garbage[8..12].copy_from_slice(&3u32.to_be_bytes());
    garbage.extend_from_slice(b"{x}");
    assert!(matches!(
        ProfileResponse::decode(&garbage),
        Err(AdminError::Json { line: 1, .. })
    ));
}

#[tokio::test]
async fn fetch_and_serve_over_a_stream() {
    let key = PrivateKey::generate(Curve::P384).unwrap();
    let p = profile(&key);
    let (mut client, mut server) = tokio::io::duplex(1024);
    let served = p.clone();
    let srv = tokio::spawn(async move {
        serve_profile(
            &mut server,
            || async move { ProfileResponse::Profile(served) },
        )
        .await
    });
    assert_eq!(fetch_profile(&mut client).await.unwrap(), p);
    assert_eq!(srv.await.unwrap().unwrap(), ProfileResponse::Profile(p));

    // refusal
    let (mut client, mut server) = tokio::io::duplex(1024);
    let srv = tokio::spawn(async move {
        serve_profile(&mut server, || async {
            ProfileResponse::Error(ErrorBody::new(
                ErrorBody::UNKNOWN_GATEWAY,
                "gateway not registered",
            ))
        })
        .await
    });
    match fetch_profile(&mut client).await {
        Err(AdminError::Refused { code, .. }) => assert_eq!(code, "unknown_gateway"),
        other => panic!("{other:?}"),
    }
    srv.await.unwrap().unwrap();
}

#[tokio::test]
async fn fetch_refuses_a_4gib_claim_without_allocating() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client, mut server) = tokio::io::duplex(1024);
    let srv = tokio::spawn(async move {
        let mut req = [0u8; 8];
        server.read_exact(&mut req).await.unwrap();
        server
            .write_all(b"TNCP\x01\x02\x00\x00\xff\xff\xff\xff")
            .await
            .unwrap();
        server
    });
    match fetch_profile(&mut client).await {
        Err(AdminError::Decode { source, .. }) => {
            assert!(matches!(
                source.kind,
                DecodeErrorKind::LengthTooLarge { .. }
            ))
        }
        other => panic!("{other:?}"),
    }
    drop(srv.await.unwrap());
}

#[tokio::test]
async fn serve_answers_a_bad_request_with_an_error_frame() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client, mut server) = tokio::io::duplex(1024);
    let srv = tokio::spawn(async move {
        serve_profile(&mut server, || async {
            panic!("lookup must not run for a bad request")
        })
        .await
    });
    client.write_all(b"XXXX\x01\x01\x00\x00").await.unwrap();
    let mut all = Vec::new();
    client.read_to_end(&mut all).await.unwrap();
    match ProfileResponse::decode(&all).unwrap() {
        ProfileResponse::Error(e) => assert_eq!(e.code, "bad_request"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        srv.await.unwrap(),
        Err(AdminError::BadMagic { .. })
    ));
}

const NOW: u64 = 1_800_000_000;

#[test]
fn wakeup_round_trip_on_every_curve() {
    for curve in Curve::ALL {
        let key = PrivateKey::generate(curve).unwrap();
        // keys survive PEM
        let key = PrivateKey::from_pkcs8_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(key.curve(), curve);
        let pem = key.public_key().to_spki_pem().unwrap();
        let public = smgw_gwa_admin::PublicKey::from_spki_pem(&pem).unwrap();
        assert_eq!(public.curve(), curve);
        let id = "x".repeat(64);
        let d = sign_wakeup(&key, &id, NOW, [1; 16]).unwrap();
        assert!(d.len() <= MAX_WAKEUP_LEN);
        let parsed = WakeupDatagram::decode(&d).unwrap();
        assert_eq!(parsed.gateway_id, id);
        assert_eq!(parsed.time, NOW);
        assert_eq!(parsed.nonce, [1; 16]);
        let mut v = WakeupVerifier::new(public, id.clone(), 300);
        let w = v.verify(&d, NOW + 300).unwrap();
        assert_eq!(
            (w.gateway_id.as_str(), w.time, w.nonce),
            (id.as_str(), NOW, [1; 16])
        );
    }
}

#[test]
fn wakeup_rejections() {
    let key = PrivateKey::generate(Curve::BrainpoolP256r1).unwrap();
    let mut v = WakeupVerifier::new(key.public_key(), "GW1", 300);
    let good = sign_wakeup(&key, "GW1", NOW, [2; 16]).unwrap();

    // other gateway
    let other = sign_wakeup(&key, "GW2", NOW, [3; 16]).unwrap();
    assert_eq!(
        v.verify(&other, NOW),
        Err(WakeupError::OtherGateway("GW2".into()))
    );
    // outside the window, both directions
    assert!(matches!(
        v.verify(&good, NOW + 301),
        Err(WakeupError::OutsideWindow { .. })
    ));
    assert!(matches!(
        v.verify(&good, NOW - 301),
        Err(WakeupError::OutsideWindow { .. })
    ));
    // signed by another key (same curve) and by a key of another curve
    let forger = PrivateKey::generate(Curve::BrainpoolP256r1).unwrap();
    let forged = sign_wakeup(&forger, "GW1", NOW, [4; 16]).unwrap();
    assert_eq!(v.verify(&forged, NOW), Err(WakeupError::BadSignature));
    let p256 = PrivateKey::generate(Curve::P256).unwrap();
    let forged = sign_wakeup(&p256, "GW1", NOW, [4; 16]).unwrap();
    assert_eq!(v.verify(&forged, NOW), Err(WakeupError::BadSignature));
    // a flipped bit in the signed part
    let mut tampered = good.clone();
    let time_at = 4 + 1 + 1 + 2 + 3;
    tampered[time_at + 7] ^= 1;
    assert_eq!(v.verify(&tampered, NOW), Err(WakeupError::BadSignature));
    // unsigned: signature length 0
    let sig_len_at = time_at + 8 + 16;
    let mut unsigned = good[..sig_len_at].to_vec();
    unsigned.extend_from_slice(&[0, 0]);
    assert!(matches!(
        v.verify(&unsigned, NOW),
        Err(WakeupError::Malformed(_))
    ));
    // signature missing entirely
    assert!(matches!(
        v.verify(&good[..sig_len_at], NOW),
        Err(WakeupError::Malformed(_))
    ));
    // garbage signature of the right length
    let mut garbage = good.clone();
    for b in &mut garbage[sig_len_at + 2..] {
        *b = 0x5a;
    }
    assert_eq!(v.verify(&garbage, NOW), Err(WakeupError::BadSignature));
    // none of the rejections entered the replay cache
    assert_eq!(v.cached(), 0);
    // accepted once, then replayed
    v.verify(&good, NOW).unwrap();
    assert_eq!(v.verify(&good, NOW + 1), Err(WakeupError::Replayed));
    // the same nonce with a new time is still a replay within the window
    let again = sign_wakeup(&key, "GW1", NOW + 5, [2; 16]).unwrap();
    assert_eq!(v.verify(&again, NOW + 5), Err(WakeupError::Replayed));
}

#[test]
fn wakeup_malformed_inputs() {
    let key = PrivateKey::generate(Curve::P256).unwrap();
    let good = sign_wakeup(&key, "GW1", NOW, [2; 16]).unwrap();
    let mut v = WakeupVerifier::new(key.public_key(), "GW1", 300);
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (Vec::new(), "empty"),
        (vec![0; 513], "too long"),
        ([b"TNCX".as_slice(), &good[4..]].concat(), "magic"),
        (
            {
                let mut d = good.clone();
                d[4] = 2;
                d
            },
            "version",
        ),
        (
            {
                let mut d = good.clone();
                d[5] = 1;
                d
            },
            "reserved",
        ),
        (
            {
                let mut d = good.clone();
                d[6..8].copy_from_slice(&0u16.to_be_bytes());
                d
            },
            "id length 0",
        ),
        (
            {
                let mut d = good.clone();
                d[6..8].copy_from_slice(&65u16.to_be_bytes());
                d
            },
            "id length 65",
        ),
        (
            {
                let mut d = good.clone();
                d[6..8].copy_from_slice(&u16::MAX.to_be_bytes());
                d
            },
            "id length max",
        ),
        (
            {
                let mut d = good.clone();
                d[8] = 0xff;
                d
            },
            "id not utf-8",
        ),
        (
            {
                let mut d = good.clone();
                d.push(0);
                d
            },
            "trailing",
        ),
        (
            {
                let mut d = good.clone();
                let n = d.len();
                d.truncate(n - 1);
                d
            },
            "short signature",
        ),
    ];
    for (d, what) in cases {
        match v.verify(&d, NOW) {
            Err(WakeupError::Malformed(_)) => {}
            other => panic!("{what}: {other:?}"),
        }
    }
    assert!(matches!(
        sign_wakeup(&key, &"y".repeat(65), NOW, [0; 16]),
        Err(AdminError::Encode(_))
    ));
    assert!(matches!(
        sign_wakeup(&key, "", NOW, [0; 16]),
        Err(AdminError::Encode(_))
    ));
}

#[test]
fn replay_cache_is_bounded_and_stays_sound() {
    let key = PrivateKey::generate(Curve::P256).unwrap();
    let mut v = WakeupVerifier::with_capacity(key.public_key(), "GW1", 300, 4);
    let mut sent = Vec::new();
    for i in 0..10u8 {
        let d = sign_wakeup(&key, "GW1", NOW + u64::from(i), [i; 16]).unwrap();
        v.verify(&d, NOW + 10).unwrap();
        sent.push(d);
        assert!(v.cached() <= 4);
    }
    // every one of them, including the evicted ones, is still refused
    for d in &sent {
        assert_eq!(v.verify(d, NOW + 10), Err(WakeupError::Replayed));
    }
    // a fresh one newer than the evicted ones is accepted
    let fresh = sign_wakeup(&key, "GW1", NOW + 20, [99; 16]).unwrap();
    v.verify(&fresh, NOW + 20).unwrap();
    // entries leave the cache once they can no longer pass the window check
    let later = sign_wakeup(&key, "GW1", NOW + 1000, [100; 16]).unwrap();
    v.verify(&later, NOW + 1000).unwrap();
    assert_eq!(v.cached(), 1);
}
