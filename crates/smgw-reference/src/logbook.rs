//! Append-only logbooks with a SHA-256 hash chain for tamper evidence.
//!
//! Three kinds, as the seed paper and TR-03109-1 describe them:
//! the **system log** (the whole course of each check, wake-ups, errors), one
//! **consumer log** per consumer (each result), and the **calibration log**
//! (Eich-Log: every failed check). All of them record TNC being switched on or off.
//!
//! Each logbook is a file of JSON lines (mode 0640). Entry `n` carries
//! `prev` = hash of entry `n-1` (for entry 0: a genesis value derived from the
//! logbook's label) and `hash` = SHA-256 over a length-prefixed binary encoding
//! of `prev`, the sequence number, time, level, outcome, event and text (see
//! [`entry_hash`]). Changing, removing, inserting or reordering any entry
//! breaks the chain at that point; [`verify`] finds it. Truncation of the tail
//! is not detectable from the file alone (compare the entry count with a
//! copy held elsewhere, e.g. by the GWA).
//!
//! **Segments.** A gateway's flash is small, so a logbook can be bounded ([`Rotation`]): when
//! the active file `<label>.log` has reached `max_bytes`, it is renamed to `<label>.log.<n>`
//! (n counting up) and a new active file begins with a `log.rotated` entry that continues the
//! chain (its `prev` is the old head, its sequence number the next one). Beyond `keep`
//! archived segments the oldest are deleted — never for the calibration log. A segment must
//! start either with entry 0 (genesis) or with a `log.rotated` entry, and consecutive segments
//! must join exactly, so removing entries at the start of a segment, or a segment in the
//! middle, is still detected; only whole segments at the old end can go, and [`verify_dir`]
//! reports from which sequence number on the chain is kept.

use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fsutil;

/// Longest text of an entry, in characters (as the TR-03109-1 log event model allows).
pub const MAX_TEXT_CHARS: usize = 8192;
/// Longest line accepted when reading a logbook.
pub const MAX_LINE: usize = 64 * 1024;
/// Directory of the logbooks inside the data directory.
pub const LOG_DIR: &str = "logs";

const DOMAIN: &[u8] = b"smgw-reference logbook v1";

/// Event of the entry that starts every segment after the first.
pub const ROTATED_EVENT: &str = "log.rotated";

/// How a logbook is cut into segments (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// Start a new segment once the active file has reached this many octets; 0: never.
    pub max_bytes: u64,
    /// Archived segments kept; older ones are deleted. `None`: keep all.
    pub keep: Option<usize>,
}

impl Rotation {
    /// One file, never cut.
    pub const NEVER: Rotation = Rotation {
        max_bytes: 0,
        keep: None,
    };
}

/// Which logbook.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LogKind {
    /// System log (for the GWA).
    System,
    /// Consumer log of one consumer.
    Consumer(String),
    /// Calibration log (Eich-Log).
    Calibration,
}

impl LogKind {
    /// The label that seeds the chain and names the file (`<label>.log`).
    pub fn label(&self) -> String {
        match self {
            LogKind::System => "system".into(),
            LogKind::Calibration => "calibration".into(),
            LogKind::Consumer(id) => format!("consumer-{id}"),
        }
    }

    /// Parses a label back (`system`, `calibration`, `consumer-<id>`).
    pub fn from_label(label: &str) -> Option<Self> {
        match label {
            "system" => Some(LogKind::System),
            "calibration" => Some(LogKind::Calibration),
            _ => label
                .strip_prefix("consumer-")
                .filter(|id| !id.is_empty())
                .map(|id| LogKind::Consumer(id.into())),
        }
    }
}

/// Severity (values of the TR-03109-1 log event model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// 1
    Info,
    /// 2
    Warning,
    /// 3
    Error,
    /// 4
    Fatal,
}

impl Level {
    fn code(self) -> u8 {
        match self {
            Level::Info => 1,
            Level::Warning => 2,
            Level::Error => 3,
            Level::Fatal => 4,
        }
    }
}

/// Outcome (values of the TR-03109-1 log event model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// 0
    Success,
    /// 1
    Failure,
}

impl Outcome {
    fn code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::Failure => 1,
        }
    }
}

