//! Planning across several providers: each provider account's value goes only through its own
//! provider's catalog, one order of preference spans them all, and a limit the user is held to
//! (the risk engine's headroom) is shared.
//!
//! Decisions to know:
//! - **Eligibility by construction.** A request names, per provider, the accounts that provider
//!   holds ([`ProviderPart`]); each part is planned with [`crate::plan`] over that provider's
//!   catalog and those accounts only, so no leg can be drawn on an account another provider
//!   holds. An account named under two providers is refused ([`AcrossError::SourceInTwoParts`]).
//! - **Whichever serves first, then costs least, goes first.** Parts are ordered (each planned
//!   alone) by the earliest preference they serve when the objective is the first preference,
//!   then by what cashing out through them costs (fees over gross, a unitless share), cheapest
//!   first; a shared limit is spent in that order, and an amount to keep stays in the accounts
//!   last in it. The shared limit is the most one claim may debit: a plan across providers is
//!   approved as one claim.
//! - **Product ids are per provider.** Two catalogs may use the same id. A preference naming an
//!   id two catalogs offer is ambiguous and refused ([`AcrossError::AmbiguousProduct`]): it
//!   could not say which provider the user meant. Excluding such an id excludes it everywhere
//!   (never sending is always safe).

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use tipvault_money::{Currency, Money, MoneyError};

use crate::catalog::Catalog;
use crate::error::PlanError;
use crate::plan::{Objective, Plan, PlanRequest, Preference, Source, Usage};
use crate::planner::plan;
use crate::product::ProductId;

/// One provider's share of a request: its catalog and the accounts (sources) it holds.
#[derive(Debug, Clone)]
pub struct ProviderPart<'a> {
    /// The provider's catalog.
    pub catalog: &'a Catalog,
    /// The balances that provider holds for the user (its accounts, one per currency).
    pub sources: Vec<Source>,
    /// Today's redemptions at this provider, for its products' per-day limits.
    pub used_today: Vec<Usage>,
}

/// A plan across providers: one [`Plan`] per provider, cheapest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AcrossPlan {
    /// Each provider's plan over its own accounts, in the order the shared limit was spent.
    pub plans: Vec<Plan>,
}

impl AcrossPlan {
    /// What leaves the accounts, per currency (code order), over every provider.
    pub fn debited(&self) -> Result<Vec<Money>, MoneyError> {
        let mut totals: BTreeMap<Currency, Money> = BTreeMap::new();
        for debit in self
            .plans
            .iter()
            .flat_map(|p| p.sources.iter().map(|s| s.debited))
        {
            let total = totals
                .entry(debit.currency())
                .or_insert(Money::zero(debit.currency()));
            *total = total.checked_add(debit)?;
        }
        Ok(totals.into_values().collect())
    }
}

/// Why a plan across providers could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AcrossError {
    /// No provider holds anything to plan.
    #[error("no provider holds a balance of yours to plan")]
    NoProviders,
    /// The same provider is given twice.
    #[error("provider {provider:?} is given twice")]
    DuplicateProvider {
        /// The provider.
        provider: String,
    },
    /// An account is named under two providers: it can be drawn only by the one holding it.
    #[error(
        "account {source_id:?} is named under two providers; only the one holding it may draw on it"
    )]
    SourceInTwoParts {
        /// The account.
        source_id: String,
    },
    /// A preference names a product id that several providers' catalogs offer.
    #[error(
        "{product:?} is a product of several providers ({}): prefer its kind instead, or \
         preview one provider", providers.join(", ")
    )]
    AmbiguousProduct {
        /// The id.
        product: String,
        /// The providers offering it.
        providers: Vec<String>,
    },
    /// A preference names a product no provider offers.
    #[error("no provider offers {product:?}")]
    UnknownProduct {
        /// The id.
        product: String,
    },
    /// An amount to keep is negative or given twice for one currency.
    #[error("the amount to keep in {currency} is negative or given twice: give one amount >= 0")]
    InvalidKeep {
        /// Its currency.
        currency: Currency,
    },
    /// One provider's part could not be planned.
    #[error("{provider}: {error}")]
    Plan {
        /// The provider.
        provider: String,
        /// Why.
        error: PlanError,
    },
}

