//! Replays every file of `fuzz/corpus/admin/` through the fuzz target's checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

include!("fuzz_check/admin.rs");

#[test]
fn corpus_replays_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/admin");
    let (mut n, mut decoded) = (0, 0);
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        decoded += check_admin(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n >= 20, "corpus too small: {n} files in {}", dir.display());
    assert!(
        decoded >= 10,
        "too few seeds decode ({decoded}); the corpus lost its valid inputs"
    );
}