/// One logbook entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Sequence number, from 0, without gaps.
    pub seq: u64,
    /// Unix time.
    pub time: u64,
    /// Severity.
    pub level: Level,
    /// Outcome.
    pub outcome: Outcome,
    /// Machine-readable event name (`check.result`, `tnc.on`, ...).
    pub event: String,
    /// Human-readable text.
    pub text: String,
    /// Hex SHA-256 of the previous entry (genesis value for entry 0).
    pub prev: String,
    /// Hex SHA-256 of this entry.
    pub hash: String,
}

/// The chain value before entry 0 of the logbook labelled `label`.
pub fn genesis(label: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(b" genesis ");
    h.update(label.as_bytes());
    h.finalize().into()
}

/// The hash of an entry: SHA-256 over `DOMAIN ‖ prev ‖ seq ‖ time ‖ level ‖
/// outcome ‖ len(event) ‖ event ‖ len(text) ‖ text` (integers big-endian,
/// lengths as u32).
pub fn entry_hash(
    prev: &[u8; 32],
    seq: u64,
    time: u64,
    level: Level,
    outcome: Outcome,
    event: &str,
    text: &str,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(time.to_be_bytes());
    h.update([level.code(), outcome.code()]);
    for s in [event, text] {
        h.update(u32::try_from(s.len()).unwrap_or(u32::MAX).to_be_bytes());
        h.update(s.as_bytes());
    }
    h.finalize().into()
}

fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// An open logbook, positioned for appending.
#[derive(Debug)]
pub struct Logbook {
    kind: LogKind,
    path: PathBuf,
    next_seq: u64,
    last_hash: [u8; 32],
    rotation: Rotation,
    /// Size of the active file.
    size: u64,
    /// The active file continues an archived segment and has no entry yet: the next append
    /// writes the `log.rotated` entry first.
    pending_marker: bool,
}

/// Archived segments of the logbook whose active file is `active`: (number, path), oldest first.
fn archives(active: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let (Some(dir), Some(name)) = (active.parent(), active.file_name()) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{}.", name.to_string_lossy());
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io("list", dir, e)),
    };
    let mut out = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| Error::io("list", dir, e))?;
        let file = ent.file_name();
        let file = file.to_string_lossy();
        if let Some(n) = file
            .strip_prefix(&prefix)
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<u64>().ok())
        {
            out.push((n, ent.path()));
        }
    }
    out.sort();
    Ok(out)
}

impl Logbook {
    /// Opens (creating with mode 0640) the logbook of `kind` in `log_dir` as one file that is
    /// never cut, recovering the chain head from its last line.
    pub fn open(log_dir: &Path, kind: LogKind) -> Result<Self> {
        Self::open_with(log_dir, kind, Rotation::NEVER)
    }

    /// Opens the logbook of `kind` in `log_dir`, cut into segments by `rotation`. The chain
    /// head comes from the active file's last line, or, when the active file has no entry
    /// yet, from the newest archived segment (a stop between the cut and the next entry).
    pub fn open_with(log_dir: &Path, kind: LogKind, rotation: Rotation) -> Result<Self> {
        fsutil::ensure_dir(log_dir)?;
        let path = log_dir.join(format!("{}.log", kind.label()));
        let mut lb = Logbook {
            last_hash: genesis(&kind.label()),
            kind,
            path,
            next_seq: 0,
            rotation,
            size: 0,
            pending_marker: false,
        };
        let head = match last_line(&lb.path)? {
            Some(l) => Some((lb.path.clone(), l)),
            None => {
                drop(fsutil::open_with_mode(
                    &lb.path,
                    fsutil::MODE_SHARED,
                    false,
                )?);
                match archives(&lb.path)?.pop() {
                    Some((_, newest)) => {
                        lb.pending_marker = true;
                        last_line(&newest)?.map(|l| (newest, l))
                    }
                    None => None,
                }
            }
        };
        if let Some((file, (offset, line))) = head {
            let e = parse_line(&file, offset, &line)?;
            let prev = decode_hash(&file, &e, offset, &e.prev)?;
            let hash = decode_hash(&file, &e, offset, &e.hash)?;
            if entry_hash(&prev, e.seq, e.time, e.level, e.outcome, &e.event, &e.text) != hash {
                return Err(Error::LogChain {
                    path: file,
                    seq: e.seq,
                    offset,
                    msg: "last entry does not match its hash; run verify-logs".into(),
                });
            }
            lb.next_seq = e.seq.saturating_add(1);
            lb.last_hash = hash;
        }
        lb.size = std::fs::metadata(&lb.path)
            .map_err(|e| Error::io("stat", &lb.path, e))?
            .len();
        Ok(lb)
    }

