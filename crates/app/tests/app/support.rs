use chrono::{DateTime, TimeZone, Utc};
use tipvault_app::{KdfChoice, SecretString, Session, VaultLocation, create_vault};

pub const PASSPHRASE: &str = "harbour violet quantum tangerine";

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// A fixed instant, so tests do not depend on the clock.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

/// A new vault in a temporary directory, unlocked.
pub fn new_vault() -> (tempfile::TempDir, VaultLocation, Session) {
    let dir = tempfile::tempdir().unwrap();
    let location = VaultLocation::at(dir.path().join("vault"));
    let (session, _) =
        create_vault(&location, &secret(PASSPHRASE), KdfChoice::Minimum, t0()).unwrap();
    (dir, location, session)
}

/// What redemptions drew from the vault's books: the sum of every redemption and fee entry
/// (minor units, negative). Reconciliation entries (a credit found at the provider, a charge no
/// receipt explains) are not drawings, so "booked once" is asserted on this.
pub fn drawn(session: &mut Session) -> i64 {
    let query = tipvault_app::HistoryQuery {
        kinds: vec!["redemption".into(), "fee".into()],
        limit: 10_000,
        ..tipvault_app::HistoryQuery::default()
    };
    let page =
        tipvault_app::history(session, &query, &tipvault_app::Zone::utc(), Utc::now()).unwrap();
    assert!(page.next.is_none());
    page.entries.iter().map(|e| e.net.minor).sum()
}

/// Adds the provider at `url` as a test that started it itself would: its key's fingerprint
/// confirmed from what it presents (the test started that sandbox), the vault's `passphrase`
/// as the re-authentication.
pub fn add_provider(
    session: &mut Session,
    net: &tipvault_app::Network,
    url: &str,
    kind: tipvault_app::providers::ProviderKind,
    passphrase: &str,
    now: DateTime<Utc>,
) -> Result<tipvault_app::ProviderView, tipvault_app::AppError> {
    let key = tipvault_app::inspect_provider(session, net, url, now)?;
    tipvault_app::add_provider(
        session,
        net,
        url,
        kind,
        Some(&key.fingerprint),
        Some(tipvault_app::Proof::Passphrase(&secret(passphrase))),
        now,
    )
}

/// The re-authentication a test gives for a sensitive change: the vault's passphrase.
pub fn pass_proof(passphrase: &SecretString) -> Option<tipvault_app::Proof<'_>> {
    Some(tipvault_app::Proof::Passphrase(passphrase))
}

/// A provider on loopback with `catalog_json`, paired and reconciled in `session`, holding
/// `balance_krw` for the user; added as a sandbox (demo money) when `sandbox_kind`.
pub fn paired_provider(
    session: &mut tipvault_app::Session,
    net: &tipvault_app::Network,
    dir: &std::path::Path,
    catalog_json: String,
    code: &str,
    balance_krw: i64,
    sandbox_kind: bool,
) -> tipvault_sandbox_provider::Sandbox {
    let catalog: serde_json::Value = serde_json::from_str(&catalog_json).unwrap();
    let provider = catalog["provider_id"].as_str().unwrap().to_owned();
    let mut config = tipvault_sandbox_provider::Config::new(dir.join(format!("{provider}.sqlite")));
    config.catalog_json = Some(catalog_json);
    config.enrollment_code = Some(code.into());
    config.demo_balances = vec![("KRW".into(), balance_krw)];
    let sandbox = net
        .runtime()
        .block_on(tipvault_sandbox_provider::Sandbox::start(config))
        .unwrap();
    let now = Utc::now();
    let kind = if sandbox_kind {
        tipvault_app::providers::ProviderKind::Sandbox
    } else {
        tipvault_app::providers::ProviderKind::Real
    };
    add_provider(session, net, &sandbox.base_url(), kind, PASSPHRASE, now).unwrap();
    tipvault_app::pair_provider(session, net, Some(&provider), code, now).unwrap();
    tipvault_app::reconcile_account(session, net, &provider, now).unwrap();
    sandbox
}

/// The demo catalog as another provider's: `provider_id`, and every KRW fee `percent`.
pub fn catalog_of(provider_id: &str, percent: &str) -> String {
    let mut doc: serde_json::Value =
        serde_json::from_str(tipvault_preview::DEMO_CATALOG_JSON).unwrap();
    doc["provider_id"] = provider_id.into();
    for product in doc["products"].as_array_mut().unwrap() {
        if product["currency"] == "KRW" {
            product["fee"]["percent"] = percent.into();
            product["fee"]["fixed"] = "0".into();
        }
    }
    doc.to_string()
}
