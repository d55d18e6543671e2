//! The UNIX `tnc_config` file (TCG platform binding; digest `if-imc-imv.md` §7).
//!
//! ```text
//! # IMC configuration
//! IMC "OS"       /usr/lib/ipsec/imcvs/imc-os.so
//! IMV "Scanner"  "/opt/vendor x/imv-scanner.so"
//! ```
//!
//! Each `IMC`/`IMV` line: the keyword, whitespace, the name in double quotes (may contain
//! spaces; `\"` and `\\` escape a quote and a backslash), whitespace, the path of the shared
//! object (up to the next whitespace, or in double quotes — an extension over strongSwan, which
//! does not support paths with spaces). As in strongSwan, text after the path is ignored.
//! `#` starts a comment line, blank lines are skipped, lines with other keywords (e.g.
//! `JAVA-IMC`) are ignored. Errors carry the 1-based line and column.

use std::path::PathBuf;

/// Whether a `tnc_config` line names a collector or a verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PluginKind {
    /// `IMC` (loaded by a TNC client).
    Imc,
    /// `IMV` (loaded by a TNC server).
    Imv,
}

/// One `IMC`/`IMV` line of a `tnc_config` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    /// `IMC` or `IMV`.
    pub kind: PluginKind,
    /// The human-readable name (without the quotes).
    pub name: String,
    /// The shared object's path as written.
    pub path: PathBuf,
    /// 1-based line number of the entry.
    pub line: usize,
}

/// What is wrong with a `tnc_config` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The keyword is not followed by whitespace and a quoted name.
    #[error("expected whitespace and a double-quoted name after the keyword")]
    ExpectedName,
    /// The name's closing quote is missing.
    #[error("unterminated quoted string")]
    Unterminated,
    /// The name is empty.
    #[error("empty name")]
    EmptyName,
    /// No path follows the name.
    #[error("expected the library path after the name")]
    ExpectedPath,
    /// A backslash escape other than `\"` or `\\`.
    #[error("invalid escape sequence")]
    InvalidEscape,
}

/// A `tnc_config` syntax error at a line and column (both 1-based, column in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("tnc_config line {line}, column {column}: {kind}")]
pub struct ConfigError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What is wrong.
    pub kind: ConfigErrorKind,
}

/// A parsed `tnc_config` file: its `IMC` and `IMV` entries in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TncConfig {
    /// All entries, in file order (= load order).
    pub entries: Vec<ConfigEntry>,
}

impl TncConfig {
    /// Parses the text of a `tnc_config` file; the first malformed line is an error.
    ///
    /// ```
    /// use tnc_imc_api::c_abi::tnc_config::{PluginKind, TncConfig};
    /// let c = TncConfig::parse("# demo\nIMC \"OS\" /usr/lib/imc-os.so\nJAVA-IMC \"x\" a b\n")
    ///     .unwrap();
    /// assert_eq!(c.entries.len(), 1);
    /// assert_eq!(c.entries[0].kind, PluginKind::Imc);
    /// assert_eq!(c.entries[0].line, 2);
    /// let e = TncConfig::parse("IMV \"Scanner /lib/x.so\n").unwrap_err();
    /// assert_eq!((e.line, e.column), (1, 5));
    /// ```
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            if let Some(e) = parse_line(raw, i + 1)? {
                entries.push(e);
            }
        }
        Ok(Self { entries })
    }

    /// The `IMC` entries.
    pub fn imcs(&self) -> impl Iterator<Item = &ConfigEntry> {
        self.entries.iter().filter(|e| e.kind == PluginKind::Imc)
    }

    /// The `IMV` entries.
    pub fn imvs(&self) -> impl Iterator<Item = &ConfigEntry> {
        self.entries.iter().filter(|e| e.kind == PluginKind::Imv)
    }
}

/// A cursor over one line's characters that knows its column.
struct Cursor<'a> {
    chars: core::iter::Peekable<core::str::Chars<'a>>,
    column: usize,
}

impl Cursor<'_> {
    fn peek(&mut self) -> Option<char> {
        self.chars.peek().copied()
    }
    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next();
        if c.is_some() {
            self.column += 1;
        }
        c
    }
    /// Skips whitespace; returns whether there was any.
    fn skip_ws(&mut self) -> bool {
        let mut any = false;
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
            any = true;
        }
        any
    }
}