    /// Archives the active file as the next segment, prunes old segments, and arranges for
    /// the new active file to begin with a `log.rotated` entry.
    fn rotate(&mut self) -> Result<()> {
        let existing = archives(&self.path)?;
        let n = existing.last().map_or(1, |(n, _)| n + 1);
        let mut archived = self.path.clone().into_os_string();
        archived.push(format!(".{n}"));
        let archived = PathBuf::from(archived);
        std::fs::rename(&self.path, &archived).map_err(|e| Error::io("rename", &self.path, e))?;
        drop(fsutil::open_with_mode(
            &self.path,
            fsutil::MODE_SHARED,
            false,
        )?);
        if let Some(dir) = self.path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            // the rename and the new file survive a power cut
            let _ = d.sync_all();
        }
        self.size = 0;
        self.pending_marker = true;
        if let Some(keep) = self.rotation.keep {
            let mut all = existing;
            all.push((n, archived));
            let excess = all.len().saturating_sub(keep);
            for (_, old) in all.into_iter().take(excess) {
                std::fs::remove_file(&old).map_err(|e| Error::io("remove", &old, e))?;
            }
        }
        Ok(())
    }

    /// Which logbook this is.
    pub fn kind(&self) -> &LogKind {
        &self.kind
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries written so far.
    pub fn len(&self) -> u64 {
        self.next_seq
    }

    /// Whether the logbook has no entry.
    pub fn is_empty(&self) -> bool {
        self.next_seq == 0
    }

    /// Appends one entry (text cut to [`MAX_TEXT_CHARS`]) with a single
    /// `write` on an `O_APPEND` descriptor, then `fdatasync`; first cuts a new segment when
    /// the active file has reached [`Rotation::max_bytes`].
    pub fn append(
        &mut self,
        time: u64,
        level: Level,
        outcome: Outcome,
        event: &str,
        text: &str,
    ) -> Result<Entry> {
        if self.rotation.max_bytes > 0 && self.size >= self.rotation.max_bytes {
            self.rotate()?;
        }
        if self.pending_marker {
            let archived = archives(&self.path)?
                .last()
                .map(|(_, p)| p.display().to_string())
                .unwrap_or_default();
            let text = format!(
                "continues segment {archived}, which ends with entry {} (head {})",
                self.next_seq.saturating_sub(1),
                hex::encode(self.last_hash)
            );
            self.write_entry(time, Level::Info, Outcome::Success, ROTATED_EVENT, &text)?;
            self.pending_marker = false;
        }
        self.write_entry(time, level, outcome, event, text)
    }

    fn write_entry(
        &mut self,
        time: u64,
        level: Level,
        outcome: Outcome,
        event: &str,
        text: &str,
    ) -> Result<Entry> {
        let text = truncate_chars(text, MAX_TEXT_CHARS);
        let event = truncate_chars(event, 64);
        let hash = entry_hash(
            &self.last_hash,
            self.next_seq,
            time,
            level,
            outcome,
            event,
            text,
        );
        let e = Entry {
            seq: self.next_seq,
            time,
            level,
            outcome,
            event: event.into(),
            text: text.into(),
            prev: hex::encode(self.last_hash),
            hash: hex::encode(hash),
        };
        let mut line = serde_json::to_vec(&e).map_err(|err| Error::Corrupt {
            path: self.path.clone(),
            offset: 0,
            msg: err.to_string(),
        })?;
        line.push(b'\n');
        let mut f = fsutil::open_with_mode(&self.path, fsutil::MODE_SHARED, false)?;
        f.write_all(&line)
            .map_err(|err| Error::io("append", &self.path, err))?;
        f.sync_data()
            .map_err(|err| Error::io("fsync", &self.path, err))?;
        self.next_seq += 1;
        self.last_hash = hash;
        self.size += line.len() as u64;
        Ok(e)
    }
}

fn decode_hash(path: &Path, e: &Entry, offset: u64, s: &str) -> Result<[u8; 32]> {
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| Error::LogChain {
        path: path.into(),
        seq: e.seq,
        offset,
        msg: "hash is not 64 hex digits".into(),
    })?;
    Ok(out)
}

