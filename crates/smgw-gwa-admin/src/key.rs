//! ECDSA keys of the wake-up service: the GWA's signing key and the gateway's copy of its
//! verification key (SPKI PEM), on the four curves of the BSI TLS profile.
//!
//! The hash follows the curve: SHA-256 for P-256 and brainpoolP256r1, SHA-384 for P-384 and
//! brainpoolP384r1. Signatures are ASN.1 DER.

use ecdsa::elliptic_curve::Generate;
use ecdsa::elliptic_curve::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use ecdsa::signature::{Signer, Verifier};
use ecdsa::{SigningKey, VerifyingKey};

use crate::AdminError;

/// The elliptic curves a wake-up key may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Curve {
    /// NIST P-256 (secp256r1) with SHA-256.
    P256,
    /// NIST P-384 (secp384r1) with SHA-384.
    P384,
    /// brainpoolP256r1 with SHA-256.
    BrainpoolP256r1,
    /// brainpoolP384r1 with SHA-384.
    BrainpoolP384r1,
}

impl Curve {
    /// All supported curves.
    pub const ALL: [Curve; 4] = [
        Curve::P256,
        Curve::P384,
        Curve::BrainpoolP256r1,
        Curve::BrainpoolP384r1,
    ];

    /// The usual name (`P-256`, `brainpoolP256r1`, …).
    pub const fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::BrainpoolP256r1 => "brainpoolP256r1",
            Curve::BrainpoolP384r1 => "brainpoolP384r1",
        }
    }

    /// Parses a name as printed by [`Curve::name`] (case-insensitive; `p256`, `bp256` also work).
    pub fn from_name(s: &str) -> Option<Curve> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "p256" | "secp256r1" | "prime256v1" => Some(Curve::P256),
            "p384" | "secp384r1" => Some(Curve::P384),
            "bp256" | "brainpoolp256r1" => Some(Curve::BrainpoolP256r1),
            "bp384" | "brainpoolp384r1" => Some(Curve::BrainpoolP384r1),
            _ => None,
        }
    }
}

impl core::fmt::Display for Curve {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// An ECDSA verification key on one of the supported [`Curve`]s.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKey {
    /// P-256.
    P256(VerifyingKey<p256::NistP256>),
    /// P-384.
    P384(VerifyingKey<p384::NistP384>),
    /// brainpoolP256r1.
    BrainpoolP256r1(VerifyingKey<bp256::BrainpoolP256r1>),
    /// brainpoolP384r1.
    BrainpoolP384r1(VerifyingKey<bp384::BrainpoolP384r1>),
}

macro_rules! each_key {
    ($value:expr, $k:ident => $body:expr) => {
        match $value {
            Self::P256($k) => $body,
            Self::P384($k) => $body,
            Self::BrainpoolP256r1($k) => $body,
            Self::BrainpoolP384r1($k) => $body,
        }
    };
}

impl PublicKey {
    /// Parses a SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`); the curve is taken
    /// from the key's algorithm parameters.
    pub fn from_spki_pem(pem: &str) -> Result<Self, AdminError> {
        if let Ok(k) = VerifyingKey::<p256::NistP256>::from_public_key_pem(pem) {
            return Ok(Self::P256(k));
        }
        if let Ok(k) = VerifyingKey::<p384::NistP384>::from_public_key_pem(pem) {
            return Ok(Self::P384(k));
        }
        if let Ok(k) = VerifyingKey::<bp256::BrainpoolP256r1>::from_public_key_pem(pem) {
            return Ok(Self::BrainpoolP256r1(k));
        }
        if let Ok(k) = VerifyingKey::<bp384::BrainpoolP384r1>::from_public_key_pem(pem) {
            return Ok(Self::BrainpoolP384r1(k));
        }
        Err(AdminError::Key(
            "not a PEM SubjectPublicKeyInfo of an EC key on P-256, P-384, brainpoolP256r1 or \
             brainpoolP384r1; export it with `openssl pkey -pubout`"
                .into(),
        ))
    }

