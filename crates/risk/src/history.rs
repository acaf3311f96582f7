//! What the engine is told: the confirmed history, disputes, the last verification, and the
//! claim being judged.
//!
//! Decision: a history record is a whole confirmed *claim* (one executed plan) with its legs,
//! not a loose leg. Amount habits and velocity are about what the user asks for at once (the
//! plan's total); familiarity (providers, destinations) is about each leg. The app groups the
//! vault's per-leg rows by redemption id to build these records.
//!
//! Identifiers are opaque strings the caller computes: a destination is a *fingerprint* (a
//! salted hash of the phone number or account, never the number itself) and a network is a
//! salted hash of what identifies the user's network. The caller stores network hashes under the
//! 30-day retention class (DESIGN §2); the engine only ever looks 30 days back
//! ([`NETWORK_WINDOW_DAYS`](crate::profile::NETWORK_WINDOW_DAYS)) so nothing is lost by that.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tipvault_money::{Currency, Money};

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier the caller computed.
            pub fn new(id: impl Into<String>) -> Self {
                Self(id.into())
            }

            /// The identifier as given.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The last four characters, enough for a person to tell two apart on screen
            /// without showing a whole fingerprint.
            pub fn tail(&self) -> String {
                let chars: Vec<char> = self.0.chars().collect();
                let start = chars.len().saturating_sub(4);
                chars[start..].iter().collect()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

opaque_id!(
    /// A cash-out provider, as named in its catalog.
    ProviderId
);
opaque_id!(
    /// A salted fingerprint of a destination (phone number, account): never the value itself.
    DestinationFingerprint
);
opaque_id!(
    /// A salted hash of the user's network, computed by the caller; kept 30 days.
    NetworkHash
);
opaque_id!(
    /// The id of one executed plan (a redemption), grouping its legs.
    ClaimId
);
opaque_id!(
    /// A source of value (a tip platform account, an app's points).
    SourceId
);

/// What a leg buys: the catalog's product kinds.
pub use tipvault_catalog::ProductKind;

/// One leg of a claim: where one part of the amount goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leg {
    /// The provider that executes this leg.
    pub provider: ProviderId,
    /// What the leg buys.
    pub product: ProductKind,
    /// Where it goes (fingerprint).
    pub destination: DestinationFingerprint,
    /// The amount debited for this leg.
    pub amount: Money,
}

/// A claim the provider confirmed: part of the history the profile is learned from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmedClaim {
    /// The redemption this was.
    pub id: ClaimId,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// The network it was made from (salted hash).
    pub network: NetworkHash,
    /// Whether the user confirmed it with a step-up (an authenticator assertion).
    pub verified: bool,
    /// Its legs; a redemption across providers may draw in several currencies.
    pub legs: Vec<Leg>,
}

impl ConfirmedClaim {
    /// The currency of the claim (its first leg's); `None` for a claim without legs.
    pub fn currency(&self) -> Option<Currency> {
        self.legs.first().map(|leg| leg.amount.currency())
    }

    /// The sum of the legs in `currency`, ignoring legs in any other currency. Saturates at
    /// `i128` (no real history comes near it), so learning never fails on odd input.
    pub fn total_minor(&self, currency: Currency) -> i128 {
        self.legs
            .iter()
            .filter(|leg| leg.amount.currency() == currency)
            .fold(0i128, |sum, leg| {
                sum.saturating_add(leg.amount.to_minor_i128())
            })
    }
}

/// A dispute the user opened about a redemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    /// When it was opened.
    pub at: DateTime<Utc>,
    /// The disputed redemption.
    pub claim: ClaimId,
}

/// A provider's signed, expiring statement that it verified the user (`/v1/verifications`).
/// The caller checked the signature under the provider's pinned key; only the token's claims
/// reach the engine.
///
/// Decision: a verification is about the *account at that provider*, not about the person at
/// the keyboard now, so it never replaces a step-up. Its one effect is on familiarity: a
/// provider the user holds a valid verification with is not a *new* provider
/// ([`RuleId::NewProvider`](crate::RuleId::NewProvider) does not fire for it). Expired tokens,
/// and tokens dated after the claim, count for nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderVerification {
    /// The provider that issued it.
    pub provider: ProviderId,
    /// When the provider issued it.
    pub issued_at: DateTime<Utc>,
    /// When it stops counting.
    pub expires_at: DateTime<Utc>,
}

impl ProviderVerification {
    /// Whether it counts at `now`: issued at or before, expiring after.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.issued_at <= now && now < self.expires_at
    }
}

/// Everything the engine learns from. The caller reads it from the vault each time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Confirmed claims, in any order.
    pub claims: Vec<ConfirmedClaim>,
    /// Disputes, in any order.
    pub disputes: Vec<Dispute>,
    /// The last successful step-up of any kind (a claim, a limit change, an unlock with a key
    /// does not count: only approvals of money leaving). `None` if never.
    pub last_verification: Option<DateTime<Utc>>,
    /// Providers' verification tokens (see [`ProviderVerification`]), in any order.
    #[serde(default)]
    pub provider_verifications: Vec<ProviderVerification>,
}

impl History {
    /// The newest moment the history knows of: its newest claim, dispute or verification.
    pub fn newest(&self) -> Option<DateTime<Utc>> {
        let claims = self.claims.iter().map(|c| c.at);
        let disputes = self.disputes.iter().map(|d| d.at);
        claims.chain(disputes).chain(self.last_verification).max()
    }

    /// The last time money leaving was verified: the recorded verification or the newest
    /// verified claim, whichever is later.
    pub fn last_verified(&self) -> Option<DateTime<Utc>> {
        self.claims
            .iter()
            .filter(|c| c.verified)
            .map(|c| c.at)
            .chain(self.last_verification)
            .max()
    }
}

/// The claim being judged: the plan's total and legs, made now from a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The caller's clock at the moment of the claim: the engine's only "now".
    pub at: DateTime<Utc>,
    /// The network the claim is made from (salted hash).
    pub network: NetworkHash,
    /// The plan's total debit; must equal the sum of the legs.
    pub total: Money,
    /// The legs.
    pub legs: Vec<Leg>,
}
