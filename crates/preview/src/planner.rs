//! The value-path planner: from a balance, a catalog and preferences to the best plan.
//!
//! Decision: planning is exact and per currency. Each currency of the balance is one pool; the
//! pool's budget (balance − kept) is split by the exact solver in [`crate::knapsack`] over the
//! products the preferences name, each product turned into options in minor units of the pool
//! (denominations with their per-day limits become a frontier of totals; ranges become one
//! redemption). Pools are planned in currency-code order, and a product's per-day limits are
//! shared: what an earlier pool takes is no longer available to a later one. Every amount is
//! then rebuilt from the chosen options with money's checked arithmetic, and the remainder is
//! what is left, so conservation holds by construction and is asserted by property tests.

use crate::amount_rule::AmountRule;
use crate::catalog::Catalog;
use crate::error::PlanError;
use crate::freshness::Freshness;
use crate::fx;
use crate::knapsack::{self, Absorber, Item, Layout, Opt, Pick, Shape, gcd};
use crate::plan::{
    FxDetail, Leg, Note, Plan, PlanRequest, Preference, Preview, Redemption, SourceDebit,
    SourceOutcome, Variant,
};
use crate::product::{Eta, Product, ProductId};
use crate::stranded;
use std::collections::{BTreeMap, BTreeSet};
use tipvault_money::{Currency, Money, MoneyError, Rate};

/// Most amounts of one range product enumerated as separate options.
const OPTION_CAP: i64 = 200_000;
/// Most `layers × states` of one product's denomination frontier.
const FRONTIER_CAP: u64 = 20_000_000;

/// The best plan and up to two alternatives that differ from it: the best plan under the other
/// objective, and the best plans without the product that takes the most of the best plan
/// (then the second most). Alternatives equal to a plan already listed are dropped.
pub fn preview(catalog: &Catalog, request: &PlanRequest) -> Result<Preview, PlanError> {
    let best = plan(catalog, request)?;
    let mut alternatives: Vec<Plan> = Vec::new();
    let mut seen = vec![best.signature()];
    let mut candidates: Vec<(PlanRequest, Variant)> = Vec::new();
    // With at most one preference both objectives rank plans identically ((value, -fee,
    // value in the one group, -redemptions) vs (value in the one group, -fee,
    // -redemptions)), so the other objective would give the same plan, which is dropped as a
    // duplicate anyway: do not compute it.
    if request.preferences.len() > 1 {
        let mut other = request.clone();
        other.objective = request.objective.other();
        candidates.push((
            other,
            Variant::OtherObjective {
                objective: request.objective.other(),
            },
        ));
    }
    let mut by_size: Vec<&Leg> = best.legs.iter().collect();
    by_size.sort_by(|a, b| {
        b.debit
            .to_minor_i128()
            .cmp(&a.debit.to_minor_i128())
            .then_with(|| a.product_id.cmp(&b.product_id))
    });
    for leg in by_size.into_iter().take(2) {
        let mut without = request.clone();
        without.excluded.push(leg.product_id.clone());
        candidates.push((
            without,
            Variant::Without {
                product_id: leg.product_id.clone(),
            },
        ));
    }
    for (alternative, variant) in candidates {
        if alternatives.len() == 2 {
            break;
        }
        // An alternative that cannot be planned (too complex) is simply not offered.
        let Ok(mut plan) = plan(catalog, &alternative) else {
            continue;
        };
        if plan.is_empty() || seen.contains(&plan.signature()) {
            continue;
        }
        seen.push(plan.signature());
        plan.variant = variant;
        alternatives.push(plan);
    }
    Ok(Preview { best, alternatives })
}

