//! File modes: a vault directory only its owner can enter (0700) and files only its owner can
//! read (0600), whatever the umask.
//!
//! The one decision to know: modes are set when a file is created (never a window where it is
//! readable by others) and tightened again at every passphrase unlock, so a vault made by an
//! older version (or copied with a permissive tool) ends up private too. On other systems the user's profile
//! folder already keeps other accounts out; these functions do nothing there.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// Mode of every file Tipvault writes in or beside a vault.
#[cfg(unix)]
pub const FILE_MODE: u32 = 0o600;
/// Mode of the vault directory.
#[cfg(unix)]
pub const DIR_MODE: u32 = 0o700;

/// Options that create a new file readable by its owner only.
pub fn private_options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options
}

/// Makes an open file readable by its owner only.
pub fn restrict_file(file: &File) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.permissions().mode() & 0o777 != FILE_MODE {
            file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = file;
    Ok(())
}

/// Creates `dir` (and its parents, with the system's defaults) and makes `dir` itself 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    restrict_dir(dir)
}

/// Makes a directory enterable by its owner only.
pub fn restrict_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if std::fs::metadata(dir)?.permissions().mode() & 0o777 != DIR_MODE {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Tightens a vault directory and every regular file in it (an unlock does this, for vaults
/// made before modes were set at creation). Symbolic links are left alone.
pub(crate) fn restrict_vault(dir: &Path) -> io::Result<()> {
    restrict_dir(dir)?;
    #[cfg(unix)]
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            use std::os::unix::fs::PermissionsExt;
            let path = entry.path();
            if entry.metadata()?.permissions().mode() & 0o777 != FILE_MODE {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(FILE_MODE))?;
            }
        }
    }
    Ok(())
}
