//! Use cases on previews: where a balance would go, computed locally from a provider catalog.
//!
//! Nothing here sends anything: a preview is pure arithmetic over a catalog the app already
//! holds (today the demo catalog that ships with the app; provider catalogs arrive with the
//! provider protocol). Names a person types ("topup", "donation") are turned into planner
//! preferences here, once, for every front end.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tipvault_money::{Currency, Locale, Money, Rate};
use tipvault_preview::{
    Catalog, Freshness, Objective, Plan, PlanRequest, Preference, Preview, ProductId, ProductKind,
    ProviderPart, Source,
};
use ts_rs::TS;

use crate::catalogs::{DEMO_PROVIDER_ID, choose_catalog, demo_catalog};
use crate::error::{AppError, ErrorCode};
use crate::risk::standing::cash_out_headroom;
use crate::session::Session;
use crate::view::MoneyView;

pub use tipvault_preview::{Catalog as ProviderCatalog, Objective as PreviewObjective};

/// Turns what a person typed into a preference: a kind's name (`topup`, `donation`,
/// `transit`, `gift-card`, `bank-payout`, with common spellings) or a product id in `catalog`.
pub fn parse_preference(catalog: &Catalog, text: &str) -> Result<Preference, AppError> {
    let key = text.trim().to_ascii_lowercase().replace(['_', ' '], "-");
    let kind = match key.as_str() {
        "topup" | "top-up" | "mobile" | "mobile-top-up" => Some(ProductKind::MobileTopUp),
        "donation" | "donate" => Some(ProductKind::Donation),
        "transit" | "transit-credit" => Some(ProductKind::TransitCredit),
        "gift-card" | "giftcard" | "gift" => Some(ProductKind::GiftCard),
        "bank" | "bank-payout" | "payout" => Some(ProductKind::BankPayout),
        _ => None,
    };
    if let Some(kind) = kind {
        return Ok(Preference::Kind(kind));
    }
    match catalog.product(text.trim()) {
        Some(product) => Ok(Preference::Product(product.id().clone())),
        None => Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "There is no destination or product called {text:?}. Use topup, donation, transit, gift-card, bank-payout, or a product id from a catalog."
            ),
        )
        .with_hint(crate::error::Hint::ListProducts)),
    }
}

/// Turns a product id a person typed into a validated id in `catalog`.
pub fn parse_product(catalog: &Catalog, text: &str) -> Result<ProductId, AppError> {
    catalog
        .product(text.trim())
        .map(|p| p.id().clone())
        .ok_or_else(|| {
            AppError::new(
                ErrorCode::InvalidInput,
                format!("There is no product {text:?} in the catalog."),
            )
            .with_hint(crate::error::Hint::ListProducts)
        })
}

/// Reads an amount a person typed in a currency, as the app prints it or as bare digits
/// (`₩20,000`, `20,000원`, `12.5`): exactly, with no rounding and no sign
/// ([`tipvault_money::read`]).
pub fn parse_amount(text: &str, currency: &str) -> Result<Money, AppError> {
    let currency = Currency::from_code(currency)
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))?;
    tipvault_money::read(text, currency).map_err(|e| AppError::invalid(e.to_string()))
}

/// What the user asks to preview.
#[derive(Debug, Clone)]
pub struct PreviewInput {
    pub balance: Money,
    pub preferences: Vec<Preference>,
    pub objective: Objective,
    pub keep: Option<Money>,
    pub excluded: Vec<ProductId>,
    /// What the risk engine allows now (see [`limits_for`]); empty previews without a vault.
    pub headroom: Vec<tipvault_risk::Headroom>,
}

/// A preview with its plain-language explanations.
#[derive(Debug, Clone, Serialize)]
pub struct PreviewResult {
    pub provider: String,
    #[serde(flatten)]
    pub preview: Preview,
    pub explanation: Explanations,
    /// Where every unit of the best plan goes, per balance currency: what leaves, what each
    /// destination currency receives, fees, FX granularity and rounding, what stays.
    pub conservation: Vec<tipvault_preview::Conservation>,
    /// The same, as the lines every front end shows.
    pub conservation_lines: ConservationLines,
    /// The limits the plan was held to, each with why ("You can cash out up to ₩30,000 now:
    /// …"); empty when no vault was open.
    pub limits: Vec<LimitText>,
    /// The destination fields each planned product needs (what a redemption will ask for).
    #[serde(skip)]
    pub destination_fields: std::collections::BTreeMap<String, Vec<String>>,
    /// Each planned product's name in Korean, as its catalog gives it (else its own name).
    #[serde(skip)]
    pub names_ko: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Explanations {
    pub en: String,
    pub ko: String,
}

/// A limit the plan was held to, and why, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LimitText {
    /// The most that may leave the balance now, in the balance's currency.
    pub limit: MoneyView,
    pub en: String,
    pub ko: String,
}