    /// Parses a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, AdminError> {
        if let Ok(k) = VerifyingKey::<p256::NistP256>::from_public_key_der(der) {
            return Ok(Self::P256(k));
        }
        if let Ok(k) = VerifyingKey::<p384::NistP384>::from_public_key_der(der) {
            return Ok(Self::P384(k));
        }
        if let Ok(k) = VerifyingKey::<bp256::BrainpoolP256r1>::from_public_key_der(der) {
            return Ok(Self::BrainpoolP256r1(k));
        }
        if let Ok(k) = VerifyingKey::<bp384::BrainpoolP384r1>::from_public_key_der(der) {
            return Ok(Self::BrainpoolP384r1(k));
        }
        Err(AdminError::Key(
            "not a DER SubjectPublicKeyInfo of an EC key on a supported curve".into(),
        ))
    }

    /// The key as SubjectPublicKeyInfo PEM.
    pub fn to_spki_pem(&self) -> Result<String, AdminError> {
        each_key!(self, k => k.to_public_key_pem(LineEnding::LF))
            .map_err(|e| AdminError::Key(format!("cannot encode public key: {e}")))
    }

    /// The key's curve.
    pub const fn curve(&self) -> Curve {
        match self {
            Self::P256(_) => Curve::P256,
            Self::P384(_) => Curve::P384,
            Self::BrainpoolP256r1(_) => Curve::BrainpoolP256r1,
            Self::BrainpoolP384r1(_) => Curve::BrainpoolP384r1,
        }
    }

    /// Verifies a DER ECDSA `signature` over `msg` (hash chosen by the curve).
    /// Returns false for a malformed or wrong signature; never panics.
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::P256(k) => ecdsa::der::Signature::<p256::NistP256>::from_bytes(signature)
                .ok()
                .and_then(|s| ecdsa::Signature::try_from(s).ok())
                .is_some_and(|s: ecdsa::Signature<p256::NistP256>| k.verify(msg, &s).is_ok()),
            Self::P384(k) => ecdsa::der::Signature::<p384::NistP384>::from_bytes(signature)
                .ok()
                .and_then(|s| ecdsa::Signature::try_from(s).ok())
                .is_some_and(|s: ecdsa::Signature<p384::NistP384>| k.verify(msg, &s).is_ok()),
            Self::BrainpoolP256r1(k) => {
                ecdsa::der::Signature::<bp256::BrainpoolP256r1>::from_bytes(signature)
                    .ok()
                    .and_then(|s| ecdsa::Signature::try_from(s).ok())
                    .is_some_and(|s: ecdsa::Signature<bp256::BrainpoolP256r1>| {
                        k.verify(msg, &s).is_ok()
                    })
            }
            Self::BrainpoolP384r1(k) => {
                ecdsa::der::Signature::<bp384::BrainpoolP384r1>::from_bytes(signature)
                    .ok()
                    .and_then(|s| ecdsa::Signature::try_from(s).ok())
                    .is_some_and(|s: ecdsa::Signature<bp384::BrainpoolP384r1>| {
                        k.verify(msg, &s).is_ok()
                    })
            }
        }
    }
}

/// An ECDSA signing key on one of the supported [`Curve`]s (the GWA's wake-up key, or a
/// manufacturer's manifest-signing key in tests and tools).
#[derive(Clone)]
#[non_exhaustive]
pub enum PrivateKey {
    /// P-256.
    P256(SigningKey<p256::NistP256>),
    /// P-384.
    P384(SigningKey<p384::NistP384>),
    /// brainpoolP256r1.
    BrainpoolP256r1(SigningKey<bp256::BrainpoolP256r1>),
    /// brainpoolP384r1.
    BrainpoolP384r1(SigningKey<bp384::BrainpoolP384r1>),
}

impl core::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PrivateKey({}, ..)", self.curve())
    }
}

