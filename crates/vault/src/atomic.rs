//! Atomic, durable replacement of small files (the sidecar and the throttle file).
//!
//! The one decision to know: a reader must only ever see the old or the new content, even after
//! a power cut, so we write a temp file in the same directory, fsync it, rename it over the
//! target, then fsync the directory so the rename itself is durable. A writer killed between
//! the two leaves its temp file behind; the next write of the same file removes such leftovers
//! once they are old enough that no writer can still be using them. "Old" is judged by the
//! file system's clock (the new file's own modification time), not the process's, which may
//! differ (a test's moved clock, a skewed VM).

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

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
    if result.is_ok()
        && let Ok(now) = fs::metadata(path).and_then(|m| m.modified())
    {
        sweep_leftovers(dir, &name.to_string_lossy(), now);
    }
    result
}

/// A temp file older than this was left by a writer that was killed: a live write takes
/// milliseconds from creating its temp file to renaming it.
const LEFTOVER_AFTER: Duration = Duration::from_secs(60);

/// Removes `.{name}.tmp-*` files in `dir` last modified before `now - LEFTOVER_AFTER`, `now`
/// being the file system's (best effort: a file that cannot be read or removed is left for the
/// next write).
fn sweep_leftovers(dir: &Path, name: &str, now: SystemTime) {
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|modified| {
                now.duration_since(modified)
                    .is_ok_and(|age| age > LEFTOVER_AFTER)
            });
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
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

    #[test]
    fn a_killed_writers_old_temp_file_is_swept_and_a_fresh_one_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("file.json");
        let old = dir.path().join(".file.json.tmp-0a0b0c0d0e0f");
        let fresh = dir.path().join(".file.json.tmp-111213141516");
        let other = dir.path().join(".other.json.tmp-0a0b0c0d0e0f");
        for path in [&old, &fresh, &other] {
            fs::write(path, b"half").unwrap();
        }
        // An hour before now by the file system's clock (the process's may be moved: the suite
        // runs again with the clock years ahead).
        let probe = dir.path().join("probe");
        fs::write(&probe, b"").unwrap();
        let fs_now = fs::metadata(&probe).unwrap().modified().unwrap();
        let long_ago = fs_now - Duration::from_secs(3600);
        for path in [&old, &other] {
            File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(long_ago)
                .unwrap();
        }
        replace(&target, b"one").unwrap();
        assert!(!old.exists(), "a leftover of this file is removed");
        assert!(fresh.exists(), "a temp file that may be in use is kept");
        assert!(
            other.exists(),
            "another file's temp files are not this write's business"
        );
        assert_eq!(fs::read(&target).unwrap(), b"one");
    }
}
