//! `httpsig::nonce`: the in-memory cache as the provider uses it through verification.

use tipvault_wire::httpsig::profile;
use tipvault_wire::httpsig::{NonceCache, NonceCheck, NonceStore, VerifyError};

use crate::wire::support::{NOW, keys, signed_redemption};

#[test]
fn entries_live_until_the_signature_could_no_longer_verify() {
    let cache = NonceCache::default();
    let req = signed_redemption("n-evict");
    profile::verify_request(&req, &keys, &cache, NOW).expect("first use");
    assert_eq!(cache.len(), 1);
    // Past expires + skew the entry is evicted on the next check...
    let later = NOW + profile::MAX_WINDOW_SECS + profile::MAX_SKEW_SECS + 1;
    assert_eq!(
        cache.check_and_record("other", "x", later + 300, later),
        NonceCheck::Fresh
    );
    assert_eq!(cache.len(), 1, "the old nonce was evicted");
    // ...and a replay of the old request is still refused, by the expiry check.
    assert!(matches!(
        profile::verify_request(&req, &keys, &cache, later),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn a_full_cache_fails_closed() {
    let cache = NonceCache::with_capacity(1);
    profile::verify_request(&signed_redemption("n-a"), &keys, &cache, NOW).expect("fits");
    assert_eq!(
        profile::verify_request(&signed_redemption("n-b"), &keys, &cache, NOW),
        Err(VerifyError::NonceStoreFull)
    );
}
