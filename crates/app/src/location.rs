//! Where the vault lives on disk.
//!
//! A vault is a directory (the encrypted database, its write-ahead log and the key sidecar
//! travel together). The location is chosen once, at the edge, in this order: an explicit path
//! (`--vault`), the `TIPVAULT_VAULT` environment variable, then the platform's per-user data
//! directory. Front ends resolve it with [`VaultLocation::resolve`] and pass the result down.

use std::path::{Path, PathBuf};

use crate::error::{AppError, ErrorCode};

/// The environment variable that overrides the default vault location.
pub const VAULT_ENV: &str = "TIPVAULT_VAULT";

/// A resolved vault directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VaultLocation {
    dir: PathBuf,
}

impl VaultLocation {
    /// A vault at exactly this directory.
    pub fn at(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The explicit path if given, else `TIPVAULT_VAULT`, else the platform default
    /// (e.g. `~/.local/share/tipvault/vault` on Linux).
    pub fn resolve(explicit: Option<&Path>) -> Result<Self, AppError> {
        if let Some(dir) = explicit {
            return Ok(Self::at(dir));
        }
        match std::env::var_os(VAULT_ENV) {
            Some(dir) if !dir.is_empty() => Ok(Self::at(PathBuf::from(dir))),
            _ => Self::platform_default(),
        }
    }

    fn platform_default() -> Result<Self, AppError> {
        let dirs =
            directories::ProjectDirs::from("app", "Tipvault", "tipvault").ok_or_else(|| {
                AppError::new(
                    ErrorCode::VaultLocation,
                    "Could not find a home directory for the vault: name where it lives.",
                )
                .with_hint(crate::error::Hint::NameVault)
            })?;
        Ok(Self::at(dirs.data_dir().join("vault")))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The demo vault that belongs to this one: a sibling directory `<name>.demo`, so its
    /// files are never the real vault's (see `crate::demo`).
    #[must_use]
    pub fn demo(&self) -> Self {
        let mut name = self
            .dir
            .file_name()
            .map(std::ffi::OsStr::to_os_string)
            .unwrap_or_else(|| "vault".into());
        name.push(".demo");
        Self::at(self.dir.with_file_name(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_vault_is_a_sibling_never_inside_the_real_one() {
        let real = VaultLocation::at("/data/tipvault/vault.v2");
        let demo = real.demo();
        assert_eq!(demo.dir(), Path::new("/data/tipvault/vault.v2.demo"));
        assert!(!demo.dir().starts_with(real.dir()));
    }

    #[test]
    fn explicit_path_wins() {
        let loc = VaultLocation::resolve(Some(Path::new("/tmp/x"))).unwrap();
        assert_eq!(loc.dir(), Path::new("/tmp/x"));
    }
}
