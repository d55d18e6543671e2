//! The rustls [`CryptoProvider`](rustls::crypto::CryptoProvider) of the BSI profile: NIST curves, AES-GCM suites and
//! randomness from rustls's `ring` provider; brainpoolP256r1/P384r1 key exchange,
//! ECDSA signing and ECDSA signature verification from RustCrypto (`bp256`/`bp384`),
//! carried as `NamedGroup::Unknown(0x1a/0x1b/0x1f/0x20)` and signature schemes
//! 0x0403/0x0503/0x0603 (TLS 1.2, curve from the certificate) and 0x081A/0x081B (TLS 1.3).
//!
//! # Private keys and secure elements
//!
//! The local private key sits behind the [`EcdsaSigner`] trait: it is asked to sign a
//! message with a given hash and returns an ASN.1 DER ECDSA signature. [`SoftwareKey`]
//! implements it in software; a gateway's security module (TR-03109-2) implements the
//! same trait by sending the hash to the chip (over PACE/secure messaging) and
//! returning the chip's signature — the key never leaves it. [`ProfileSigningKey`]
//! adapts any `EcdsaSigner` to rustls's `SigningKey`/`Signer` traits and picks the
//! TLS signature scheme for the curve and TLS version.

use std::fmt;
use std::sync::Arc;

use ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use elliptic_curve::sec1::ToSec1Point;
use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::pki_types::{
    AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id,
};
use rustls::{NamedGroup, PeerMisbehaved, ProtocolVersion, SignatureAlgorithm, SignatureScheme};
use sha2::Digest;

use crate::error::Error;

/// TLS code point of brainpoolP256r1 for TLS 1.2 (RFC 7027).
pub const BRAINPOOL_P256R1: u16 = 0x001a;
/// TLS code point of brainpoolP384r1 for TLS 1.2 (RFC 7027).
pub const BRAINPOOL_P384R1: u16 = 0x001b;
/// TLS code point of brainpoolP256r1tls13 (RFC 8734).
pub const BRAINPOOL_P256R1_TLS13: u16 = 0x001f;
/// TLS code point of brainpoolP384r1tls13 (RFC 8734).
pub const BRAINPOOL_P384R1_TLS13: u16 = 0x0020;
/// ecdsa_brainpoolP256r1tls13_sha256 (RFC 8734).
pub const ECDSA_BRAINPOOLP256R1TLS13_SHA256: SignatureScheme = SignatureScheme::Unknown(0x081a);
/// ecdsa_brainpoolP384r1tls13_sha384 (RFC 8734).
pub const ECDSA_BRAINPOOLP384R1TLS13_SHA384: SignatureScheme = SignatureScheme::Unknown(0x081b);

/// The elliptic curves of the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Curve {
    /// NIST P-256 (secp256r1).
    P256,
    /// NIST P-384 (secp384r1).
    P384,
    /// brainpoolP256r1 (the SM-PKI end-entity curve).
    BrainpoolP256r1,
    /// brainpoolP384r1.
    BrainpoolP384r1,
}

impl Curve {
    /// Every curve of the profile.
    pub const ALL: [Curve; 4] = [
        Curve::P256,
        Curve::P384,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP384r1,
    ];

