//! Replays every file of `fuzz/corpus/pt_tls/` and `fuzz/corpus/proxy/` through the fuzz
//! targets' checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

include!("fuzz_check/pt_tls.rs");
include!("fuzz_check/proxy.rs");

#[test]
fn corpus_replays_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/pt_tls");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        check_pt_tls(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n >= 20, "corpus too small: {n} files in {}", dir.display());
}

#[test]
fn proxy_corpus_replays_without_panics() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/proxy");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        check_proxy(&std::fs::read(&p).unwrap());
        n += 1;
    }
    assert!(n >= 20, "corpus too small: {n} files in {}", dir.display());
}
