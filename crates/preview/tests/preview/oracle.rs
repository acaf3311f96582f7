//! Random catalogs for property tests, and a brute-force oracle that enumerates every plan.
#![allow(dead_code)]

use proptest::prelude::*;
use std::collections::BTreeSet;
use tipvault_money::{Currency, Money};
use tipvault_preview::{AmountRule, Catalog, Objective, Plan, Preference, Product, ProductKind};

/// A product description that always validates.
#[derive(Debug, Clone)]
pub struct ProductSpec {
    pub kind: ProductKind,
    pub currency: &'static str,
    pub amount: AmountSpec,
    pub fixed: i64,
    pub percent: &'static str,
    pub fee_min: Option<i64>,
    pub fee_max: Option<i64>,
    pub rounding: &'static str,
    pub count: Option<u32>,
    pub sum: Option<i64>,
}

#[derive(Debug, Clone)]
pub enum AmountSpec {
    Denominations(Vec<i64>),
    Range {
        min: i64,
        step: i64,
        steps: Option<i64>,
    },
}

fn minor_text(minor: i64, currency: &str) -> String {
    let c = Currency::from_code(currency).expect("known");
    Money::from_minor(minor, c).amount().to_string()
}

impl ProductSpec {
    fn json(&self, index: usize) -> String {
        let m = |v: i64| format!("\"{}\"", minor_text(v, self.currency));
        let amount = match &self.amount {
            AmountSpec::Denominations(values) => format!(
                r#"{{"type":"denominations","values":[{}]}}"#,
                values.iter().map(|v| m(*v)).collect::<Vec<_>>().join(",")
            ),
            AmountSpec::Range { min, step, steps } => format!(
                r#"{{"type":"range","min":{},"max":{},"step":{}}}"#,
                m(*min),
                steps.map_or("null".to_owned(), |k| m(min + k * step)),
                m(*step)
            ),
        };
        let opt = |v: Option<i64>| v.map_or("null".to_owned(), m);
        format!(
            r#"{{"id":"p{index}","name":"Product {index}","kind":"{}","currency":"{}",
            "amount":{amount},
            "fee":{{"fixed":{},"percent":"{}","minimum":{},"maximum":{},"rounding":"{}"}},
            "eta":{{"typical_seconds":{},"worst_seconds":{}}},
            "limits":{{"per_day_count":{},"per_day_sum":{}}}}}"#,
            serde_json::to_value(self.kind)
                .expect("kind")
                .as_str()
                .expect("text"),
            self.currency,
            m(self.fixed),
            self.percent,
            opt(self.fee_min),
            opt(self.fee_max),
            self.rounding,
            index * 60,
            index * 60 + 600,
            self.count.map_or("null".to_owned(), |c| c.to_string()),
            opt(self.sum),
        )
    }
}

pub fn catalog(specs: &[ProductSpec]) -> Catalog {
    let products: Vec<String> = specs.iter().enumerate().map(|(i, s)| s.json(i)).collect();
    Catalog::parse(&crate::support::catalog_json(&products.join(",")))
        .expect("generated catalogs are valid")
}

pub fn kind_strategy() -> impl Strategy<Value = ProductKind> {
    prop::sample::select(ProductKind::ALL.to_vec())
}

/// Products in `currency` whose amounts are multiples of `unit` minor units, at least
/// `smallest` units large.
pub fn product_strategy(
    currency: &'static str,
    unit: i64,
    steps: Vec<i64>,
) -> impl Strategy<Value = ProductSpec> {
    let amount = prop_oneof![
        prop::collection::btree_set(1i64..=12, 1..=3).prop_map(move |set: BTreeSet<i64>| {
            AmountSpec::Denominations(set.into_iter().map(|v| v * unit).collect())
        }),
        (
            1i64..=8,
            prop::sample::select(steps),
            prop::option::of(0i64..=30)
        )
            .prop_map(move |(min, step, steps)| AmountSpec::Range {
                min: min * unit,
                step,
                steps
            }),
    ];
    (
        kind_strategy(),
        amount,
        prop_oneof![Just(0i64), 0i64..=unit],
        prop::sample::select(vec!["0", "0", "1", "2.5", "10"]),
        prop::option::of(0i64..=unit / 2),
        prop::option::of(unit / 2..=unit * 2),
        prop::sample::select(vec!["half_up", "half_even", "floor", "ceiling"]),
        prop::option::of(1u32..=4),
        prop::option::of(1i64..=30),
    )
        .prop_map(
            move |(kind, amount, fixed, percent, fee_min, fee_max, rounding, count, sum)| {
                ProductSpec {
                    kind,
                    currency,
                    amount,
                    fixed,
                    percent,
                    fee_min,
                    fee_max,
                    rounding,
                    count,
                    sum: sum.map(|s| s * unit),
                }
            },
        )
}

/// Preferences over the generated products: none, or a shuffled mix of ids and kinds.
pub fn preferences_strategy(products: usize) -> impl Strategy<Value = Vec<Preference>> {
    prop_oneof![
        Just(Vec::new()),
        prop::collection::vec(
            prop_oneof![
                (0..products)
                    .prop_map(|i| Preference::Product(crate::support::id(&format!("p{i}")))),
                kind_strategy().prop_map(Preference::Kind),
            ],
            1..=3
        ),
    ]
}

