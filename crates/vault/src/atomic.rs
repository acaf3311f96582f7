//! Atomic, durable replacement of small files (the sidecar and the throttle file).
//!
//! The one decision to know: a reader must only ever see the old or the new content, even after
//! a power cut, so we write a temp file in the same directory, fsync it, rename it over the
//! target, then fsync the directory so the rename itself is durable.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

use crate::key::random_bytes;

/// Replaces `path` with `contents` atomically and durably.
pub(crate) fn replace(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent"))?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut suffix = [0u8; 6];
    random_bytes(&mut suffix).map_err(io::Error::other)?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        hex::encode(suffix)
    ));
    let result = write_then_rename(&tmp, path, dir, contents);
    if result.is_err() {
        // Best effort: never leave a half-written temp file behind.
        let _ = fs::remove_file(&tmp);
    }
    result
}

fn write_then_rename(tmp: &Path, path: &Path, dir: &Path, contents: &[u8]) -> io::Result<()> {
    // Owner-only from the first byte (the sidecar, the throttle counter, exports).
    let mut file = crate::files::private_options()
        .write(true)
        .create_new(true)
        .open(tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, path)?;
    sync_dir(dir)
}

/// Makes a rename or unlink in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        // Windows cannot open a directory as a file; NTFS journals renames itself.
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_overwrites_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("file.json");
        replace(&target, b"one").unwrap();
        replace(&target, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "temp files must be renamed away: {names:?}");
    }
}