fn parse_line(path: &Path, offset: u64, line: &[u8]) -> Result<Entry> {
    serde_json::from_slice(line).map_err(|e| Error::LogChain {
        path: path.into(),
        seq: 0,
        offset: offset + e.column().saturating_sub(1) as u64,
        msg: format!("entry does not parse: {e}"),
    })
}

/// The last line of a file (without its newline) and its offset; `None` if
/// the file is missing or empty. A file not ending in a newline is an error.
fn last_line(path: &Path) -> Result<Option<(u64, Vec<u8>)>> {
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("open", path, e)),
    };
    let len = f.metadata().map_err(|e| Error::io("stat", path, e))?.len();
    if len == 0 {
        return Ok(None);
    }
    let window = len.min(MAX_LINE as u64 + 1);
    let start = len - window;
    f.seek(SeekFrom::Start(start))
        .map_err(|e| Error::io("seek", path, e))?;
    let mut buf = Vec::with_capacity(usize::try_from(window).unwrap_or(0));
    f.take(window)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("read", path, e))?;
    if buf.last() != Some(&b'\n') {
        return Err(Error::LogChain {
            path: path.into(),
            seq: 0,
            offset: len,
            msg: "file does not end with a complete entry (torn write?); run verify-logs".into(),
        });
    }
    let body = &buf[..buf.len() - 1];
    let from = match body.iter().rposition(|&b| b == b'\n') {
        Some(i) => i + 1,
        None if start == 0 => 0,
        None => {
            return Err(Error::LogChain {
                path: path.into(),
                seq: 0,
                offset: start,
                msg: format!("last entry longer than {MAX_LINE} octets"),
            });
        }
    };
    Ok(Some((start + from as u64, body[from..].to_vec())))
}

/// Result of a successful chain verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Number of entries kept (in all segments checked).
    pub entries: u64,
    /// Hex hash of the last entry (the chain head), or of the genesis value.
    pub head: String,
    /// Sequence number of the first kept entry: 0 unless old segments were deleted.
    pub first_seq: u64,
    /// Segments checked.
    pub segments: usize,
}

/// Reads every entry of a logbook file, checking line bounds (not the chain).
pub fn read_entries(path: &Path) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for_each_line(path, |offset, line| {
        out.push(parse_line(path, offset, line)?);
        Ok(())
    })?;
    Ok(out)
}

fn for_each_line(path: &Path, mut f: impl FnMut(u64, &[u8]) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|e| Error::io("open", path, e))?;
    let mut r = std::io::BufReader::new(file);
    let mut offset = 0u64;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut r)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::io("read", path, e))?;
        if n == 0 {
            return Ok(());
        }
        if line.last() != Some(&b'\n') {
            return Err(Error::LogChain {
                path: path.into(),
                seq: 0,
                offset,
                msg: if n > MAX_LINE {
                    format!("line longer than {MAX_LINE} octets")
                } else {
                    "incomplete last line".into()
                },
            });
        }
        f(offset, &line[..n - 1])?;
        offset += n as u64;
    }
}

/// Verifies the chain of one logbook file `path` labelled `label`: it starts with entry 0 at
/// the genesis value, or (a later segment) with a `log.rotated` entry whose `prev` is taken as
/// the anchor; every further entry must follow exactly.
pub fn verify(path: &Path, label: &str) -> Result<Verified> {
    verify_segment(path, label, None)
}

