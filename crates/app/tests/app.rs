//! Integration tests for `tipvault-app`; modules mirror `src/`. Vaults are real SQLCipher vaults
//! in temporary directories, with the minimum Argon2id cost to keep the suite quick.
mod app {
    mod accounts;
    mod audit;
    mod catalogs;
    mod dashboard;
    mod export;
    mod hostile;
    mod import;
    mod keys;
    mod ledger_support;
    mod providers;
    mod redeem;
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
}
