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
    assert_eq!(
        Vault::status(&dir, later)
            .map(|s| match s {
                VaultStatus::Present(info) => info.retry_after,
                VaultStatus::Absent => panic!("vault missing"),
            })
            .unwrap(),
        None,
        "success resets the throttle"
    );
    assert!(
        dir.join("unlock-throttle.json").exists(),
        "the counter stays (at zero): a missing one would mean it was deleted"
    );
}

#[test]
fn a_deleted_counter_does_not_reset_the_throttle() {
    let (tmp, vault) = support::new_vault();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    std::fs::remove_file(dir.join("unlock-throttle.json")).unwrap();
    // Even the right passphrase waits: the vault keeps its counter at all times, so a missing
    // one was deleted, and deleting it must not buy fresh attempts.
    let err = Vault::unlock(&dir, &support::pass(), t0()).unwrap_err();
    let UnlockError::Throttled { retry_after } = err else {
        panic!("expected a wait, got {err:?}");
    };
    assert_eq!(retry_after, t0() + chrono::Duration::minutes(15));
    Vault::unlock(&dir, &support::pass(), retry_after)
        .unwrap()
        .0
        .lock()
        .unwrap();
}

#[test]
fn a_clock_set_back_does_not_shorten_a_wait() {
    let (tmp, vault) = support::new_vault();
    vault.lock().unwrap();
    let dir = support::vault_dir(&tmp);
    let wrong = secrecy::SecretString::from("wrong");
    for _ in 0..4 {
        let _ = Vault::unlock(&dir, &wrong, t0());
    }
    let back = t0() - chrono::Duration::days(30);
    let err = Vault::unlock(&dir, &support::pass(), back).unwrap_err();
    assert!(
        matches!(err, UnlockError::Throttled { retry_after } if retry_after == back + chrono::Duration::seconds(1)),
        "{err:?}"
    );
}

#[test]
fn checking_the_passphrase_in_an_open_vault_is_throttled_like_an_unlock() {
    let (tmp, vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    let wrong = secrecy::SecretString::from("wrong");
    for _ in 0..4 {
        assert!(matches!(
            vault.verify_passphrase(&wrong, t0()),
            Err(UnlockError::WrongPassphrase { .. })
        ));
    }
    // An open session is no faster a passphrase oracle than the unlock screen.
    assert!(matches!(
        vault.verify_passphrase(&support::pass(), t0()),
        Err(UnlockError::Throttled { .. })
    ));
    let later = t0() + chrono::Duration::seconds(1);
    vault.verify_passphrase(&support::pass(), later).unwrap();
    vault.lock().unwrap();
    Vault::unlock(&dir, &wrong, later).unwrap_err();
    assert!(
        matches!(
            Vault::unlock(&dir, &wrong, later),
            Err(UnlockError::WrongPassphrase { retry_after: None })
        ),
        "the right passphrase reset the count"
    );
}

#[cfg(unix)]
#[test]
fn the_vault_folder_and_every_file_in_it_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let check = |dir: &std::path::Path| {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    };
    let (tmp, vault) = support::new_vault();
    let dir = support::vault_dir(&tmp);
    vault.lock().unwrap();
    check(&dir);
    assert!(dir.join("unlock-throttle.json").exists());

    // A vault left world-readable (an older version, a copy tool) is tightened at unlock.
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        std::fs::set_permissions(
            entry.unwrap().path(),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
    }
    let (vault, _) = Vault::unlock(&dir, &support::pass(), t0()).unwrap();
    vault.lock().unwrap();
    check(&dir);
}
