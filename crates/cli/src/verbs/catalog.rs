//! `tipvault catalog`: providers' catalogs (import, list, show, refresh, remove).

use std::path::PathBuf;

use clap::Subcommand;
use tipvault_app::{AppError, clock};

use crate::context::{Ctx, chosen_catalog, vault_exists};
use crate::output;

#[derive(Debug, Subcommand)]
pub(crate) enum CatalogCommand {
    /// Validate a provider's catalog (JSON) and cache it in the vault for offline previews.
    Import {
        /// The catalog document (tipvault.catalog.v1 JSON).
        file: PathBuf,
    },
    /// List the catalogs: those cached in the vault, then the built-in demo catalog.
    List,
    /// Show one catalog's products (default: the only cached one, else the demo catalog).
    Show {
        /// The provider (`demo` for the built-in catalog).
        #[arg(long)]
        provider: Option<String>,
        /// Print the whole document (canonical JSON) instead of the product table.
        #[arg(long)]
        document: bool,
    },
    /// Fetch a provider's current catalog (default: every provider's), verify it under the
    /// pinned key and update the cached copy: a newer version replaces it, the same version
    /// re-issued renews its dates, a changed catalog under the same version is refused.
    Refresh {
        /// The provider (default: every provider in the vault).
        provider: Option<String>,
    },
    /// Remove a provider's cached catalog.
    Remove { provider: String },
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &CatalogCommand) -> Result<(), AppError> {
    let Ctx {
        location,
        access,
        out,
        ..
    } = ctx;
    match command {
        CatalogCommand::Import { file } => {
            let imported = ctx.with_session(|session| {
                tipvault_app::import_catalog(session, file, clock::now())
            })?;
            out.value(&imported, || output::catalog_imported_text(&imported));
        }
        CatalogCommand::List => {
            let catalogs = if vault_exists(location)? {
                ctx.with_session(|session| tipvault_app::list_catalogs(session, clock::now()))?
            } else {
                vec![tipvault_app::catalogs::demo_view(clock::now())?]
            };
            out.value(&catalogs, || output::catalogs_table(&catalogs));
        }
        CatalogCommand::Show { provider, document } => {
            let catalog = chosen_catalog(location, access, provider.as_deref())?;
            if *document {
                // Already JSON: the canonical document is the same in both modes.
                println!("{}", catalog.canonical_json());
            } else {
                let products = output::catalog_products(&catalog);
                out.value(&products, || output::catalog_table(&catalog, &products));
            }
        }
        CatalogCommand::Refresh { provider } => {
            let net = tipvault_app::Network::new()?;
            let refreshed = ctx.with_session(|session| {
                tipvault_app::refresh_catalogs(session, &net, provider.as_deref(), clock::now())
            })?;
            out.value(&refreshed, || output::catalogs_refreshed_text(&refreshed));
        }
        CatalogCommand::Remove { provider } => {
            ctx.with_session(|session| {
                tipvault_app::remove_catalog(session, provider, clock::now())
            })?;
            out.value(&serde_json::json!({"removed": provider}), || {
                format!("Removed the cached catalog of {provider}.")
            });
        }
    }
    Ok(())
}
