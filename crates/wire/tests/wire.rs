//! The one integration-test binary of `tipvault-wire`. Modules mirror `src/`: `digest`,
//! `message`, and `httpsig` with one file per submodule plus the RFC 9421 Appendix B
//! vectors; `support` holds the shared fixtures. The inline `wire` module makes the
//! files under `tests/wire/` resolve without a second test binary.

mod wire {
    mod digest;
    mod httpsig;
    mod message;
    pub(crate) mod support;
}
