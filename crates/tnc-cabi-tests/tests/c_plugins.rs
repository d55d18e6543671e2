//! C test plug-ins (compiled by build.rs) loaded through `tnc_config` into our TNCC/TNCS.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tnc_cabi_tests::{Scratch, assess, c_plugin};
use tnc_iftnccs::AccessRecommendation;
use tnc_imc_api::c_abi::CAbiError;
use tnc_imc_api::c_abi::tnc_config::ConfigErrorKind;
use tnc_imc_api::{
    ApiError, ChannelBindingKind, ConnectionAttributes, ConnectionId, Imc, ImcContext, MessageType,
    MessageTypeFilter, Pen, PostureId,
};
use tnc_imv_api::{ActionRecommendation, EvaluationResult, Imv, ImvContext, ReceivedMessage};

const OS: MessageType = MessageType::new(Pen::IETF, 1);

fn attrs(binding: &[u8]) -> ConnectionAttributes {
    ConnectionAttributes::default()
        .with_channel_binding(ChannelBindingKind::TlsUnique, binding.to_vec())
}

/// A native IMV that records what it receives, asks a collector that reports "Debian…" for its
/// connection state (exclusively) and allows access once it has an answer.
#[derive(Default)]
struct Recorder {
    got: Mutex<Vec<(Vec<u8>, bool, PostureId)>>,
}

#[tnc_imv_api::async_trait]
impl Imv for Recorder {
    fn name(&self) -> &str {
        "recorder"
    }
    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(OS)]
    }
    async fn receive_message(
        &self,
        ctx: &mut ImvContext,
        m: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        self.got
            .lock()
            .unwrap()
            .push((m.body.to_vec(), m.exclusive, m.source));
        if m.body.starts_with(b"Debian") {
            // no recommendation yet: the server must send this question in another round
            return ctx.send_exclusive(OS, b"which state?".to_vec(), m.source);
        }
        ctx.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
        Ok(())
    }
    async fn solicit_recommendation(&self, ctx: &mut ImvContext) -> Result<(), ApiError> {
        ctx.provide_recommendation(ActionRecommendation::ALLOW, EvaluationResult::COMPLIANT);
        Ok(())
    }
}

fn codes(report: &str) -> BTreeMap<String, u64> {
    report
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn c_collector_and_verifier_complete_an_assessment_through_tnc_config() {
    let s = Scratch::new().unwrap();
    s.copy(&c_plugin("imc_collector"), "imc.so").unwrap();
    s.copy(&c_plugin("imv_verifier"), "imv.so").unwrap();
    let cfg = s
        .config("# C plug-ins\nIMC \"C collector\" imc.so\nIMV \"C verifier\" imv.so\n")
        .unwrap();
    let imcs = tnc_imc_api::c_abi::load_from_tnc_config(&cfg).unwrap();
    let imvs = tnc_imv_api::c_abi::load_from_tnc_config(&cfg).unwrap();
    assert_eq!((imcs.len(), imvs.len()), (1, 1));
    assert_eq!(imcs[0].name(), "C collector");
    assert_eq!(imcs[0].message_types(), vec![MessageTypeFilter::exact(OS)]);
    // the verifier registered with the legacy ReportMessageTypes
    assert_eq!(imvs[0].message_types(), vec![MessageTypeFilter::exact(OS)]);

    let recorder = Arc::new(Recorder::default());
    let binding = [0xAB, 0xCD, 0x01];
    let a = assess(
        imcs,
        vec![imvs[0].clone(), recorder.clone()],
        attrs(&binding),
        attrs(&binding),
    );
    let d = a.client.as_ref().unwrap().decision().unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::ALLOWED);
    assert_eq!(a.server.as_ref().unwrap().decision(), Some(d));

    let got = recorder.got.lock().unwrap();
    // the C collector's measurement carries the IF-T protocol and the tls-unique it read
    assert_eq!(got[0].0, b"Debian 12.11|IF-T for TLS|abcd01");
    assert!(!got[0].1);
    // it answered the exclusive question exclusively, from inside ReceiveMessageLong, with the
    // state it was told last (HANDSHAKE = 1)
    assert_eq!(got[1].0, b"state=1");
    assert!(got[1].1);
    assert_eq!(got[1].2, PostureId(1));
}

#[test]
fn c_verifier_isolates_on_a_different_channel_binding_with_a_reason() {
    let s = Scratch::new().unwrap();
    let imc = s.copy(&c_plugin("imc_collector"), "imc.so").unwrap();
    let imv = s.copy(&c_plugin("imv_verifier"), "imv.so").unwrap();
    let imc = tnc_imc_api::c_abi::CImc::load("c", &imc).unwrap();
    let imv = tnc_imv_api::c_abi::CImv::load("v", &imv).unwrap();
    let a = assess(vec![imc], vec![imv], attrs(&[1, 2, 3]), attrs(&[9, 9, 9]));
    let d = a.client.as_ref().unwrap().decision().unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::QUARANTINED);
    assert_eq!(
        d.reasons[0].text,
        "operating system or channel binding not accepted"
    );
    assert_eq!(d.reasons[0].language, "en");
}

