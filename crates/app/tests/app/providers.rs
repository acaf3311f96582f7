//! Providers: whether one is a sandbox comes from how it was added (in the demo vault only),
//! never from the provider.

use chrono::Utc;
use tipvault_app::CatalogOutcome;
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

    let pass = super::support::PASSPHRASE;
    let add = super::support::add_provider;
    let p = add(&mut session, &net, &url, ProviderKind::Real, pass, now).unwrap();
    assert!(
        p.key_id.starts_with("sandbox-"),
        "the premise: its key id looks like a sandbox's"
    );
    assert!(
        !p.sandbox,
        "a key id is the provider's to choose: it must not label a provider a sandbox"
    );

    // A real vault never pairs a sandbox: demo money stays in the demo vault.
    let e = add(&mut session, &net, &url, ProviderKind::Sandbox, pass, now).unwrap_err();
    assert_eq!(e.code, tipvault_app::ErrorCode::InvalidInput);
    assert!(e.message.contains("demo vault only"), "{}", e.message);

    tipvault_app::demo::mark_fixture_as_demo(&mut session, now).unwrap();
    let p = add(&mut session, &net, &url, ProviderKind::Sandbox, pass, now).unwrap();
    assert!(
        p.sandbox,
        "added as a sandbox (in the demo vault): labelled as one"
    );

    // The demo vault pairs nothing but its sandbox: a real provider there would let anyone
    // holding its public passphrase and the test device's file spend real money.
    let e = add(&mut session, &net, &url, ProviderKind::Real, pass, now).unwrap_err();
    assert_eq!(e.code, tipvault_app::ErrorCode::InvalidInput);
    assert!(e.message.contains("only the sandbox"), "{}", e.message);
    let listed = tipvault_app::list_providers(&mut session, now).unwrap();
    assert!(listed.iter().all(|p| p.sandbox), "{listed:?}");
}

#[test]
fn a_providers_key_is_pinned_only_once_the_user_confirmed_its_fingerprint_and_it_is_them() {
    let (tmp, _location, mut session) = new_vault();
    let net = Network::new().unwrap();
    let start = |db: &str, listen: Option<std::net::SocketAddr>| {
        let mut config = Config::new(tmp.path().join(db));
        if let Some(addr) = listen {
            config.listen = addr;
        }
        net.runtime().block_on(Sandbox::start(config)).unwrap()
    };
    let sandbox = start("first.sqlite", None);
    let url = sandbox.base_url();
    let now = Utc::now();
    let fingerprint = tipvault_app::key_fingerprint(&sandbox.provider_key().1);
    let pass = super::support::secret(super::support::PASSPHRASE);
    let providers = |s: &mut tipvault_app::Session| tipvault_app::list_providers(s, now).unwrap();

    // Not confirmed: the fingerprint is shown, nothing is stored.
    let e = tipvault_app::add_provider(
        &mut session,
        &net,
        &url,
        ProviderKind::Real,
        None,
        None,
        now,
    )
    .unwrap_err();
    assert_eq!(e.code, tipvault_app::ErrorCode::ConfirmProviderKey);
    assert!(e.message.contains(&fingerprint), "{}", e.message);
    // Another fingerprint (someone in the middle, a typo): refused the same way.
    let wrong = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let e = tipvault_app::add_provider(
        &mut session,
        &net,
        &url,
        ProviderKind::Real,
        Some(wrong),
        super::support::pass_proof(&pass),
        now,
    )
    .unwrap_err();
    assert_eq!(e.code, tipvault_app::ErrorCode::ConfirmProviderKey);
    // Confirmed but not re-authenticated: a sensitive change waits for the passphrase.
    let e = tipvault_app::add_provider(
        &mut session,
        &net,
        &url,
        ProviderKind::Real,
        Some(&fingerprint),
        None,
        now,
    )
    .unwrap_err();
    assert_eq!(e.code, tipvault_app::ErrorCode::ReauthRequired);
    assert!(providers(&mut session).is_empty(), "nothing was stored");

    let added = tipvault_app::add_provider(
        &mut session,
        &net,
        &url,
        ProviderKind::Real,
        Some(&fingerprint),
        super::support::pass_proof(&pass),
        now,
    )
    .unwrap();
    assert_eq!(added.key_fingerprint, fingerprint);

    // The same address now answers with another key (a new provider database, a new key):
    // refused until the user confirms the new fingerprint, then re-pinned and audited.
    let addr = sandbox.addr();
    net.runtime().block_on(sandbox.stop());
    let other = start("second.sqlite", Some(addr));
    let new_fingerprint = tipvault_app::key_fingerprint(&other.provider_key().1);
    assert_ne!(new_fingerprint, fingerprint);
    // Every answer under the new key fails verification against the pinned one.
    let e = tipvault_app::refresh_catalogs(&mut session, &net, None, now).unwrap_err();
    assert!(e.message.contains("no key is known"), "{}", e.message);
    let e = tipvault_app::add_provider(
        &mut session,
        &net,
        &url,
        ProviderKind::Real,
        Some(&fingerprint),
        super::support::pass_proof(&pass),
        now,
    )
    .unwrap_err();
    assert_eq!(e.code, tipvault_app::ErrorCode::ConfirmProviderKey);
    assert!(e.message.contains("another key"), "{}", e.message);
    assert_eq!(
        providers(&mut session)[0].key_fingerprint,
        fingerprint,
        "still the old pin"
    );
    let re_pinned = tipvault_app::add_provider(
        &mut session,
        &net,
        &url,
        ProviderKind::Real,
        Some(&new_fingerprint),
        super::support::pass_proof(&pass),
        now,
    )
    .unwrap();
    assert_eq!(re_pinned.key_fingerprint, new_fingerprint);
    tipvault_app::refresh_catalogs(&mut session, &net, None, now).unwrap();
    let audit = tipvault_app::audit_entries(&mut session, now, 0, 1000).unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.kind == "provider.key_changed")
            .count(),
        1
    );
}

