//! Sources: the platform accounts value arrives from.
//!
//! Decision: a [`Platform`] is a closed list of the formats we know how to import (Ko-fi,
//! PayPal, Stripe, GitHub Sponsors) plus platforms that have no public export and are imported
//! through a saved [`crate::MappingProfile`] (the Korean streaming platforms by name, and
//! `Generic` with the profile's name). A [`Source`] is one account on one platform in one
//! currency, with its payout rule kept as data (threshold) plus free text (schedule), because
//! schedules ("1st–10th, paid around month end") are for people, thresholds for forecasts.

use serde::{Deserialize, Serialize};
use std::fmt;
use tipvault_money::{Currency, Money};

/// A platform value arrives from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "profile", rename_all = "snake_case")]
pub enum Platform {
    /// Ko-fi (transactions CSV).
    #[serde(rename = "kofi")]
    KoFi,
    /// PayPal (activity CSV).
    #[serde(rename = "paypal")]
    PayPal,
    /// Stripe (balance transactions CSV).
    Stripe,
    /// GitHub Sponsors (transactions CSV).
    #[serde(rename = "github_sponsors")]
    GitHubSponsors,
    /// Toonation (Korean; imported through a mapping profile).
    Toonation,
    /// Twip (Korean; imported through a mapping profile).
    Twip,
    /// SOOP, formerly AfreecaTV (Korean; imported through a mapping profile).
    Soop,
    /// Chzzk (Korean; imported through a mapping profile).
    Chzzk,
    /// Patreon (imported through a mapping profile).
    Patreon,
    /// Buy Me a Coffee (imported through a mapping profile).
    #[serde(rename = "buymeacoffee")]
    BuyMeACoffee,
    /// Twitch Bits and subscriptions (imported through a mapping profile).
    Twitch,
    /// Any other platform, named after the mapping profile used to import it.
    Generic(String),
}

impl Platform {
    /// A stable, lower-case ASCII slug used in de-duplication keys and journal account names.
    /// For `Generic`, the profile name as given (sanitised by each exporter as its syntax needs).
    pub fn slug(&self) -> &str {
        match self {
            Platform::KoFi => "kofi",
            Platform::PayPal => "paypal",
            Platform::Stripe => "stripe",
            Platform::GitHubSponsors => "github-sponsors",
            Platform::Toonation => "toonation",
            Platform::Twip => "twip",
            Platform::Soop => "soop",
            Platform::Chzzk => "chzzk",
            Platform::Patreon => "patreon",
            Platform::BuyMeACoffee => "buymeacoffee",
            Platform::Twitch => "twitch",
            Platform::Generic(name) => name,
        }
    }

    /// The name people know the platform by.
    pub fn display_name(&self) -> &str {
        match self {
            Platform::KoFi => "Ko-fi",
            Platform::PayPal => "PayPal",
            Platform::Stripe => "Stripe",
            Platform::GitHubSponsors => "GitHub Sponsors",
            Platform::Toonation => "Toonation",
            Platform::Twip => "Twip",
            Platform::Soop => "SOOP",
            Platform::Chzzk => "Chzzk",
            Platform::Patreon => "Patreon",
            Platform::BuyMeACoffee => "Buy Me a Coffee",
            Platform::Twitch => "Twitch",
            Platform::Generic(name) => name,
        }
    }

    /// Whether this platform is imported only through a mapping profile.
    pub fn needs_profile(&self) -> bool {
        matches!(
            self,
            Platform::Toonation
                | Platform::Twip
                | Platform::Soop
                | Platform::Chzzk
                | Platform::Patreon
                | Platform::BuyMeACoffee
                | Platform::Twitch
                | Platform::Generic(_)
        )
    }

    /// Every named platform (not `Generic`), in the order people pick from.
    pub const NAMED: [Platform; 11] = [
        Platform::KoFi,
        Platform::PayPal,
        Platform::Stripe,
        Platform::GitHubSponsors,
        Platform::Patreon,
        Platform::BuyMeACoffee,
        Platform::Twitch,
        Platform::Toonation,
        Platform::Twip,
        Platform::Soop,
        Platform::Chzzk,
    ];

    /// The payout rule the platform publishes, as a default for a new source (the user may
    /// edit it). `None` where the platform pays out without a threshold (Ko-fi pays straight
    /// to PayPal or Stripe) or its rule depends on the account (Stripe's minimum differs per
    /// currency; SOOP's and Chzzk's on the streamer's grade). Sources: the platforms' own
    /// help pages, gathered 2026-11 (`docs/LEDGER.md`).
    pub fn default_payout(&self) -> Option<PayoutRule> {
        let rule = |minor: i64, code: &str, schedule: &str| {
            let currency = Currency::from_code(code).ok()?;
            Some(PayoutRule {
                threshold: Money::from_minor(minor, currency),
                schedule: schedule.to_owned(),
            })
        };
        match self {
            Platform::Toonation => rule(
                40_000,
                "KRW",
                "request between the 1st and 10th; paid around month end",
            ),
            Platform::Twip => rule(50_000, "KRW", "payout at ₩50,000 net"),
            Platform::Patreon => rule(1_000, "USD", "PayPal payout from $10 (1% fee)"),
            Platform::Twitch => rule(5_000, "USD", "from $50, Net 45"),
            _ => None,
        }
    }
}

