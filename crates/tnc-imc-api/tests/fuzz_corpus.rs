//! Replays the `tnc_config` fuzz corpus (`fuzz/corpus/tnc_config/`) through the fuzz target's
//! checks.
#![cfg(feature = "c-abi")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

include!("fuzz_check/tnc_config.rs");

#[test]
fn corpus_replays_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/tnc_config");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        check_tnc_config(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 20, "corpus has only {n} files");
}
