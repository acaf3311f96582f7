//! Integration tests of the public API, one module per `src/` module.

#[path = "money/allocation.rs"]
mod allocation;
#[path = "money/currency.rs"]
mod currency;
#[path = "money/error.rs"]
mod error;
#[path = "money/format.rs"]
mod format;
#[path = "money/fx.rs"]
mod fx;
#[path = "money/money.rs"]
mod money;
#[path = "money/rounding.rs"]
mod rounding;
#[path = "money/strategies.rs"]
mod strategies;

/// Every source file of the crate, to check rules the compiler cannot.
const SOURCES: [(&str, &str); 9] = [
    ("lib.rs", include_str!("../src/lib.rs")),
    ("allocation.rs", include_str!("../src/allocation.rs")),
    ("currency.rs", include_str!("../src/currency.rs")),
    ("error.rs", include_str!("../src/error.rs")),
    ("exact.rs", include_str!("../src/exact.rs")),
    ("format.rs", include_str!("../src/format.rs")),
    ("fx.rs", include_str!("../src/fx.rs")),
    ("money.rs", include_str!("../src/money.rs")),
    ("rounding.rs", include_str!("../src/rounding.rs")),
];

#[test]
fn no_floating_point_type_appears_in_the_crate() {
    // clippy::float_arithmetic (denied in lib.rs) only sees arithmetic; this also catches a
    // stray `as f64`, `to_f64()` or `from_f64()` that would make a money value inexact.
    let needles = ["f32", "f64"];
    for (file, text) in SOURCES {
        for needle in needles {
            let found = text
                .match_indices(needle)
                .any(|(at, _)| !text[..at].ends_with(|c: char| c.is_ascii_alphanumeric()));
            assert!(
                !found,
                "{file} mentions {needle}: money must never touch floats"
            );
        }
    }
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    for (file, text) in SOURCES {
        assert!(
            text.starts_with("//!"),
            "{file} must open with a module doc comment saying what it owns"
        );
    }
}

#[test]
fn the_crate_denies_panicking_shortcuts_outside_tests() {
    let lib = SOURCES[0].1;
    for lint in [
        "clippy::unwrap_used",
        "clippy::expect_used",
        "clippy::panic",
    ] {
        assert!(lib.contains(lint), "lib.rs must deny {lint}");
    }
}
