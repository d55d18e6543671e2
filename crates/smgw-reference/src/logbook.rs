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
}

impl Logbook {
    /// Opens (creating with mode 0640) the logbook of `kind` in `log_dir`,
    /// recovering the chain head from its last line.
    pub fn open(log_dir: &Path, kind: LogKind) -> Result<Self> {
        fsutil::ensure_dir(log_dir)?;
        let path = log_dir.join(format!("{}.log", kind.label()));
        let mut lb = Logbook {
            last_hash: genesis(&kind.label()),
            kind,
            path,
            next_seq: 0,
        };
        if let Some((offset, line)) = last_line(&lb.path)? {
            let e = parse_line(&lb.path, offset, &line)?;
            let prev = decode_hash(&lb.path, &e, offset, &e.prev)?;
            let hash = decode_hash(&lb.path, &e, offset, &e.hash)?;
            if entry_hash(&prev, e.seq, e.time, e.level, e.outcome, &e.event, &e.text) != hash {
                return Err(Error::LogChain {
                    path: lb.path.clone(),
                    seq: e.seq,
                    offset,
                    msg: "last entry does not match its hash; run verify-logs".into(),
                });
            }
            lb.next_seq = e.seq.saturating_add(1);
            lb.last_hash = hash;
        } else {
            drop(fsutil::open_with_mode(
                &lb.path,
                fsutil::MODE_SHARED,
                false,
            )?);
        }
        Ok(lb)
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
    /// `write` on an `O_APPEND` descriptor, then `fdatasync`.
    pub fn append(
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
    /// Number of entries.
    pub entries: u64,
    /// Hex hash of the last entry (the chain head), or of the genesis value.
    pub head: String,
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

/// Verifies the chain of the logbook file `path` labelled `label`.
pub fn verify(path: &Path, label: &str) -> Result<Verified> {
    let mut prev = genesis(label);
    let mut seq = 0u64;
    for_each_line(path, |offset, line| {
        let e = parse_line(path, offset, line)?;
        let broken = |msg: &str| Error::LogChain {
            path: path.into(),
            seq,
            offset,
            msg: msg.into(),
        };
        if e.seq != seq {
            return Err(broken(&format!(
                "sequence number {} where {seq} was expected (entry removed or inserted)",
                e.seq
            )));
        }
        if decode_hash(path, &e, offset, &e.prev)? != prev {
            return Err(broken("prev does not match the previous entry's hash"));
        }
        let h = entry_hash(&prev, e.seq, e.time, e.level, e.outcome, &e.event, &e.text);
        if decode_hash(path, &e, offset, &e.hash)? != h {
            return Err(broken(
                "content does not match the entry's hash (entry altered)",
            ));
        }
        prev = h;
        seq += 1;
        Ok(())
    })?;
    Ok(Verified {
        entries: seq,
        head: hex::encode(prev),
    })
}

/// Verifies every `*.log` file in `log_dir`; returns (label, result) per file, sorted.
pub fn verify_dir(log_dir: &Path) -> Result<Vec<(String, Result<Verified>)>> {
    let rd = std::fs::read_dir(log_dir).map_err(|e| Error::io("list", log_dir, e))?;
    let mut out = Vec::new();
    for ent in rd {
        let ent = ent.map_err(|e| Error::io("list", log_dir, e))?;
        let p = ent.path();
        if p.extension().and_then(|x| x.to_str()) != Some("log") {
            continue;
        }
        let label = p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let r = verify(&p, &label);
        out.push((label, r));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
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
    /// Opens all logbooks in `data_dir/logs`.
    pub fn open<'a>(
        data_dir: &Path,
        consumer_ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self> {
        let dir = data_dir.join(LOG_DIR);
        Ok(Logbooks {
            system: Logbook::open(&dir, LogKind::System)?,
            calibration: Logbook::open(&dir, LogKind::Calibration)?,
            consumers: consumer_ids
                .into_iter()
                .map(|id| Logbook::open(&dir, LogKind::Consumer(id.into())))
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
