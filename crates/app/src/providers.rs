//! Providers: add one by its address (its signed catalog carries its key), pair this device with
//! a one-time enrollment code, list them.
//!
//! The decisions to know:
//! - **Trust on first use, made explicit** (as ssh does): `add_provider` shows the provider's key
//!   fingerprint ([`key_fingerprint`]) and pins the key only when the caller hands back that
//!   exact fingerprint, which the user compared with the one the provider publishes. A provider
//!   that shows up with another key is refused until the user confirms the new fingerprint the
//!   same way. Adding a provider is a sensitive change ([`crate::reauth`]). Afterwards every
//!   catalog, response and receipt must verify under the pinned key.
//! - **HTTPS only**, except on this computer (loopback), where the sandbox runs.
//! - Whether a provider is a sandbox is decided by how it was added ([`ProviderKind`]), never by
//!   anything the provider says about itself; a sandbox is on loopback, in the demo vault only,
//!   and stays one.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_vault::{AuditEvent, CatalogStoreError, CatalogStored, PrivacyRecord, StoredProvider};
use tipvault_wire::client::ProviderClient;
use tipvault_wire::httpsig::{SigningKey, VerifyingKey};
use tipvault_wire::protocol;
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, Hint};
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
    /// The pinned key's fingerprint ([`key_fingerprint`]), to compare with the provider's.
    pub key_fingerprint: String,
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

fn view(p: &StoredProvider, catalog_version: Option<u64>) -> ProviderView {
    ProviderView {
        id: p.id.clone(),
        base_url: p.base_url.clone(),
        key_id: p.key_id.clone(),
        device_id: p.device_id.clone(),
        paired_at: p.paired_at,
        sandbox: p.sandbox,
        catalog_version,
        key_fingerprint: VerifyingKey::from_bytes(&p.public_key)
            .map(|k| key_fingerprint(&k))
            .unwrap_or_else(|_| "(damaged)".into()),
    }
}

/// A provider's address: `https://host[:port]`, or `http://` only to this computer (loopback,
/// where the sandbox runs: nothing crosses a network there). Returns the address and whether
/// it is on loopback.
pub(crate) fn parse_url(url: &str) -> Result<(String, bool), AppError> {
    let url = url.trim().trim_end_matches('/');
    let (rest, https) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (rest, true),
        (None, Some(rest)) => (rest, false),
        (None, None) => {
            return Err(AppError::invalid(format!(
                "{url:?} is not an https address."
            )));
        }
    };
    if rest.is_empty() || rest.contains('/') || rest.contains('@') {
        return Err(AppError::invalid(format!(
            "{url:?} must be just scheme, host and port (like https://provider.example)."
        )));
    }
    let loopback = is_loopback_host(rest);
    if !https && !loopback {
        return Err(AppError::invalid(format!(
            "{url:?} is plain HTTP: a provider is reached over HTTPS (plain HTTP only to this \
             computer, 127.0.0.1 or localhost)."
        )));
    }
    Ok((url.to_owned(), loopback))
}

/// Whether `host[:port]` names this computer: `localhost`, 127.0.0.0/8 or `[::1]`.
fn is_loopback_host(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A provider key's fingerprint as people compare it: `SHA256:` and the base64 (no padding)
/// of the SHA-256 of the 32-byte Ed25519 public key, as ssh prints host keys.
#[must_use]
pub fn key_fingerprint(key: &VerifyingKey) -> String {
    protocol::key_fingerprint(&key.to_bytes())
}

/// The key this device signs with at `provider` (zeroized when dropped).
///
/// The decision to know: every provider gets its own device key, derived from the vault's
/// device secret and the provider's id (HKDF-SHA256), so its own device id. One shared key
/// showed every provider the same key and, where a provider derives the device id from the
/// key, the same id: providers could tie the user's accounts together, and a request signed
/// for one provider was valid at another (a redirected or hijacked address could have it
/// applied there). Another provider does not know this key and refuses the request. A pairing
/// made before (the vault records which key each pairing used, schema v14) keeps the shared
/// key, the only one that provider knows, until it is paired again.
pub(crate) fn device_key_for(
    session: &mut Session,
    provider: &StoredProvider,
    now: DateTime<Utc>,
) -> Result<SigningKey, AppError> {
    let secret = session.vault_at(now).device_secret(now)?;
    if provider.device_id.is_some() && !provider.own_device_key {
        return Ok(SigningKey::from_bytes(&secret));
    }
    own_device_key(&secret, &provider.id)
}

/// This device's own key for the provider `provider_id`.
fn own_device_key(secret: &[u8; 32], provider_id: &str) -> Result<SigningKey, AppError> {
    let mut derived = zeroize::Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<sha2::Sha256>::new(Some(b"tipvault/device-key/v1"), secret.as_slice())
        .expand(provider_id.as_bytes(), derived.as_mut_slice())
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
    Ok(SigningKey::from_bytes(&derived))
}

/// A key of no identity for the first exchange with an address whose provider is not known
/// yet (its signed catalog): nothing about this device is shown before the user adds it.
fn first_contact_key() -> Result<SigningKey, AppError> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut_slice()).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("No randomness available: {e}."),
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A client for a stored provider: pinned key, device id (when paired), the device key.
pub(crate) fn client_for(
    session: &mut Session,
    net: &Network,
    provider: &StoredProvider,
    now: DateTime<Utc>,
) -> Result<ProviderClient, AppError> {
    let key = device_key_for(session, provider, now)?;
    client_with(net, provider, key, provider.device_id.as_deref())
}

