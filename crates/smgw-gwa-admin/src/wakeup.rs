//! The signed wake-up datagram (UDP, GWA → gateway) and its verifier.
//!
//! ```text
//! "TNCW" | version u8 = 1 | reserved u8 = 0 | id length u16 | gateway id (UTF-8, ≤ 64)
//! | unix time u64 (s) | nonce [16] | signature length u16 | DER ECDSA signature
//! ```
//! The signature covers every octet before the signature length field; the whole datagram
//! is at most [`MAX_WAKEUP_LEN`] octets. The datagram only asks the gateway to connect to the
//! GWA address of its own profile: it carries no address.

use std::collections::{BTreeSet, HashMap};

use tnc_wire::{DecodeError, DecodeErrorKind, Reader};

use crate::consts::{MAX_GATEWAY_ID_LEN, MAX_WAKEUP_LEN, NONCE_LEN, VERSION, WAKEUP_MAGIC};
use crate::{AdminError, PrivateKey, PublicKey};

/// A wake-up datagram decoded without verification; it borrows the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeupDatagram<'a> {
    /// Addressed gateway.
    pub gateway_id: &'a str,
    /// Creation time (unix seconds).
    pub time: u64,
    /// Random nonce.
    pub nonce: [u8; NONCE_LEN],
    /// The signed octets (everything before the signature length).
    pub signed: &'a [u8],
    /// The DER signature.
    pub signature: &'a [u8],
}

fn err(e: DecodeError) -> AdminError {
    AdminError::decode("wake-up datagram", e)
}

impl<'a> WakeupDatagram<'a> {
    /// Decodes (bounds and structure only; see [`WakeupVerifier::verify`] for the checks).
    pub fn decode(buf: &'a [u8]) -> Result<Self, AdminError> {
        if buf.len() > MAX_WAKEUP_LEN {
            return Err(err(DecodeError::new(
                MAX_WAKEUP_LEN,
                DecodeErrorKind::LengthTooLarge {
                    field: "datagram",
                    max: MAX_WAKEUP_LEN as u64,
                    actual: buf.len() as u64,
                },
            )));
        }
        let mut r = Reader::new(buf);
        let magic: [u8; 4] = r.array().map_err(err)?;
        if magic != WAKEUP_MAGIC {
            return Err(AdminError::BadMagic {
                expected: "TNCW",
                actual: magic,
            });
        }
        let version = r.u8().map_err(err)?;
        if version != VERSION {
            return Err(AdminError::UnsupportedVersion(version));
        }
        let at = r.offset();
        let reserved = r.u8().map_err(err)?;
        if reserved != 0 {
            return Err(err(DecodeError::invalid(
                at,
                "reserved",
                u64::from(reserved),
            )));
        }
        let at = r.offset();
        let id_len = usize::from(r.u16().map_err(err)?);
        if id_len == 0 || id_len > MAX_GATEWAY_ID_LEN {
            let kind = if id_len == 0 {
                DecodeErrorKind::LengthTooShort {
                    field: "gateway id length",
                    min: 1,
                    actual: 0,
                }
            } else {
                DecodeErrorKind::LengthTooLarge {
                    field: "gateway id length",
                    max: MAX_GATEWAY_ID_LEN as u64,
                    actual: id_len as u64,
                }
            };
            return Err(err(DecodeError::new(at, kind)));
        }
        let gateway_id = r.utf8(id_len, "gateway id").map_err(err)?;
        let time = r.u64().map_err(err)?;
        let nonce: [u8; NONCE_LEN] = r.array().map_err(err)?;
        let signed_len = r.offset();
        let sig_len = usize::from(r.u16().map_err(err)?);
        if sig_len == 0 {
            return Err(err(DecodeError::new(
                signed_len,
                DecodeErrorKind::LengthTooShort {
                    field: "signature length",
                    min: 1,
                    actual: 0,
                },
            )));
        }
        let signature = r.bytes(sig_len).map_err(err)?;
        r.finish().map_err(err)?;
        Ok(Self {
            gateway_id,
            time,
            nonce,
            signed: &buf[..signed_len],
            signature,
        })
    }
}

/// Builds and signs a wake-up datagram (the GWA side).
pub fn sign_wakeup(
    key: &PrivateKey,
    gateway_id: &str,
    time: u64,
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, AdminError> {
    if gateway_id.is_empty() || gateway_id.len() > MAX_GATEWAY_ID_LEN {
        return Err(AdminError::Encode(format!(
            "gateway id must be 1..={MAX_GATEWAY_ID_LEN} octets, got {}",
            gateway_id.len()
        )));
    }
    let mut out = Vec::with_capacity(MAX_WAKEUP_LEN);
    out.extend_from_slice(&WAKEUP_MAGIC);
    out.push(VERSION);
    out.push(0);
    // id length fits: checked above (≤ 64)
    out.extend_from_slice(&(gateway_id.len() as u16).to_be_bytes());
    out.extend_from_slice(gateway_id.as_bytes());
    out.extend_from_slice(&time.to_be_bytes());
    out.extend_from_slice(&nonce);
    let sig = key.sign(&out)?;
    out.extend_from_slice(&(sig.len() as u16).to_be_bytes());
    out.extend_from_slice(&sig);
    if out.len() > MAX_WAKEUP_LEN {
        return Err(AdminError::Encode(format!(
            "wake-up datagram of {} octets exceeds {MAX_WAKEUP_LEN}",
            out.len()
        )));
    }
    Ok(out)
}

/// An accepted wake-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wakeup {
    /// The gateway it was addressed to (this gateway).
    pub gateway_id: String,
    /// Creation time (unix seconds).
    pub time: u64,
    /// Its nonce.
    pub nonce: [u8; NONCE_LEN],
}