/// Where a platform account's money is (DESIGN.md §2, "Account").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Whereabouts {
    /// The platform holds the income until the user requests (or reaches) a payout: its
    /// balance is real money, but only the platform can pay it out.
    HeldByPlatform,
    /// The platform paid every payment straight out (to `to`): the balance is income history,
    /// never money left to cash out.
    PaidOut {
        /// Where it went ("PayPal or Stripe").
        to: &'static str,
    },
    /// The platform account *is* the user's balance there (PayPal, Stripe): it holds the
    /// money until the user withdraws it.
    Wallet,
}

impl Platform {
    /// Where this platform keeps the money of its income. Sources: the platforms' help pages
    /// (`../shared/IMPORT-FORMATS.md`, "payout rules"). Ko-fi and Buy Me a Coffee pay each
    /// payment straight to the creator's PayPal or Stripe; the Korean platforms, Patreon,
    /// Twitch and GitHub Sponsors hold it until a payout; a platform imported through a
    /// profile of the user's own is assumed to hold it (the user knows; nothing is ever
    /// cashed out from a platform account either way, see `tipvault-app`'s accounts).
    pub fn whereabouts(&self) -> Whereabouts {
        match self {
            Platform::KoFi | Platform::BuyMeACoffee => Whereabouts::PaidOut {
                to: "PayPal or Stripe",
            },
            Platform::PayPal | Platform::Stripe => Whereabouts::Wallet,
            Platform::GitHubSponsors
            | Platform::Toonation
            | Platform::Twip
            | Platform::Soop
            | Platform::Chzzk
            | Platform::Patreon
            | Platform::Twitch
            | Platform::Generic(_) => Whereabouts::HeldByPlatform,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// The identifier of a [`Source`], chosen by the app layer (stable across imports: it is part
/// of every de-duplication key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceId(pub String);

impl SourceId {
    /// Wraps an identifier.
    pub fn new(id: impl Into<String>) -> SourceId {
        SourceId(id.into())
    }

    /// The identifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// When a platform pays out: a threshold the balance must reach and the schedule in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRule {
    /// The balance at which a payout becomes possible (e.g. ₩40,000 on Toonation).
    pub threshold: Money,
    /// The schedule as the platform states it, for people ("request 1st–10th, paid month end").
    pub schedule: String,
}

/// One account on one platform, in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Stable identifier (part of de-duplication keys).
    pub id: SourceId,
    /// What the user calls it ("Ko-fi main").
    pub label: String,
    /// The platform.
    pub platform: Platform,
    /// The account's currency (entries in other currencies are still accepted: PayPal accounts
    /// hold several; this is the currency the payout rule and forecasts use).
    pub currency: Currency,
    /// The payout rule, when the platform has one.
    pub payout: Option<PayoutRule>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_distinct_and_ascii() {
        let all = [
            Platform::KoFi,
            Platform::PayPal,
            Platform::Stripe,
            Platform::GitHubSponsors,
            Platform::Toonation,
            Platform::Twip,
            Platform::Soop,
            Platform::Chzzk,
            Platform::Patreon,
            Platform::BuyMeACoffee,
            Platform::Twitch,
        ];
        assert!(all.iter().all(|p| Platform::NAMED.contains(p)));
        let slugs: std::collections::BTreeSet<_> = all.iter().map(Platform::slug).collect();
        assert_eq!(
            slugs.len(),
            all.len(),
            "slugs key de-duplication: must be distinct"
        );
        assert!(slugs.iter().all(|s| s.is_ascii()));
    }

    #[test]
    fn default_payouts_are_the_published_thresholds() {
        let threshold = |p: Platform| p.default_payout().map(|r| r.threshold.to_string());
        assert_eq!(threshold(Platform::Toonation).as_deref(), Some("40000 KRW"));
        assert_eq!(threshold(Platform::Twip).as_deref(), Some("50000 KRW"));
        assert_eq!(threshold(Platform::Patreon).as_deref(), Some("10.00 USD"));
        // Buy Me a Coffee pays each supporter's payment straight out (Stripe): no threshold.
        assert_eq!(threshold(Platform::BuyMeACoffee), None);
        assert_eq!(threshold(Platform::Twitch).as_deref(), Some("50.00 USD"));
        assert_eq!(threshold(Platform::KoFi), None);
    }

    #[test]
    fn paid_out_platforms_are_the_ones_without_a_balance_to_cash_out() {
        let paid_out: Vec<_> = Platform::NAMED
            .iter()
            .filter(|p| matches!(p.whereabouts(), Whereabouts::PaidOut { .. }))
            .collect();
        assert_eq!(paid_out, [&Platform::KoFi, &Platform::BuyMeACoffee]);
        // A platform with a payout threshold holds the money until then.
        for p in Platform::NAMED {
            if p.default_payout().is_some() {
                assert_eq!(p.whereabouts(), Whereabouts::HeldByPlatform, "{p}");
            }
        }
        assert_eq!(
            Platform::Generic("x".into()).whereabouts(),
            Whereabouts::HeldByPlatform
        );
    }

    #[test]
    fn platform_serde_round_trips_generic_name() {
        let p = Platform::Generic("투네이션 시트".into());
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Platform>(&json).unwrap(), p);
        assert_eq!(
            serde_json::to_string(&Platform::KoFi).unwrap(),
            r#"{"kind":"kofi"}"#
        );
        assert_eq!(
            serde_json::to_string(&Platform::GitHubSponsors).unwrap(),
            r#"{"kind":"github_sponsors"}"#
        );
    }
}