    /// The curve's usual name (`P-256`, `P-384`, `brainpoolP256r1`, `brainpoolP384r1`).
    pub const fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
        }
    }

    /// The curve named `s` (case-insensitive; `-`/`_` ignored; also `secp256r1`,
    /// `prime256v1`, `secp384r1`, `bp256`, `bp384`).
    pub fn from_name(s: &str) -> Option<Curve> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "p256" | "secp256r1" | "prime256v1" => Some(Curve::P256),
            "p384" | "secp384r1" => Some(Curve::P384),
            "bp256" | "brainpoolp256r1" => Some(Curve::BrainpoolP256r1),
            "bp384" | "brainpoolp384r1" => Some(Curve::BrainpoolP384r1),
            _ => None,
        }
    }

    /// DER of the curve's OBJECT IDENTIFIER (tag and length included).
    pub const fn oid_der(self) -> &'static [u8] {
        match self {
            Curve::P256 => &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
            Curve::P384 => &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22],
            Curve::BrainpoolP256r1 => &[
                0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07,
            ],
            Curve::BrainpoolP384r1 => &[
                0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x0b,
            ],
        }
    }

    /// The hash that goes with the curve's size.
    pub const fn hash(self) -> Hash {
        match self {
            Curve::P256 | Curve::BrainpoolP256r1 => Hash::Sha256,
            Curve::P384 | Curve::BrainpoolP384r1 => Hash::Sha384,
        }
    }

    /// The curve's name as OpenSSL spells it.
    pub const fn openssl_name(self) -> &'static str {
        match self {
            Curve::P256 => "prime256v1",
            Curve::P384 => "secp384r1",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
        }
    }
}

/// Hash functions used with ECDSA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hash {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// Hashes `m`.
    pub fn digest(self, m: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(m).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(m).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(m).to_vec(),
        }
    }

    /// The TLS 1.2 `(hash, ecdsa)` signature scheme.
    pub const fn tls12_scheme(self) -> SignatureScheme {
        match self {
            Hash::Sha256 => SignatureScheme::ECDSA_NISTP256_SHA256,
            Hash::Sha384 => SignatureScheme::ECDSA_NISTP384_SHA384,
            Hash::Sha512 => SignatureScheme::ECDSA_NISTP521_SHA512,
        }
    }
}

// ---------------------------------------------------------------- random

fn random_field<const N: usize>() -> Result<[u8; N], rustls::Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|_| rustls::Error::FailedToGetRandomBytes)?;
    Ok(b)
}

macro_rules! random_scalar {
    ($krate:ident, $curve:ty, $n:expr) => {{
        let mut out = None;
        // rejection sampling; each try succeeds with probability > 1/2
        for _ in 0..128 {
            let b = random_field::<$n>()?;
            let fb = $krate::FieldBytes::from(b);
            let s: Option<elliptic_curve::NonZeroScalar<$curve>> =
                elliptic_curve::NonZeroScalar::<$curve>::from_repr(fb).into_option();
            if let Some(s) = s {
                out = Some(s);
                break;
            }
        }
        out.ok_or(rustls::Error::FailedToGetRandomBytes)
    }};
}

// ---------------------------------------------------------------- key exchange

/// A brainpool ECDHE group (RustCrypto arithmetic), usable for exactly one TLS
/// version family as RFC 7027 (TLS 1.2) and RFC 8734 (TLS 1.3) require.
#[derive(Debug)]
pub struct BrainpoolKxGroup {
    curve: Curve,
    code: u16,
    tls13: bool,
}

/// brainpoolP256r1 for TLS 1.2 (26).
pub static BP256_TLS12: BrainpoolKxGroup = BrainpoolKxGroup {
    curve: Curve::BrainpoolP256r1,
    code: BRAINPOOL_P256R1,
    tls13: false,
};
/// brainpoolP384r1 for TLS 1.2 (27).
pub static BP384_TLS12: BrainpoolKxGroup = BrainpoolKxGroup {
    curve: Curve::BrainpoolP384r1,
    code: BRAINPOOL_P384R1,
    tls13: false,
};
/// brainpoolP256r1tls13 (31).
pub static BP256_TLS13: BrainpoolKxGroup = BrainpoolKxGroup {
    curve: Curve::BrainpoolP256r1,
    code: BRAINPOOL_P256R1_TLS13,
    tls13: true,
};
/// brainpoolP384r1tls13 (32).
pub static BP384_TLS13: BrainpoolKxGroup = BrainpoolKxGroup {
    curve: Curve::BrainpoolP384r1,
    code: BRAINPOOL_P384R1_TLS13,
    tls13: true,
};

enum BpSecret {
    P256(elliptic_curve::NonZeroScalar<bp256::BrainpoolP256r1>),
    P384(elliptic_curve::NonZeroScalar<bp384::BrainpoolP384r1>),
}

