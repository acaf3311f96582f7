use std::time::Duration;

use tipvault_app::{ErrorCode, purge_expired, retention_classes, set_retention};

use super::support::{new_vault, t0};

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
    let change = set_retention(
        &mut session,
        "request_log",
        Duration::from_secs(7 * 86_400),
        t0(),
    )
    .unwrap();
    assert_eq!(change.previous_seconds, 90 * 86_400);
    assert_eq!(change.seconds, 7 * 86_400);
}

#[test]
fn an_unknown_class_or_a_zero_duration_is_invalid_input() {
    let (_dir, _location, mut session) = new_vault();
    let err = set_retention(&mut session, "nope", Duration::from_secs(86_400), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = set_retention(&mut session, "draft", Duration::ZERO, t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
}

#[test]
fn a_dry_run_counts_without_deleting() {
    let (_dir, _location, mut session) = new_vault();
    set_retention(&mut session, "audit", Duration::from_secs(60), t0()).unwrap();
    let later = t0() + chrono::TimeDelta::minutes(2);
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
    set_retention(&mut session, "audit", Duration::from_secs(60), t0()).unwrap();
    let later = t0() + chrono::TimeDelta::minutes(10);
    let purged = tipvault_app::purge_expired_unattended(&mut session, later).unwrap();
    assert!(purged.total > 0, "{purged:?}");
    assert!(
        session.is_idle(later, Duration::from_secs(300)),
        "a background purge is not the user coming back"
    );
}
