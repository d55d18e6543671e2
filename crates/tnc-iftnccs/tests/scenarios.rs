//! In-memory TNCC↔TNCS scenarios with simulated time (no sockets, no TLS).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context as TaskCx, Poll, Waker};
use std::time::{Duration, Instant};

use common::*;
use tnc_iftnccs::session::{CloseReason, RemediationInfo};
use tnc_iftnccs::{
    AccessRecommendation, AssessmentResult, Batch, BatchType, ErrorCode, ErrorParameters, ImcSet,
    ImvSet, Message, Outcome, RecommendationPolicy, Role, State, Tncc, TnccConfig, Tncs,
    TncsConfig,
};
use tnc_imc_api::{ConnectionAttributes, ConnectionId, MessageType, Pen};
use tnc_imv_api::{ActionRecommendation as A, EvaluationResult as E, Remediation};

const OS: MessageType = MessageType::new(Pen::IETF, 1);
const FW: MessageType = MessageType::new(Pen::ITA, 0x42);

struct Setup {
    log: Log,
    imcs: Vec<Arc<TestImc>>,
    imvs: Vec<Arc<TestImv>>,
}

fn setup(rounds: [u32; 2]) -> Setup {
    let log: Log = Arc::default();
    let imcs = vec![
        Arc::new(TestImc::new("imc-os", OS, &log)),
        Arc::new(TestImc::new("imc-fw", FW, &log)),
    ];
    let imvs = vec![
        Arc::new(TestImv::new("imv-os", OS, &log, rounds[0])),
        Arc::new(TestImv::new("imv-fw", FW, &log, rounds[1])),
    ];
    Setup { log, imcs, imvs }
}

fn build(s: &Setup, cc: TnccConfig, sc: TncsConfig) -> (Tncc, Tncs) {
    let mut imcset = ImcSet::new();
    for i in &s.imcs {
        imcset.add(i.clone());
    }
    let mut imvset = ImvSet::new();
    for i in &s.imvs {
        imvset.add(i.clone());
    }
    let tncc = Tncc::new(
        Arc::new(imcset),
        ConnectionId(1),
        ConnectionAttributes::default(),
        cc,
    );
    let tncs = Tncs::new(
        Arc::new(imvset),
        ConnectionId(1),
        ConnectionAttributes::default(),
        sc,
    );
    (tncc, tncs)
}

fn types(run: &Run) -> Vec<(Role, u8)> {
    run.batches
        .iter()
        .map(|(r, b)| (*r, batch_type(b)))
        .collect()
}