/// The best plan for the request (no alternatives).
pub fn plan(catalog: &Catalog, request: &PlanRequest) -> Result<Plan, PlanError> {
    validate(catalog, request)?;
    let (groups, group_count) = assign_groups(catalog, request);
    let freshness = catalog.freshness(request.now);

    // Pools: currency → sources in request order.
    let mut pools: BTreeMap<Currency, Vec<usize>> = BTreeMap::new();
    for (index, source) in request.sources.iter().enumerate() {
        pools
            .entry(source.balance.currency())
            .or_default()
            .push(index);
    }
    let keep: BTreeMap<Currency, Money> = request.keep.iter().map(|m| (m.currency(), *m)).collect();
    let limits: BTreeMap<Currency, Money> =
        request.limits.iter().map(|m| (m.currency(), *m)).collect();
    let mut usage: BTreeMap<usize, (u32, i64)> = BTreeMap::new();
    for used in &request.used_today {
        if let Some(index) = catalog
            .products()
            .iter()
            .position(|p| p.id() == &used.product)
        {
            usage.insert(index, (used.count, used.sum.to_minor()?));
        }
    }

    let layout = Layout {
        groups: group_count.max(1),
        objective: request.objective,
    };
    let mut legs: Vec<(usize, usize, Leg)> = Vec::new(); // (group, product index, leg)
    let mut balance = Vec::new();
    let mut kept = Vec::new();
    let mut remainder = Vec::new();
    let mut held = Vec::new();
    let mut outcomes = Vec::new();
    let mut stranded_all = Vec::new();
    let mut notes = Vec::new();
    let total_positive = request.sources.iter().any(|s| s.balance.is_positive());
    if !total_positive {
        notes.push(Note::ZeroBalance);
    }

    for (&currency, members) in &pools {
        let pool_balance = Money::checked_sum(
            currency,
            members.iter().map(|&i| request.sources[i].balance),
        )?;
        let pool_minor = pool_balance.to_minor()?;
        let keep_minor = keep
            .get(&currency)
            .map(|m| m.to_minor())
            .transpose()?
            .unwrap_or(0)
            .min(pool_minor);
        let unkept = pool_minor - keep_minor;
        let budget = match limits.get(&currency) {
            Some(limit) => unkept.min(limit.to_minor()?.max(0)),
            None => unkept,
        };
        let held_minor = unkept - budget;
        if unkept == 0 && keep_minor > 0 {
            notes.push(Note::KeptEverything { currency });
        }
        if let (Some(limit), true) = (limits.get(&currency), held_minor > 0) {
            notes.push(Note::HeldByLimit {
                limit: *limit,
                held: Money::from_minor(held_minor, currency),
            });
        }

        let candidates = candidates(catalog, request, &groups, currency, &usage)?;
        let chosen = if budget > 0 {
            solve_staged(layout, &candidates, currency, budget)?
        } else {
            Vec::new()
        };

        // Rebuild every amount from the chosen nets with checked money arithmetic.
        let mut pool_legs = Vec::new();
        for (candidate, nets) in candidates.iter().zip(chosen) {
            if nets.is_empty() {
                continue;
            }
            let leg = build_leg(candidate, &nets, currency)?;
            let entry = usage.entry(candidate.index).or_insert((0, 0));
            entry.0 = entry.0.saturating_add(leg.redemptions.len() as u32);
            entry.1 += leg.net.to_minor()?;
            pool_legs.push((candidate.group, candidate.index, leg));
        }
        pool_legs.sort_by_key(|(group, index, _)| (*group, *index));

        // Sources pay in request order; each is drained before the next.
        let mut left: Vec<(usize, i64)> = members
            .iter()
            .map(|&i| Ok((i, request.sources[i].balance.to_minor()?)))
            .collect::<Result<_, MoneyError>>()?;
        let mut debited_total: i64 = 0;
        for (_, _, leg) in &mut pool_legs {
            let mut owed = leg.debit.to_minor()?;
            debited_total += owed;
            for (source, available) in &mut left {
                if owed == 0 {
                    break;
                }
                let take = owed.min(*available);
                if take > 0 {
                    *available -= take;
                    owed -= take;
                    leg.sources.push(SourceDebit {
                        source_id: request.sources[*source].id.clone(),
                        amount: Money::from_minor(take, currency),
                    });
                }
            }
            if owed != 0 {
                return Err(PlanError::Internal {
                    detail: "a leg costs more than the sources hold",
                });
            }
        }
        let rest = budget - debited_total;
        if rest < 0 {
            return Err(PlanError::Internal {
                detail: "the legs cost more than the budget",
            });
        }
        for (source, available) in &left {
            let s = &request.sources[*source];
            let before = s.balance.to_minor()?;
            outcomes.push((
                *source,
                SourceOutcome {
                    source_id: s.id.clone(),
                    balance: s.balance,
                    debited: Money::from_minor(before - available, currency),
                    left: Money::from_minor(*available, currency),
                },
            ));
        }
        let rest_money = Money::from_minor(rest, currency);
        if rest > 0 {
            if pool_legs.is_empty() {
                notes.push(Note::NothingFits { currency });
            }
            stranded_all.push(stranded::explain(
                rest_money,
                &candidates,
                &pool_legs,
                &usage,
            )?);
        }
        balance.push(pool_balance);
        kept.push(Money::from_minor(keep_minor, currency));
        held.push(Money::from_minor(held_minor, currency));
        remainder.push(rest_money);
        legs.extend(pool_legs);
    }

    match freshness {
        Freshness::Fresh => {}
        Freshness::Stale => notes.push(Note::CatalogStale {
            since: catalog.stale_after(),
        }),
        Freshness::Expired => notes.push(Note::CatalogExpired {
            since: catalog.expires_at(),
        }),
    }
    legs.sort_by_key(|(group, index, leg)| (*group, *index, leg.debit.currency()));
    let legs: Vec<Leg> = legs.into_iter().map(|(_, _, leg)| leg).collect();
    let eta = legs
        .iter()
        .map(|l| Eta {
            typical: std::time::Duration::from_secs(l.eta_typical_seconds),
            worst: std::time::Duration::from_secs(l.eta_worst_seconds),
        })
        .fold(Eta::default(), Eta::slowest);
    outcomes.sort_by_key(|(index, _)| *index);
    Ok(Plan {
        variant: Variant::Best,
        objective: request.objective,
        provider_id: catalog.provider_id().to_owned(),
        catalog_version: catalog.version(),
        freshness,
        redeemable: freshness.allows_redemption() && !legs.is_empty(),
        balance,
        legs,
        kept,
        remainder,
        held,
        sources: outcomes.into_iter().map(|(_, o)| o).collect(),
        stranded: stranded_all,
        eta_typical_seconds: eta.typical.as_secs(),
        eta_worst_seconds: eta.worst.as_secs(),
        notes,
    })
}

fn validate(catalog: &Catalog, request: &PlanRequest) -> Result<(), PlanError> {
    if request.sources.is_empty() {
        return Err(PlanError::NoSources);
    }
    let mut ids = BTreeSet::new();
    for source in &request.sources {
        if !ids.insert(source.id.as_str()) {
            return Err(PlanError::DuplicateSource {
                source_id: source.id.clone(),
            });
        }
        if source.balance.is_negative() {
            return Err(PlanError::NegativeBalance {
                source_id: source.id.clone(),
                amount: source.balance.to_string(),
            });
        }
        source.balance.to_minor()?;
    }
    let mut keep_currencies = BTreeSet::new();
    for m in &request.keep {
        if m.is_negative() || !keep_currencies.insert(m.currency()) {
            return Err(PlanError::InvalidKeep {
                currency: m.currency(),
            });
        }
    }
    let unknown = |id: &ProductId| PlanError::UnknownProduct {
        product: id.as_str().to_owned(),
        provider: catalog.provider_id().to_owned(),
    };
    for preference in &request.preferences {
        if let Preference::Product(id) = preference
            && catalog.product(id.as_str()).is_none()
        {
            return Err(unknown(id));
        }
    }
    for id in &request.excluded {
        if catalog.product(id.as_str()).is_none() {
            return Err(unknown(id));
        }
    }
    let mut used = BTreeSet::new();
    for u in &request.used_today {
        let Some(product) = catalog.product(u.product.as_str()) else {
            return Err(unknown(&u.product));
        };
        if !used.insert(&u.product) {
            return Err(PlanError::DuplicateUsage {
                product: u.product.as_str().to_owned(),
            });
        }
        if u.sum.currency() != product.currency() || u.sum.is_negative() {
            return Err(PlanError::Money(MoneyError::CurrencyMismatch {
                expected: product.currency(),
                found: u.sum.currency(),
            }));
        }
    }
    Ok(())
}

/// Each product's preference rank (the first preference that names it), or `None` when no
/// preference names it. Without preferences every product has rank 0.
fn assign_groups(catalog: &Catalog, request: &PlanRequest) -> (Vec<Option<usize>>, usize) {
    let groups = catalog
        .products()
        .iter()
        .map(|p| {
            if request.excluded.contains(p.id()) {
                return None;
            }
            if request.preferences.is_empty() {
                return Some(0);
            }
            request.preferences.iter().position(|pref| match pref {
                Preference::Kind(kind) => p.kind() == *kind,
                Preference::Product(id) => p.id() == id,
            })
        })
        .collect();
    (groups, request.preferences.len().max(1))
}

/// A product as seen from one pool.
#[derive(Clone)]
pub(crate) struct Candidate<'a> {
    pub index: usize,
    pub product: &'a Product,
    pub group: usize,
    /// `None` for the pool's own currency.
    pub rate: Option<&'a Rate>,
    /// The product is in another currency and no rate reaches it: it cannot be used.
    pub unreachable: bool,
    pub count_left: Option<u32>,
    pub sum_left: Option<i64>,
}

