//! Extra verifiers from a `tnc_config` file (issue 8 item 6): the configuration names the
//! file relative to itself, and a standard IF-IMV 1.3 C verifier (built by
//! `tnc-cabi-tests`) loads through it and joins the GWA's verifiers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use gwa_reference::config::Config;
use gwa_reference::metrics::Metrics;
use gwa_reference::server::Gwa;
use gwa_reference::storage::SqliteStorage;
use gwa_reference::storage::Storage;
use tnc_cabi_tests::{Scratch, c_plugin};

#[test]
fn a_c_verifier_listed_in_tnc_config_is_loaded_beside_the_builtin_ones() {
    let s = Scratch::new().unwrap();
    s.copy(&c_plugin("imv_verifier"), "imv.so").unwrap();
    s.config("IMV \"vendor verifier\" imv.so\n").unwrap();
    let file = s.path().join("gwa.toml");
    std::fs::write(
        &file,
        "database = \"gwa.sqlite\"\ntnc_config = \"tnc_config\"\n",
    )
    .unwrap();
    let cfg = Config::load(&file).unwrap();
    let tnc_config = cfg.tnc_config.clone().unwrap();
    assert_eq!(tnc_config, s.path().join("tnc_config"));

    let extra = tnc_imv_api::c_abi::load_from_tnc_config(&tnc_config).unwrap();
    assert_eq!(extra.len(), 1);
    assert_eq!(extra[0].name(), "vendor verifier");
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_in_memory().unwrap());
    let gwa = Gwa::with_extra_imvs(storage, cfg.policy, Arc::new(Metrics::new()), extra);
    // the built-in verifiers and the vendor one serve side by side (no connection yet)
    assert_eq!(gwa.open_records(), 0);
}
