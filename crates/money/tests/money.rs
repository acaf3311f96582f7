//! Integration tests of the public API, one module per `src/` module.

// Test code may unwrap, expect and panic: that is how a test fails. The workspace denies
// them in product code (Cargo.toml's [workspace.lints]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A test reads the workspace's manifests: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

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
fn every_crate_denies_panicking_shortcuts_outside_tests() {
    // Once, for the workspace: its lints deny them, and every member takes its lints.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let lints = &workspace[workspace
        .find("[workspace.lints.clippy]")
        .expect("the workspace has clippy lints")..];
    for lint in ["unwrap_used", "expect_used", "panic", "todo"] {
        assert!(
            lints.contains(&format!("{lint} = \"deny\"")),
            "the workspace must deny clippy::{lint}"
        );
    }
    let mut members: Vec<_> = std::fs::read_dir(root.join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    members.extend([root.join("src-tauri"), root.join("tests")]);
    for member in members {
        let manifest = std::fs::read_to_string(member.join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains("[lints]\nworkspace = true"),
            "{} takes the workspace's lints",
            member.display()
        );
    }
}
