//! Time zones by their IANA names (`Asia/Seoul`, `UTC`), read from the system's time zone
//! database.
//!
//! Why the system's copy: the rules change several times a year (a country drops daylight
//! saving or moves its offset), and the operating system's tzdata updates bring each change to
//! every program at once. A copy compiled into the app would be as old as the build, and it was
//! also the largest single part of the desktop binary (about 1.7 MB of tables and their
//! relocations). Linux and macOS keep the database in `/usr/share/zoneinfo` (`TZDIR` overrides
//! it); Windows has none in that form, so there `jiff` builds a copy in.
//!
//! Old and alternative names (`Asia/Calcutta`, `US/Pacific`) are found under their current ones
//! through the database's own links, kept in `zone/links.rs`: distributions have begun to ship
//! those links separately, and such names still arrive from web engines and saved profiles.
//!
//! Only two things are asked of a zone here: which local date and time an instant falls on
//! ([`Zone::local`]), and the first instant a local date and time names ([`Zone::earliest`]).
//! Both go through chrono types, which the rest of Tipvault uses.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, Offset, TimeDelta, Timelike, Utc};
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

mod links;

/// A time zone from the system's database, by its IANA name.
///
/// Compared, hashed, shown and serialised by its canonical name (the database's spelling:
/// `asia/seoul` is found and becomes `Asia/Seoul`).
#[derive(Clone)]
pub struct Zone {
    name: Arc<str>,
    tz: TimeZone,
}

/// A name the system's time zone database does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", if *.no_database {
    format!("no time zone database was found on this system to look up {:?} in", .name)
} else {
    format!("unknown time zone {:?}", .name)
})]
pub struct UnknownZone {
    /// The name as given.
    pub name: String,
    /// The system has no time zone database at all (Linux without its `tzdata` package):
    /// then only `UTC` is known, and the fix is the package, not another name.
    pub no_database: bool,
}

impl Zone {
    /// Coordinated Universal Time; always known, with or without a database.
    pub fn utc() -> Self {
        Zone {
            name: Arc::from("UTC"),
            tz: TimeZone::UTC,
        }
    }

    /// The zone with this IANA name (surrounding space and letter case are ignored).
    pub fn named(name: &str) -> Result<Self, UnknownZone> {
        let unknown = || UnknownZone {
            name: name.to_owned(),
            no_database: jiff::tz::db().is_definitively_empty(),
        };
        let wanted = name.trim();
        if wanted.is_empty() {
            return Err(unknown());
        }
        // UTC needs no database: it stays known on a system without one (the CLI's default).
        if wanted.eq_ignore_ascii_case("UTC") {
            return Ok(Zone::utc());
        }
        // An old name is looked up under its current one, which every system has; the old one
        // itself only where the distribution still ships its links.
        let current = links::current_name(wanted);
        let tz = current
            .and_then(|current| jiff::tz::db().get(current).ok())
            .map_or_else(|| jiff::tz::db().get(wanted), Ok)
            .map_err(|_| unknown())?;
        // jiff's placeholder for "no idea" (`Etc/Unknown`) behaves as UTC under another name.
        if tz.is_unknown() {
            return Err(unknown());
        }
        let canonical = tz.iana_name().unwrap_or(wanted);
        Ok(Zone {
            name: Arc::from(canonical),
            tz,
        })
    }

    /// The zone's IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The local date and time `at` falls on here, with the offset in force then.
    pub fn local(&self, at: DateTime<Utc>) -> DateTime<FixedOffset> {
        // Instants outside jiff's range (years beyond ±9999) take the offset at its edge.
        let timestamp = jiff::Timestamp::new(
            at.timestamp().clamp(
                jiff::Timestamp::MIN.as_second(),
                jiff::Timestamp::MAX.as_second(),
            ),
            0,
        )
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let offset = FixedOffset::east_opt(self.tz.to_offset(timestamp).seconds())
            .unwrap_or_else(|| Utc.fix());
        at.with_timezone(&offset)
    }

