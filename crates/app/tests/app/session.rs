use std::time::Duration;

use chrono::TimeDelta;
use tipvault_app::{ErrorCode, KdfChoice, LockReason, create_vault, unlock_vault};

use super::support::{PASSPHRASE, new_vault, secret, t0};

#[test]
fn a_weak_passphrase_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let location = tipvault_app::VaultLocation::at(dir.path().join("v"));
    let err =
        create_vault(&location, &secret("password1234"), KdfChoice::Minimum, t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WeakPassphrase);
    assert!(
        !dir.path().join("v").exists(),
        "a refused create must not leave files behind"
    );
}

#[test]
fn creating_over_an_existing_vault_is_refused() {
    let (_dir, location, session) = new_vault();
    session.lock(t0(), LockReason::Exit).unwrap();
    let err = create_vault(&location, &secret(PASSPHRASE), KdfChoice::Minimum, t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::VaultExists);
}

#[test]
fn unlock_with_the_wrong_passphrase_is_a_coded_error() {
    let (_dir, location, session) = new_vault();
    session.lock(t0(), LockReason::Exit).unwrap();
    let err = unlock_vault(&location, &secret("wrong passphrase here"), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongPassphrase);
}

#[test]
fn repeated_failures_are_throttled_with_a_retry_time() {
    let (_dir, location, session) = new_vault();
    session.lock(t0(), LockReason::Exit).unwrap();
    for _ in 0..4 {
        let _ = unlock_vault(&location, &secret("wrong passphrase here"), t0());
    }
    let err = unlock_vault(&location, &secret(PASSPHRASE), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::Throttled, "{}", err.message);
    let retry = err
        .retry_after
        .expect("a throttled error says when to retry");
    assert!(retry > t0());
    let (session, _) = unlock_vault(&location, &secret(PASSPHRASE), retry).unwrap();
    session.lock(retry, LockReason::Exit).unwrap();
}

#[test]
fn a_session_is_idle_only_after_the_limit() {
    let (_dir, _location, mut session) = new_vault();
    let limit = Duration::from_secs(300);
    assert!(!session.is_idle(t0() + TimeDelta::seconds(299), limit));
    assert!(session.is_idle(t0() + TimeDelta::seconds(300), limit));
    session.touch(t0() + TimeDelta::seconds(200));
    assert!(
        !session.is_idle(t0() + TimeDelta::seconds(300), limit),
        "activity restarts the wait"
    );
}

#[test]
fn a_clock_set_backwards_does_not_extend_the_session() {
    let (_dir, _location, mut session) = new_vault();
    let limit = Duration::from_secs(300);
    session.touch(t0() + TimeDelta::seconds(100));
    session.touch(t0() - TimeDelta::days(1));
    assert!(session.is_idle(t0() + TimeDelta::seconds(400), limit));
}

#[test]
fn unlock_purges_what_expired_while_locked() {
    let (_dir, location, mut session) = new_vault();
    // Keep audit entries as short as allowed (its floor, 731 days), then unlock after that: so
    // everything written so far expires.
    let pass = secret(PASSPHRASE);
    let proof = super::support::pass_proof(&pass);
    let floor = Duration::from_secs(731 * 86_400);
    tipvault_app::set_retention(&mut session, "audit", floor, proof, t0()).unwrap();
    session.lock(t0(), LockReason::Exit).unwrap();
    let later = t0() + TimeDelta::days(732);
    let (mut session, unlocked) = unlock_vault(&location, &secret(PASSPHRASE), later).unwrap();
    assert!(
        unlocked
            .purged
            .as_ref()
            .expect("the purge on unlock ran")
            .total
            >= 3,
        "created, retention change and lock expired: {unlocked:?}"
    );
    let check = tipvault_app::verify_audit_log(&mut session, later).unwrap();
    assert!(
        check.intact,
        "the purge anchor keeps the remaining chain verifiable: {check:?}"
    );
    assert!(check.anchor_seq.is_some());
}