/// The most that may leave each balance currency now, from the risk engine's `headroom` (in
/// the currency each redemption is judged in, the products'). A balance in the products' own
/// currency gets that headroom; one that reaches products in another currency through a rate
/// gets the most whose conversion stays within that currency's headroom (rounded down, so the
/// plan never exceeds it); the least of these binds. Currencies without limits get none (the
/// gate refuses them with its own reason).
pub fn limits_for(
    headroom: &[tipvault_risk::Headroom],
    balances: &[Currency],
    rates: &[Rate],
) -> Vec<(Money, LimitText)> {
    let mut out = Vec::new();
    for &balance in balances {
        let mut binding: Option<(Money, &tipvault_risk::Headroom)> = None;
        let own = headroom.iter().find(|h| h.currency == balance);
        if let Some(h) = own {
            binding = Some((h.now, h));
        }
        for rate in rates
            .iter()
            .filter(|r| r.base() == balance && r.quote() != balance)
        {
            let Some(h) = headroom.iter().find(|h| h.currency == rate.quote()) else {
                continue;
            };
            let Some(limit) = converted_down(h.now, rate, balance) else {
                continue;
            };
            if binding.is_none_or(|(m, _)| limit.amount() < m.amount()) {
                binding = Some((limit, h));
            }
        }
        if let Some((limit, h)) = binding {
            let (mut en, mut ko) = (h.text.en.clone(), h.text.ko.clone());
            if h.currency != balance {
                en.push_str(&format!(
                    " At your rate that is {} of your {} balance.",
                    tipvault_money::format(&limit, Locale::En),
                    balance.code()
                ));
                ko.push_str(&format!(
                    " 입력한 환율로는 {} 잔액 중 {}입니다.",
                    balance.code(),
                    tipvault_money::format(&limit, Locale::Ko)
                ));
            }
            out.push((
                limit,
                LimitText {
                    limit: (&limit).into(),
                    en,
                    ko,
                },
            ));
        }
    }
    out
}

/// The most of `currency` whose conversion at `rate` stays within `cap` (rounded down to the
/// minor unit; checked by converting back, so a rounded division can never exceed it).
fn converted_down(cap: Money, rate: &Rate, currency: Currency) -> Option<Money> {
    let exact = cap.amount().checked_div(rate.rate())?;
    let mut minor = Money::from_decimal(exact.trunc_with_scale(currency.minor_units()), currency)
        .ok()?
        .to_minor()
        .ok()?;
    while minor > 0 {
        let m = Money::from_minor(minor, currency);
        if m.amount() * rate.rate() <= cap.amount() {
            return Some(m);
        }
        minor -= 1;
    }
    Some(Money::zero(currency))
}

/// The conservation lines of a plan in both languages.
#[derive(Debug, Clone, Serialize)]
pub struct ConservationLines {
    pub en: Vec<String>,
    pub ko: Vec<String>,
}

/// Plans how `input.balance` would be cashed out through `catalog`, with up to two alternatives.
pub fn preview_balance(
    catalog: &Catalog,
    input: PreviewInput,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    let (limits, texts): (Vec<Money>, Vec<LimitText>) =
        limits_for(&input.headroom, &[input.balance.currency()], &[])
            .into_iter()
            .unzip();
    let request = PlanRequest {
        sources: vec![Source {
            id: "balance".to_owned(),
            balance: input.balance,
        }],
        preferences: input.preferences,
        objective: input.objective,
        keep: input.keep.into_iter().collect(),
        excluded: input.excluded,
        rates: Vec::new(),
        used_today: Vec::new(),
        limits,
        now,
    };
    run(catalog, &request, texts)
}

/// Runs the planner and explains its best plan in both languages.
fn run(
    catalog: &Catalog,
    request: &PlanRequest,
    limits: Vec<LimitText>,
) -> Result<PreviewResult, AppError> {
    let preview = tipvault_preview::preview(catalog, request)
        .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))?;
    Ok(result_of(catalog, preview, limits))
}

