//! Benchmark fixtures shared by the criterion benches of this crate.
//!
//! The fixtures were produced by strongSwan 6.0.6's encoders (see `data/README.md`), so that
//! our figures and the C implementation's are measured on identical bytes.

/// One PA-TNC message: a typical gateway report (9265 octets).
pub const REPORT: &[u8] = include_bytes!("../data/report.bin");

/// One PB-TNC CDATA batch with 5 PB-PA messages of 2072 octets (10368 octets).
pub const BATCH: &[u8] = include_bytes!("../data/batch.bin");

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures_have_their_documented_sizes() {
        assert_eq!(super::REPORT.len(), 9265);
        assert_eq!(super::BATCH.len(), 10368);
    }
}
