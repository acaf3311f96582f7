//! Where every unit of a balance goes: the equation a user can check line by line.
//!
//! Decision: a plan already balances per currency (Σ debit + remainder + kept = balance, see
//! [`crate::plan`]); this module restates it the way a person reads a cash-out, one
//! [`Conservation`] per balance currency:
//!
//! ```text
//! balance = leaves + stays
//! leaves × rate (exact) = received + fees + FX granularity + rounding   (per destination currency)
//! ```
//!
//! Nothing is hidden in a zero fee: when a balance in one currency pays for products in
//! another, the smallest debit that covers a redemption usually converts to a little more than
//! it needs (whole minor units: the *FX granularity* line) plus a fraction of a minor unit that
//! no currency can hold (the *rounding* line, exact). Both are derived from the plan's own
//! redemptions, so they can never disagree with what is sent.

use rust_decimal::Decimal;
use tipvault_money::{Currency, Locale, Money, Rate, format};

use crate::plan::Plan;

/// What one balance currency's value becomes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conservation {
    /// The balance in this currency.
    pub balance: Money,
    /// What leaves it: the sum of every redemption's debit.
    pub leaves: Money,
    /// What stays: the remainder, the kept amount and what the limit holds back.
    pub stays: Money,
    /// Of which kept as asked.
    pub kept: Money,
    /// Of which held back by the limit in force (it may leave later).
    pub held: Money,
    /// Where what leaves arrives, one entry per destination currency (code order).
    pub arrivals: Vec<Arrival>,
}

/// What arrives in one destination currency from one balance currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Arrival {
    /// The destination currency.
    pub currency: Currency,
    /// The rate, when it differs from the balance currency.
    pub rate: Option<Rate>,
    /// The part of `leaves` that pays for these products, in the balance currency.
    pub debit: Money,
    /// `debit × rate`, exact (equal to `debit` without a rate).
    #[serde(with = "decimal_text")]
    pub converted: Decimal,
    /// What the destinations receive (Σ net).
    pub received: Money,
    /// The providers' fees (Σ fee).
    pub fees: Money,
    /// Whole minor units the conversions bring in above what the redemptions need.
    pub fx_granularity: Money,
    /// The fractions of a minor unit lost when each conversion is rounded down, exact
    /// (`0 ≤ rounding < number of redemptions` minor units).
    #[serde(with = "decimal_text")]
    pub rounding: Decimal,
}

impl Arrival {
    /// Whether the equation holds exactly: `converted = received + fees + fx_granularity +
    /// rounding`.
    pub fn balances(&self) -> bool {
        self.converted
            == self.received.amount()
                + self.fees.amount()
                + self.fx_granularity.amount()
                + self.rounding
    }
}

impl Conservation {
    /// Whether `balance = leaves + stays` and the arrivals add up to `leaves`, each balancing.
    pub fn balances(&self) -> bool {
        let debits: Decimal = self.arrivals.iter().map(|a| a.debit.amount()).sum();
        self.balance.amount() == self.leaves.amount() + self.stays.amount()
            && debits == self.leaves.amount()
            && self.arrivals.iter().all(Arrival::balances)
    }
}

/// The conservation lines of `plan`, one per balance currency (code order).
pub fn conservation(plan: &Plan) -> Vec<Conservation> {
    let mut out = Vec::with_capacity(plan.balance.len());
    for (i, balance) in plan.balance.iter().enumerate() {
        let currency = balance.currency();
        let zero = Money::zero(currency);
        let kept = plan.kept.get(i).copied().unwrap_or(zero);
        let remainder = plan.remainder.get(i).copied().unwrap_or(zero);
        let held = plan.held.get(i).copied().unwrap_or(zero);
        let mut arrivals: Vec<Arrival> = Vec::new();
        let mut leaves = Decimal::ZERO;
        for leg in plan.legs.iter().filter(|l| l.debit.currency() == currency) {
            let to = leg.net.currency();
            let at = match arrivals.iter().position(|a| a.currency == to) {
                Some(at) => at,
                None => {
                    arrivals.push(Arrival {
                        currency: to,
                        rate: leg.rate.clone().filter(|_| to != currency),
                        debit: zero,
                        converted: Decimal::ZERO,
                        received: Money::zero(to),
                        fees: Money::zero(to),
                        fx_granularity: Money::zero(to),
                        rounding: Decimal::ZERO,
                    });
                    arrivals.len() - 1
                }
            };
            let a = &mut arrivals[at];
            for r in &leg.redemptions {
                leaves += r.debit.amount();
                a.debit = add(a.debit, r.debit);
                a.received = add(a.received, r.net);
                a.fees = add(a.fees, r.fee);
                match &r.fx {
                    Some(fx) => {
                        a.converted += fx.converted.amount() + fx.rounding_loss;
                        a.fx_granularity = add(a.fx_granularity, fx.overshoot);
                        a.rounding += fx.rounding_loss;
                    }
                    None => a.converted += r.gross.amount(),
                }
            }
        }
        arrivals.sort_by_key(|a| a.currency.code());
        out.push(Conservation {
            balance: *balance,
            leaves: Money::from_decimal(leaves, currency).unwrap_or(zero),
            stays: add(add(remainder, kept), held),
            kept,
            held,
            arrivals,
        });
    }
    out
}

