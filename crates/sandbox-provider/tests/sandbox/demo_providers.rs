//! The demo providers' catalogs (`demo/providers/*.json`): each is a valid catalog read
//! strictly, named after its file, with product ids of its own, and a sandbox serves it signed.

use std::collections::BTreeSet;

use tipvault_preview::Catalog;

use crate::support;

fn demo_files() -> Vec<(String, String)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../demo/providers");
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_demo_provider_is_a_strict_catalog_of_its_own() {
    let files = demo_files();
    assert_eq!(files.len(), 3, "three demo providers");
    let mut ids = BTreeSet::new();
    let mut currencies = BTreeSet::new();
    for (name, text) in &files {
        let catalog = Catalog::parse_strict(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(catalog.provider_id(), name, "named after its file");
        for product in catalog.products() {
            assert!(
                ids.insert(product.id().as_str().to_owned()),
                "{name}: {} is another provider's id too",
                product.id().as_str()
            );
            currencies.insert(product.currency().code());
        }
    }
    assert_eq!(
        currencies.into_iter().collect::<Vec<_>>(),
        ["KRW", "USD"],
        "two currencies between them"
    );
}

#[tokio::test]
async fn a_sandbox_serves_each_demo_provider_signed() {
    for (name, text) in demo_files() {
        let (_dir, sandbox) = support::start_with(|c| c.catalog_json = Some(text.clone())).await;
        let client = support::client_for(&sandbox, support::device_seed()).await;
        let served = client.catalog().await.unwrap();
        assert_eq!(served.catalog.provider_id(), name);
        sandbox.stop().await;
    }
}
