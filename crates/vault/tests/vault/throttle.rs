//! Unlock throttling through the public API: repeated wrong passphrases delay further attempts
//! (persisted in its own file), success resets it, and the delay is checked before the KDF.

use tipvault_vault::{UnlockError, Vault, VaultStatus};

use crate::support::{self, t0};

#[test]
fn repeated_failures_are_throttled_and_success_resets() {
    let (tmp, vault) = support::new_vault();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    let wrong = secrecy::SecretString::from("wrong");
    for attempt in 1..=3 {
        let err = Vault::unlock(&dir, &wrong, t0()).unwrap_err();
        assert!(
            matches!(err, UnlockError::WrongPassphrase { retry_after: None }),
            "attempt {attempt} is free: {err:?}"
        );
    }
    let err = Vault::unlock(&dir, &wrong, t0()).unwrap_err();
    let UnlockError::WrongPassphrase {
        retry_after: Some(until),
    } = err
    else {
        panic!("the fourth failure must announce a delay: {err:?}");
    };
    assert_eq!(until, t0() + chrono::Duration::seconds(1));
    assert!(
        dir.join("unlock-throttle.json").exists(),
        "state is persisted in its own file"
    );

    // Even the right passphrase is refused while throttled, without running the KDF.
    let err = Vault::unlock(&dir, &support::pass(), t0()).unwrap_err();
    assert!(
        matches!(err, UnlockError::Throttled { retry_after } if retry_after == until),
        "{err:?}"
    );
    match Vault::status(&dir, t0()).unwrap() {
        VaultStatus::Present(info) => assert_eq!(info.retry_after, Some(until)),
        VaultStatus::Absent => panic!("vault missing"),
    }

    // A fifth failure after the delay doubles it.
    let err = Vault::unlock(&dir, &wrong, until).unwrap_err();
    assert!(
        matches!(
            err,
            UnlockError::WrongPassphrase { retry_after: Some(next) } if next == until + chrono::Duration::seconds(2)
        ),
        "{err:?}"
    );

    let later = until + chrono::Duration::seconds(2);
    Vault::unlock(&dir, &support::pass(), later).unwrap();
    assert!(
        !dir.join("unlock-throttle.json").exists(),
        "success resets the throttle"
    );
}