#[test]
fn providers_are_reached_over_https_and_a_sandbox_only_on_this_computer() {
    let (_tmp, _location, mut session) = new_vault();
    let net = Network::new().unwrap();
    let now = Utc::now();
    tipvault_app::demo::mark_fixture_as_demo(&mut session, now).unwrap();
    for (url, kind, why) in [
        ("http://provider.example", ProviderKind::Real, "plain HTTP"),
        ("http://192.0.2.7:8787", ProviderKind::Real, "plain HTTP"),
        (
            "https://provider.example",
            ProviderKind::Sandbox,
            "only a provider on loopback",
        ),
    ] {
        let e =
            tipvault_app::add_provider(&mut session, &net, url, kind, None, None, now).unwrap_err();
        assert_eq!(e.code, tipvault_app::ErrorCode::InvalidInput, "{url}");
        assert!(e.message.contains(why), "{url}: {}", e.message);
    }
}

/// A sandbox on `listen` (a free port when `None`) with the shared test clock.
fn sandbox_config(
    db: &std::path::Path,
    listen: Option<std::net::SocketAddr>,
    offset: &std::sync::Arc<std::sync::atomic::AtomicI64>,
) -> Config {
    let mut config = Config::new(db);
    if let Some(addr) = listen {
        config.listen = addr;
    }
    let offset = offset.clone();
    let system = tipvault_sandbox_provider::system_clock();
    config.clock =
        std::sync::Arc::new(move || system() + offset.load(std::sync::atomic::Ordering::SeqCst));
    config
}

