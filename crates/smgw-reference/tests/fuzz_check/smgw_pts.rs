// Checks of the `smgw_pts` fuzz target, shared with the corpus replay test
// (`tests/fuzz_corpus.rs`): the firmware-measurement IMC's answer to an
// arbitrary PTS PA message never panics, and whatever it answers is a valid
// PA-TNC message that measures nothing outside the manifest.
//
// Input: octet 0 selects the channel binding (bit 0: present, bit 1: kind);
// the rest is the PA message body.

fn check(data: &[u8]) {
    use smgw_reference::config::ManifestEntry;
    use smgw_reference::imc::firmware::{FirmwareImc, Manifest};
    use tnc_imc_api::{ChannelBindingKind, ConnectionId};

    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    // manifest entries that do not exist: every allowed path ends in File Not Found,
    // so the target stays free of file-system side effects
    let imc = FirmwareImc::new(Manifest::new(vec![
        ManifestEntry {
            name: "fw".into(),
            path: "/nonexistent-smgw-fuzz/firmware.img".into(),
        },
        ManifestEntry {
            name: "bin".into(),
            path: "/nonexistent-smgw-fuzz/bin".into(),
        },
    ]));
    let cb = [0xA5u8; 32];
    let kind = if sel & 2 == 0 {
        ChannelBindingKind::TlsUnique
    } else {
        ChannelBindingKind::TlsExporter
    };
    let binding = (sel & 1 == 1).then_some((kind, &cb[..]));
    let Ok(answer) = imc.answer(ConnectionId(1), binding, body) else {
        return;
    };
    let Some(out) = answer else { return };
    let known = [(
        tnc_imc_api::Pen::from_u24(smgw_gwa_admin::binding::BINDING_PEN),
        smgw_gwa_admin::binding::BINDING_ATTR_TYPE,
    )];
    match tnc_ifm::receive(&out, &known) {
        tnc_ifm::Received::Accept(a) => {
            for attr in a.iter() {
                if let tnc_ifm::AttrValue::FileMeasurement(f) = attr.value {
                    assert_eq!(f.files.len(), 0, "nothing outside the manifest is measured");
                }
            }
        }
        other => panic!("the IMC produced an invalid PA-TNC message: {other:?}"),
    }
}
