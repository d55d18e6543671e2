//! The gateway's Integrity Measurement Collectors on the `tnc-imc-api` trait.
//!
//! * [`os::OsImc`]: the IETF operating-system attributes of RFC 5792 (product
//!   information, numeric and string version, operational status, installed
//!   packages, forwarding enabled, factory default password enabled);
//! * [`firmware::FirmwareImc`]: answers TCG PTS file-measurement requests with
//!   SHA-256/SHA-384 digests of files and directory contents listed in the
//!   manifest (nothing else), plus the connection's channel binding as the
//!   project's Channel-Binding Report attribute (`smgw_gwa_admin::binding`).

pub mod firmware;
pub mod os;

use tnc_imc_api::{MessageType, Pen};

/// PA subtype of the IETF "Operating System" component (RFC 5792 §7.2: 1).
pub const OS_MESSAGE_TYPE: MessageType = MessageType::new(Pen::IETF, 1);
/// PA subtype of TCG PTS (vendor TCG, subtype 1).
pub const PTS_MESSAGE_TYPE: MessageType = MessageType::new(Pen::TCG, tnc_ifm::pts::PTS_SUBTYPE);
