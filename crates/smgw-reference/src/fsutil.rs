//! Atomic, permission-aware file writes.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Mode of files only the gateway reads (state).
pub const MODE_PRIVATE: u32 = 0o600;
/// Mode of files a local reader group may read (logbooks, readings).
pub const MODE_SHARED: u32 = 0o640;

/// Writes `data` to `path` atomically: a temporary file in the same directory
/// with `mode`, fsync, rename over `path`, fsync of the directory. A crash
/// leaves either the old or the new content, never a mix.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp.{}", std::process::id()));
    let mut f = open_with_mode(&tmp, mode, true)?;
    f.write_all(data).map_err(|e| Error::io("write", &tmp, e))?;
    f.sync_all().map_err(|e| Error::io("fsync", &tmp, e))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io("rename", path, e)
    })?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates (truncating if `truncate`, else appending) a file with `mode`; an
/// existing file's mode is set to `mode` too.
pub fn open_with_mode(path: &Path, mode: u32, truncate: bool) -> Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true);
    if truncate {
        o.truncate(true);
    } else {
        o.append(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(mode);
    }
    let f = o.open(path).map_err(|e| Error::io("open", path, e))?;
    set_mode(path, mode)?;
    Ok(f)
}

/// Sets a file's permission bits (no-op off Unix).
pub fn set_mode(path: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io("chmod", path, e))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// Creates a directory (and parents) with mode 0750.
pub fn ensure_dir(path: &Path) -> Result<()> {
    std::fs::create_dir_all(path).map_err(|e| Error::io("create directory", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o750));
    }
    Ok(())
}

/// Reads at most `limit` octets of `path`; `Ok(None)` if it does not exist.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Option<Vec<u8>>> {
    use std::io::Read;
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("open", path, e)),
    };
    let mut buf = Vec::new();
    f.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("read", path, e))?;
    if buf.len() as u64 > limit {
        return Err(Error::Corrupt {
            path: path.into(),
            offset: limit,
            msg: format!("larger than {limit} octets"),
        });
    }
    Ok(Some(buf))
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

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.json");
        write_atomic(&p, b"one", MODE_PRIVATE).unwrap();
        write_atomic(&p, b"two", MODE_PRIVATE).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let m = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(m, 0o600);
        }
        // no temporary file left behind
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
        assert!(read_bounded(&p, 2).is_err());
        assert_eq!(read_bounded(&p, 3).unwrap().unwrap(), b"two");
        assert!(read_bounded(&d.path().join("none"), 3).unwrap().is_none());
    }
}