#[test]
fn misbehaving_imc_gets_the_right_result_codes() {
    let s = Scratch::new().unwrap();
    let lib = s.copy(&c_plugin("imc_misbehaving"), "bad.so").unwrap();
    let imc = tnc_imc_api::c_abi::CImc::load("bad", &lib).unwrap();
    let recorder = Arc::new(Recorder::default());
    let a = assess(vec![imc], vec![recorder.clone()], attrs(&[1]), attrs(&[1]));
    assert!(a.client.unwrap().decision().is_some());
    let got = recorder.got.lock().unwrap();
    // "e" from the additional id, then the report, then "again" from the second handshake
    // the IMC's RequestHandshakeRetry caused
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[0].0, b"e");
    assert_eq!(got[2].0, b"again");
    let report = String::from_utf8(got[1].0.clone()).unwrap();
    let c = codes(&report);
    let expect: &[(&str, u64)] = &[
        ("bind_unknown", 6),
        ("bind_unknown_ptr_null", 0),
        ("bind_null_name", 6),
        ("bind_null_out", 6),
        ("bind_wrong_id", 6),
        ("send_outside", 8),
        ("report_null", 6),
        ("report_huge_count", 6),
        ("report_bad_vendor", 6),
        ("report_wrong_id", 6),
        ("send_wrong_id", 6),
        ("send_wrong_conn", 6),
        ("send_oversize", 0x0055_9701),
        ("send_null", 6),
        ("send_vendor_any", 6),
        ("send_subtype_any", 6),
        ("send_vendor_wide", 6),
        ("send_bad_flags", 6),
        ("send_bad_dest", 6),
        ("send_legacy_any", 6),
        ("attr_null_len", 6),
        ("attr_small", 6),
        ("attr_small_len", 13),
        ("attr_unknown", 6),
        ("attr_conn_any", 6),
        ("attr_primary", 0),
        ("attr_primary_ok", 1),
        ("set_attr", 6),
        ("retry_imv_reason", 6),
        ("reserve_null", 6),
        ("reserve", 0),
        ("send_from_extra_id", 0),
        ("extra_differs", 1),
        ("retry", 0),
    ];
    for (k, v) in expect {
        assert_eq!(c.get(*k), Some(v), "{k} in {report}");
    }
    assert_eq!(c.len(), expect.len(), "{report}");
}

#[test]
fn misbehaving_imv_gets_the_right_result_codes() {
    let s = Scratch::new().unwrap();
    let imc = s.copy(&c_plugin("imc_collector"), "imc.so").unwrap();
    let imv = s.copy(&c_plugin("imv_misbehaving"), "bad.so").unwrap();
    let imc = tnc_imc_api::c_abi::CImc::load("c", &imc).unwrap();
    let imv = tnc_imv_api::c_abi::CImv::load("bad", &imv).unwrap();
    let a = assess(vec![imc], vec![imv], attrs(&[1]), attrs(&[1]));
    let d = a.client.as_ref().unwrap().decision().unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::QUARANTINED);
    let report = &d.reasons[0].text;
    assert_eq!(d.reasons[0].language, "en");
    let c = codes(report);
    let expect: &[(&str, u64)] = &[
        ("rec_wrong_id", 6),
        ("rec_bad_action", 6),
        ("rec_bad_eval", 6),
        ("rec_conn_any", 6),
        ("set_oversize", 6),
        ("set_null", 6),
        ("set_unknown", 6),
        ("attr_primary", 0),
        ("attr_primary_ok", 1),
        ("attr_size_query", 0),
        ("attr_size", 4),
        ("retry_imc_reason", 6),
        ("retry_wrong_conn", 6),
    ];
    for (k, v) in expect {
        assert_eq!(c.get(*k), Some(v), "{k} in {report}");
    }
    assert_eq!(c.len(), expect.len(), "{report}");
}

