//! The exact solver behind the planner: a knapsack over minor units of one currency pool.
//!
//! Decision: the planner never approximates. It maximises a *lexicographic vector* objective
//! (e.g. "net into preference 1, then preference 2, …, then least fees, then fewest
//! redemptions") by dynamic programming over the debit in minor units. Lexicographic order on
//! integer vectors is a total order compatible with addition, so the usual max-plus DP is exact
//! for it. To keep it small even for ₩10,000,000 balances, three exact reductions apply:
//!
//! 1. **GCD reduction**: every debit any option can have is a multiple of `g`, the GCD of all
//!    option debits (denominations + their fees, a range's first debit and its step), so the DP
//!    runs over `budget / g` states. ₩1,000/₩3,000 top-ups and ₩500-step transit credit give
//!    `g = 500`: 20,000 states for ₩10,000,000.
//! 2. **Effective budget**: the DP stops at the largest total any combination can reach (the sum
//!    of each product's largest option, after per-day limits); nothing above it is reachable.
//! 3. **One absorber**: one range product (the one with the most amounts) is left out of the DP.
//!    Whatever the other products take, the best use of the leftover for a single range
//!    redemption is the largest amount that fits (its net comes before its fee in every
//!    objective, and `amount + fee` is increasing), found by a closed form or a binary search,
//!    and added at the end for every DP state. A ₩1-step donation therefore costs nothing in
//!    state count.
//!
//! Range products with a flat fee are one arithmetic progression of debits, so their transition
//! uses a sliding-window maximum (monotone deque per residue class), linear in the states.
//!
//! Three more exact reductions keep the DP's unit coarse (the planner prunes options before
//! calling in, see `planner::prune_by_fee_bound`, `prune_by_sink`, `periodic_budget`):
//!
//! 4. **Outer choices**: a few choice items whose debits break the GCD (a ₩5,125 gift card among
//!    ₩100-step ranges) are enumerated around the DP instead of inside it: every combination
//!    of their options (Pareto-pruned by debit and value), then every DP state, then the
//!    absorber on what is left. Chosen only when the estimated work drops.
//! 5. **Tail unit**: one unlimited unit (a ₩2,000 top-up with a ₩40 fee) kept out of the DP;
//!    for each state, as many copies as fit is best, as each copy adds value first.
//! 6. **Packed vectors**: objective vectors are packed three components per `i128` (every
//!    component is bounded by the budget), so a transition is one `i128` add and compare.
//!
//! If, after all that, the states or work would exceed the caps, [`solve`] returns
//! [`PlanError::TooComplex`]: a slower exact answer or an honest refusal, never a guess.

use crate::error::PlanError;
use crate::plan::Objective;
use std::collections::VecDeque;

/// Most DP states (each holds one objective vector).
pub(crate) const STATE_CAP: u64 = 4_000_000;
/// Most `states × products` (one `u32` back-pointer each: 160 MB at the cap).
pub(crate) const CHOICE_CAP: u64 = 40_000_000;
/// Most `states × options` transitions.
pub(crate) const WORK_CAP: u64 = 400_000_000;

/// Where each kind of contribution sits in the objective vector.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub groups: usize,
    pub objective: Objective,
}

impl Layout {
    pub(crate) fn len(self) -> usize {
        match self.objective {
            Objective::FirstPreference => self.groups + 2,
            Objective::LeastFees => self.groups + 3,
        }
    }

    /// Adds one option's contribution to `out`.
    pub(crate) fn add(self, out: &mut [i64], net: i64, fee: i64, group: usize, count: i64) {
        let last = self.len() - 1;
        match self.objective {
            Objective::FirstPreference => {
                out[group] += net;
                out[self.groups] -= fee;
            }
            Objective::LeastFees => {
                out[0] += net;
                out[1] -= fee;
                out[2 + group] += net;
            }
        }
        out[last] -= count;
    }

    fn net_positions(self, group: usize) -> [Option<usize>; 2] {
        match self.objective {
            Objective::FirstPreference => [Some(group), None],
            Objective::LeastFees => [Some(0), Some(2 + group)],
        }
    }
}

/// One way a product can be used, in minor units of the pool's currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Opt {
    /// What leaves the balance.
    pub debit: i64,
    /// The value that arrives, in pool units (equal to `debit - fee` for the pool's currency).
    pub net: i64,
    /// Redemptions it takes.
    pub count: i64,
}

/// The shape of a product's options in the DP.
#[derive(Debug, Clone)]
pub(crate) enum Shape {
    /// At most one of these (a product's frontier of totals, or a range's amounts).
    Choice(Vec<Opt>),
    /// Any number of each (denominations without limits).
    Unbounded(Vec<Opt>),
    /// One redemption of debit `first + j·step` for `j < n`, always with the same `fee`.
    Affine {
        first: i64,
        step: i64,
        n: i64,
        fee: i64,
    },
}

/// A product in the DP.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub group: usize,
    pub shape: Shape,
}

/// The range product kept out of the DP: one redemption, option `j < n`.
pub(crate) struct Absorber<'a> {
    pub group: usize,
    pub n: i64,
    /// Option `j` (debit and value both non-decreasing in `j`).
    pub eval: &'a dyn Fn(i64) -> Result<Opt, PlanError>,
    /// `Some((lo, step, fee))` when option `j` is net `lo + j·step` with the same fee `fee` in
    /// the pool's currency: then the best option has a closed form.
    pub flat: Option<(i64, i64, i64)>,
}

