//! The Rust plug-ins of `tnc-cabi-example`, exported as a standard C shared library by
//! `export_imc!` / `export_imv!`, loaded back through `tnc_config` and the C loader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use tnc_cabi_tests::{Scratch, assess, c_plugin};
use tnc_iftnccs::{AccessRecommendation, AssessmentResult};
use tnc_imc_api::{ChannelBindingKind, ConnectionAttributes, MessageType, MessageTypeFilter, Pen};

/// The cdylib cargo built for the dev-dependency `tnc-cabi-example` (next to this test
/// executable in `target/<profile>/deps`, or one level up when built directly).
fn example_library() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let name = format!(
        "{}tnc_cabi_example{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    [deps.join(&name), deps.parent().unwrap().join(&name)]
        .into_iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("{name} not built next to {}", exe.display()))
}

fn attrs(binding: &[u8]) -> ConnectionAttributes {
    ConnectionAttributes::default()
        .with_channel_binding(ChannelBindingKind::TlsUnique, binding.to_vec())
}

#[test]
fn exported_rust_imc_and_imv_complete_an_assessment_through_tnc_config() {
    let s = Scratch::new().unwrap();
    s.copy(&example_library(), "rust-plugins.so").unwrap();
    let cfg = s
        .config("IMC \"Rust collector\" rust-plugins.so\nIMV \"Rust verifier\" rust-plugins.so\n")
        .unwrap();
    let imcs = tnc_imc_api::c_abi::load_from_tnc_config(&cfg).unwrap();
    let imvs = tnc_imv_api::c_abi::load_from_tnc_config(&cfg).unwrap();
    // the exporter reported the native message types through ReportMessageTypesLong
    let os = MessageTypeFilter::exact(MessageType::new(Pen::IETF, 1));
    assert_eq!(imcs[0].message_types(), vec![os]);
    assert_eq!(imvs[0].message_types(), vec![os]);

    // the collector reads tls-unique through TNC_TNCC_GetAttribute, the verifier through
    // TNC_TNCS_GetAttribute; equal bindings → allowed
    let a = assess(
        imcs.clone(),
        imvs.clone(),
        attrs(&[7, 8, 9]),
        attrs(&[7, 8, 9]),
    );
    let d = a.client.as_ref().unwrap().decision().unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::ALLOWED);
    assert_eq!(d.assessment, AssessmentResult::COMPLIANT);
    assert!(d.reasons.is_empty());
    assert_eq!(a.server.as_ref().unwrap().decision(), Some(d));

    // different bindings → isolated, with the reason set through TNC_TNCS_SetAttribute
    let a = assess(imcs, imvs, attrs(&[7, 8, 9]), attrs(&[1]));
    let d = a.client.as_ref().unwrap().decision().unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::QUARANTINED);
    assert_eq!(d.assessment, AssessmentResult::NONCOMPLIANT_MINOR);
    assert_eq!(
        d.reasons[0].text,
        "Rust verifier: unexpected OS or channel binding"
    );
    assert_eq!(d.reasons[0].language, "en");
}

#[test]
fn exported_rust_verifier_judges_a_c_collector() {
    let s = Scratch::new().unwrap();
    let rust = s.copy(&example_library(), "rust.so").unwrap();
    let c = s.copy(&c_plugin("imc_collector"), "c.so").unwrap();
    let imc = tnc_imc_api::c_abi::CImc::load("C collector", &c).unwrap();
    let imv = tnc_imv_api::c_abi::CImv::load("Rust verifier", &rust).unwrap();
    let a = assess(vec![imc], vec![imv], attrs(&[1]), attrs(&[1]));
    // the C collector reports Debian, which the Rust verifier does not accept
    let d = a.client.as_ref().unwrap().decision().unwrap();
    assert_eq!(d.recommendation, AccessRecommendation::QUARANTINED);
}
