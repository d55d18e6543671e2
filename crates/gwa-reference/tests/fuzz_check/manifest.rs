// The checks of the `manifest` fuzz target (the GWA's reference-value manifest parser), shared
// with the corpus replay test (`tests/fuzz_corpus.rs`) through `include!`.

/// Parses one input; a refusal must name a position inside the text, an accepted manifest must
/// hold what `parse` promises.
pub fn check_manifest(data: &[u8]) {
    use gwa_reference::GwaError;
    use gwa_reference::manifest::{MAX_PATH_LEN, parse};
    match parse(std::path::Path::new("fuzz.json"), data) {
        Ok(m) => {
            assert!(!m.vendor.is_empty() && !m.product.is_empty());
            assert!(!m.firmware_version.is_empty());
            let want = m.algorithm.digest_len();
            assert!(m.files.iter().all(|(p, d)| d.len() == want && p.len() <= MAX_PATH_LEN));
            assert!(
                m.files.windows(2).all(|w| w[0].0 < w[1].0),
                "files sorted and unique"
            );
        }
        Err(GwaError::Manifest { line, column, .. }) => {
            // 0 means "no position"; otherwise the position lies within the input
            let lines = data.iter().filter(|b| **b == b'\n').count() + 1;
            assert!(line <= lines.max(1), "line {line} of {lines}");
            assert!(column <= data.len() + 1);
        }
        Err(other) => panic!("parse returns only manifest errors, got {other:?}"),
    }
}
