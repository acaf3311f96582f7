//! Integration tests for `tipvault-app`; modules mirror `src/`. Vaults are real SQLCipher vaults
//! in temporary directories, with the minimum Argon2id cost to keep the suite quick.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod app {
    mod accounts;
    mod architecture;
    mod audit;
    mod catalogs;
    mod dashboard;
    mod error;
    mod export;
    mod hostile;
    mod import;
    mod keys;
    mod ledger_support;
    mod preview;
    mod providers;
    mod redemption;
    mod redemption_across;
    mod retention;
    mod review;
    mod risk;
    mod security_keys;
    mod session;
    mod settings;
    mod sources;
    mod status;
    mod step_up;
    mod support;
    mod view;
}
