//! PA-TNC decoding never panics, and decode -> encode -> decode is stable.
//! The checks live in `crates/tnc-ifm/tests/fuzz_check/pa_tnc.rs`, which the
//! plain test `tnc-ifm/tests/fuzz_corpus.rs` also includes to replay the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/tnc-ifm/tests/fuzz_check/pa_tnc.rs");

fuzz_target!(|data: &[u8]| {
    check(data);
});
