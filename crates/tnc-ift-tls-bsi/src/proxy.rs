//! The PROXY protocol, version 2 (binary), as a TCP load balancer in front of several GWA
//! instances sends it (HAProxy `send-proxy-v2`): a header before the TLS handshake that names
//! the original client's address, so the GWA records the gateway's address and not the
//! balancer's. TLS stays end to end; the balancer does not see inside.
//!
//! Only enable it on a listener that is reachable solely through the balancer: whoever can
//! connect directly could otherwise claim any source address. With it enabled, a connection
//! without a valid header is closed before the handshake.
//!
//! Header layout (12-octet signature, version/command, family/transport, 16-bit length, then
//! the addresses and optional TLVs, which are skipped):
//!
//! ```text
//! 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A | 2x | ft | len (BE) | addresses … | TLVs …
//! ```
//!
//! ```
//! use tnc_ift_tls_bsi::proxy::{ProxyHeader, parse_v2};
//! let mut h = vec![0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];
//! h.extend_from_slice(&[0x21, 0x11, 0x00, 0x0C]); // v2 PROXY, TCP over IPv4, 12 octets
//! h.extend_from_slice(&[192, 0, 2, 7, 127, 0, 0, 1, 0xC3, 0x50, 0x0A, 0x96]);
//! let (hdr, used) = parse_v2(&h).unwrap().unwrap();
//! assert_eq!(used, h.len());
//! assert_eq!(hdr.source.unwrap().to_string(), "192.0.2.7:50000");
//! ```

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::error::Error;

/// The 12-octet signature that starts every version 2 header.
pub const SIGNATURE: [u8; 12] = [
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
];

/// Fixed part: signature, version/command, family/transport, length.
pub const FIXED_LEN: usize = 16;

/// Largest address-and-TLV part accepted (UNIX addresses take 216 octets; TLVs a balancer may
/// add, such as a unique id, fit well below this). Longer headers are refused before anything
/// is buffered.
pub const MAX_PAYLOAD: usize = 1024;

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyHeader {
    /// `true` for LOCAL (the balancer's own connection, e.g. a health check): no client
    /// address; the connection's own addresses apply.
    pub local: bool,
    /// The original client's address (TCP over IPv4 or IPv6 only).
    pub source: Option<SocketAddr>,
    /// The address the client connected to (the balancer's frontend).
    pub destination: Option<SocketAddr>,
}

fn bad(reason: &'static str) -> Error {
    Error::ProxyHeader(reason)
}

/// Parses a version 2 header at the start of `buf`: `Ok(None)` when more octets are needed,
/// else the header and how many octets it took.
pub fn parse_v2(buf: &[u8]) -> Result<Option<(ProxyHeader, usize)>, Error> {
    let sig_part = buf.len().min(SIGNATURE.len());
    if buf[..sig_part] != SIGNATURE[..sig_part] {
        return Err(bad("no PROXY protocol v2 signature"));
    }
    if buf.len() < FIXED_LEN {
        return Ok(None);
    }
    let ver_cmd = buf[12];
    if ver_cmd >> 4 != 2 {
        return Err(bad("PROXY protocol version is not 2"));
    }
    let local = match ver_cmd & 0x0F {
        0 => true,
        1 => false,
        _ => return Err(bad("unknown PROXY protocol command")),
    };
    let fam = buf[13];
    let len = usize::from(u16::from_be_bytes([buf[14], buf[15]]));
    if len > MAX_PAYLOAD {
        return Err(bad("PROXY protocol header too long"));
    }
    let total = FIXED_LEN + len;
    if buf.len() < total {
        return Ok(None);
    }
    let body = &buf[FIXED_LEN..total];
    let port = |b: &[u8]| u16::from_be_bytes([b[0], b[1]]);
    let (source, destination) = match (local, fam) {
        (true, _) => (None, None),
        // TCP over IPv4
        (false, 0x11) => {
            if body.len() < 12 {
                return Err(bad("PROXY protocol IPv4 addresses truncated"));
            }
            let src = Ipv4Addr::new(body[0], body[1], body[2], body[3]);
            let dst = Ipv4Addr::new(body[4], body[5], body[6], body[7]);
            (
                Some(SocketAddr::from((src, port(&body[8..10])))),
                Some(SocketAddr::from((dst, port(&body[10..12])))),
            )
        }
        // TCP over IPv6
        (false, 0x21) => {
            if body.len() < 36 {
                return Err(bad("PROXY protocol IPv6 addresses truncated"));
            }
            let mut s = [0u8; 16];
            let mut d = [0u8; 16];
            s.copy_from_slice(&body[..16]);
            d.copy_from_slice(&body[16..32]);
            (
                Some(SocketAddr::from((Ipv6Addr::from(s), port(&body[32..34])))),
                Some(SocketAddr::from((Ipv6Addr::from(d), port(&body[34..36])))),
            )
        }
        // PT-TLS runs over TCP; anything else through a PROXY header is not ours
        (false, _) => return Err(bad("PROXY protocol family is not TCP over IPv4/IPv6")),
    };
    Ok(Some((
        ProxyHeader {
            local,
            source,
            destination,
        },
        total,
    )))
}