fn pb_errors(batch: &[u8]) -> Vec<(bool, ErrorCode, Option<u32>)> {
    let b = Batch::decode(batch).unwrap();
    b.messages()
        .map(|m| match m.unwrap() {
            Message::Error(e) => (e.fatal, e.code, e.offset()),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

#[test]
fn full_assessment_two_pairs_several_round_trips() {
    let mut s = setup([3, 2]);
    {
        let imv = Arc::get_mut(&mut s.imvs[1]).unwrap();
        imv.verdict = (A::ISOLATE, E::NONCOMPLIANT_MINOR);
        imv.reasons = vec![("firewall outdated", "en"), ("Firewall veraltet", "de")];
        imv.remediation = Some(Remediation::Uri("https://gwa.example/fix".into()));
    }
    let cc = TnccConfig {
        preferred_language: "de, en;q=0.5".into(),
        ..TnccConfig::default()
    };
    let (mut tncc, mut tncs) = build(&s, cc, TncsConfig::default());
    let now = Instant::now();
    let run = run(&mut tncc, &mut tncs, now);

    // CDATA, SDATA, CDATA, SDATA?, CDATA, RESULT, CLOSE: the OS pair needs 3 client batches
    let t = types(&run);
    assert_eq!(t.first(), Some(&(Role::Client, 1)));
    assert_eq!(t[t.len() - 2], (Role::Server, 3), "{t:?}");
    assert_eq!(t[t.len() - 1], (Role::Client, 6), "{t:?}");
    assert_eq!(
        t.iter().filter(|(r, _)| *r == Role::Client).count(),
        4,
        "{t:?}"
    );
    assert_eq!(tncs.session().round_trips(), 3);

    // default policy: most restrictive wins
    let d = run
        .client
        .as_ref()
        .and_then(Outcome::decision)
        .expect("client decided");
    assert_eq!(d.recommendation, AccessRecommendation::QUARANTINED);
    assert_eq!(d.assessment, AssessmentResult::NONCOMPLIANT_MINOR);
    // reason chosen by the client's language preference
    assert_eq!(d.reasons.len(), 1);
    assert_eq!(d.reasons[0].text, "Firewall veraltet");
    assert_eq!(d.reasons[0].language, "de");
    assert_eq!(
        d.remediation,
        vec![RemediationInfo::Uri("https://gwa.example/fix".into())]
    );
    assert_eq!(run.server.as_ref().and_then(Outcome::decision), Some(d));
    assert_eq!(tncc.state(), State::End);
    assert_eq!(tncs.state(), State::End);
    assert_eq!(
        tncs.attributes().preferred_language.as_deref(),
        Some("de, en;q=0.5")
    );

    // routing: each IMV saw only its type; replies were exclusive to the asking IMV
    let log = s.log.lock().unwrap().clone();
    assert!(
        log.iter()
            .any(|l| l == "imv-os: recv IETF/1 excl=false from=1 hello")
    );
    assert!(
        log.iter()
            .any(|l| l == "imc-os: recv IETF/1 excl=true from=1 req 1")
    );
    assert!(
        log.iter()
            .any(|l| l == "imc-fw: recv ITA/66 excl=true from=2 req 1")
    );
    assert!(
        log.iter()
            .any(|l| l == "imv-os: recv IETF/1 excl=true from=1 data 2")
    );
    assert!(!log.iter().any(|l| l.starts_with("imv-os: recv ITA")));
    assert!(!log.iter().any(|l| l.starts_with("imc-fw: recv IETF")));
    for who in ["imc-os", "imc-fw"] {
        for st in ["CREATE", "HANDSHAKE", "ACCESS_ISOLATED", "DELETE"] {
            assert_eq!(
                log_contains(&s.log, &format!("{who}: state {st}")),
                1,
                "{who} {st}"
            );
        }
    }
    for who in ["imv-os", "imv-fw"] {
        assert_eq!(
            log_contains(&s.log, &format!("{who}: state ACCESS_ISOLATED")),
            1
        );
        assert_eq!(log_contains(&s.log, &format!("{who}: state DELETE")), 1);
        assert_eq!(log_contains(&s.log, &format!("{who}: solicited")), 0);
    }
    // the first CDATA carries the language preference with strongSwan's exact prefix
    let first = Batch::decode(&run.batches[0].1).unwrap();
    assert!(first.messages().any(|m| matches!(m, Ok(Message::LanguagePreference(l)) if l.value == "Accept-Language: de, en;q=0.5")));
}

#[test]
fn recommendation_policies_any_and_all() {
    for (policy, rec, eval) in [
        (
            RecommendationPolicy::Any,
            AccessRecommendation::ALLOWED,
            AssessmentResult::COMPLIANT,
        ),
        (
            RecommendationPolicy::All,
            AccessRecommendation::DENIED,
            AssessmentResult::DONT_KNOW,
        ),
        (
            RecommendationPolicy::Default,
            AccessRecommendation::DENIED,
            AssessmentResult::NONCOMPLIANT_MAJOR,
        ),
    ] {
        let mut s = setup([1, 1]);
        Arc::get_mut(&mut s.imvs[1]).unwrap().verdict = (A::NO_ACCESS, E::NONCOMPLIANT_MAJOR);
        let (mut tncc, mut tncs) = build(
            &s,
            TnccConfig::default(),
            TncsConfig {
                policy,
                ..TncsConfig::default()
            },
        );
        let run = run(&mut tncc, &mut tncs, Instant::now());
        let d = run.client.as_ref().and_then(Outcome::decision).unwrap();
        assert_eq!((d.recommendation, d.assessment), (rec, eval), "{policy:?}");
    }
}

#[test]
fn imv_that_never_decides_is_solicited_after_empty_cdata() {
    let mut s = setup([1, 1]);
    Arc::get_mut(&mut s.imvs[1]).unwrap().silent = true;
    Arc::get_mut(&mut s.imvs[1]).unwrap().solicited_verdict = (A::ISOLATE, E::NONCOMPLIANT_MINOR);
    let (mut tncc, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    let run = run(&mut tncc, &mut tncs, Instant::now());
    // CDATA, empty SDATA (recommendations incomplete), empty CDATA, RESULT, CLOSE
    assert_eq!(
        types(&run),
        vec![
            (Role::Client, 1),
            (Role::Server, 2),
            (Role::Client, 1),
            (Role::Server, 3),
            (Role::Client, 6)
        ]
    );
    assert_eq!(run.batches[1].1.len(), 8);
    assert_eq!(run.batches[2].1.len(), 8);
    assert_eq!(log_contains(&s.log, "imv-fw: solicited"), 1);
    assert_eq!(log_contains(&s.log, "imv-os: solicited"), 0);
    let d = run.client.as_ref().and_then(Outcome::decision).unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::QUARANTINED);
}

#[test]
fn round_trip_limit_forces_a_decision() {
    let s = setup([1, 1000]);
    let limits = tnc_iftnccs::Limits {
        max_round_trips: 4,
        ..Default::default()
    };
    let (mut tncc, mut tncs) = build(
        &s,
        TnccConfig {
            limits,
            ..TnccConfig::default()
        },
        TncsConfig {
            limits,
            ..TncsConfig::default()
        },
    );
    let run = run(&mut tncc, &mut tncs, Instant::now());
    assert_eq!(tncs.session().round_trips(), 4);
    assert_eq!(log_contains(&s.log, "imv-fw: solicited"), 1);
    assert_eq!(log_contains(&s.log, "imv-os: solicited"), 0);
    let d = run.server.as_ref().and_then(Outcome::decision).unwrap();
    // imv-fw was solicited: (No Recommendation, Don't Know) never overrides under `default`
    assert_eq!(d.recommendation, AccessRecommendation::ALLOWED);
    assert_eq!(d.assessment, AssessmentResult::COMPLIANT);
}

#[test]
fn imv_requests_a_retry() {
    let s = setup([2, 1]);
    s.imvs[0].retry_once.store(true, Ordering::SeqCst);
    let (mut tncc, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    let run = run(&mut tncc, &mut tncs, Instant::now());
    let t = types(&run);
    // the server answers the first CDATA with SRETRY; the client starts over with CDATA
    assert_eq!(
        &t[..3],
        &[(Role::Client, 1), (Role::Server, 5), (Role::Client, 1)],
        "{t:?}"
    );
    assert_eq!(t.last(), Some(&(Role::Client, 6)));
    for who in ["imc-os", "imc-fw"] {
        assert_eq!(log_contains(&s.log, &format!("{who}: begin")), 2);
        assert_eq!(log_contains(&s.log, &format!("{who}: state HANDSHAKE")), 2);
    }
    assert_eq!(log_contains(&s.log, "imv-os: state HANDSHAKE"), 2);
    let d = run.client.as_ref().and_then(Outcome::decision).unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::ALLOWED);
    assert_eq!(run.server.as_ref().and_then(Outcome::decision), Some(d));
}

#[test]
fn imc_requests_a_retry_after_the_result() {
    let s = setup([1, 1]);
    s.imcs[1].retry_after_result.store(true, Ordering::SeqCst);
    let (mut tncc, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    let run = run(&mut tncc, &mut tncs, Instant::now());
    let t = types(&run);
    // CDATA, RESULT, CRETRY (new handshake), RESULT, CLOSE
    assert_eq!(
        t,
        vec![
            (Role::Client, 1),
            (Role::Server, 3),
            (Role::Client, 4),
            (Role::Server, 3),
            (Role::Client, 6)
        ]
    );
    assert_eq!(log_contains(&s.log, "imv-os: state HANDSHAKE"), 2);
    assert_eq!(log_contains(&s.log, "imc-fw: begin"), 2);
    assert!(run.server.as_ref().and_then(Outcome::decision).is_some());
}

#[test]
fn server_sretry_after_decision_when_client_stays_connected() {
    // the client keeps the connection after RESULT; an SRETRY from Decided restarts it and the
    // client answers with CRETRY (RFC figure: Decided -SRETRY-> Server Working, receive loop)
    let s = setup([2, 1]);
    let (mut tncc, mut tncs) = build(
        &s,
        TnccConfig {
            close_after_result: false,
            ..TnccConfig::default()
        },
        TncsConfig::default(),
    );
    let now = Instant::now();
    let r = run(&mut tncc, &mut tncs, now);
    assert_eq!(tncc.state(), State::Decided);
    assert_eq!(tncs.state(), State::Decided);
    assert!(r.client.is_none() && r.server.is_none());
    assert_eq!(types(&r).last(), Some(&(Role::Server, 3)));

    let sretry = block_on(tncs.request_retry(tnc_imc_api::RetryReason::IMV_PERIODIC, now));
    let sretry = sretry.batch.unwrap();
    assert_eq!(batch_type(&sretry), 5);
    assert_eq!(tncs.state(), State::ServerWorking);
    let step = block_on(tncc.receive(&sretry, now));
    let cretry = step.batch.clone().unwrap();
    assert_eq!(batch_type(&cretry), 4, "client answers with CRETRY");
    assert_eq!(tncc.state(), State::ServerWorking);
    assert_eq!(log_contains(&s.log, "imc-os: begin"), 2);

    let r2 = continue_run(&mut tncc, &mut tncs, now, step);
    assert_eq!(types(&r2).last(), Some(&(Role::Server, 3)));
    assert_eq!(log_contains(&s.log, "imv-os: state HANDSHAKE"), 2);
    assert_eq!(log_contains(&s.log, "imv-os: state ACCESS_ALLOWED"), 2);
    // the application ends the connection
    let close = block_on(tncc.close());
    assert!(close.outcome.as_ref().and_then(Outcome::decision).is_some());
    let end = block_on(tncs.receive(&close.batch.unwrap(), now));
    assert_eq!(
        end.outcome
            .as_ref()
            .and_then(Outcome::decision)
            .map(|d| d.recommendation),
        Some(AccessRecommendation::ALLOWED)
    );
}

#[test]
fn crossing_retries_keep_the_client_waiting() {
    // client (staying connected) sends CRETRY from Decided while the server sends SRETRY
    let s = setup([1, 1]);
    let (mut tncc, mut tncs) = build(
        &s,
        TnccConfig {
            close_after_result: false,
            ..TnccConfig::default()
        },
        TncsConfig::default(),
    );
    let now = Instant::now();
    run(&mut tncc, &mut tncs, now);
    let cretry = block_on(tncc.request_retry(now)).batch.unwrap();
    let sretry = block_on(tncs.request_retry(tnc_imc_api::RetryReason::IMV_PERIODIC, now))
        .batch
        .unwrap();
    assert_eq!((batch_type(&cretry), batch_type(&sretry)), (4, 5));
    // the client receives the crossing SRETRY: it keeps waiting (no batch)
    let c = block_on(tncc.receive(&sretry, now));
    assert!(c.batch.is_none() && c.outcome.is_none());
    assert_eq!(tncc.state(), State::ServerWorking);
    // the server receives the CRETRY in Server Working (RFC loop) and runs the new round
    let sv = block_on(tncs.receive(&cretry, now));
    let reply = sv.batch.unwrap();
    assert_eq!(batch_type(&reply), 3);
    let done = block_on(tncc.receive(&reply, now));
    assert!(done.batch.is_none());
    assert_eq!(tncc.state(), State::Decided);
}

#[test]
fn imc_that_never_answers_client_deadline_fires() {
    let log: Log = Arc::default();
    let mut imc2 = TestImc::new("imc-fw", FW, &log);
    imc2.hang_on_receive = true;
    let s = Setup {
        log: log.clone(),
        imcs: vec![Arc::new(TestImc::new("imc-os", OS, &log)), Arc::new(imc2)],
        imvs: vec![
            Arc::new(TestImv::new("imv-os", OS, &log, 1)),
            Arc::new(TestImv::new("imv-fw", FW, &log, 2)),
        ],
    };
    let (mut tncc, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    let t0 = Instant::now();
    let first = block_on(tncc.start(t0)).batch.unwrap();
    let sdata = block_on(tncs.receive(&first, t0)).batch.unwrap();
    assert_eq!(batch_type(&sdata), 2);
    {
        // the client's turn never ends: the IMC hangs
        let mut fut = pin!(tncc.receive(&sdata, t0));
        let mut cx = TaskCx::from_waker(Waker::noop());
        for _ in 0..10 {
            assert!(matches!(fut.as_mut().poll(&mut cx), Poll::Pending));
        }
    } // the transport's timer fired: the pending call is dropped
    let deadline = tncc.next_deadline().unwrap();
    assert_eq!(deadline, t0 + Duration::from_secs(60));
    let early = block_on(tncc.handle_timeout(t0 + Duration::from_secs(59)));
    assert!(early.batch.is_none() && early.outcome.is_none());
    let step = block_on(tncc.handle_timeout(deadline));
    assert_eq!(step.outcome, Some(Outcome::Failed(CloseReason::Timeout)));
    let close = step.batch.unwrap();
    assert_eq!(batch_type(&close), 6);
    assert_eq!(
        pb_errors(&close),
        vec![(true, ErrorCode::LOCAL_ERROR, None)]
    );
    let sstep = block_on(tncs.receive(&close, deadline));
    assert!(sstep.batch.is_none(), "no answer to a CLOSE");
    assert_eq!(
        sstep.outcome,
        Some(Outcome::Failed(CloseReason::PeerError {
            vendor: Pen::IETF,
            code: ErrorCode::LOCAL_ERROR
        }))
    );
    assert_eq!(log_contains(&log, "imc-fw: state DELETE"), 1);
    assert_eq!(log_contains(&log, "imv-fw: state DELETE"), 1);
    assert_eq!(tncc.state(), State::End);
    assert_eq!(tncs.state(), State::End);
}

#[test]
fn silent_client_server_deadline_fires() {
    let s = setup([2, 2]);
    let (mut tncc, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    let t0 = Instant::now();
    let first = block_on(tncc.start(t0)).batch.unwrap();
    let _sdata = block_on(tncs.receive(&first, t0)).batch.unwrap();
    let d = tncs.next_deadline().unwrap();
    let step = block_on(tncs.handle_timeout(d + Duration::from_millis(1)));
    assert_eq!(step.outcome, Some(Outcome::Failed(CloseReason::Timeout)));
    assert_eq!(
        pb_errors(&step.batch.unwrap()),
        vec![(true, ErrorCode::LOCAL_ERROR, None)]
    );
    assert_eq!(log_contains(&s.log, "imv-os: state DELETE"), 1);
    assert!(tncs.next_deadline().is_none());
}

/// Feeds `batch` to a fresh server (or client) and returns its answer.
fn refuse(role: Role, batch: &[u8]) -> (Vec<u8>, Option<Outcome>) {
    let s = setup([1, 1]);
    let limits = tnc_iftnccs::Limits {
        max_batch_size: 4096,
        ..Default::default()
    };
    let (mut tncc, mut tncs) = build(
        &s,
        TnccConfig {
            limits,
            ..TnccConfig::default()
        },
        TncsConfig {
            limits,
            ..TncsConfig::default()
        },
    );
    let now = Instant::now();
    let step = match role {
        Role::Server => block_on(tncs.receive(batch, now)),
        Role::Client => {
            block_on(tncc.start(now));
            block_on(tncc.receive(batch, now))
        }
    };
    let b = step.batch.expect("an answer");
    assert_eq!(batch_type(&b), 6, "answered with CLOSE");
    let who = if role == Role::Server {
        "imv-os"
    } else {
        "imc-os"
    };
    assert_eq!(log_contains(&s.log, &format!("{who}: state DELETE")), 1);
    (b, step.outcome)
}

#[test]
fn garbage_is_answered_with_the_pb_error_the_spec_wants() {
    // too short
    let (b, o) = refuse(Role::Server, b"\x02\x00\x00");
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(0))]
    );
    assert!(matches!(
        o,
        Some(Outcome::Failed(CloseReason::ProtocolError(_)))
    ));
    // not PB-TNC at all: version octet 0x47 ('G')
    let (b, _) = refuse(Role::Server, b"GET / HTTP/1.1\r\n\r\n");
    let batch = Batch::decode(&b).unwrap();
    let Some(Ok(Message::Error(e))) = batch.messages().next() else {
        panic!()
    };
    assert_eq!(e.code, ErrorCode::VERSION_NOT_SUPPORTED);
    assert_eq!(
        e.parameters,
        ErrorParameters::Version {
            bad: 0x47,
            max: 2,
            min: 2
        }
    );
    // message length running past the batch
    let mut cdata = vec![
        2, 0, 0, 1, 0, 0, 0, 20, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 99,
    ];
    let (b, _) = refuse(Role::Server, &cdata);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(16))]
    );
    // batch length field lying
    cdata[7] = 30;
    let (b, _) = refuse(Role::Server, &cdata);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(4))]
    );
    // batch type 9
    let (b, _) = refuse(Role::Server, &[2, 0, 0, 9, 0, 0, 0, 8]);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(3))]
    );
}

