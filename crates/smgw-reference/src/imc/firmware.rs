//! The firmware-measurement IMC: answers TCG PTS Request File Measurement with
//! SHA-256 or SHA-384 digests of the files (and directory contents) listed in
//! the measurement manifest — never of anything else — and reports the
//! connection's channel binding in the same PA message, so that the GWA can
//! detect a relay.
//!
//! Per request: a path equal to a manifest entry, or (file request) a file
//! directly inside a manifest directory, is measured; `..`, relative paths, a
//! wrong delimiter or a path outside the manifest get PTS *Invalid Path*, a
//! missing file PTS *File Not Found*. A directory request measures the regular
//! files directly inside it (sorted by name, at most [`MAX_DIR_ENTRIES`]).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest, Sha256, Sha384};
use smgw_gwa_admin::binding::{BINDING_ATTR_TYPE, BINDING_PEN, BindingKind, BindingReport};
use tnc_ifm::consts::PtsErrorCode;
use tnc_ifm::pts::{
    Capabilities, DELIMITER_SLASH, FileMeasurement, FileMeasurementEntry, HashAlgorithms,
    MeasurementAlgorithmSelection, ProtocolCapabilities,
};
use tnc_ifm::seq::Seq;
use tnc_ifm::{AttrValue, Attribute, PaTncError, Received, receive};
use tnc_imc_api::{
    ApiError, ChannelBindingKind, ConnectionId, ConnectionState, Imc, ImcContext,
    MessageTypeFilter, Pen, ReceivedMessage, async_trait,
};

use super::PTS_MESSAGE_TYPE;
use crate::config::ManifestEntry;
use crate::error::{Error, Result};

/// Most files measured for one directory request.
pub const MAX_DIR_ENTRIES: usize = 4096;
/// Algorithms this collector offers.
pub const SUPPORTED: HashAlgorithms =
    HashAlgorithms(HashAlgorithms::SHA256.0 | HashAlgorithms::SHA384.0);

/// A digest of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measured {
    /// Entry name (basename, or name inside the requested directory).
    pub name: String,
    /// The digest.
    pub digest: Vec<u8>,
}

/// The measurement manifest: which paths may be measured.
#[derive(Debug, Clone)]
pub struct Manifest {
    entries: Vec<ManifestEntry>,
}

impl Manifest {
    /// A manifest of the configured entries.
    pub fn new(entries: Vec<ManifestEntry>) -> Self {
        Manifest { entries }
    }

    /// The entries.
    pub fn entries(&self) -> &[ManifestEntry] {
        &self.entries
    }

    /// Resolves a requested path: `Ok(path)` if the manifest allows measuring it.
    pub fn allowed(&self, requested: &str, directory: bool) -> Result<PathBuf> {
        let deny = |msg: &str| Error::Measurement {
            path: requested.into(),
            msg: msg.into(),
        };
        let p = Path::new(requested);
        if !p.is_absolute()
            || p.components()
                .any(|c| matches!(c, Component::ParentDir | Component::CurDir))
        {
            return Err(deny("not a normalised absolute path"));
        }
        for e in &self.entries {
            if e.path == p {
                return Ok(p.to_path_buf());
            }
            if !directory && p.parent() == Some(e.path.as_path()) && e.path.is_dir() {
                return Ok(p.to_path_buf());
            }
        }
        Err(deny("not in the measurement manifest"))
    }
}

/// Hashes one file with `alg` (SHA-256 or SHA-384), streaming.
pub fn hash_file(path: &Path, alg: HashAlgorithms) -> Result<Vec<u8>> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut s256 = Sha256::new();
    let mut s384 = Sha384::new();
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            break;
        }
        if alg == HashAlgorithms::SHA384 {
            s384.update(&buf[..n]);
        } else {
            s256.update(&buf[..n]);
        }
    }
    Ok(if alg == HashAlgorithms::SHA384 {
        s384.finalize().to_vec()
    } else {
        s256.finalize().to_vec()
    })
}