/// Reads exactly one version 2 header from `io` (never more octets than the header holds, so
/// the TLS handshake that follows is untouched).
pub async fn read_v2<R: tokio::io::AsyncRead + Unpin>(io: &mut R) -> Result<ProxyHeader, Error> {
    use tokio::io::AsyncReadExt;
    let mut fixed = [0u8; FIXED_LEN];
    io.read_exact(&mut fixed).await?;
    // validates the fixed part (and the length bound) before the rest is read
    if let Some((h, _)) = parse_v2(&fixed)? {
        return Ok(h);
    }
    let len = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    let mut buf = vec![0u8; FIXED_LEN + len];
    buf[..FIXED_LEN].copy_from_slice(&fixed);
    io.read_exact(&mut buf[FIXED_LEN..]).await?;
    match parse_v2(&buf)? {
        Some((h, _)) => Ok(h),
        None => Err(bad("PROXY protocol header incomplete")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn v4(cmd: u8, extra: &[u8]) -> Vec<u8> {
        let mut h = SIGNATURE.to_vec();
        let body_len = 12 + extra.len();
        h.extend_from_slice(&[0x20 | cmd, 0x11]);
        h.extend_from_slice(&(body_len as u16).to_be_bytes());
        h.extend_from_slice(&[10, 1, 2, 3, 127, 0, 0, 1, 0x12, 0x34, 0x0A, 0x96]);
        h.extend_from_slice(extra);
        h
    }

    #[test]
    fn ipv4_ipv6_local_and_tlvs() {
        let h = v4(1, &[0x05, 0x00, 0x02, 0xAB, 0xCD]); // a UNIQUE_ID TLV, skipped
        let (p, n) = parse_v2(&h).unwrap().unwrap();
        assert_eq!(n, h.len());
        assert!(!p.local);
        assert_eq!(p.source, Some("10.1.2.3:4660".parse().unwrap()));
        assert_eq!(p.destination, Some("127.0.0.1:2710".parse().unwrap()));

        let mut h6 = SIGNATURE.to_vec();
        h6.extend_from_slice(&[0x21, 0x21, 0x00, 36]);
        let mut body = [0u8; 36];
        body[15] = 1; // ::1
        body[31] = 2; // ::2
        body[32..34].copy_from_slice(&443u16.to_be_bytes());
        body[34..36].copy_from_slice(&271u16.to_be_bytes());
        h6.extend_from_slice(&body);
        let (p, _) = parse_v2(&h6).unwrap().unwrap();
        assert_eq!(p.source, Some("[::1]:443".parse().unwrap()));
        assert_eq!(p.destination, Some("[::2]:271".parse().unwrap()));

        let (p, _) = parse_v2(&v4(0, &[])).unwrap().unwrap();
        assert!(p.local);
        assert_eq!(p.source, None);
    }

    #[test]
    fn every_prefix_asks_for_more_and_tls_data_stays() {
        let mut h = v4(1, &[]);
        let n = h.len();
        for i in 0..n {
            assert!(parse_v2(&h[..i]).unwrap().is_none(), "prefix {i}");
        }
        h.extend_from_slice(&[0x16, 0x03, 0x01]); // a ClientHello begins
        assert_eq!(parse_v2(&h).unwrap().unwrap().1, n);
    }

    #[test]
    fn malformed_headers_are_refused() {
        // a TLS ClientHello where a header must be
        assert!(parse_v2(&[0x16, 0x03, 0x01, 0x00]).is_err());
        // PROXY v1 text is not accepted
        assert!(parse_v2(b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n").is_err());
        let mut h = v4(1, &[]);
        h[12] = 0x11; // version 1 in the binary form
        assert!(parse_v2(&h).is_err());
        let mut h = v4(1, &[]);
        h[12] = 0x22; // unknown command
        assert!(parse_v2(&h).is_err());
        let mut h = v4(1, &[]);
        h[13] = 0x12; // UDP
        assert!(parse_v2(&h).is_err());
        let mut h = v4(1, &[]);
        h[14..16].copy_from_slice(&8u16.to_be_bytes()); // too short for IPv4 addresses
        h.truncate(FIXED_LEN + 8);
        assert!(parse_v2(&h).is_err());
        let mut h = v4(1, &[]);
        h[14..16].copy_from_slice(&u16::MAX.to_be_bytes()); // bounded before buffering
        assert!(matches!(
            parse_v2(&h[..FIXED_LEN]),
            Err(Error::ProxyHeader(_))
        ));
    }

    #[test]
    fn garbage_never_panics() {
        let mut x: u32 = 0x1234_5678;
        for len in 0..64 {
            let mut b = SIGNATURE.to_vec();
            for _ in 0..len {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                b.push(x as u8);
            }
            let _ = parse_v2(&b);
        }
    }

    #[tokio::test]
    async fn read_takes_exactly_the_header() {
        let mut h = v4(1, &[0x05, 0x00, 0x01, 0x07]);
        let n = h.len();
        h.extend_from_slice(b"TLS");
        let mut r = &h[..];
        let p = read_v2(&mut r).await.unwrap();
        assert_eq!(p.source, Some("10.1.2.3:4660".parse().unwrap()));
        assert_eq!(r, b"TLS", "{n} header octets consumed, not more");
        let mut short = &h[..10];
        assert!(read_v2(&mut short).await.is_err());
    }
}
