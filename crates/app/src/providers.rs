//! Providers: add one by its address (its signed catalog pins its key), pair this device with
//! a one-time enrollment code, list them.
//!
//! The one decision to know: trust is established once, on `add_provider` (trust on first
//! use, like SSH), and confirmed by pairing; afterwards every catalog, response and receipt
//! must verify under the pinned key, and a provider that shows up with another key is refused
//! rather than re-pinned. Whether a provider is a sandbox is decided the same way — by how
//! it was added ([`ProviderKind`]), never by anything the provider says about itself — and a
//! sandbox stays one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_vault::{AuditEvent, CatalogStoreError, CatalogStored, PrivacyRecord, StoredProvider};
use tipvault_wire::client::ProviderClient;
use tipvault_wire::httpsig::{SigningKey, VerifyingKey};
use tipvault_wire::protocol;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode};
use crate::network::Network;
use crate::session::Session;

/// A provider as the front ends show it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProviderView {
    pub id: String,
    pub base_url: String,
    pub key_id: String,
    /// This device's id there, once paired.
    pub device_id: Option<String>,
    pub paired_at: Option<DateTime<Utc>>,
    /// A sandbox with demo money: label it as such.
    pub sandbox: bool,
    pub catalog_version: Option<u64>,
}

/// How a provider is being added. Only the user's side says "sandbox" (demo mode, `provider
/// add --sandbox`): a provider cannot label itself one (a key id that starts with `sandbox-`
/// means nothing), and once marked, adding it again as [`ProviderKind::Real`] does not unmark
/// it, so demo money can never be shown as real.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// A provider the user added by address.
    Real,
    /// A sandbox with demo money, labelled as such everywhere.
    Sandbox,
}

pub(crate) fn invalid(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::InvalidInput, message)
}

pub(crate) fn provider_error(e: &tipvault_wire::client::ClientError) -> AppError {
    AppError::new(ErrorCode::Provider, format!("{e}."))
}

fn view(p: &StoredProvider, catalog_version: Option<u64>) -> ProviderView {
    ProviderView {
        id: p.id.clone(),
        base_url: p.base_url.clone(),
        key_id: p.key_id.clone(),
        device_id: p.device_id.clone(),
        paired_at: p.paired_at,
        sandbox: p.sandbox,
        catalog_version,
    }
}

fn parse_url(url: &str) -> Result<String, AppError> {
    let url = url.trim().trim_end_matches('/');
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| invalid(format!("{url:?} is not an http(s) address.")))?;
    if rest.is_empty() || rest.contains('/') || rest.contains('@') {
        return Err(invalid(format!(
            "{url:?} must be just scheme, host and port (like https://provider.example)."
        )));
    }
    Ok(url.to_owned())
}

/// The device's signing key (from the vault; zeroized when dropped).
pub(crate) fn device_key(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<SigningKey, AppError> {
    let secret = session.vault_at(now).device_secret(now)?;
    Ok(SigningKey::from_bytes(&secret))
}

/// A client for a stored provider: pinned key, device id (when paired), the device key.
pub(crate) fn client_for(
    session: &mut Session,
    net: &Network,
    provider: &StoredProvider,
    now: DateTime<Utc>,
) -> Result<ProviderClient, AppError> {
    let key = device_key(session, now)?;
    let mut client = net.client(&provider.base_url, key)?;
    let pinned = VerifyingKey::from_bytes(&provider.public_key).map_err(|_| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("The pinned key of {} is not an Ed25519 key.", provider.id),
        )
    })?;
    client.pin_provider(&provider.key_id, pinned);
    if let Some(dev) = &provider.device_id {
        client.set_device_id(dev);
    }
    Ok(client)
}