/// Measures a file or the regular files directly inside a directory.
pub fn measure(path: &Path, directory: bool, alg: HashAlgorithms) -> Result<Vec<Measured>> {
    if !directory {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Ok(vec![Measured {
            name,
            digest: hash_file(path, alg)?,
        }]);
    }
    let mut names = Vec::new();
    for ent in std::fs::read_dir(path).map_err(|e| Error::io("list", path, e))? {
        let ent = ent.map_err(|e| Error::io("list", path, e))?;
        let ft = ent
            .file_type()
            .map_err(|e| Error::io("stat", ent.path(), e))?;
        if ft.is_file() {
            names.push(ent.file_name().to_string_lossy().into_owned());
            if names.len() > MAX_DIR_ENTRIES {
                return Err(Error::Measurement {
                    path: path.display().to_string(),
                    msg: format!("more than {MAX_DIR_ENTRIES} files"),
                });
            }
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let digest = hash_file(&path.join(&n), alg)?;
            Ok(Measured { name: n, digest })
        })
        .collect()
}

/// The firmware-measurement collector.
#[derive(Debug)]
pub struct FirmwareImc {
    manifest: Manifest,
    algorithms: Mutex<HashMap<ConnectionId, HashAlgorithms>>,
    course: Mutex<Vec<String>>,
    message_id: AtomicU32,
}

impl FirmwareImc {
    /// A collector for `manifest`.
    pub fn new(manifest: Manifest) -> Self {
        FirmwareImc {
            manifest,
            algorithms: Mutex::new(HashMap::new()),
            course: Mutex::new(Vec::new()),
            message_id: AtomicU32::new(1),
        }
    }

    /// Most course notes kept between two [`FirmwareImc::take_course`] calls.
    pub const MAX_COURSE: usize = 256;

    fn note(&self, text: String) {
        if let Ok(mut c) = self.course.lock() {
            if c.len() < Self::MAX_COURSE {
                c.push(text);
            }
        }
    }

