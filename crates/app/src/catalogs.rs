//! Use cases on provider catalogs: import one into the vault, list them, and choose the one a
//! preview runs over.
//!
//! The one decision to know: a catalog is validated by the preview crate every time it crosses
//! a boundary, on import and again when read back, and the vault keeps its canonical form. An
//! expired catalog is refused on import (it could never be redeemed against) but one that
//! expires while cached stays listed, marked expired, and still previews with `redeemable:
//! false`, so the user sees why and what to refresh. The demo catalog ships in the binary and
//! is used only when the vault holds no provider catalog, or when asked for by name.

use std::io::Read;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_preview::{Catalog, Freshness};
use tipvault_vault::{AuditEvent, CatalogStoreError, CatalogStored, StoredCatalog};
use ts_rs::TS;

use crate::error::{AppError, ErrorCode, Hint};
use crate::session::Session;

/// The cached catalog of every provider `r`'s legs go to (one in a plan at one provider, each
/// leg's own in a plan across providers), by provider id; `None` where none is cached.
pub(crate) fn leg_catalogs(
    session: &mut Session,
    r: &tipvault_vault::StoredRedemption,
    now: DateTime<Utc>,
) -> Result<LegCatalogs, AppError> {
    let mut catalogs = LegCatalogs::new();
    for leg in &r.legs {
        if !catalogs.contains_key(&leg.provider_id) {
            let catalog = cached_catalog(session, &leg.provider_id, now)?;
            catalogs.insert(leg.provider_id.clone(), catalog);
        }
    }
    Ok(catalogs)
}

/// Catalogs by provider id (see [`leg_catalogs`]).
pub(crate) type LegCatalogs = std::collections::BTreeMap<String, Option<Catalog>>;

/// Whether every provider in `catalogs` (every provider a redemption's legs go to) is a
/// sandbox: only then is the redemption demo money. A provider no longer in the vault is not.
pub(crate) fn all_sandboxes(
    session: &mut Session,
    catalogs: &LegCatalogs,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let vault = session.vault_at(now);
    for provider in catalogs.keys() {
        if !vault.provider(provider, now)?.is_some_and(|p| p.sandbox) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// `provider`'s cached catalog, parsed; `None` when none is cached. A cached document that no
/// longer reads (it was verified when stored) is reported as damage, never taken for "none".
pub(crate) fn cached_catalog(
    session: &mut Session,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<Option<Catalog>, AppError> {
    session
        .vault_at(now)
        .catalog(provider, now)?
        .as_ref()
        .map(read_stored)
        .transpose()
}

/// The provider id of the demo catalog (checked against the document by a test).
pub const DEMO_PROVIDER_ID: &str = "demo-provider";

/// The catalog shipped with the app for demos and offline previews, issued at `now` (its file
/// carries no validity of its own: see [`tipvault_preview::DEMO_CATALOG_JSON`]).
pub fn demo_catalog(now: DateTime<Utc>) -> Result<Catalog, AppError> {
    Catalog::demo(now).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("The built-in demo catalog is invalid: {e}"),
        )
    })
}

/// The largest catalog file accepted (the demo catalog is about 5 KB; a provider with a few
/// hundred products stays far below this).
pub const MAX_CATALOG_BYTES: u64 = 4 * 1024 * 1024;

/// A catalog as the front ends list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CatalogView {
    pub provider_id: String,
    pub version: u64,
    pub issued_at: DateTime<Utc>,
    pub stale_after: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// `stale`: usable, refresh before redeeming if you can; `expired`: previews only, never
    /// redeemed against.
    pub freshness: Freshness,
    pub products: u32,
    /// The demo catalog built into the app (sandbox provider), not one from the vault.
    pub built_in: bool,
    /// When it was stored in the vault.
    pub stored_at: Option<DateTime<Utc>>,
    /// Real money: a real provider's catalog (neither the built-in demo nor a sandbox's). A
    /// preview over it chooses no destination for the user.
    pub real_money: bool,
}

