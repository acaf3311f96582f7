//! Accounts: where each balance the app shows sits (DESIGN.md §2). Reconciling a provider
//! account with the provider's signed balance is `reconcile`; what it shows, `reconciliation`.
//!
//! Two kinds. A *platform account* is a ledger source of imported income; its platform either
//! holds the money until a payout, paid it straight out (Ko-fi → PayPal: history, never
//! cash-out money), or is the user's wallet (PayPal, Stripe). A *provider account* is the value
//! a paired provider holds; its books are the ledger source `provider-<id>` (every leg and fee
//! a redemption draws is booked there, see `redemption/booking.rs`) together with the platform accounts
//! linked to that provider (income that arrived at it). Only provider accounts can be cashed
//! out: nothing is ever planned against money no paired provider holds.
//!
//! The one decision to know: reconciliation makes the books say what the provider's signed
//! balance says, and *explains* the difference instead of hiding it. More at the provider than
//! in the books is booked as a credit; less is booked as a charge of its own line, flagged
//! `double_charge` when it equals exactly what one confirmed leg cost (the ₩300 charged twice)
//! and `unexplained` otherwise, so the account's history accounts for every unit and a dispute
//! is one action away. A difference that legs still in flight may explain is left `pending`:
//! they book themselves when their receipts arrive.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_ledger::{Platform, Source, SourceId, Whereabouts};
use tipvault_money::{Currency, Money};
use tipvault_vault::{AuditEvent, LegState, StoredProvider, StoredReconciliation};
use ts_rs::TS;

use crate::error::AppError;
use crate::providers::stored_provider;
use crate::reconciliation::{ReconciliationView, stored_view};
use crate::session::Session;
use crate::view::MoneyView;

/// The ledger platform slug of provider sources.
pub const PROVIDER_PLATFORM: &str = "tipvault-provider";

/// The ledger source of a provider.
#[must_use]
pub fn provider_source_id(provider: &str) -> SourceId {
    SourceId::new(format!("provider-{provider}"))
}

/// `platform` or `provider`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AccountKind {
    Platform,
    Provider,
}

/// Where an account's money is, for grouping (Overview) and for deciding what can be cashed
/// out (`at_provider` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Location {
    /// A paired provider holds it: redeemable.
    AtProvider,
    /// The platform holds it until a payout.
    AtPlatform,
    /// The user's own balance at a payment service, until withdrawn.
    InWallet,
    /// Paid straight out: income history only.
    PaidOut,
}

/// One account and where its money is.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AccountView {
    /// The ledger source id (`provider-<id>` for a provider account).
    pub id: String,
    pub label: String,
    pub kind: AccountKind,
    pub location: Location,
    /// "at Toonation until payout", "at edupoints, redeemable", "paid out to PayPal or Stripe".
    pub where_en: String,
    pub where_ko: String,
    /// The provider holding the money (a provider account's own; a linked platform account's).
    pub provider: Option<String>,
    /// Demo money at a sandbox.
    pub sandbox: bool,
    /// Net balance per currency from the account's own entries.
    pub balances: Vec<MoneyView>,
    /// A provider account's running balance per currency: its entries plus those of the
    /// platform accounts linked to it. This is what previews and redemptions draw on.
    pub redeemable: Vec<MoneyView>,
    /// The payout rule of a platform that holds the money ("₩40,000: request 1st–10th").
    pub payout: Option<String>,
    /// The latest reconciliation per currency (provider accounts).
    pub reconciled: Vec<ReconciliationView>,
    /// What the account holds, as it is shown: a provider account's redeemable balances, any
    /// other account's own.
    pub holds: Vec<MoneyView>,
    /// Previews and redemptions may draw on it: the account of a provider set up and paired
    /// here (as `redeemable_balances` draws).
    pub drawable: bool,
    /// It may be linked to a provider (its income then counts there): a platform account
    /// whose money is still at the platform.
    pub linkable: bool,
}