/// `expect`: the (next sequence number, head) the segment must continue from.
fn verify_segment(path: &Path, label: &str, expect: Option<(u64, [u8; 32])>) -> Result<Verified> {
    let mut state: Option<(u64, [u8; 32])> = expect;
    let mut first_seq = None;
    let mut count = 0u64;
    for_each_line(path, |offset, line| {
        let e = parse_line(path, offset, line)?;
        let prev_in_entry = decode_hash(path, &e, offset, &e.prev)?;
        let (seq, prev) = match state {
            Some(s) => s,
            // the first entry of a segment verified on its own
            None if e.seq == 0 => (0, genesis(label)),
            None if e.event == ROTATED_EVENT => (e.seq, prev_in_entry),
            None => {
                return Err(Error::LogChain {
                    path: path.into(),
                    seq: e.seq,
                    offset,
                    msg: format!(
                        "segment starts with entry {} that is neither entry 0 nor a \
                         {ROTATED_EVENT} entry (entries removed at its start)",
                        e.seq
                    ),
                });
            }
        };
        // errors name the position where the expected entry is missing or wrong
        let broken = |msg: String| Error::LogChain {
            path: path.into(),
            seq,
            offset,
            msg,
        };
        if count == 0 && expect.is_some() && e.event != ROTATED_EVENT {
            return Err(broken(format!(
                "segment does not start with a {ROTATED_EVENT} entry"
            )));
        }
        if e.seq != seq {
            return Err(broken(format!(
                "sequence number {} where {seq} was expected (entry removed or inserted)",
                e.seq
            )));
        }
        if prev_in_entry != prev {
            return Err(broken(
                "prev does not match the previous entry's hash".into(),
            ));
        }
        let h = entry_hash(&prev, e.seq, e.time, e.level, e.outcome, &e.event, &e.text);
        if decode_hash(path, &e, offset, &e.hash)? != h {
            return Err(broken(
                "content does not match the entry's hash (entry altered)".into(),
            ));
        }
        first_seq.get_or_insert(e.seq);
        state = Some((seq + 1, h));
        count += 1;
        Ok(())
    })?;
    let head = state.map_or_else(|| genesis(label), |(_, h)| h);
    Ok(Verified {
        entries: count,
        head: hex::encode(head),
        first_seq: first_seq.unwrap_or(0),
        segments: 1,
    })
}

/// Verifies all segments of one logbook, oldest first (archived `<label>.log.<n>`, then the
/// active `<label>.log`): each on its own and joined to the one before.
pub fn verify_segments(active: &Path, label: &str) -> Result<Verified> {
    let mut files: Vec<PathBuf> = archives(active)?.into_iter().map(|(_, p)| p).collect();
    if active.exists() || files.is_empty() {
        files.push(active.to_path_buf());
    }
    let mut total: Option<Verified> = None;
    let mut expect: Option<(u64, [u8; 32])> = None;
    for f in &files {
        let v = verify_segment(f, label, expect)?;
        if v.entries > 0 {
            let mut head = [0u8; 32];
            hex::decode_to_slice(&v.head, &mut head).map_err(|_| Error::LogChain {
                path: f.clone(),
                seq: 0,
                offset: 0,
                msg: "head is not hex".into(),
            })?;
            expect = Some((v.first_seq + v.entries, head));
        }
        total = Some(match total {
            None => v,
            Some(t) if v.entries == 0 => Verified {
                segments: t.segments + 1,
                ..t
            },
            Some(t) => Verified {
                entries: t.entries + v.entries,
                head: v.head,
                first_seq: if t.entries == 0 {
                    v.first_seq
                } else {
                    t.first_seq
                },
                segments: t.segments + 1,
            },
        });
    }
    let v = total.unwrap_or(Verified {
        entries: 0,
        head: hex::encode(genesis(label)),
        first_seq: 0,
        segments: 0,
    });
    // the calibration log is never pruned: a missing start is a removal
    if label == LogKind::Calibration.label() && v.first_seq > 0 {
        return Err(Error::LogChain {
            path: files
                .first()
                .cloned()
                .unwrap_or_else(|| active.to_path_buf()),
            seq: 0,
            offset: 0,
            msg: format!(
                "calibration log starts at entry {}: its first segments are missing (it is never rotated away)",
                v.first_seq
            ),
        });
    }
    Ok(v)
}

/// Verifies every logbook in `log_dir` with all its segments; returns (label, result) per
/// logbook, sorted.
pub fn verify_dir(log_dir: &Path) -> Result<Vec<(String, Result<Verified>)>> {
    let rd = std::fs::read_dir(log_dir).map_err(|e| Error::io("list", log_dir, e))?;
    let mut labels = std::collections::BTreeSet::new();
    for ent in rd {
        let ent = ent.map_err(|e| Error::io("list", log_dir, e))?;
        let name = ent.file_name().to_string_lossy().into_owned();
        // `<label>.log` or an archived `<label>.log.<n>`
        let label = match name.rsplit_once(".log") {
            Some((label, "")) => label,
            Some((label, rest))
                if rest.len() > 1
                    && rest.starts_with('.')
                    && rest[1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                label
            }
            _ => continue,
        };
        if !label.is_empty() {
            labels.insert(label.to_owned());
        }
    }
    Ok(labels
        .into_iter()
        .map(|label| {
            let r = verify_segments(&log_dir.join(format!("{label}.log")), &label);
            (label, r)
        })
        .collect())
}

