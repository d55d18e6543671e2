//! The two profiles as data, and the rustls configurations built from them.
//!
//! | | [`Profile::Bsi`] (default) | [`Profile::Rfc6876`] |
//! |---|---|---|
//! | TLS 1.2 suites | ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, _AES_256_GCM_SHA384 | + ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 |
//! | TLS 1.3 suites | AES_128_GCM_SHA256, AES_256_GCM_SHA384 | + CHACHA20_POLY1305_SHA256 |
//! | groups 1.2 | brainpoolP256r1, brainpoolP384r1, secp256r1, secp384r1 | secp256r1, secp384r1 |
//! | groups 1.3 | brainpoolP256r1tls13, brainpoolP384r1tls13, secp256r1, secp384r1 | secp256r1, secp384r1 |
//! | signatures | ECDSA only (brainpool and NIST), certificates and handshake | same |
//! | client certificate | required | optional (SASL PLAIN allowed) |
//! | extended master secret | required | not required |
//! | resumption / tickets | none | none |
//! | assessments per connection | 1 | unlimited |
//! | lifetime | 48 h | unlimited |

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{ResolvesClientCert, Resumption, WebPkiServerVerifier};
use rustls::crypto::ring as base;
use rustls::crypto::{CryptoProvider, SupportedKxGroup, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{
    ClientHello, NoServerSessionStorage, ResolvesServerCert, WebPkiClientVerifier,
};
use rustls::sign::CertifiedKey;
use rustls::{
    CertificateError, CipherSuite, ClientConfig, DigitallySignedStruct, DistinguishedName,
    RootCertStore, ServerConfig, SignatureScheme, SupportedCipherSuite, Tls12CipherSuite,
};

use crate::binding::TlsUniquePrf;
use crate::error::Error;
use crate::identity::CertIdentity;
use crate::provider::{
    self, BP256_TLS12, BP256_TLS13, BP384_TLS12, BP384_TLS13, EcdsaSigner, ProfileSigningKey,
    SignMode,
};
use crate::session::{Role, SessionConfig};

/// A profile, as data: [`ProfileSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Profile {
    /// The BSI TR-03116-3 profile for SMGW ⇄ GWA.
    #[default]
    Bsi,
    /// Plain RFC 6876 PT-TLS for interoperability.
    Rfc6876,
}

/// Everything a profile fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSpec {
    /// Name.
    pub name: &'static str,
    /// TLS 1.2 cipher suites in preference order.
    pub tls12_suites: &'static [CipherSuite],
    /// TLS 1.3 cipher suites in preference order.
    pub tls13_suites: &'static [CipherSuite],
    /// Key-exchange groups (TLS code points) in preference order; each is usable only
    /// with the TLS version its code point belongs to.
    pub groups: &'static [u16],
    /// Client certificate required (mutual authentication).
    pub mutual_auth: bool,
    /// Extended master secret required (TLS 1.2).
    pub require_ems: bool,
    /// SASL client authentication phase.
    pub sasl: bool,
    /// Assessments per connection.
    pub max_assessments: Option<u32>,
    /// Longest connection lifetime.
    pub lifetime: Option<Duration>,
}

/// The BSI profile.
pub const BSI: ProfileSpec = ProfileSpec {
    name: "BSI TR-03116-3",
    tls12_suites: &[
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ],
    tls13_suites: &[
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384,
    ],
    groups: &[
        provider::BRAINPOOL_P256R1,
        provider::BRAINPOOL_P256R1_TLS13,
        0x0017,
        provider::BRAINPOOL_P384R1,
        provider::BRAINPOOL_P384R1_TLS13,
        0x0018,
    ],
    mutual_auth: true,
    require_ems: true,
    sasl: false,
    max_assessments: Some(1),
    lifetime: Some(Duration::from_secs(48 * 3600)),
};

/// The plain RFC 6876 profile.
pub const RFC6876: ProfileSpec = ProfileSpec {
    name: "RFC 6876",
    tls12_suites: &[
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ],
    tls13_suites: &[
        CipherSuite::TLS13_AES_128_GCM_SHA256,
        CipherSuite::TLS13_AES_256_GCM_SHA384,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    ],
    groups: &[0x0017, 0x0018],
    mutual_auth: false,
    require_ems: false,
    sasl: true,
    max_assessments: None,
    lifetime: None,
};

impl Profile {
    /// The profile's data.
    pub const fn spec(self) -> &'static ProfileSpec {
        match self {
            Profile::Bsi => &BSI,
            Profile::Rfc6876 => &RFC6876,
        }
    }

    /// The PT-TLS session configuration of the profile.
    pub fn session_config(self, role: Role) -> SessionConfig {
        match self {
            Profile::Bsi => SessionConfig::bsi(role),
            Profile::Rfc6876 => SessionConfig::rfc6876(role),
        }
    }
}