/// An account with its reconciliations, for `account show`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AccountDetailView {
    pub account: AccountView,
    /// Newest first.
    pub reconciliations: Vec<ReconciliationView>,
}

/// The platform accounts linked to a provider, and provider accounts, by provider.
pub(crate) struct Books {
    sources: Vec<Source>,
    holders: BTreeMap<SourceId, String>,
    providers: Vec<StoredProvider>,
    balances: Vec<tipvault_vault::Balance>,
}

impl Books {
    pub(crate) fn read(session: &mut Session, now: DateTime<Utc>) -> Result<Books, AppError> {
        let vault = session.vault_at(now);
        Ok(Books {
            sources: vault.sources(now)?,
            holders: vault.source_holders(now)?.into_iter().collect(),
            providers: vault.providers(now)?,
            balances: vault.balances(now)?,
        })
    }

    fn provider(&self, id: &str) -> Option<&StoredProvider> {
        self.providers.iter().find(|p| p.id == id)
    }

    /// The provider a source's money is at, if any: its own (a provider account) or the one
    /// it is linked to.
    pub(crate) fn provider_of(&self, source: &SourceId) -> Option<String> {
        if let Some(id) = source.as_str().strip_prefix("provider-")
            && self.provider(id).is_some()
        {
            return Some(id.to_owned());
        }
        self.holders.get(source).cloned()
    }

    /// The running balance of provider `id`'s account per currency: its own entries and those
    /// of the platform accounts linked to it.
    pub(crate) fn redeemable(&self, id: &str) -> BTreeMap<Currency, Money> {
        let mut out: BTreeMap<Currency, Money> = BTreeMap::new();
        for b in &self.balances {
            if self.provider_of(&b.source).as_deref() == Some(id) {
                let sum = out.entry(b.currency).or_insert(Money::zero(b.currency));
                *sum = sum.checked_add(b.net).unwrap_or(*sum);
            }
        }
        out
    }
}

fn is_provider_source(s: &Source) -> bool {
    s.platform == Platform::Generic(PROVIDER_PLATFORM.into())
}

/// The provider account's ledger source (added when it first books anything).
pub(crate) fn provider_account(provider: &StoredProvider, currency: Currency) -> Source {
    Source {
        id: provider_source_id(&provider.id),
        label: if provider.sandbox {
            format!("{} (sandbox)", provider.id)
        } else {
            provider.id.clone()
        },
        platform: Platform::Generic(PROVIDER_PLATFORM.into()),
        currency,
        payout: None,
    }
}

fn payout_text(s: &Source) -> Option<String> {
    s.payout
        .as_ref()
        .map(|p| format!("{}: {}", MoneyView::from(&p.threshold).en, p.schedule))
}