impl PrivateKey {
    /// A fresh random key from the operating system's generator.
    pub fn generate(curve: Curve) -> Result<Self, AdminError> {
        let err = |e| AdminError::Key(format!("random generator failed: {e}"));
        Ok(match curve {
            Curve::P256 => Self::P256(SigningKey::try_generate().map_err(err)?),
            Curve::P384 => Self::P384(SigningKey::try_generate().map_err(err)?),
            Curve::BrainpoolP256r1 => {
                Self::BrainpoolP256r1(SigningKey::try_generate().map_err(err)?)
            }
            Curve::BrainpoolP384r1 => {
                Self::BrainpoolP384r1(SigningKey::try_generate().map_err(err)?)
            }
        })
    }

    /// Parses a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, AdminError> {
        if let Ok(k) = SigningKey::<p256::NistP256>::from_pkcs8_pem(pem) {
            return Ok(Self::P256(k));
        }
        if let Ok(k) = SigningKey::<p384::NistP384>::from_pkcs8_pem(pem) {
            return Ok(Self::P384(k));
        }
        if let Ok(k) = SigningKey::<bp256::BrainpoolP256r1>::from_pkcs8_pem(pem) {
            return Ok(Self::BrainpoolP256r1(k));
        }
        if let Ok(k) = SigningKey::<bp384::BrainpoolP384r1>::from_pkcs8_pem(pem) {
            return Ok(Self::BrainpoolP384r1(k));
        }
        Err(AdminError::Key(
            "not a PKCS#8 PEM EC private key on P-256, P-384, brainpoolP256r1 or \
             brainpoolP384r1; convert it with `openssl pkcs8 -topk8 -nocrypt`"
                .into(),
        ))
    }

    /// The key as unencrypted PKCS#8 PEM.
    pub fn to_pkcs8_pem(&self) -> Result<String, AdminError> {
        each_key!(self, k => k.to_pkcs8_pem(LineEnding::LF).map(|d| d.to_string()))
            .map_err(|e| AdminError::Key(format!("cannot encode private key: {e}")))
    }

    /// The key's curve.
    pub const fn curve(&self) -> Curve {
        match self {
            Self::P256(_) => Curve::P256,
            Self::P384(_) => Curve::P384,
            Self::BrainpoolP256r1(_) => Curve::BrainpoolP256r1,
            Self::BrainpoolP384r1(_) => Curve::BrainpoolP384r1,
        }
    }

    /// The matching verification key.
    pub fn public_key(&self) -> PublicKey {
        match self {
            Self::P256(k) => PublicKey::P256(*k.verifying_key()),
            Self::P384(k) => PublicKey::P384(*k.verifying_key()),
            Self::BrainpoolP256r1(k) => PublicKey::BrainpoolP256r1(*k.verifying_key()),
            Self::BrainpoolP384r1(k) => PublicKey::BrainpoolP384r1(*k.verifying_key()),
        }
    }

    /// Signs `msg` (RFC 6979 deterministic ECDSA, hash by curve) and returns the DER signature.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, AdminError> {
        let err = |e: ecdsa::Error| AdminError::Key(format!("signing failed: {e}"));
        Ok(match self {
            Self::P256(k) => {
                let s: ecdsa::Signature<p256::NistP256> = k.try_sign(msg).map_err(err)?;
                s.to_der().as_bytes().to_vec()
            }
            Self::P384(k) => {
                let s: ecdsa::Signature<p384::NistP384> = k.try_sign(msg).map_err(err)?;
                s.to_der().as_bytes().to_vec()
            }
            Self::BrainpoolP256r1(k) => {
                let s: ecdsa::Signature<bp256::BrainpoolP256r1> = k.try_sign(msg).map_err(err)?;
                s.to_der().as_bytes().to_vec()
            }
            Self::BrainpoolP384r1(k) => {
                let s: ecdsa::Signature<bp384::BrainpoolP384r1> = k.try_sign(msg).map_err(err)?;
                s.to_der().as_bytes().to_vec()
            }
        })
    }
}
