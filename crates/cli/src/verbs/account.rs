//! `tipvault account`: where each balance sits, reconciliation and links.

use clap::Subcommand;
use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Subcommand)]
pub(crate) enum AccountCommand {
    /// Every account, grouped by where its money is (at a provider, at a platform until
    /// payout, in a wallet, paid out).
    List,
    /// One account (an account id or a provider id) with its reconciliations.
    Show {
        /// The account.
        account: String,
    },
    /// Read the provider's signed balance and compare it with your books (default: every
    /// paired provider's account).
    Reconcile {
        /// The account (or its provider).
        account: Option<String>,
    },
    /// Say which provider holds a platform account's money (its income then counts in that
    /// provider's account).
    Link {
        /// The platform account (source id).
        account: String,
        /// The provider holding its money.
        #[arg(required_unless_present = "unlink")]
        provider: Option<String>,
        /// Remove the link instead.
        #[arg(long, conflicts_with = "provider")]
        unlink: bool,
    },
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, command: &AccountCommand) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    match command {
        AccountCommand::List => {
            let accounts =
                ctx.with_session(|session| tipvault_app::list_accounts(session, clock::now()))?;
            out.value(&accounts, || output::accounts_text(&accounts));
        }
        AccountCommand::Show { account } => {
            let detail = ctx.with_session(|session| {
                tipvault_app::show_account(session, account, clock::now())
            })?;
            out.value(&detail, || output::account_detail_text(&detail));
        }
        AccountCommand::Reconcile { account } => {
            let net = tipvault_app::Network::new()?;
            let found = ctx.with_session(|session| {
                let now = clock::now();
                let accounts: Vec<String> = match account {
                    Some(a) => vec![a.clone()],
                    None => tipvault_app::list_providers(session, now)?
                        .into_iter()
                        .filter(|p| p.device_id.is_some())
                        .map(|p| p.id)
                        .collect(),
                };
                if accounts.is_empty() {
                    return Err(AppError::new(
                        ErrorCode::InvalidInput,
                        "No provider is paired: there is no provider balance to read.",
                    ));
                }
                let mut found = Vec::new();
                for a in &accounts {
                    found.extend(tipvault_app::reconcile_account(session, &net, a, now)?);
                }
                Ok(found)
            })?;
            out.value(&found, || output::reconciliations_text(&found));
        }
        AccountCommand::Link {
            account,
            provider,
            unlink,
        } => {
            let provider = if *unlink { None } else { provider.as_deref() };
            let view = ctx.with_session(|session| {
                tipvault_app::link_account(session, account, provider, clock::now())
            })?;
            out.value(&view, || {
                format!("{}: {}.", output::printable(&view.label), view.where_en)
            });
        }
    }
    Ok(())
}