impl Absorber<'_> {
    /// Closed form for a flat fee: the largest `j` whose debit fits in `leftover`.
    fn flat_best(&self, leftover: i64) -> Option<(i64, Opt)> {
        let (lo, step, fee) = self.flat?;
        let room = leftover - fee - lo;
        if room < 0 {
            return None;
        }
        let j = (room / step).min(self.n - 1);
        let net = lo + j * step;
        Some((
            j,
            Opt {
                debit: net + fee,
                net,
                count: 1,
            },
        ))
    }

    /// The absorber's best option for every state, `leftover = budget - x·g`.
    ///
    /// The best option for a leftover is the one with the most value among those that fit,
    /// and among equal values the cheapest: the largest fitting `j` gives the most value `v`
    /// (value is non-decreasing in `j`), and the smallest `j` reaching `v` is the cheapest
    /// (debit is non-decreasing in `j`). Both indices only grow as the leftover grows, so one
    /// pass over the states with two pointers evaluates each option at most twice.
    fn answers(
        &self,
        n_states: usize,
        budget: i64,
        g: i64,
    ) -> Result<Vec<Option<(i64, Opt)>>, PlanError> {
        self.answers_by(n_states, budget, g, self.eval)
    }

    /// [`Absorber::answers`] with option `j` given by `eval` (a table, when the pass repeats).
    fn answers_by(
        &self,
        n_states: usize,
        budget: i64,
        g: i64,
        eval: &dyn Fn(i64) -> Result<Opt, PlanError>,
    ) -> Result<Vec<Option<(i64, Opt)>>, PlanError> {
        let mut out = vec![None; n_states];
        if self.flat.is_some() {
            for (x, slot) in out.iter_mut().enumerate() {
                *slot = self.flat_best(budget - x as i64 * g);
            }
            return Ok(out);
        }
        let mut j_max: i64 = -1;
        let mut at_max: Option<Opt> = None;
        let mut next = if self.n > 0 { Some(eval(0)?) } else { None };
        let mut j_star: i64 = 0;
        let mut at_star: Option<Opt> = None;
        for x in (0..n_states).rev() {
            let leftover = budget - x as i64 * g;
            while let Some(candidate) = next {
                if candidate.debit > leftover {
                    break;
                }
                j_max += 1;
                at_max = Some(candidate);
                next = if j_max + 1 < self.n {
                    Some(eval(j_max + 1)?)
                } else {
                    None
                };
            }
            let Some(top) = at_max else { continue };
            let mut star = match at_star {
                Some(o) => o,
                None => eval(j_star)?,
            };
            while star.net < top.net && j_star < j_max {
                j_star += 1;
                star = eval(j_star)?;
            }
            at_star = Some(star);
            out[x] = Some((j_star, star));
        }
        Ok(out)
    }
}

/// What the solver picked for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pick {
    None,
    /// Index into `Shape::Choice`.
    Choice(usize),
    /// Count of each unit of `Shape::Unbounded`.
    Units(Vec<u64>),
    /// `j` of `Shape::Affine`.
    Affine(i64),
}

/// The optimum.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub picks: Vec<Pick>,
    /// `(j, option)` of the absorber, if used.
    pub absorber: Option<(i64, Opt)>,
}

/// The greatest common divisor (non-negative): the unit a set of debits moves in (here and in
/// the planner's per-product totals).
pub(crate) fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// The DP's unit (GCD of every debit that can occur), its states (up to the effective budget:
/// the most any combination can reach) and the options per state.
fn size(items: &[Item], budget: i64) -> (i64, u64, u64) {
    let mut g = 0i64;
    let mut reach_cap: i64 = 0;
    let mut work: u64 = 0;
    for item in items {
        match &item.shape {
            Shape::Choice(opts) | Shape::Unbounded(opts) => {
                for o in opts {
                    g = gcd(g, o.debit);
                }
                let top = match &item.shape {
                    Shape::Unbounded(_) => budget,
                    _ => opts.iter().map(|o| o.debit).max().unwrap_or(0),
                };
                reach_cap = reach_cap.saturating_add(top);
                work = work.saturating_add(opts.len() as u64);
            }
            Shape::Affine { first, step, n, .. } => {
                g = gcd(g, *first);
                if *n > 1 {
                    g = gcd(g, *step);
                }
                reach_cap = reach_cap.saturating_add(first + (n - 1) * step);
                work = work.saturating_add(2);
            }
        }
    }
    let g = g.max(1);
    let x_max = (budget.min(reach_cap).max(0) / g) as u64;
    (g, x_max + 1, work)
}

/// The caps on states, back-pointers and transitions.
fn check_caps(states: u64, items: u64, work: u64) -> Result<(), PlanError> {
    if states > STATE_CAP {
        return Err(PlanError::TooComplex {
            states,
            cap: STATE_CAP,
        });
    }
    if states.saturating_mul(items) > CHOICE_CAP {
        return Err(PlanError::TooComplex {
            states: states.saturating_mul(items),
            cap: CHOICE_CAP,
        });
    }
    if states.saturating_mul(work) > WORK_CAP {
        return Err(PlanError::TooComplex {
            states: states.saturating_mul(work),
            cap: WORK_CAP,
        });
    }
    Ok(())
}

