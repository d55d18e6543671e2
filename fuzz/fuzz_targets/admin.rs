//! smgw-gwa-admin: wake-up datagrams (decode + verify + replay), profile-fetch frames and the
//! channel-binding report never panic on arbitrary bytes (checks shared with the crate's
//! corpus replay test).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/smgw-gwa-admin/tests/fuzz_check/admin.rs");

fuzz_target!(|data: &[u8]| {
    check_admin(data);
});