struct BrainpoolActive {
    secret: BpSecret,
    pub_key: Vec<u8>,
    group: NamedGroup,
}

impl SupportedKxGroup for BrainpoolKxGroup {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, rustls::Error> {
        let (secret, pub_key) = match self.curve {
            Curve::BrainpoolP384r1 => {
                let s = random_scalar!(bp384, bp384::BrainpoolP384r1, 48)?;
                let pk =
                    elliptic_curve::PublicKey::<bp384::BrainpoolP384r1>::from_secret_scalar(&s);
                (
                    BpSecret::P384(s),
                    pk.to_sec1_point(false).as_bytes().to_vec(),
                )
            }
            _ => {
                let s = random_scalar!(bp256, bp256::BrainpoolP256r1, 32)?;
                let pk =
                    elliptic_curve::PublicKey::<bp256::BrainpoolP256r1>::from_secret_scalar(&s);
                (
                    BpSecret::P256(s),
                    pk.to_sec1_point(false).as_bytes().to_vec(),
                )
            }
        };
        Ok(Box::new(BrainpoolActive {
            secret,
            pub_key,
            group: self.name(),
        }))
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::from(self.code)
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        (version == ProtocolVersion::TLSv1_3) == self.tls13
    }
}

fn bad_share() -> rustls::Error {
    rustls::Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare)
}

impl ActiveKeyExchange for BrainpoolActive {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, rustls::Error> {
        // uncompressed points only (TR-03116-3, RFC 8422)
        if peer.first() != Some(&0x04) {
            return Err(bad_share());
        }
        match &self.secret {
            BpSecret::P256(s) => {
                let pk = elliptic_curve::PublicKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(peer)
                    .map_err(|_| bad_share())?;
                let ss = elliptic_curve::ecdh::diffie_hellman(s, pk.as_affine());
                Ok(SharedSecret::from(&ss.raw_secret_bytes()[..]))
            }
            BpSecret::P384(s) => {
                let pk = elliptic_curve::PublicKey::<bp384::BrainpoolP384r1>::from_sec1_bytes(peer)
                    .map_err(|_| bad_share())?;
                let ss = elliptic_curve::ecdh::diffie_hellman(s, pk.as_affine());
                Ok(SharedSecret::from(&ss.raw_secret_bytes()[..]))
            }
        }
    }

    fn pub_key(&self) -> &[u8] {
        &self.pub_key
    }

    fn group(&self) -> NamedGroup {
        self.group
    }
}

// ---------------------------------------------------------------- verification

/// An ECDSA signature-verification algorithm over a brainpool curve (RustCrypto),
/// for webpki (certificate chains) and handshake signatures.
#[derive(Debug)]
pub struct BrainpoolVerify {
    curve: Curve,
    hash: Hash,
    pk_alg: AlgorithmIdentifier,
    sig_alg: AlgorithmIdentifier,
}

const BP256_PK_ALG: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02,
    0x08, 0x01, 0x01, 0x07,
]);
const BP384_PK_ALG: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x09, 0x2b, 0x24, 0x03, 0x03, 0x02,
    0x08, 0x01, 0x01, 0x0b,
]);

