//! Providers: whether one is a sandbox comes from how it was added, never from the provider.

use chrono::Utc;
use tipvault_app::Network;
use tipvault_app::providers::ProviderKind;
use tipvault_sandbox_provider::{Config, Sandbox};

use super::support::new_vault;

#[test]
fn a_sandbox_is_marked_by_how_it_was_added_and_stays_marked() {
    let (tmp, _location, mut session) = new_vault();
    let net = Network::new().unwrap();
    let sandbox = net
        .runtime()
        .block_on(Sandbox::start(Config::new(
            tmp.path().join("sandbox.sqlite"),
        )))
        .unwrap();
    let url = sandbox.base_url();
    let now = Utc::now();

    let p = tipvault_app::add_provider(&mut session, &net, &url, ProviderKind::Real, now).unwrap();
    assert!(
        p.key_id.starts_with("sandbox-"),
        "the premise: its key id looks like a sandbox's"
    );
    assert!(
        !p.sandbox,
        "a key id is the provider's to choose: it must not label a provider a sandbox"
    );

    let p =
        tipvault_app::add_provider(&mut session, &net, &url, ProviderKind::Sandbox, now).unwrap();
    assert!(p.sandbox, "added as a sandbox: labelled as one");

    let p = tipvault_app::add_provider(&mut session, &net, &url, ProviderKind::Real, now).unwrap();
    assert!(
        p.sandbox,
        "adding it again cannot hide that it is a sandbox"
    );
    let listed = tipvault_app::list_providers(&mut session, now).unwrap();
    assert!(listed.iter().all(|p| p.sandbox), "{listed:?}");
}
