//! Shared support for the cross-crate tests: finding (and if needed building) the real
//! binaries, and running them the way a user or a script would.
//!
//! The binaries live in other packages, so Cargo does not hand us their paths
//! (`CARGO_BIN_EXE_*` is per package). We build them once per test process with the same
//! cargo that builds the tests, which is a no-op when `cargo test --workspace` already did.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits directly under the workspace root")
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| {
            if p.is_absolute() {
                p
            } else {
                workspace_root().join(p)
            }
        })
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Set by `scripts/test.sh`, which builds the binaries with the suite's own feature set first:
/// building them here with `-p` would resolve features differently and recompile shared
/// dependencies in every fresh CI run.
const PREBUILT_ENV: &str = "TIPVAULT_TESTS_PREBUILT";

/// Path to the debug build of a workspace binary, building its package first (once).
pub fn binary(package: &str, bin: &str) -> PathBuf {
    static BUILT: OnceLock<std::sync::Mutex<Vec<String>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().expect("no test panicked while building");
    if std::env::var_os(PREBUILT_ENV).is_some() {
        built.push(package.to_owned());
    }
    if !built.iter().any(|p| p == package) {
        let status = Command::new(env!("CARGO"))
            // The suite's test hooks (a clock offset, a test network) are in `test-hooks`
            // builds only.
            .args(["build", "--quiet", "-p", package, "--bin", bin])
            .args(["--features", &format!("{package}/test-hooks")])
            .current_dir(workspace_root())
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {package} failed");
        built.push(package.to_owned());
    }
    target_dir()
        .join("debug")
        .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX))
}

/// The `tipvault` command line, with a clean environment for the vault location.
pub fn tipvault() -> Command {
    let mut cmd = Command::new(binary("tipvault-cli", "tipvault"));
    cmd.env_remove("TIPVAULT_VAULT")
        .env_remove("TIPVAULT_PASSPHRASE");
    cmd
}

/// The output of a finished command as text, with the exit status, for assertions.
pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs a command to completion.
pub fn run(cmd: &mut Command) -> Run {
    cmd.output().expect("the command starts").into()
}
