//! Channel binding of a TLS connection: RFC 5929 `tls-unique` for TLS 1.2 and
//! RFC 9266 `tls-exporter` for TLS 1.3.
//!
//! # tls-unique without changing rustls
//!
//! rustls has no API for the Finished message. The TLS 1.2 suites of this crate's
//! provider therefore wrap the PRF ([`TlsUniquePrf`]): when rustls computes
//! `PRF(master_secret, "client finished", hash)` — the client to send its Finished,
//! the server to check it — the wrapper records the 12-octet `verify_data` under a
//! keyed hash of the master secret. After the handshake, [`tls_unique`] calls the
//! connection's exporter with a private label; rustls passes that connection's master
//! secret to the same PRF, and the wrapper answers with the recorded `verify_data`
//! followed by a 20-octet marker (an exporter output cannot carry the marker by
//! accident: the chance is 2⁻¹⁶⁰). The entry is then dropped.
//!
//! * **Correct**: with resumption disabled every handshake is full, so the client
//!   Finished is the first Finished of the connection (RFC 5929 §3.1); there is no
//!   renegotiation in rustls.
//! * **Never mixes up connections**: entries are keyed by the master secret, which is
//!   unique per connection (extended master secret is required by the BSI profile);
//!   should two different Finished values ever meet under one master secret (only
//!   possible without EMS), the entry is marked ambiguous and yields an error.
//! * **Bounded**: at most [`MAX_PENDING`] entries; the oldest is evicted first, and an
//!   evicted or unknown entry gives an error, never a wrong value.

use std::collections::{HashMap, VecDeque};
use std::sync::{LazyLock, Mutex};

use rustls::crypto::ActiveKeyExchange;
use rustls::crypto::tls12::Prf;
use sha2::Digest;

use crate::error::Error;

/// Most tls-unique values kept between handshake and lookup.
pub const MAX_PENDING: usize = 4096;

/// RFC 9266 exporter label.
pub const TLS_EXPORTER_LABEL: &[u8] = b"EXPORTER-Channel-Binding";

const LOOKUP_LABEL: &[u8] = b"tnc-rs internal tls-unique lookup";
const MARKER: [u8; 20] = *b"tnc-rs tls-unique ok";

/// Which channel binding a value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelBindingKind {
    /// RFC 5929 `tls-unique` (TLS 1.2): the first Finished `verify_data`.
    TlsUnique,
    /// RFC 9266 `tls-exporter`: 32 octets of the exporter with label
    /// `EXPORTER-Channel-Binding` and an empty context.
    TlsExporter,
}

impl ChannelBindingKind {
    /// The RFC 5056 channel-binding type name.
    pub const fn name(self) -> &'static str {
        match self {
            ChannelBindingKind::TlsUnique => "tls-unique",
            ChannelBindingKind::TlsExporter => "tls-exporter",
        }
    }
}

/// A connection's channel binding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChannelBinding {
    /// The kind.
    pub kind: ChannelBindingKind,
    /// The value.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct Registry {
    /// master-secret key -> (verify_data, computations not yet looked up, ambiguous)
    map: HashMap<[u8; 32], ([u8; 12], u8, bool)>,
    order: VecDeque<[u8; 32]>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Default::default);
static SALT: LazyLock<[u8; 32]> = LazyLock::new(|| {
    let mut s = [0u8; 32];
    // without randomness the key is still a hash of a secret; the salt only adds domain separation
    let _ = getrandom::fill(&mut s);
    s
});

fn key_of(master_secret: &[u8]) -> [u8; 32] {
    let mut h = sha2::Sha256::new();
    h.update(*SALT);
    h.update(master_secret);
    h.finalize().into()
}

fn record(master_secret: &[u8], verify_data: &[u8]) {
    let Ok(vd) = <[u8; 12]>::try_from(verify_data) else {
        return;
    };
    let k = key_of(master_secret);
    let Ok(mut r) = REGISTRY.lock() else {
        return;
    };
    if let Some(e) = r.map.get_mut(&k) {
        // both ends in one process: the second computation of the same Finished.
        // Two *different* Finished under one master secret (possible only without
        // EMS, e.g. a triple-handshake attacker) make the value ambiguous: refuse it.
        e.1 = e.1.saturating_add(1);
        if e.0 != vd {
            e.2 = true;
        }
        return;
    }
    while r.order.len() >= MAX_PENDING {
        if let Some(old) = r.order.pop_front() {
            r.map.remove(&old);
        }
    }
    r.map.insert(k, (vd, 1, false));
    r.order.push_back(k);
}

fn take(master_secret: &[u8]) -> Option<[u8; 12]> {
    let k = key_of(master_secret);
    let mut r = REGISTRY.lock().ok()?;
    let (vd, refs, ambiguous) = *r.map.get(&k)?;
    if refs > 1 {
        if let Some(e) = r.map.get_mut(&k) {
            e.1 -= 1;
        }
    } else {
        r.map.remove(&k);
        r.order.retain(|x| *x != k);
    }
    (!ambiguous).then_some(vd)
}

