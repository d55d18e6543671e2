//! Manufacturer manifests of reference values, and their import.
//!
//! A manifest is a JSON file (UTF-8) signed by its manufacturer with a **detached** ECDSA
//! signature in `FILE.sig` (ASN.1 DER, over the manifest's exact bytes; SHA-256 for P-256 and
//! brainpoolP256r1 keys, SHA-384 for P-384 and brainpoolP384r1), e.g.
//! `openssl dgst -sha256 -sign vendor.key -out manifest.json.sig manifest.json`.
//!
//! ```json
//! {
//!   "format": 1,
//!   "vendor": "ACME Metering",
//!   "vendor_pen": 4711,
//!   "product": "SMGW-X",
//!   "firmware_version": "2.1.0",
//!   "algorithm": "sha256",
//!   "files": {
//!     "/usr/lib/smgw/firmware.bin": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
//!   }
//! }
//! ```
//!
//! * `vendor` must be the name of a manufacturer registered with `manufacturer add`, and
//!   `vendor_pen` its registered PEN (the vendor id its gateways report in IETF Product
//!   Information); the signature must verify with that manufacturer's key, so a manufacturer
//!   can only submit values for its own products.
//! * `algorithm` is `sha256` or `sha384`; every digest is lowercase or uppercase hex of that
//!   length. Paths are absolute (`/…`), unique, without NUL.
//! * A firmware version, once imported, is immutable.
//!
//! Every refusal names the file, the line and column (1-based) and what to do.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use sha2::{Digest, Sha256};
use smgw_gwa_admin::PublicKey;

use crate::storage::{DigestAlgorithm, ReferenceSet, Storage};
use crate::{GwaError, Result};

/// Largest manifest file accepted (checked before reading).
pub const MAX_MANIFEST_LEN: u64 = 16 * 1024 * 1024;
/// Largest signature file accepted.
pub const MAX_SIGNATURE_LEN: u64 = 512;
/// Most files in one manifest.
pub const MAX_FILES: usize = 100_000;
/// Longest path.
pub const MAX_PATH_LEN: usize = 4096;

/// A parsed (not yet verified) manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Manufacturer name.
    pub vendor: String,
    /// Manufacturer PEN.
    pub vendor_pen: u32,
    /// Product name (as reported in IETF Product Information).
    pub product: String,
    /// Firmware version (as reported in IETF String Version).
    pub firmware_version: String,
    /// Digest algorithm.
    pub algorithm: DigestAlgorithm,
    /// Path → digest, sorted by path.
    pub files: Vec<(String, Vec<u8>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    format: u32,
    vendor: NonEmpty,
    vendor_pen: u32,
    product: NonEmpty,
    firmware_version: NonEmpty,
    algorithm: DigestAlgorithm,
    files: Files,
}

struct NonEmpty(String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() || s.len() > 255 || s.chars().any(char::is_control) {
            return Err(de::Error::custom(
                "must be 1..=255 octets of text without control characters",
            ));
        }
        Ok(NonEmpty(s))
    }
}

struct HexDigest(Vec<u8>);

impl<'de> Deserialize<'de> for HexDigest {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() > 128 {
            return Err(de::Error::custom(format!(
                "digest of {} hex digits is too long (sha256: 64, sha384: 96)",
                s.len()
            )));
        }
        hex::decode(&s)
            .map(HexDigest)
            .map_err(|e| de::Error::custom(format!("digest {s:?} is not hex ({e})")))
    }
}

struct Files(BTreeMap<String, Vec<u8>>);

