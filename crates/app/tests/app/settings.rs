use std::time::Duration;

use tipvault_app::{ErrorCode, LockReason, auto_lock_after, set_auto_lock, settings, unlock_vault};

use super::support::{PASSPHRASE, new_vault, secret, t0};

#[test]
fn auto_lock_defaults_to_five_minutes() {
    let (_dir, _location, mut session) = new_vault();
    assert_eq!(
        auto_lock_after(&mut session, t0()).unwrap(),
        Duration::from_secs(300)
    );
    assert_eq!(settings(&mut session, t0()).unwrap().auto_lock_secs, 300);
}

#[test]
fn a_chosen_auto_lock_is_kept_in_the_vault() {
    let (_dir, location, mut session) = new_vault();
    let pass = secret(PASSPHRASE);
    let proof = super::support::pass_proof(&pass);
    set_auto_lock(&mut session, Duration::from_secs(15 * 60), proof, t0()).unwrap();
    session.lock(t0(), LockReason::Exit).unwrap();
    let (mut session, _) = unlock_vault(&location, &secret(PASSPHRASE), t0()).unwrap();
    assert_eq!(
        auto_lock_after(&mut session, t0()).unwrap(),
        Duration::from_secs(900)
    );
}

#[test]
fn auto_lock_outside_one_minute_to_eight_hours_is_refused() {
    let (_dir, _location, mut session) = new_vault();
    for bad in [
        Duration::from_secs(59),
        Duration::from_secs(8 * 3600 + 1),
        Duration::ZERO,
    ] {
        let err = set_auto_lock(&mut session, bad, None, t0()).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{bad:?}");
    }
    assert_eq!(
        auto_lock_after(&mut session, t0()).unwrap(),
        Duration::from_secs(300),
        "unchanged"
    );
}

#[test]
fn a_longer_auto_lock_than_the_default_needs_the_passphrase_and_a_shorter_one_does_not() {
    let (_dir, _location, mut session) = new_vault();
    let err = set_auto_lock(&mut session, Duration::from_secs(3600), None, t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::ReauthRequired);
    assert_eq!(
        auto_lock_after(&mut session, t0()).unwrap(),
        Duration::from_secs(300)
    );
    assert_eq!(
        set_auto_lock(&mut session, Duration::from_secs(120), None, t0())
            .unwrap()
            .auto_lock_secs,
        120
    );
}