#[test]
fn server_refuses_version_1_exactly_as_examples_md_12() {
    let (b, _) = refuse(Role::Server, &[1, 0, 0, 1, 0, 0, 0, 8]);
    assert_eq!(
        b,
        hex("02800006 00000020 80000000 00000005 00000018 80000000 00040000 01020200")
    );
}

#[test]
fn wrong_direction_batch_exactly_as_examples_md_12() {
    // a client receiving a batch with D = 0 (as if from a client)
    let (b, _) = refuse(Role::Client, &[2, 0, 0, 2, 0, 0, 0, 8]);
    assert_eq!(
        b,
        hex("02000006 00000020 80000000 00000005 00000018 80000000 00010000 00000001")
    );
    // and a server receiving D = 1
    let (b, _) = refuse(Role::Server, &[2, 0x80, 0, 1, 0, 0, 0, 8]);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(1))]
    );
}

#[test]
fn over_size_batch_is_refused_from_its_header() {
    // the header announces 1 MiB (limit 4096): refused before the rest is looked at
    let (b, _) = refuse(Role::Server, &[2, 0, 0, 1, 0, 0x10, 0, 0]);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(4))]
    );
    // and a real over-size batch
    let mut big = vec![2, 0, 0, 1, 0, 0, 0x13, 0x88];
    big.resize(5000, 0);
    let (b, _) = refuse(Role::Server, &big);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(4))]
    );
}

