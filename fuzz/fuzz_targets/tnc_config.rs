//! tnc-imc-api (feature c-abi): the `tnc_config` parser never panics and its entries and error
//! positions are consistent with the text (checks shared with the crate's corpus replay test).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/tnc-imc-api/tests/fuzz_check/tnc_config.rs");

fuzz_target!(|data: &[u8]| {
    check_tnc_config(data);
});
