//! RFC 9421 HTTP Message Signatures with Ed25519, as Tipvault uses them.
//!
//! - [`component`]: component identifiers (§2) with the `req` and `key` parameters.
//! - [`params`]: the ordered signature parameters and `@signature-params` (§2.3).
//! - [`base`]: the signature base (§2.5), including request components in responses (§2.4).
//! - [`header`]: the `Signature-Input` / `Signature` fields (§4), parsed with `sfv`.
//! - [`sign`]: Ed25519 signing (§3.1, §3.3.6) and the secret key type.
//! - [`verify`]: verification (§3.2) under a pure [`VerifyPolicy`].
//! - [`nonce`]: replay detection (§7.2.2).
//! - [`profile`]: Tipvault's components, parameters and policies (DESIGN.md §5).
//!
//! The decision a newcomer must know: signer and verifier build the base from the same
//! ordered lists; the verifier takes both lists from `Signature-Input` as written and
//! never imposes an order of its own.

pub mod base;
pub mod component;
pub mod header;
pub mod nonce;
pub mod params;
pub mod profile;
pub mod sign;
pub mod verify;

pub use base::{BaseError, signature_base};
pub use component::{ComponentError, ComponentId, ComponentParam};
pub use header::{HeaderError, ParsedSignature, parse_signature};
pub use nonce::{NonceCache, NonceCheck, NonceStore};
pub use params::{ParamError, SigParam, SignatureParams, serialize_signature_params};
pub use sign::{ALG_ED25519, SignError, SignedHeaders, SigningKey, VerifyingKey, sign};
pub use verify::{KeyResolver, Verified, VerifyError, VerifyPolicy, verify};