#[test]
fn noskip_unknown_message_is_unsupported_mandatory() {
    // a CDATA with PB-PA first, then ITA PB-Noskip-Test (NOSKIP, unknown to us) at offset 36
    let b = hex(
        "02000001 00000030 80000000 00000001 0000001c 00000000 00000001 0001ffff 50574e44 8000902a 00000000 0000000c",
    );
    let (answer, _) = refuse(Role::Server, &b);
    assert_eq!(
        pb_errors(&answer),
        vec![(true, ErrorCode::UNSUPPORTED_MANDATORY_MESSAGE, Some(36))]
    );
    // the same message without NOSKIP is skipped: the batch is processed
    let mut ok = b.clone();
    ok[36] = 0;
    let s = setup([1, 1]);
    let (_, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    let step = block_on(tncs.receive(&ok, Instant::now()));
    assert_ne!(batch_type(&step.batch.unwrap()), 6);
    // NOSKIP PB-Experimental: fatal Unsupported Mandatory Message (RFC 5793 §4.4)
    let (answer, _) = refuse(
        Role::Server,
        &hex("02000001 00000014 80000000 00000000 0000000c"),
    );
    assert_eq!(
        pb_errors(&answer),
        vec![(true, ErrorCode::UNSUPPORTED_MANDATORY_MESSAGE, Some(8))]
    );
}

#[test]
fn unexpected_batch_types() {
    // a client sending RESULT: Unexpected Batch Type, empty parameters (RFC §4.9.1)
    let (b, _) = refuse(Role::Server, &[2, 0, 0, 3, 0, 0, 0, 8]);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::UNEXPECTED_BATCH_TYPE, None)]
    );
    assert_eq!(b.len(), 8 + 20);
    // batch type 0 passes the header check and is refused by the state machine
    let (b, _) = refuse(Role::Server, &[2, 0, 0, 0, 0, 0, 0, 8]);
    assert_eq!(
        pb_errors(&b),
        vec![(true, ErrorCode::UNEXPECTED_BATCH_TYPE, None)]
    );
    // the server sending CDATA... as seen by a client: wrong direction first; SDATA twice:
    let s = setup([2, 2]);
    let (mut tncc, _) = build(&s, TnccConfig::default(), TncsConfig::default());
    let now = Instant::now();
    block_on(tncc.start(now));
    let sdata = tnc_iftnccs::encode_batch(Role::Server, BatchType::SDATA, &[]).unwrap();
    let step = block_on(tncc.receive(&sdata, now));
    assert_eq!(batch_type(&step.batch.unwrap()), 1);
    // client is now waiting (Server Working); a RESULT without Assessment-Result is refused
    let bad_result = tnc_iftnccs::encode_batch(Role::Server, BatchType::RESULT, &[]).unwrap();
    let step = block_on(tncc.receive(&bad_result, now));
    assert_eq!(
        pb_errors(&step.batch.unwrap()),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(3))]
    );
}