/// Why a wake-up datagram was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WakeupError {
    /// Not a well-formed datagram.
    #[error("malformed wake-up datagram: {0}")]
    Malformed(String),
    /// Addressed to another gateway.
    #[error("wake-up addressed to gateway {0:?}, not to this one")]
    OtherGateway(String),
    /// Creation time too far from now.
    #[error("wake-up time {time} is outside ±{window}s of now ({now})")]
    OutsideWindow {
        /// Time in the datagram.
        time: u64,
        /// Local time.
        now: u64,
        /// Accepted deviation.
        window: u64,
    },
    /// The signature does not verify with the configured GWA key.
    #[error("wake-up signature does not verify with the configured GWA wake-up key")]
    BadSignature,
    /// The same nonce was already accepted within the window, or the time is not newer than
    /// the oldest entry the bounded replay cache had to drop.
    #[error("wake-up replayed (nonce already accepted, or older than the replay cache)")]
    Replayed,
    /// Dropped unverified: the receiver's rate limit for wake-up datagrams was reached (a
    /// flood must not cost signature checks and log entries without bound).
    #[error("wake-up dropped unverified: more than {limit} datagrams in this minute")]
    RateLimited {
        /// Datagrams per minute the receiver verifies.
        limit: u32,
    },
}

/// Verifies wake-up datagrams for one gateway: key, identity, time window, replay cache.
#[derive(Debug)]
pub struct WakeupVerifier {
    key: PublicKey,
    gateway_id: String,
    window: u64,
    capacity: usize,
    seen: HashMap<[u8; NONCE_LEN], u64>,
    order: BTreeSet<(u64, [u8; NONCE_LEN])>,
    /// Times at or below this are refused: an in-window entry with this time was evicted.
    floor: Option<u64>,
}

/// Default replay cache size.
pub const DEFAULT_REPLAY_CAPACITY: usize = 1024;

impl WakeupVerifier {
    /// A verifier with the GWA's key, this gateway's id and the accepted time deviation
    /// (seconds, in both directions), with a replay cache of [`DEFAULT_REPLAY_CAPACITY`].
    pub fn new(key: PublicKey, gateway_id: impl Into<String>, window: u64) -> Self {
        Self::with_capacity(key, gateway_id, window, DEFAULT_REPLAY_CAPACITY)
    }

    /// Like [`WakeupVerifier::new`] with an explicit replay cache size (at least 1).
    pub fn with_capacity(
        key: PublicKey,
        gateway_id: impl Into<String>,
        window: u64,
        capacity: usize,
    ) -> Self {
        Self {
            key,
            gateway_id: gateway_id.into(),
            window,
            capacity: capacity.max(1),
            seen: HashMap::new(),
            order: BTreeSet::new(),
            floor: None,
        }
    }

    /// Entries currently in the replay cache.
    pub fn cached(&self) -> usize {
        self.seen.len()
    }

    /// Verifies `datagram` at local time `now` (unix seconds). Checks, in order: structure,
    /// addressed gateway, time window, signature, replay. Only an accepted wake-up enters
    /// the replay cache.
    pub fn verify(&mut self, datagram: &[u8], now: u64) -> Result<Wakeup, WakeupError> {
        let d =
            WakeupDatagram::decode(datagram).map_err(|e| WakeupError::Malformed(e.to_string()))?;
        if d.gateway_id != self.gateway_id {
            return Err(WakeupError::OtherGateway(d.gateway_id.to_owned()));
        }
        if d.time.abs_diff(now) > self.window {
            return Err(WakeupError::OutsideWindow {
                time: d.time,
                now,
                window: self.window,
            });
        }
        if !self.key.verify(d.signed, d.signature) {
            return Err(WakeupError::BadSignature);
        }
        self.expire(now);
        if self.seen.contains_key(&d.nonce) || self.floor.is_some_and(|f| d.time <= f) {
            return Err(WakeupError::Replayed);
        }
        while self.seen.len() >= self.capacity {
            let Some(oldest) = self.order.pop_first() else {
                break;
            };
            self.seen.remove(&oldest.1);
            self.floor = Some(self.floor.map_or(oldest.0, |f| f.max(oldest.0)));
        }
        self.seen.insert(d.nonce, d.time);
        self.order.insert((d.time, d.nonce));
        Ok(Wakeup {
            gateway_id: d.gateway_id.to_owned(),
            time: d.time,
            nonce: d.nonce,
        })
    }

    /// Drops entries that can no longer pass the window check.
    fn expire(&mut self, now: u64) {
        let limit = now.saturating_sub(self.window);
        while let Some(first) = self.order.first().copied() {
            if first.0 >= limit {
                break;
            }
            self.order.pop_first();
            self.seen.remove(&first.1);
        }
        if self.floor.is_some_and(|f| f < limit) {
            self.floor = None;
        }
    }
}
