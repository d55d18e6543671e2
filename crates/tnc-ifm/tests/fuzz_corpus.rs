//! Replays every file of `fuzz/corpus/pa_tnc/` through the very checks of the
//! `pa_tnc` fuzz target, so CI runs them without cargo-fuzz.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

include!("fuzz_check/pa_tnc.rs");

#[test]
fn corpus_replays_through_the_fuzz_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/pa_tnc");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        check(&data);
        n += 1;
    }
    assert!(n >= 20, "corpus at {} has only {n} files", dir.display());
}
