//! A development PKI in the shape of the SM-PKI (TR-03109-4): root CA → sub-CA →
//! one GWA TLS certificate and N gateway TLS certificates (gateway id as subject
//! commonName). brainpoolP256r1 by default, NIST selectable. Certificates are
//! X.509 v3 as RFC 5280 and `openssl verify -x509_strict` want them (key
//! identifiers, critical basicConstraints and keyUsage, EKU on the leaves).
//!
//! **For tests and development only**: keys are written unencrypted.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::pki_types::CertificateDer;
use sha2::Digest;

use crate::der;
use crate::error::Error;
use crate::provider::{Curve, EcdsaSigner, Hash, SoftwareKey};

const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
const OID_ECDSA_SHA384: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03];
const OID_CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0a];
const OID_C: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x06];
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
const OID_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0f];
const OID_EXT_KEY_USAGE: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x25];
const OID_SKI: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x0e];
const OID_AKI: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x23];
const OID_SAN: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x11];
const OID_SERVER_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
const OID_CLIENT_AUTH: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];

/// Options of the development PKI.
#[derive(Debug, Clone)]
pub struct DevPkiOptions {
    /// Curve of the sub-CA and end-entity keys (default brainpoolP256r1).
    pub curve: Curve,
    /// Curve of the root CA key (default: same as `curve`).
    pub root_curve: Curve,
    /// Organisation name in all subjects.
    pub organization: String,
    /// commonName and dNSName of the GWA certificate.
    pub gwa_name: String,
    /// Gateway ids (one certificate each, id as commonName).
    pub gateway_ids: Vec<String>,
    /// Validity of every certificate in days from `not_before`.
    pub validity_days: u32,
    /// Start of validity (default: now − 1 hour).
    pub not_before: Option<SystemTime>,
}

impl Default for DevPkiOptions {
    fn default() -> Self {
        DevPkiOptions {
            curve: Curve::BrainpoolP256r1,
            root_curve: Curve::BrainpoolP256r1,
            organization: "TNC Dev PKI".into(),
            gwa_name: "gwa.localhost".into(),
            gateway_ids: vec!["EDEV0000000001".into()],
            validity_days: 365,
            not_before: None,
        }
    }
}

impl DevPkiOptions {
    /// Options with `curve` for all keys and `n` gateways named `EDEV00000000NN`.
    pub fn with_curve(curve: Curve, n: usize) -> Self {
        DevPkiOptions {
            curve,
            root_curve: curve,
            gateway_ids: (1..=n).map(|i| format!("EDEV{i:010}")).collect(),
            ..Default::default()
        }
    }
}

/// A certificate with its private key.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Subject commonName.
    pub name: String,
    /// The certificate (DER).
    pub cert: Vec<u8>,
    /// The private key.
    pub key: Arc<SoftwareKey>,
}

impl Issued {
    /// The certificate as rustls type.
    pub fn cert_der(&self) -> CertificateDer<'static> {
        CertificateDer::from(self.cert.clone())
    }
}

/// The generated PKI.
#[derive(Debug, Clone)]
pub struct DevPki {
    /// Root CA (self-signed trust anchor).
    pub root: Issued,
    /// Sub-CA (signed by the root), issues the TLS certificates.
    pub sub_ca: Issued,
    /// GWA TLS server certificate.
    pub gwa: Issued,
    /// Gateway TLS client certificates.
    pub gateways: Vec<Issued>,
}

struct Builder {
    not_before: i64,
    not_after: i64,
    org: String,
}

fn name(org: &str, cn: &str) -> Vec<u8> {
    let c = der::set(&[&der::seq(&[OID_C, &der::printable("DE")])]);
    let o = der::set(&[&der::seq(&[OID_O, &der::utf8(org)])]);
    let cn = der::set(&[&der::seq(&[OID_CN, &der::utf8(cn)])]);
    der::seq(&[&c, &o, &cn])
}

fn spki(key: &SoftwareKey) -> Vec<u8> {
    let alg = der::seq(&[OID_EC_PUBLIC_KEY, key.curve().oid_der()]);
    der::seq(&[&alg, &der::bit_string(&key.public_key_sec1())])
}

fn key_id(key: &SoftwareKey) -> Vec<u8> {
    sha2::Sha256::digest(key.public_key_sec1())[..20].to_vec()
}

fn ext(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    if critical {
        der::seq(&[oid, &[0x01, 0x01, 0xff], &der::octet_string(value)])
    } else {
        der::seq(&[oid, &der::octet_string(value)])
    }
}

enum Kind<'a> {
    Ca { path_len: Option<u8> },
    Leaf { eku: &'a [u8], dns: Option<&'a str> },
}