/// Number of tls-unique values waiting for their lookup (for tests and metrics).
pub fn pending() -> usize {
    REGISTRY.lock().map(|r| r.map.len()).unwrap_or(0)
}

/// A TLS 1.2 PRF that records the client Finished `verify_data` (see the module docs).
pub struct TlsUniquePrf {
    inner: &'static dyn Prf,
}

impl core::fmt::Debug for TlsUniquePrf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("TlsUniquePrf")
    }
}

impl TlsUniquePrf {
    /// Wraps `inner`.
    pub const fn new(inner: &'static dyn Prf) -> Self {
        TlsUniquePrf { inner }
    }
}

impl Prf for TlsUniquePrf {
    fn for_key_exchange(
        &self,
        output: &mut [u8; 48],
        kx: Box<dyn ActiveKeyExchange>,
        peer_pub_key: &[u8],
        label: &[u8],
        seed: &[u8],
    ) -> Result<(), rustls::Error> {
        self.inner
            .for_key_exchange(output, kx, peer_pub_key, label, seed)
    }

    fn for_secret(&self, output: &mut [u8], secret: &[u8], label: &[u8], seed: &[u8]) {
        if label == LOOKUP_LABEL && output.len() == 32 {
            if let Some(vd) = take(secret) {
                output[..12].copy_from_slice(&vd);
                output[12..].copy_from_slice(&MARKER);
                return;
            }
        }
        self.inner.for_secret(output, secret, label, seed);
        if label == b"client finished" {
            record(secret, output);
        }
    }

    fn fips(&self) -> bool {
        self.inner.fips()
    }
}

/// The TLS 1.2 `tls-unique` value of a completed handshake. Call it once per
/// connection, right after the handshake (the value is handed out once).
pub fn tls_unique<D>(conn: &rustls::ConnectionCommon<D>) -> Result<ChannelBinding, Error> {
    if conn.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_2) {
        return Err(Error::Config(
            "tls-unique is defined for TLS 1.2 only (RFC 9266)".into(),
        ));
    }
    let out = conn.export_keying_material([0u8; 32], LOOKUP_LABEL, None)?;
    if out[12..] != MARKER {
        return Err(Error::Config(
            "tls-unique unavailable: suite without the tls-unique PRF or value already taken"
                .into(),
        ));
    }
    Ok(ChannelBinding {
        kind: ChannelBindingKind::TlsUnique,
        data: out[..12].to_vec(),
    })
}

/// The RFC 9266 `tls-exporter` value (32 octets). For TLS 1.2 it is only safe with
/// extended master secret (required by the BSI profile).
///
/// The exporter is called *without* a context: in TLS 1.3 that equals the empty
/// context of RFC 9266; in TLS 1.2 (RFC 5705) "no context" and "empty context" differ,
/// and "no context" is what OpenSSL (`SSL_export_keying_material(..., use_context=0)`),
/// Go and `bsi-profile.md` §8.3 use — the test suite checks equality with OpenSSL.
pub fn tls_exporter<D>(conn: &rustls::ConnectionCommon<D>) -> Result<ChannelBinding, Error> {
    let out = conn.export_keying_material([0u8; 32], TLS_EXPORTER_LABEL, None)?;
    Ok(ChannelBinding {
        kind: ChannelBindingKind::TlsExporter,
        data: out.to_vec(),
    })
}

/// The connection's channel binding: `tls-unique` for TLS 1.2, `tls-exporter` for 1.3.
pub fn channel_binding<D>(conn: &rustls::ConnectionCommon<D>) -> Result<ChannelBinding, Error> {
    match conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_2) => tls_unique(conn),
        _ => tls_exporter(conn),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn registry_counts_both_ends_and_is_bounded() {
        let ms = [7u8; 48];
        record(&ms, &[1; 12]);
        record(&ms, &[1; 12]);
        assert_eq!(take(&ms), Some([1; 12]));
        assert_eq!(take(&ms), Some([1; 12]));
        assert_eq!(take(&ms), None);
        // one master secret, two different Finished: ambiguous, refused
        let ms2 = [8u8; 48];
        record(&ms2, &[1; 12]);
        record(&ms2, &[2; 12]);
        assert_eq!(take(&ms2), None);
        assert_eq!(take(&ms2), None);
        // flood: the oldest entries are evicted, memory stays bounded
        for i in 0..(MAX_PENDING + 10) as u32 {
            let mut m = [0u8; 48];
            m[..4].copy_from_slice(&i.to_be_bytes());
            m[47] = 0xEE;
            record(&m, &[2; 12]);
        }
        assert!(pending() <= MAX_PENDING);
        let mut first = [0u8; 48];
        first[47] = 0xEE;
        assert_eq!(take(&first), None);
    }
}