/// Maximises the layout's objective over all combinations whose total debit is `<= budget`.
pub(crate) fn solve(
    layout: Layout,
    items: &[Item],
    absorber: Option<&Absorber<'_>>,
    budget: i64,
) -> Result<Solution, PlanError> {
    let k = layout.len();
    // The packed solver (with its own sizing, after taking some items out of the DP).
    if !GENERIC_ONLY.with(|f| f.get()) && budget < PACK_LIMIT && k <= 9 {
        if let Some(solution) = solve_with_tail(layout, items, absorber, budget)? {
            return Ok(solution);
        }
        let (outer, _) = outer_items(items, absorber, budget);
        return Ok(packed(layout, items, &outer, absorber, None, budget)?.0);
    }
    // 1. GCD of every debit that can occur; 2. effective budget.
    let (g, states, work) = size(items, budget);
    check_caps(states, items.len() as u64, work)?;
    let n_states = states as usize;
    let mut best = vec![0i64; n_states * k];
    let mut reach = vec![false; n_states];
    reach[0] = true;
    let mut choices: Vec<Vec<u32>> = Vec::with_capacity(items.len());
    let mut cand = vec![0i64; k];

    for item in items {
        let mut choice = vec![0u32; n_states];
        match &item.shape {
            Shape::Choice(opts) => {
                // Descending in place: x - w < x is still the value before this item.
                for x in (0..n_states).rev() {
                    for (index, o) in opts.iter().enumerate() {
                        let w = (o.debit / g) as usize;
                        if w > x || !reach[x - w] {
                            continue;
                        }
                        cand.copy_from_slice(&best[(x - w) * k..(x - w + 1) * k]);
                        layout.add(&mut cand, o.net, o.debit - o.net, item.group, o.count);
                        if !reach[x] || cand.as_slice() > &best[x * k..(x + 1) * k] {
                            best[x * k..(x + 1) * k].copy_from_slice(&cand);
                            reach[x] = true;
                            choice[x] = index as u32 + 1;
                        }
                    }
                }
            }
            Shape::Unbounded(opts) => {
                // Ascending in place: x - w may already hold units of this item.
                for x in 0..n_states {
                    for (index, o) in opts.iter().enumerate() {
                        let w = (o.debit / g) as usize;
                        if w > x || !reach[x - w] {
                            continue;
                        }
                        cand.copy_from_slice(&best[(x - w) * k..(x - w + 1) * k]);
                        layout.add(&mut cand, o.net, o.debit - o.net, item.group, o.count);
                        if !reach[x] || cand.as_slice() > &best[x * k..(x + 1) * k] {
                            best[x * k..(x + 1) * k].copy_from_slice(&cand);
                            reach[x] = true;
                            choice[x] = index as u32 + 1;
                        }
                    }
                }
            }
            Shape::Affine {
                first,
                step,
                n,
                fee,
            } => {
                affine(
                    layout,
                    item.group,
                    (*first, *step, *n, *fee),
                    g,
                    &mut best,
                    &mut reach,
                    &mut choice,
                );
            }
        }
        choices.push(choice);
    }

    // Finalise: every reachable state, plus the absorber on what is left.
    let answers = match absorber {
        Some(abs) => abs.answers(n_states, budget, g)?,
        None => vec![None; n_states],
    };
    let mut top: Option<(usize, Option<(i64, Opt)>)> = None;
    let mut top_value = vec![0i64; k];
    for x in 0..n_states {
        if !reach[x] {
            continue;
        }
        cand.copy_from_slice(&best[x * k..(x + 1) * k]);
        let mut used = None;
        if let (Some(abs), Some((j, o))) = (absorber, answers[x]) {
            layout.add(&mut cand, o.net, o.debit - o.net, abs.group, 1);
            used = Some((j, o));
        }
        if top.is_none() || cand > top_value {
            top_value.copy_from_slice(&cand);
            top = Some((x, used));
        }
    }
    let (x, absorber_pick) = top.unwrap_or((0, None));

    let picks = walk_back(items, &choices, g, x);
    Ok(Solution {
        picks,
        absorber: absorber_pick,
    })
}

/// The picks that lead to state `x`, read back from the per-item choices.
fn walk_back(items: &[Item], choices: &[Vec<u32>], g: i64, mut x: usize) -> Vec<Pick> {
    let mut picks = vec![Pick::None; items.len()];
    for (index, item) in items.iter().enumerate().rev() {
        let choice = &choices[index];
        match &item.shape {
            Shape::Choice(opts) => {
                if choice[x] > 0 {
                    let o = choice[x] as usize - 1;
                    picks[index] = Pick::Choice(o);
                    x -= (opts[o].debit / g) as usize;
                }
            }
            Shape::Unbounded(opts) => {
                let mut counts = vec![0u64; opts.len()];
                while choice[x] > 0 {
                    let o = choice[x] as usize - 1;
                    counts[o] += 1;
                    x -= (opts[o].debit / g) as usize;
                }
                if counts.iter().any(|&c| c > 0) {
                    picks[index] = Pick::Units(counts);
                }
            }
            Shape::Affine { first, step, .. } => {
                if choice[x] > 0 {
                    let j = i64::from(choice[x]) - 1;
                    picks[index] = Pick::Affine(j);
                    x -= ((first + j * step) / g) as usize;
                }
            }
        }
    }
    debug_assert_eq!(x, 0, "the walk back must end at the empty plan");
    picks
}