/// The lines of `conservation(plan)` for a person, the same in every front end:
///
/// - "Leaves the balance: $305.00. Stays: $0.00."
/// - "$305.00 at 1380.5 = ₩421,052.5: ₩420,996 received + ₩0 fees + ₩56 FX granularity +
///   0.5 KRW rounding."
pub fn conservation_lines(plan: &Plan, locale: Locale) -> Vec<String> {
    let mut lines = Vec::new();
    for c in conservation(plan) {
        if c.leaves.is_zero() && c.arrivals.is_empty() {
            continue;
        }
        let (leaves, stays) = (format(&c.leaves, locale), format(&c.stays, locale));
        let mut of_which = Vec::new();
        if !c.kept.is_zero() {
            let k = format(&c.kept, locale);
            of_which.push(match locale {
                Locale::En => format!("{k} kept"),
                Locale::Ko => format!("보관 {k}"),
            });
        }
        if !c.held.is_zero() {
            let h = format(&c.held, locale);
            of_which.push(match locale {
                Locale::En => format!("{h} waiting for your limit"),
                Locale::Ko => format!("한도 때문에 기다리는 {h}"),
            });
        }
        let detail = match (locale, of_which.is_empty()) {
            (_, true) => String::new(),
            (Locale::En, false) => format!(" (of which {})", of_which.join(", ")),
            (Locale::Ko, false) => format!(" ({} 포함)", of_which.join(", ")),
        };
        lines.push(match locale {
            Locale::En => format!("Leaves the balance: {leaves}. Stays: {stays}{detail}."),
            Locale::Ko => format!("잔액에서 나가는 금액: {leaves}. 남는 금액: {stays}{detail}."),
        });
        for a in &c.arrivals {
            let source = match &a.rate {
                Some(rate) => format!(
                    "{} × {} = {}",
                    format(&a.debit, locale),
                    rate.rate().normalize(),
                    exact(a.converted, a.currency, locale)
                ),
                None => format(&a.debit, locale),
            };
            let received = format(&a.received, locale);
            let fees = format(&a.fees, locale);
            let mut parts = match locale {
                Locale::En => vec![format!("{received} received"), format!("{fees} fees")],
                Locale::Ko => vec![format!("받는 금액 {received}"), format!("수수료 {fees}")],
            };
            if a.rate.is_some() {
                let granularity = format(&a.fx_granularity, locale);
                parts.push(match locale {
                    Locale::En => format!("{granularity} FX granularity"),
                    Locale::Ko => format!("환전 단위 차이 {granularity}"),
                });
                if !a.rounding.is_zero() {
                    let rounding = exact(a.rounding, a.currency, locale);
                    parts.push(match locale {
                        Locale::En => format!("{rounding} rounding"),
                        Locale::Ko => format!("반올림 {rounding}"),
                    });
                }
            }
            lines.push(format!("{source}: {}.", parts.join(" + ")));
        }
    }
    lines
}

/// An exact amount, never rounded: formatted as money, with the digits finer than the
/// currency's minor unit written after it (`₩421,052.5`, `421,052.5원`, `$1.005`).
fn exact(amount: Decimal, currency: Currency, locale: Locale) -> String {
    let scale = currency.minor_units();
    let held = amount.trunc_with_scale(scale);
    let Ok(money) = Money::from_decimal(held, currency) else {
        return format!("{} {}", amount.normalize(), currency.code());
    };
    let text = format(&money, locale);
    let finer = amount.normalize().to_string();
    let extra = finer
        .split_once('.')
        .map(|(_, digits)| digits.get(scale as usize..).unwrap_or("").to_owned())
        .unwrap_or_default();
    if extra.is_empty() {
        return text;
    }
    let extra = if scale == 0 {
        format!(".{extra}")
    } else {
        extra
    };
    match text.rfind(|c: char| c.is_ascii_digit()) {
        Some(at) => format!("{}{extra}{}", &text[..=at], &text[at + 1..]),
        None => text,
    }
}

/// Sums two amounts of one currency. Amounts in a plan are far below the overflow bound of
/// `Money`; should one ever overflow, the left side is kept and [`Conservation::balances`]
/// turns false rather than a panic taking the preview down.
fn add(a: Money, b: Money) -> Money {
    a.checked_add(b).unwrap_or(a)
}

mod decimal_text {
    pub fn serialize<S: serde::Serializer>(
        value: &rust_decimal::Decimal,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_str(&value.normalize())
    }
}
