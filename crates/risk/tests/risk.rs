//! Integration tests of tipvault-risk; modules mirror `src/` (plus `support` and the
//! simulation's goals).

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests may read the clock and files: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

#[path = "risk/autocashout.rs"]
mod autocashout;
#[path = "risk/decision.rs"]
mod decision;
#[path = "risk/headroom.rs"]
mod headroom;
#[path = "risk/limits.rs"]
mod limits;
#[path = "risk/profile.rs"]
mod profile;
#[path = "risk/reason.rs"]
mod reason;
#[path = "risk/rules.rs"]
mod rules;
#[path = "risk/simulation.rs"]
mod simulation_goals;
#[path = "risk/stats.rs"]
mod stats;
#[path = "risk/status.rs"]
mod status;
#[path = "risk/support.rs"]
mod support;
#[path = "risk/tier.rs"]
mod tier;

#[path = "../simulation/mod.rs"]
mod simulation;

/// Every source file of the crate, to check rules the compiler cannot.
const SOURCES: [(&str, &str); 13] = [
    ("lib.rs", include_str!("../src/lib.rs")),
    ("autocashout.rs", include_str!("../src/autocashout.rs")),
    ("decision.rs", include_str!("../src/decision.rs")),
    ("error.rs", include_str!("../src/error.rs")),
    ("history.rs", include_str!("../src/history.rs")),
    ("limits.rs", include_str!("../src/limits.rs")),
    ("profile.rs", include_str!("../src/profile.rs")),
    ("reason.rs", include_str!("../src/reason.rs")),
    ("rules.rs", include_str!("../src/rules.rs")),
    ("settings.rs", include_str!("../src/settings.rs")),
    ("stats.rs", include_str!("../src/stats.rs")),
    ("status.rs", include_str!("../src/status.rs")),
    ("tier.rs", include_str!("../src/tier.rs")),
];

#[test]
fn no_floating_point_type_appears_in_the_crate() {
    for (file, text) in SOURCES {
        for needle in ["f32", "f64"] {
            let found = text
                .match_indices(needle)
                .any(|(at, _)| !text[..at].ends_with(|c: char| c.is_ascii_alphanumeric()));
            assert!(
                !found,
                "{file} mentions {needle}: money and scores stay exact"
            );
        }
    }
}

#[test]
fn the_engine_reads_no_clock_and_draws_no_randomness() {
    for (file, text) in SOURCES {
        for needle in [
            "Utc::now",
            "Local::now",
            "SystemTime",
            "Instant::now",
            "rand::",
        ] {
            assert!(
                !text.contains(needle),
                "{file} uses {needle}: the engine must be pure (time and history are passed in)"
            );
        }
    }
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    for (file, text) in SOURCES {
        assert!(
            text.starts_with("//!"),
            "{file} must open with a module doc comment"
        );
    }
}