/// A computed preview over `catalog`, with what every front end shows of it.
fn result_of(catalog: &Catalog, preview: Preview, limits: Vec<LimitText>) -> PreviewResult {
    let explanation = Explanations {
        en: tipvault_preview::explain(&preview.best, Locale::En),
        ko: tipvault_preview::explain(&preview.best, Locale::Ko),
    };
    // The catalog's products the plans use: what a redemption will ask for, and their names.
    let planned: Vec<&tipvault_preview::Product> = std::iter::once(&preview.best)
        .chain(preview.alternatives.iter())
        .flat_map(|plan| plan.legs.iter())
        .filter_map(|leg| catalog.product(leg.product_id.as_str()))
        .collect();
    let destination_fields = planned
        .iter()
        .map(|product| {
            let fields = product.destination_fields().iter();
            (
                product.id().as_str().to_owned(),
                fields.map(|f| f.name.clone()).collect(),
            )
        })
        .collect();
    let names_ko = planned
        .iter()
        .map(|product| {
            (
                product.id().as_str().to_owned(),
                product.name_in("ko").to_owned(),
            )
        })
        .collect();
    let conservation = tipvault_preview::conservation(&preview.best);
    let conservation_lines = ConservationLines {
        en: tipvault_preview::conservation_lines(&preview.best, Locale::En),
        ko: tipvault_preview::conservation_lines(&preview.best, Locale::Ko),
    };
    PreviewResult {
        provider: catalog.provider_id().to_owned(),
        preview,
        explanation,
        conservation,
        conservation_lines,
        limits,
        destination_fields,
        names_ko,
    }
}

/// A preview of the vault's current balances, as a person asks for it (the CLI's
/// `preview --from-balance` flags and the desktop's "my balances" form).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
#[serde(default)]
pub struct BalancePreviewQuery {
    /// The account to draw on (`provider-<id>` or the provider's id); empty = the account
    /// of the catalog's provider. Only an account a paired provider holds can be planned.
    pub sources: Vec<String>,
    /// The provider whose catalog to use (see [`crate::choose_catalog`]).
    pub provider: Option<String>,
    pub prefer: Vec<String>,
    /// `least_fees` (default) or `first_preference`.
    #[ts(type = "'least_fees' | 'first_preference' | null")]
    pub objective: Option<Objective>,
    /// Amounts to leave untouched, one per currency, as `"1000 KRW"`.
    pub keep: Vec<String>,
    pub exclude: Vec<String>,
    /// Exchange rates the user accepts, as `"USD/KRW=1380.50"` (1 USD = 1,380.50 KRW).
    pub rates: Vec<String>,
}

/// Parses `"USD/KRW=1380.50"`: the rate's provenance is the user, at `now`.
pub fn parse_rate(text: &str, now: DateTime<Utc>) -> Result<Rate, AppError> {
    let bad = || {
        AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "{text:?} is not a rate: write BASE/QUOTE=RATE, e.g. USD/KRW=1380.50 for \
                 1 USD = 1,380.50 KRW."
            ),
        )
    };
    let (pair, value) = text.trim().split_once('=').ok_or_else(bad)?;
    let (base, quote) = pair.trim().split_once('/').ok_or_else(bad)?;
    let currency = |code: &str| {
        Currency::from_code(code.trim().to_ascii_uppercase().as_str())
            .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))
    };
    let rate = rust_decimal::Decimal::from_str_exact(value.trim()).map_err(|_| bad())?;
    Rate::new(
        currency(base)?,
        currency(quote)?,
        rate,
        "entered by the user",
        now,
    )
    .map_err(|e| AppError::new(ErrorCode::InvalidInput, e.to_string()))
}

/// Reads an amount with its currency code before or after it (`"1000 KRW"`, `"KRW 1,000"`,
/// `"20,000원 KRW"`): the code names the currency, the rest is read as people type amounts
/// ([`tipvault_money::read`]).
fn parse_money_with_currency(text: &str) -> Result<Money, AppError> {
    let text = text.trim();
    let code_at = |token: Option<&str>| token.and_then(|t| Currency::from_code(t).ok());
    let (currency, amount) = if let Some((rest, last)) = text.rsplit_once(char::is_whitespace)
        && let Some(currency) = code_at(Some(last))
    {
        (currency, rest)
    } else if let Some((first, rest)) = text.split_once(char::is_whitespace)
        && let Some(currency) = code_at(Some(first))
    {
        (currency, rest)
    } else {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("{text:?} is not an amount with its currency, e.g. \"1000 KRW\"."),
        ));
    };
    tipvault_money::read(amount, currency).map_err(|e| AppError::invalid(e.to_string()))
}

