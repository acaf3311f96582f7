use tipvault_app::{VaultLocation, VaultState, vault_status};

#[test]
fn an_empty_directory_has_no_vault() {
    let dir = tempfile::tempdir().unwrap();
    let status = vault_status(&VaultLocation::at(dir.path())).unwrap();
    assert_eq!(status.state, VaultState::Absent);
    assert_eq!(status.path, dir.path().display().to_string());
}

#[test]
fn a_missing_directory_has_no_vault() {
    let dir = tempfile::tempdir().unwrap();
    let status = vault_status(&VaultLocation::at(dir.path().join("not-yet"))).unwrap();
    assert_eq!(status.state, VaultState::Absent);
}

#[test]
fn a_directory_with_a_key_sidecar_is_a_locked_vault() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("vault.keys"), b"{}").unwrap();
    let status = vault_status(&VaultLocation::at(dir.path())).unwrap();
    assert_eq!(status.state, VaultState::Locked);
}

#[test]
fn a_sidecar_that_is_a_directory_is_an_error_not_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("vault.keys")).unwrap();
    let err = vault_status(&VaultLocation::at(dir.path())).unwrap_err();
    assert_eq!(err.code, tipvault_app::ErrorCode::VaultLocation);
}

#[test]
fn status_serialises_for_front_ends_with_snake_case_state() {
    let dir = tempfile::tempdir().unwrap();
    let status = vault_status(&VaultLocation::at(dir.path())).unwrap();
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(
        json["state"], "absent",
        "the UI switches on this exact string"
    );
}
