//! Tipvault's use cases: every action a user can take is one function here.
//!
//! The desktop shell (`src-tauri`) and the command line (`crates/cli`) are thin adapters over
//! this crate: they parse input, call one function, and shape the output. Anything that is a
//! decision about the domain belongs here or below, never in a front end. This crate knows
//! nothing of Tauri or clap.

pub mod error;
pub mod location;
pub mod status;

pub use error::{AppError, ErrorCode};
pub use location::VaultLocation;
pub use status::{VaultState, VaultStatus, vault_status};

/// The version of Tipvault, shown by `tipvault --version` and the desktop's about line.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