macro_rules! bp_verify {
    ($name:ident, $curve:expr, $pk:expr, $hash:expr, $sig:expr) => {
        #[doc = concat!("ECDSA verification: ", stringify!($name), ".")]
        pub static $name: BrainpoolVerify = BrainpoolVerify {
            curve: $curve,
            hash: $hash,
            pk_alg: $pk,
            sig_alg: $sig,
        };
    };
}
bp_verify!(
    ECDSA_BP256_SHA256,
    Curve::BrainpoolP256r1,
    BP256_PK_ALG,
    Hash::Sha256,
    alg_id::ECDSA_SHA256
);
bp_verify!(
    ECDSA_BP256_SHA384,
    Curve::BrainpoolP256r1,
    BP256_PK_ALG,
    Hash::Sha384,
    alg_id::ECDSA_SHA384
);
bp_verify!(
    ECDSA_BP256_SHA512,
    Curve::BrainpoolP256r1,
    BP256_PK_ALG,
    Hash::Sha512,
    alg_id::ECDSA_SHA512
);
bp_verify!(
    ECDSA_BP384_SHA256,
    Curve::BrainpoolP384r1,
    BP384_PK_ALG,
    Hash::Sha256,
    alg_id::ECDSA_SHA256
);
bp_verify!(
    ECDSA_BP384_SHA384,
    Curve::BrainpoolP384r1,
    BP384_PK_ALG,
    Hash::Sha384,
    alg_id::ECDSA_SHA384
);
bp_verify!(
    ECDSA_BP384_SHA512,
    Curve::BrainpoolP384r1,
    BP384_PK_ALG,
    Hash::Sha512,
    alg_id::ECDSA_SHA512
);

/// Verifies a DER ECDSA signature over `prehash` with a SEC1 public key on `curve`.
pub fn verify_prehash(curve: Curve, public_key: &[u8], prehash: &[u8], sig_der: &[u8]) -> bool {
    macro_rules! v {
        ($c:ty) => {{
            let Ok(vk) = ecdsa::VerifyingKey::<$c>::from_sec1_bytes(public_key) else {
                return false;
            };
            let Ok(sig) = ecdsa::Signature::<$c>::from_der(sig_der) else {
                return false;
            };
            vk.verify_prehash(prehash, &sig).is_ok()
        }};
    }
    match curve {
        Curve::BrainpoolP256r1 => v!(bp256::BrainpoolP256r1),
        Curve::BrainpoolP384r1 => v!(bp384::BrainpoolP384r1),
        Curve::P256 => v!(p256::NistP256),
        Curve::P384 => v!(p384::NistP384),
    }
}

impl SignatureVerificationAlgorithm for BrainpoolVerify {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        if verify_prehash(
            self.curve,
            public_key,
            &self.hash.digest(message),
            signature,
        ) {
            Ok(())
        } else {
            Err(InvalidSignature)
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.pk_alg
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.sig_alg
    }
}

// ---------------------------------------------------------------- signing

/// The local ECDSA private key: software ([`SoftwareKey`]) or a secure element.
pub trait EcdsaSigner: Send + Sync + fmt::Debug {
    /// The key's curve.
    fn curve(&self) -> Curve;
    /// Signs `message` hashed with `hash`; returns an ASN.1 DER `Ecdsa-Sig-Value`.
    fn sign(&self, hash: Hash, message: &[u8]) -> Result<Vec<u8>, rustls::Error>;
}

enum SoftKey {
    P256(ecdsa::SigningKey<p256::NistP256>),
    P384(ecdsa::SigningKey<p384::NistP384>),
    Bp256(ecdsa::SigningKey<bp256::BrainpoolP256r1>),
    Bp384(ecdsa::SigningKey<bp384::BrainpoolP384r1>),
}

/// A software ECDSA key on one of the profile's curves. NIST keys sign through
/// ring when ring accepts the key (faster), brainpool keys through RustCrypto.
pub struct SoftwareKey {
    key: SoftKey,
    ring: Option<Arc<dyn rustls::sign::SigningKey>>,
}

impl fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SoftwareKey({:?})", self.curve())
    }
}

impl SoftwareKey {
    /// Loads a PKCS#8 or SEC1 (`EC PRIVATE KEY`) DER key on any profile curve.
    pub fn from_der(der: &[u8]) -> Result<SoftwareKey, Error> {
        use elliptic_curve::pkcs8::DecodePrivateKey;
        macro_rules! try_curve {
            ($c:ty, $v:ident) => {
                if let Ok(sk) = elliptic_curve::SecretKey::<$c>::from_pkcs8_der(der)
                    .or_else(|_| elliptic_curve::SecretKey::<$c>::from_sec1_der(der))
                {
                    return Ok(SoftwareKey::with_ring(SoftKey::$v(
                        ecdsa::SigningKey::from(sk),
                    )));
                }
            };
        }
        try_curve!(bp256::BrainpoolP256r1, Bp256);
        try_curve!(bp384::BrainpoolP384r1, Bp384);
        try_curve!(p256::NistP256, P256);
        try_curve!(p384::NistP384, P384);
        Err(Error::Pki("private key is not a PKCS#8/SEC1 ECDSA key on P-256, P-384, brainpoolP256r1 or brainpoolP384r1".into()))
    }

