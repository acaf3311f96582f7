//! Tests for `tipvault_wire::httpsig`, one file per source submodule, plus the RFC 9421
//! Appendix B test vectors.

mod base;
mod nonce;
mod params;
mod profile;
mod proptests;
mod rfc9421;
mod verify;