/// The view of `catalog`, stored at `stored_at` (None: the built-in demo), of a provider that
/// is a `sandbox` or not.
pub(crate) fn view(
    catalog: &Catalog,
    stored_at: Option<DateTime<Utc>>,
    sandbox: bool,
    now: DateTime<Utc>,
) -> CatalogView {
    CatalogView {
        provider_id: catalog.provider_id().to_owned(),
        version: catalog.version(),
        issued_at: catalog.issued_at(),
        stale_after: catalog.stale_after(),
        expires_at: catalog.expires_at(),
        freshness: catalog.freshness(now),
        products: u32::try_from(catalog.products().len()).unwrap_or(u32::MAX),
        built_in: stored_at.is_none(),
        real_money: stored_at.is_some() && !sandbox,
        stored_at,
    }
}

/// Whether the provider of `provider_id` is set up here as a sandbox.
fn is_sandbox(
    session: &mut Session,
    provider_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(session
        .vault_at(now)
        .provider(provider_id, now)?
        .is_some_and(|p| p.sandbox))
}

/// What importing a catalog did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CatalogImported {
    pub catalog: CatalogView,
    pub outcome: CatalogOutcome,
    pub previous_version: Option<u64>,
}

fn parse_document(text: &str) -> Result<Catalog, AppError> {
    Catalog::parse(text)
        .map_err(|e| AppError::invalid(format!("This is not a usable catalog: {e}.")))
}

/// Reads, validates and caches the catalog in `path`. Refused: a file that is not a valid
/// catalog (negative fees, zero steps, unsorted denominations, unknown currencies… each named),
/// an expired catalog, and a version not newer than the cached one.
pub fn import_catalog(
    session: &mut Session,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<CatalogImported, AppError> {
    let file = std::fs::File::open(path).map_err(|e| {
        AppError::new(
            ErrorCode::Io,
            format!("Cannot open {}: {e}.", path.display()),
        )
    })?;
    let mut text = String::new();
    file.take(MAX_CATALOG_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => AppError::invalid(format!(
                "{} is not a catalog: it is not UTF-8 text.",
                path.display()
            )),
            _ => AppError::new(
                ErrorCode::Io,
                format!("Cannot read {}: {e}.", path.display()),
            ),
        })?;
    if text.len() as u64 > MAX_CATALOG_BYTES {
        return Err(AppError::invalid(format!(
            "{} is larger than {} MiB: not a catalog Tipvault accepts.",
            path.display(),
            MAX_CATALOG_BYTES / 1024 / 1024
        )));
    }
    let catalog = parse_document(&text)?;
    if catalog.freshness(now) == Freshness::Expired {
        return Err(AppError::invalid(format!(
            "This catalog of {} expired on {}: it cannot be used. Ask the provider for a \
             current one.",
            catalog.provider_id(),
            catalog.expires_at().format("%Y-%m-%d %H:%M UTC")
        )));
    }
    let stored = stored_form(&catalog, now);
    let vault = session.vault_at(now);
    let outcome = vault.put_catalog(&stored, now).map_err(|e| match e {
        CatalogStoreError::Store(e) => AppError::from(e),
        refused => AppError::invalid(crate::error::sentence(&refused)),
    })?;
    let (outcome, previous_version) = outcome_of(outcome);
    if outcome != CatalogOutcome::Unchanged {
        let event = AuditEvent::new(
            "catalog.imported",
            json!({"provider": catalog.provider_id(), "version": catalog.version()}),
        )?;
        vault.audit_append(&event, now)?;
    }
    let sandbox = is_sandbox(session, catalog.provider_id(), now)?;
    Ok(CatalogImported {
        catalog: view(&catalog, Some(now), sandbox, now),
        outcome,
        previous_version,
    })
}

/// What storing a catalog did, as front ends see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CatalogOutcome {
    /// The provider's first catalog.
    New,
    /// It replaced an older version.
    Replaced,
    /// The same version re-issued with later dates.
    Renewed,
    /// Already stored as it is.
    Unchanged,
}