impl Builder {
    fn issue(
        &self,
        subject_cn: &str,
        subject_key: &SoftwareKey,
        issuer: Option<(&str, &SoftwareKey)>,
        kind: Kind<'_>,
    ) -> Result<Vec<u8>, Error> {
        let (issuer_cn, issuer_key) = issuer.unwrap_or((subject_cn, subject_key));
        let (sig_oid, hash) = match issuer_key.curve().hash() {
            Hash::Sha256 => (OID_ECDSA_SHA256, Hash::Sha256),
            _ => (OID_ECDSA_SHA384, Hash::Sha384),
        };
        let sig_alg = der::seq(&[sig_oid]);
        let mut serial = [0u8; 16];
        getrandom::fill(&mut serial).map_err(|e| Error::Pki(format!("random: {e}")))?;
        serial[0] = (serial[0] & 0x7f) | 0x01;
        let validity = der::seq(&[&der::time(self.not_before), &der::time(self.not_after)]);
        let mut exts = Vec::new();
        match kind {
            Kind::Ca { path_len } => {
                let mut bc = vec![0x01, 0x01, 0xff];
                if let Some(p) = path_len {
                    bc.extend_from_slice(&der::uint(&[p]));
                }
                exts.push(ext(OID_BASIC_CONSTRAINTS, true, &der::tlv(0x30, &bc)));
                // keyCertSign | cRLSign
                exts.push(ext(OID_KEY_USAGE, true, &[0x03, 0x02, 0x01, 0x06]));
            }
            Kind::Leaf { eku, dns } => {
                exts.push(ext(OID_BASIC_CONSTRAINTS, true, &der::seq(&[])));
                // digitalSignature
                exts.push(ext(OID_KEY_USAGE, true, &[0x03, 0x02, 0x07, 0x80]));
                exts.push(ext(OID_EXT_KEY_USAGE, false, &der::seq(&[eku])));
                if let Some(d) = dns {
                    exts.push(ext(
                        OID_SAN,
                        false,
                        &der::seq(&[&der::tlv(0x82, d.as_bytes())]),
                    ));
                }
            }
        }
        exts.push(ext(
            OID_SKI,
            false,
            &der::octet_string(&key_id(subject_key)),
        ));
        exts.push(ext(
            OID_AKI,
            false,
            &der::seq(&[&der::tlv(0x80, &key_id(issuer_key))]),
        ));
        let ext_refs: Vec<&[u8]> = exts.iter().map(|e| e.as_slice()).collect();
        let tbs = der::seq(&[
            &der::explicit(0, &der::uint(&[2])),
            &der::uint(&serial),
            &sig_alg,
            &name(&self.org, issuer_cn),
            &validity,
            &name(&self.org, subject_cn),
            &spki(subject_key),
            &der::explicit(3, &der::seq(&ext_refs)),
        ]);
        let sig = issuer_key.sign(hash, &tbs)?;
        Ok(der::seq(&[&tbs, &sig_alg, &der::bit_string(&sig)]))
    }
}

