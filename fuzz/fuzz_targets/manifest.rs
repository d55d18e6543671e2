//! The GWA's reference-value manifests (JSON from manufacturers, parsed before the signature
//! is checked only for positions in messages — but parsed nonetheless): any input is accepted
//! with the promised properties or refused with a position, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/gwa-reference/tests/fuzz_check/manifest.rs");

fuzz_target!(|data: &[u8]| {
    check_manifest(data);
});
