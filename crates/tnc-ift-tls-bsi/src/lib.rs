//! # tnc-ift-tls-bsi
//!
//! PT-TLS — the TCG IF-T binding to TLS, RFC 6876 — under the BSI TLS profile for
//! smart-meter gateways (TR-03116-3 chapter 4, as digested in the project's
//! `bsi-profile.md`):
//!
//! * [`message`]: the PT-TLS codec — every message type of RFC 6876 §3.6 and every
//!   PT-TLS Error code of §3.9.1 ([`consts`]); zero-copy decoding; the Message Length
//!   is checked against a configured maximum **before** anything is buffered;
//! * [`session`]: the sans-IO PT-TLS session for both roles — version negotiation,
//!   SASL PLAIN (RFC profile only), PB-TNC batches as opaque bytes, the right PT-TLS
//!   Error for every message that is illegal in its phase, the one-assessment rule and
//!   the 48-hour lifetime driven by the caller's clock;
//! * [`profile`]: the two profiles as data ([`profile::Profile::Bsi`] default,
//!   [`profile::Profile::Rfc6876`]) and the rustls client/server configurations;
//! * [`provider`]: the rustls `CryptoProvider` pieces — brainpoolP256r1/P384r1 key
//!   exchange, ECDSA signing and verification from RustCrypto next to ring's NIST
//!   curves; the private key behind [`provider::EcdsaSigner`] so a secure element can sign;
//! * [`binding`]: channel binding — TLS 1.2 `tls-unique` (RFC 5929) through a PRF
//!   wrapper without changing rustls, TLS 1.3 `tls-exporter` (RFC 9266);
//! * [`pki`] (feature `pki`): a development PKI generator (root → sub-CA → GWA and
//!   gateway certificates);
//! * [`net`]: tokio client and server; [`memory`]: in-memory transport for tests.
//!
//! ```
//! use std::time::Instant;
//! use rustls::{ClientConnection, ServerConnection};
//! use tnc_ift_tls_bsi::pki::{DevPki, DevPkiOptions};
//! use tnc_ift_tls_bsi::profile::{Credentials, Profile, TlsSettings};
//! use tnc_ift_tls_bsi::provider::Curve;
//! use tnc_ift_tls_bsi::session::{Event, Role, Session};
//! use tnc_ift_tls_bsi::{binding, memory};
//!
//! // a development SM-PKI: root -> sub-CA -> GWA + one gateway
//! let pki = DevPki::generate(&DevPkiOptions::with_curve(Curve::P256, 1))?;
//! let roots = [pki.root.cert_der()];
//! let gw = &pki.gateways[0];
//! let settings = TlsSettings::new(Profile::Bsi);
//! let client_cfg = settings.client_config(&roots, Some(&Credentials {
//!     chain: pki.chain_for(gw),
//!     key: gw.key.clone(),
//! }))?;
//! let server_cfg = settings.server_config(&roots, &Credentials {
//!     chain: pki.chain_for(&pki.gwa),
//!     key: pki.gwa.key.clone(),
//! })?;
//!
//! // mutual-auth TLS handshake in memory, then the same channel binding on both ends
//! let mut c = ClientConnection::new(client_cfg, settings.server_name())?;
//! let mut s = ServerConnection::new(server_cfg)?;
//! memory::handshake(&mut c, &mut s)?;
//! assert_eq!(binding::channel_binding(&c)?, binding::channel_binding(&s)?);
//!
//! // the PT-TLS version exchange; then PB-TNC batches may flow
//! let now = Instant::now();
//! let mut cs = Session::new(Profile::Bsi.session_config(Role::Client), now);
//! let mut ss = Session::new(Profile::Bsi.session_config(Role::Server), now);
//! memory::negotiate(&mut c, &mut s, &mut cs, &mut ss, now)?;
//! assert_eq!(ss.poll_event(), Some(Event::Negotiated { version: 1 }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Conformance and deviations
//!
//! Where the issue (#4), `design.md` and `bsi-profile.md` differ, the issue wins:
//!
//! * **TLS 1.2 suites**: only ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 and
//!   _AES_256_GCM_SHA384 (issue). TR-03116-3 also makes 0xC023
//!   (ECDHE_ECDSA_WITH_AES_128_CBC_SHA256) mandatory and 0xC024 recommended; rustls
//!   has no CBC suites (**D-1**), and no encrypt_then_mac, which clients must offer from
//!   2025 (**D-2**). The rustls server does not echo ec_point_formats (**D-3**).
//! * **TLS 1.3** is enabled in the BSI profile (issue), although rustls does not send
//!   `signature_algorithms_cert` (**D-4**; `bsi-profile.md` proposed TLS 1.2 only).
//!   TLS_AES_128_CCM_SHA256 (SHOULD) is not available in ring. OpenSSL 3.0 has no TLS
//!   1.3 brainpool groups or signature schemes: with brainpool certificates, use TLS
//!   1.2 against OpenSSL 3.0 peers (set `tls13 = false`).
//! * **brainpoolP512r1** (group 28/33, scheme 0x081C, the SM-PKI root from 2025) is not
//!   supported: RustCrypto has no bp512 crate (**D-5**). SHA-512 signatures (TLS 1.2
//!   0x0603) are verified for brainpool keys only (ring has no NIST/SHA-512 pairing).
//! * **Channel binding**: TLS 1.2 `tls-unique` as the issue and the seed paper want
//!   ([`binding::channel_binding`]); TLS 1.3 `tls-exporter`. `bsi-profile.md` (D-6)
//!   prefers `tls-exporter` for 1.2 too: [`binding::tls_exporter`] offers it (no
//!   context, equal to OpenSSL's `-keymatexport`), safe because EMS is required.
//! * **Extended master secret** is required in the BSI profile (project rule; BSI: SHOULD).
//! * **Resumption** is off (no session cache, no tickets, no TLS 1.3 tickets); rustls
//!   never renegotiates (answers `no_renegotiation`; tested against OpenSSL).
//! * **One assessment per connection** needs one look into the otherwise opaque
//!   PB-TNC batch: the batch-type nibble (RESULT ends an assessment, a later
//!   CRETRY/SRETRY is a PT-TLS *Invalid Message*, CLOSE closes the session).
//! * **SASL** messages are *Invalid Message* in the BSI profile (`bsi-profile.md` §8.2);
//!   the server does not even send the empty SASL Mechanisms list there. A BSI peer
//!   therefore does not interoperate with RFC-profile peers that expect the list.
//! * The **SASL Result** is sent in the RFC's two-octet form; the one-octet strongSwan
//!   form is accepted on receipt (`pt-tls.md` §9).
//! * Certificates: chains must validate to the configured roots with ECDSA signatures
//!   only; the optional expected peer name is matched against the leaf's commonName or
//!   dNSNames (the SM-PKI has no DNS names), not as a DNS hostname.
//!
//! # Secure elements
//!
//! Implement [`provider::EcdsaSigner`] for a handle to the security module: `curve()`
//! names the key's curve, `sign(hash, message)` hashes (or lets the chip hash) and
//! returns the DER ECDSA signature. Pass it as [`profile::Credentials::key`]; the
//! adapter [`provider::ProfileSigningKey`] picks the TLS signature scheme.
#![forbid(unsafe_code)]

pub mod binding;
pub mod consts;
pub mod der;
pub mod error;
pub mod identity;
pub mod memory;
pub mod message;
pub mod net;
#[cfg(feature = "pki")]
pub mod pki;
pub mod profile;
pub mod provider;
pub mod proxy;
pub mod session;
#[cfg(feature = "tnccs")]
pub mod tnccs;

pub use error::Error;