/// A client for `provider` signing with `key`, as `device_id` when paired.
fn client_with(
    net: &Network,
    provider: &StoredProvider,
    key: SigningKey,
    device_id: Option<&str>,
) -> Result<ProviderClient, AppError> {
    let mut client = net.client(&provider.base_url, key)?;
    let pinned = VerifyingKey::from_bytes(&provider.public_key).map_err(|_| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!("The pinned key of {} is not an Ed25519 key.", provider.id),
        )
    })?;
    client.pin_provider(&provider.key_id, pinned);
    if let Some(dev) = device_id {
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
        AppError::invalid(format!("There is no provider {id:?} in the vault."))
            .with_hint(Hint::AddProvider)
    })
}

/// The provider a use case works with: the one named, or, when none is named, the only one
/// set up (the one rule every "which provider?" follows).
pub(crate) fn chosen_provider(
    session: &mut Session,
    named: Option<&str>,
    now: DateTime<Utc>,
) -> Result<StoredProvider, AppError> {
    if let Some(id) = named.filter(|id| !id.is_empty()) {
        return stored_provider(session, id, now);
    }
    let mut all = session.vault_at(now).providers(now)?;
    match all.len() {
        1 => Ok(all.remove(0)),
        0 => Err(AppError::invalid("No provider is set up.").with_hint(Hint::AddProvider)),
        _ => Err(
            AppError::invalid("Several providers are set up: choose one.")
                .with_hint(Hint::ChooseProvider),
        ),
    }
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
    pub outcome: crate::catalogs::CatalogOutcome,
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
        return Err(
            AppError::invalid("No provider is set up, so there is no catalog to refresh.")
                .with_hint(Hint::AddProvider),
        );
    }
    let mut out = Vec::with_capacity(providers.len());
    for p in &providers {
        let client = client_for(session, net, p, now)?;
        let fetched = net.block_on(client.catalog())?;
        let outcome = match cache_catalog(session, &fetched.catalog, now)? {
            Cached::Stored(outcome) => outcome,
            Cached::Refused(e) => return Err(e),
        };
        let (outcome, previous_version) = crate::catalogs::outcome_of(outcome);
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
            p.sandbox,
            now,
        );
        out.push(CatalogRefreshed {
            provider_id: p.id.clone(),
            outcome,
            previous_version,
            catalog,
        });
    }
    Ok(out)
}

/// [`add_provider`] as the kind the open vault takes: a sandbox in the demo vault, a real
/// provider in any other (the desktop asks only for an address; the command line says which).
pub fn add_provider_for_vault(
    session: &mut Session,
    net: &Network,
    url: &str,
    confirmed_fingerprint: Option<&str>,
    proof: Option<crate::reauth::Proof<'_>>,
    now: DateTime<Utc>,
) -> Result<ProviderView, AppError> {
    let kind = if session.is_demo() {
        ProviderKind::Sandbox
    } else {
        ProviderKind::Real
    };
    add_provider(session, net, url, kind, confirmed_fingerprint, proof, now)
}