#[test]
fn server_only_messages_from_a_client_are_fatal() {
    // CDATA carrying PB-Access-Recommendation (message at offset 8)
    let b = hex("02000001 00000018 00000000 00000003 00000010 00000001");
    let (answer, _) = refuse(Role::Server, &b);
    assert_eq!(
        pb_errors(&answer),
        vec![(true, ErrorCode::INVALID_PARAMETER, Some(8))]
    );
}

#[test]
fn fatal_pb_error_from_peer_ends_the_session_without_messages() {
    let s = setup([2, 2]);
    let (_, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    // CDATA with a fatal Local Error
    let b = hex("02000001 0000001c 80000000 00000005 00000014 80000000 00020000");
    let step = block_on(tncs.receive(&b, Instant::now()));
    let answer = step.batch.unwrap();
    assert_eq!(answer, [2, 0x80, 0, 6, 0, 0, 0, 8], "an empty CLOSE");
    assert_eq!(
        step.outcome,
        Some(Outcome::Failed(CloseReason::PeerError {
            vendor: Pen::IETF,
            code: ErrorCode::LOCAL_ERROR
        }))
    );
}

#[test]
fn exclusive_delivery_honoured_on_the_server() {
    let log: Log = Arc::default();
    // both IMVs subscribe to OS; the client addresses IMV 2 exclusively
    let imvs = [
        Arc::new(TestImv::new("imv-a", OS, &log, 1)),
        Arc::new(TestImv::new("imv-b", OS, &log, 1)),
    ];
    let mut set = ImvSet::new();
    for i in &imvs {
        set.add(i.clone());
    }
    let mut tncs = Tncs::new(
        Arc::new(set),
        ConnectionId(9),
        ConnectionAttributes::default(),
        TncsConfig::default(),
    );
    let pa = |excl: bool| {
        tnc_iftnccs::encode_batch(
            Role::Client,
            BatchType::CDATA,
            &[Message::Pa(tnc_iftnccs::message::PbPa {
                exclusive: excl,
                message_type: OS,
                collector: 7,
                validator: 2,
                body: b"x",
            })],
        )
        .unwrap()
    };
    block_on(tncs.receive(&pa(true), Instant::now()));
    assert_eq!(
        log_contains(&log, "imv-b: recv IETF/1 excl=true from=7 x"),
        1
    );
    assert_eq!(
        log.lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with("imv-a: recv"))
            .count(),
        0
    );
}