#[test]
fn sends_beyond_the_connection_maximum_are_refused_before_reading() {
    let s = Scratch::new().unwrap();
    let lib = s.copy(&c_plugin("imc_collector"), "imc.so").unwrap();
    let imc = tnc_imc_api::c_abi::CImc::load("c", &lib).unwrap();
    let mut small = attrs(&[1, 2]);
    small.max_message_size = 8;
    let mut ctx = ImcContext::new(PostureId(1), ConnectionId(4), Arc::new(small));
    let r = tnc_imc_api::c_abi::library::block_on(imc.begin_handshake(&mut ctx));
    // the collector returns the code SendMessageLong gave it
    match r {
        Err(ApiError::Other(m)) => assert!(m.contains("5609217"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(ctx.take_outbox().is_empty());
    // after terminate the library is not called any more
    tnc_imc_api::c_abi::library::block_on(imc.terminate());
    let r = tnc_imc_api::c_abi::library::block_on(imc.begin_handshake(&mut ctx));
    assert!(matches!(r, Err(ApiError::IllegalOperation(_))), "{r:?}");
}

fn load_imc_err(name: &str) -> CAbiError {
    let s = Scratch::new().unwrap();
    let lib = s.copy(&c_plugin(name), "x.so").unwrap();
    tnc_imc_api::c_abi::CImc::load(name, &lib).unwrap_err()
}

#[test]
fn broken_libraries_give_clear_errors() {
    match load_imc_err("imc_no_begin") {
        CAbiError::MissingEntryPoint { symbol, .. } => assert_eq!(symbol, "TNC_IMC_BeginHandshake"),
        e => panic!("{e}"),
    }
    match load_imc_err("not_a_plugin") {
        e @ CAbiError::MissingEntryPoint { symbol, .. } => {
            assert_eq!(symbol, "TNC_IMC_Initialize");
            assert!(e.to_string().contains("is not an IF-IMC/IF-IMV plug-in"));
        }
        e => panic!("{e}"),
    }
    match load_imc_err("imc_bad_version") {
        CAbiError::NoCommonVersion { version, .. } => assert_eq!(version, 2),
        e => panic!("{e}"),
    }
    match load_imc_err("imc_init_fails") {
        CAbiError::Call { function, code, .. } => {
            assert_eq!((function, code), ("TNC_IMC_Initialize", 9));
        }
        e => panic!("{e}"),
    }
    match load_imc_err("imc_bind_fails") {
        CAbiError::Call { function, code, .. } => {
            assert_eq!((function, code), ("TNC_IMC_ProvideBindFunction", 10));
        }
        e => panic!("{e}"),
    }
    // an IMC library is not an IMV
    let s = Scratch::new().unwrap();
    let lib = s.copy(&c_plugin("imc_collector"), "imc.so").unwrap();
    match tnc_imv_api::c_abi::CImv::load("x", &lib).unwrap_err() {
        CAbiError::MissingEntryPoint { symbol, .. } => assert_eq!(symbol, "TNC_IMV_Initialize"),
        e => panic!("{e}"),
    }
    // not a shared object at all, and a missing file
    let junk = s.path().join("junk.so");
    std::fs::write(&junk, b"#!/bin/sh\necho not an ELF file\n").unwrap();
    assert!(matches!(
        tnc_imc_api::c_abi::CImc::load("j", &junk).unwrap_err(),
        CAbiError::Open { .. }
    ));
    assert!(matches!(
        tnc_imc_api::c_abi::CImc::load("m", &s.path().join("missing.so")).unwrap_err(),
        CAbiError::Open { .. }
    ));
}

#[test]
fn tnc_config_errors_name_the_line_and_stop_loading() {
    let s = Scratch::new().unwrap();
    s.copy(&c_plugin("imc_collector"), "imc.so").unwrap();
    let cfg = s.config("IMC \"ok\" imc.so\nIMC \"broken /x.so\n").unwrap();
    match tnc_imc_api::c_abi::load_from_tnc_config(&cfg)
        .err()
        .unwrap()
    {
        CAbiError::Config { source, .. } => {
            assert_eq!((source.line, source.column), (2, 5));
            assert_eq!(source.kind, ConfigErrorKind::Unterminated);
        }
        e => panic!("{e}"),
    }
    // the second library fails: the error names it and the first is unloaded again
    let cfg = s
        .config("IMC \"ok\" imc.so\nIMC \"missing\" nowhere.so\n")
        .unwrap();
    let e = tnc_imc_api::c_abi::load_from_tnc_config(&cfg)
        .err()
        .unwrap();
    assert!(matches!(e, CAbiError::Open { ref path, .. } if path.ends_with("nowhere.so")));
    // the first library was terminated when the partial list was dropped: it initialises again
    let cfg = s.config("IMC \"ok\" imc.so\n").unwrap();
    assert_eq!(
        tnc_imc_api::c_abi::load_from_tnc_config(&cfg)
            .unwrap()
            .len(),
        1
    );
    assert!(matches!(
        tnc_imc_api::c_abi::load_from_tnc_config(&s.path().join("none"))
            .err()
            .unwrap(),
        CAbiError::Io { .. }
    ));
}
