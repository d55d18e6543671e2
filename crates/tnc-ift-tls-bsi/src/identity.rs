//! What a connection tells its caller about the peer: certificate identity,
//! negotiated TLS parameters and channel binding.

use crate::binding::ChannelBinding;
use crate::der::{self, DerReader};
use crate::error::Error;
use crate::provider::Curve;

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];

/// Identity fields of an X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CertIdentity {
    /// Subject commonName (the gateway id for gateway certificates).
    pub common_name: Option<String>,
    /// subjectAltName dNSName entries.
    pub dns_names: Vec<String>,
    /// Curve of the subject's EC public key, if it is one of the profile's curves.
    pub curve: Option<Curve>,
    /// Start of validity (unix seconds).
    pub not_before: i64,
    /// End of validity (unix seconds, inclusive).
    pub not_after: i64,
}

impl CertIdentity {
    /// Seconds until the certificate expires at `now` (unix seconds); negative once expired.
    pub fn expires_in(&self, now: i64) -> i64 {
        self.not_after.saturating_sub(now)
    }
}

impl CertIdentity {
    /// Parses the identity of a DER certificate.
    pub fn from_der(cert: &[u8]) -> Result<CertIdentity, Error> {
        let mut outer = DerReader::new(cert);
        let mut c = DerReader::new(outer.expect(0x30)?);
        let mut tbs = DerReader::new(c.expect(0x30)?);
        let (mut tag, _) = tbs.read_tlv()?;
        if tag == 0xa0 {
            tag = tbs.read_tlv()?.0; // serial
        }
        if tag != 0x02 {
            return Err(Error::Pki("certificate: serial number expected".into()));
        }
        tbs.expect(0x30)?; // signature algorithm
        tbs.expect(0x30)?; // issuer
        let mut validity = DerReader::new(tbs.expect(0x30)?);
        let (t1, v1) = validity.read_tlv()?;
        let (t2, v2) = validity.read_tlv()?;
        let (not_before, not_after) = (der::parse_time(t1, v1)?, der::parse_time(t2, v2)?);
        let subject = tbs.expect(0x30)?;
        let spki = tbs.expect(0x30)?;
        let mut id = CertIdentity {
            not_before,
            not_after,
            ..CertIdentity::default()
        };
        let mut rdns = DerReader::new(subject);
        while !rdns.is_empty() {
            let mut set = DerReader::new(rdns.expect(0x31)?);
            while !set.is_empty() {
                let mut atv = DerReader::new(set.expect(0x30)?);
                let oid = atv.expect(0x06)?;
                let (_, val) = atv.read_tlv()?;
                if oid == OID_CN {
                    id.common_name = Some(String::from_utf8_lossy(val).into_owned());
                }
            }
        }
        let mut spki = DerReader::new(spki);
        let mut alg = DerReader::new(spki.expect(0x30)?);
        if alg.expect(0x06)? == OID_EC_PUBLIC_KEY {
            if let Ok(curve_oid) = alg.expect(0x06) {
                id.curve = [
                    Curve::P256,
                    Curve::P384,
                    Curve::BrainpoolP256r1,
                    Curve::BrainpoolP384r1,
                ]
                .into_iter()
                .find(|c| &c.oid_der()[2..] == curve_oid);
            }
        }
        while !tbs.is_empty() {
            let (tag, content) = tbs.read_tlv()?;
            if tag != 0xa3 {
                continue;
            }
            let mut exts = DerReader::new(DerReader::new(content).expect(0x30)?);
            while !exts.is_empty() {
                let mut ext = DerReader::new(exts.expect(0x30)?);
                let oid = ext.expect(0x06)?;
                let (mut t, mut v) = ext.read_tlv()?;
                if t == 0x01 {
                    (t, v) = ext.read_tlv()?;
                }
                if oid != OID_SAN || t != 0x04 {
                    continue;
                }
                let mut names = DerReader::new(DerReader::new(v).expect(0x30)?);
                while !names.is_empty() {
                    let (t, n) = names.read_tlv()?;
                    if t == 0x82 {
                        id.dns_names.push(String::from_utf8_lossy(n).into_owned());
                    }
                }
            }
        }
        Ok(id)
    }

    /// True if `name` equals the commonName or one of the dNSNames (ASCII case-insensitive).
    pub fn matches(&self, name: &str) -> bool {
        self.common_name
            .iter()
            .chain(self.dns_names.iter())
            .any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// What a caller learns about an established PT-TLS connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// Negotiated TLS version.
    pub tls_version: rustls::ProtocolVersion,
    /// Negotiated cipher suite.
    pub cipher_suite: rustls::CipherSuite,
    /// Negotiated key-exchange group (e.g. `NamedGroup::Unknown(0x1a)` = brainpoolP256r1).
    pub group: Option<rustls::NamedGroup>,
    /// The peer's end-entity certificate identity.
    pub peer: CertIdentity,
    /// The peer's certificate chain (DER), end entity first.
    pub peer_chain: Vec<Vec<u8>>,
    /// The connection's channel binding.
    pub channel_binding: ChannelBinding,
    /// The peer's TCP address, when the connection came through a socket (set by the tokio
    /// adapters in [`net`](crate::net); `None` for in-memory connections).
    /// With a PROXY protocol header (see [`proxy`](crate::proxy)) the server takes it from the
    /// header: the original client, not the balancer.
    pub peer_addr: Option<std::net::SocketAddr>,
    /// This end's TCP address (set by the tokio adapters). A gateway behind NAT or a balancer
    /// can match it with the `peer_addr` the GWA recorded.
    pub local_addr: Option<std::net::SocketAddr>,
}

impl ConnectionInfo {
    /// Collects the information of a completed handshake (takes the tls-unique value).
    pub fn from_connection<D>(conn: &rustls::ConnectionCommon<D>) -> Result<ConnectionInfo, Error> {
        let tls_version = conn
            .protocol_version()
            .ok_or(Error::State("handshake not complete"))?;
        let cipher_suite = conn
            .negotiated_cipher_suite()
            .ok_or(Error::State("handshake not complete"))?
            .suite();
        let group = conn.negotiated_key_exchange_group().map(|g| g.name());
        let peer_chain: Vec<Vec<u8>> = conn
            .peer_certificates()
            .map(|c| c.iter().map(|c| c.as_ref().to_vec()).collect())
            .unwrap_or_default();
        let peer = match peer_chain.first() {
            Some(c) => CertIdentity::from_der(c)?,
            None => CertIdentity::default(),
        };
        Ok(ConnectionInfo {
            tls_version,
            cipher_suite,
            group,
            peer,
            peer_chain,
            channel_binding: crate::binding::channel_binding(conn)?,
            peer_addr: None,
            local_addr: None,
        })
    }
}
