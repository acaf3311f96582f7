//! Stranded value: what no product could take, why, and the smallest change that frees it.
//!
//! Decision: the unlock is stated in the one unit the user controls, more balance ("₩200 more
//! and this becomes a ₩1,500 transit credit"). For a range product already in the plan it is
//! the step to its next amount; otherwise it is the cheapest single redemption that the
//! remainder plus the extra pays exactly. Limits are respected: a product whose per-day limit
//! is used up is blocked by that limit and offers no unlock.

use crate::amount_rule::AmountRule;
use crate::error::PlanError;
use crate::plan::{Leg, LimitKind, ProductBlock, Stranded, StrandedReason, Unlock};
use crate::planner::Candidate;
use std::collections::BTreeMap;
use tipvault_money::Money;

pub(crate) fn explain(
    rest: Money,
    candidates: &[Candidate<'_>],
    legs: &[(usize, usize, Leg)],
    usage: &BTreeMap<usize, (u32, i64)>,
) -> Result<Stranded, PlanError> {
    let pool = rest.currency();
    let r = rest.to_minor()?;
    let mut ordered: Vec<&Candidate<'_>> = candidates.iter().collect();
    ordered.sort_by_key(|c| (c.group, c.index));
    let mut blocked_by = Vec::new();
    let mut unlock: Option<Unlock> = None;
    let mut offer = |u: Unlock| {
        if unlock
            .as_ref()
            .is_none_or(|best| u.more.to_minor_i128() < best.more.to_minor_i128())
        {
            unlock = Some(u);
        }
    };
    for c in ordered {
        let product = c.product;
        let block = |reason| ProductBlock {
            product_id: product.id().clone(),
            kind: product.kind(),
            reason,
        };
        if c.unreachable {
            blocked_by.push(block(StrandedReason::NoRate {
                from: pool,
                to: product.currency(),
            }));
            continue;
        }
        let (used_count, used_sum) = usage.get(&c.index).copied().unwrap_or((0, 0));
        let limits = product.limits();
        let count_left = limits.per_day_count.map(|n| n.saturating_sub(used_count));
        let sum_left = limits
            .per_day_sum
            .map(|s| s.to_minor().map(|m| m - used_sum))
            .transpose()?;
        let debit =
            |net: i64| -> Result<i64, PlanError> { Ok(c.redemption(net, pool)?.debit.to_minor()?) };
        let leg = legs
            .iter()
            .find(|(_, index, _)| *index == c.index)
            .map(|(_, _, leg)| leg);
        match product.amount_rule() {
            rule @ AmountRule::Range { min, max, step } => {
                if let Some(leg) = leg {
                    // Already in the plan: grow its one redemption.
                    let current = leg.net;
                    let within_sum = |next: Money| -> Result<bool, PlanError> {
                        Ok(sum_left.is_none_or(|s| {
                            next.to_minor()
                                .is_ok_and(|n| n - current.to_minor().unwrap_or(0) <= s)
                        }))
                    };
                    match rule.next_above(current) {
                        Some(next) if within_sum(next)? => {
                            blocked_by
                                .push(block(StrandedReason::NotAMultipleOfStep { step: *step }));
                            let more = debit(next.to_minor()?)? - leg.debit.to_minor()? - r;
                            if more > 0 {
                                offer(Unlock {
                                    more: Money::from_minor(more, pool),
                                    product_id: product.id().clone(),
                                    kind: product.kind(),
                                    becomes: next,
                                });
                            }
                        }
                        Some(_) => blocked_by.push(block(StrandedReason::OverLimit {
                            limit: LimitKind::Sum,
                        })),
                        None => blocked_by.push(block(StrandedReason::AboveMaximum {
                            maximum: max.unwrap_or(current),
                        })),
                    }
                    continue;
                }
                if count_left == Some(0) {
                    blocked_by.push(block(StrandedReason::OverLimit {
                        limit: LimitKind::Count,
                    }));
                    continue;
                }
                let lo = min.to_minor()?;
                if sum_left.is_some_and(|s| s < lo) {
                    blocked_by.push(block(StrandedReason::OverLimit {
                        limit: LimitKind::Sum,
                    }));
                    continue;
                }
                let need = debit(lo)?;
                if need > r {
                    blocked_by.push(block(StrandedReason::BelowMinimum { minimum: *min }));
                    offer(Unlock {
                        more: Money::from_minor(need - r, pool),
                        product_id: product.id().clone(),
                        kind: product.kind(),
                        becomes: *min,
                    });
                }
            }
            AmountRule::Denominations(values) => {
                if count_left == Some(0) {
                    blocked_by.push(block(StrandedReason::OverLimit {
                        limit: LimitKind::Count,
                    }));
                    continue;
                }
                let mut allowed = Vec::new();
                for v in values {
                    let net = v.to_minor()?;
                    if sum_left.is_none_or(|s| net <= s) {
                        allowed.push((*v, debit(net)?));
                    }
                }
                let Some(&(smallest, _)) = allowed.first() else {
                    blocked_by.push(block(StrandedReason::OverLimit {
                        limit: LimitKind::Sum,
                    }));
                    continue;
                };
                if allowed.iter().all(|(_, d)| *d > r) {
                    blocked_by.push(block(StrandedReason::NoDenominationFits { smallest }));
                    if let Some((value, d)) = allowed.iter().min_by_key(|(_, d)| *d) {
                        offer(Unlock {
                            more: Money::from_minor(d - r, pool),
                            product_id: product.id().clone(),
                            kind: product.kind(),
                            becomes: *value,
                        });
                    }
                }
            }
        }
    }
    Ok(Stranded {
        amount: rest,
        blocked_by,
        unlock,
    })
}