/// The gateway's set of logbooks.
#[derive(Debug)]
pub struct Logbooks {
    /// System log.
    pub system: Logbook,
    /// Calibration log (Eich-Log).
    pub calibration: Logbook,
    /// One consumer log per configured consumer.
    pub consumers: Vec<Logbook>,
}

impl Logbooks {
    /// Opens all logbooks in `data_dir/logs`, each one file that is never cut.
    pub fn open<'a>(
        data_dir: &Path,
        consumer_ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self> {
        Self::open_with(data_dir, consumer_ids, Rotation::NEVER)
    }

    /// Opens all logbooks in `data_dir/logs`, cut into segments by `rotation`; the
    /// calibration log (Eich-Log) keeps every segment whatever `rotation.keep` says.
    pub fn open_with<'a>(
        data_dir: &Path,
        consumer_ids: impl IntoIterator<Item = &'a str>,
        rotation: Rotation,
    ) -> Result<Self> {
        let dir = data_dir.join(LOG_DIR);
        let keep_all = Rotation {
            keep: None,
            ..rotation
        };
        Ok(Logbooks {
            system: Logbook::open_with(&dir, LogKind::System, rotation)?,
            calibration: Logbook::open_with(&dir, LogKind::Calibration, keep_all)?,
            consumers: consumer_ids
                .into_iter()
                .map(|id| Logbook::open_with(&dir, LogKind::Consumer(id.into()), rotation))
                .collect::<Result<_>>()?,
        })
    }

    /// Appends the same entry to every logbook (TNC on/off).
    pub fn append_all(
        &mut self,
        time: u64,
        level: Level,
        outcome: Outcome,
        event: &str,
        text: &str,
    ) -> Result<()> {
        self.system.append(time, level, outcome, event, text)?;
        self.calibration.append(time, level, outcome, event, text)?;
        for c in &mut self.consumers {
            c.append(time, level, outcome, event, text)?;
        }
        Ok(())
    }

    /// Appends to every consumer log.
    pub fn append_consumers(
        &mut self,
        time: u64,
        level: Level,
        outcome: Outcome,
        event: &str,
        text: &str,
    ) -> Result<()> {
        for c in &mut self.consumers {
            c.append(time, level, outcome, event, text)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::field_reassign_with_default
    )]
    use super::*;

    fn fill(dir: &Path, n: u64) -> PathBuf {
        let mut lb = Logbook::open(dir, LogKind::System).unwrap();
        for i in 0..n {
            lb.append(
                1000 + i,
                Level::Info,
                Outcome::Success,
                "test",
                &format!("entry {i}"),
            )
            .unwrap();
        }
        lb.path().to_path_buf()
    }

    fn rotating(dir: &Path, kind: LogKind, keep: Option<usize>) -> Logbook {
        Logbook::open_with(
            dir,
            kind,
            Rotation {
                max_bytes: 2000,
                keep,
            },
        )
        .unwrap()
    }

    fn add(lb: &mut Logbook, n: u64) {
        for i in 0..n {
            lb.append(
                1000 + i,
                Level::Info,
                Outcome::Success,
                "test",
                &"x".repeat(200),
            )
            .unwrap();
        }
    }

    #[test]
    fn segments_join_and_verify_across_reopen() {
        let d = tempfile::tempdir().unwrap();
        let mut lb = rotating(d.path(), LogKind::System, None);
        add(&mut lb, 40);
        let segs = archives(lb.path()).unwrap();
        assert!(segs.len() >= 3, "{} archived segments", segs.len());
        // every segment after the first begins with the rotation entry
        let active = read_entries(lb.path()).unwrap();
        assert_eq!(active[0].event, ROTATED_EVENT);
        assert!(active[0].text.contains("system.log."));
        // reopen continues the chain in the active segment
        let before = lb.len();
        drop(lb);
        let mut lb = rotating(d.path(), LogKind::System, None);
        assert_eq!(lb.len(), before);
        add(&mut lb, 1);
        let v = verify_segments(lb.path(), "system").unwrap();
        assert_eq!(v.first_seq, 0);
        assert_eq!(v.entries, lb.len());
        assert_eq!(v.segments, segs.len() + 1);
        let r = verify_dir(d.path()).unwrap();
        assert_eq!(r.len(), 1, "one logbook, however many segments");
        assert_eq!(r[0].1.as_ref().unwrap().entries, lb.len());
        // each file still verifies on its own (a later segment from its rotation entry)
        for (_, p) in &segs {
            verify(p, "system").unwrap();
        }
        verify(lb.path(), "system").unwrap();
    }

    #[test]
    fn old_segments_are_pruned_but_not_for_the_calibration_log() {
        let d = tempfile::tempdir().unwrap();
        let mut sys = rotating(d.path(), LogKind::System, Some(2));
        let mut cal = rotating(d.path(), LogKind::Calibration, None);
        add(&mut sys, 60);
        add(&mut cal, 60);
        assert_eq!(archives(sys.path()).unwrap().len(), 2);
        assert!(archives(cal.path()).unwrap().len() > 2);
        let v = verify_segments(sys.path(), "system").unwrap();
        assert!(v.first_seq > 0, "older entries were deleted");
        assert_eq!(v.first_seq + v.entries, sys.len());
        assert_eq!(
            verify_segments(cal.path(), "calibration")
                .unwrap()
                .first_seq,
            0
        );
    }

    #[test]
    fn removals_at_segment_starts_and_missing_middle_segments_are_detected() {
        let d = tempfile::tempdir().unwrap();
        let mut lb = rotating(d.path(), LogKind::System, None);
        add(&mut lb, 40);
        let segs = archives(lb.path()).unwrap();
        // drop the first line (the rotation entry) of the active segment
        let text = std::fs::read_to_string(lb.path()).unwrap();
        let rest: String = text.split_inclusive('\n').skip(1).collect();
        std::fs::write(lb.path(), rest).unwrap();
        let err = verify_segments(lb.path(), "system")
            .unwrap_err()
            .to_string();
        assert!(err.contains("log.rotated"), "{err}");
        std::fs::write(lb.path(), &text).unwrap();
        verify_segments(lb.path(), "system").unwrap();
        // a middle segment taken away breaks the join
        std::fs::remove_file(&segs[1].1).unwrap();
        let err = verify_segments(lb.path(), "system")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected") || err.contains("prev"), "{err}");
    }

    #[test]
    fn a_stop_between_cut_and_next_entry_is_recovered() {
        let d = tempfile::tempdir().unwrap();
        let mut lb = rotating(d.path(), LogKind::System, None);
        add(&mut lb, 9);
        let n = lb.len();
        drop(lb);
        // as if the process stopped right after renaming the active file
        let active = d.path().join("system.log");
        std::fs::rename(&active, d.path().join("system.log.7")).unwrap();
        let mut lb = rotating(d.path(), LogKind::System, None);
        assert_eq!(lb.len(), n, "head recovered from the newest segment");
        add(&mut lb, 1);
        assert_eq!(read_entries(lb.path()).unwrap()[0].event, ROTATED_EVENT);
        let v = verify_segments(lb.path(), "system").unwrap();
        assert_eq!((v.first_seq, v.entries), (0, n + 2));
    }

    #[test]
    fn chain_verifies_and_survives_reopen() {
        let d = tempfile::tempdir().unwrap();
        let p = fill(d.path(), 3);
        // reopening continues the chain
        let mut lb = Logbook::open(d.path(), LogKind::System).unwrap();
        assert_eq!(lb.len(), 3);
        lb.append(2000, Level::Error, Outcome::Failure, "x", "after reopen")
            .unwrap();
        let v = verify(&p, "system").unwrap();
        assert_eq!(v.entries, 4);
        let entries = read_entries(&p).unwrap();
        assert_eq!(entries[3].text, "after reopen");
        assert_eq!(v.head, entries[3].hash);
        // the genesis depends on the label: a system log is no calibration log
        assert!(verify(&p, "calibration").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(m & 0o777, 0o640);
        }
    }

    fn rewrite(p: &Path, f: impl FnOnce(&mut Vec<String>)) {
        let text = std::fs::read_to_string(p).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        f(&mut lines);
        std::fs::write(p, lines.join("\n") + "\n").unwrap();
    }

    fn broken_at(p: &Path) -> u64 {
        match verify(p, "system") {
            Err(Error::LogChain { seq, .. }) => seq,
            other => panic!("expected a broken chain, got {other:?}"),
        }
    }

    #[test]
    fn every_kind_of_tampering_is_found() {
        let d = tempfile::tempdir().unwrap();
        let p = fill(d.path(), 5);
        let orig = std::fs::read(&p).unwrap();

        rewrite(&p, |l| l[2] = l[2].replace("entry 2", "entry X"));
        assert_eq!(broken_at(&p), 2);

        std::fs::write(&p, &orig).unwrap();
        rewrite(&p, |l| {
            l.remove(1);
        });
        assert_eq!(broken_at(&p), 1);

        std::fs::write(&p, &orig).unwrap();
        rewrite(&p, |l| l.swap(3, 4));
        assert_eq!(broken_at(&p), 3);

        // recomputing an altered entry's own hash still breaks the next link
        std::fs::write(&p, &orig).unwrap();
        rewrite(&p, |l| {
            let mut e: Entry = serde_json::from_str(&l[1]).unwrap();
            e.text = "forged".into();
            let mut prev = [0u8; 32];
            hex::decode_to_slice(&e.prev, &mut prev).unwrap();
            e.hash = hex::encode(entry_hash(
                &prev, e.seq, e.time, e.level, e.outcome, &e.event, &e.text,
            ));
            l[1] = serde_json::to_string(&e).unwrap();
        });
        assert_eq!(broken_at(&p), 2);

        std::fs::write(&p, &orig).unwrap();
        rewrite(&p, |l| l[0] = "not json".into());
        assert!(verify(&p, "system").is_err());

        // reopening a logbook whose last entry was altered refuses to append
        std::fs::write(&p, &orig).unwrap();
        rewrite(&p, |l| l[4] = l[4].replace("entry 4", "entry Y"));
        assert!(Logbook::open(d.path(), LogKind::System).is_err());

        // torn last line
        let mut torn = orig.clone();
        torn.truncate(orig.len() - 3);
        std::fs::write(&p, &torn).unwrap();
        assert!(Logbook::open(d.path(), LogKind::System).is_err());
        assert!(verify(&p, "system").is_err());

        std::fs::write(&p, &orig).unwrap();
        assert_eq!(verify(&p, "system").unwrap().entries, 5);
    }

    #[test]
    fn oversized_lines_and_text_are_bounded() {
        let d = tempfile::tempdir().unwrap();
        let mut lb = Logbook::open(d.path(), LogKind::Calibration).unwrap();
        let e = lb
            .append(
                1,
                Level::Info,
                Outcome::Success,
                "big",
                &"ä".repeat(MAX_TEXT_CHARS + 10),
            )
            .unwrap();
        assert_eq!(e.text.chars().count(), MAX_TEXT_CHARS);
        assert_eq!(verify(lb.path(), "calibration").unwrap().entries, 1);
        let p = d.path().join("system.log");
        std::fs::write(&p, vec![b'a'; MAX_LINE + 10]).unwrap();
        assert!(verify(&p, "system").is_err());
        std::fs::write(&p, [vec![b'a'; MAX_LINE + 10], b"\n".to_vec()].concat()).unwrap();
        assert!(matches!(verify(&p, "system"), Err(Error::LogChain { .. })));
        assert!(Logbook::open(d.path(), LogKind::System).is_err());
    }

    #[test]
    fn logbooks_set_and_verify_dir() {
        let d = tempfile::tempdir().unwrap();
        let mut lbs = Logbooks::open(d.path(), ["c1", "c2"]).unwrap();
        lbs.append_all(
            5,
            Level::Info,
            Outcome::Success,
            "tnc.on",
            "TNC switched on",
        )
        .unwrap();
        lbs.append_consumers(6, Level::Info, Outcome::Success, "check.result", "trusted")
            .unwrap();
        let res = verify_dir(&d.path().join(LOG_DIR)).unwrap();
        let labels: Vec<_> = res.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["calibration", "consumer-c1", "consumer-c2", "system"]
        );
        let counts: Vec<_> = res
            .iter()
            .map(|(_, r)| r.as_ref().unwrap().entries)
            .collect();
        assert_eq!(counts, [1, 2, 2, 1]);
        assert_eq!(
            LogKind::from_label("consumer-c1"),
            Some(LogKind::Consumer("c1".into()))
        );
        assert_eq!(LogKind::from_label("consumer-"), None);
    }
}