pub(crate) fn stored_provider(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<StoredProvider, AppError> {
    session.vault_at(now).provider(id, now)?.ok_or_else(|| {
        invalid(format!(
            "There is no provider {id:?} in the vault; add it with `tipvault provider add URL`."
        ))
    })
}

/// What handing a fetched (and verified) catalog to the vault did.
pub(crate) enum Cached {
    /// Stored, renewed or already there.
    Stored(CatalogStored),
    /// Refused, audited; the cached copy is kept. The error says why, for the user.
    Refused(AppError),
}

/// Hands a catalog fetched from a provider, already verified under its pinned key, to the
/// vault, which decides what to keep (see `tipvault_vault::catalog`): a newer version
/// replaces the cached one, the same one re-issued later renews its dates. A lower version,
/// an earlier issue, or a changed offer under the same version is refused and audited.
pub(crate) fn cache_catalog(
    session: &mut Session,
    catalog: &tipvault_preview::Catalog,
    now: DateTime<Utc>,
) -> Result<Cached, AppError> {
    let stored = crate::catalogs::stored_form(catalog, now);
    let vault = session.vault_at(now);
    let refusal = match vault.put_catalog(&stored, now) {
        Ok(outcome) => {
            if let CatalogStored::Renewed {
                previous_expires_at,
            } = outcome
            {
                vault.audit_append(
                    &AuditEvent::new(
                        "catalog.renewed",
                        json!({"provider": catalog.provider_id(), "version": catalog.version(),
                               "previous_expires_at": previous_expires_at,
                               "expires_at": catalog.expires_at()}),
                    )?,
                    now,
                )?;
            }
            return Ok(Cached::Stored(outcome));
        }
        Err(CatalogStoreError::Store(e)) => return Err(e.into()),
        Err(refusal) => refusal,
    };
    let code = match refusal {
        CatalogStoreError::ChangedWithoutNewVersion { .. } => ErrorCode::NotVerified,
        _ => ErrorCode::Provider,
    };
    let reason = crate::error::sentence(&refusal);
    vault.audit_append(
        &AuditEvent::new(
            "catalog.refused",
            json!({"provider": catalog.provider_id(), "version": catalog.version(),
                   "issued_at": catalog.issued_at(), "reason": reason}),
        )?,
        now,
    )?;
    Ok(Cached::Refused(AppError::new(
        code,
        format!("{reason} Tipvault kept the catalog it had."),
    )))
}

/// What refreshing one provider's catalog did.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CatalogRefreshed {
    pub provider_id: String,
    /// `new`, `replaced`, `renewed` or `unchanged`.
    pub outcome: String,
    pub previous_version: Option<u64>,
    /// The catalog the vault holds now.
    pub catalog: crate::catalogs::CatalogView,
}

