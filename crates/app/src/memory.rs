//! Memory hygiene: what the front ends do so that no secret outlives a lock in memory.
//!
//! Four layers, each for what the others cannot reach: keys live in zeroized, boxed memory
//! (`tipvault-vault`); the binaries' global allocator zeroes every block Rust frees; SQLCipher
//! wipes every block it frees ([`wipe_freed_memory`]: decrypted pages live in SQLite's own
//! allocations); and threads that did secret work wipe their stacks ([`scrub_stack`]).
//!
//! The one decision to know about stacks: a value moved or hashed by value (a signing key's seed in
//! SHA-512's block buffer while it signs, a key on its way into a struct) leaves copies in the
//! stack frames it passed through. No destructor wipes those, and on a pooled thread they
//! outlive the vault's lock; the secret-leak scan (tests/e2e/specs/secrets.e2e.mjs) found the
//! device's signing key that way. So the threads that do vault and network work call
//! [`scrub_stack`] when they go idle: the frames the work used lie below the caller's, where
//! its array now sits.

/// How much stack below the caller [`scrub_stack`] overwrites: more than the deepest work (an
/// unlock's key derivation and unwrapping, a redemption's signing) uses in a debug build, and
/// well inside the 2 MiB stacks of the runtimes' threads.
const SCRUB_BYTES: usize = 512 * 1024;

/// Overwrites the stack below the caller with zeros.
#[inline(never)]
pub fn scrub_stack() {
    let mut area = [0u8; SCRUB_BYTES];
    zeroize::Zeroize::zeroize(&mut area[..]);
    std::hint::black_box(&area);
}

/// Makes SQLCipher wipe every block it frees, in this whole process (decrypted pages in
/// SQLite's page cache); front ends call it once, before any vault opens.
pub fn wipe_freed_memory() -> Result<(), crate::error::AppError> {
    tipvault_vault::wipe_freed_memory().map_err(|e| {
        crate::error::AppError::new(
            crate::error::ErrorCode::Internal,
            format!("SQLCipher's memory wiping cannot be turned on: {e}."),
        )
    })
}