#[test]
fn a_catalog_refresh_renews_a_reissue_and_refuses_rollbacks_tampering_and_other_keys() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use tipvault_app::ErrorCode;

    const DAY: i64 = 86_400;
    let (tmp, _location, mut session) = new_vault();
    let offset = Arc::new(AtomicI64::new(0));
    let client_offset = offset.clone();
    let clock = Arc::new(move || {
        Utc::now() + chrono::Duration::seconds(client_offset.load(Ordering::SeqCst))
    });
    let net = Network::new()
        .unwrap()
        .with_clock(clock.clone(), Arc::new(std::thread::sleep));
    let db = tmp.path().join("sandbox.sqlite");
    let mut config = sandbox_config(&db, None, &offset);
    config.catalog_version = Some(2);
    let sandbox = net.runtime().block_on(Sandbox::start(config)).unwrap();
    let addr = sandbox.addr();
    super::support::add_provider(
        &mut session,
        &net,
        &sandbox.base_url(),
        ProviderKind::Real,
        super::support::PASSPHRASE,
        clock(),
    )
    .unwrap();
    let mut sandbox = Some(sandbox);
    // Restarts the provider on the same address with `edit` applied, the clock at `day`.
    let mut restart = |day: i64, edit: &dyn Fn(&mut Config)| {
        net.runtime().block_on(sandbox.take().unwrap().stop());
        offset.store(day * DAY, Ordering::SeqCst);
        let mut config = sandbox_config(&db, Some(addr), &offset);
        config.catalog_version = Some(2);
        edit(&mut config);
        sandbox = Some(net.runtime().block_on(Sandbox::start(config)).unwrap());
    };
    let cached = |session: &mut tipvault_app::Session| {
        tipvault_app::list_catalogs(session, clock())
            .unwrap()
            .remove(0)
    };

    // Nothing new: unchanged.
    let same = tipvault_app::refresh_catalogs(&mut session, &net, None, clock()).unwrap();
    assert_eq!(same[0].outcome, CatalogOutcome::Unchanged);

    // Day 20: the provider re-issues version 2 unchanged: the cached copy takes its dates.
    restart(20, &|_| {});
    let renewed =
        tipvault_app::refresh_catalogs(&mut session, &net, Some("demo-provider"), clock()).unwrap();
    assert_eq!(renewed[0].outcome, CatalogOutcome::Renewed);
    assert_eq!(renewed[0].catalog.version, 2);
    let kept = cached(&mut session);
    assert_eq!(kept.issued_at.timestamp() / DAY, clock().timestamp() / DAY);

    // Each bad re-issue is refused with its own clear error, and the cached copy stays.
    let changed_fee = {
        let mut doc: serde_json::Value =
            serde_json::from_str(tipvault_preview::DEMO_CATALOG_JSON).unwrap();
        doc["products"][0]["fee"]["fixed"] = serde_json::json!("100");
        doc.to_string()
    };
    type Edit = Box<dyn Fn(&mut Config)>;
    let cases: Vec<(&str, i64, Edit, ErrorCode, &str)> = vec![
        (
            "a lower version",
            21,
            Box::new(|c: &mut Config| c.catalog_version = Some(1)),
            ErrorCode::Provider,
            "not newer",
        ),
        (
            "an earlier issue (the provider's clock set back)",
            19,
            Box::new(|_: &mut Config| {}),
            ErrorCode::Provider,
            "not later",
        ),
        (
            "another fee under the same version",
            22,
            Box::new(move |c: &mut Config| c.catalog_json = Some(changed_fee.clone())),
            ErrorCode::NotVerified,
            "new version",
        ),
    ];
    for (name, day, edit, code, says) in cases {
        restart(day, &*edit);
        let err = tipvault_app::refresh_catalogs(&mut session, &net, None, clock()).unwrap_err();
        assert_eq!(err.code, code, "{name}: {}", err.message);
        assert!(err.message.contains(says), "{name}: {}", err.message);
        assert_eq!(
            cached(&mut session),
            kept,
            "{name}: the cached copy is kept"
        );
    }

    // Another key at the same address: the pinned key refuses it before the vault sees it.
    let other_db = tmp.path().join("impostor.sqlite");
    net.runtime().block_on(sandbox.take().unwrap().stop());
    offset.store(23 * DAY, Ordering::SeqCst);
    let mut impostor = sandbox_config(&other_db, Some(addr), &offset);
    impostor.catalog_version = Some(3);
    let impostor = net.runtime().block_on(Sandbox::start(impostor)).unwrap();
    let err = tipvault_app::refresh_catalogs(&mut session, &net, None, clock()).unwrap_err();
    assert_eq!(err.code, ErrorCode::Provider, "{}", err.message);
    assert_eq!(
        cached(&mut session),
        kept,
        "another key: the cached copy is kept"
    );
    net.runtime().block_on(impostor.stop());

    let audit = tipvault_app::audit_entries(&mut session, clock(), 0, 500).unwrap();
    let kinds: Vec<&str> = audit.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "catalog.refused").count(),
        3,
        "{kinds:?}"
    );
    assert!(kinds.contains(&"catalog.renewed"), "{kinds:?}");
}

