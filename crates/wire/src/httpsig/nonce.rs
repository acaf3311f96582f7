//! Replay detection for signature nonces (RFC 9421 §7.2.2, §2.3 `nonce`).
//!
//! The verifier asks a [`NonceStore`] whether a `(keyid, nonce)` pair is fresh and asks
//! it to remember the pair until the signature could no longer be accepted anyway
//! (`expires` plus the allowed clock skew). After that the expiry check rejects a replay
//! on its own, so the entry can be evicted: memory is bounded by the request rate times
//! the validity window, not by uptime.
//!
//! Decision: the verifier records a nonce only *after* the signature verified, so
//! unauthenticated traffic cannot fill the store or burn another client's nonces.
//! [`NonceCache`] is an in-memory store for the sandbox provider; a real deployment
//! with several processes implements [`NonceStore`] over shared storage.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, PoisonError};

/// What a store says about a nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceCheck {
    /// Not seen before; now recorded.
    Fresh,
    /// Already seen within its validity window.
    Replayed,
    /// The store is full and cannot record it; the request must be refused (fail closed).
    Full,
}

/// A store of recently seen nonces, implemented by the caller.
pub trait NonceStore {
    /// Atomically checks and records `(keyid, nonce)`, keeping it until `keep_until`
    /// (UNIX seconds). `now` lets the store evict entries that can no longer matter.
    fn check_and_record(&self, keyid: &str, nonce: &str, keep_until: i64, now: i64) -> NonceCheck;
}

#[derive(Default)]
struct Inner {
    seen: HashMap<(String, String), i64>,
    by_expiry: BTreeSet<(i64, String, String)>,
}

/// An in-memory [`NonceStore`] with expiry-based eviction and a size cap.
pub struct NonceCache {
    inner: Mutex<Inner>,
    capacity: usize,
}

impl NonceCache {
    /// A cache that holds at most `capacity` live nonces.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity,
        }
    }

    /// How many nonces are currently held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().seen.len()
    }

    /// Whether no nonce is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way
        // that accepts a replay (insertions happen after checks), so keep going.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for NonceCache {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl std::fmt::Debug for NonceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonceCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

impl NonceStore for NonceCache {
    fn check_and_record(&self, keyid: &str, nonce: &str, keep_until: i64, now: i64) -> NonceCheck {
        let mut inner = self.lock();
        // Evict everything whose window has closed.
        while let Some(first) = inner.by_expiry.first().cloned() {
            if first.0 >= now {
                break;
            }
            inner.by_expiry.remove(&first);
            inner.seen.remove(&(first.1, first.2));
        }
        let key = (keyid.to_owned(), nonce.to_owned());
        if inner.seen.contains_key(&key) {
            return NonceCheck::Replayed;
        }
        if inner.seen.len() >= self.capacity {
            return NonceCheck::Full;
        }
        inner
            .by_expiry
            .insert((keep_until, key.0.clone(), key.1.clone()));
        inner.seen.insert(key, keep_until);
        NonceCheck::Fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_use_is_a_replay() {
        let cache = NonceCache::default();
        assert_eq!(cache.check_and_record("k", "n", 100, 0), NonceCheck::Fresh);
        assert_eq!(
            cache.check_and_record("k", "n", 100, 50),
            NonceCheck::Replayed
        );
        assert_eq!(
            cache.check_and_record("other-key", "n", 100, 50),
            NonceCheck::Fresh,
            "nonces are scoped to the key that signed them"
        );
    }

    #[test]
    fn expired_entries_are_evicted() {
        let cache = NonceCache::with_capacity(2);
        cache.check_and_record("k", "a", 10, 0);
        cache.check_and_record("k", "b", 20, 0);
        assert_eq!(cache.check_and_record("k", "c", 30, 5), NonceCheck::Full);
        assert_eq!(cache.check_and_record("k", "c", 30, 11), NonceCheck::Fresh);
        assert_eq!(cache.len(), 2, "a was evicted at t=11");
    }
}