fn account_view(books: &Books, s: &Source, reconciled: Vec<ReconciliationView>) -> AccountView {
    let provider = books.provider_of(&s.id);
    let sandbox = provider
        .as_deref()
        .and_then(|p| books.provider(p))
        .is_some_and(|p| p.sandbox);
    let kind = if is_provider_source(s) {
        AccountKind::Provider
    } else {
        AccountKind::Platform
    };
    let name = s.platform.display_name().to_owned();
    let (location, where_en, where_ko) = match (&provider, s.platform.whereabouts()) {
        (Some(p), _) if kind == AccountKind::Provider => (
            Location::AtProvider,
            format!("at {p}, redeemable"),
            format!("{p}에 보관 중, 교환 가능"),
        ),
        (Some(p), _) => (
            Location::AtProvider,
            format!("at {p}, redeemable (arrived from {name})"),
            format!("{p}에 보관 중, 교환 가능 ({name}에서 들어옴)"),
        ),
        (None, Whereabouts::PaidOut { to }) => (
            Location::PaidOut,
            format!("paid out to {to}"),
            format!("{to}(으)로 지급 완료"),
        ),
        (None, Whereabouts::Wallet) => (
            Location::InWallet,
            format!("in your {name} balance until you withdraw it"),
            format!("출금 전까지 {name} 잔액에 있음"),
        ),
        (None, Whereabouts::HeldByPlatform) => (
            Location::AtPlatform,
            format!("at {name} until payout"),
            format!("지급 전까지 {name}에 보관 중"),
        ),
    };
    let balances: Vec<MoneyView> = books
        .balances
        .iter()
        .filter(|b| b.source == s.id)
        .map(|b| MoneyView::from(&b.net))
        .collect();
    let redeemable = match (&provider, kind) {
        (Some(p), AccountKind::Provider) => {
            books.redeemable(p).values().map(MoneyView::from).collect()
        }
        _ => Vec::new(),
    };
    let holds: Vec<MoneyView> = if kind == AccountKind::Provider {
        redeemable.clone()
    } else {
        balances.clone()
    };
    AccountView {
        id: s.id.to_string(),
        label: s.label.clone(),
        kind,
        location,
        where_en,
        where_ko,
        drawable: kind == AccountKind::Provider
            && provider
                .as_deref()
                .and_then(|p| books.provider(p))
                .is_some_and(|p| p.device_id.is_some()),
        linkable: kind == AccountKind::Platform && location == Location::AtPlatform,
        provider,
        sandbox,
        balances,
        redeemable,
        payout: (location == Location::AtPlatform)
            .then(|| payout_text(s))
            .flatten(),
        reconciled,
        holds,
    }
}

fn latest_per_currency(
    rows: Vec<StoredReconciliation>,
    account: &str,
) -> Result<Vec<ReconciliationView>, AppError> {
    let mut seen = std::collections::BTreeSet::new();
    rows.into_iter()
        .filter(|r| seen.insert(r.reconciliation.provider.currency().code()))
        .map(|r| stored_view(&r, account))
        .collect()
}

