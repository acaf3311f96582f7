//! The simulation that proves the rules: months of synthetic history for several kinds of user,
//! with injected anomalies, run claim by claim through the real [`assess`].
//!
//! Shared by `examples/simulate.rs` (the full table) and the integration test (a smaller run
//! that asserts the goals). Randomness lives here only, from a seeded ChaCha generator, so a
//! run is reproducible; the engine itself has none.
//!
//! Each simulated claim is judged against the history built so far and then, like in the app:
//! - allowed → confirmed (unverified);
//! - step-up or pause on a *normal* claim → the user confirms it → confirmed (verified);
//! - denied normal claim → not redeemed (counted: it should not happen);
//! - an *anomaly* that is stopped is never confirmed (the attacker cannot verify); one that is
//!   let through is confirmed and counted as missed.

#![allow(dead_code)] // the example and the test each use part of it

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use tipvault_money::{Currency, Money};
use tipvault_risk::{
    Claim, ClaimId, ConfirmedClaim, DestinationFingerprint, History, Leg, NetworkHash, Outcome,
    ProductKind, Profile, ProviderId, RuleId, Settings, Tier, assess,
};

/// The kinds of user simulated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UserType {
    /// Tops up a transit card and phone a few times a week, from home or school.
    Student,
    /// Redeems hundreds of small tips after evening streams.
    Creator,
    /// Buys a gift card every week (USD).
    GiftCardBuyer,
    /// Gives small donations to a few charities.
    Donor,
}

impl UserType {
    /// Every type, in table order.
    pub const ALL: [UserType; 4] = [
        UserType::Student,
        UserType::Creator,
        UserType::GiftCardBuyer,
        UserType::Donor,
    ];

    /// Its name in the table.
    pub fn name(self) -> &'static str {
        match self {
            UserType::Student => "student (bus fare)",
            UserType::Creator => "creator (small tips)",
            UserType::GiftCardBuyer => "weekly gift card (USD)",
            UserType::Donor => "donor",
        }
    }

    fn currency(self) -> Currency {
        match self {
            UserType::GiftCardBuyer => Currency::USD,
            _ => Currency::KRW,
        }
    }
}

/// The anomalies injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anomaly {
    /// A usual claim from a network never seen.
    NewNetwork,
    /// A claim ten times the usual (median) amount.
    TenTimes,
    /// Eight usual claims within fifteen minutes.
    Burst,
    /// A usual amount to a destination never used.
    NewDestination,
}

impl Anomaly {
    /// Every anomaly.
    pub const ALL: [Anomaly; 4] = [
        Anomaly::NewNetwork,
        Anomaly::TenTimes,
        Anomaly::Burst,
        Anomaly::NewDestination,
    ];

    /// The rules that should catch it.
    pub fn expected(self) -> &'static [RuleId] {
        match self {
            Anomaly::NewNetwork => &[RuleId::NewNetwork],
            Anomaly::TenTimes => &[RuleId::AboveUsualRange, RuleId::OverClaimLimit],
            Anomaly::Burst => &[RuleId::Burst],
            Anomaly::NewDestination => &[RuleId::NewDestination],
        }
    }
}

/// What one user type's run produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Users simulated.
    pub users: u32,
    /// Normal claims judged.
    pub normal: u32,
    /// Normal claims made while established or trusted.
    pub normal_established: u32,
    /// Of those, how many were not simply allowed.
    pub false_step_ups: u32,
    /// Which rules caused them.
    pub false_by_rule: BTreeMap<RuleId, u32>,
    /// Normal claims denied (any tier).
    pub normal_denied: u32,
    /// Normal claims stepped up while new (by design: every claim).
    pub new_tier_step_ups: u32,
    /// Anomalies injected.
    pub anomalies: u32,
    /// Anomalies stopped (step-up, pause or deny).
    pub caught: u32,
    /// Anomalies stopped by a rule meant for them.
    pub caught_by_expected_rule: u32,
    /// Burst claims that went through before the burst was stopped.
    pub burst_let_through: u32,
    /// Users who reached each tier by the end.
    pub final_tiers: BTreeMap<Tier, u32>,
    /// Anomalies let through, or stopped only by another rule, with why (for the report).
    pub notes: Vec<String>,
}

