//! The user's habits, learned from confirmed history: typical amounts, velocity, usual
//! providers, destinations, networks and hours.
//!
//! Decision: the profile is **recomputed from the history on every assessment** and never
//! persisted. A stored profile would be a second copy of the truth that could drift or be edited
//! (the "tampered profile"); recomputing leaves nothing to tamper with beyond the history
//! itself, which lives in the vault (SQLCipher's page HMAC plus the audit chain). It costs one
//! pass and a sort over at most a few thousand claims: microseconds.
//!
//! Amounts are per claim (a plan's total) and per currency; all windows are trailing windows
//! ending at `now` (a rolling 24 hours rather than a calendar day: a calendar day would need the
//! user's time zone, and a rolling window cannot be gamed at midnight). Hours of day are UTC.

use crate::history::{DestinationFingerprint, History, NetworkHash, ProviderId};
use crate::stats::Summary;
use chrono::{DateTime, Duration, Timelike, Utc};
use serde::Serialize;
use std::collections::BTreeSet;
use tipvault_money::{Currency, Money};

/// How far back a network counts as known. The caller keeps network hashes under the 30-day
/// retention class, so this is also all it has.
pub const NETWORK_WINDOW_DAYS: i64 = 30;

/// Typical claim amounts in one currency (robust percentiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AmountHabits {
    /// How many claims in this currency.
    pub samples: usize,
    /// The smallest claim.
    pub min: Money,
    /// The 25th percentile.
    pub q1: Money,
    /// The median claim.
    pub median: Money,
    /// The 75th percentile.
    pub q3: Money,
    /// The 90th percentile.
    pub p90: Money,
    /// The largest claim.
    pub max: Money,
    /// The median absolute deviation.
    pub mad: Money,
}

/// A count of claims and their sum over a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Velocity {
    /// Claims in the window (any currency).
    pub count: u32,
    /// Their sum in the profile's currency.
    pub sum: Money,
}

/// The learned habits, for one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Profile {
    /// The currency amounts and sums are in.
    pub currency: Currency,
    /// The moment the profile was computed for.
    pub now: DateTime<Utc>,
    /// Confirmed claims, any currency, up to `now`.
    pub confirmed: u32,
    /// The first confirmed claim.
    pub first_at: Option<DateTime<Utc>>,
    /// The newest moment in the history (claims, disputes, verifications), even after `now`.
    pub newest_at: Option<DateTime<Utc>>,
    /// Typical amounts; `None` without a claim in this currency.
    pub amounts: Option<AmountHabits>,
    /// Claims and sum in the trailing hour.
    pub last_hour: Velocity,
    /// Claims and sum in the trailing 24 hours.
    pub last_day: Velocity,
    /// The most claims ever seen within one trailing hour.
    pub busiest_hour: u32,
    /// The largest sum ever seen within one trailing 24 hours, in this currency.
    pub busiest_day_sum: Money,
    /// Every provider used, and every provider holding a valid verification of the user at
    /// `now` (see [`ProviderVerification`](crate::ProviderVerification)).
    pub providers: BTreeSet<ProviderId>,
    /// Every destination used.
    pub destinations: BTreeSet<DestinationFingerprint>,
    /// Networks used in the last [`NETWORK_WINDOW_DAYS`] days.
    pub networks: BTreeSet<NetworkHash>,
    /// Claims per UTC hour of day.
    pub hours: [u32; 24],
    /// The last verified moment (see [`History::last_verified`]).
    pub last_verified: Option<DateTime<Utc>>,
    /// Claims (and their sum) confirmed without verification since then.
    pub since_verification: Velocity,
    /// Disputes ever opened.
    pub disputes: u32,
}

