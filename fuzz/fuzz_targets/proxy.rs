//! PROXY protocol v2 headers (from a TCP load balancer in front of the GWA): any input parses
//! to a header within the bounds, asks for more, or is refused — never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

include!("../../crates/tnc-ift-tls-bsi/tests/fuzz_check/proxy.rs");

fuzz_target!(|data: &[u8]| {
    check_proxy(data);
});
