//! PT-TLS: message decode/re-encode, and arbitrary byte streams fed to sessions of
//! both roles and both profiles, never panic (checks shared with the crate's
//! corpus replay test).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/tnc-ift-tls-bsi/tests/fuzz_check/pt_tls.rs");

fuzz_target!(|data: &[u8]| {
    check_pt_tls(data);
});
