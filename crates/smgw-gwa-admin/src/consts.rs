//! Constants of the administration protocol: magics, versions, frame kinds and limits.

/// Magic of a profile-fetch frame (request and response).
pub const PROFILE_MAGIC: [u8; 4] = *b"TNCP";
/// Magic of a wake-up datagram.
pub const WAKEUP_MAGIC: [u8; 4] = *b"TNCW";
/// The only protocol version this crate speaks (profile frames and wake-up datagrams).
pub const VERSION: u8 = 1;
/// Octets of a profile request frame (magic, version, kind, reserved).
pub const REQUEST_LEN: usize = 8;
/// Octets of a profile response header (magic, version, kind, reserved, length).
pub const RESPONSE_HEADER_LEN: usize = 12;
/// Largest response body accepted or produced (64 KiB).
pub const MAX_BODY_LEN: u32 = 64 * 1024;
/// Largest wake-up datagram accepted or produced.
pub const MAX_WAKEUP_LEN: usize = 512;
/// Largest gateway identifier carried in a wake-up datagram, in octets.
pub const MAX_GATEWAY_ID_LEN: usize = 64;
/// Octets of the wake-up nonce.
pub const NONCE_LEN: usize = 16;

tnc_wire::open_enum! {
    /// The `kind` octet of a profile frame.
    pub struct FrameKind(u8) {
        /// Gateway → GWA: send me my TNC configuration profile.
        GET_PROFILE = 1 => "Get Profile",
        /// GWA → gateway: the profile as JSON.
        PROFILE = 2 => "Profile",
        /// GWA → gateway: an error as JSON (`{"code": …, "message": …}`).
        ERROR = 3 => "Error",
    }
}
