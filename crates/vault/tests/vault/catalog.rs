//! Cached provider catalogs: one per provider, only newer versions replace, and the row
//! expires under its retention class like all user data.

use tipvault_vault::{CatalogStoreError, CatalogStored, StoredCatalog};

use crate::support::{self, days, t0};

fn catalog(provider: &str, version: u64, document: &str) -> StoredCatalog {
    StoredCatalog {
        provider_id: provider.into(),
        version,
        document: document.into(),
        issued_at: t0(),
        stale_after: t0() + days(30),
        expires_at: t0() + days(365),
        stored_at: t0(),
    }
}

#[test]
fn a_catalog_is_stored_listed_and_read_back() {
    let (_tmp, mut vault) = support::new_vault();
    let a = catalog("acme", 3, r#"{"doc":"a3"}"#);
    assert_eq!(vault.put_catalog(&a, t0()).unwrap(), CatalogStored::New);
    vault
        .put_catalog(&catalog("beta", 1, r#"{"doc":"b1"}"#), t0())
        .unwrap();
    assert_eq!(vault.catalog("acme", t0()).unwrap(), Some(a));
    let providers: Vec<String> = vault
        .catalogs(t0())
        .unwrap()
        .into_iter()
        .map(|c| c.provider_id)
        .collect();
    assert_eq!(providers, ["acme", "beta"]);
    assert_eq!(vault.catalog("nobody", t0()).unwrap(), None);
}

#[test]
fn only_a_newer_version_replaces_a_cached_catalog() {
    let (_tmp, mut vault) = support::new_vault();
    vault
        .put_catalog(&catalog("acme", 3, r#"{"doc":"a3"}"#), t0())
        .unwrap();
    // The same document again: nothing to do.
    assert_eq!(
        vault
            .put_catalog(&catalog("acme", 3, r#"{"doc":"a3"}"#), t0())
            .unwrap(),
        CatalogStored::Unchanged
    );
    // An older version (a replayed catalog with old fees) or the same version with other
    // contents is refused, and the cached one stays.
    for offered in [
        catalog("acme", 2, r#"{"doc":"a2"}"#),
        catalog("acme", 3, r#"{"doc":"x"}"#),
    ] {
        assert!(matches!(
            vault.put_catalog(&offered, t0()),
            Err(CatalogStoreError::NotNewer { stored: 3, .. })
        ));
    }
    assert_eq!(
        vault.catalog("acme", t0()).unwrap().unwrap().document,
        r#"{"doc":"a3"}"#
    );
    assert_eq!(
        vault
            .put_catalog(&catalog("acme", 4, r#"{"doc":"a4"}"#), t0() + days(1))
            .unwrap(),
        CatalogStored::Replaced {
            previous_version: 3
        }
    );
    let stored = vault.catalog("acme", t0() + days(1)).unwrap().unwrap();
    assert_eq!((stored.version, stored.stored_at), (4, t0() + days(1)));
}

#[test]
fn a_cached_catalog_expires_with_its_class_and_can_be_removed() {
    let (_tmp, mut vault) = support::new_vault();
    vault.put_catalog(&catalog("acme", 1, "{}"), t0()).unwrap();
    vault.put_catalog(&catalog("beta", 1, "{}"), t0()).unwrap();
    assert!(vault.remove_catalog("beta").unwrap());
    assert!(!vault.remove_catalog("beta").unwrap());
    // The `catalog` class keeps a row for 366 days.
    assert!(vault.catalog("acme", t0() + days(365)).unwrap().is_some());
    let later = t0() + days(367);
    assert_eq!(vault.catalog("acme", later).unwrap(), None);
    let report = vault.purge(later, false).unwrap();
    assert!(format!("{report:?}").contains("catalog"), "{report:?}");
    // Even before the purge, an expired row's version still blocks a rollback.
    let (_tmp2, mut other) = support::new_vault();
    other.put_catalog(&catalog("acme", 5, "{}"), t0()).unwrap();
    assert!(matches!(
        other.put_catalog(&catalog("acme", 4, "{}"), t0() + days(400)),
        Err(CatalogStoreError::NotNewer { .. })
    ));
}

#[test]
fn storing_the_same_catalog_again_renews_its_row() {
    let (_tmp, mut vault) = support::new_vault();
    vault.put_catalog(&catalog("acme", 1, "{}"), t0()).unwrap();
    // Fetched again 300 days later, unchanged: it lives 366 days from then.
    assert_eq!(
        vault
            .put_catalog(&catalog("acme", 1, "{}"), t0() + days(300))
            .unwrap(),
        CatalogStored::Unchanged
    );
    assert!(vault.catalog("acme", t0() + days(600)).unwrap().is_some());
    assert_eq!(vault.catalog("acme", t0() + days(700)).unwrap(), None);
    // The same version with other contents renews nothing (it is refused).
    let (_tmp2, mut other) = support::new_vault();
    other.put_catalog(&catalog("acme", 1, "{}"), t0()).unwrap();
    assert!(
        other
            .put_catalog(&catalog("acme", 1, r#"{"x":1}"#), t0() + days(300))
            .is_err()
    );
    assert_eq!(other.catalog("acme", t0() + days(400)).unwrap(), None);
}
