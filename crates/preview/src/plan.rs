//! What the planner is asked and what it answers: the request, the plan, its legs.
//!
//! Decision: a [`Plan`] is a complete, self-checking account of the balance: for every currency,
//! `Σ legs' debit + remainder + kept = balance`, to the minor unit, and every leg carries its
//! redemptions with net, fee and gross (`gross = net + fee`, see [`crate::fee`]). It serialises
//! to JSON as is, for the UI and for `--json`; prose comes from [`crate::explain`].

use crate::freshness::Freshness;
use crate::product::{ProductId, ProductKind};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use tipvault_money::{Currency, Money, Rate};

/// What "best" means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// As much value as possible reaches a destination (net), then the least fees, then the
    /// preference order.
    LeastFees,
    /// As much net value as possible into the first preference, then the second, …, then the
    /// least fees.
    FirstPreference,
}

impl Objective {
    /// The other objective (used to offer an alternative).
    pub fn other(self) -> Objective {
        match self {
            Objective::LeastFees => Objective::FirstPreference,
            Objective::FirstPreference => Objective::LeastFees,
        }
    }
}

/// One entry of the user's ordered preferences.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Preference {
    /// Every product of this kind (`{"kind":"mobile_top_up"}`).
    Kind(ProductKind),
    /// This product (`{"product":"krw-gift-card"}`).
    Product(ProductId),
}

/// Where value sits now.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Source {
    /// The source's id (e.g. `toonation`).
    pub id: String,
    /// Its balance.
    pub balance: Money,
}

/// What was already redeemed today, counted against per-day limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// The product.
    pub product: ProductId,
    /// Redemptions today.
    pub count: u32,
    /// Their net sum, in the product's currency.
    pub sum: Money,
}

/// Everything a preview depends on. The same request always gives the same preview.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlanRequest {
    /// The balance, one entry per source, in any currencies.
    pub sources: Vec<Source>,
    /// Ordered destinations; empty means every product, with no order among them. Products
    /// matched by no preference are not used.
    #[serde(default)]
    pub preferences: Vec<Preference>,
    /// What "best" means.
    pub objective: Objective,
    /// Amounts to leave untouched, at most one per currency.
    #[serde(default)]
    pub keep: Vec<Money>,
    /// Products never to use.
    #[serde(default)]
    pub excluded: Vec<ProductId>,
    /// FX rates the user accepts; a product in another currency is reached only through a rate
    /// whose base is the balance's currency and whose quote is the product's.
    #[serde(default)]
    pub rates: Vec<Rate>,
    /// Today's redemptions, for per-day limits.
    #[serde(default)]
    pub used_today: Vec<Usage>,
    /// The most that may leave the balance now, at most one per balance currency: the risk
    /// engine's headroom (what the gate would allow), converted into the balance's currency
    /// by the caller. What it holds back stays, on its own line ([`Plan::held`]).
    #[serde(default)]
    pub limits: Vec<Money>,
    /// The moment of the preview (catalog freshness). Passed in: the planner reads no clock.
    pub now: DateTime<Utc>,
}

/// The currency conversion of one redemption paid from a balance in another currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FxDetail {
    /// What leaves the balance, in the balance's currency.
    pub debit: Money,
    /// `debit × rate`, rounded down to the product currency's minor unit.
    pub converted: Money,
    /// What that rounding dropped, exact, in the product's currency (`< 1` minor unit).
    #[serde(with = "decimal_text")]
    pub rounding_loss: Decimal,
    /// `converted - gross`: whole minor units that the smallest possible debit still brings in
    /// above what the redemption needs; lost to FX granularity, shown, never hidden.
    pub overshoot: Money,
}

/// One request to the provider.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Redemption {
    /// What the destination receives.
    pub net: Money,
    /// The provider's fee.
    pub fee: Money,
    /// `net + fee`, in the product's currency.
    pub gross: Money,
    /// What leaves the balance, in the balance's currency (`gross` when no FX).
    pub debit: Money,
    /// The conversion, when the balance is in another currency.
    pub fx: Option<FxDetail>,
}

/// How much of a leg's debit comes from which source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceDebit {
    /// The source.
    pub source_id: String,
    /// The part of the leg paid from it.
    pub amount: Money,
}

/// Everything one product receives in the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Leg {
    /// The product.
    pub product_id: ProductId,
    /// Its display name.
    pub product_name: String,
    /// Its kind.
    pub kind: ProductKind,
    /// Index of the preference it answers (0 = first); 0 when no preferences were given.
    pub preference_rank: usize,
    /// The requests, largest first.
    pub redemptions: Vec<Redemption>,
    /// Sum of the redemptions' net, in the product's currency.
    pub net: Money,
    /// Sum of their fees.
    pub fee: Money,
    /// Sum of their gross.
    pub gross: Money,
    /// Sum of their debits, in the balance's currency.
    pub debit: Money,
    /// The rate used, if the leg crosses currencies.
    pub rate: Option<Rate>,
    /// Typical time to completion, seconds.
    pub eta_typical_seconds: u64,
    /// Worst time to completion, seconds.
    pub eta_worst_seconds: u64,
    /// Which sources pay for it (in request order, each drained before the next).
    pub sources: Vec<SourceDebit>,
}

/// What happens to one source.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceOutcome {
    /// The source.
    pub source_id: String,
    /// Its balance before.
    pub balance: Money,
    /// What the plan takes from it.
    pub debited: Money,
    /// What stays in it (`balance - debited`), including any kept amount.
    pub left: Money,
}

/// Which per-day limit stops a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// The number of redemptions per day.
    Count,
    /// The sum per day.
    Sum,
}

