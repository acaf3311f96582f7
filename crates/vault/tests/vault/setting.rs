//! Settings: stored encrypted in the vault, validated keys, every change audited.

use tipvault_vault::SettingError;

use crate::support::{self, t0};

#[test]
fn a_setting_round_trips_and_survives_lock_and_unlock() {
    let (tmp, mut vault) = support::new_vault();
    assert_eq!(
        vault.setting("auto_lock_secs").unwrap(),
        None,
        "unset until written"
    );
    vault.set_setting("auto_lock_secs", "600", t0()).unwrap();
    vault.set_setting("auto_lock_secs", "900", t0()).unwrap();
    let dir = support::vault_dir(&tmp);
    vault.lock().unwrap();
    let vault = support::unlock(&dir);
    assert_eq!(
        vault.setting("auto_lock_secs").unwrap().as_deref(),
        Some("900")
    );
}

#[test]
fn every_change_is_recorded_with_old_and_new_value() {
    let (_tmp, mut vault) = support::new_vault();
    vault.set_setting("auto_lock_secs", "600", t0()).unwrap();
    vault.set_setting("auto_lock_secs", "120", t0()).unwrap();
    let changes: Vec<_> = vault
        .audit_entries(t0(), 0, 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "settings.changed")
        .collect();
    assert_eq!(changes.len(), 2);
    assert_eq!(changes[1].detail["previous"], "600");
    assert_eq!(changes[1].detail["value"], "120");
    assert!(vault.audit_verify().unwrap().is_intact());
}

#[test]
fn bad_keys_and_huge_values_are_refused_and_write_nothing() {
    let (_tmp, mut vault) = support::new_vault();
    for key in ["", "Auto Lock", "x".repeat(65).as_str(), "drop;table"] {
        assert!(
            matches!(
                vault.set_setting(key, "1", t0()),
                Err(SettingError::InvalidKey)
            ),
            "{key:?} must be refused"
        );
    }
    let huge = "9".repeat(4097);
    assert!(matches!(
        vault.set_setting("auto_lock_secs", &huge, t0()),
        Err(SettingError::ValueTooLong)
    ));
    assert_eq!(vault.setting("auto_lock_secs").unwrap(), None);
}