fn kx_group(code: u16) -> Option<&'static dyn SupportedKxGroup> {
    Some(match code {
        0x0017 => base::kx_group::SECP256R1,
        0x0018 => base::kx_group::SECP384R1,
        provider::BRAINPOOL_P256R1 => &BP256_TLS12,
        provider::BRAINPOOL_P384R1 => &BP384_TLS12,
        provider::BRAINPOOL_P256R1_TLS13 => &BP256_TLS13,
        provider::BRAINPOOL_P384R1_TLS13 => &BP384_TLS13,
        _ => return None,
    })
}

/// The base provider's suite `cs`; TLS 1.2 suites get the tls-unique PRF wrapper.
fn suite(cs: CipherSuite) -> Option<SupportedCipherSuite> {
    static WRAPPED: LazyLock<Vec<SupportedCipherSuite>> = LazyLock::new(|| {
        base::ALL_CIPHER_SUITES
            .iter()
            .map(|s| match s {
                SupportedCipherSuite::Tls12(t) => {
                    let prf: &'static TlsUniquePrf =
                        Box::leak(Box::new(TlsUniquePrf::new(t.prf_provider)));
                    let w: &'static Tls12CipherSuite = Box::leak(Box::new(Tls12CipherSuite {
                        common: rustls::crypto::CipherSuiteCommon {
                            suite: t.common.suite,
                            hash_provider: t.common.hash_provider,
                            confidentiality_limit: t.common.confidentiality_limit,
                        },
                        prf_provider: prf,
                        kx: t.kx,
                        sign: t.sign,
                        aead_alg: t.aead_alg,
                    }));
                    SupportedCipherSuite::Tls12(w)
                }
                other => *other,
            })
            .collect()
    });
    WRAPPED.iter().find(|s| s.suite() == cs).copied()
}

type Alg = &'static dyn SignatureVerificationAlgorithm;

struct Algs {
    tls12: WebPkiSupportedAlgorithms,
    tls13: WebPkiSupportedAlgorithms,
    schemes: Vec<SignatureScheme>,
}

static ALGS: LazyLock<Algs> = LazyLock::new(|| {
    let ring = base::default_provider().signature_verification_algorithms;
    let of = |s: SignatureScheme| -> Vec<Alg> {
        ring.mapping
            .iter()
            .find(|(x, _)| *x == s)
            .map(|(_, a)| a.to_vec())
            .unwrap_or_default()
    };
    // ring: 0x0403 -> [P256_SHA256, P384_SHA256], 0x0503 -> [P384_SHA384, P256_SHA384]
    let nist256 = of(SignatureScheme::ECDSA_NISTP256_SHA256);
    let nist384 = of(SignatureScheme::ECDSA_NISTP384_SHA384);
    let leak = |v: Vec<Alg>| -> &'static [Alg] { Box::leak(v.into_boxed_slice()) };
    let mut s256 = nist256.clone();
    s256.extend([
        &provider::ECDSA_BP256_SHA256 as Alg,
        &provider::ECDSA_BP384_SHA256,
    ]);
    let mut s384 = nist384.clone();
    s384.extend([
        &provider::ECDSA_BP384_SHA384 as Alg,
        &provider::ECDSA_BP256_SHA384,
    ]);
    let s512: Vec<Alg> = vec![&provider::ECDSA_BP256_SHA512, &provider::ECDSA_BP384_SHA512];
    let mut all = s256.clone();
    all.extend(s384.iter().copied());
    all.extend(s512.iter().copied());
    let all = leak(all);
    let tls12 = WebPkiSupportedAlgorithms {
        all,
        mapping: Box::leak(
            vec![
                (SignatureScheme::ECDSA_NISTP256_SHA256, leak(s256)),
                (SignatureScheme::ECDSA_NISTP384_SHA384, leak(s384)),
                (SignatureScheme::ECDSA_NISTP521_SHA512, leak(s512)),
            ]
            .into_boxed_slice(),
        ),
    };
    let tls13 = WebPkiSupportedAlgorithms {
        all,
        mapping: Box::leak(
            vec![
                (
                    SignatureScheme::ECDSA_NISTP256_SHA256,
                    leak(nist256.into_iter().take(1).collect()),
                ),
                (
                    SignatureScheme::ECDSA_NISTP384_SHA384,
                    leak(nist384.into_iter().take(1).collect()),
                ),
                (
                    provider::ECDSA_BRAINPOOLP256R1TLS13_SHA256,
                    leak(vec![&provider::ECDSA_BP256_SHA256]),
                ),
                (
                    provider::ECDSA_BRAINPOOLP384R1TLS13_SHA384,
                    leak(vec![&provider::ECDSA_BP384_SHA384]),
                ),
            ]
            .into_boxed_slice(),
        ),
    };
    Algs {
        tls12,
        tls13,
        schemes: vec![
            SignatureScheme::ECDSA_NISTP256_SHA256,
            SignatureScheme::ECDSA_NISTP384_SHA384,
            SignatureScheme::ECDSA_NISTP521_SHA512,
            provider::ECDSA_BRAINPOOLP256R1TLS13_SHA256,
            provider::ECDSA_BRAINPOOLP384R1TLS13_SHA384,
        ],
    }
});