/// Previews the vault's current balances (net, per source and currency) over `catalog`.
/// Balances in a currency no product takes are reached only through a rate the user gives.
pub fn preview_balances(
    session: &mut Session,
    catalog: &Catalog,
    query: &BalancePreviewQuery,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    // Only money a paired provider holds can be planned, and only through that provider's
    // own catalog: the accounts of `catalog`'s provider, one planner source per currency.
    let provider = catalog.provider_id().to_owned();
    let account = crate::accounts::provider_source_id(&provider).to_string();
    for s in &query.sources {
        let s = s.trim();
        // The account itself, its provider, or a platform account linked to that provider.
        let held_there =
            crate::accounts::account_provider(session, s, now).is_ok_and(|p| p == provider);
        if !held_there {
            return Err(AppError::new(
                ErrorCode::InvalidInput,
                format!(
                    "{s:?} is not the account of {provider}, whose catalog this preview uses: \
                     only {account} can be planned with it."
                ),
            ));
        }
    }
    let held: Vec<Money> = crate::accounts::redeemable_balances(session, now)?
        .into_iter()
        .filter(|(p, _)| *p == provider)
        .map(|(_, m)| m)
        .collect();
    let sources: Vec<Source> = held
        .iter()
        .map(|m| Source {
            id: if held.len() > 1 {
                format!("{account}:{}", m.currency().code())
            } else {
                account.clone()
            },
            balance: *m,
        })
        .collect();
    if sources.is_empty() {
        let elsewhere = crate::accounts::not_redeemable(session, now)?;
        let mut message = format!(
            "{provider} holds no balance of yours, so there is nothing to cash out through it."
        );
        if !elsewhere.is_empty() {
            message.push_str(" Where your money is: ");
            message.push_str(
                &elsewhere
                    .iter()
                    .map(|a| {
                        let amounts: Vec<&str> = a.balances.iter().map(|b| b.en.as_str()).collect();
                        let rule = a
                            .payout
                            .as_ref()
                            .map(|p| format!(", payout {p}"))
                            .unwrap_or_default();
                        format!("{} {}: {}{rule}", a.label, amounts.join(" + "), a.where_en)
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            message.push('.');
        }
        return Err(AppError::new(ErrorCode::InvalidInput, message));
    }
    let headroom = crate::risk::standing::cash_out_headroom(session, now)?;
    let mut request = PlanRequest {
        sources,
        preferences: query
            .prefer
            .iter()
            .map(|p| parse_preference(catalog, p))
            .collect::<Result<_, _>>()?,
        objective: query.objective.unwrap_or(Objective::LeastFees),
        keep: query
            .keep
            .iter()
            .filter(|k| !k.trim().is_empty())
            .map(|k| parse_money_with_currency(k))
            .collect::<Result<_, _>>()?,
        excluded: query
            .exclude
            .iter()
            .map(|p| parse_product(catalog, p))
            .collect::<Result<_, _>>()?,
        rates: query
            .rates
            .iter()
            .filter(|r| !r.trim().is_empty())
            .map(|r| parse_rate(r, now))
            .collect::<Result<_, _>>()?,
        used_today: Vec::new(),
        limits: Vec::new(),
        now,
    };
    let mut currencies: Vec<Currency> = request
        .sources
        .iter()
        .map(|s| s.balance.currency())
        .collect();
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    let (limits, texts) = limits_for(&headroom, &currencies, &request.rates)
        .into_iter()
        .unzip();
    request.limits = limits;
    run(catalog, &request, texts)
}

/// A preview as a person asks for it: amounts and names as typed, parsed here for every front
/// end (the CLI's flags and the desktop's form both become one of these).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct PreviewQuery {
    pub amount: String,
    pub currency: String,
    #[serde(default)]
    pub prefer: Vec<String>,
    /// `least_fees` or `first_preference`.
    #[ts(type = "'least_fees' | 'first_preference'")]
    pub objective: Objective,
    #[serde(default)]
    pub keep: Option<String>,
    #[serde(default)]
    pub exclude: Vec<String>,
    /// The provider whose catalog to use (see [`crate::choose_catalog`]); the front end
    /// resolves it, the planner never sees it.
    #[serde(default)]
    pub provider: Option<String>,
}

/// Parses `query` against `catalog` and previews it.
pub fn preview_query(
    catalog: &Catalog,
    query: &PreviewQuery,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    preview_query_within(catalog, query, &[], now)
}

/// Previews `query` in the open vault, the way every front end does: over the catalog
/// [`choose_catalog`] picks, held to what may be cashed out now.
pub fn preview_amount(
    session: &mut Session,
    query: &PreviewQuery,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    let catalog = choose_catalog(session, query.provider.as_deref(), now)?;
    let headroom = cash_out_headroom(session, now)?;
    preview_query_within(&catalog, query, &headroom, now)
}

/// Previews `query` where there is no vault yet: over the demo catalog (the only one there
/// is), held to what a new vault may cash out.
pub fn preview_amount_without_vault(
    query: &PreviewQuery,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    match query.provider.as_deref().map(str::trim) {
        None | Some("" | "demo" | DEMO_PROVIDER_ID) => {}
        Some(other) => {
            return Err(AppError::new(
                ErrorCode::NoVault,
                format!("There is no vault, so no cached catalog of {other:?}."),
            ));
        }
    }
    preview_query_within(
        &demo_catalog(now)?,
        query,
        &crate::risk::standing::new_vault_headroom(now),
        now,
    )
}

/// Previews the vault's current balances over the catalog [`choose_catalog`] picks (see
/// [`preview_balances`]).
pub fn preview_my_balances(
    session: &mut Session,
    query: &BalancePreviewQuery,
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    let catalog = choose_catalog(session, query.provider.as_deref(), now)?;
    preview_balances(session, &catalog, query, now)
}

/// A preview of the balances every paired provider holds, at once: each provider's part
/// planned over its own catalog and accounts only, cheapest first under the shared limit
/// ([`tipvault_preview::plan_across`]).
#[derive(Debug, Clone, Serialize)]
pub struct AcrossPreviewResult {
    /// Each provider's part, in the order the shared limit was spent (cheapest first).
    pub parts: Vec<PreviewResult>,
    /// What leaves the accounts per currency, over every provider.
    pub debited: Vec<MoneyView>,
    /// The limits the whole plan was held to, with why.
    pub limits: Vec<LimitText>,
}

/// Previews the balances of every paired provider (or of the accounts `query.sources` names)
/// in one plan: `query.provider` is ignored, the preferences span every catalog (a product id
/// two catalogs use must be preferred by kind instead).
pub fn preview_across_providers(
    session: &mut Session,
    query: &BalancePreviewQuery,
    now: DateTime<Utc>,
) -> Result<AcrossPreviewResult, AppError> {
    let wanted: Vec<String> = query
        .sources
        .iter()
        .map(|s| crate::accounts::account_provider(session, s.trim(), now))
        .collect::<Result<_, _>>()?;
    let mut held: std::collections::BTreeMap<String, Vec<Money>> = Default::default();
    for (provider, money) in crate::accounts::redeemable_balances(session, now)? {
        if wanted.is_empty() || wanted.contains(&provider) {
            held.entry(provider).or_default().push(money);
        }
    }
    if held.is_empty() {
        return Err(AppError::invalid(
            "No paired provider holds a balance of yours, so there is nothing to cash out.",
        ));
    }
    let mut catalogs = Vec::with_capacity(held.len());
    for provider in held.keys() {
        let catalog =
            crate::catalogs::cached_catalog(session, provider, now)?.ok_or_else(|| {
                AppError::invalid(format!(
                    "The catalog of {provider} is not in the vault: refresh it first."
                ))
                .with_hint(crate::error::Hint::ImportCatalog)
            })?;
        catalogs.push(catalog);
    }
    let parts: Vec<ProviderPart<'_>> = catalogs
        .iter()
        .map(|catalog| {
            let provider = catalog.provider_id();
            let account = crate::accounts::provider_source_id(provider).to_string();
            let balances = held.get(provider).map(Vec::as_slice).unwrap_or_default();
            ProviderPart {
                catalog,
                sources: balances
                    .iter()
                    .map(|m| Source {
                        id: if balances.len() > 1 {
                            format!("{account}:{}", m.currency().code())
                        } else {
                            account.clone()
                        },
                        balance: *m,
                    })
                    .collect(),
                used_today: Vec::new(),
            }
        })
        .collect();
    // A name is read against every catalog: a kind anywhere, a product where it is offered.
    let across = |text: &str, read: &dyn Fn(&Catalog, &str) -> Result<Preference, AppError>| {
        let mut first_error = None;
        for catalog in &catalogs {
            match read(catalog, text) {
                Ok(found) => return Ok(found),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| AppError::invalid("There is no catalog to read it in.")))
    };
    let preferences = query
        .prefer
        .iter()
        .map(|p| across(p, &|c, t| parse_preference(c, t)))
        .collect::<Result<Vec<_>, _>>()?;
    let excluded = query
        .exclude
        .iter()
        .map(|p| across(p, &|c, t| parse_product(c, t).map(Preference::Product)))
        .map(|found| match found {
            Ok(Preference::Product(id)) => Ok(id),
            Ok(Preference::Kind(_)) => Err(AppError::invalid("Exclude products by their id.")),
            Err(e) => Err(e),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rates: Vec<Rate> = query
        .rates
        .iter()
        .filter(|r| !r.trim().is_empty())
        .map(|r| parse_rate(r, now))
        .collect::<Result<_, _>>()?;
    let mut currencies: Vec<Currency> = held.values().flatten().map(|m| m.currency()).collect();
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    let headroom = crate::risk::standing::cash_out_headroom(session, now)?;
    let (limits, texts): (Vec<Money>, Vec<LimitText>) = limits_for(&headroom, &currencies, &rates)
        .into_iter()
        .unzip();
    let request = PlanRequest {
        sources: Vec::new(),
        preferences,
        objective: query.objective.unwrap_or(Objective::LeastFees),
        keep: query
            .keep
            .iter()
            .filter(|k| !k.trim().is_empty())
            .map(|k| parse_money_with_currency(k))
            .collect::<Result<_, _>>()?,
        excluded,
        rates,
        used_today: Vec::new(),
        limits,
        now,
    };
    let planned = tipvault_preview::plan_across(&parts, &request)
        .map_err(|e| AppError::invalid(crate::error::sentence(&e)))?;
    let debited = planned
        .debited()
        .map_err(|e| AppError::invalid(crate::error::sentence(&e)))?
        .iter()
        .map(MoneyView::from)
        .collect();
    let results = planned
        .plans
        .into_iter()
        .filter_map(|plan| {
            let catalog = catalogs
                .iter()
                .find(|c| c.provider_id() == plan.provider_id)?;
            let preview = Preview {
                best: plan,
                alternatives: Vec::new(),
            };
            Some(result_of(catalog, preview, texts.clone()))
        })
        .collect();
    Ok(AcrossPreviewResult {
        parts: results,
        debited,
        limits: texts,
    })
}

/// [`preview_query`] held to what the risk engine allows now (`headroom`, from
/// [`crate::cash_out_headroom`]): what is above it stays, on a line of its own, with why.
pub fn preview_query_within(
    catalog: &Catalog,
    query: &PreviewQuery,
    headroom: &[tipvault_risk::Headroom],
    now: DateTime<Utc>,
) -> Result<PreviewResult, AppError> {
    let balance = parse_amount(&query.amount, &query.currency)?;
    let keep = query
        .keep
        .as_deref()
        .filter(|k| !k.trim().is_empty())
        .map(|k| parse_amount(k, &query.currency))
        .transpose()?;
    let preferences = query
        .prefer
        .iter()
        .map(|p| parse_preference(catalog, p))
        .collect::<Result<Vec<_>, _>>()?;
    let excluded = query
        .exclude
        .iter()
        .map(|p| parse_product(catalog, p))
        .collect::<Result<Vec<_>, _>>()?;
    let input = PreviewInput {
        balance,
        preferences,
        objective: query.objective,
        keep,
        excluded,
        headroom: headroom.to_vec(),
    };
    preview_balance(catalog, input, now)
}

fn views(money: &[Money]) -> Vec<MoneyView> {
    money.iter().map(MoneyView::from).collect()
}

/// The amounts that are not zero: the lines a front end shows ("kept", "stays").
fn nonzero_views(money: &[Money]) -> Vec<MoneyView> {
    money
        .iter()
        .filter(|m| !m.is_zero())
        .map(MoneyView::from)
        .collect()
}

/// One destination of a plan.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LegView {
    pub product_id: String,
    pub product_name: String,
    /// The product's name in Korean, when its catalog gives one (else `product_name`).
    pub product_name_ko: String,
    pub kind: ProductKind,
    pub kind_en: String,
    pub kind_ko: String,
    /// What leaves the balance (net + fee).
    pub gross: MoneyView,
    pub fee: MoneyView,
    /// What the destination receives.
    pub net: MoneyView,
    pub redemptions: u32,
    pub eta_typical_seconds: u64,
    pub eta_worst_seconds: u64,
    /// The destination fields a redemption of this product must give (`phone_number`).
    pub destination_fields: Vec<String>,
    /// Its width on the value path: what it debits, as a share of the balance (basis points).
    pub path_bp: u16,
    /// How much of that width is fee (basis points of the leg's own width).
    pub fee_of_leg_bp: u16,
}

/// A plan for display.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PlanView {
    pub balance: Vec<MoneyView>,
    pub legs: Vec<LegView>,
    /// Kept as asked, per currency (only currencies where something is kept).
    pub kept: Vec<MoneyView>,
    /// What stays besides, per currency (only currencies where something stays).
    pub remainder: Vec<MoneyView>,
    pub fees: Vec<MoneyView>,
    pub eta_typical_seconds: u64,
    pub eta_worst_seconds: u64,
    /// False when the catalog has expired: it may be previewed but not redeemed.
    pub redeemable: bool,
    pub freshness: Freshness,
    pub explanation_en: String,
    pub explanation_ko: String,
    /// Where every unit goes: what leaves the balance = what each destination receives +
    /// fees + FX granularity and rounding, and what stays (the same lines as the CLI's).
    pub conservation_en: Vec<String>,
    pub conservation_ko: Vec<String>,
    /// What stays on the value path after the legs (basis points of the balance).
    pub stays_bp: u16,
}

/// The best plan and its alternatives, for display.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PreviewView {
    pub provider: String,
    /// The catalog is the built-in demo (sandbox provider), not a real provider's.
    pub demo: bool,
    pub best: PlanView,
    pub alternatives: Vec<PlanView>,
    /// The limits the plans were held to, with why.
    pub limits: Vec<LimitText>,
}

/// The value path's widths: each leg's debit and what stays, as shares of the balance in the
/// debit's currency, adding up to the whole path exactly ([`crate::view::split_bp`]). A balance
/// in several currencies gives each currency an equal part of the path (minor units of
/// different currencies are never added). Returns the legs' widths and what stays.
fn path_widths(plan: &Plan) -> (Vec<u16>, u16) {
    let mut widths = vec![0u16; plan.legs.len()];
    let mut stays = 0u16;
    let n = u16::try_from(plan.balance.len()).unwrap_or(u16::MAX).max(1);
    for (i, balance) in plan.balance.iter().enumerate() {
        // The first currency takes the points an even split leaves over.
        let part = crate::view::WHOLE_BP / n + if i == 0 { crate::view::WHOLE_BP % n } else { 0 };
        let legs: Vec<usize> = (0..plan.legs.len())
            .filter(|l| plan.legs[*l].debit.currency() == balance.currency())
            .collect();
        let debits: i128 = legs
            .iter()
            .map(|l| plan.legs[*l].debit.to_minor_i128())
            .sum();
        let mut parts: Vec<i128> = legs
            .iter()
            .map(|l| plan.legs[*l].debit.to_minor_i128())
            .collect();
        parts.push(balance.to_minor_i128() - debits);
        let split = crate::view::split_bp(&parts, part);
        for (l, w) in legs.iter().zip(&split) {
            widths[*l] = *w;
        }
        stays = stays.saturating_add(split.last().copied().unwrap_or(0));
    }
    (widths, stays)
}

fn plan_view(plan: &Plan, result: &PreviewResult) -> PlanView {
    let fields = &result.destination_fields;
    let (widths, stays_bp) = path_widths(plan);
    PlanView {
        balance: views(&plan.balance),
        legs: plan
            .legs
            .iter()
            .zip(&widths)
            .map(|(leg, &path_bp)| LegView {
                product_id: leg.product_id.as_str().to_owned(),
                product_name: leg.product_name.clone(),
                product_name_ko: result
                    .names_ko
                    .get(leg.product_id.as_str())
                    .cloned()
                    .unwrap_or_else(|| leg.product_name.clone()),
                kind: leg.kind,
                kind_en: tipvault_preview::kind_name(leg.kind, Locale::En).to_owned(),
                kind_ko: tipvault_preview::kind_name(leg.kind, Locale::Ko).to_owned(),
                gross: (&leg.gross).into(),
                fee: (&leg.fee).into(),
                net: (&leg.net).into(),
                redemptions: u32::try_from(leg.redemptions.len()).unwrap_or(u32::MAX),
                eta_typical_seconds: leg.eta_typical_seconds,
                eta_worst_seconds: leg.eta_worst_seconds,
                destination_fields: fields
                    .get(leg.product_id.as_str())
                    .cloned()
                    .unwrap_or_default(),
                path_bp,
                fee_of_leg_bp: crate::view::share_bp(
                    leg.fee.to_minor_i128(),
                    leg.gross.to_minor_i128(),
                ),
            })
            .collect(),
        kept: nonzero_views(&plan.kept),
        remainder: nonzero_views(&plan.remainder),
        fees: views(&plan.fees()),
        eta_typical_seconds: plan.eta_typical_seconds,
        eta_worst_seconds: plan.eta_worst_seconds,
        redeemable: plan.redeemable,
        freshness: plan.freshness,
        explanation_en: tipvault_preview::explain(plan, Locale::En),
        explanation_ko: tipvault_preview::explain(plan, Locale::Ko),
        conservation_en: tipvault_preview::conservation_lines(plan, Locale::En),
        conservation_ko: tipvault_preview::conservation_lines(plan, Locale::Ko),
        stays_bp,
    }
}

/// A preview across providers, for display: each provider's part as a [`PreviewView`] (its
/// best plan only: the parts were planned together), what leaves the accounts in total, and the
/// shared limits.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AcrossPreviewView {
    pub parts: Vec<PreviewView>,
    pub debited: Vec<MoneyView>,
    pub limits: Vec<LimitText>,
}

