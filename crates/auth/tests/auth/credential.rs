//! List, rename, remove.

use tipvault_auth::credential::{self, ManageError};
use tipvault_auth::{CredentialId, MemoryCredentialStore, SoftAuthenticator};

use super::common::{NOW, rp, user};

#[test]
fn list_rename_remove() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut first = SoftAuthenticator::ephemeral();
    let mut second = SoftAuthenticator::ephemeral();
    let a = rp
        .register(&mut store, &mut first, &user(), "first", NOW)
        .unwrap();
    let b = rp
        .register(&mut store, &mut second, &user(), "second", NOW + 1)
        .unwrap();

    let labels: Vec<_> = credential::list(&store)
        .unwrap()
        .into_iter()
        .map(|r| r.label)
        .collect();
    assert_eq!(labels, ["first", "second"]);

    let renamed = credential::rename(&mut store, &a.id, "  blue key ").unwrap();
    assert_eq!(renamed.label, "blue key");
    assert!(matches!(
        credential::rename(&mut store, &a.id, ""),
        Err(ManageError::InvalidLabel)
    ));

    let removed = credential::remove(&mut store, &b.id).unwrap();
    assert_eq!(removed.id, b.id);
    assert!(matches!(
        credential::remove(&mut store, &b.id),
        Err(ManageError::NotFound)
    ));
    let left: Vec<_> = credential::list(&store)
        .unwrap()
        .into_iter()
        .map(|r| r.label)
        .collect();
    assert_eq!(left, ["blue key"]);
    assert!(matches!(
        credential::rename(&mut store, &CredentialId::new(vec![1]), "x"),
        Err(ManageError::NotFound)
    ));
}

#[test]
fn an_invalid_label_registers_nothing() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    assert!(
        rp.register(&mut store, &mut device, &user(), "\u{7}", NOW)
            .is_err()
    );
    assert_eq!(device.credential_count(), 0, "the device was not asked");
}
