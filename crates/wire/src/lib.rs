//! The signing core of Tipvault's provider protocol (DESIGN.md §5).
//!
//! Every request Tipvault sends to a cash-out provider, and every response a provider
//! sends back, carries an RFC 9421 HTTP Message Signature made with Ed25519 over a small
//! set of components, one of which is the RFC 9530 `Content-Digest` of the body. This
//! crate owns:
//!
//! - [`message`]: a framework-agnostic view of an HTTP request or response (method,
//!   target URI, header list, body; status for responses), with adapters from the
//!   `http` crate's parts so the axum sandbox and the reqwest client share one code path.
//! - [`digest`]: `Content-Digest` creation and verification (RFC 9530).
//! - [`httpsig`]: signature bases, signing, header parsing, and the verification policy
//!   (RFC 9421), including response-to-request binding with the `req` flag (§2.4).
//!
//! The decision a newcomer must know: the verifier never reconstructs signature
//! metadata in an order of its own. It rebuilds the signature base from the covered
//! components and parameters exactly as the signer listed them in `Signature-Input`
//! (RFC 9421 §3.2), so signatures from any conforming signer verify.
//!
//! Nothing here reads a clock or a random source: time, nonces and keys are passed in.
//!
//! ```
//! use tipvault_wire::httpsig::{profile, NonceCache, SigningKey, VerifyingKey};
//! use tipvault_wire::{Request, Response};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let device = SigningKey::from_bytes(&[1; 32]); // from the vault in real use
//! let provider = SigningKey::from_bytes(&[2; 32]);
//! let now = 1_750_000_000; // UNIX seconds, from the caller's clock
//!
//! // Client: sign a write (Content-Digest is added from the body).
//! let mut request = Request::new("POST", "https://provider.example/v1/redemptions")?
//!     .with_header("Idempotency-Key", "leg-1")?
//!     .with_body(br#"{"product":"topup-1000"}"#.to_vec());
//! profile::sign_request(&device, "device-1", &mut request, now, "bm9uY2UtMQ")?;
//!
//! // Provider: look the key up by keyid, check digest, window and nonce.
//! let device_pub = device.verifying_key();
//! let keys = |keyid: &str| (keyid == "device-1").then_some(device_pub);
//! let nonces = NonceCache::default();
//! profile::verify_request(&request, &keys, &nonces, now)?;
//!
//! // Provider: sign the receipt bound to that request; client: verify the binding.
//! let mut receipt = Response::new(201)?.with_body(br#"{"receipt":"r-1"}"#.to_vec());
//! profile::sign_response(&provider, "provider-1", &mut receipt, &request, now)?;
//! let provider_pub: VerifyingKey = provider.verifying_key();
//! let pinned = |keyid: &str| (keyid == "provider-1").then_some(provider_pub);
//! profile::verify_response(&receipt, &request, &pinned, now)?;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod clock;
pub mod digest;
pub mod httpsig;
pub mod message;
pub mod protocol;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod conformance;

pub use digest::{DigestAlgorithm, DigestError};
pub use httpsig::{
    ComponentId, KeyResolver, NonceCache, NonceStore, SigParam, SignError, SignatureParams,
    SignedHeaders, SigningKey, Verified, VerifyError, VerifyPolicy,
};
pub use message::{MessageError, MessageRef, Request, Response};