impl Report {
    /// False step-ups as a share of established users' normal claims, in basis points
    /// (1/100 of a percent), to stay in integers.
    pub fn false_rate_bp(&self) -> u32 {
        if self.normal_established == 0 {
            return 0;
        }
        let bp = u64::from(self.false_step_ups) * 10_000 / u64::from(self.normal_established);
        u32::try_from(bp).unwrap_or(u32::MAX)
    }
}

struct Event {
    at: DateTime<Utc>,
    network: NetworkHash,
    legs: Vec<Leg>,
    anomaly: Option<(Anomaly, u32)>,
}

/// Runs `users` users of each type for `days` days from `seed`.
pub fn run(seed: u64, users: u32, days: i64) -> BTreeMap<UserType, Report> {
    let mut reports = BTreeMap::new();
    for (t, kind) in UserType::ALL.iter().enumerate() {
        let mut report = Report::default();
        for user in 0..users {
            let user_seed = seed
                .wrapping_mul(1_000_003)
                .wrapping_add(u64::try_from(t).unwrap_or(0) * 10_007)
                .wrapping_add(u64::from(user));
            simulate_user(*kind, user_seed, days, &mut report);
        }
        reports.insert(*kind, report);
    }
    reports
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn leg(provider: &str, product: ProductKind, destination: &str, amount: Money) -> Leg {
    Leg {
        provider: ProviderId::new(provider),
        product,
        destination: DestinationFingerprint::new(destination),
        amount,
    }
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total);
    for (value, weight) in weighted {
        if roll < *weight {
            return *value;
        }
        roll -= weight;
    }
    weighted[0].0
}

/// The user's habitual claims: (time, network, legs).
fn normal_events(kind: UserType, rng: &mut ChaCha8Rng, days: i64) -> Vec<Event> {
    let currency = kind.currency();
    let m = |minor: i64| Money::from_minor(minor, currency);
    let mut events = Vec::new();
    let mut push = |at, network: &str, legs| {
        events.push(Event {
            at,
            network: NetworkHash::new(network),
            legs,
            anomaly: None,
        })
    };
    for day in 0..days {
        let midnight = start() + Duration::days(day);
        match kind {
            UserType::Student => {
                // About three times a week: mornings before school or evenings at home.
                if rng.random_range(0..7) < 3 {
                    let (hour, network) = if rng.random_bool(0.3) {
                        (rng.random_range(7..9), "net-school")
                    } else {
                        (rng.random_range(18..23), "net-home")
                    };
                    let at = midnight
                        + Duration::hours(hour)
                        + Duration::minutes(rng.random_range(0..60));
                    let amount = m(pick(
                        rng,
                        &[(5_000, 10), (10_000, 60), (15_000, 10), (20_000, 20)],
                    ));
                    let l = if rng.random_bool(0.75) {
                        leg(
                            "transitco",
                            ProductKind::TransitCredit,
                            "card-tmoney",
                            amount,
                        )
                    } else {
                        leg("telco", ProductKind::MobileTopUp, "phone-own", amount)
                    };
                    push(at, network, vec![l]);
                }
            }
            UserType::Creator => {
                // Streams five evenings a week; redeems one to three tips in the hour after.
                if rng.random_range(0..7) < 5 {
                    let mut at = midnight
                        + Duration::hours(rng.random_range(21..23))
                        + Duration::minutes(rng.random_range(0..30));
                    let network = if rng.random_bool(0.15) {
                        "net-phone"
                    } else {
                        "net-studio"
                    };
                    for _ in 0..rng.random_range(1..=3) {
                        let amount = m(pick(
                            rng,
                            &[
                                (1_000, 20),
                                (2_000, 25),
                                (3_000, 20),
                                (5_000, 25),
                                (10_000, 10),
                            ],
                        ));
                        let (provider, product, destination) = pick(
                            rng,
                            &[
                                (("telco", ProductKind::MobileTopUp, "phone-own"), 40),
                                (("givehub", ProductKind::Donation, "charity-a"), 20),
                                (("cardshop", ProductKind::GiftCard, "email-own"), 30),
                                (("cardshop", ProductKind::GiftCard, "email-sister"), 10),
                            ],
                        );
                        push(
                            at,
                            network,
                            vec![leg(provider, product, destination, amount)],
                        );
                        at += Duration::minutes(rng.random_range(4..20));
                    }
                }
            }
            UserType::GiftCardBuyer => {
                // Every Saturday morning (2026-01-05 is a Monday), one card.
                if day % 7 == 5 {
                    let at = midnight
                        + Duration::hours(rng.random_range(9..12))
                        + Duration::minutes(rng.random_range(0..60));
                    let amount = m(pick(
                        rng,
                        &[(10_00, 30), (15_00, 20), (20_00, 30), (25_00, 20)],
                    ));
                    let destination = if rng.random_bool(0.3) {
                        "email-partner"
                    } else {
                        "email-own"
                    };
                    push(
                        at,
                        "net-home",
                        vec![leg("cardshop", ProductKind::GiftCard, destination, amount)],
                    );
                }
            }
            UserType::Donor => {
                // Two or three gifts a week, sometimes split between two charities.
                if rng.random_range(0..7) < 2 || (day % 7 == 6 && rng.random_bool(0.5)) {
                    let at = midnight
                        + Duration::hours(rng.random_range(12..22))
                        + Duration::minutes(rng.random_range(0..60));
                    let amount = pick(
                        rng,
                        &[
                            (3_000, 10),
                            (5_000, 40),
                            (10_000, 30),
                            (20_000, 15),
                            (30_000, 5),
                        ],
                    );
                    let charities = ["charity-a", "charity-b", "charity-c"];
                    let first = charities[rng.random_range(0..3)];
                    let legs = if amount >= 10_000 && rng.random_bool(0.3) {
                        let second = charities[rng.random_range(0..3)];
                        vec![
                            leg("givehub", ProductKind::Donation, first, m(amount / 2)),
                            leg("givehub", ProductKind::Donation, second, m(amount / 2)),
                        ]
                    } else {
                        vec![leg("givehub", ProductKind::Donation, first, m(amount))]
                    };
                    push(at, "net-home", legs);
                }
            }
        }
    }
    events
}