/// One range product with a flat fee: `new[x] = max(old[x], max_j old[x - w_j] + v_j)` with
/// `w_j = w0 + j·t`. Because `v_j` is affine in `w_j`, the inner max is a sliding-window
/// maximum of `old[y] - y·g·E` over `y ≡ x - w0 (mod t)`, done with a monotone deque.
#[allow(clippy::too_many_arguments)]
fn affine(
    layout: Layout,
    group: usize,
    (first, step, n, fee): (i64, i64, i64, i64),
    g: i64,
    best: &mut [i64],
    reach: &mut [bool],
    choice: &mut [u32],
) {
    let k = layout.len();
    let n_states = reach.len();
    let w0 = (first / g) as usize;
    let t = ((step / g) as usize).max(1);
    let span = (n.max(1) as usize - 1) * t; // w_last - w0
    let positions = layout.net_positions(group);
    let old = best.to_vec();
    let old_reach = reach.to_vec();
    // key(y) = old[y] - y·g on the net positions; compared lexicographically.
    let key_cmp = |a: usize, b: usize| -> std::cmp::Ordering {
        for i in 0..k {
            let adjust = positions.contains(&Some(i));
            let ka = old[a * k + i] - if adjust { a as i64 * g } else { 0 };
            let kb = old[b * k + i] - if adjust { b as i64 * g } else { 0 };
            match ka.cmp(&kb) {
                std::cmp::Ordering::Equal => continue,
                other => return other,
            }
        }
        std::cmp::Ordering::Equal
    };
    let mut cand = vec![0i64; k];
    let mut deque: VecDeque<usize> = VecDeque::new();
    for residue in 0..t.min(n_states) {
        deque.clear();
        let mut x = residue;
        while x < n_states {
            if x >= w0 {
                let y_new = x - w0;
                if old_reach[y_new] {
                    while let Some(&back) = deque.back() {
                        if key_cmp(back, y_new).is_le() {
                            deque.pop_back();
                        } else {
                            break;
                        }
                    }
                    deque.push_back(y_new);
                }
                while let Some(&front) = deque.front() {
                    if front + w0 + span < x {
                        deque.pop_front();
                    } else {
                        break;
                    }
                }
                if let Some(&y) = deque.front() {
                    cand.copy_from_slice(&old[y * k..(y + 1) * k]);
                    let debit = (x - y) as i64 * g;
                    layout.add(&mut cand, debit - fee, fee, group, 1);
                    if !reach[x] || cand.as_slice() > &best[x * k..(x + 1) * k] {
                        best[x * k..(x + 1) * k].copy_from_slice(&cand);
                        reach[x] = true;
                        choice[x] = ((x - y - w0) / t) as u32 + 1;
                    }
                }
            }
            x += t;
        }
    }
}

/// Budgets below this use the packed solver (every component of an objective vector, and
/// every difference of two, then fits in [`PACK_SHIFT`] − 1 bits).
const PACK_LIMIT: i64 = 1 << 39;
/// Most options of a non-flat absorber evaluated into a table for repeated passes.
const TABLE_CAP: i64 = 1_000_000;
/// Bits per component in a packed objective vector: three components per `i128`.
const PACK_SHIFT: u32 = 42;