impl<'de> Deserialize<'de> for Files {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Files;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object mapping absolute paths to hex digests")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Files, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(path) = map.next_key::<String>()? {
                    if !path.starts_with('/') || path.len() > MAX_PATH_LEN || path.contains('\0') {
                        return Err(at_key(
                            &path,
                            false,
                            format!(
                                "path {path:?} must be absolute (start with /), at most \
                                 {MAX_PATH_LEN} octets, without NUL"
                            ),
                        ));
                    }
                    let digest: HexDigest = map.next_value().map_err(|e: A::Error| {
                        at_key(&path, false, strip_position(&e.to_string()).to_owned())
                    })?;
                    if out.insert(path.clone(), digest.0).is_some() {
                        return Err(at_key(&path, true, format!("path {path:?} appears twice")));
                    }
                    if out.len() > MAX_FILES {
                        return Err(de::Error::custom(format!(
                            "more than {MAX_FILES} files; split the manifest"
                        )));
                    }
                }
                if out.is_empty() {
                    return Err(de::Error::custom(
                        "`files` is empty; list at least one file",
                    ));
                }
                Ok(Files(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// Marks an error that belongs to a `files` key, so that [`parse`] can point at the key itself
/// (serde_json's own position for errors raised by a value is after the value).
const KEY_MARK: char = '\u{1}';

fn at_key<E: de::Error>(path: &str, last: bool, message: String) -> E {
    let key = serde_json::to_string(path).unwrap_or_default();
    E::custom(format!(
        "{KEY_MARK}{}{key}{KEY_MARK}{message}",
        if last { "L" } else { "F" }
    ))
}

/// 1-based line and column of the first occurrence of `needle` in `text` (0, 0 if absent).
fn find(text: &str, needle: &str) -> (usize, usize) {
    text.find(needle).map_or((0, 0), |at| locate(text, at))
}

/// 1-based line and column of byte offset `at` of `text`.
fn locate(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text.as_bytes()[..at];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = at
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, column)
}

fn refuse(path: &Path, (line, column): (usize, usize), message: impl Into<String>) -> GwaError {
    GwaError::Manifest {
        path: path.to_owned(),
        line,
        column,
        message: message.into(),
    }
}

/// Parses and checks a manifest's text (no signature check). `path` is for messages.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<Manifest> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let before = &bytes[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let col = at
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        refuse(path, (line, col), "not UTF-8; save the manifest as UTF-8")
    })?;
    let doc: Doc = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        let msg = strip_position(&msg);
        // errors of a `files` entry: locate the key in the text after "files"
        if let Some((tagged, message)) = msg
            .strip_prefix(KEY_MARK)
            .and_then(|rest| rest.split_once(KEY_MARK))
        {
            {
                let (which, key) = tagged.split_at(1.min(tagged.len()));
                let from = text.find("\"files\"").unwrap_or(0);
                let hit = if which == "L" {
                    text[from..].rfind(key)
                } else {
                    text[from..].find(key)
                };
                if let Some(i) = hit {
                    return refuse(path, locate(text, from + i), message.to_owned());
                }
                return refuse(path, (e.line(), e.column()), message.to_owned());
            }
        }
        refuse(path, (e.line(), e.column()), msg.to_owned())
    })?;
    if doc.format != 1 {
        return Err(refuse(
            path,
            find(text, "\"format\""),
            format!(
                "format {} is not supported; this GWA reads format 1",
                doc.format
            ),
        ));
    }
    let want = doc.algorithm.digest_len();
    for (p, d) in &doc.files.0 {
        if d.len() != want {
            let key = serde_json::to_string(p).unwrap_or_default();
            return Err(refuse(
                path,
                {
                    let from = text.find("\"files\"").unwrap_or(0);
                    text[from..]
                        .find(&key)
                        .map_or((0, 0), |i| locate(text, from + i))
                },
                format!(
                    "digest of {p} has {} octets, {} needs {want}",
                    d.len(),
                    doc.algorithm.as_str()
                ),
            ));
        }
    }
    Ok(Manifest {
        vendor: doc.vendor.0,
        vendor_pen: doc.vendor_pen,
        product: doc.product.0,
        firmware_version: doc.firmware_version.0,
        algorithm: doc.algorithm,
        files: doc.files.0.into_iter().collect(),
    })
}

/// serde_json appends " at line L column C"; we print the position in front instead.
fn strip_position(s: &str) -> &str {
    match s.rfind(" at line ") {
        Some(i) => &s[..i],
        None => s,
    }
}

