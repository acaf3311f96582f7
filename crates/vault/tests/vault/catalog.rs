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
    assert!(matches!(
        vault.put_catalog(&catalog("acme", 2, r#"{"doc":"a2"}"#), t0()),
        Err(CatalogStoreError::NotNewer { stored: 3, .. })
    ));
    assert!(matches!(
        vault.put_catalog(&catalog("acme", 3, r#"{"doc":"x"}"#), t0()),
        Err(CatalogStoreError::ChangedWithoutNewVersion { version: 3, .. })
    ));
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

/// A catalog document with dates, as a provider issues it `issued` days after `t0`.
fn issue(version: u64, fee: &str, issued: i64) -> StoredCatalog {
    let at = t0() + days(issued);
    let stamp =
        |d: chrono::DateTime<chrono::Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let document = serde_json::json!({
        "provider_id": "acme",
        "version": version,
        "issued_at": stamp(at),
        "stale_after": stamp(at + days(15)),
        "expires_at": stamp(at + days(30)),
        "products": [{"id": "topup", "fee": fee}],
    })
    .to_string();
    StoredCatalog {
        provider_id: "acme".into(),
        version,
        document,
        issued_at: at,
        stale_after: at + days(15),
        expires_at: at + days(30),
        stored_at: at,
    }
}

#[test]
fn a_reissued_catalog_renews_the_cached_copys_dates() {
    let (_tmp, mut vault) = support::new_vault();
    vault.put_catalog(&issue(1, "0", 0), t0()).unwrap();
    // Day 25: the provider re-publishes version 1 unchanged, valid 30 days from then.
    let again = issue(1, "0", 25);
    assert_eq!(
        vault.put_catalog(&again, t0() + days(25)).unwrap(),
        CatalogStored::Renewed {
            previous_expires_at: t0() + days(30)
        }
    );
    let cached = vault.catalog("acme", t0() + days(40)).unwrap().unwrap();
    assert_eq!(cached.expires_at, t0() + days(55), "the new expiry governs");
    assert_eq!(
        cached.document, again.document,
        "and the new signed document"
    );
    assert_eq!(cached.stored_at, t0() + days(25));
}

#[test]
fn a_changed_or_replayed_issue_of_the_same_version_is_refused_and_the_cache_kept() {
    let (_tmp, mut vault) = support::new_vault();
    let current = issue(2, "0", 10);
    vault.put_catalog(&current, t0() + days(10)).unwrap();
    // A higher fee under the same version, even with newer dates: tampering.
    assert!(matches!(
        vault.put_catalog(&issue(2, "500", 20), t0() + days(20)),
        Err(CatalogStoreError::ChangedWithoutNewVersion { version: 2, .. })
    ));
    // The same offer issued earlier than the cached copy (a replay of an old issue), or at
    // the same instant with a longer expiry.
    let mut stretched = issue(2, "0", 10);
    let mut doc: serde_json::Value = serde_json::from_str(&stretched.document).unwrap();
    doc["expires_at"] = serde_json::json!("2099-01-01T00:00:00Z");
    stretched.document = doc.to_string();
    for (name, offered) in [("earlier", issue(2, "0", 5)), ("same instant", stretched)] {
        let err = vault.put_catalog(&offered, t0() + days(20));
        assert!(
            matches!(err, Err(CatalogStoreError::NotLaterIssue { .. })),
            "{name}: {err:?}"
        );
    }
    // A lower version, even freshly dated: refused.
    assert!(matches!(
        vault.put_catalog(&issue(1, "0", 20), t0() + days(20)),
        Err(CatalogStoreError::NotNewer { stored: 2, .. })
    ));
    assert_eq!(
        vault.catalog("acme", t0() + days(20)).unwrap(),
        Some(current),
        "the cached copy is as it was"
    );
}