thread_local! {
    /// Tests set this to check the packed solver against the generic one.
    static GENERIC_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with the packed solver switched off (tests only).
#[cfg(test)]
pub(crate) fn with_generic_solver<T>(f: impl FnOnce() -> T) -> T {
    GENERIC_ONLY.with(|flag| flag.set(true));
    let out = f();
    GENERIC_ONLY.with(|flag| flag.set(false));
    out
}

/// An objective vector packed three components per `i128`: `((v0·R) + v1)·R + v2` with
/// `R = 2^42`. Packing is linear, so sums of vectors are sums of packs; and as long as every
/// component difference is below `R/2` (every component is bounded by the budget, `< 2^39`,
/// so differences are below `2^40`), comparing packs (then the next `i128`) is exactly the
/// lexicographic comparison of the vectors. One `i128` compare replaces a loop over the
/// vector, which is what makes the inner loop of the DP cheap.
type Packed<const M: usize> = [i128; M];

fn pack<const M: usize>(v: &[i64]) -> Packed<M> {
    let mut out = [0i128; M];
    for (chunk, slot) in out.iter_mut().enumerate() {
        let mut acc = 0i128;
        for i in 0..3 {
            acc = (acc << PACK_SHIFT) + i128::from(v.get(chunk * 3 + i).copied().unwrap_or(0));
        }
        *slot = acc;
    }
    out
}

#[inline(always)]
fn add_packed<const M: usize>(a: &Packed<M>, b: &Packed<M>) -> Packed<M> {
    let mut out = *a;
    for i in 0..M {
        out[i] += b[i];
    }
    out
}

/// An unreachable state: below every reachable value (those are above `-2^124`).
const UNREACHED: i128 = i128::MIN;

/// The packed option value of one contribution.
fn packed_value<const M: usize>(
    layout: Layout,
    net: i64,
    fee: i64,
    group: usize,
    count: i64,
) -> Packed<M> {
    // No allocation: this runs once per state in the final pass.
    let mut v = [0i64; 9];
    layout.add(&mut v[..layout.len()], net, fee, group, count);
    pack(&v[..layout.len()])
}

/// [`solve`] over packed objective vectors: the same DP, transitions and tie-breaks (strictly
/// better replaces, in the same order), so the same plan.
/// A unit kept out of the DP and added in closed form: given everything else, as many copies
/// as fit are best (each adds value first).
#[derive(Debug, Clone, Copy)]
struct Tail {
    unit: Opt,
    group: usize,
}

/// [`solve_packed`] for the layout's length; also returns the tail's copies.
fn packed(
    layout: Layout,
    items: &[Item],
    outer: &[usize],
    absorber: Option<&Absorber<'_>>,
    tail: Option<Tail>,
    budget: i64,
) -> Result<(Solution, i64), PlanError> {
    match layout.len() {
        0..=3 => solve_packed::<1>(layout, items, outer, absorber, tail, budget),
        4..=6 => solve_packed::<2>(layout, items, outer, absorber, tail, budget),
        _ => solve_packed::<3>(layout, items, outer, absorber, tail, budget),
    }
}

/// Exact closed form for one unlimited unit (a ₩2,000 top-up with a ₩40 fee among ₩100-step
/// products): kept out of the DP, it no longer forces the DP's unit down to the GCD of its
/// debit, and for each DP state the best number of copies is simply as many as fit. A flat
/// absorber then joins the DP as an ordinary range (both want the leftover). Used only when
/// the estimated work drops; `None` otherwise.
fn solve_with_tail(
    layout: Layout,
    items: &[Item],
    absorber: Option<&Absorber<'_>>,
    budget: i64,
) -> Result<Option<Solution>, PlanError> {
    if absorber.is_some_and(|a| a.flat.is_none()) {
        return Ok(None);
    }
    let (_, without) = outer_items(items, absorber, budget);
    let mut best: Option<(u64, usize, Vec<usize>)> = None;
    for (t, item) in items.iter().enumerate() {
        let Shape::Unbounded(units) = &item.shape else {
            continue;
        };
        if units.len() != 1 || units[0].net <= 0 {
            continue;
        }
        let rest = tail_items(items, t, absorber);
        let (outer, cost) = outer_items(&rest, None, budget);
        if cost < without && best.as_ref().is_none_or(|(c, _, _)| cost < *c) {
            best = Some((cost, t, outer));
        }
    }
    let Some((_, t, outer)) = best else {
        return Ok(None);
    };
    let rest = tail_items(items, t, absorber);
    let Shape::Unbounded(units) = &items[t].shape else {
        return Ok(None);
    };
    let tail = Tail {
        unit: units[0],
        group: items[t].group,
    };
    let (inner, copies) = packed(layout, &rest, &outer, None, Some(tail), budget)?;
    let mut picks = inner.picks.into_iter();
    let mut out = Vec::with_capacity(items.len());
    for i in 0..items.len() {
        if i == t {
            out.push(if copies > 0 {
                Pick::Units(vec![copies as u64])
            } else {
                Pick::None
            });
        } else {
            out.push(picks.next().unwrap_or(Pick::None));
        }
    }
    let absorber_pick = match (absorber.and_then(|a| a.flat), picks.next()) {
        (Some((lo, step, fee)), Some(Pick::Affine(j))) => {
            let net = lo + j * step;
            Some((
                j,
                Opt {
                    debit: net + fee,
                    net,
                    count: 1,
                },
            ))
        }
        _ => None,
    };
    Ok(Some(Solution {
        picks: out,
        absorber: absorber_pick,
    }))
}

/// `items` without item `t`, plus a flat absorber as a range item at the end.
fn tail_items(items: &[Item], t: usize, absorber: Option<&Absorber<'_>>) -> Vec<Item> {
    let mut rest: Vec<Item> = items
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != t)
        .map(|(_, item)| item.clone())
        .collect();
    if let Some(a) = absorber
        && let Some((lo, step, fee)) = a.flat
    {
        rest.push(Item {
            group: a.group,
            shape: Shape::Affine {
                first: lo + fee,
                step,
                n: a.n,
                fee,
            },
        });
    }
    rest
}