/// Fetches the signed catalog of `provider` (or of every provider in the vault), verifies it
/// under the pinned key and hands it to the vault (see [`cache_catalog`]). The first refusal
/// or unreachable provider is the error; catalogs refreshed before it stay refreshed.
pub fn refresh_catalogs(
    session: &mut Session,
    net: &Network,
    provider: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Vec<CatalogRefreshed>, AppError> {
    let providers = match provider.map(str::trim).filter(|p| !p.is_empty()) {
        Some(id) => vec![stored_provider(session, id, now)?],
        None => session.vault_at(now).providers(now)?,
    };
    if providers.is_empty() {
        return Err(invalid(
            "No provider is set up, so there is no catalog to refresh: add one with \
             `tipvault provider add URL`.",
        ));
    }
    let mut out = Vec::with_capacity(providers.len());
    for p in &providers {
        let client = client_for(session, net, p, now)?;
        let fetched = net
            .block_on(client.catalog())
            .map_err(|e| provider_error(&e))?;
        let outcome = match cache_catalog(session, &fetched.catalog, now)? {
            Cached::Stored(outcome) => outcome,
            Cached::Refused(e) => return Err(e),
        };
        let (outcome, previous_version) = crate::catalogs::outcome_name(outcome);
        // What the vault holds now (the fetched copy, or the cached one it equals).
        let stored = session.vault_at(now).catalog(&p.id, now)?.ok_or_else(|| {
            AppError::new(
                ErrorCode::Internal,
                "The catalog just stored is not in the vault.",
            )
        })?;
        let catalog = crate::catalogs::view(
            &crate::catalogs::read_stored(&stored)?,
            Some(stored.stored_at),
            now,
        );
        out.push(CatalogRefreshed {
            provider_id: p.id.clone(),
            outcome: outcome.to_owned(),
            previous_version,
            catalog,
        });
    }
    Ok(out)
}

/// Fetches and verifies the provider's signed catalog at `url`, pins its key, caches the
/// catalog. Adding a known provider again updates its address if the key is the same. `kind`
/// says whether the user is adding a sandbox ([`ProviderKind`]).
pub fn add_provider(
    session: &mut Session,
    net: &Network,
    url: &str,
    kind: ProviderKind,
    now: DateTime<Utc>,
) -> Result<ProviderView, AppError> {
    if kind == ProviderKind::Sandbox {
        // Demo money never enters the real books: a sandbox is paired only in the demo vault.
        crate::demo::require_demo(session, "A sandbox provider")?;
    }
    let url = parse_url(url)?;
    let key = device_key(session, now)?;
    let client = net.client(&url, key)?;
    let verified = net
        .block_on(client.catalog())
        .map_err(|e| provider_error(&e))?;
    let id = verified.catalog.provider_id().to_owned();
    let was_sandbox = session
        .vault_at(now)
        .provider(&id, now)?
        .is_some_and(|p| p.sandbox);
    let sandbox = kind == ProviderKind::Sandbox || was_sandbox;
    let provider = StoredProvider {
        id: id.clone(),
        base_url: url.clone(),
        key_id: verified.key_id.clone(),
        public_key: verified.key.to_bytes(),
        device_id: None,
        paired_at: None,
        sandbox,
        added_at: now,
    };
    session
        .vault_at(now)
        .put_provider(&provider, now)
        .map_err(|e| match e {
            tipvault_vault::ProviderStoreError::KeyChanged { .. } => AppError::new(
                ErrorCode::NotVerified,
                format!(
                    "{} Tipvault keeps the key it pinned; remove the provider only if it \
                     announced a key change.",
                    crate::error::sentence(&e)
                ),
            ),
            tipvault_vault::ProviderStoreError::Store(e) => e.into(),
        })?;
    if let Cached::Refused(e) = cache_catalog(session, &verified.catalog, now)? {
        return Err(e);
    }
    let vault = session.vault_at(now);
    vault.audit_append(
        &AuditEvent::new(
            "provider.added",
            json!({"provider": id, "url": url, "key_id": verified.key_id,
                   "catalog_version": verified.catalog.version(), "sandbox": sandbox}),
        )?,
        now,
    )?;
    let stored = stored_provider(session, &id, now)?;
    Ok(view(&stored, Some(verified.catalog.version())))
}

/// Pairs this device with `provider` (or the only provider) using a one-time code.
pub fn pair_provider(
    session: &mut Session,
    net: &Network,
    provider: Option<&str>,
    code: &str,
    now: DateTime<Utc>,
) -> Result<ProviderView, AppError> {
    let provider = match provider {
        Some(id) => stored_provider(session, id, now)?,
        None => {
            let mut all = session.vault_at(now).providers(now)?;
            if all.len() != 1 {
                return Err(invalid(
                    "Name the provider to pair with (--provider ID); see `tipvault provider list`.",
                ));
            }
            all.remove(0)
        }
    };
    let mut client = client_for(session, net, &provider, now)?;
    let public = protocol::self_certifying_keyid(client_public(session, now)?.as_bytes());
    session.vault_at(now).privacy_append(
        &PrivacyRecord {
            provider_id: provider.id.clone(),
            redemption_id: None,
            purpose: "pairing".into(),
            fields: json!({"device_public_key": public}).to_string(),
            sent_at: now,
        },
        now,
    )?;
    let paired = net
        .block_on(client.pair(code.trim()))
        .map_err(|e| provider_error(&e))?;
    let vault = session.vault_at(now);
    vault.set_provider_device(&provider.id, &paired.device_id, now)?;
    vault.audit_append(
        &AuditEvent::new(
            "provider.paired",
            json!({"provider": provider.id, "device_id": paired.device_id}),
        )?,
        now,
    )?;
    let stored = stored_provider(session, &provider.id, now)?;
    Ok(view(&stored, None))
}

fn client_public(session: &mut Session, now: DateTime<Utc>) -> Result<VerifyingKey, AppError> {
    Ok(device_key(session, now)?.verifying_key())
}

/// The providers in the vault.
pub fn list_providers(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<ProviderView>, AppError> {
    let vault = session.vault_at(now);
    let providers = vault.providers(now)?;
    let mut out = Vec::with_capacity(providers.len());
    for p in &providers {
        let version = vault.catalog(&p.id, now)?.map(|c| c.version);
        out.push(view(p, version));
    }
    Ok(out)
}

/// The demo tips, KRW: they add up to [`DEMO_BALANCE_KRW`].
pub const DEMO_TIPS_KRW: [i64; 3] = [50_000, 30_000, 7_300];

/// What the demo sandbox holds for the user at the start (KRW): the demo tips, so the
/// provider's signed balance and the books agree to the unit from the first reconciliation.
pub const DEMO_BALANCE_KRW: i64 = DEMO_TIPS_KRW[0] + DEMO_TIPS_KRW[1] + DEMO_TIPS_KRW[2];

/// Demo mode: a source of sandbox tips (₩87,300) when the vault holds no balance yet, so a
/// newcomer can preview and redeem end to end. Returns whether it imported anything.
///
/// Demo mode also turns on the sandbox step-up waiver (`crate::risk`): redemptions at a
/// *sandbox* provider are still judged and recorded, but a step-up is let through (a newcomer
/// may have no security key yet; the desktop's Security & limits and the CLI's `risk
/// sandbox-waiver off` turn it off). Pauses and refusals still apply; real providers are
/// unaffected.
pub fn import_demo_balance(session: &mut Session, now: DateTime<Utc>) -> Result<bool, AppError> {
    use tipvault_ledger::entry::NewEntry;
    use tipvault_ledger::{Entry, EntryKey, EntryKind, Platform, Source, SourceId};
    use tipvault_money::{Currency, Money};
    crate::demo::require_demo(session, "Demo money")?;
    if session
        .vault_at(now)
        .setting(crate::risk::SANDBOX_WAIVER_SETTING)?
        .is_none()
    {
        crate::risk::set_sandbox_step_up_waiver(session, true, now)?;
    }
    let vault = session.vault_at(now);
    if !vault.balances(now)?.is_empty() {
        return Ok(false);
    }
    let id = SourceId::new("sandbox-demo-tips");
    if vault.source(&id, now)?.is_none() {
        vault.add_source(
            &Source {
                id: id.clone(),
                label: "Demo tips (sandbox)".into(),
                platform: Platform::Generic("sandbox-demo".into()),
                currency: Currency::KRW,
                payout: None,
            },
            now,
        )?;
    }
    let entries = DEMO_TIPS_KRW
        .iter()
        .enumerate()
        .map(|(i, amount)| {
            let m = Money::from_minor(*amount, Currency::KRW);
            Entry::new(NewEntry {
                source: id.clone(),
                kind: EntryKind::Tip,
                occurred_at: now - chrono::Duration::days(i64::try_from(i).unwrap_or(0) + 1),
                gross: m,
                fee: Money::zero(Currency::KRW),
                net: m,
                key: EntryKey::TransactionId {
                    platform: "sandbox-demo".into(),
                    source: id.clone(),
                    id: format!("demo-tip-{i}"),
                },
                payer: None,
                message: None,
            })
            .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    vault.import_entries(&id, &entries, now)?;
    // The demo tips arrived at the sandbox, which holds them: they are that provider
    // account's income (and the sandbox is started with exactly this balance).
    vault.set_source_holder(&id, Some(crate::preview::DEMO_PROVIDER_ID), now)?;
    vault.audit_append(
        &AuditEvent::new("demo.balance_imported", json!({"source": id.as_str()}))?,
        now,
    )?;
    Ok(true)
}

/// What starting demo mode did: the sandbox provider (added and paired), where it listens,
/// and whether a demo balance was imported.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DemoStarted {
    pub provider: ProviderView,
    pub url: String,
    pub demo_balance_imported: bool,
}
