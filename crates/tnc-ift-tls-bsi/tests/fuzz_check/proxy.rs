// The checks of the `proxy` fuzz target (PROXY protocol v2 header parser), shared with the
// corpus replay test (`tests/fuzz_corpus.rs`) through `include!`.

/// Runs every check on one input, as given and behind a valid signature (so that the fuzzer
/// reaches the version, family and address paths).
pub fn check_proxy(data: &[u8]) {
    use tnc_ift_tls_bsi::proxy::{FIXED_LEN, MAX_PAYLOAD, SIGNATURE, parse_v2};
    let mut signed = SIGNATURE.to_vec();
    signed.extend_from_slice(data);
    for input in [data, &signed[..]] {
        match parse_v2(input) {
            Ok(Some((h, used))) => {
                // a header is never longer than the input nor than the bound
                assert!((FIXED_LEN..=FIXED_LEN + MAX_PAYLOAD).contains(&used));
                assert!(used <= input.len());
                // what follows the header is not consumed: the same prefix parses the same
                let again = parse_v2(&input[..used]).expect("the header alone parses");
                assert_eq!(again, Some((h, used)));
                if h.local {
                    assert!(h.source.is_none() && h.destination.is_none());
                } else {
                    assert!(h.source.is_some() && h.destination.is_some());
                }
            }
            // incomplete: every shorter prefix is incomplete too (no answer flips on fewer octets)
            Ok(None) => {
                for i in 0..input.len() {
                    assert!(!matches!(parse_v2(&input[..i]), Ok(Some(_))));
                }
            }
            Err(_) => {}
        }
    }
}