    /// The earliest instant at which clocks here show `local`: the only one, or the first of
    /// two when clocks go back; `None` when clocks skip it (a daylight-saving gap) or it lies
    /// beyond the years the database covers.
    pub fn earliest(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(local.year()).ok()?,
            i8::try_from(local.month()).ok()?,
            i8::try_from(local.day()).ok()?,
            i8::try_from(local.hour()).ok()?,
            i8::try_from(local.minute()).ok()?,
            i8::try_from(local.second()).ok()?,
            // A leap second (chrono's nanoseconds ≥ 10⁹) is placed on the second before it.
            i32::try_from(local.nanosecond().min(999_999_999)).ok()?,
        )
        .ok()?;
        let at = |offset: jiff::tz::Offset| {
            local
                .checked_sub_signed(TimeDelta::seconds(i64::from(offset.seconds())))
                .map(|utc| utc.and_utc())
        };
        match self.tz.to_ambiguous_timestamp(civil).offset() {
            AmbiguousOffset::Unambiguous { offset } => at(offset),
            AmbiguousOffset::Gap { .. } => None,
            AmbiguousOffset::Fold { before, after } => match (at(before), at(after)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl std::hash::Hash for Zone {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Zone").field(&self.name).finish()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl FromStr for Zone {
    type Err = UnknownZone;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Zone::named(s)
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Zone::named(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|date| date.and_hms_opt(h, min, 0))
            .unwrap()
    }

    #[test]
    fn names_are_found_in_any_case_and_kept_in_the_databases_spelling() {
        let seoul = Zone::named(" asia/SEOUL ").unwrap();
        assert_eq!(seoul.name(), "Asia/Seoul");
        assert_eq!(seoul, Zone::named("Asia/Seoul").unwrap());
        assert_eq!(Zone::named("UTC").unwrap(), Zone::utc());
        assert_eq!(
            "Europe/Berlin".parse::<Zone>().unwrap().to_string(),
            "Europe/Berlin"
        );
    }

    #[test]
    fn old_names_are_found_under_their_current_ones_whether_or_not_the_system_ships_them() {
        for (old, current) in [
            ("Asia/Calcutta", "Asia/Kolkata"),
            ("US/Pacific", "America/Los_Angeles"),
            ("asia/saigon", "Asia/Ho_Chi_Minh"),
            ("Europe/Kiev", "Europe/Kyiv"),
        ] {
            let zone = Zone::named(old).unwrap();
            assert_eq!(zone.name(), current, "{old}");
            assert_eq!(zone, Zone::named(current).unwrap());
        }
        // UTC is answered without the database, in any case.
        assert_eq!(Zone::named(" utc ").unwrap(), Zone::utc());
    }

    #[test]
    fn every_link_leads_to_a_zone_this_system_has_under_its_current_name() {
        let names: Vec<&str> = links::LINKS.iter().map(|(old, _)| *old).collect();
        let mut sorted = names.clone();
        sorted.sort_by_key(|n| n.to_ascii_lowercase());
        assert_eq!(
            names, sorted,
            "the table is searched by halves: keep it sorted"
        );
        for (old, current) in links::LINKS {
            assert!(
                jiff::tz::db().get(current).is_ok(),
                "{old} → {current}, which the system's database lacks"
            );
        }
    }

    #[test]
    fn unknown_and_empty_names_are_refused_with_the_name() {
        for name in [
            "Mars/Olympus_Mons",
            "",
            "  ",
            "../../etc/passwd",
            "+09:00",
            "Etc/Unknown",
        ] {
            let err = Zone::named(name).unwrap_err();
            assert_eq!(err.name, name);
            assert!(!err.no_database, "this machine has a time zone database");
        }
    }

    #[test]
    fn an_instant_is_shown_with_the_offset_in_force_then() {
        let new_york = Zone::named("America/New_York").unwrap();
        let winter = new_york.local(at(2026, 1, 15, 12, 0).and_utc());
        assert_eq!(winter.offset().local_minus_utc(), -5 * 3600);
        assert_eq!(winter.naive_local(), at(2026, 1, 15, 7, 0));
        let summer = new_york.local(at(2026, 7, 15, 12, 0).and_utc());
        assert_eq!(summer.offset().local_minus_utc(), -4 * 3600);
        let seoul = Zone::named("Asia/Seoul").unwrap();
        // 15:30 UTC on the 31st is already the next day, and the next year, in Seoul.
        let new_year = seoul.local(at(2026, 12, 31, 15, 30).and_utc());
        assert_eq!(new_year.naive_local(), at(2027, 1, 1, 0, 30));
        // Far outside the database's years the offset at its edge is used, without failing.
        let far = DateTime::<Utc>::MAX_UTC;
        assert_eq!(seoul.local(far).offset().local_minus_utc(), 9 * 3600);
    }

    #[test]
    fn a_local_time_names_its_instant_none_in_a_gap_and_the_first_in_a_fold() {
        let new_york = Zone::named("America/New_York").unwrap();
        assert_eq!(
            new_york.earliest(at(2026, 1, 15, 7, 0)),
            Some(at(2026, 1, 15, 12, 0).and_utc())
        );
        // 2026-03-08 02:30 does not happen in New York: clocks go from 02:00 to 03:00.
        assert_eq!(new_york.earliest(at(2026, 3, 8, 2, 30)), None);
        // 2026-11-01 01:30 happens twice; the first is still daylight time (UTC−4).
        assert_eq!(
            new_york.earliest(at(2026, 11, 1, 1, 30)),
            Some(at(2026, 11, 1, 5, 30).and_utc())
        );
        assert_eq!(
            Zone::utc().earliest(at(2026, 3, 8, 2, 30)),
            Some(at(2026, 3, 8, 2, 30).and_utc())
        );
        // Years jiff does not cover have no instant.
        assert_eq!(Zone::utc().earliest(at(12_000, 1, 1, 0, 0)), None);
    }

    #[test]
    fn zones_serialise_as_their_names_and_unknown_names_fail_to_load() {
        let seoul = Zone::named("Asia/Seoul").unwrap();
        let json = serde_json::to_string(&seoul).unwrap();
        assert_eq!(json, r#""Asia/Seoul""#);
        assert_eq!(serde_json::from_str::<Zone>(&json).unwrap(), seoul);
        let err = serde_json::from_str::<Zone>(r#""Nowhere/Atlantis""#).unwrap_err();
        assert!(err.to_string().contains("Nowhere/Atlantis"), "{err}");
    }
}