/// Why value could not go to a product.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum StrandedReason {
    /// Less than the product's smallest amount (plus fee).
    BelowMinimum {
        /// The smallest net amount.
        minimum: Money,
    },
    /// The product is in the plan, and the rest is less than one more step.
    NotAMultipleOfStep {
        /// The step.
        step: Money,
    },
    /// Less than the smallest denomination (plus fee) still allowed.
    NoDenominationFits {
        /// The smallest denomination.
        smallest: Money,
    },
    /// A per-day limit is used up.
    OverLimit {
        /// Which one.
        limit: LimitKind,
    },
    /// The product is already at its largest amount.
    AboveMaximum {
        /// The largest amount.
        maximum: Money,
    },
    /// The product is in another currency and no rate was given.
    NoRate {
        /// The balance's currency.
        from: Currency,
        /// The product's currency.
        to: Currency,
    },
}

/// One product's view of the stranded value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProductBlock {
    /// The product.
    pub product_id: ProductId,
    /// Its kind.
    pub kind: ProductKind,
    /// Why the remainder cannot go there.
    pub reason: StrandedReason,
}

/// The smallest change that would free stranded value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unlock {
    /// How much more balance is needed, in the balance's currency.
    pub more: Money,
    /// The product that would take it.
    pub product_id: ProductId,
    /// Its kind.
    pub kind: ProductKind,
    /// The net amount that product would then deliver in one redemption (for a product
    /// already in the plan: its new total).
    pub becomes: Money,
}

/// Value of one currency that stays because no product can take it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Stranded {
    /// The amount (equal to the plan's remainder in this currency).
    pub amount: Money,
    /// Why, product by product (in preference, then catalog, order).
    pub blocked_by: Vec<ProductBlock>,
    /// The smallest top-up of the balance that converts all of it, if any.
    pub unlock: Option<Unlock>,
}

/// Something the user must know about the whole plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Note {
    /// The balance is zero: there is nothing to plan.
    ZeroBalance,
    /// Everything in this currency is kept, as asked.
    KeptEverything {
        /// The currency.
        currency: Currency,
    },
    /// No product can take any of this currency's balance.
    NothingFits {
        /// The currency.
        currency: Currency,
    },
    /// The limit allows less than the balance: this much waits.
    HeldByLimit {
        /// The most that may leave now.
        limit: Money,
        /// What waits.
        held: Money,
    },
    /// The catalog is past `stale_after`: prices may have changed.
    CatalogStale {
        /// When it became stale.
        since: DateTime<Utc>,
    },
    /// The catalog has expired: this preview cannot be redeemed; refresh the catalog.
    CatalogExpired {
        /// When it expired.
        since: DateTime<Utc>,
    },
}

/// Which variant of the answer a plan is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "variant", rename_all = "snake_case")]
pub enum Variant {
    /// The best plan for the request.
    Best,
    /// The best plan under the other objective.
    OtherObjective {
        /// That objective.
        objective: Objective,
    },
    /// The best plan without one product of the best plan.
    Without {
        /// The product left out.
        product_id: ProductId,
    },
}

/// A value path: how a balance splits into legs and what stays.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Plan {
    /// Which variant this is.
    pub variant: Variant,
    /// The objective it optimises.
    pub objective: Objective,
    /// The catalog's provider.
    pub provider_id: String,
    /// The catalog's version.
    pub catalog_version: u64,
    /// The catalog's freshness at the request's `now`.
    pub freshness: Freshness,
    /// Whether a redemption may follow this preview (false on an expired catalog).
    pub redeemable: bool,
    /// The balance per currency (currency code order).
    pub balance: Vec<Money>,
    /// The legs, in preference order, then catalog order.
    pub legs: Vec<Leg>,
    /// Kept per currency, as asked (code order; zero when nothing kept).
    pub kept: Vec<Money>,
    /// What stays per currency besides the kept amount (code order).
    pub remainder: Vec<Money>,
    /// What the request's limit holds back per currency (code order; zero when none): it
    /// could be cashed out, but not now.
    pub held: Vec<Money>,
    /// Per source: debited and left.
    pub sources: Vec<SourceOutcome>,
    /// Remainders no product could take, with reasons.
    pub stranded: Vec<Stranded>,
    /// Typical time until everything has arrived (the slowest leg), seconds.
    pub eta_typical_seconds: u64,
    /// Worst time (the slowest leg's worst), seconds.
    pub eta_worst_seconds: u64,
    /// Notes for the user.
    pub notes: Vec<Note>,
}

impl Plan {
    /// Whether the plan converts nothing.
    pub fn is_empty(&self) -> bool {
        self.legs.is_empty()
    }

    /// Total fees per currency of the products (code order).
    pub fn fees(&self) -> Vec<Money> {
        let mut totals: std::collections::BTreeMap<Currency, i128> = Default::default();
        for leg in &self.legs {
            *totals.entry(leg.fee.currency()).or_default() += leg.fee.to_minor_i128();
        }
        totals
            .into_iter()
            .filter_map(|(c, m)| Money::from_minor_i128(m, c).ok())
            .collect()
    }

    /// A short signature for comparing plans: product and net of every leg.
    pub(crate) fn signature(&self) -> Vec<(ProductId, Money)> {
        self.legs
            .iter()
            .map(|l| (l.product_id.clone(), l.net))
            .collect()
    }
}

/// A preview: the best plan and up to two alternatives that differ from it and from each other.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Preview {
    /// The best plan for the request.
    pub best: Plan,
    /// Up to two other plans, best first.
    pub alternatives: Vec<Plan>,
}

mod decimal_text {
    pub fn serialize<S: serde::Serializer>(
        value: &rust_decimal::Decimal,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }
}
