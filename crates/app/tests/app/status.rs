use tipvault_app::{ErrorCode, LockReason, VaultLocation, VaultState, vault_status};

use super::support::{new_vault, t0};

#[test]
fn an_empty_directory_has_no_vault() {
    let dir = tempfile::tempdir().unwrap();
    let status = vault_status(&VaultLocation::at(dir.path()), t0()).unwrap();
    assert_eq!(status.state, VaultState::Absent);
    assert_eq!(status.path, dir.path().display().to_string());
    assert!(status.kdf.is_none());
}

#[test]
fn a_missing_directory_has_no_vault() {
    let dir = tempfile::tempdir().unwrap();
    let status = vault_status(&VaultLocation::at(dir.path().join("not-yet")), t0()).unwrap();
    assert_eq!(status.state, VaultState::Absent);
}

#[test]
fn a_created_vault_is_locked_and_shows_its_kdf_cost() {
    let (_dir, location, session) = new_vault();
    session.lock(t0(), LockReason::Exit).unwrap();
    let status = vault_status(&location, t0()).unwrap();
    assert_eq!(status.state, VaultState::Locked);
    let kdf = status.kdf.expect("a passphrase slot exists");
    assert_eq!(
        (kdf.memory_mib, kdf.iterations, kdf.parallelism),
        (64, 3, 4)
    );
}

#[test]
fn a_key_file_that_is_not_tipvaults_is_reported_not_mistaken_for_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vault.keys"), b"{}").unwrap();
    let err = vault_status(&VaultLocation::at(dir.path()), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::NoVault, "{}", err.message);
}

#[test]
fn status_serialises_for_front_ends_with_snake_case_state() {
    let dir = tempfile::tempdir().unwrap();
    let status = vault_status(&VaultLocation::at(dir.path()), t0()).unwrap();
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(
        json["state"], "absent",
        "the UI switches on this exact string"
    );
}
