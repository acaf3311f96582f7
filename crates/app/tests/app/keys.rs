use tipvault_app::{
    ErrorCode, KdfChoice, LockReason, change_passphrase, export_data_key, rotate_data_key,
    unlock_vault,
};

use super::support::{PASSPHRASE, new_vault, secret, t0};

#[test]
fn a_changed_passphrase_opens_the_vault_and_the_old_one_does_not() {
    let (_dir, location, mut session) = new_vault();
    let new = secret("ocean marble lantern quiver syntax");
    change_passphrase(
        &mut session,
        &secret(PASSPHRASE),
        &new,
        KdfChoice::Minimum,
        t0(),
    )
    .unwrap();
    session.lock(t0(), LockReason::Exit).unwrap();
    assert_eq!(
        unlock_vault(&location, &secret(PASSPHRASE), t0())
            .unwrap_err()
            .code,
        ErrorCode::WrongPassphrase
    );
    unlock_vault(&location, &new, t0()).unwrap();
}

#[test]
fn a_weak_new_passphrase_is_refused_and_the_old_one_still_works() {
    let (_dir, location, mut session) = new_vault();
    let err = change_passphrase(
        &mut session,
        &secret(PASSPHRASE),
        &secret("short"),
        KdfChoice::Minimum,
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::WeakPassphrase);
    session.lock(t0(), LockReason::Exit).unwrap();
    unlock_vault(&location, &secret(PASSPHRASE), t0()).unwrap();
}

#[test]
fn rotation_reports_its_phases_and_changes_the_exported_key() {
    let (_dir, location, session) = new_vault();
    session.lock(t0(), LockReason::Exit).unwrap();
    let (mut session, before) = export_data_key(&location, &secret(PASSPHRASE), t0()).unwrap();
    let mut phases = Vec::new();
    let done = rotate_data_key(&mut session, t0(), |p| phases.push(p)).unwrap();
    assert_eq!(done.generation, 2);
    assert_eq!(
        phases.first(),
        Some(&tipvault_app::RekeyProgress::Checkpointing)
    );
    assert!(matches!(
        phases.last(),
        Some(tipvault_app::RekeyProgress::Done { generation: 2 })
    ));
    session.lock(t0(), LockReason::Exit).unwrap();
    let (_s, after) = export_data_key(&location, &secret(PASSPHRASE), t0()).unwrap();
    assert_ne!(before.as_str(), after.as_str());
    assert_eq!(after.len(), 64);
}

#[test]
fn exporting_the_key_needs_the_passphrase_and_is_audited() {
    let (_dir, location, session) = new_vault();
    session.lock(t0(), LockReason::Exit).unwrap();
    assert_eq!(
        export_data_key(&location, &secret("wrong passphrase here"), t0())
            .unwrap_err()
            .code,
        ErrorCode::WrongPassphrase
    );
    let (mut session, _key) = export_data_key(&location, &secret(PASSPHRASE), t0()).unwrap();
    let entries = tipvault_app::audit_entries(&mut session, t0(), 0, 100).unwrap();
    assert!(entries.iter().any(|e| e.kind == "vault.key_exported"));
}
