//! Replays every file of `fuzz/corpus/smgw_pts/` through the very checks of the
//! `smgw_pts` fuzz target, so CI runs them without cargo-fuzz.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

include!("fuzz_check/smgw_pts.rs");

#[test]
fn corpus_replays_through_the_fuzz_checks() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/smgw_pts");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        check(&data);
        n += 1;
    }
    assert!(n >= 20, "corpus at {} has only {n} files", dir.display());
}
