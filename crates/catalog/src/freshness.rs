//! Whether a catalog may still be used, as a pure function of `now`.
//!
//! Decision: the three states answer two different questions. A **stale** catalog (past
//! `stale_after`) still gives previews, shown as stale, because fees rarely change overnight
//! and the user should see something offline; an **expired** catalog (at or past `expires_at`)
//! must never back a redemption, and a preview built on it says so. The clock is never read
//! here: `now` is passed in.

use chrono::{DateTime, Utc};

/// How current a catalog is at a given moment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    /// Before `stale_after`: use it as it is.
    Fresh,
    /// From `stale_after` until `expires_at`: usable for previews, shown as stale; refresh it
    /// before redeeming if you can.
    Stale,
    /// From `expires_at` on: not usable for a redemption; previews must say so.
    Expired,
}

impl Freshness {
    /// The freshness at `now` of a catalog with these dates. A catalog issued in the future
    /// (the device clock is behind) counts as fresh: refusing it would punish a skewed clock,
    /// and expiry still bounds its use.
    pub fn at(now: DateTime<Utc>, stale_after: DateTime<Utc>, expires_at: DateTime<Utc>) -> Self {
        if now >= expires_at {
            Freshness::Expired
        } else if now >= stale_after {
            Freshness::Stale
        } else {
            Freshness::Fresh
        }
    }

    /// Whether a redemption may be based on a catalog in this state.
    pub fn allows_redemption(self) -> bool {
        self != Freshness::Expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn boundaries_belong_to_the_later_state() {
        let t = |d| Utc.with_ymd_and_hms(2026, 11, d, 0, 0, 0).single();
        let (Some(stale), Some(expires), Some(before)) = (t(10), t(20), t(9)) else {
            unreachable!("valid dates")
        };
        assert_eq!(Freshness::at(before, stale, expires), Freshness::Fresh);
        assert_eq!(Freshness::at(stale, stale, expires), Freshness::Stale);
        assert_eq!(Freshness::at(expires, stale, expires), Freshness::Expired);
        assert!(!Freshness::Expired.allows_redemption());
        assert!(Freshness::Stale.allows_redemption());
    }
}
