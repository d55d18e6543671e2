//! PB-TNC: batch decoding never panics and re-encodes stably; arbitrary batches (one, or a
//! sequence framed by their length fields) fed to server/client sessions and a TNCS broker
//! never panic and are refused with exactly the right PB-Error.
//! The checks live in `crates/tnc-iftnccs/tests/fuzz_check/pb_tnc.rs`, which the plain test
//! `tnc-iftnccs/tests/fuzz_corpus.rs` also includes to replay the corpus.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/tnc-iftnccs/tests/fuzz_check/pb_tnc.rs");

fuzz_target!(|data: &[u8]| {
    check(data);
});