/// Every account, grouped by where the money is (at a provider, at a platform, in a wallet,
/// paid out), then by label.
pub fn list_accounts(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<AccountView>, AppError> {
    let books = Books::read(session, now)?;
    let mut out = Vec::with_capacity(books.sources.len());
    for s in &books.sources {
        let reconciled = match s.id.as_str().strip_prefix("provider-") {
            Some(p) if is_provider_source(s) => latest_per_currency(
                session.vault_at(now).reconciliations(p, 20, now)?,
                s.id.as_str(),
            )?,
            _ => Vec::new(),
        };
        out.push(account_view(&books, s, reconciled));
    }
    // A paired provider that has booked nothing yet still holds an account to show.
    for p in &books.providers {
        let id = provider_source_id(&p.id);
        if p.device_id.is_some() && !books.sources.iter().any(|s| s.id == id) {
            let s = provider_account(p, Currency::KRW);
            out.push(account_view(&books, &s, Vec::new()));
        }
    }
    out.sort_by(|a, b| (a.location, &a.label).cmp(&(b.location, &b.label)));
    Ok(out)
}

/// Resolves what the user typed to an account id: the id itself, or a provider's id.
pub(crate) fn resolve(books: &Books, text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if books.sources.iter().any(|s| s.id.as_str() == text) {
        return Ok(text.to_owned());
    }
    if books.provider(text).is_some() {
        return Ok(provider_source_id(text).to_string());
    }
    Err(AppError::invalid(format!(
        "There is no account {text:?}. The accounts are: {}.",
        books
            .sources
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// One account with its reconciliations (newest first).
pub fn show_account(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<AccountDetailView, AppError> {
    let books = Books::read(session, now)?;
    let id = resolve(&books, id)?;
    // One read: the newest per currency (the account's summary) come from the same rows.
    let stored = match (
        id.strip_prefix("provider-"),
        books.provider_of(&SourceId::new(&id)),
    ) {
        (Some(p), Some(_)) => session.vault_at(now).reconciliations(p, 100, now)?,
        _ => Vec::new(),
    };
    let reconciliations = stored
        .iter()
        .map(|r| stored_view(r, &id))
        .collect::<Result<_, _>>()?;
    let reconciled = latest_per_currency(stored, &id)?;
    let source = books
        .sources
        .iter()
        .find(|s| s.id.as_str() == id)
        .cloned()
        .or_else(|| {
            id.strip_prefix("provider-")
                .and_then(|p| books.provider(p))
                .map(|p| provider_account(p, Currency::KRW))
        })
        .ok_or_else(|| AppError::invalid(format!("There is no account {id:?}.")))?;
    Ok(AccountDetailView {
        account: account_view(&books, &source, reconciled),
        reconciliations,
    })
}

/// Links a platform account to the provider that holds its money (`None` unlinks): its
/// income then counts in that provider account's books and reconciliation.
pub fn link_account(
    session: &mut Session,
    source: &str,
    provider: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AccountView, AppError> {
    if let Some(p) = provider {
        stored_provider(session, p, now)?;
    }
    let id = SourceId::new(source.trim());
    if id.as_str().starts_with("provider-") {
        return Err(AppError::invalid(
            "A provider account is its provider's own; only a platform account can be linked.",
        ));
    }
    if provider.is_some()
        && let Some(source) = session.vault_at(now).source(&id, now)?
        && let Whereabouts::PaidOut { to } = source.platform.whereabouts()
    {
        return Err(AppError::invalid(format!(
            "{} paid this income straight out to {to}: no provider holds it.",
            source.platform.display_name()
        )));
    }
    if !session
        .vault_at(now)
        .set_source_holder(&id, provider, now)?
    {
        return Err(AppError::invalid(format!(
            "There is no platform account {source:?}."
        )));
    }
    session.vault_at(now).audit_append(
        &AuditEvent::new(
            "account.linked",
            json!({"account": id.as_str(), "provider": provider}),
        )?,
        now,
    )?;
    let books = Books::read(session, now)?;
    let s =
        books.sources.iter().find(|s| s.id == id).ok_or_else(|| {
            AppError::invalid(format!("There is no platform account {source:?}."))
        })?;
    Ok(account_view(&books, s, Vec::new()))
}

/// The balances previews and redemptions may draw on: every paired provider's account, per
/// currency, when positive. `(provider, balance)`.
pub fn redeemable_balances(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Money)>, AppError> {
    let books = Books::read(session, now)?;
    let mut out = Vec::new();
    for p in books.providers.iter().filter(|p| p.device_id.is_some()) {
        for (_, m) in books.redeemable(&p.id) {
            if m.is_positive() {
                out.push((p.id.clone(), m));
            }
        }
    }
    Ok(out)
}

/// What auto cash-out rules watch: which provider holds each source's money (its own account,
/// or the one a platform account is linked to) and each provider account's running balance.
pub(crate) struct Drawable {
    pub(crate) holder: BTreeMap<SourceId, String>,
    pub(crate) balances: BTreeMap<(String, Currency), Money>,
}

pub(crate) fn drawable(session: &mut Session, now: DateTime<Utc>) -> Result<Drawable, AppError> {
    let books = Books::read(session, now)?;
    let mut holder = BTreeMap::new();
    for s in &books.sources {
        if let Some(p) = books.provider_of(&s.id)
            && books.provider(&p).is_some_and(|p| p.device_id.is_some())
        {
            holder.insert(s.id.clone(), p);
        }
    }
    let mut balances = BTreeMap::new();
    for p in &books.providers {
        for (c, m) in books.redeemable(&p.id) {
            balances.insert((p.id.clone(), c), m);
        }
    }
    Ok(Drawable { holder, balances })
}

/// The provider whose account `account` is (a provider account's id, a linked platform
/// account's id, or the provider's own id): what `redeem --account` draws on.
pub fn account_provider(
    session: &mut Session,
    account: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let books = Books::read(session, now)?;
    let id = resolve(&books, account)?;
    books.provider_of(&SourceId::new(&id)).ok_or_else(|| {
        let where_ = books
            .sources
            .iter()
            .find(|s| s.id.as_str() == id)
            .map(|s| account_view(&books, s, Vec::new()).where_en)
            .unwrap_or_default();
        AppError::invalid(format!(
            "No paired provider holds the money of {id} ({where_}), so nothing can be cashed \
             out from it."
        ))
    })
}

/// Refuses a plan that would draw more from the provider's account than its books hold less
/// what other redemptions are already taking from it, once the provider's balance has been read
/// (before the first reading the books know nothing, and the provider itself refuses what its
/// balance does not cover). Called when planning and again when approving (`except` = the
/// redemption being approved, whose own legs are in `debit`).
pub(crate) fn check_covered(
    session: &mut Session,
    provider: &str,
    debit: &BTreeMap<Currency, i128>,
    except: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let books = Books::read(session, now)?;
    let held = books.redeemable(provider);
    let pending = on_its_way_out(session, except, now)?;
    for (currency, wanted) in debit {
        if session
            .vault_at(now)
            .latest_reading(provider, *currency, now)?
            .is_none()
        {
            continue;
        }
        let have = held
            .get(currency)
            .map_or(0, |m| m.to_minor_i128())
            .saturating_sub(
                pending
                    .get(&(provider.to_owned(), currency.code().to_owned()))
                    .copied()
                    .unwrap_or(0),
            );
        if *wanted > have {
            let show = |minor: i128| {
                Money::from_minor_i128(minor, *currency)
                    .map(|m| MoneyView::from(&m).en)
                    .unwrap_or_default()
            };
            return Err(AppError::invalid(format!(
                "This takes {} from your account at {provider}, which has {} left by your \
                 books (what it holds less what other redemptions are already taking).",
                show(*wanted),
                show(have.max(0))
            )));
        }
    }
    Ok(())
}

/// What a plan takes from its account, per currency (minor units).
pub(crate) fn plan_debit(plan: &tipvault_preview::Plan) -> BTreeMap<Currency, i128> {
    let mut debit: BTreeMap<Currency, i128> = BTreeMap::new();
    for leg in &plan.legs {
        *debit.entry(leg.debit.currency()).or_default() += leg.debit.to_minor_i128();
    }
    debit
}

/// What is on its way out of each provider account and not booked yet, in minor units, by
/// `(provider, currency code)`: legs approved, sent or of unknown outcome, and legs held for the
/// user's key (planned under a pause or step-up neither verified nor cancelled). `except` leaves
/// one redemption out (the one being approved).
pub(crate) fn on_its_way_out(
    session: &mut Session,
    except: Option<&str>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<(String, String), i128>, AppError> {
    let vault = session.vault_at(now);
    let held: std::collections::BTreeSet<String> = vault
        .risk_decisions(now)?
        .into_iter()
        .filter(|d| {
            matches!(d.outcome.as_str(), "pause" | "step_up")
                && d.verified_at.is_none()
                && d.cancelled_at.is_none()
        })
        .map(|d| d.redemption_id)
        .collect();
    let mut pending: BTreeMap<(String, String), i128> = BTreeMap::new();
    for r in vault.redemptions(now)? {
        if except == Some(r.id.as_str()) {
            continue;
        }
        for leg in &r.legs {
            let leaving = matches!(
                leg.state,
                LegState::Approved | LegState::Sent | LegState::OutcomeUnknown
            ) || (leg.state == LegState::Planned && held.contains(&r.id));
            if leaving {
                // Each leg leaves its own provider's account (several in a plan across).
                *pending
                    .entry((leg.provider_id.clone(), leg.currency.clone()))
                    .or_default() += i128::from(leg.amount_minor) + i128::from(leg.fee_minor);
            }
        }
    }
    Ok(pending)
}

/// Why money is not redeemable: every account with a positive balance that no paired
/// provider holds, with where it is (and its payout rule).
pub fn not_redeemable(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<AccountView>, AppError> {
    Ok(list_accounts(session, now)?
        .into_iter()
        .filter(|a| a.location != Location::AtProvider && a.balances.iter().any(|b| b.minor > 0))
        .collect())
}