/// The objective vector the planner maximises, recomputed from a plan (single currency).
pub fn score(plan: &Plan, objective: Objective, groups: usize) -> Vec<i64> {
    let mut v = vec![
        0i64;
        groups
            + if objective == Objective::LeastFees {
                3
            } else {
                2
            }
    ];
    let last = v.len() - 1;
    for leg in &plan.legs {
        for r in &leg.redemptions {
            add(
                &mut v,
                objective,
                groups,
                leg.preference_rank,
                r.net.to_minor().expect("fits"),
                r.fee.to_minor().expect("fits"),
            );
            v[last] -= 1;
        }
    }
    v
}

fn add(v: &mut [i64], objective: Objective, groups: usize, group: usize, net: i64, fee: i64) {
    match objective {
        Objective::FirstPreference => {
            v[group] += net;
            v[groups] -= fee;
        }
        Objective::LeastFees => {
            v[0] += net;
            v[1] -= fee;
            v[2 + group] += net;
        }
    }
}

/// (debit, net, fee, count) of one way to use a product.
type Usage = (i64, i64, i64, i64);
/// A product's group and its usages.
type Options = Vec<(usize, Vec<Usage>)>;

/// Every way one product can be used within `budget`: (debit, net, fee, count) per option.
fn usages(p: &Product, budget: i64) -> Vec<(i64, i64, i64, i64)> {
    let c = p.currency();
    let fee = |net: i64| {
        p.fee_rule()
            .fee_for(Money::from_minor(net, c))
            .expect("fee")
            .to_minor()
            .expect("fits")
    };
    let limits = p.limits();
    let sum_limit = limits
        .per_day_sum
        .map(|s| s.to_minor().expect("fits"))
        .unwrap_or(i64::MAX);
    let count_limit = limits.per_day_count.map_or(i64::MAX, i64::from);
    let mut out = vec![(0, 0, 0, 0)];
    match p.amount_rule() {
        AmountRule::Range { min, max, step } => {
            let (lo, st) = (
                min.to_minor().expect("fits"),
                step.to_minor().expect("fits"),
            );
            let hi = max
                .map_or(i64::MAX, |m| m.to_minor().expect("fits"))
                .min(sum_limit);
            let mut a = lo;
            while a <= hi && a <= budget {
                let f = fee(a);
                if a + f <= budget {
                    out.push((a + f, a, f, 1));
                }
                a += st;
            }
        }
        AmountRule::Denominations(values) => {
            let units: Vec<(i64, i64)> = values
                .iter()
                .map(|v| {
                    let n = v.to_minor().expect("fits");
                    (n, fee(n))
                })
                .collect();
            // Multisets in non-increasing unit index order, depth-first.
            fn walk(
                units: &[(i64, i64)],
                from: usize,
                acc: (i64, i64, i64, i64),
                budget: i64,
                sum_limit: i64,
                count_limit: i64,
                out: &mut Vec<(i64, i64, i64, i64)>,
            ) {
                for i in from..units.len() {
                    let (n, f) = units[i];
                    let next = (acc.0 + n + f, acc.1 + n, acc.2 + f, acc.3 + 1);
                    if next.0 <= budget && next.1 <= sum_limit && next.3 <= count_limit {
                        out.push(next);
                        walk(units, i, next, budget, sum_limit, count_limit, out);
                    }
                }
            }
            walk(
                &units,
                0,
                (0, 0, 0, 0),
                budget,
                sum_limit,
                count_limit,
                &mut out,
            );
        }
    }
    out
}

/// The best objective vector over every combination of usages (brute force).
pub fn best_score(
    catalog: &Catalog,
    groups_of: &[Option<usize>],
    objective: Objective,
    groups: usize,
    budget: i64,
) -> Vec<i64> {
    let options: Options = catalog
        .products()
        .iter()
        .zip(groups_of)
        .filter_map(|(p, g)| g.map(|g| (g, usages(p, budget))))
        .collect();
    let len = groups
        + if objective == Objective::LeastFees {
            3
        } else {
            2
        };
    let mut best = vec![0i64; len];
    best[len - 1] = 0;
    fn dfs(
        options: &[(usize, Vec<Usage>)],
        at: usize,
        left: i64,
        v: &mut Vec<i64>,
        best: &mut Vec<i64>,
        objective: Objective,
        groups: usize,
    ) {
        if at == options.len() {
            if *v > *best {
                best.clone_from(v);
            }
            return;
        }
        let (group, usages) = &options[at];
        for &(debit, net, fee, count) in usages {
            if debit > left {
                continue;
            }
            let saved = v.clone();
            add(v, objective, groups, *group, net, fee);
            let last = v.len() - 1;
            v[last] -= count;
            dfs(options, at + 1, left - debit, v, best, objective, groups);
            *v = saved;
        }
    }
    let mut v = vec![0i64; len];
    dfs(&options, 0, budget, &mut v, &mut best, objective, groups);
    best
}

/// Each product's group under the planner's rule (first matching preference).
pub fn groups_of(catalog: &Catalog, preferences: &[Preference]) -> Vec<Option<usize>> {
    catalog
        .products()
        .iter()
        .map(|p| {
            if preferences.is_empty() {
                return Some(0);
            }
            preferences.iter().position(|pref| match pref {
                Preference::Kind(k) => p.kind() == *k,
                Preference::Product(id) => p.id() == id,
            })
        })
        .collect()
}
