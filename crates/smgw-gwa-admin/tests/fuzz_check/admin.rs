// Checks shared by the `admin` fuzz target (fuzz/fuzz_targets/admin.rs) and the corpus replay
// test (tests/fuzz_corpus.rs): every decoder of smgw-gwa-admin on arbitrary bytes never
// panics, and what decodes re-encodes consistently.

/// A fixed P-256 key: corpus seeds signed with it verify (test key, never used elsewhere).
const FUZZ_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLUDsjfaiex5jQRDX
pR/n0px16DwAwiJW9dFkazC8S2ahRANCAARDV17FEB3Nw9Sdx60bZqP1FjqQP1e/
UrElZ/jET029G1nzhohX0J9ODLYaPI6b7LqUy6mdS8ecvrKHzYKheaqM
-----END PRIVATE KEY-----
";

/// Returns how many structures decoded (for the replay test's sanity count).
#[allow(dead_code)]
fn check_admin(data: &[u8]) -> usize {
    use smgw_gwa_admin::binding::BindingReport;
    use smgw_gwa_admin::frame::{decode_request, decode_response_header};
    use smgw_gwa_admin::{PrivateKey, ProfileResponse, WakeupDatagram, WakeupError, WakeupVerifier};

    let mut decoded = 0;
    // wake-up datagram
    if let Ok(d) = WakeupDatagram::decode(data) {
        decoded += 1;
        assert!(data.len() <= 512);
        assert_eq!(d.signed, &data[..d.signed.len()]);
        assert_eq!(d.signed.len() + 2 + d.signature.len(), data.len());
        assert!(!d.gateway_id.is_empty() && d.gateway_id.len() <= 64);
        let key = PrivateKey::from_pkcs8_pem(FUZZ_KEY_PEM).unwrap().public_key();
        let mut v = WakeupVerifier::with_capacity(key, d.gateway_id, 0, 4);
        if v.verify(data, d.time).is_ok() {
            // only a seed signed with the fuzz key gets here; a replay must be refused
            assert_eq!(v.verify(data, d.time), Err(WakeupError::Replayed));
        }
        // other times are outside a zero window
        if d.time < u64::MAX {
            assert!(v.verify(data, d.time + 1).is_err());
        }
    } else {
        // nothing undecodable may pass the verifier
        let key = PrivateKey::from_pkcs8_pem(FUZZ_KEY_PEM).unwrap().public_key();
        let mut v = WakeupVerifier::new(key, "FUZZGW", u64::MAX);
        assert!(v.verify(data, 0).is_err());
    }
    // profile frames
    if decode_request(data).is_ok() {
        decoded += 1;
        assert_eq!(data, smgw_gwa_admin::frame::encode_request());
    }
    if data.len() >= 12 {
        let head: [u8; 12] = data[..12].try_into().unwrap();
        if let Ok(h) = decode_response_header(&head) {
            assert!(h.body_len <= 64 * 1024);
        }
    }
    if let Ok(r) = ProfileResponse::decode(data) {
        decoded += 1;
        let again = r.encode().unwrap();
        assert_eq!(ProfileResponse::decode(&again).unwrap(), r);
    }
    // channel-binding report
    if let Ok(b) = BindingReport::decode(data) {
        decoded += 1;
        assert_eq!(b.encode().unwrap(), data);
    }
    decoded
}