fn parse_line(raw: &str, line: usize) -> Result<Option<ConfigEntry>, ConfigError> {
    let trimmed = raw.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let keyword: String = trimmed
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"')
        .collect();
    let kind = match keyword.as_str() {
        "IMC" => PluginKind::Imc,
        "IMV" => PluginKind::Imv,
        _ => return Ok(None),
    };
    let mut cur = Cursor {
        chars: raw.chars().peekable(),
        column: 1,
    };
    cur.skip_ws();
    for _ in 0..keyword.chars().count() {
        cur.bump();
    }
    let err = |column, kind| ConfigError { line, column, kind };
    if !cur.skip_ws() || cur.peek() != Some('"') {
        return Err(err(cur.column, ConfigErrorKind::ExpectedName));
    }
    let name_col = cur.column;
    let name = quoted(&mut cur).map_err(|(c, k)| err(c, k))?;
    if name.is_empty() {
        return Err(err(name_col, ConfigErrorKind::EmptyName));
    }
    let had_ws = cur.skip_ws();
    let path = match cur.peek() {
        Some('"') if had_ws => quoted(&mut cur).map_err(|(c, k)| err(c, k))?,
        Some(_) if had_ws => {
            let mut p = String::new();
            while let Some(c) = cur.peek().filter(|c| !c.is_whitespace()) {
                p.push(c);
                cur.bump();
            }
            p
        }
        _ => return Err(err(cur.column, ConfigErrorKind::ExpectedPath)),
    };
    if path.is_empty() {
        return Err(err(cur.column, ConfigErrorKind::ExpectedPath));
    }
    Ok(Some(ConfigEntry {
        kind,
        name,
        path: PathBuf::from(path),
        line,
    }))
}

/// Reads a double-quoted string at the cursor (which is on the opening quote).
fn quoted(cur: &mut Cursor<'_>) -> Result<String, (usize, ConfigErrorKind)> {
    let start = cur.column;
    cur.bump();
    let mut s = String::new();
    loop {
        match cur.bump() {
            None => return Err((start, ConfigErrorKind::Unterminated)),
            Some('"') => return Ok(s),
            Some('\\') => match cur.bump() {
                Some(c @ ('"' | '\\')) => s.push(c),
                _ => return Err((cur.column - 1, ConfigErrorKind::InvalidEscape)),
            },
            Some(c) => s.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_entries_comments_and_foreign_lines() {
        let text = "# comment\n\n  IMC \"OS Info\"\t/usr/lib/imc-os.so trailing\nJAVA-IMC \"j\" a.B x.jar\n\
                    IMV \"Scan \\\"x\\\"\" \"/opt/my dir/imv.so\"\nIMCX \"n\" /p\n";
        let c = TncConfig::parse(text).unwrap();
        assert_eq!(c.entries.len(), 2);
        assert_eq!(c.entries[0].name, "OS Info");
        assert_eq!(c.entries[0].path, PathBuf::from("/usr/lib/imc-os.so"));
        assert_eq!(c.entries[0].line, 3);
        assert_eq!(c.entries[1].kind, PluginKind::Imv);
        assert_eq!(c.entries[1].name, "Scan \"x\"");
        assert_eq!(c.entries[1].path, PathBuf::from("/opt/my dir/imv.so"));
        assert_eq!(c.imcs().count(), 1);
        assert_eq!(c.imvs().count(), 1);
    }

    #[test]
    fn errors_are_line_and_column_precise() {
        let cases: &[(&str, usize, usize, ConfigErrorKind)] = &[
            ("IMC OS /x.so", 1, 5, ConfigErrorKind::ExpectedName),
            ("IMC\"OS\" /x.so", 1, 4, ConfigErrorKind::ExpectedName),
            ("\n\nIMV \"OS /x.so", 3, 5, ConfigErrorKind::Unterminated),
            ("IMC \"\" /x.so", 1, 5, ConfigErrorKind::EmptyName),
            ("IMC \"OS\"", 1, 9, ConfigErrorKind::ExpectedPath),
            ("IMC \"OS\"/x.so", 1, 9, ConfigErrorKind::ExpectedPath),
            ("IMC \"OS\"   ", 1, 12, ConfigErrorKind::ExpectedPath),
            ("IMC \"O\\S\" /x", 1, 8, ConfigErrorKind::InvalidEscape),
            (
                "# ok\nIMC \"a\" /a.so\nIMV",
                3,
                4,
                ConfigErrorKind::ExpectedName,
            ),
        ];
        for (text, line, column, kind) in cases {
            let e = TncConfig::parse(text).unwrap_err();
            assert_eq!(
                (e.line, e.column, e.kind),
                (*line, *column, *kind),
                "{text:?}"
            );
        }
    }
}
