//! # smgw-gwa-admin
//!
//! The small administration protocol between a smart-meter gateway (SMGW) and its Gateway
//! Administrator (GWA) that the TNC reference programs need besides TNC itself, following the
//! project's reading of BSI TR-03109-1 (spec digest `bsi-profile.md` §7.2 and §7.5):
//!
//! * [`TncProfile`]: the per-gateway TNC configuration profile (on/off, interval, the GWA's
//!   PT-TLS address, its expected name, its wake-up verification key), JSON on the wire,
//!   validated;
//! * profile fetch frames ([`frame`]): the gateway opens a mutually authenticated TLS
//!   connection and asks for its profile; the GWA chooses the profile by the gateway's
//!   certificate, never by anything the gateway sends; async helpers [`fetch_profile`] /
//!   [`serve_profile`] (feature `tokio`);
//! * the signed wake-up datagram ([`sign_wakeup`], [`WakeupVerifier`]): ECDSA over P-256,
//!   P-384, brainpoolP256r1 or brainpoolP384r1, a time window and a bounded replay cache;
//! * the channel-binding report attribute ([`binding`]) with which the gateway's collector tells
//!   the GWA's verifier the TLS channel binding it measured for (relay detection).
//!
//! The wake-up format is a project design (the TR's format is not public, see the digest);
//! everything is sans-IO except the optional tokio helpers; nothing here opens a socket.
//!
//! ```
//! use smgw_gwa_admin::{sign_wakeup, Curve, PrivateKey, WakeupError, WakeupVerifier};
//!
//! let gwa_key = PrivateKey::generate(Curve::BrainpoolP256r1)?;
//! let mut verifier = WakeupVerifier::new(gwa_key.public_key(), "EMH0012345678", 300);
//!
//! let datagram = sign_wakeup(&gwa_key, "EMH0012345678", 1_700_000_000, [7; 16])?;
//! let wakeup = verifier.verify(&datagram, 1_700_000_010)?;
//! assert_eq!(wakeup.gateway_id, "EMH0012345678");
//! // the same datagram again is a replay
//! assert_eq!(verifier.verify(&datagram, 1_700_000_011), Err(WakeupError::Replayed));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod binding;
pub mod consts;
mod error;
pub mod frame;
#[cfg(feature = "tokio")]
mod io;
mod key;
mod profile;
mod wakeup;

pub use consts::FrameKind;
pub use error::AdminError;
pub use frame::ProfileResponse;
#[cfg(feature = "tokio")]
pub use io::{fetch_profile, serve_profile};
pub use key::{Curve, PrivateKey, PublicKey};
pub use profile::{ErrorBody, MAX_INTERVAL_SECS, MIN_INTERVAL_SECS, TncProfile};
pub use wakeup::{
    DEFAULT_REPLAY_CAPACITY, Wakeup, WakeupDatagram, WakeupError, WakeupVerifier, sign_wakeup,
};