fn candidates<'a>(
    catalog: &'a Catalog,
    request: &'a PlanRequest,
    groups: &[Option<usize>],
    pool: Currency,
    usage: &BTreeMap<usize, (u32, i64)>,
) -> Result<Vec<Candidate<'a>>, PlanError> {
    let mut out = Vec::new();
    for (index, product) in catalog.products().iter().enumerate() {
        let Some(group) = groups[index] else { continue };
        let rate = if product.currency() == pool {
            None
        } else {
            request
                .rates
                .iter()
                .find(|r| r.base() == pool && r.quote() == product.currency())
        };
        let unreachable = product.currency() != pool && rate.is_none();
        let (used_count, used_sum) = usage.get(&index).copied().unwrap_or((0, 0));
        let limits = product.limits();
        out.push(Candidate {
            index,
            product,
            group,
            rate,
            unreachable,
            count_left: limits.per_day_count.map(|c| c.saturating_sub(used_count)),
            sum_left: limits
                .per_day_sum
                .map(|s| s.to_minor().map(|m| (m - used_sum).max(0)))
                .transpose()?,
        });
    }
    Ok(out)
}

impl Candidate<'_> {
    /// The redemption of `net` (product minor units) and what it costs the pool.
    pub(crate) fn redemption(&self, net: i64, pool: Currency) -> Result<Redemption, PlanError> {
        let currency = self.product.currency();
        let net = Money::from_minor(net, currency);
        let fee = self.product.fee_rule().fee_for(net)?;
        let gross = net.checked_add(fee)?;
        let (debit, fx) = match self.rate {
            None => (gross, None),
            Some(rate) => {
                let detail: FxDetail = fx::debit_for(gross, rate, pool)?;
                (detail.debit, Some(detail))
            }
        };
        Ok(Redemption {
            net,
            fee,
            gross,
            debit,
            fx,
        })
    }

    /// The solver's option for one redemption of `net`.
    fn option(&self, net: i64, pool: Currency) -> Result<Opt, PlanError> {
        // Through a rate: the same numbers by integer arithmetic (see `fx::debit_minor_fast`),
        // as an FX range may need tens of thousands of these.
        if let Some(rate) = self.rate {
            let fee = self.product.fee_rule().fee_minor(net)?;
            if let (Some(debit), Some(net_pool)) = (
                fx::debit_minor_fast(net + fee, rate),
                fx::debit_minor_fast(net, rate),
            ) {
                return Ok(Opt {
                    debit,
                    net: net_pool,
                    count: 1,
                });
            }
        }
        let r = self.redemption(net, pool)?;
        let debit = r.debit.to_minor()?;
        // In another currency, the value that arrives is measured in pool units as what the
        // net alone would cost through the same rate: non-decreasing in the amount (which the
        // absorber's search needs) and never above the debit.
        let net_pool = match self.rate {
            None => net,
            Some(rate) => {
                let net_money = Money::from_minor(net, self.product.currency());
                fx::debit_for(net_money, rate, pool)?.debit.to_minor()?
            }
        };
        Ok(Opt {
            debit,
            net: net_pool,
            count: 1,
        })
    }

    /// Range bounds usable now: `(lo, step, n)` net amounts `lo + j·step`, `j < n`.
    pub(crate) fn range_bounds(
        &self,
        budget_in_product: i64,
    ) -> Result<Option<(i64, i64, i64)>, PlanError> {
        let AmountRule::Range { min, max, step } = self.product.amount_rule() else {
            return Ok(None);
        };
        if self.count_left == Some(0) {
            return Ok(None);
        }
        let (lo, st) = (min.to_minor()?, step.to_minor()?);
        let mut hi = budget_in_product;
        if let Some(m) = max {
            hi = hi.min(m.to_minor()?);
        }
        if let Some(s) = self.sum_left {
            hi = hi.min(s);
        }
        if hi < lo {
            return Ok(None);
        }
        Ok(Some((lo, st, (hi - lo) / st + 1)))
    }
}

/// One denomination unit: its option and its net.
type Unit = (Opt, i64);

/// How to read a solver pick back into redemption nets.
enum Decode {
    Units(Vec<i64>),
    Frontier(Vec<Vec<i64>>),
    Range { lo: i64, step: i64 },
}

/// A candidate made ready for the solver, before the absorber is chosen.
enum Prepared {
    /// Denominations: their shape is final.
    Fixed(Shape, Decode),
    /// A range: `n` amounts `lo + j·step`; `flat_fee` when in the pool's currency with a flat
    /// fee (an arithmetic progression of debits); `last_debit` is the debit of the largest.
    Range {
        lo: i64,
        step: i64,
        n: i64,
        flat_fee: Option<i64>,
        last_debit: i64,
    },
}

/// Solver states × transitions if `absorber` (an index into `prepared`) is left out of the DP.
fn estimate(prepared: &[(usize, Prepared)], absorber: Option<usize>, budget: i64) -> u128 {
    let mut g = 0i64;
    let mut reach = 0i64;
    let mut work: u128 = 0;
    for (i, (_, p)) in prepared.iter().enumerate() {
        if Some(i) == absorber {
            continue;
        }
        match p {
            Prepared::Fixed(Shape::Choice(o) | Shape::Unbounded(o), _) => {
                for opt in o {
                    g = gcd(g, opt.debit);
                }
                reach = reach.saturating_add(match p {
                    Prepared::Fixed(Shape::Unbounded(_), _) => budget,
                    _ => o.iter().map(|x| x.debit).max().unwrap_or(0),
                });
                work += o.len() as u128;
            }
            Prepared::Fixed(Shape::Affine { .. }, _) => {}
            Prepared::Range {
                lo,
                step,
                n,
                flat_fee,
                last_debit,
            } => {
                match flat_fee {
                    Some(fee) => {
                        g = gcd(g, lo + fee);
                        if *n > 1 {
                            g = gcd(g, *step);
                        }
                        work += 2;
                    }
                    None => {
                        // Debits after a percentage or a conversion share no useful divisor.
                        g = 1;
                        work += *n as u128;
                    }
                }
                reach = reach.saturating_add(*last_debit);
            }
        }
    }
    let states = (budget.min(reach).max(0) / g.max(1)) as u128 + 1;
    let absorber_cost = match absorber.and_then(|i| prepared.get(i)) {
        Some((_, Prepared::Range { n, flat_fee, .. })) => {
            if flat_fee.is_some() {
                states
            } else {
                states + 2 * *n as u128
            }
        }
        _ => 0,
    };
    states * work.max(1) + absorber_cost
}

