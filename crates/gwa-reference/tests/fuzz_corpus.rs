//! Replays every file of `fuzz/corpus/manifest/` through the fuzz target's checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

include!("fuzz_check/manifest.rs");

#[test]
fn manifest_corpus_replays_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/manifest");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        check_manifest(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n >= 20, "corpus too small: {n} files in {}", dir.display());
}
