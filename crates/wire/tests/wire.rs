//! The one integration-test binary of `tipvault-wire`. Modules mirror `src/`: `digest`,
//! `message`, and `httpsig` with one file per submodule plus the RFC 9421 Appendix B
//! vectors; `support` holds the shared fixtures. The inline `wire` module makes the
//! files under `tests/wire/` resolve without a second test binary.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod wire {
    mod digest;
    mod httpsig;
    mod message;
    pub(crate) mod support;
}