/// Hex string (whitespace ignored) to bytes.
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn connection_attributes_reach_the_plugins() {
    use tnc_imc_api::{ChannelBindingKind, PeerIdentity};
    let s = setup([1, 1]);
    let mut imvset = ImvSet::new();
    for i in &s.imvs {
        imvset.add(i.clone());
    }
    let attrs = ConnectionAttributes::default()
        .with_channel_binding(ChannelBindingKind::TlsUnique, vec![7; 12])
        .with_peer_identity(PeerIdentity {
            subject: "CN=EMH0012345678".into(),
            ..Default::default()
        });
    let limits = tnc_iftnccs::Limits {
        max_message_size: 65_490,
        max_round_trips: 10,
        ..Default::default()
    };
    let mut tncs = Tncs::new(
        Arc::new(imvset),
        ConnectionId(3),
        attrs,
        TncsConfig {
            limits,
            ..TncsConfig::default()
        },
    );
    let cdata = tnc_iftnccs::encode_batch(Role::Client, BatchType::CDATA, &[]).unwrap();
    block_on(tncs.receive(&cdata, Instant::now()));
    assert_eq!(
        log_contains(
            &s.log,
            "imv-os: attrs binding=Some((TlsUnique, 12)) peer=Some(\"CN=EMH0012345678\") max_msg=65490 max_rt=10"
        ),
        1
    );
}

/// The broker futures can be spawned on a multi-threaded runtime.
#[test]
fn broker_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let s = setup([1, 1]);
    let (mut tncc, mut tncs) = build(&s, TnccConfig::default(), TncsConfig::default());
    let now = Instant::now();
    {
        let f = tncc.start(now);
        assert_send(&f);
    }
    {
        let f = tncs.receive(&[], now);
        assert_send(&f);
    }
    let f = tncc.handle_timeout(now);
    assert_send(&f);
}