/// One of each anomaly at a random time after the user is established (day 50 on), each a
/// copy of one of the user's five latest habitual claims with one thing changed. "Ten times the
/// usual" is set when the claim is made: ten times the median of the confirmed claims so far.
fn anomalies(normal: &[Event], rng: &mut ChaCha8Rng, days: i64, first_id: u32) -> Vec<Event> {
    let mut out = Vec::new();
    for (i, kind) in Anomaly::ALL.iter().enumerate() {
        let id = first_id + u32::try_from(i).unwrap_or(0);
        let day = rng.random_range(50..days.max(51));
        let at = start()
            + Duration::days(day)
            + Duration::hours(rng.random_range(0..24))
            + Duration::minutes(rng.random_range(0..60));
        // A copy of a recent habitual claim, so only the injected change is new.
        let before = normal.iter().take_while(|e| e.at < at).count();
        if before == 0 {
            continue;
        }
        let template = &normal[rng.random_range(before.saturating_sub(5)..before)];
        let mut event = Event {
            at,
            network: template.network.clone(),
            legs: template.legs.clone(),
            anomaly: Some((*kind, id)),
        };
        match kind {
            Anomaly::NewNetwork => event.network = NetworkHash::new(format!("net-attacker-{id}")),
            Anomaly::TenTimes => event.legs.truncate(1), // amount set when it is made
            Anomaly::NewDestination => {
                for leg in &mut event.legs {
                    leg.destination = DestinationFingerprint::new(format!("dest-attacker-{id}"));
                }
            }
            Anomaly::Burst => {
                for k in 0..8 {
                    out.push(Event {
                        at: at + Duration::minutes(2 * k),
                        network: template.network.clone(),
                        legs: template.legs.clone(),
                        anomaly: Some((*kind, id)),
                    });
                }
                continue;
            }
        }
        out.push(event);
    }
    out
}