/// What storing a catalog did, and the version it replaced.
pub(crate) fn outcome_of(stored: CatalogStored) -> (CatalogOutcome, Option<u64>) {
    match stored {
        CatalogStored::New => (CatalogOutcome::New, None),
        CatalogStored::Replaced { previous_version } => {
            (CatalogOutcome::Replaced, Some(previous_version))
        }
        CatalogStored::Renewed { .. } => (CatalogOutcome::Renewed, None),
        CatalogStored::Unchanged => (CatalogOutcome::Unchanged, None),
    }
}

/// The form a validated catalog is kept in (its canonical document and dates).
pub(crate) fn stored_form(catalog: &Catalog, now: DateTime<Utc>) -> StoredCatalog {
    StoredCatalog {
        provider_id: catalog.provider_id().to_owned(),
        version: catalog.version(),
        document: catalog.canonical_json(),
        issued_at: catalog.issued_at(),
        stale_after: catalog.stale_after(),
        expires_at: catalog.expires_at(),
        stored_at: now,
    }
}

pub(crate) fn read_stored(stored: &StoredCatalog) -> Result<Catalog, AppError> {
    Catalog::parse_stored(&stored.document).map_err(|e| {
        AppError::new(
            ErrorCode::VaultDamaged,
            format!(
                "The cached catalog of {} no longer validates ({e}); import it again.",
                stored.provider_id
            ),
        )
    })
}

/// The cached catalogs, by provider, then the built-in demo catalog.
pub fn list_catalogs(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<CatalogView>, AppError> {
    let stored = session.vault_at(now).catalogs(now)?;
    let mut out = Vec::with_capacity(stored.len() + 1);
    for s in &stored {
        let sandbox = is_sandbox(session, &s.provider_id, now)?;
        out.push(view(&read_stored(s)?, Some(s.stored_at), sandbox, now));
    }
    out.push(view(&demo_catalog(now)?, None, false, now));
    Ok(out)
}

/// The built-in demo catalog as listed (no vault needed).
pub fn demo_view(now: DateTime<Utc>) -> Result<CatalogView, AppError> {
    Ok(view(&demo_catalog(now)?, None, false, now))
}

/// The catalog a preview runs over: the named provider's (`demo` or the demo's provider id
/// names the built-in one), or, with no name, the only cached catalog, or the demo catalog
/// when none is cached.
pub fn choose_catalog(
    session: &mut Session,
    provider: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Catalog, AppError> {
    let demo = demo_catalog(now)?;
    let vault = session.vault_at(now);
    match provider.map(str::trim).filter(|p| !p.is_empty()) {
        Some(id) => {
            if let Some(stored) = vault.catalog(id, now)? {
                return read_stored(&stored);
            }
            if id == "demo" || id == demo.provider_id() {
                return Ok(demo);
            }
            let known: Vec<String> = vault
                .catalogs(now)?
                .into_iter()
                .map(|c| c.provider_id)
                .collect();
            Err(AppError::invalid(format!(
                "There is no catalog of {id:?} in the vault. Cached: {}.",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ))
            .with_hint(Hint::ImportCatalog))
        }
        None => {
            let mut stored = vault.catalogs(now)?;
            match stored.len() {
                0 => Ok(demo),
                1 => read_stored(&stored.remove(0)),
                _ => Err(AppError::invalid(format!(
                    "The vault holds catalogs of several providers ({}): choose one.",
                    stored
                        .iter()
                        .map(|c| c.provider_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .with_hint(Hint::ChooseProvider)),
            }
        }
    }
}

/// Removes a provider's cached catalog.
pub fn remove_catalog(
    session: &mut Session,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let vault = session.vault_at(now);
    if !vault.remove_catalog(provider.trim())? {
        return Err(AppError::invalid(format!(
            "There is no catalog of {provider:?} in the vault."
        )));
    }
    let event = AuditEvent::new("catalog.removed", json!({"provider": provider.trim()}))?;
    vault.audit_append(&event, now)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_provider_id_names_the_built_in_catalog() {
        assert_eq!(
            demo_catalog(Utc::now()).unwrap().provider_id(),
            DEMO_PROVIDER_ID
        );
    }
}