    /// What the collector was asked and answered since the last call (for
    /// the system log's record of a check's course).
    pub fn take_course(&self) -> Vec<String> {
        self.course
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    fn algorithm(&self, conn: ConnectionId) -> HashAlgorithms {
        self.algorithms
            .lock()
            .map(|m| m.get(&conn).copied().unwrap_or(HashAlgorithms::SHA256))
            .unwrap_or(HashAlgorithms::SHA256)
    }

    /// Builds the answer to one PTS PA message (`None`: nothing to answer).
    pub fn answer(
        &self,
        conn: ConnectionId,
        binding: Option<(ChannelBindingKind, &[u8])>,
        body: &[u8],
    ) -> Result<Option<Vec<u8>>, ApiError> {
        let accepted = match receive(body, &[]) {
            Received::Accept(a) => a,
            Received::Reject(rej) => {
                return self
                    .encode(&[Attribute::new(rej.error).with_noskip()])
                    .map(Some);
            }
            Received::NotPaTnc(_) => return Ok(None),
        };
        // owned results first, borrowed attributes built afterwards
        enum Out {
            Caps,
            Selection(HashAlgorithms),
            Error(PtsErrorCode, Vec<u8>),
            HashNotSupported,
            Files(u16, u16, Vec<Measured>),
        }
        let mut outs = Vec::new();
        let mut measured_any = false;
        for attr in accepted.iter() {
            match attr.value {
                AttrValue::RequestProtocolCapabilities(_) => outs.push(Out::Caps),
                AttrValue::MeasurementAlgorithmRequest(r) => {
                    match r.algorithms.strongest_common(SUPPORTED) {
                        Some(a) => {
                            if let Ok(mut m) = self.algorithms.lock() {
                                m.insert(conn, a);
                            }
                            outs.push(Out::Selection(a));
                        }
                        None => outs.push(Out::HashNotSupported),
                    }
                }
                AttrValue::RequestFileMeasurement(req) => {
                    let copy = attr
                        .to_vec()
                        .map(|v| v.get(12..).map(<[u8]>::to_vec).unwrap_or_default())
                        .unwrap_or_default();
                    if req.delimiter != DELIMITER_SLASH {
                        self.note(format!(
                            "PTS request {}: delimiter 0x{:x} refused (Invalid Path)",
                            req.request_id, req.delimiter
                        ));
                        outs.push(Out::Error(PtsErrorCode::INVALID_PATH, copy));
                        continue;
                    }
                    let path = match self.manifest.allowed(req.path, req.directory) {
                        Ok(p) => p,
                        Err(e) => {
                            self.note(format!(
                                "PTS request {}: refused (Invalid Path): {e}",
                                req.request_id
                            ));
                            outs.push(Out::Error(PtsErrorCode::INVALID_PATH, copy));
                            continue;
                        }
                    };
                    let alg = self.algorithm(conn);
                    match measure(&path, req.directory, alg) {
                        Ok(files) => {
                            let len = alg
                                .digest_len()
                                .and_then(|l| u16::try_from(l).ok())
                                .unwrap_or(32);
                            measured_any = true;
                            self.note(format!(
                                "PTS request {}: {} measured, {} file(s), {}",
                                req.request_id,
                                req.path,
                                files.len(),
                                alg.names().next().unwrap_or("?")
                            ));
                            outs.push(Out::Files(req.request_id, len, files));
                        }
                        Err(e) => {
                            self.note(format!(
                                "PTS request {}: {} (File Not Found)",
                                req.request_id, e
                            ));
                            outs.push(Out::Error(PtsErrorCode::FILE_NOT_FOUND, copy));
                        }
                    }
                }
                _ => {}
            }
        }
        if outs.is_empty() {
            return Ok(None);
        }
        let entries: Vec<Vec<FileMeasurementEntry<'_>>> = outs
            .iter()
            .map(|o| match o {
                Out::Files(_, _, files) => files
                    .iter()
                    .map(|f| FileMeasurementEntry {
                        digest: &f.digest,
                        name: &f.name,
                    })
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        let mut attrs = Vec::new();
        for (o, e) in outs.iter().zip(&entries) {
            attrs.push(match o {
                Out::Caps => Attribute::new(ProtocolCapabilities {
                    capabilities: Capabilities(0),
                }),
                Out::Selection(a) => {
                    Attribute::new(MeasurementAlgorithmSelection { algorithm: *a })
                }
                Out::HashNotSupported => {
                    Attribute::new(PaTncError::pts_hash_algorithm_not_supported(SUPPORTED))
                        .with_noskip()
                }
                Out::Error(code, copy) => {
                    Attribute::new(PaTncError::pts_request_copy(*code, copy)).with_noskip()
                }
                Out::Files(id, len, _) => Attribute::new(FileMeasurement {
                    request_id: *id,
                    measurement_len: *len,
                    files: Seq::Items(e),
                }),
            });
        }
        let report;
        if measured_any && binding.is_none() {
            self.note("no channel binding available for the report".into());
        }
        if measured_any {
            if let Some((kind, data)) = binding {
                let kind = match kind {
                    ChannelBindingKind::TlsUnique => BindingKind::TLS_UNIQUE,
                    _ => BindingKind::TLS_EXPORTER,
                };
                self.note(format!(
                    "channel binding reported ({kind:?}, {} octets)",
                    data.len()
                ));
                report = BindingReport { kind, data }
                    .encode()
                    .map_err(|e| ApiError::Other(e.to_string()))?;
                attrs.push(
                    Attribute::new(AttrValue::Unknown {
                        vendor: Pen::from_u24(BINDING_PEN),
                        attr_type: BINDING_ATTR_TYPE,
                        value: &report,
                    })
                    .with_noskip(),
                );
            }
        }
        self.encode(&attrs).map(Some)
    }

    fn encode(&self, attrs: &[Attribute<'_>]) -> Result<Vec<u8>, ApiError> {
        let id = self.message_id.fetch_add(1, Ordering::Relaxed);
        tnc_ifm::encode_message(id, attrs).map_err(|e| ApiError::Other(e.to_string()))
    }
}

#[async_trait]
impl Imc for FirmwareImc {
    fn name(&self) -> &str {
        "smgw-firmware"
    }

    fn message_types(&self) -> Vec<MessageTypeFilter> {
        vec![MessageTypeFilter::exact(PTS_MESSAGE_TYPE)]
    }

    async fn notify_connection_change(
        &self,
        ctx: &mut ImcContext,
        state: ConnectionState,
    ) -> Result<(), ApiError> {
        if state == ConnectionState::DELETE {
            if let Ok(mut m) = self.algorithms.lock() {
                m.remove(&ctx.connection());
            }
        }
        Ok(())
    }

    async fn begin_handshake(&self, _ctx: &mut ImcContext) -> Result<(), ApiError> {
        // the GWA's verifier asks for what it wants measured
        Ok(())
    }

    async fn receive_message(
        &self,
        ctx: &mut ImcContext,
        msg: ReceivedMessage<'_>,
    ) -> Result<(), ApiError> {
        let binding = ctx
            .attributes()
            .channel_binding
            .as_ref()
            .map(|b| (b.kind, b.data.clone()));
        let answer = self.answer(
            ctx.connection(),
            binding.as_ref().map(|(k, d)| (*k, d.as_slice())),
            msg.body,
        )?;
        match answer {
            Some(body) => ctx.send_exclusive(PTS_MESSAGE_TYPE, body, msg.source),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use tnc_ifm::pts::{MeasurementAlgorithmRequest, RequestFileMeasurement};

    fn setup() -> (tempfile::TempDir, FirmwareImc) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("fw.img"), b"firmware v1").unwrap();
        std::fs::create_dir(d.path().join("bin")).unwrap();
        std::fs::write(d.path().join("bin/b"), b"bbb").unwrap();
        std::fs::write(d.path().join("bin/a"), b"aaa").unwrap();
        std::fs::create_dir(d.path().join("bin/sub")).unwrap();
        std::fs::write(d.path().join("secret"), b"no").unwrap();
        let m = Manifest::new(vec![
            ManifestEntry {
                name: "fw".into(),
                path: d.path().join("fw.img"),
            },
            ManifestEntry {
                name: "bin".into(),
                path: d.path().join("bin"),
            },
        ]);
        (d, FirmwareImc::new(m))
    }

    fn request(attrs: &[Attribute<'_>]) -> Vec<u8> {
        tnc_ifm::encode_message(9, attrs).unwrap()
    }

    fn rfm(id: u16, dir: bool, path: &str) -> Attribute<'_> {
        Attribute::new(RequestFileMeasurement {
            directory: dir,
            request_id: id,
            delimiter: DELIMITER_SLASH,
            path,
        })
    }

    #[test]
    fn manifest_only() {
        let (d, imc) = setup();
        let m = &imc.manifest;
        let p = |s: &str| d.path().join(s).display().to_string();
        assert!(m.allowed(&p("fw.img"), false).is_ok());
        assert!(m.allowed(&p("bin"), true).is_ok());
        assert!(m.allowed(&p("bin/a"), false).is_ok());
        assert!(m.allowed(&p("secret"), false).is_err());
        assert!(m.allowed(&p("bin/../secret"), false).is_err());
        assert!(m.allowed("fw.img", false).is_err());
        assert!(m.allowed(&p("bin/a"), true).is_err());
    }

    #[test]
    fn answers_file_and_directory_requests_with_binding() {
        let (d, imc) = setup();
        let fw = d.path().join("fw.img").display().to_string();
        let bin = d.path().join("bin").display().to_string();
        let secret = d.path().join("secret").display().to_string();
        let body = request(&[
            Attribute::new(MeasurementAlgorithmRequest {
                algorithms: HashAlgorithms(HashAlgorithms::SHA256.0 | HashAlgorithms::SHA384.0),
            }),
            rfm(1, false, &fw),
            rfm(2, true, &bin),
            rfm(3, false, &secret),
        ]);
        let cb = [7u8; 32];
        let out = imc
            .answer(
                ConnectionId(1),
                Some((ChannelBindingKind::TlsExporter, &cb)),
                &body,
            )
            .unwrap()
            .unwrap();
        let known = [(Pen::from_u24(BINDING_PEN), BINDING_ATTR_TYPE)];
        let Received::Accept(a) = receive(&out, &known) else {
            panic!("answer must be valid PA-TNC")
        };
        let attrs: Vec<_> = a.iter().collect();
        assert!(
            matches!(attrs[0].value, AttrValue::MeasurementAlgorithmSelection(s) if s.algorithm == HashAlgorithms::SHA384)
        );
        let AttrValue::FileMeasurement(f1) = attrs[1].value else {
            panic!("{:?}", attrs[1])
        };
        assert_eq!(f1.request_id, 1);
        assert_eq!(f1.measurement_len, 48);
        let e: Vec<_> = f1.files.iter().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].name, "fw.img");
        assert_eq!(e[0].digest, Sha384::digest(b"firmware v1").as_slice());
        let AttrValue::FileMeasurement(f2) = attrs[2].value else {
            panic!()
        };
        let names: Vec<_> = f2.files.iter().map(|r| r.name).collect();
        assert_eq!(names, ["a", "b"]);
        let AttrValue::PaTncError(err) = attrs[3].value else {
            panic!("{:?}", attrs[3])
        };
        assert_eq!(
            (err.vendor, err.code),
            (Pen::TCG, PtsErrorCode::INVALID_PATH.0)
        );
        let AttrValue::Unknown {
            vendor,
            attr_type,
            value,
        } = attrs[4].value
        else {
            panic!()
        };
        assert_eq!((vendor.get(), attr_type), (BINDING_PEN, BINDING_ATTR_TYPE));
        assert!(attrs[4].noskip());
        let course = imc.take_course();
        assert_eq!(course.len(), 4, "{course:?}");
        assert!(
            course[0].contains("request 1") && course[0].contains("1 file(s)"),
            "{course:?}"
        );
        assert!(course[1].contains("2 file(s)"), "{course:?}");
        assert!(course[2].contains("Invalid Path"), "{course:?}");
        assert!(course[3].contains("channel binding reported"), "{course:?}");
        assert!(imc.take_course().is_empty());
        let rep = BindingReport::decode(value).unwrap();
        assert_eq!(rep.kind, BindingKind::TLS_EXPORTER);
        assert_eq!(rep.data, cb);
    }

    #[test]
    fn default_sha256_missing_file_and_garbage() {
        let (d, imc) = setup();
        let fw = d.path().join("fw.img").display().to_string();
        let out = imc
            .answer(ConnectionId(2), None, &request(&[rfm(5, false, &fw)]))
            .unwrap()
            .unwrap();
        let Received::Accept(a) = receive(&out, &[]) else {
            panic!()
        };
        let attrs: Vec<_> = a.iter().collect();
        assert_eq!(
            attrs.len(),
            1,
            "no binding report without a channel binding"
        );
        let AttrValue::FileMeasurement(f) = attrs[0].value else {
            panic!()
        };
        assert_eq!(
            f.files.iter().next().unwrap().digest,
            Sha256::digest(b"firmware v1").as_slice()
        );
        std::fs::remove_file(d.path().join("fw.img")).unwrap();
        let out = imc
            .answer(ConnectionId(2), None, &request(&[rfm(6, false, &fw)]))
            .unwrap()
            .unwrap();
        let Received::Accept(a) = receive(&out, &[]) else {
            panic!()
        };
        let AttrValue::PaTncError(err) = a.iter().next().unwrap().value else {
            panic!()
        };
        assert_eq!(
            (err.vendor, err.code),
            (Pen::TCG, PtsErrorCode::FILE_NOT_FOUND.0)
        );
        // a malformed PA-TNC message is answered with a PA-TNC error, never a panic
        let mut bad = request(&[rfm(7, false, &fw)]);
        bad.truncate(bad.len() - 2);
        let out = imc.answer(ConnectionId(2), None, &bad).unwrap().unwrap();
        let Received::Accept(a) = receive(&out, &[]) else {
            panic!()
        };
        assert!(matches!(
            a.iter().next().unwrap().value,
            AttrValue::PaTncError(_)
        ));
        assert_eq!(imc.answer(ConnectionId(2), None, b"xy").unwrap(), None);
    }
}