/// Fetches and verifies the provider's signed catalog at `url` and, once the user confirmed
/// its key, pins the key and caches the catalog. `confirmed_fingerprint` must be the key's
/// [`key_fingerprint`]; without it (or with another) nothing is stored and the answer is
/// [`ErrorCode::ConfirmProviderKey`], whose message shows the fingerprint to compare. A known
/// provider with the same key gets its address updated; one with a new key gets the new key
/// only when that key's fingerprint is confirmed (audited `provider.key_changed`). A sensitive
/// change: `proof` is checked before anything is stored. `kind` says whether the user is adding
/// a sandbox ([`ProviderKind`]): only on loopback, only in the demo vault.
pub fn add_provider(
    session: &mut Session,
    net: &Network,
    url: &str,
    kind: ProviderKind,
    confirmed_fingerprint: Option<&str>,
    proof: Option<crate::reauth::Proof<'_>>,
    now: DateTime<Utc>,
) -> Result<ProviderView, AppError> {
    let (url, loopback) = parse_url(url)?;
    if kind == ProviderKind::Real && session.is_demo() {
        // The demo vault's passphrase is public and its test device's file sits beside it: a
        // real provider paired there would let anyone who copies the folder spend real money.
        return Err(AppError::invalid(
            "The demo vault pairs only the sandbox provider on this computer (demo money); add \
             real providers to your own vault.",
        ));
    }
    if kind == ProviderKind::Sandbox {
        // Demo money never enters the real books: a sandbox is paired only in the demo vault,
        // and it runs on this computer: a remote address is not a sandbox, whatever it says.
        crate::demo::require_demo(session, "A sandbox provider")?;
        if !loopback {
            return Err(AppError::invalid(format!(
                "{url} is not on this computer: only a provider on loopback (127.0.0.1) can be \
                 added as a sandbox."
            )));
        }
    }
    let client = net.client(&url, first_contact_key()?)?;
    let verified = net.block_on(client.catalog())?;
    let id = verified.catalog.provider_id().to_owned();
    let fingerprint = key_fingerprint(&verified.key);
    let existing = session.vault_at(now).provider(&id, now)?;
    let pinned = existing
        .as_ref()
        .map(|p| {
            VerifyingKey::from_bytes(&p.public_key)
                .map(|k| key_fingerprint(&k))
                .map_err(|_| {
                    AppError::new(
                        ErrorCode::VaultDamaged,
                        format!("The pinned key of {id} is not an Ed25519 key."),
                    )
                })
        })
        .transpose()?;
    let key_changed = pinned.as_ref().is_some_and(|p| *p != fingerprint);
    if confirmed_fingerprint.map(str::trim) != Some(fingerprint.as_str()) {
        let message = match &pinned {
            Some(old) if key_changed => format!(
                "{id} at {url} now signs with another key: {fingerprint} (Tipvault pinned \
                 {old}). Nothing was changed. Accept the new key only if {id} announced the \
                 change and publishes that fingerprint; then add it again with it."
            ),
            _ => format!(
                "{id} at {url} signs with the key {fingerprint}. Compare it with the \
                 fingerprint {id} publishes; if they are the same, add the provider again \
                 with it. Nothing was stored."
            ),
        };
        return Err(
            AppError::new(ErrorCode::ConfirmProviderKey, message).with_hint(
                crate::error::Hint::ConfirmProviderKey {
                    provider: id.clone(),
                    url: url.to_string(),
                    fingerprint: fingerprint.clone(),
                    changed: key_changed,
                },
            ),
        );
    }
    crate::reauth::confirm(
        session,
        proof,
        &crate::reauth::Sensitive::AddProvider {
            url: url.clone(),
            fingerprint: fingerprint.clone(),
        },
        now,
    )?;
    let sandbox = kind == ProviderKind::Sandbox || existing.as_ref().is_some_and(|p| p.sandbox);
    if key_changed {
        let vault = session.vault_at(now);
        vault.replace_provider_key(&id, &verified.key_id, &verified.key.to_bytes())?;
        vault.audit_append(
            &AuditEvent::new(
                "provider.key_changed",
                json!({"provider": id, "url": url, "key_id": verified.key_id,
                       "fingerprint": fingerprint, "previous": pinned}),
            )?,
            now,
        )?;
    }
    let provider = StoredProvider {
        id: id.clone(),
        base_url: url.clone(),
        key_id: verified.key_id.clone(),
        public_key: verified.key.to_bytes(),
        device_id: None,
        paired_at: None,
        sandbox,
        added_at: now,
        own_device_key: false,
    };
    session
        .vault_at(now)
        .put_provider(&provider, now)
        .map_err(|e| match e {
            tipvault_vault::ProviderStoreError::KeyChanged { .. } => AppError::new(
                ErrorCode::NotVerified,
                format!(
                    "{} Tipvault keeps the key it pinned.",
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
                   "fingerprint": fingerprint,
                   "catalog_version": verified.catalog.version(), "sandbox": sandbox}),
        )?,
        now,
    )?;
    let stored = stored_provider(session, &id, now)?;
    Ok(view(&stored, Some(verified.catalog.version())))
}

/// A provider's key as it presents it now, for the user to compare before trusting it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ProviderKeyView {
    pub provider_id: String,
    pub url: String,
    pub key_id: String,
    /// [`key_fingerprint`] of the key its catalog is signed with.
    pub fingerprint: String,
    /// The fingerprint pinned for this provider, if it is known already.
    pub pinned: Option<String>,
}

