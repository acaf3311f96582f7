use std::time::Duration;

use tipvault_app::{ErrorCode, purge_expired, retention_classes, set_retention};

use super::support::{PASSPHRASE, new_vault, pass_proof, secret, t0};

/// The shortest the audit log may be kept (`tipvault_vault::retention::floor`).
const AUDIT_FLOOR: Duration = Duration::from_secs(731 * 86_400);

#[test]
fn the_default_classes_are_data_in_the_vault() {
    let (_dir, _location, mut session) = new_vault();
    let classes = retention_classes(&mut session, t0()).unwrap();
    let find = |name: &str| classes.iter().find(|c| c.name == name).map(|c| c.seconds);
    assert_eq!(find("draft"), Some(86_400));
    assert_eq!(find("request_log"), Some(90 * 86_400));
    assert_eq!(find("network_fingerprint"), Some(30 * 86_400));
    assert!(find("receipt").unwrap() >= 5 * 365 * 86_400);
}

#[test]
fn a_class_can_be_shortened_and_reports_the_change() {
    let (_dir, _location, mut session) = new_vault();
    let pass = secret(PASSPHRASE);
    let change = set_retention(
        &mut session,
        "request_log",
        Duration::from_secs(7 * 86_400),
        pass_proof(&pass),
        t0(),
    )
    .unwrap();
    assert_eq!(change.previous_seconds, 90 * 86_400);
    assert_eq!(change.seconds, 7 * 86_400);
}

#[test]
fn an_unknown_class_or_a_zero_duration_is_invalid_input() {
    let (_dir, _location, mut session) = new_vault();
    let pass = secret(PASSPHRASE);
    let err = set_retention(
        &mut session,
        "nope",
        Duration::from_secs(86_400),
        None,
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = set_retention(
        &mut session,
        "draft",
        Duration::ZERO,
        pass_proof(&pass),
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn a_dry_run_counts_without_deleting() {
    let (_dir, _location, mut session) = new_vault();
    let pass = secret(PASSPHRASE);
    set_retention(&mut session, "audit", AUDIT_FLOOR, pass_proof(&pass), t0()).unwrap();
    let later = t0() + chrono::TimeDelta::days(732);
    let dry = purge_expired(&mut session, later, true).unwrap();
    assert!(dry.dry_run && dry.per_class["audit"] > 0, "{dry:?}");
    let again = purge_expired(&mut session, later, true).unwrap();
    assert_eq!(
        again.per_class["audit"], dry.per_class["audit"],
        "a dry run deletes nothing"
    );
    let real = purge_expired(&mut session, later, false).unwrap();
    assert_eq!(real.per_class["audit"], dry.per_class["audit"]);
}

#[test]
fn the_unattended_purge_deletes_without_postponing_the_auto_lock() {
    let (_dir, _location, mut session) = new_vault();
    let pass = secret(PASSPHRASE);
    set_retention(&mut session, "audit", AUDIT_FLOOR, pass_proof(&pass), t0()).unwrap();
    let later = t0() + chrono::TimeDelta::days(732);
    let purged = tipvault_app::purge_expired_unattended(&mut session, later).unwrap();
    assert!(purged.total > 0, "{purged:?}");
    assert!(
        session.is_idle(later, Duration::from_secs(300)),
        "a background purge is not the user coming back"
    );
}

#[test]
fn shortening_a_class_needs_the_passphrase_and_lengthening_does_not() {
    let (_dir, _location, mut session) = new_vault();
    let week = Duration::from_secs(7 * 86_400);
    let err = set_retention(&mut session, "request_log", week, None, t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::ReauthRequired, "{}", err.message);
    let wrong = secret("not the passphrase");
    let err =
        set_retention(&mut session, "request_log", week, pass_proof(&wrong), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongPassphrase);
    let classes = retention_classes(&mut session, t0()).unwrap();
    let request_log = classes.iter().find(|c| c.name == "request_log").unwrap();
    assert_eq!(request_log.seconds, 90 * 86_400, "nothing was changed");
    let audit = tipvault_app::audit_entries(&mut session, t0(), 0, 100).unwrap();
    let refused: Vec<_> = audit
        .iter()
        .filter(|e| e.kind == "auth.reauth_refused")
        .collect();
    assert_eq!(
        refused.len(),
        1,
        "the wrong passphrase is audited, with the change"
    );
    assert!(
        refused[0].detail["change"]
            .as_str()
            .unwrap()
            .contains("request_log")
    );

    let pass = secret(PASSPHRASE);
    set_retention(&mut session, "request_log", week, pass_proof(&pass), t0()).unwrap();
    // Lengthening again forgets nothing sooner: no proof needed.
    let longer = Duration::from_secs(30 * 86_400);
    assert_eq!(
        set_retention(&mut session, "request_log", longer, None, t0())
            .unwrap()
            .seconds,
        30 * 86_400
    );
}

#[test]
fn the_audit_log_and_receipts_keep_their_floor_and_risk_state_cannot_be_shortened() {
    let (_dir, _location, mut session) = new_vault();
    let pass = secret(PASSPHRASE);
    for class in ["audit", "receipt"] {
        let err = set_retention(
            &mut session,
            class,
            Duration::from_secs(60),
            pass_proof(&pass),
            t0(),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "{class}");
        assert!(err.message.contains("731 days"), "{class}: {}", err.message);
        set_retention(&mut session, class, AUDIT_FLOOR, pass_proof(&pass), t0()).unwrap();
    }
    let err = set_retention(
        &mut session,
        "risk_state",
        AUDIT_FLOOR,
        pass_proof(&pass),
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let audit = tipvault_app::audit_entries(&mut session, t0(), 0, 100).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.kind == "auth.reauthenticated")
            .count(),
        2,
        "a refusal at the floor is decided before any passphrase is checked"
    );
}
