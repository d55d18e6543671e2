//! The demo's files: firmware trees of the vendors, signed reference-value manifests,
//! gateway installations (configuration pointing at the shared dev PKI).

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use smgw_gwa_admin::PrivateKey;

use crate::DemoError;

/// Product name every demo gateway reports.
pub const PRODUCT: &str = "SMGW-X";

/// A firmware release of a vendor: its files on disk.
#[derive(Debug, Clone)]
pub struct Release {
    /// Vendor name.
    pub vendor: &'static str,
    /// Vendor PEN (reported by the gateways in IETF Product Information).
    pub pen: u32,
    /// Firmware version.
    pub version: &'static str,
    /// Directory of the release's files.
    pub root: PathBuf,
}

impl Release {
    /// The firmware image.
    pub fn image(&self) -> PathBuf {
        self.root.join("firmware.img")
    }
    /// The directory of binaries.
    pub fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
    /// The measured files (absolute paths).
    pub fn files(&self) -> Vec<PathBuf> {
        vec![
            self.image(),
            self.bin().join("meterd"),
            self.bin().join("wand"),
        ]
    }
}

pub(crate) fn io(
    what: impl std::fmt::Display,
    path: &Path,
) -> impl FnOnce(std::io::Error) -> DemoError {
    let what = format!("{what} {}", path.display());
    move |source| DemoError::Io { what, source }
}

pub(crate) fn write(path: &Path, data: impl AsRef<[u8]>) -> Result<(), DemoError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    }
    std::fs::write(path, data).map_err(io("write", path))
}

/// Writes the release's files (deterministic content, a few KiB each).
pub fn write_release(r: &Release) -> Result<(), DemoError> {
    let blob = |tag: &str, len: usize| -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        let mut block = Sha256::digest(format!("{} {} {tag}", r.vendor, r.version)).to_vec();
        while out.len() < len {
            out.extend_from_slice(&block);
            block = Sha256::digest(&block).to_vec();
        }
        out.truncate(len);
        out
    };
    write(&r.image(), blob("firmware image", 64 * 1024))?;
    write(&r.bin().join("meterd"), blob("meter daemon", 8 * 1024))?;
    write(&r.bin().join("wand"), blob("WAN daemon", 8 * 1024))
}

/// Writes the manufacturer's signed manifest of reference values for `r` into `dir`
/// (`NAME.json` and the detached DER signature `NAME.json.sig`); returns the manifest path.
pub fn sign_manifest(r: &Release, key: &PrivateKey, dir: &Path) -> Result<PathBuf, DemoError> {
    let mut files = serde_json::Map::new();
    for f in r.files() {
        let data = std::fs::read(&f).map_err(io("read", &f))?;
        files.insert(
            f.display().to_string(),
            hex::encode(Sha256::digest(&data)).into(),
        );
    }
    let doc = serde_json::json!({
        "format": 1,
        "vendor": r.vendor,
        "vendor_pen": r.pen,
        "product": PRODUCT,
        "firmware_version": r.version,
        "algorithm": "sha256",
        "files": files,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| DemoError::Setup(e.to_string()))?;
    let path = dir.join(format!("{}-{PRODUCT}-{}.json", r.vendor, r.version));
    write(&path, &text)?;
    let mut sig = path.clone().into_os_string();
    sig.push(".sig");
    write(Path::new(&sig), key.sign(text.as_bytes())?)?;
    Ok(path)
}

/// Writes a gateway's configuration `dir/smgw.toml` and returns its path.
pub fn write_gateway_config(
    dir: &Path,
    pki: &Path,
    id: &str,
    release: &Release,
    profile_port: u16,
) -> Result<PathBuf, DemoError> {
    let text = format!(
        r#"# demo gateway {id}: {vendor} {PRODUCT} firmware {version}
[gateway]
id = "{id}"
data_dir = "data"
history_limit = 20

[tls]
cert = "{chain}"
key = "{key}"
trust_anchors = "{root}"

[gwa]
host = "127.0.0.1"
port = {profile_port}
expected_name = "gwa.localhost"
timeout_secs = 20

[wakeup]
listen = "127.0.0.1:0"
window_secs = 300
replay_cache = 64

[product]
vendor_pen = {pen}
product_id = 1
name = "{PRODUCT}"
version = "{version}"
major = 1
forwarding_file = "ip_forward"

[[manifest]]
name = "firmware"
path = "{image}"

[[manifest]]
name = "binaries"
path = "{bin}"

[[consumers]]
id = "household"
"#,
        vendor = release.vendor,
        version = release.version,
        pen = release.pen,
        chain = pki.join(format!("{id}-chain.pem")).display(),
        key = pki.join(format!("{id}.key")).display(),
        root = pki.join("root-ca.pem").display(),
        image = release.image().display(),
        bin = release.bin().display(),
    );
    write(&dir.join("ip_forward"), b"0\n")?;
    let path = dir.join("smgw.toml");
    write(&path, text)?;
    Ok(path)
}
