//! The desktop shell's wiring: every command the build script declares is granted to the main
//! window and registered with the invoke handler, and nothing else is granted.

use std::collections::BTreeSet;

/// The quoted names in `build.rs`'s `COMMANDS` list.
fn declared() -> BTreeSet<String> {
    let build = include_str!("../build.rs");
    let start = build
        .find("const COMMANDS")
        .expect("build.rs declares COMMANDS");
    let list = &build[start
        ..build[start..]
            .find("];")
            .map(|e| start + e)
            .expect("the list ends")];
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The `allow-…` permissions of the default capability, as command names.
fn granted() -> BTreeSet<String> {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).expect("valid JSON");
    capability["permissions"]
        .as_array()
        .expect("a permission list")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect()
}

/// The commands named in `generate_handler![…]` in `lib.rs`.
fn registered() -> BTreeSet<String> {
    let lib = include_str!("../src/lib.rs");
    let start = lib
        .find("generate_handler![")
        .expect("lib.rs registers commands");
    let end = start + lib[start..].find(']').expect("the list ends");
    // Each entry is `module::command`, separated by commas.
    lib[start + "generate_handler![".len()..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit("::").next().unwrap_or(s).to_owned())
        .collect()
}

#[test]
fn every_declared_command_is_granted_and_nothing_more() {
    assert_eq!(
        declared(),
        granted(),
        "build.rs COMMANDS and capabilities/default.json differ"
    );
}

#[test]
fn every_registered_command_is_declared() {
    assert_eq!(
        registered(),
        declared(),
        "lib.rs generate_handler! and build.rs COMMANDS differ"
    );
}

#[test]
fn the_main_window_gets_no_core_permission_beyond_events() {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    let core: Vec<&str> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.starts_with("core:"))
        .collect();
    assert_eq!(
        core,
        ["core:event:default"],
        "the UI needs only to listen for events"
    );
}