    /// A fresh random key.
    pub fn generate(curve: Curve) -> Result<SoftwareKey, Error> {
        let e = |_| Error::Pki("random generation failed".into());
        let key = match curve {
            Curve::P256 => SoftKey::P256(ecdsa::SigningKey::from(
                random_scalar!(p256, p256::NistP256, 32).map_err(e)?,
            )),
            Curve::P384 => SoftKey::P384(ecdsa::SigningKey::from(
                random_scalar!(p384, p384::NistP384, 48).map_err(e)?,
            )),
            Curve::BrainpoolP256r1 => SoftKey::Bp256(ecdsa::SigningKey::from(
                random_scalar!(bp256, bp256::BrainpoolP256r1, 32).map_err(e)?,
            )),
            Curve::BrainpoolP384r1 => SoftKey::Bp384(ecdsa::SigningKey::from(
                random_scalar!(bp384, bp384::BrainpoolP384r1, 48).map_err(e)?,
            )),
        };
        Ok(SoftwareKey::with_ring(key))
    }

    fn with_ring(key: SoftKey) -> SoftwareKey {
        let mut k = SoftwareKey { key, ring: None };
        if matches!(k.key, SoftKey::P256(_) | SoftKey::P384(_)) {
            k.ring = k.to_pkcs8_der().ok().and_then(|der| {
                let der = rustls::pki_types::PrivateKeyDer::Pkcs8(der.into());
                rustls::crypto::ring::sign::any_ecdsa_type(&der).ok()
            });
        }
        k
    }

    /// The uncompressed SEC1 public key.
    pub fn public_key_sec1(&self) -> Vec<u8> {
        match &self.key {
            SoftKey::P256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            SoftKey::P384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            SoftKey::Bp256(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
            SoftKey::Bp384(k) => k.verifying_key().to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// The key as PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<Vec<u8>, Error> {
        use elliptic_curve::pkcs8::EncodePrivateKey;
        let r = match &self.key {
            SoftKey::P256(k) => {
                elliptic_curve::SecretKey::from(k.as_nonzero_scalar()).to_pkcs8_der()
            }
            SoftKey::P384(k) => {
                elliptic_curve::SecretKey::from(k.as_nonzero_scalar()).to_pkcs8_der()
            }
            SoftKey::Bp256(k) => {
                elliptic_curve::SecretKey::from(k.as_nonzero_scalar()).to_pkcs8_der()
            }
            SoftKey::Bp384(k) => {
                elliptic_curve::SecretKey::from(k.as_nonzero_scalar()).to_pkcs8_der()
            }
        };
        r.map(|d| d.as_bytes().to_vec())
            .map_err(|e| Error::Pki(format!("PKCS#8 encoding: {e}")))
    }
}

impl EcdsaSigner for SoftwareKey {
    fn curve(&self) -> Curve {
        match self.key {
            SoftKey::P256(_) => Curve::P256,
            SoftKey::P384(_) => Curve::P384,
            SoftKey::Bp256(_) => Curve::BrainpoolP256r1,
            SoftKey::Bp384(_) => Curve::BrainpoolP384r1,
        }
    }

    fn sign(&self, hash: Hash, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        if let Some(r) = &self.ring {
            if hash == self.curve().hash() {
                let scheme = hash.tls12_scheme();
                if let Some(signer) = r.choose_scheme(&[scheme]) {
                    return signer.sign(message);
                }
            }
        }
        let h = hash.digest(message);
        let fail = |_| rustls::Error::General("ECDSA signing failed".into());
        macro_rules! s {
            ($k:expr, $c:ty) => {{
                let sig: ecdsa::Signature<$c> = $k.sign_prehash(&h).map_err(fail)?;
                Ok(sig.to_der().as_bytes().to_vec())
            }};
        }
        match &self.key {
            SoftKey::P256(k) => s!(k, p256::NistP256),
            SoftKey::P384(k) => s!(k, p384::NistP384),
            SoftKey::Bp256(k) => s!(k, bp256::BrainpoolP256r1),
            SoftKey::Bp384(k) => s!(k, bp384::BrainpoolP384r1),
        }
    }
}

/// Which TLS version a [`ProfileSigningKey`] signs for (the scheme differs for brainpool).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMode {
    /// TLS 1.2: `(hash, ecdsa)` pairs, curve taken from the certificate.
    Tls12,
    /// TLS 1.3: schemes name the curve (0x0403 = P-256, 0x081A = brainpoolP256r1tls13 …).
    Tls13,
    /// Decide from the offered list: a brainpool TLS 1.3 scheme in the peer's list
    /// means TLS 1.3 (rustls and OpenSSL list them only for TLS 1.3).
    Auto,
}

/// Adapts an [`EcdsaSigner`] to rustls's `SigningKey`.
#[derive(Debug, Clone)]
pub struct ProfileSigningKey {
    signer: Arc<dyn EcdsaSigner>,
    mode: SignMode,
}

impl ProfileSigningKey {
    /// A signing key in `mode`.
    pub fn new(signer: Arc<dyn EcdsaSigner>, mode: SignMode) -> Self {
        ProfileSigningKey { signer, mode }
    }

