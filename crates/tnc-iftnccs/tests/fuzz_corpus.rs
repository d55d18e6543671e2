//! Replays the `pb_tnc` fuzz corpus (`fuzz/corpus/pb_tnc/`) through the fuzz target's checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

include!("fuzz_check/pb_tnc.rs");

#[test]
fn corpus_replays_without_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/pb_tnc");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        check(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 20, "corpus has only {n} files");
}