impl DevPki {
    /// Generates the PKI.
    pub fn generate(opts: &DevPkiOptions) -> Result<DevPki, Error> {
        let nb = opts
            .not_before
            .unwrap_or_else(|| SystemTime::now() - std::time::Duration::from_secs(3600));
        let nb = nb
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::Pki("not_before before 1970".into()))?
            .as_secs() as i64;
        let b = Builder {
            not_before: nb,
            not_after: nb + i64::from(opts.validity_days) * 86_400,
            org: opts.organization.clone(),
        };
        let root_key = SoftwareKey::generate(opts.root_curve)?;
        let root_cn = format!("{} Root CA", opts.organization);
        let root = b.issue(&root_cn, &root_key, None, Kind::Ca { path_len: Some(1) })?;
        let sub_key = SoftwareKey::generate(opts.curve)?;
        let sub_cn = format!("{} Sub-CA", opts.organization);
        let sub = b.issue(
            &sub_cn,
            &sub_key,
            Some((&root_cn, &root_key)),
            Kind::Ca { path_len: Some(0) },
        )?;
        let gwa_key = SoftwareKey::generate(opts.curve)?;
        let gwa = b.issue(
            &opts.gwa_name,
            &gwa_key,
            Some((&sub_cn, &sub_key)),
            Kind::Leaf {
                eku: OID_SERVER_AUTH,
                dns: Some(&opts.gwa_name),
            },
        )?;
        let mut gateways = Vec::with_capacity(opts.gateway_ids.len());
        for id in &opts.gateway_ids {
            let k = SoftwareKey::generate(opts.curve)?;
            let c = b.issue(
                id,
                &k,
                Some((&sub_cn, &sub_key)),
                Kind::Leaf {
                    eku: OID_CLIENT_AUTH,
                    dns: None,
                },
            )?;
            gateways.push(Issued {
                name: id.clone(),
                cert: c,
                key: Arc::new(k),
            });
        }
        Ok(DevPki {
            root: Issued {
                name: root_cn,
                cert: root,
                key: Arc::new(root_key),
            },
            sub_ca: Issued {
                name: sub_cn,
                cert: sub,
                key: Arc::new(sub_key),
            },
            gwa: Issued {
                name: opts.gwa_name.clone(),
                cert: gwa,
                key: Arc::new(gwa_key),
            },
            gateways,
        })
    }

    /// The chain a TLS end entity presents: leaf, then the sub-CA.
    pub fn chain_for(&self, leaf: &Issued) -> Vec<CertificateDer<'static>> {
        vec![leaf.cert_der(), self.sub_ca.cert_der()]
    }

    /// The TLS credentials of `leaf`: its chain ([`chain_for`](Self::chain_for)) and key.
    pub fn credentials(&self, leaf: &Issued) -> crate::profile::Credentials {
        crate::profile::Credentials {
            chain: self.chain_for(leaf),
            key: leaf.key.clone(),
        }
    }

    /// Writes PEM files into `dir` (created if missing): `root-ca.pem`, `sub-ca.pem`,
    /// `gwa.pem` + `gwa.key`, `gwa-chain.pem`, and per gateway `<id>.pem`,
    /// `<id>.key`, `<id>-chain.pem`. Returns the written paths.
    pub fn write_pem(&self, dir: &Path) -> Result<Vec<PathBuf>, Error> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let mut put = |file: &str, text: String| -> Result<(), Error> {
            let p = dir.join(file);
            std::fs::write(&p, text)?;
            written.push(p);
            Ok(())
        };
        put("root-ca.pem", pem("CERTIFICATE", &self.root.cert))?;
        put(
            "root-ca.key",
            pem("PRIVATE KEY", &self.root.key.to_pkcs8_der()?),
        )?;
        put("sub-ca.pem", pem("CERTIFICATE", &self.sub_ca.cert))?;
        put(
            "sub-ca.key",
            pem("PRIVATE KEY", &self.sub_ca.key.to_pkcs8_der()?),
        )?;
        let sub = pem("CERTIFICATE", &self.sub_ca.cert);
        for (base, e) in std::iter::once(("gwa".to_string(), &self.gwa))
            .chain(self.gateways.iter().map(|g| (g.name.clone(), g)))
        {
            let leaf = pem("CERTIFICATE", &e.cert);
            put(&format!("{base}.pem"), leaf.clone())?;
            put(&format!("{base}-chain.pem"), format!("{leaf}{sub}"))?;
            put(
                &format!("{base}.key"),
                pem("PRIVATE KEY", &e.key.to_pkcs8_der()?),
            )?;
        }
        Ok(written)
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// PEM encoding of `der` with `label`.
pub fn pem(label: &str, der: &[u8]) -> String {
    let mut b = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |a, (i, x)| a | (u32::from(*x) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                b.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                b.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Parses every PEM block of `text`: (label, DER).
pub fn parse_pem(text: &str) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(l) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            cur = Some((l.to_string(), String::new()));
        } else if let Some(l) = line
            .strip_prefix("-----END ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            match cur.take() {
                Some((label, body)) if label == l => out.push((label, b64_decode(&body)?)),
                _ => return Err(Error::Pki("PEM END without matching BEGIN".into())),
            }
        } else if let Some((_, body)) = cur.as_mut() {
            body.push_str(line);
        }
    }
    Ok(out)
}

fn b64_decode(s: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = B64
            .iter()
            .position(|x| *x == c)
            .ok_or_else(|| Error::Pki("invalid base64 in PEM".into()))? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Loads certificates (all `CERTIFICATE` blocks) from a PEM file.
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let text = std::fs::read_to_string(path)?;
    Ok(parse_pem(&text)?
        .into_iter()
        .filter(|(l, _)| l == "CERTIFICATE")
        .map(|(_, d)| CertificateDer::from(d))
        .collect())
}

/// Loads a private key (`PRIVATE KEY` or `EC PRIVATE KEY`) from a PEM file.
pub fn load_key(path: &Path) -> Result<SoftwareKey, Error> {
    let text = std::fs::read_to_string(path)?;
    let der = parse_pem(&text)?
        .into_iter()
        .find(|(l, _)| l == "PRIVATE KEY" || l == "EC PRIVATE KEY")
        .ok_or_else(|| Error::Pki(format!("no private key in {}", path.display())))?
        .1;
    SoftwareKey::from_der(&der)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use crate::identity::CertIdentity;

    #[test]
    fn pem_round_trip_and_identity() {
        for n in 0..5usize {
            let d: Vec<u8> = (0..n as u8 + 60).collect();
            let p = pem("X", &d);
            assert_eq!(parse_pem(&p).unwrap(), vec![("X".to_string(), d)]);
        }
        let pki = DevPki::generate(&DevPkiOptions::with_curve(Curve::BrainpoolP256r1, 2)).unwrap();
        let id = CertIdentity::from_der(&pki.gateways[1].cert).unwrap();
        assert_eq!(id.common_name.as_deref(), Some("EDEV0000000002"));
        assert_eq!(id.curve, Some(Curve::BrainpoolP256r1));
        let id = CertIdentity::from_der(&pki.gwa.cert).unwrap();
        assert_eq!(id.dns_names, vec!["gwa.localhost".to_string()]);
        assert!(id.matches("GWA.localhost"));
        assert!(!id.matches("other"));
    }
}