    /// The scheme this key uses given the peer's offer, or `None`.
    pub fn select(&self, offered: &[SignatureScheme]) -> Option<(SignatureScheme, Hash)> {
        let curve = self.signer.curve();
        let tls13_scheme = match curve {
            Curve::P256 => SignatureScheme::ECDSA_NISTP256_SHA256,
            Curve::P384 => SignatureScheme::ECDSA_NISTP384_SHA384,
            Curve::BrainpoolP256r1 => ECDSA_BRAINPOOLP256R1TLS13_SHA256,
            Curve::BrainpoolP384r1 => ECDSA_BRAINPOOLP384R1TLS13_SHA384,
        };
        let bp = matches!(curve, Curve::BrainpoolP256r1 | Curve::BrainpoolP384r1);
        let tls13 = match self.mode {
            SignMode::Tls12 => false,
            SignMode::Tls13 => true,
            SignMode::Auto => bp && offered.contains(&tls13_scheme),
        };
        if tls13 || !bp {
            // NIST keys use the same scheme in both versions
            return offered
                .contains(&tls13_scheme)
                .then_some((tls13_scheme, curve.hash()));
        }
        let mut prefs = vec![curve.hash(), Hash::Sha256, Hash::Sha384, Hash::Sha512];
        prefs.dedup();
        prefs
            .into_iter()
            .map(|h| (h.tls12_scheme(), h))
            .find(|(s, _)| offered.contains(s))
    }
}

#[derive(Debug)]
struct ProfileSigner {
    signer: Arc<dyn EcdsaSigner>,
    scheme: SignatureScheme,
    hash: Hash,
}

impl rustls::sign::Signer for ProfileSigner {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, rustls::Error> {
        self.signer.sign(self.hash, message)
    }