impl Profile {
    /// Learns the habits in `currency` from `history` as of `now`. Claims after `now` (a clock
    /// set backwards) are left out of the habits but still move [`Profile::newest_at`].
    pub fn learn(history: &History, currency: Currency, now: DateTime<Utc>) -> Profile {
        let mut claims: Vec<_> = history.claims.iter().filter(|c| c.at <= now).collect();
        claims.sort_by_key(|c| c.at);

        let totals: Vec<i128> = claims
            .iter()
            // A claim across providers can draw in several currencies: it is a sample of every
            // currency it drew in (one claim, counted once everywhere else).
            .map(|c| c.total_minor(currency))
            .filter(|total| *total > 0)
            .collect();
        let money = |minor: i128| saturating_money(minor, currency);
        let amounts = Summary::of(&totals).map(|s| AmountHabits {
            samples: s.count,
            min: money(s.min),
            q1: money(s.q1),
            median: money(s.median),
            q3: money(s.q3),
            p90: money(s.p90),
            max: money(s.max),
            mad: money(s.mad),
        });

        let window = |span: Duration| {
            let from = now - span;
            let inside: Vec<_> = claims.iter().filter(|c| c.at > from).collect();
            let sum = inside
                .iter()
                .fold(0i128, |s, c| s.saturating_add(c.total_minor(currency)));
            Velocity {
                count: count_u32(inside.len()),
                sum: money(sum),
            }
        };

        // Busiest trailing windows, by two pointers over the sorted claims: for each claim, the
        // claims in (at − span, at].
        let mut busiest_hour = 0u32;
        let mut busiest_day = 0i128;
        let (mut hour_start, mut day_start, mut day_sum) = (0usize, 0usize, 0i128);
        for (i, claim) in claims.iter().enumerate() {
            while claims[hour_start].at <= claim.at - Duration::hours(1) {
                hour_start += 1;
            }
            busiest_hour = busiest_hour.max(count_u32(i + 1 - hour_start));
            day_sum = day_sum.saturating_add(claim.total_minor(currency));
            while claims[day_start].at <= claim.at - Duration::hours(24) {
                day_sum = day_sum.saturating_sub(claims[day_start].total_minor(currency));
                day_start += 1;
            }
            busiest_day = busiest_day.max(day_sum);
        }

        let mut hours = [0u32; 24];
        for claim in &claims {
            if let Some(slot) = hours.get_mut(claim.at.hour() as usize) {
                *slot = slot.saturating_add(1);
            }
        }

        let last_verified = history.last_verified();
        let unverified: Vec<_> = claims
            .iter()
            .filter(|c| !c.verified && last_verified.is_none_or(|v| c.at > v))
            .collect();
        let since_verification = Velocity {
            count: count_u32(unverified.len()),
            sum: money(
                unverified
                    .iter()
                    .fold(0i128, |s, c| s.saturating_add(c.total_minor(currency))),
            ),
        };

        let network_from = now - Duration::days(NETWORK_WINDOW_DAYS);
        Profile {
            currency,
            now,
            confirmed: count_u32(claims.len()),
            first_at: claims.first().map(|c| c.at),
            newest_at: history.newest(),
            amounts,
            last_hour: window(Duration::hours(1)),
            last_day: window(Duration::hours(24)),
            busiest_hour,
            busiest_day_sum: money(busiest_day),
            providers: claims
                .iter()
                .flat_map(|c| c.legs.iter().map(|l| l.provider.clone()))
                .chain(
                    history
                        .provider_verifications
                        .iter()
                        .filter(|v| v.is_valid_at(now))
                        .map(|v| v.provider.clone()),
                )
                .collect(),
            destinations: claims
                .iter()
                .flat_map(|c| c.legs.iter().map(|l| l.destination.clone()))
                .collect(),
            networks: claims
                .iter()
                .filter(|c| c.at > network_from)
                .map(|c| c.network.clone())
                .collect(),
            hours,
            last_verified,
            since_verification,
            disputes: count_u32(history.disputes.len()),
        }
    }

    /// The UTC hours holding the most claims, busiest first (ties by hour), for "you usually
    /// redeem around 19:00".
    pub fn usual_hours(&self, how_many: usize) -> Vec<u32> {
        let mut hours: Vec<(u32, u32)> =
            (0u32..24).zip(self.hours).filter(|(_, n)| *n > 0).collect();
        hours.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        hours.into_iter().take(how_many).map(|(h, _)| h).collect()
    }
}

fn count_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Minor units as money, saturating at the decimal range: a learned statistic never fails.
pub(crate) fn saturating_money(minor: i128, currency: Currency) -> Money {
    Money::from_minor_i128(minor, currency).unwrap_or_else(|_| {
        let max = i128::from(i64::MAX);
        Money::from_minor(
            i64::try_from(minor.clamp(-max, max)).unwrap_or(i64::MAX),
            currency,
        )
    })
}