fn solve_packed<const M: usize>(
    layout: Layout,
    all_items: &[Item],
    outer: &[usize],
    absorber: Option<&Absorber<'_>>,
    tail: Option<Tail>,
    budget: i64,
) -> Result<(Solution, i64), PlanError> {
    let items: Vec<Item> = all_items
        .iter()
        .enumerate()
        .filter(|(i, _)| !outer.contains(i))
        .map(|(_, item)| item.clone())
        .collect();
    let items = &items[..];
    let (g, states, work) = size(items, budget);
    check_caps(states, items.len() as u64, work)?;
    let n_states = states as usize;
    let mut best: Vec<Packed<M>> = vec![[UNREACHED; M]; n_states];
    best[0] = [0; M];
    let mut choices: Vec<Vec<u32>> = Vec::with_capacity(items.len());
    let mut scratch: Vec<Packed<M>> = Vec::with_capacity(n_states);
    for item in items {
        let mut choice = vec![0u32; n_states];
        match &item.shape {
            Shape::Choice(opts) | Shape::Unbounded(opts) => {
                let moves: Vec<(usize, Packed<M>)> = opts
                    .iter()
                    .map(|o| {
                        (
                            (o.debit / g) as usize,
                            packed_value::<M>(layout, o.net, o.debit - o.net, item.group, o.count),
                        )
                    })
                    .collect();
                let unbounded = matches!(item.shape, Shape::Unbounded(_));
                // Choice: descending in place (x - w < x still holds the value before this
                // item). Unbounded: ascending (x - w may already hold units of this item).
                let mut visit = |x: usize| {
                    let mut top = best[x];
                    let mut pick = 0u32;
                    for (index, (w, v)) in moves.iter().enumerate() {
                        if *w > x {
                            continue;
                        }
                        let from = &best[x - *w];
                        if from[0] == UNREACHED {
                            continue;
                        }
                        let cand = add_packed(from, v);
                        if top[0] == UNREACHED || cand > top {
                            top = cand;
                            pick = index as u32 + 1;
                        }
                    }
                    if pick > 0 {
                        best[x] = top;
                        choice[x] = pick;
                    }
                };
                if unbounded {
                    (0..n_states).for_each(&mut visit);
                } else {
                    (0..n_states).rev().for_each(&mut visit);
                }
            }
            Shape::Affine {
                first,
                step,
                n,
                fee,
            } => affine_packed::<M>(
                layout,
                item.group,
                (*first, *step, *n, *fee),
                g,
                &mut best,
                &mut choice,
                &mut scratch,
            ),
        }
        choices.push(choice);
    }

    // Every combination of the outer items' options (none first), then every DP state, then
    // the absorber on what is left: exact, as each part is maximised given the others.
    let mut combos: Vec<(i64, Packed<M>, Vec<Option<usize>>)> = vec![(0, [0; M], Vec::new())];
    for &o in outer {
        let Shape::Choice(opts) = &all_items[o].shape else {
            return Err(PlanError::Internal {
                detail: "an outer item must be a choice",
            });
        };
        let mut next = Vec::with_capacity(combos.len() * (opts.len() + 1));
        for (debit, value, picks) in &combos {
            let mut none = picks.clone();
            none.push(None);
            next.push((*debit, *value, none));
            for (index, opt) in opts.iter().enumerate() {
                if debit + opt.debit > budget {
                    continue;
                }
                let v = packed_value::<M>(
                    layout,
                    opt.net,
                    opt.debit - opt.net,
                    all_items[o].group,
                    opt.count,
                );
                let mut with = picks.clone();
                with.push(Some(index));
                next.push((debit + opt.debit, add_packed(value, &v), with));
            }
        }
        combos = next;
    }
    // What the rest can add never decreases with what is left, so a combination that costs
    // no less and is worth no more than another is never needed: keep the Pareto frontier.
    combos.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
    let mut frontier: Vec<(i64, Packed<M>, Vec<Option<usize>>)> = Vec::new();
    for combo in combos {
        if frontier.last().is_none_or(|last| combo.1 > last.1) {
            frontier.push(combo);
        }
    }
    let mut combos = frontier;
    type Top = (usize, usize, Option<(i64, Opt)>); // combo, state, absorber
    let mut top: Option<Top> = None;
    let mut top_value = [UNREACHED; M];
    let tail_value: Option<(i64, Packed<M>)> = tail.map(|t| {
        (
            t.unit.debit,
            packed_value::<M>(
                layout,
                t.unit.net,
                t.unit.debit - t.unit.net,
                t.group,
                t.unit.count,
            ),
        )
    });
    let mut answers: Vec<Option<(i64, Opt)>> = Vec::new();
    // Several combinations re-run a non-flat absorber's pass: evaluate its options once.
    let table: Option<Vec<Opt>> = match absorber {
        Some(abs) if abs.flat.is_none() && combos.len() > 1 && abs.n <= TABLE_CAP => {
            Some((0..abs.n).map(abs.eval).collect::<Result<_, _>>()?)
        }
        _ => None,
    };
    for (c, (debit, value, _)) in combos.iter().enumerate() {
        let left = budget - debit;
        // A flat absorber is evaluated in closed form per state; otherwise its two-pointer
        // pass runs once per combination, into one reused buffer.
        if let Some(abs) = absorber.filter(|a| a.flat.is_none()) {
            answers = match &table {
                Some(table) => abs.answers_by(n_states, left, g, &|j: i64| {
                    table.get(j as usize).copied().ok_or(PlanError::Internal {
                        detail: "absorber table index out of range",
                    })
                })?,
                None => abs.answers(n_states, left, g)?,
            };
        }
        let last = ((left / g) as usize).min(n_states - 1);
        for x in 0..=last {
            if best[x][0] == UNREACHED {
                continue;
            }
            let mut cand = add_packed(&best[x], value);
            if let Some((w, v)) = &tail_value {
                let copies = (left - x as i64 * g) / w;
                for i in 0..M {
                    cand[i] += v[i] * i128::from(copies);
                }
            }
            let mut used = None;
            let answer = match absorber {
                Some(abs) if abs.flat.is_some() => abs.flat_best(left - x as i64 * g),
                Some(_) => answers[x],
                None => None,
            };
            if let (Some(abs), Some((j, o))) = (absorber, answer) {
                let v = packed_value::<M>(layout, o.net, o.debit - o.net, abs.group, 1);
                cand = add_packed(&cand, &v);
                used = Some((j, o));
            }
            if top.is_none() || cand > top_value {
                top_value = cand;
                top = Some((c, x, used));
            }
        }
    }
    let (c, x, absorber_pick) = top.unwrap_or((0, 0, None));
    let copies = match tail {
        Some(t) => (budget - combos[c].0 - x as i64 * g) / t.unit.debit,
        None => 0,
    };
    let mut inner = walk_back(items, &choices, g, x).into_iter();
    let mut outer_picks = combos.swap_remove(c).2.into_iter();
    let picks = (0..all_items.len())
        .map(|i| {
            if outer.contains(&i) {
                match outer_picks.next().flatten() {
                    Some(index) => Pick::Choice(index),
                    None => Pick::None,
                }
            } else {
                inner.next().unwrap_or(Pick::None)
            }
        })
        .collect();
    Ok((
        Solution {
            picks,
            absorber: absorber_pick,
        },
        copies,
    ))
}

