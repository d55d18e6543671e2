//! Extra collectors from a `tnc_config` file (issue 8 item 6): a standard IF-IMC 1.3 C
//! collector, built by `tnc-cabi-tests`, runs beside the gateway's two built-in IMCs; a
//! broken `tnc_config` is a configuration error naming the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use smgw_reference::config::Config;
use smgw_reference::daemon::configured_imcs;
use smgw_reference::error::Error;
use tnc_cabi_tests::{Scratch, c_plugin};

fn config(dir: &Path, tnc_config: &str) -> Config {
    let text = format!(
        "tnc_config = \"{tnc_config}\"\n[gateway]\nid = \"smgw-1\"\ndata_dir = \"data\"\n\
         [gwa]\nhost = \"127.0.0.1\"\nport = 4711\n"
    );
    Config::from_toml(&text, &dir.join("smgw.toml"), dir, |_| None).unwrap()
}

#[test]
fn a_c_collector_from_tnc_config_joins_the_builtin_imcs() {
    let s = Scratch::new().unwrap();
    s.copy(&c_plugin("imc_collector"), "imc.so").unwrap();
    s.config("IMC \"C collector\" imc.so\n").unwrap();
    // relative to the configuration file's directory
    let cfg = config(s.path(), "tnc_config");
    assert_eq!(
        cfg.tnc_config.as_deref(),
        Some(s.path().join("tnc_config").as_path())
    );
    let (imcs, _) = configured_imcs(&cfg, 0).unwrap();
    assert_eq!(imcs.len(), 3, "OS/product, firmware and the C collector");
}

#[test]
fn a_broken_tnc_config_is_a_configuration_error() {
    let s = Scratch::new().unwrap();
    s.config("IMC \"missing\" /nonexistent/libnothing.so\n")
        .unwrap();
    let cfg = config(s.path(), "tnc_config");
    match configured_imcs(&cfg, 0) {
        Err(Error::Config { path, msg }) => {
            assert_eq!(path, s.path().join("tnc_config"));
            assert!(msg.contains("cannot load"), "{msg}");
        }
        Err(e) => panic!("wrong error: {e}"),
        Ok(_) => panic!("a missing library was accepted"),
    }
}
