//! The smgw-reference firmware-measurement IMC answers arbitrary PTS PA
//! messages without panicking, always with valid PA-TNC, never measuring
//! outside its manifest. Checks: `crates/smgw-reference/tests/fuzz_check/smgw_pts.rs`
//! (also replayed over the corpus by `smgw-reference/tests/fuzz_corpus.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/smgw-reference/tests/fuzz_check/smgw_pts.rs");

fuzz_target!(|data: &[u8]| {
    check(data);
});
