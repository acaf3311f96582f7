//! Integration tests for `tipvault-app`; modules mirror `src/`. Vaults are real SQLCipher vaults
//! in temporary directories, with the minimum Argon2id cost to keep the suite quick.
mod app {
    mod audit;
    mod keys;
    mod retention;
    mod session;
    mod settings;
    mod status;
    mod support;
}