/// Choice items (few options) worth taking out of the DP: their options are enumerated
/// around it instead, as combinations, when that raises the GCD of the remaining debits
/// enough to pay for the extra final passes (a ₩5,125 gift card with a 2.5% fee among
/// ₩100-step products would otherwise make every ₩5 a state).
fn outer_items(items: &[Item], absorber: Option<&Absorber<'_>>, budget: i64) -> (Vec<usize>, u64) {
    const COMBO_CAP: u64 = 512;
    // A closed-form absorber costs nothing per state. Otherwise, with several combinations,
    // its options are evaluated once into a table (an exact money evaluation each, weighted as
    // 30 transitions) and each combination re-runs its two pointers over the table.
    let (abs_work, abs_once) = absorber.map_or((0, 0), |a| {
        if a.flat.is_some() {
            (0, 0)
        } else if a.n as u64 <= TABLE_CAP as u64 {
            (2 * a.n as u64, 30 * a.n as u64)
        } else {
            (60 * a.n as u64, 0)
        }
    });
    let cost = |outer: &[usize], combos: u64| -> u64 {
        let inner: Vec<Item> = items
            .iter()
            .enumerate()
            .filter(|(i, _)| !outer.contains(i))
            .map(|(_, item)| item.clone())
            .collect();
        let (_, states, work) = size(&inner, budget);
        // A final-pass state (absorber, tail, compare) costs about four DP transitions.
        let once = if combos > 1 { abs_once } else { 0 };
        states
            .saturating_mul(work.max(1))
            .saturating_add(
                combos.saturating_mul(states.saturating_mul(4).saturating_add(abs_work)),
            )
            .saturating_add(once)
    };
    let mut outer: Vec<usize> = Vec::new();
    let mut combos = 1u64;
    let mut current = cost(&outer, combos);
    loop {
        let mut step: Option<(u64, usize, u64)> = None;
        for (i, item) in items.iter().enumerate() {
            let Shape::Choice(opts) = &item.shape else {
                continue;
            };
            if outer.contains(&i) {
                continue;
            }
            let more = combos.saturating_mul(opts.len() as u64 + 1);
            if more > COMBO_CAP {
                continue;
            }
            let mut trial = outer.clone();
            trial.push(i);
            let c = cost(&trial, more);
            if c < current && step.is_none_or(|(best, _, _)| c < best) {
                step = Some((c, i, more));
            }
        }
        let Some((c, i, more)) = step else { break };
        outer.push(i);
        outer.sort_unstable();
        combos = more;
        current = c;
    }
    (outer, current)
}

