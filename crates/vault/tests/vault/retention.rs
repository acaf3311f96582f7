//! Retention classes: defaults, shortening (which pulls in existing rows), lengthening (new
//! rows only), validation, and reads that never return expired rows.

use std::time::Duration;

use tipvault_vault::RetentionError;

use crate::support::{self, days, t0};

const DAY: u64 = 86_400;

#[test]
fn default_classes_are_stored_in_the_vault() {
    let (_tmp, vault) = support::new_vault();
    let classes = vault.retention_classes().unwrap();
    let get = |name: &str| classes.iter().find(|c| c.name == name).unwrap().duration;
    assert_eq!(
        get("receipt"),
        Duration::from_secs(1826 * DAY),
        "5 years for taxes"
    );
    assert_eq!(get("imported_tip"), Duration::from_secs(1826 * DAY));
    assert_eq!(get("request_log"), Duration::from_secs(90 * DAY));
    assert_eq!(get("risk_observation"), Duration::from_secs(180 * DAY));
    assert_eq!(get("network_fingerprint"), Duration::from_secs(30 * DAY));
    assert_eq!(get("draft"), Duration::from_secs(DAY));
    assert_eq!(get("audit"), Duration::from_secs(1826 * DAY));
    assert!(classes.iter().all(|c| c.duration == c.default));
}

#[test]
fn expired_rows_are_never_read_even_before_purge() {
    let (_tmp, mut vault) = support::new_vault();
    let id = vault.save_draft("expires in a day", t0()).unwrap();
    assert_eq!(
        vault
            .drafts(t0() + chrono::Duration::hours(23))
            .unwrap()
            .len(),
        1
    );
    assert!(
        vault
            .draft(id, t0() + chrono::Duration::hours(23))
            .unwrap()
            .is_some()
    );
    let at_expiry = t0() + days(1);
    assert!(
        vault.drafts(at_expiry).unwrap().is_empty(),
        "expires_at is exclusive"
    );
    assert!(vault.draft(id, at_expiry).unwrap().is_none());
}

#[test]
fn shortening_updates_existing_rows_and_lengthening_only_new_ones() {
    let (_tmp, mut vault) = support::new_vault();
    let old = vault.save_draft("old", t0()).unwrap();
    let change = vault
        .set_retention("draft", Duration::from_secs(3600), t0())
        .unwrap();
    assert_eq!(change.previous, Duration::from_secs(DAY));
    assert_eq!(change.rows_shortened, 1);
    let two_hours = t0() + chrono::Duration::hours(2);
    assert!(
        vault.draft(old, two_hours).unwrap().is_none(),
        "shortening applies to existing rows"
    );

    let change = vault
        .set_retention("draft", Duration::from_secs(7 * DAY), t0())
        .unwrap();
    assert_eq!(change.rows_shortened, 0);
    let fresh = vault.save_draft("fresh", t0()).unwrap();
    let three_days = t0() + days(3);
    assert!(
        vault.draft(fresh, three_days).unwrap().is_some(),
        "new rows get the longer duration"
    );
    assert!(
        vault.draft(old, two_hours).unwrap().is_none(),
        "lengthening never revives old rows"
    );
}

#[test]
fn invalid_retention_changes_are_typed_errors() {
    let (_tmp, mut vault) = support::new_vault();
    assert!(matches!(
        vault.set_retention("nope", Duration::from_secs(DAY), t0()),
        Err(RetentionError::UnknownClass(name)) if name == "nope"
    ));
    assert!(matches!(
        vault.set_retention("draft", Duration::from_secs(1), t0()),
        Err(RetentionError::InvalidDuration)
    ));
    assert!(matches!(
        vault.set_retention("draft", Duration::from_secs(u64::MAX), t0()),
        Err(RetentionError::InvalidDuration)
    ));
}