fn simulate_user(kind: UserType, seed: u64, days: i64, report: &mut Report) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut events = normal_events(kind, &mut rng, days);
    let injected = anomalies(&events, &mut rng, days, 0);
    events.extend(injected);
    events.sort_by_key(|e| e.at);

    let settings = Settings::default();
    let mut history = History::default();
    // Per anomaly id: (stopped, stopped by an expected rule, claims let through before a stop).
    let mut outcomes: BTreeMap<u32, (Anomaly, bool, bool, u32)> = BTreeMap::new();
    let mut last_seen: BTreeMap<u32, String> = BTreeMap::new();
    let mut last_tier = Tier::New;
    for (n, mut event) in events.into_iter().enumerate() {
        if let Some((Anomaly::TenTimes, _)) = event.anomaly {
            let profile = Profile::learn(&history, kind.currency(), event.at);
            let usual = profile
                .amounts
                .map_or(Money::zero(kind.currency()), |a| a.median);
            let ten = Money::from_minor_i128(usual.to_minor_i128() * 10, kind.currency())
                .unwrap_or(usual);
            event.legs[0].amount = ten;
        }
        let total = event
            .legs
            .iter()
            .map(|l| l.amount)
            .try_fold(Money::zero(kind.currency()), Money::checked_add)
            .unwrap_or(Money::zero(kind.currency()));
        let claim = Claim {
            at: event.at,
            network: event.network.clone(),
            total,
            legs: event.legs.clone(),
        };
        let decision = assess(&history, &settings, &claim);
        last_tier = decision.tier;
        let confirm = |verified: bool, history: &mut History| {
            history.claims.push(ConfirmedClaim {
                id: ClaimId::new(format!("c{n}")),
                at: event.at,
                network: event.network.clone(),
                verified,
                legs: event.legs.clone(),
            });
        };
        match event.anomaly {
            None => {
                report.normal += 1;
                let established = decision.tier != Tier::New;
                if established {
                    report.normal_established += 1;
                    if decision.outcome != Outcome::Allow {
                        report.false_step_ups += 1;
                        for reason in &decision.reasons {
                            *report.false_by_rule.entry(reason.rule).or_default() += 1;
                        }
                    }
                } else if decision.outcome == Outcome::StepUp {
                    report.new_tier_step_ups += 1;
                }
                match decision.outcome {
                    Outcome::Allow => confirm(false, &mut history),
                    Outcome::StepUp | Outcome::Pause => confirm(true, &mut history),
                    Outcome::Deny => report.normal_denied += 1,
                }
            }
            Some((anomaly, id)) => {
                let entry = outcomes.entry(id).or_insert((anomaly, false, false, 0));
                if entry.1 {
                    continue; // already stopped: the rest of a burst is moot
                }
                let rules: Vec<RuleId> = decision.reasons.iter().map(|r| r.rule).collect();
                last_seen.insert(
                    id,
                    format!(
                        "{anomaly:?} on {} ({:?}, claim {}): {:?} by {rules:?}",
                        event.at.format("%Y-%m-%d %H:%M"),
                        decision.tier,
                        claim.total,
                        decision.outcome
                    ),
                );
                if decision.outcome == Outcome::Allow {
                    entry.3 += 1;
                    confirm(false, &mut history);
                } else {
                    entry.1 = true;
                    entry.2 = anomaly.expected().iter().any(|r| decision.fired(*r));
                }
            }
        }
    }
    report.users += 1;
    *report.final_tiers.entry(last_tier).or_default() += 1;
    for (id, (anomaly, stopped, expected, through)) in outcomes {
        if !(stopped && expected) {
            let seen = last_seen.remove(&id).unwrap_or_default();
            report
                .notes
                .push(format!("{} seed {seed}: {seen}", kind.name()));
        }
        report.anomalies += 1;
        report.caught += u32::from(stopped);
        report.caught_by_expected_rule += u32::from(expected);
        if anomaly == Anomaly::Burst {
            report.burst_let_through += through;
        }
    }
}

/// The results as a Markdown table.
pub fn table(reports: &BTreeMap<UserType, Report>) -> String {
    let mut out = String::from(
        "| user type | users | redemptions | while established | false step-ups | denied | \
         anomalies | caught | by expected rule | burst claims before stop |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    let mut all = Report::default();
    for (kind, r) in reports {
        out.push_str(&row(kind.name(), r));
        all.users += r.users;
        all.normal += r.normal;
        all.normal_established += r.normal_established;
        all.false_step_ups += r.false_step_ups;
        all.normal_denied += r.normal_denied;
        all.anomalies += r.anomalies;
        all.caught += r.caught;
        all.caught_by_expected_rule += r.caught_by_expected_rule;
        all.burst_let_through += r.burst_let_through;
    }
    out.push_str(&row("**all**", &all));
    out
}

fn row(name: &str, r: &Report) -> String {
    let bp = r.false_rate_bp();
    format!(
        "| {name} | {} | {} | {} | {} ({}.{:02}%) | {} | {} | {} | {} | {} |\n",
        r.users,
        r.normal,
        r.normal_established,
        r.false_step_ups,
        bp / 100,
        bp % 100,
        r.normal_denied,
        r.anomalies,
        r.caught,
        r.caught_by_expected_rule,
        r.burst_let_through
    )
}