/// Plans `parts` with `request`'s preferences, objective, exclusions, rates, amounts to keep
/// and shared limits (its `sources` and `used_today` are ignored: each part carries its own).
pub fn plan_across(
    parts: &[ProviderPart<'_>],
    request: &PlanRequest,
) -> Result<AcrossPlan, AcrossError> {
    let parts: Vec<&ProviderPart<'_>> = parts.iter().filter(|p| !p.sources.is_empty()).collect();
    if parts.is_empty() {
        return Err(AcrossError::NoProviders);
    }
    let mut providers = BTreeSet::new();
    let mut accounts = BTreeSet::new();
    for part in &parts {
        let provider = part.catalog.provider_id();
        if !providers.insert(provider) {
            return Err(AcrossError::DuplicateProvider {
                provider: provider.to_owned(),
            });
        }
        for source in &part.sources {
            if !accounts.insert(source.id.as_str()) {
                return Err(AcrossError::SourceInTwoParts {
                    source_id: source.id.clone(),
                });
            }
        }
    }
    let mut keep_currencies = BTreeSet::new();
    for m in &request.keep {
        if m.is_negative() || !keep_currencies.insert(m.currency()) {
            return Err(AcrossError::InvalidKeep {
                currency: m.currency(),
            });
        }
    }
    for preference in &request.preferences {
        if let Preference::Product(id) = preference {
            let offering: Vec<String> = parts
                .iter()
                .filter(|p| p.catalog.product(id.as_str()).is_some())
                .map(|p| p.catalog.provider_id().to_owned())
                .collect();
            match offering.len() {
                0 => {
                    return Err(AcrossError::UnknownProduct {
                        product: id.as_str().to_owned(),
                    });
                }
                1 => {}
                _ => {
                    return Err(AcrossError::AmbiguousProduct {
                        product: id.as_str().to_owned(),
                        providers: offering,
                    });
                }
            }
        }
    }

    // The order the shared limit is spent in: each part planned alone, with nothing held back.
    // Least fees: cheapest first (fee per unit that leaves). First preference: the part that
    // serves the user's earliest preference first, the cheaper of equals first. A part that
    // plans nothing goes last; equals keep the providers' id order.
    let mut ranked = Vec::with_capacity(parts.len());
    for part in &parts {
        let alone = plan_part(part, request, &[], &[])?;
        let first_served = alone.legs.iter().map(|l| l.preference_rank).min();
        let rank = match request.objective {
            Objective::FirstPreference => first_served.unwrap_or(usize::MAX),
            Objective::LeastFees => 0,
        };
        ranked.push(((rank, cost(&alone)), part.catalog.provider_id(), *part));
    }
    ranked.sort_by(|((ra, ca), pa, _), ((rb, cb), pb, _)| {
        ra.cmp(rb)
            .then_with(|| compare_cost(*ca, *cb))
            .then_with(|| pa.cmp(pb))
    });

    // What to keep stays in the dearest accounts: handed out from the last part backwards.
    let mut keep_left: BTreeMap<Currency, i128> = request
        .keep
        .iter()
        .map(|m| (m.currency(), m.to_minor_i128()))
        .collect();
    let mut keeps: Vec<Vec<Money>> = vec![Vec::new(); ranked.len()];
    for (index, (_, _, part)) in ranked.iter().enumerate().rev() {
        for (currency, held) in held_by_currency(&part.sources) {
            if let Some(left) = keep_left.get_mut(&currency)
                && *left > 0
            {
                let here = (*left).min(held);
                *left -= here;
                keeps[index].push(minor(here, currency)?);
            }
        }
    }

    // The shared limit, spent in cost order.
    let mut limit_left: BTreeMap<Currency, i128> = request
        .limits
        .iter()
        .map(|m| (m.currency(), m.to_minor_i128()))
        .collect();
    let mut plans = Vec::with_capacity(ranked.len());
    for (index, (_, _, part)) in ranked.iter().enumerate() {
        let held = held_by_currency(&part.sources);
        let limits: Vec<Money> = held
            .keys()
            .filter_map(|c| limit_left.get(c).map(|left| minor((*left).max(0), *c)))
            .collect::<Result<_, _>>()?;
        let planned = plan_part(part, request, &keeps[index], &limits)?;
        for outcome in &planned.sources {
            if let Some(left) = limit_left.get_mut(&outcome.debited.currency()) {
                *left -= outcome.debited.to_minor_i128();
            }
        }
        plans.push(planned);
    }
    Ok(AcrossPlan { plans })
}

/// One part planned with the request's choices that concern its catalog. Its legs' preference
/// ranks are indexes into the request's preferences (the user's order), not this part's.
fn plan_part(
    part: &ProviderPart<'_>,
    request: &PlanRequest,
    keep: &[Money],
    limits: &[Money],
) -> Result<Plan, AcrossError> {
    let catalog = part.catalog;
    let offers = |id: &ProductId| catalog.product(id.as_str()).is_some();
    // A preference for another provider's product is not this part's; the order of the rest
    // is kept, and `kept[i]` is the request's index of this part's preference `i`.
    let (kept, preferences): (Vec<usize>, Vec<Preference>) = request
        .preferences
        .iter()
        .enumerate()
        .filter(|(_, p)| match p {
            Preference::Kind(_) => true,
            Preference::Product(id) => offers(id),
        })
        .map(|(i, p)| (i, p.clone()))
        .unzip();
    // Everything the user asked for is another provider's: this part plans nothing (an empty
    // preference list would mean "every product", so every product is excluded instead).
    let nothing_asked_here = !request.preferences.is_empty() && preferences.is_empty();
    let excluded = if nothing_asked_here {
        catalog.products().iter().map(|p| p.id().clone()).collect()
    } else {
        request
            .excluded
            .iter()
            .filter(|id| offers(id))
            .cloned()
            .collect()
    };
    let mut planned = plan(
        catalog,
        &PlanRequest {
            sources: part.sources.clone(),
            preferences,
            excluded,
            keep: keep.to_vec(),
            limits: limits.to_vec(),
            used_today: part.used_today.clone(),
            ..request.clone()
        },
    )
    .map_err(|error| AcrossError::Plan {
        provider: catalog.provider_id().to_owned(),
        error,
    })?;
    if !kept.is_empty() {
        for leg in &mut planned.legs {
            leg.preference_rank = kept.get(leg.preference_rank).copied().unwrap_or(usize::MAX);
        }
    }
    Ok(planned)
}

/// What cashing out through a plan costs, as a unitless share: each leg's fee over its gross
/// (both in the product's currency), weighted by what the leg takes from its balance among the
/// legs of that balance currency, averaged over the balance currencies (amounts of different
/// currencies are never added). `None` when nothing leaves.
fn cost(plan: &Plan) -> Option<Decimal> {
    let mut by_balance: BTreeMap<Currency, (Decimal, Decimal)> = BTreeMap::new();
    for leg in &plan.legs {
        let gross = leg.gross.amount();
        let debit = leg.debit.amount();
        if gross.is_zero() || debit.is_zero() {
            continue;
        }
        let share = leg.fee.amount().checked_div(gross)?;
        let entry = by_balance.entry(leg.debit.currency()).or_default();
        entry.0 = entry.0.checked_add(share.checked_mul(debit)?)?;
        entry.1 = entry.1.checked_add(debit)?;
    }
    let shares: Vec<Decimal> = by_balance
        .values()
        .filter_map(|(weighted, debits)| weighted.checked_div(*debits))
        .collect();
    let count = Decimal::from(shares.len());
    let total = shares
        .iter()
        .try_fold(Decimal::ZERO, |a, s| a.checked_add(*s))?;
    total.checked_div(count)
}

/// Cheaper first; nothing planned sorts last.
fn compare_cost(a: Option<Decimal>, b: Option<Decimal>) -> std::cmp::Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

fn held_by_currency(sources: &[Source]) -> BTreeMap<Currency, i128> {
    let mut held = BTreeMap::new();
    for s in sources {
        *held.entry(s.balance.currency()).or_default() += s.balance.to_minor_i128();
    }
    held
}

fn minor(amount: i128, currency: Currency) -> Result<Money, AcrossError> {
    let amount = i64::try_from(amount).map_err(|_| AcrossError::Plan {
        provider: "every provider".into(),
        error: PlanError::Internal {
            detail: "an amount across providers is out of range",
        },
    })?;
    Ok(Money::from_minor(amount, currency))
}