#[test]
fn which_provider_is_the_one_named_or_the_only_one_never_a_guess() {
    use tipvault_app::{ErrorCode, Hint};
    let (tmp, _location, mut session) = new_vault();
    let net = Network::new().unwrap();
    let now = Utc::now();
    // None set up: nothing to choose, and the way forward is to add one.
    let none = tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", now).unwrap_err();
    assert_eq!(
        (none.code, none.hint.map(|h| *h)),
        (ErrorCode::InvalidInput, Some(Hint::AddProvider))
    );

    // Two set up: neither is guessed.
    let start = |name: &str, catalog: Option<String>| {
        let mut config = Config::new(tmp.path().join(format!("{name}.sqlite")));
        config.enrollment_code = Some("1111-2222".into());
        config.catalog_json = catalog;
        net.runtime().block_on(Sandbox::start(config)).unwrap()
    };
    let first = start("first", None);
    let other_id =
        tipvault_preview::DEMO_CATALOG_JSON.replace("\"demo-provider\"", "\"other-provider\"");
    let second = start("second", Some(other_id));
    for sandbox in [&first, &second] {
        super::support::add_provider(
            &mut session,
            &net,
            &sandbox.base_url(),
            ProviderKind::Real,
            super::support::PASSPHRASE,
            now,
        )
        .unwrap();
    }
    let two = tipvault_app::pair_provider(&mut session, &net, None, "1111-2222", now).unwrap_err();
    assert_eq!(
        (two.code, two.hint.map(|h| *h)),
        (ErrorCode::InvalidInput, Some(Hint::ChooseProvider))
    );
    let paired = |session: &mut tipvault_app::Session| -> Vec<String> {
        tipvault_app::list_providers(session, now)
            .unwrap()
            .into_iter()
            .filter(|p| p.paired_at.is_some())
            .map(|p| p.id)
            .collect()
    };
    assert!(
        paired(&mut session).is_empty(),
        "nothing was paired on a guess"
    );

    // Named: that one, and only that one.
    tipvault_app::pair_provider(&mut session, &net, Some("other-provider"), "1111-2222", now)
        .unwrap();
    assert_eq!(paired(&mut session), ["other-provider"]);
    let unknown = tipvault_app::pair_provider(&mut session, &net, Some("nobody"), "1111-2222", now)
        .unwrap_err();
    assert_eq!(unknown.code, ErrorCode::InvalidInput, "{}", unknown.message);
}

#[test]
fn a_provider_added_by_address_is_a_sandbox_in_the_demo_vault_and_real_elsewhere() {
    for demo in [false, true] {
        let (tmp, _location, mut session) = super::support::new_vault();
        let net = tipvault_app::Network::new().unwrap();
        let config = tipvault_sandbox_provider::Config::new(tmp.path().join("sandbox.sqlite"));
        let sandbox = net
            .runtime()
            .block_on(tipvault_sandbox_provider::Sandbox::start(config))
            .unwrap();
        let now = chrono::Utc::now();
        if demo {
            tipvault_app::demo::mark_fixture_as_demo(&mut session, now).unwrap();
        }
        let url = sandbox.base_url();
        let key = tipvault_app::inspect_provider(&mut session, &net, &url, now).unwrap();
        let pass = super::support::secret(super::support::PASSPHRASE);
        let added = tipvault_app::add_provider_for_vault(
            &mut session,
            &net,
            &url,
            Some(&key.fingerprint),
            Some(tipvault_app::Proof::Passphrase(&pass)),
            now,
        )
        .unwrap();
        assert_eq!(added.sandbox, demo, "demo vault: {demo}");
    }
}
