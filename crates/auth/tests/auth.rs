//! Integration tests of tipvault-auth; modules mirror `src/`.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth {
    mod common;
    mod credential;
    mod hmac_secret;
    mod rp;
    mod soft;
    mod step_up;
    mod unlock;
}