/// The display form of [`preview_across_providers`]' answer.
pub fn across_preview_view(result: &AcrossPreviewResult) -> AcrossPreviewView {
    AcrossPreviewView {
        parts: result.parts.iter().map(preview_view).collect(),
        debited: result.debited.clone(),
        limits: result.limits.clone(),
    }
}

/// The display form of a preview.
pub fn preview_view(result: &PreviewResult) -> PreviewView {
    PreviewView {
        provider: result.provider.clone(),
        demo: result.provider == DEMO_PROVIDER_ID,
        best: plan_view(&result.preview.best, result),
        alternatives: result
            .preview
            .alternatives
            .iter()
            .map(|p| plan_view(p, result))
            .collect(),
        limits: result.limits.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_kind_is_a_preference_by_its_own_name() {
        // The window sends the kinds' generated names; the CLI's short names work too.
        let catalog =
            tipvault_preview::Catalog::demo(DateTime::from_timestamp(1_800_000_000, 0).unwrap())
                .unwrap();
        for kind in [
            ProductKind::MobileTopUp,
            ProductKind::Donation,
            ProductKind::TransitCredit,
            ProductKind::GiftCard,
            ProductKind::BankPayout,
        ] {
            let name = serde_json::to_value(kind).unwrap();
            let parsed = parse_preference(&catalog, name.as_str().unwrap()).unwrap();
            assert_eq!(parsed, Preference::Kind(kind));
        }
        assert_eq!(
            parse_preference(&catalog, "topup").unwrap(),
            Preference::Kind(ProductKind::MobileTopUp)
        );
    }

    #[test]
    fn an_amount_with_its_currency_is_read_as_people_write_it() {
        let krw = |n| Money::from_minor(n, Currency::KRW);
        for text in [
            "1000 KRW",
            "KRW 1,000",
            " 1,000원 KRW ",
            "₩1,000 KRW",
            "KRW ₩1,000",
        ] {
            assert_eq!(
                parse_money_with_currency(text).unwrap(),
                krw(1000),
                "{text}"
            );
        }
        assert_eq!(
            parse_money_with_currency("CHF 5.00").unwrap(),
            Money::from_minor(500, Currency::CHF)
        );
        for text in ["1000", "KRW", "1000 XYZ", "1,00 KRW", "-5 KRW"] {
            let err = parse_money_with_currency(text).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidInput, "{text}");
        }
    }
}