/// A certificate chain and the key that goes with its end entity.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// End entity first, then intermediates (not the root).
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key (software or secure element).
    pub key: Arc<dyn EcdsaSigner>,
}

/// TLS settings: a profile plus local restrictions.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    /// The profile.
    pub profile: Profile,
    /// Offer/accept TLS 1.2.
    pub tls12: bool,
    /// Offer/accept TLS 1.3.
    pub tls13: bool,
    /// Restrict (and order) the groups to these code points (must be in the profile).
    pub groups: Option<Vec<u16>>,
    /// Restrict the cipher suites (must be in the profile).
    pub suites: Option<Vec<CipherSuite>>,
    /// Expected peer name: matched against the peer certificate's commonName or
    /// dNSNames (GWA name on the gateway, gateway id on the GWA). `None`: any
    /// certificate that chains to the roots.
    pub expected_peer: Option<String>,
}

impl TlsSettings {
    /// The profile with both TLS versions and all its groups and suites.
    pub fn new(profile: Profile) -> Self {
        TlsSettings {
            profile,
            tls12: true,
            tls13: true,
            groups: None,
            suites: None,
            expected_peer: None,
        }
    }

    /// The rustls provider for these settings.
    pub fn crypto_provider(&self) -> Result<CryptoProvider, Error> {
        let spec = self.profile.spec();
        let mut suites = Vec::new();
        let mut add = |list: &[CipherSuite]| {
            for cs in list {
                if self.suites.as_ref().is_none_or(|s| s.contains(cs)) {
                    if let Some(s) = suite(*cs) {
                        suites.push(s);
                    }
                }
            }
        };
        if self.tls13 {
            add(spec.tls13_suites);
        }
        if self.tls12 {
            add(spec.tls12_suites);
        }
        let codes: Vec<u16> = match &self.groups {
            Some(g) => g
                .iter()
                .copied()
                .filter(|c| spec.groups.contains(c))
                .collect(),
            None => spec.groups.to_vec(),
        };
        let kx_groups: Vec<&'static dyn SupportedKxGroup> =
            codes.into_iter().filter_map(kx_group).collect();
        if suites.is_empty() || kx_groups.is_empty() {
            return Err(Error::Config(
                "no cipher suite or group left after the restrictions".into(),
            ));
        }
        let b = base::default_provider();
        Ok(CryptoProvider {
            cipher_suites: suites,
            kx_groups,
            signature_verification_algorithms: ALGS.tls12,
            secure_random: b.secure_random,
            key_provider: b.key_provider,
        })
    }