    fn scheme(&self) -> SignatureScheme {
        self.scheme
    }
}

impl rustls::sign::SigningKey for ProfileSigningKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn rustls::sign::Signer>> {
        let (scheme, hash) = self.select(offered)?;
        Some(Box::new(ProfileSigner {
            signer: self.signer.clone(),
            scheme,
            hash,
        }))
    }

    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::ECDSA
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn brainpool_ecdh_agrees() {
        for g in [&BP256_TLS12, &BP384_TLS13] {
            let a = g.start().unwrap();
            let b = g.start().unwrap();
            assert_eq!(a.pub_key()[0], 4);
            let pa = a.pub_key().to_vec();
            let sa = a.complete(b.pub_key()).unwrap();
            let sb = b.complete(&pa).unwrap();
            assert_eq!(sa.secret_bytes(), sb.secret_bytes());
        }
        let a = BP256_TLS12.start().unwrap();
        assert!(a.complete(&[4; 65]).is_err());
        let a = BP256_TLS12.start().unwrap();
        assert!(a.complete(&[2; 33]).is_err());
        assert!(BP256_TLS12.usable_for_version(ProtocolVersion::TLSv1_2));
        assert!(!BP256_TLS12.usable_for_version(ProtocolVersion::TLSv1_3));
        assert!(BP256_TLS13.usable_for_version(ProtocolVersion::TLSv1_3));
        assert_eq!(BP384_TLS13.name(), NamedGroup::from(0x20));
    }

    #[test]
    fn sign_verify_every_curve_and_scheme_choice() {
        for c in [
            Curve::P256,
            Curve::P384,
            Curve::BrainpoolP256r1,
            Curve::BrainpoolP384r1,
        ] {
            let k = SoftwareKey::generate(c).unwrap();
            assert_eq!(
                k.ring.is_some(),
                matches!(c, Curve::P256 | Curve::P384),
                "ring signs NIST keys"
            );
            let sig = k.sign(c.hash(), b"hello").unwrap();
            assert!(verify_prehash(
                c,
                &k.public_key_sec1(),
                &c.hash().digest(b"hello"),
                &sig
            ));
            assert!(!verify_prehash(
                c,
                &k.public_key_sec1(),
                &c.hash().digest(b"hellO"),
                &sig
            ));
            let der = k.to_pkcs8_der().unwrap();
            let k2 = SoftwareKey::from_der(&der).unwrap();
            assert_eq!(k2.curve(), c);
            assert_eq!(k2.public_key_sec1(), k.public_key_sec1());
        }
        let k: Arc<dyn EcdsaSigner> =
            Arc::new(SoftwareKey::generate(Curve::BrainpoolP256r1).unwrap());
        let both = [
            SignatureScheme::ECDSA_NISTP256_SHA256,
            ECDSA_BRAINPOOLP256R1TLS13_SHA256,
        ];
        let p = ProfileSigningKey::new(k.clone(), SignMode::Tls12);
        assert_eq!(
            p.select(&both).unwrap().0,
            SignatureScheme::ECDSA_NISTP256_SHA256
        );
        let p = ProfileSigningKey::new(k.clone(), SignMode::Tls13);
        assert_eq!(
            p.select(&both).unwrap().0,
            ECDSA_BRAINPOOLP256R1TLS13_SHA256
        );
        assert!(p.select(&both[..1]).is_none());
        let p = ProfileSigningKey::new(k, SignMode::Auto);
        assert_eq!(
            p.select(&both[..1]).unwrap().0,
            SignatureScheme::ECDSA_NISTP256_SHA256
        );
        assert_eq!(
            p.select(&[SignatureScheme::ECDSA_NISTP384_SHA384]).unwrap(),
            (SignatureScheme::ECDSA_NISTP384_SHA384, Hash::Sha384)
        );
        // a brainpool verification algorithm checks a SHA-256 signature
        let k = SoftwareKey::generate(Curve::BrainpoolP256r1).unwrap();
        let sig = k.sign(Hash::Sha256, b"m").unwrap();
        assert!(
            ECDSA_BP256_SHA256
                .verify_signature(&k.public_key_sec1(), b"m", &sig)
                .is_ok()
        );
        assert!(
            ECDSA_BP256_SHA384
                .verify_signature(&k.public_key_sec1(), b"m", &sig)
                .is_err()
        );
        assert!(
            ECDSA_BP384_SHA384
                .verify_signature(&k.public_key_sec1(), b"m", &sig)
                .is_err()
        );
    }
}