/// Solves one pool. Under [`Objective::FirstPreference`] with several preferences, the pool is
/// solved one preference at a time, which is exact and much smaller: the objective ranks the
/// first preference's net above everything else, so the first stage takes the most net it can
/// and, among equal nets, the smallest debit (then fewest redemptions); every later stage can
/// only do better with more budget left, so no other first-stage choice can beat it. Each stage
/// has only its own products, so one coarse group (₩1,000 top-ups) is not slowed down by a
/// ₩1-step product of another.
fn solve_staged(
    layout: Layout,
    candidates: &[Candidate<'_>],
    pool: Currency,
    budget: i64,
) -> Result<Vec<Vec<i64>>, PlanError> {
    if layout.objective != crate::plan::Objective::FirstPreference || layout.groups < 2 {
        return solve_pool(layout, candidates, pool, budget);
    }
    let stage_layout = Layout {
        groups: 1,
        objective: layout.objective,
    };
    let mut nets: Vec<Vec<i64>> = vec![Vec::new(); candidates.len()];
    let mut left = budget;
    for group in 0..layout.groups {
        let members: Vec<usize> = (0..candidates.len())
            .filter(|&i| candidates[i].group == group)
            .collect();
        if members.is_empty() || left <= 0 {
            continue;
        }
        let stage: Vec<Candidate<'_>> = members
            .iter()
            .map(|&i| Candidate {
                group: 0,
                ..candidates[i].clone()
            })
            .collect();
        let chosen = solve_pool(stage_layout, &stage, pool, left)?;
        for (&i, stage_nets) in members.iter().zip(chosen) {
            let mut previous: Option<(i64, i64)> = None; // (net, debit); nets arrive sorted
            for &net in &stage_nets {
                let debit = match previous {
                    Some((n, d)) if n == net => d,
                    _ => candidates[i].redemption(net, pool)?.debit.to_minor()?,
                };
                previous = Some((net, debit));
                left -= debit;
            }
            nets[i] = stage_nets;
        }
    }
    if left < 0 {
        return Err(PlanError::Internal {
            detail: "staged plan exceeds the budget",
        });
    }
    Ok(nets)
}

/// The debit and value of amount `j` of a prepared range.
fn range_opt(
    c: &Candidate<'_>,
    lo: i64,
    step: i64,
    j: i64,
    pool: Currency,
) -> Result<Opt, PlanError> {
    c.option(lo + j * step, pool)
}

/// The largest `j < n` with `pred(j)`, for a predicate true on a prefix; `None` if `!pred(0)`.
fn last_true(
    n: i64,
    mut pred: impl FnMut(i64) -> Result<bool, PlanError>,
) -> Result<Option<i64>, PlanError> {
    if n <= 0 || !pred(0)? {
        return Ok(None);
    }
    let (mut a, mut b) = (0i64, n); // pred(a), !pred(b) (b = n: past the end)
    while b - a > 1 {
        let mid = a + (b - a) / 2;
        if pred(mid)? {
            a = mid;
        } else {
            b = mid;
        }
    }
    Ok(Some(a))
}

/// The value of some feasible plan: a quick greedy fill, kept only as a lower bound on the
/// optimum's total value (the first thing both objectives maximise within one solve).
///
/// Several orders are tried (cheapest fee rate first, largest first, each product alone); each
/// product takes its most valuable option that still fits. Any feasible plan would do: the
/// better the bound, the more [`prune_by_fee_bound`] removes.
fn feasible_value(
    prepared: &[(usize, Prepared)],
    candidates: &[Candidate<'_>],
    pool: Currency,
    budget: i64,
) -> Result<i64, PlanError> {
    // (largest option's fee_eff·1e6/debit) per item, for the cheapest-rate order.
    let mut rate: Vec<(i128, usize)> = Vec::new();
    let mut size: Vec<(i64, usize)> = Vec::new();
    for (position, (i, p)) in prepared.iter().enumerate() {
        let top = match p {
            Prepared::Fixed(Shape::Choice(o) | Shape::Unbounded(o), _) => {
                o.iter().max_by_key(|o| (o.net, -o.debit)).copied()
            }
            Prepared::Fixed(Shape::Affine { .. }, _) => None,
            Prepared::Range { lo, step, n, .. } => {
                Some(range_opt(&candidates[*i], *lo, *step, n - 1, pool)?)
            }
        };
        if let Some(o) = top {
            rate.push((
                i128::from(o.debit - o.net) * 1_000_000 / i128::from(o.debit.max(1)),
                position,
            ));
            size.push((-o.net, position));
        }
    }
    rate.sort_unstable();
    size.sort_unstable();
    let fill = |order: &mut dyn Iterator<Item = usize>| -> Result<i64, PlanError> {
        let mut left = budget;
        let mut value = 0i64;
        for position in order {
            let (i, p) = &prepared[position];
            match p {
                Prepared::Fixed(Shape::Choice(opts), _) => {
                    if let Some(o) = opts
                        .iter()
                        .filter(|o| o.debit <= left)
                        .max_by_key(|o| (o.net, -o.debit))
                    {
                        left -= o.debit;
                        value += o.net;
                    }
                }
                Prepared::Fixed(Shape::Unbounded(opts), _) => {
                    let mut units: Vec<&Opt> = opts.iter().collect();
                    units.sort_by_key(|o| (-o.net, o.debit));
                    for o in units {
                        if o.debit > 0 && o.debit <= left {
                            let times = left / o.debit;
                            left -= times * o.debit;
                            value += times * o.net;
                        }
                    }
                }
                Prepared::Fixed(Shape::Affine { .. }, _) => {}
                Prepared::Range { lo, step, n, .. } => {
                    let c = &candidates[*i];
                    let fits = |j: i64| Ok(range_opt(c, *lo, *step, j, pool)?.debit <= left);
                    if let Some(j) = last_true(*n, fits)? {
                        let o = range_opt(c, *lo, *step, j, pool)?;
                        left -= o.debit;
                        value += o.net;
                    }
                }
            }
        }
        Ok(value)
    };
    let mut best = fill(&mut rate.iter().map(|&(_, p)| p))?;
    best = best.max(fill(&mut size.iter().map(|&(_, p)| p))?);
    for position in 0..prepared.len() {
        best = best.max(fill(&mut std::iter::once(position))?);
    }
    Ok(best)
}

/// Exact pruning by a bound on fees. Within one solve the objective ranks total value first,
/// and a plan's total value is at most `budget - its total fees` (what is debited is value plus
/// fee, and the debits fit in the budget). So if some feasible plan reaches value `floor`, no
/// option whose own fee exceeds `budget - floor` can be part of an optimum: removing it loses
/// nothing. Likewise an option worth less than `floor - (the most every other product can
/// add)` cannot be part of an optimum. Removing percent-fee options this way often raises the
/// GCD of the remaining debits (fewer DP states) and shortens every option list.
///
/// Fees here are the solver's (`debit - value`, which for an FX product includes rounding).
fn prune_by_fee_bound(
    prepared: &mut Vec<(usize, Prepared)>,
    candidates: &[Candidate<'_>],
    pool: Currency,
    budget: i64,
) -> Result<(), PlanError> {
    if prepared.is_empty() {
        return Ok(());
    }
    let floor = feasible_value(prepared, candidates, pool, budget)?;
    let fee_cap = budget - floor;
    // The most value each item can add (None: unbounded).
    let mut most: Vec<Option<i64>> = Vec::with_capacity(prepared.len());
    for (i, p) in prepared.iter() {
        most.push(match p {
            Prepared::Fixed(Shape::Choice(o), _) => {
                Some(o.iter().map(|o| o.net).max().unwrap_or(0))
            }
            Prepared::Fixed(Shape::Unbounded(_) | Shape::Affine { .. }, _) => None,
            Prepared::Range { lo, step, n, .. } => {
                Some(range_opt(&candidates[*i], *lo, *step, n - 1, pool)?.net)
            }
        });
    }
    let unbounded = most.iter().filter(|m| m.is_none()).count();
    let total: i64 = most.iter().flatten().sum();
    // Value `floor - others` is the least an option of item `position` must bring.
    let least = |position: usize| -> Option<i64> {
        if unbounded > 0 {
            return None;
        }
        Some(floor - (total - most[position].unwrap_or(0)))
    };
    let mut kept: Vec<(usize, Prepared)> = Vec::with_capacity(prepared.len());
    for (position, (i, p)) in std::mem::take(prepared).into_iter().enumerate() {
        let least = least(position);
        let useful = |o: &Opt| o.debit - o.net <= fee_cap && least.is_none_or(|l| o.net >= l);
        match p {
            Prepared::Fixed(Shape::Choice(opts), Decode::Frontier(entries)) => {
                let (opts, entries): (Vec<Opt>, Vec<Vec<i64>>) = opts
                    .into_iter()
                    .zip(entries)
                    .filter(|(o, _)| useful(o))
                    .unzip();
                if !opts.is_empty() {
                    kept.push((
                        i,
                        Prepared::Fixed(Shape::Choice(opts), Decode::Frontier(entries)),
                    ));
                }
            }
            Prepared::Fixed(Shape::Unbounded(opts), Decode::Units(nets)) => {
                let (opts, nets): (Vec<Opt>, Vec<i64>) = opts
                    .into_iter()
                    .zip(nets)
                    .filter(|(o, _)| useful(o))
                    .unzip();
                // Units that pay a fee can be used at most `fee_cap / fee` times in an
                // optimum; when few combinations remain they become one bounded choice
                // (which the solver may then enumerate outside its DP).
                let (free, paying): (Vec<Unit>, Vec<Unit>) = opts
                    .into_iter()
                    .zip(nets)
                    .partition(|(o, _)| o.debit == o.net);
                if let Some(entries) = bounded_combinations(&paying, fee_cap, budget) {
                    if !entries.is_empty() {
                        let (opts, nets): (Vec<Opt>, Vec<Vec<i64>>) = entries.into_iter().unzip();
                        kept.push((
                            i,
                            Prepared::Fixed(Shape::Choice(opts), Decode::Frontier(nets)),
                        ));
                    }
                    if !free.is_empty() {
                        let (opts, nets): (Vec<Opt>, Vec<i64>) = free.into_iter().unzip();
                        kept.push((
                            i,
                            Prepared::Fixed(Shape::Unbounded(opts), Decode::Units(nets)),
                        ));
                    }
                } else {
                    let (opts, nets): (Vec<Opt>, Vec<i64>) = free.into_iter().chain(paying).unzip();
                    if !opts.is_empty() {
                        kept.push((
                            i,
                            Prepared::Fixed(Shape::Unbounded(opts), Decode::Units(nets)),
                        ));
                    }
                }
            }
            Prepared::Range {
                lo,
                step,
                n,
                flat_fee,
                ..
            } => {
                let c = &candidates[i];
                // Largest amount within the fee cap: the pool-currency fee never decreases
                // with the amount; through a rate it may jitter with rounding, so only the
                // value bound is used there.
                let mut end = n;
                if c.rate.is_none() {
                    let within = |j: i64| {
                        let o = range_opt(c, lo, step, j, pool)?;
                        Ok(o.debit - o.net <= fee_cap)
                    };
                    match last_true(n, within)? {
                        Some(j) => end = j + 1,
                        None => continue,
                    }
                }
                // Smallest amount bringing enough value (value never decreases with j).
                let mut start = 0;
                if let Some(l) = least {
                    let short = |j: i64| Ok(range_opt(c, lo, step, j, pool)?.net < l);
                    start = match last_true(end, short)? {
                        Some(j) => j + 1,
                        None => 0,
                    };
                    if start >= end {
                        continue;
                    }
                }
                let lo = lo + start * step;
                let n = end - start;
                kept.push((
                    i,
                    Prepared::Range {
                        lo,
                        step,
                        n,
                        flat_fee,
                        last_debit: range_opt(c, lo, step, n - 1, pool)?.debit,
                    },
                ));
            }
            other => kept.push((i, other)),
        }
    }
    *prepared = kept;
    Ok(())
}

/// Exact dominance by a "sink": a range product in the pool's currency with a flat fee `f`
/// whose amounts are cut only by the budget (a ₩1-step donation up to ₩1,000,000 with
/// ₩300,000 to spend). Any option `o` of a product in the same or a later preference group,
/// with `fee(o) >= f` and a value the sink can take as well (≥ its minimum, on its step), can
/// be replaced in any plan by adding `o`'s value to the sink's amount: the value is the same
/// (or moves to an earlier preference), the fee is no higher and the redemptions no more; the
/// merged amount still fits, because all values together are below `budget - f`, which the
/// sink reaches. So removing every such option keeps an optimum. The sink itself is kept.
fn prune_by_sink(
    prepared: &mut Vec<(usize, Prepared)>,
    candidates: &[Candidate<'_>],
    pool: Currency,
    budget: i64,
) -> Result<(), PlanError> {
    let sink = prepared
        .iter()
        .enumerate()
        .filter_map(|(position, (i, p))| match p {
            Prepared::Range {
                lo,
                step,
                n,
                flat_fee: Some(fee),
                ..
            } if lo + n * step + fee > budget => {
                Some((candidates[*i].group, *fee, position, *lo, *step))
            }
            _ => None,
        })
        .min();
    let Some((group, fee, at, lo, step)) = sink else {
        return Ok(());
    };
    let takes = |net: i64| net >= lo && (net - lo) % step == 0 && net % step == 0;
    let dominated = |o: &Opt| o.debit - o.net >= fee && takes(o.net);
    let mut kept = Vec::with_capacity(prepared.len());
    for (position, (i, p)) in std::mem::take(prepared).into_iter().enumerate() {
        if position == at || candidates[i].group < group {
            kept.push((i, p));
            continue;
        }
        match p {
            Prepared::Fixed(Shape::Choice(opts), Decode::Frontier(entries)) => {
                let (opts, entries): (Vec<Opt>, Vec<Vec<i64>>) = opts
                    .into_iter()
                    .zip(entries)
                    .filter(|(o, _)| !dominated(o))
                    .unzip();
                if !opts.is_empty() {
                    kept.push((
                        i,
                        Prepared::Fixed(Shape::Choice(opts), Decode::Frontier(entries)),
                    ));
                }
            }
            Prepared::Fixed(Shape::Unbounded(opts), Decode::Units(nets)) => {
                let (opts, nets): (Vec<Opt>, Vec<i64>) = opts
                    .into_iter()
                    .zip(nets)
                    .filter(|(o, _)| !dominated(o))
                    .unzip();
                if !opts.is_empty() {
                    kept.push((
                        i,
                        Prepared::Fixed(Shape::Unbounded(opts), Decode::Units(nets)),
                    ));
                }
            }
            Prepared::Range {
                lo: r_lo,
                step: r_step,
                flat_fee: Some(r_fee),
                ..
            } if candidates[i].rate.is_none()
                && r_fee >= fee
                && takes(r_lo)
                && r_step % step == 0 => {}
            // Through a rate, values are pool-currency costs with no common step; a free
            // ₩1-step sink still takes every one of them from its minimum up (value never
            // decreases with the amount, and every fee is at least 0).
            Prepared::Range {
                lo: r_lo,
                step: r_step,
                ..
            } if candidates[i].rate.is_some()
                && fee == 0
                && step == 1
                && range_opt(&candidates[i], r_lo, r_step, 0, pool)?.net >= lo => {}
            other => kept.push((i, other)),
        }
    }
    *prepared = kept;
    Ok(())
}

/// Exact periodicity for large budgets (Gilmore–Gomory). Let `b` be the unit of an unlimited
/// denomination product with the best value per debit (ties: earlier preference group, then the
/// larger debit). Any `w_b / g` or more units of other unlimited denominations (`g` the GCD of
/// their debits) contain a non-empty subset whose debit is a multiple of `w_b` (prefix sums
/// modulo `w_b`); replacing it with copies of `b` costs the same and is no worse in every
/// component (no less value, hence no more fee; value in no later group; no more
/// redemptions). So some optimum uses fewer than `w_b / g` other units, and everything except
/// `b` debits at most `x = Σ (largest debit of each limited product) + (w_b / g - 1) · w_max`.
/// Given the rest, more copies of `b` are always better, so some optimum holds at least
/// `c0 = (budget - x) / w_b` copies: solving `budget - c0 · w_b` and adding `c0` copies is
/// exact. Returns the reduced budget and `(candidate, b's net, c0)`.
fn periodic_budget(
    prepared: &[(usize, Prepared)],
    candidates: &[Candidate<'_>],
    budget: i64,
) -> (i64, Option<(usize, i64, i64)>) {
    let mut best: Option<(Opt, usize, i64, usize)> = None; // unit, group, net, candidate
    let mut g = 0i64;
    let mut w_max = 0i64;
    let mut limited: i64 = 0;
    for (i, p) in prepared {
        let group = candidates[*i].group;
        match p {
            Prepared::Fixed(Shape::Unbounded(opts), Decode::Units(nets)) => {
                for (o, &net) in opts.iter().zip(nets) {
                    if o.debit <= 0 {
                        return (budget, None);
                    }
                    g = gcd(g, o.debit);
                    w_max = w_max.max(o.debit);
                    let better = match &best {
                        None => true,
                        Some((b, b_group, _, _)) => {
                            let lhs = i128::from(o.net) * i128::from(b.debit);
                            let rhs = i128::from(b.net) * i128::from(o.debit);
                            lhs > rhs
                                || lhs == rhs
                                    && (group < *b_group || group == *b_group && o.debit > b.debit)
                        }
                    };
                    if better {
                        best = Some((*o, group, net, *i));
                    }
                }
            }
            Prepared::Fixed(Shape::Choice(opts), _) => {
                limited = limited.saturating_add(opts.iter().map(|o| o.debit).max().unwrap_or(0));
            }
            Prepared::Fixed(..) => return (budget, None),
            Prepared::Range { last_debit, .. } => limited = limited.saturating_add(*last_debit),
        }
    }
    let Some((b, _, net, i)) = best else {
        return (budget, None);
    };
    if b.net <= 0 {
        return (budget, None);
    }
    let x = limited.saturating_add((b.debit / g.max(1) - 1).saturating_mul(w_max));
    if budget <= x {
        return (budget, None);
    }
    let times = (budget - x) / b.debit;
    if times == 0 {
        return (budget, None);
    }
    (budget - times * b.debit, Some((i, net, times)))
}

/// Every non-empty multiset of fee-paying `units` with total fee `<= fee_cap` and total debit
/// `<= budget`, as (option, nets); `None` when there would be more than 64 (then the units stay
/// unbounded in the DP).
fn bounded_combinations(
    units: &[(Opt, i64)],
    fee_cap: i64,
    budget: i64,
) -> Option<Vec<(Opt, Vec<i64>)>> {
    const MOST: usize = 64;
    let mut out: Vec<(Opt, Vec<i64>)> = Vec::new();
    let mut stack: Vec<(usize, Opt, Vec<i64>)> = vec![(
        0,
        Opt {
            debit: 0,
            net: 0,
            count: 0,
        },
        Vec::new(),
    )];
    while let Some((from, acc, nets)) = stack.pop() {
        for (u, (o, net)) in units.iter().enumerate().skip(from) {
            let next = Opt {
                debit: acc.debit + o.debit,
                net: acc.net + o.net,
                count: acc.count + o.count,
            };
            if next.debit - next.net > fee_cap || next.debit > budget {
                continue;
            }
            let mut more = nets.clone();
            more.push(*net);
            out.push((next, more.clone()));
            if out.len() > MOST {
                return None;
            }
            stack.push((u, next, more));
        }
    }
    Some(out)
}

/// Runs the exact solver for one pool; returns, per candidate, the nets of its redemptions.
fn solve_pool(
    layout: Layout,
    candidates: &[Candidate<'_>],
    pool: Currency,
    budget: i64,
) -> Result<Vec<Vec<i64>>, PlanError> {
    let mut prepared: Vec<(usize, Prepared)> = Vec::new();
    for (i, c) in candidates.iter().enumerate() {
        if c.unreachable || c.count_left == Some(0) {
            continue;
        }
        match c.product.amount_rule() {
            AmountRule::Denominations(values) => {
                if let Some((shape, decode)) = denomination_shape(c, values, pool, budget)? {
                    prepared.push((i, Prepared::Fixed(shape, decode)));
                }
            }
            AmountRule::Range { .. } => {
                let reach = match c.rate {
                    None => budget,
                    Some(rate) => tipvault_money::convert(
                        &Money::from_minor(budget, pool),
                        rate,
                        tipvault_money::RoundingMode::Floor,
                    )?
                    .to()
                    .to_minor()?,
                };
                let Some((lo, step, mut n)) = c.range_bounds(reach)? else {
                    continue;
                };
                let fee = c.product.fee_rule();
                let flat_fee = if c.rate.is_none() && fee.is_flat() {
                    Some(fee.fee_minor(lo)?)
                } else {
                    None
                };
                // Trim amounts whose debit exceeds the budget (debit grows with the amount).
                let debit =
                    |j: i64| -> Result<i64, PlanError> { Ok(c.option(lo + j * step, pool)?.debit) };
                if debit(0)? > budget {
                    continue;
                }
                if debit(n - 1)? > budget {
                    let (mut a, mut b) = (0i64, n - 1); // debit(a) <= budget < debit(b)
                    while b - a > 1 {
                        let mid = a + (b - a) / 2;
                        if debit(mid)? <= budget {
                            a = mid;
                        } else {
                            b = mid;
                        }
                    }
                    n = a + 1;
                }
                prepared.push((
                    i,
                    Prepared::Range {
                        lo,
                        step,
                        n,
                        flat_fee,
                        last_debit: debit(n - 1)?,
                    },
                ));
            }
        }
    }

    prune_by_fee_bound(&mut prepared, candidates, pool, budget)?;
    prune_by_sink(&mut prepared, candidates, pool, budget)?;
    let (budget, repeated) = periodic_budget(&prepared, candidates, budget);

    // The absorber: the range product whose absence makes the DP cheapest (ties: catalog
    // order); none if no range product is usable.
    let mut absorber_at: Option<usize> = None;
    let mut cheapest = estimate(&prepared, None, budget);
    for (i, (_, p)) in prepared.iter().enumerate() {
        if matches!(p, Prepared::Range { .. }) {
            let cost = estimate(&prepared, Some(i), budget);
            if cost < cheapest || absorber_at.is_none() && cost == cheapest {
                cheapest = cost;
                absorber_at = Some(i);
            }
        }
    }

    let mut items: Vec<Item> = Vec::new();
    let mut decoders: Vec<(usize, Decode)> = Vec::new();
    let mut absorber_spec: Option<(usize, i64, i64, i64, Option<i64>)> = None;
    for (position, (i, p)) in prepared.into_iter().enumerate() {
        let c = &candidates[i];
        match p {
            Prepared::Fixed(shape, decode) => {
                items.push(Item {
                    group: c.group,
                    shape,
                });
                decoders.push((i, decode));
            }
            Prepared::Range {
                lo,
                step,
                n,
                flat_fee,
                ..
            } => {
                if Some(position) == absorber_at {
                    absorber_spec = Some((i, lo, step, n, flat_fee));
                    continue;
                }
                let shape = match flat_fee {
                    Some(fee) => Shape::Affine {
                        first: lo + fee,
                        step,
                        n,
                        fee,
                    },
                    None => {
                        if n > OPTION_CAP {
                            return Err(PlanError::TooComplex {
                                states: n as u64,
                                cap: OPTION_CAP as u64,
                            });
                        }
                        Shape::Choice(
                            (0..n)
                                .map(|j| c.option(lo + j * step, pool))
                                .collect::<Result<_, _>>()?,
                        )
                    }
                };
                items.push(Item {
                    group: c.group,
                    shape,
                });
                decoders.push((i, Decode::Range { lo, step }));
            }
        }
    }

    let eval = |j: i64| -> Result<Opt, PlanError> {
        match absorber_spec {
            Some((i, lo, step, _, _)) => candidates[i].option(lo + j * step, pool),
            None => Err(PlanError::Internal {
                detail: "absorber evaluated without an absorber",
            }),
        }
    };
    let absorber = absorber_spec.map(|(i, lo, step, n, flat_fee)| Absorber {
        group: candidates[i].group,
        n,
        eval: &eval,
        flat: flat_fee.map(|fee| (lo, step, fee)),
    });

    // With one group, least fees ranks (value, -fee, value in group 0, -redemptions), and the
    // third component always equals the first: the same order as (value, -fee,
    // -redemptions), which packs into one i128.
    let layout = if layout.groups == 1 {
        Layout {
            groups: 1,
            objective: crate::plan::Objective::FirstPreference,
        }
    } else {
        layout
    };
    let solution = knapsack::solve(layout, &items, absorber.as_ref(), budget)?;
    let mut nets: Vec<Vec<i64>> = vec![Vec::new(); candidates.len()];
    if let Some((i, net, times)) = repeated {
        nets[i].extend(std::iter::repeat_n(net, times as usize));
    }
    for ((candidate, decode), pick) in decoders.iter().zip(&solution.picks) {
        let out = &mut nets[*candidate];
        match (decode, pick) {
            (_, Pick::None) => {}
            (Decode::Units(values), Pick::Units(counts)) => {
                for (value, count) in values.iter().zip(counts) {
                    out.extend(std::iter::repeat_n(*value, *count as usize));
                }
            }
            (Decode::Frontier(entries), Pick::Choice(o)) => {
                if let Some(entry) = entries.get(*o) {
                    out.extend(entry);
                }
            }
            (Decode::Range { lo, step }, Pick::Choice(j)) => out.push(lo + *j as i64 * step),
            (Decode::Range { lo, step }, Pick::Affine(j)) => out.push(lo + j * step),
            _ => {
                return Err(PlanError::Internal {
                    detail: "solver pick does not match its product",
                });
            }
        }
        out.sort_unstable_by(|a, b| b.cmp(a));
    }
    if let (Some((i, lo, step, _, _)), Some((j, _))) = (absorber_spec, solution.absorber) {
        nets[i].push(lo + j * step);
    }
    for out in &mut nets {
        out.sort_unstable_by(|a, b| b.cmp(a));
    }
    Ok(nets)
}

/// A denomination product's shape: unbounded units without limits, else the frontier of
/// totals reachable within its per-day limits.
fn denomination_shape(
    c: &Candidate<'_>,
    values: &[Money],
    pool: Currency,
    budget: i64,
) -> Result<Option<(Shape, Decode)>, PlanError> {
    let mut units: Vec<(i64, Opt)> = Vec::new();
    for value in values {
        let net = value.to_minor()?;
        if c.sum_left.is_some_and(|s| net > s) {
            continue;
        }
        let o = c.option(net, pool)?;
        if o.debit <= budget {
            units.push((net, o));
        }
    }
    if units.is_empty() {
        return Ok(None);
    }
    if c.count_left.is_none() && c.sum_left.is_none() {
        let nets = units.iter().map(|(n, _)| *n).collect();
        let opts = units.into_iter().map(|(_, o)| o).collect();
        return Ok(Some((Shape::Unbounded(opts), Decode::Units(nets))));
    }
    let entries = frontier(&units, c.count_left, c.sum_left, budget)?;
    let (opts, nets): (Vec<Opt>, Vec<Vec<i64>>) = entries.into_iter().unzip();
    Ok(Some((Shape::Choice(opts), Decode::Frontier(nets))))
}

/// Every total one denomination product can reach within `count_limit` redemptions and a net
/// sum of `sum_limit`, keeping per total the cheapest way (least debit, then most value, then
/// fewest redemptions), and then only totals that beat every cheaper one (a dominated total
/// is never part of an optimum: the cheaper, larger one is always at least as good).
fn frontier(
    units: &[(i64, Opt)],
    count_limit: Option<u32>,
    sum_limit: Option<i64>,
    budget: i64,
) -> Result<Vec<(Opt, Vec<i64>)>, PlanError> {
    let gp = units.iter().fold(0, |g, (n, _)| gcd(g, *n)).max(1);
    let min_debit = units.iter().map(|(_, o)| o.debit).min().unwrap_or(1).max(1);
    let max_net = units.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let max_units = budget / min_debit;
    let layers = count_limit.map_or(max_units, |c| i64::from(c).min(max_units));
    let y_max = sum_limit
        .unwrap_or(i64::MAX)
        .min(layers.saturating_mul(max_net))
        / gp;
    let states = (y_max + 1) as usize;
    let work = (layers.max(1) as u64).saturating_mul(states as u64);
    if work > FRONTIER_CAP {
        return Err(PlanError::TooComplex {
            states: work,
            cap: FRONTIER_CAP,
        });
    }
    // (debit, -value, count); None = unreachable.
    type Cost = (i64, i64, i64);
    let add = |c: Cost, o: &Opt| (c.0 + o.debit, c.1 - o.net, c.2 + 1);
    let mut best: Vec<Option<(Cost, usize)>> = vec![None; states]; // cost, layer
    best[0] = Some(((0, 0, 0), 0));
    // parent[layer][y] = unit index + 1 (layered), or parent[0][y] (unbounded).
    let mut parents: Vec<Vec<u16>> = Vec::new();
    if count_limit.is_none() {
        let mut cost: Vec<Option<Cost>> = vec![None; states];
        cost[0] = Some((0, 0, 0));
        let mut parent = vec![0u16; states];
        for y in 0..states {
            for (u, (net, o)) in units.iter().enumerate() {
                let step = (*net / gp) as usize;
                if step > y {
                    continue;
                }
                if let Some(prev) = cost[y - step] {
                    let c = add(prev, o);
                    if c.0 <= budget && cost[y].is_none_or(|cur| c < cur) {
                        cost[y] = Some(c);
                        parent[y] = u as u16 + 1;
                    }
                }
            }
        }
        for y in 0..states {
            best[y] = cost[y].map(|c| (c, 0));
        }
        parents.push(parent);
    } else {
        let mut prev: Vec<Option<Cost>> = vec![None; states];
        prev[0] = Some((0, 0, 0));
        for layer in 1..=layers.max(0) as usize {
            let mut cur: Vec<Option<Cost>> = vec![None; states];
            let mut parent = vec![0u16; states];
            let mut any = false;
            for y in 0..states {
                for (u, (net, o)) in units.iter().enumerate() {
                    let step = (*net / gp) as usize;
                    if step > y {
                        continue;
                    }
                    if let Some(p) = prev[y - step] {
                        let c = add(p, o);
                        if c.0 <= budget && cur[y].is_none_or(|x| c < x) {
                            cur[y] = Some(c);
                            parent[y] = u as u16 + 1;
                        }
                    }
                }
                if let Some(c) = cur[y] {
                    any = true;
                    if best[y].is_none_or(|(b, _)| c < b) {
                        best[y] = Some((c, layer));
                    }
                }
            }
            parents.push(parent);
            if !any {
                break;
            }
            prev = cur;
        }
    }
    let mut entries: Vec<(Opt, Vec<i64>)> = Vec::new();
    for (y, slot) in best.iter().enumerate().skip(1) {
        let Some((cost, layer)) = slot else { continue };
        // Walk the parents back to the list of denominations.
        let mut nets = Vec::new();
        let (mut yy, mut l) = (y, *layer);
        while yy > 0 {
            let table = if count_limit.is_none() {
                parents.first()
            } else {
                l.checked_sub(1).and_then(|i| parents.get(i))
            };
            let Some(u) = table.and_then(|t| t.get(yy)).copied().filter(|&u| u > 0) else {
                return Err(PlanError::Internal {
                    detail: "denomination frontier walk-back failed",
                });
            };
            let (net, _) = units[u as usize - 1];
            nets.push(net);
            yy -= (net / gp) as usize;
            l = l.saturating_sub(1);
        }
        nets.sort_unstable_by(|a, b| b.cmp(a));
        entries.push((
            Opt {
                debit: cost.0,
                net: -cost.1,
                count: cost.2,
            },
            nets,
        ));
    }
    entries.sort_by_key(|e| (e.0.debit, -e.0.net, e.0.count));
    let mut kept = Vec::new();
    let mut top = i64::MIN;
    for entry in entries {
        if entry.0.net > top {
            top = entry.0.net;
            kept.push(entry);
        }
    }
    Ok(kept)
}

fn build_leg(c: &Candidate<'_>, nets: &[i64], pool: Currency) -> Result<Leg, PlanError> {
    let product = c.product;
    let currency = product.currency();
    // A large plan repeats one unit thousands of times (₩35M in ₩2,000 top-ups): compute each
    // distinct amount once (the nets arrive sorted) and copy it.
    let mut redemptions: Vec<Redemption> = Vec::with_capacity(nets.len());
    for (i, &n) in nets.iter().enumerate() {
        let r = match redemptions.last() {
            Some(previous) if i > 0 && nets[i - 1] == n => previous.clone(),
            _ => c.redemption(n, pool)?,
        };
        redemptions.push(r);
    }
    let sum = |f: fn(&Redemption) -> Money, cur: Currency| {
        Money::checked_sum(cur, redemptions.iter().map(f))
    };
    Ok(Leg {
        product_id: product.id().clone(),
        product_name: product.name().to_owned(),
        kind: product.kind(),
        preference_rank: c.group,
        net: sum(|r| r.net, currency)?,
        fee: sum(|r| r.fee, currency)?,
        gross: sum(|r| r.gross, currency)?,
        debit: sum(|r| r.debit, pool)?,
        rate: c.rate.cloned(),
        eta_typical_seconds: product.eta().typical.as_secs(),
        eta_worst_seconds: product.eta().worst.as_secs(),
        sources: Vec::new(),
        redemptions,
    })
}