fn read_bounded(path: &Path, max: u64, what: &str) -> Result<Vec<u8>> {
    let meta = std::fs::metadata(path).map_err(|e| GwaError::io(path, e))?;
    if meta.len() > max {
        return Err(GwaError::Invalid(format!(
            "{}: {what} of {} octets exceeds the limit of {max}",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| GwaError::io(path, e))
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Row id of the firmware version.
    pub firmware_id: i64,
    /// The stored reference values.
    pub set: ReferenceSet,
    /// SHA-256 of the manifest file (hex).
    pub manifest_sha256: String,
}

/// Verifies `manifest` + `manifest.sig` against the registered manufacturer key and stores the
/// reference values (`reference import FILE`).
pub fn import(storage: &dyn Storage, manifest: &Path, now_ms: i64) -> Result<Imported> {
    let bytes = read_bounded(manifest, MAX_MANIFEST_LEN, "manifest")?;
    let mut sig_path = manifest.as_os_str().to_owned();
    sig_path.push(".sig");
    let sig_path = std::path::PathBuf::from(sig_path);
    if !sig_path.exists() {
        return Err(refuse(
            manifest,
            (0, 0),
            format!(
                "unsigned: {} not found; the manufacturer signs the file with \
                 `openssl dgst -sha256 -sign KEY -out {} {}`",
                sig_path.display(),
                sig_path.display(),
                manifest.display()
            ),
        ));
    }
    let sig = read_bounded(&sig_path, MAX_SIGNATURE_LEN, "signature")?;
    let m = parse(manifest, &bytes)?;
    let text = String::from_utf8_lossy(&bytes);
    let Some(maker) = storage.manufacturer(&m.vendor)? else {
        return Err(refuse(
            manifest,
            find(&text, "\"vendor\""),
            format!(
                "no manufacturer {:?} is registered; register its key with \
                 `gwa-reference manufacturer add {:?} --pen {} KEY.pem`",
                m.vendor, m.vendor, m.vendor_pen
            ),
        ));
    };
    if maker.pen != m.vendor_pen {
        return Err(refuse(
            manifest,
            find(&text, "\"vendor_pen\""),
            format!(
                "vendor_pen {} is not the PEN {} registered for {:?}",
                m.vendor_pen, maker.pen, maker.name
            ),
        ));
    }
    let key = PublicKey::from_spki_pem(&maker.public_key_pem)?;
    if !key.verify(&bytes, &sig) {
        return Err(refuse(
            manifest,
            (0, 0),
            format!(
                "signature {} does not verify with the key of {:?} ({}): forged, modified \
                 after signing, or signed with another key",
                sig_path.display(),
                maker.name,
                key.curve()
            ),
        ));
    }
    let manifest_sha256 = hex::encode(Sha256::digest(&bytes));
    let set = ReferenceSet {
        vendor: m.vendor,
        vendor_pen: m.vendor_pen,
        product: m.product,
        firmware_version: m.firmware_version,
        algorithm: m.algorithm,
        files: m.files,
    };
    let firmware_id = storage.import_reference(&set, &manifest_sha256, now_ms)?;
    Ok(Imported {
        firmware_id,
        set,
        manifest_sha256,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn err(text: &str) -> (usize, usize, String) {
        match parse(Path::new("m.json"), text.as_bytes()) {
            Err(GwaError::Manifest {
                line,
                column,
                message,
                ..
            }) => (line, column, message),
            other => panic!("expected a manifest error, got {other:?}"),
        }
    }

    const GOOD: &str = r#"{
  "format": 1,
  "vendor": "ACME",
  "vendor_pen": 4711,
  "product": "SMGW-X",
  "firmware_version": "2.1.0",
  "algorithm": "sha256",
  "files": {
    "/b": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "/a": "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"
  }
}"#;

    #[test]
    fn parses_and_sorts() {
        let m = parse(Path::new("m.json"), GOOD.as_bytes()).unwrap();
        assert_eq!(m.vendor, "ACME");
        assert_eq!(m.files.len(), 2);
        assert_eq!(m.files[0].0, "/a");
        assert_eq!(m.files[0].1, m.files[1].1);
    }

    #[test]
    fn errors_are_line_precise() {
        let (l, _, msg) = err(&GOOD.replace("\"2.1.0\"", "2.1.0"));
        assert_eq!(l, 6, "{msg}");
        let (l, _, msg) = err(&GOOD.replace("\"/a\": \"9F86", "\"/a\": \"XX86"));
        assert_eq!(l, 10, "{msg}");
        assert!(msg.contains("not hex"), "{msg}");
        let (l, _, msg) = err(&GOOD.replace("\"/a\"", "\"/b\""));
        assert_eq!(l, 10, "{msg}");
        assert!(msg.contains("twice"), "{msg}");
        let (l, _, msg) = err(&GOOD.replace("\"/a\"", "\"a\""));
        assert_eq!(l, 10, "{msg}");
        assert!(msg.contains("absolute"), "{msg}");
        let (l, c, msg) = err(&GOOD.replace("\"sha256\"", "\"sha384\""));
        assert_eq!((l, c), (10, 5), "{msg}");
        assert!(msg.contains("needs 48"), "{msg}");
        let (l, _, msg) = err(&GOOD.replace("\"format\": 1", "\"format\": 2"));
        assert_eq!(l, 2, "{msg}");
        let (l, _, msg) = err(&GOOD.replace("\"product\"", "\"prodcut\""));
        assert_eq!(l, 5, "{msg}");
        assert!(msg.contains("unknown field"), "{msg}");
        let (l, _, msg) = err(&GOOD.replace("\"vendor\": \"ACME\"", "\"vendor\": \"\""));
        assert_eq!(l, 3, "{msg}");
        let (l, _, _) = err(&GOOD.replace("\"algorithm\": \"sha256\"", "\"algorithm\": \"md5\""));
        assert_eq!(l, 7);
        let (l, _, _) = err(&GOOD[..GOOD.len() - 3]);
        assert!(l >= 10);
    }

    #[test]
    fn non_utf8_is_located() {
        match parse(Path::new("m.json"), b"{\n  \"a\xff\": 1}") {
            Err(GwaError::Manifest { line, column, .. }) => assert_eq!((line, column), (2, 5)),
            other => panic!("{other:?}"),
        }
    }
}