    fn versions(&self) -> Vec<&'static rustls::SupportedProtocolVersion> {
        let mut v = Vec::new();
        if self.tls13 {
            v.push(&rustls::version::TLS13);
        }
        if self.tls12 {
            v.push(&rustls::version::TLS12);
        }
        v
    }

    fn roots(roots: &[CertificateDer<'static>]) -> Result<Arc<RootCertStore>, Error> {
        let mut store = RootCertStore::empty();
        for r in roots {
            store
                .add(r.clone())
                .map_err(|e| Error::Config(format!("trust anchor: {e}")))?;
        }
        Ok(Arc::new(store))
    }

    /// The name the client passes to rustls (SNI, and what the verifier sees).
    pub fn server_name(&self) -> ServerName<'static> {
        self.expected_peer
            .as_deref()
            .and_then(|n| ServerName::try_from(n.to_string()).ok())
            .unwrap_or_else(|| {
                ServerName::try_from("pt-tls.invalid")
                    .map(|n| n.to_owned())
                    .unwrap_or(ServerName::IpAddress(std::net::Ipv4Addr::LOCALHOST.into()))
            })
    }

    /// The client (gateway) configuration.
    pub fn client_config(
        &self,
        roots: &[CertificateDer<'static>],
        creds: Option<&Credentials>,
    ) -> Result<Arc<ClientConfig>, Error> {
        let spec = self.profile.spec();
        let provider = Arc::new(self.crypto_provider()?);
        let inner =
            WebPkiServerVerifier::builder_with_provider(Self::roots(roots)?, provider.clone())
                .build()
                .map_err(|e| Error::Config(format!("server verifier: {e}")))?;
        let verifier = Arc::new(ProfileServerVerifier {
            inner,
            expected: self.expected_peer.clone(),
        });
        let b = ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&self.versions())?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut cfg = match creds {
            Some(c) => b.with_client_cert_resolver(Arc::new(ClientResolver {
                key: Arc::new(CertifiedKey::new(
                    c.chain.clone(),
                    Arc::new(ProfileSigningKey::new(c.key.clone(), SignMode::Auto)),
                )),
            })),
            None if spec.mutual_auth => {
                return Err(Error::Config(
                    "the BSI profile requires a client certificate".into(),
                ));
            }
            None => b.with_no_client_auth(),
        };
        cfg.resumption = Resumption::disabled();
        cfg.require_ems = spec.require_ems;
        cfg.enable_early_data = false;
        Ok(Arc::new(cfg))
    }

    /// The server (GWA) configuration.
    pub fn server_config(
        &self,
        roots: &[CertificateDer<'static>],
        creds: &Credentials,
    ) -> Result<Arc<ServerConfig>, Error> {
        let spec = self.profile.spec();
        let provider = Arc::new(self.crypto_provider()?);
        let mut vb =
            WebPkiClientVerifier::builder_with_provider(Self::roots(roots)?, provider.clone());
        if !spec.mutual_auth {
            vb = vb.allow_unauthenticated();
        }
        let inner = vb
            .build()
            .map_err(|e| Error::Config(format!("client verifier: {e}")))?;
        let verifier = Arc::new(ProfileClientVerifier {
            inner,
            expected: self.expected_peer.clone(),
        });
        let mk = |mode| {
            Arc::new(CertifiedKey::new(
                creds.chain.clone(),
                Arc::new(ProfileSigningKey::new(creds.key.clone(), mode)),
            ))
        };
        let resolver = Arc::new(ServerResolver {
            tls12: mk(SignMode::Tls12),
            tls13: mk(SignMode::Tls13),
            tls13_enabled: self.tls13,
        });
        let mut cfg = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&self.versions())?
            .with_client_cert_verifier(verifier)
            .with_cert_resolver(resolver);
        cfg.session_storage = Arc::new(NoServerSessionStorage {});
        cfg.send_tls13_tickets = 0;
        cfg.require_ems = spec.require_ems;
        cfg.max_early_data_size = 0;
        Ok(Arc::new(cfg))
    }
}

fn check_expected(
    expected: &Option<String>,
    end_entity: &CertificateDer<'_>,
) -> Result<(), rustls::Error> {
    if let Some(name) = expected {
        let id = CertIdentity::from_der(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        if !id.matches(name) {
            return Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName,
            ));
        }
    }
    Ok(())
}

/// Server-certificate verifier: chain to the configured roots (webpki, ECDSA only,
/// brainpool included), optional expected-name check on commonName/dNSName instead
/// of DNS hostname matching, handshake signatures per TLS version.
#[derive(Debug)]
struct ProfileServerVerifier {
    inner: Arc<WebPkiServerVerifier>,
    expected: Option<String>,
}

impl ServerCertVerifier for ProfileServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Ok(_) => {}
            // the chain is fine (rustls checks the name last); names are ours to check
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => {}
            Err(e) => return Err(e),
        }
        check_expected(&self.expected, end_entity)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &ALGS.tls12)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &ALGS.tls13)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        ALGS.schemes.clone()
    }
}

#[derive(Debug)]
struct ProfileClientVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    expected: Option<String>,
}

impl ClientCertVerifier for ProfileClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.inner
            .verify_client_cert(end_entity, intermediates, now)?;
        check_expected(&self.expected, end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &ALGS.tls12)
    }

    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &ALGS.tls13)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        ALGS.schemes.clone()
    }
}

#[derive(Debug)]
struct ClientResolver {
    key: Arc<CertifiedKey>,
}

impl ResolvesClientCert for ClientResolver {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.key.clone())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[derive(Debug)]
struct ServerResolver {
    tls12: Arc<CertifiedKey>,
    tls13: Arc<CertifiedKey>,
    tls13_enabled: bool,
}

impl ResolvesServerCert for ServerResolver {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // rustls picks TLS 1.3 whenever both sides can; a client that can offers 1.3 suites
        let tls13 = self.tls13_enabled
            && hello.cipher_suites().iter().any(|s| {
                matches!(
                    *s,
                    CipherSuite::TLS13_AES_128_GCM_SHA256
                        | CipherSuite::TLS13_AES_256_GCM_SHA384
                        | CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
                )
            });
        Some(if tls13 {
            self.tls13.clone()
        } else {
            self.tls12.clone()
        })
    }
}