/// [`affine`] over packed vectors: `key(y) = old[y] - y·g·E`, `E` the pack of one unit of
/// value in the item's net positions.
fn affine_packed<const M: usize>(
    layout: Layout,
    group: usize,
    (first, step, n, fee): (i64, i64, i64, i64),
    g: i64,
    best: &mut [Packed<M>],
    choice: &mut [u32],
    old: &mut Vec<Packed<M>>,
) {
    let n_states = best.len();
    let w0 = (first / g) as usize;
    let t = ((step / g) as usize).max(1);
    let span = (n.max(1) as usize - 1) * t; // w_last - w0
    let mut unit = vec![0i64; layout.len()];
    for position in layout.net_positions(group).into_iter().flatten() {
        unit[position] = 1;
    }
    let unit: Packed<M> = pack(&unit);
    let key = |value: &Packed<M>, y: usize| -> Packed<M> {
        let mut out = *value;
        let scale = y as i128 * i128::from(g);
        for i in 0..M {
            out[i] -= unit[i] * scale;
        }
        out
    };
    // The value of debit `x - y` taken from `y`: `old[y] + v(x - y)`.
    let mut offset = vec![0i64; layout.len()];
    layout.add(&mut offset, -fee, fee, group, 1);
    let offset: Packed<M> = pack(&offset);
    // The values before this item, in a buffer reused across items.
    old.clear();
    old.extend_from_slice(best);
    // A monotone queue of (y, key(y)) as a vector and a head index (entries before `head`
    // are popped): fewer instructions than a ring buffer.
    let mut deque: Vec<(usize, Packed<M>)> = Vec::new();
    for residue in 0..t.min(n_states) {
        deque.clear();
        let mut head = 0usize;
        let mut x = residue;
        while x < n_states {
            if x >= w0 {
                let y_new = x - w0;
                if old[y_new][0] != UNREACHED {
                    let k_new = key(&old[y_new], y_new);
                    while deque.len() > head {
                        let (_, k_back) = deque[deque.len() - 1];
                        if k_back <= k_new {
                            deque.pop();
                        } else {
                            break;
                        }
                    }
                    deque.push((y_new, k_new));
                }
                while let Some(&(front, _)) = deque.get(head) {
                    if front + w0 + span < x {
                        head += 1;
                    } else {
                        break;
                    }
                }
                if let Some(&(y, k_y)) = deque.get(head) {
                    // old[y] + value of debit (x - y)·g = key(y) + x·g·E + offset.
                    let mut cand = add_packed(&k_y, &offset);
                    let scale = x as i128 * i128::from(g);
                    for i in 0..M {
                        cand[i] += unit[i] * scale;
                    }
                    if best[x][0] == UNREACHED || cand > best[x] {
                        best[x] = cand;
                        choice[x] = ((x - y - w0) / t) as u32 + 1;
                    }
                }
            }
            x += t;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> Layout {
        Layout {
            groups: 1,
            objective: Objective::FirstPreference,
        }
    }

    #[test]
    fn denominations_3000_and_5000_fill_6000_with_two_3000s() {
        // Greedy takes 5,000 first and strands 1,000; the DP finds 3,000 + 3,000.
        let units = vec![
            Opt {
                debit: 3000,
                net: 3000,
                count: 1,
            },
            Opt {
                debit: 5000,
                net: 5000,
                count: 1,
            },
        ];
        let items = [Item {
            group: 0,
            shape: Shape::Unbounded(units),
        }];
        let solution = solve(layout(), &items, None, 6000);
        assert_eq!(
            solution.map(|s| s.picks),
            Ok(vec![Pick::Units(vec![2, 0])]),
            "two 3,000 units convert all 6,000"
        );
    }

    #[test]
    fn affine_range_matches_enumerated_choices() {
        // The deque transition must agree with plain enumeration of the same options.
        for budget in [0i64, 499, 500, 1300, 2750, 9999] {
            let affine = [
                Item {
                    group: 0,
                    shape: Shape::Unbounded(vec![Opt {
                        debit: 1200,
                        net: 1000,
                        count: 1,
                    }]),
                },
                Item {
                    group: 0,
                    shape: Shape::Affine {
                        first: 700,
                        step: 500,
                        n: 6,
                        fee: 200,
                    },
                },
            ];
            let options = (0..6)
                .map(|j| Opt {
                    debit: 700 + 500 * j,
                    net: 500 + 500 * j,
                    count: 1,
                })
                .collect();
            let enumerated = [
                affine[0].clone(),
                Item {
                    group: 0,
                    shape: Shape::Choice(options),
                },
            ];
            let a = solve(layout(), &affine, None, budget);
            let b = solve(layout(), &enumerated, None, budget);
            let (Ok(a), Ok(b)) = (a, b) else {
                panic!("both solve")
            };
            let j = |p: &Pick| match p {
                Pick::Affine(j) => Some(*j as usize),
                Pick::Choice(c) => Some(*c),
                _ => None,
            };
            assert_eq!(a.picks[0], b.picks[0], "budget {budget}");
            assert_eq!(j(&a.picks[1]), j(&b.picks[1]), "budget {budget}");
        }
    }

    #[test]
    fn the_absorber_takes_the_largest_amount_that_fits() {
        let eval = |j: i64| -> Result<Opt, PlanError> {
            Ok(Opt {
                debit: 100 + j,
                net: 100 + j,
                count: 1,
            })
        };
        let donation = Absorber {
            group: 0,
            n: 1_000_000,
            eval: &eval,
            flat: Some((100, 1, 0)),
        };
        let topup = [Item {
            group: 0,
            shape: Shape::Unbounded(vec![Opt {
                debit: 1000,
                net: 1000,
                count: 1,
            }]),
        }];
        let Ok(s) = solve(layout(), &topup, Some(&donation), 1300) else {
            panic!("solves")
        };
        // Same group: 1,300 all converted either way; fewer redemptions wins: one donation.
        assert_eq!(s.absorber.map(|(_, o)| o.net), Some(1300));
        let percent = |j: i64| -> Result<Opt, PlanError> {
            let net = 100 + j;
            Ok(Opt {
                debit: net + net / 50,
                net,
                count: 1,
            })
        };
        let card = Absorber {
            group: 0,
            n: 1_000_000,
            eval: &percent,
            flat: None,
        };
        let Ok(s) = solve(layout(), &[], Some(&card), 10_200) else {
            panic!("solves")
        };
        assert_eq!(
            s.absorber.map(|(_, o)| (o.net, o.debit)),
            Some((10_000, 10_200))
        );
    }

    #[test]
    fn the_packed_solver_matches_the_generic_one() {
        // Random instances over both objectives and 1–4 groups; the packed DP must pick the
        // same plan (same value, same tie-breaks) as the vector DP it replaces.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |bound: i64| -> i64 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % bound as u64) as i64
        };
        for case in 0..600 {
            let groups = 1 + next(4) as usize;
            let objective = if case % 2 == 0 {
                Objective::FirstPreference
            } else {
                Objective::LeastFees
            };
            let layout = Layout { groups, objective };
            let mut items = Vec::new();
            for _ in 0..1 + next(5) {
                let group = next(groups as i64) as usize;
                let opts = |next: &mut dyn FnMut(i64) -> i64| -> Vec<Opt> {
                    (0..1 + next(4))
                        .map(|_| {
                            let net = 5 * (1 + next(60));
                            Opt {
                                debit: net + next(3) * 5 + next(2),
                                net,
                                count: 1 + next(2),
                            }
                        })
                        .collect()
                };
                let shape = match next(3) {
                    0 => Shape::Choice(opts(&mut next)),
                    1 => Shape::Unbounded(opts(&mut next)),
                    _ => Shape::Affine {
                        first: 10 * (1 + next(10)),
                        step: [1, 5, 10][next(3) as usize],
                        n: 1 + next(40),
                        fee: next(3) * 5,
                    },
                };
                items.push(Item { group, shape });
            }
            let budget = next(900);
            let eval = |j: i64| -> Result<Opt, PlanError> {
                let net = 100 + 7 * j;
                Ok(Opt {
                    debit: net + net / 40,
                    net,
                    count: 1,
                })
            };
            let absorber = Absorber {
                group: 0,
                n: 50,
                eval: &eval,
                flat: None,
            };
            let flat_eval = |j: i64| -> Result<Opt, PlanError> {
                let net = 100 + 5 * j;
                Ok(Opt {
                    debit: net + 15,
                    net,
                    count: 1,
                })
            };
            let flat = Absorber {
                group: groups - 1,
                n: 80,
                eval: &flat_eval,
                flat: Some((100, 5, 15)),
            };
            let with = match case % 3 {
                0 => Some(&absorber),
                1 => Some(&flat),
                _ => None,
            };
            let packed = solve(layout, &items, with, budget);
            let generic = with_generic_solver(|| solve(layout, &items, with, budget));
            let (Ok(a), Ok(b)) = (packed, generic) else {
                panic!("case {case}: both solve")
            };
            assert_eq!(a.picks, b.picks, "case {case}");
            assert_eq!(a.absorber, b.absorber, "case {case}");
        }
    }
}
