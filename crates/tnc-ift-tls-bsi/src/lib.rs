//! PT-TLS under the BSI TLS profile (work in progress).
#![forbid(unsafe_code)]

pub mod consts;
pub mod error;
pub mod message;
pub mod session;

pub use error::Error;
pub mod binding;
pub mod der;
pub mod identity;
pub mod memory;
pub mod net;
#[cfg(feature = "pki")]
pub mod pki;
pub mod profile;
pub mod provider;