/// Fetches the provider's signed catalog at `url` and shows its key; stores nothing. What a
/// front end shows before [`add_provider`], so the user can compare the fingerprint.
pub fn inspect_provider(
    session: &mut Session,
    net: &Network,
    url: &str,
    now: DateTime<Utc>,
) -> Result<ProviderKeyView, AppError> {
    let (url, _) = parse_url(url)?;
    let client = net.client(&url, first_contact_key()?)?;
    let verified = net.block_on(client.catalog())?;
    let provider_id = verified.catalog.provider_id().to_owned();
    let pinned = session
        .vault_at(now)
        .provider(&provider_id, now)?
        .and_then(|p| VerifyingKey::from_bytes(&p.public_key).ok())
        .map(|k| key_fingerprint(&k));
    Ok(ProviderKeyView {
        provider_id,
        url,
        key_id: verified.key_id,
        fingerprint: key_fingerprint(&verified.key),
        pinned,
    })
}

/// Pairs this device with `provider` (or the only provider) using a one-time code.
pub fn pair_provider(
    session: &mut Session,
    net: &Network,
    provider: Option<&str>,
    code: &str,
    now: DateTime<Utc>,
) -> Result<ProviderView, AppError> {
    let provider = chosen_provider(session, provider, now)?;
    // Always this device's own key for the provider, so pairing again moves a pairing made
    // with the shared key onto its own (recorded by `set_provider_device`).
    let secret = session.vault_at(now).device_secret(now)?;
    let key = own_device_key(&secret, &provider.id)?;
    let public = protocol::self_certifying_keyid(key.verifying_key().as_bytes());
    let mut client = client_with(net, &provider, key, None)?;
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
    let paired = net.block_on(client.pair(code.trim()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: &str, device_id: Option<String>, own_device_key: bool) -> StoredProvider {
        StoredProvider {
            id: id.into(),
            base_url: "http://127.0.0.1:1".into(),
            key_id: "k".into(),
            public_key: [7; 32],
            device_id,
            paired_at: None,
            sandbox: false,
            added_at: DateTime::<Utc>::default(),
            own_device_key,
        }
    }

    #[test]
    fn a_providers_device_key_is_the_one_it_was_paired_with_before() {
        // Providers keep the public half of the key paired with them: the derivation may never
        // drift (HKDF-SHA-256, salt "tipvault/device-key/v1", info the provider's id, as the
        // Ed25519 seed). Expected value worked out apart: the seed with Python's hmac and
        // hashlib (RFC 5869 by hand, 7d377e8a…aa6801), its public key with OpenSSL.
        let secret: [u8; 32] = std::array::from_fn(|i| i as u8);
        let key = own_device_key(&secret, "sandbox-demo").unwrap();
        assert_eq!(
            hex::encode(key.verifying_key().to_bytes()),
            "30fcbfac96e2ebf7e86d89ff8808b7bfffe2d253b59a9e35e96e33d2df62b6c2"
        );
    }

    #[test]
    fn each_provider_gets_its_own_device_key_and_an_old_pairing_keeps_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let location = crate::VaultLocation::at(dir.path().join("vault"));
        let now = DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap();
        let passphrase = secrecy::SecretString::from("harbour violet quantum tangerine".to_owned());
        let (mut session, _) =
            crate::create_vault(&location, &passphrase, crate::KdfChoice::Minimum, now).unwrap();
        let public = |k: SigningKey| k.verifying_key().to_bytes();
        let edu = public(device_key_for(&mut session, &provider("edu", None, false), now).unwrap());
        let telco =
            public(device_key_for(&mut session, &provider("telco", None, false), now).unwrap());
        assert_ne!(edu, telco, "two providers never see the same device key");
        assert_eq!(
            edu,
            public(device_key_for(&mut session, &provider("edu", None, false), now).unwrap()),
            "the same provider always sees the same key"
        );
        // A pairing made with the shared key (before keys were per provider) keeps it, whatever
        // id the provider gave the device.
        let secret = session.vault_at(now).device_secret(now).unwrap();
        let shared = SigningKey::from_bytes(&secret);
        let old = provider("edu", Some("dev_given_by_the_provider".into()), false);
        assert_eq!(
            public(device_key_for(&mut session, &old, now).unwrap()),
            shared.verifying_key().to_bytes()
        );
        // Paired since: its own key.
        let own = provider("edu", Some("dev_given_by_the_provider".into()), true);
        assert_eq!(
            public(device_key_for(&mut session, &own, now).unwrap()),
            edu
        );
    }
}
