//! docs/ARCHITECTURE.md's crate graph is the workspace's as `cargo metadata` reports it: the
//! block between its `crate-graph` markers is rendered from the manifests here and compared, so
//! the map cannot drift from the code. A failure prints the block to paste.

// Test code may unwrap, expect and panic: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

const BEGIN: &str =
    "<!-- crate-graph:begin (rendered from cargo metadata by tests/architecture.rs) -->";
const END: &str = "<!-- crate-graph:end -->";

/// Each workspace crate's normal dependencies on other workspace crates (short names without
/// `tipvault-`), an optional one marked so.
fn workspace_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let members: BTreeSet<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let short = |name: &str| name.trim_start_matches("tipvault-").to_owned();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].is_null() && members.contains(d["name"].as_str().unwrap()))
                .map(|d| {
                    let name = short(d["name"].as_str().unwrap());
                    if d["optional"].as_bool() == Some(true) {
                        format!("{name} (optional)")
                    } else {
                        name
                    }
                })
                .collect();
            (short(p["name"].as_str().unwrap()), deps)
        })
        .collect()
}

/// The longest chain of dependencies below `name` (0 for a leaf).
fn height(graph: &BTreeMap<String, BTreeSet<String>>, name: &str) -> usize {
    graph[name]
        .iter()
        .map(|dep| 1 + height(graph, dep.trim_end_matches(" (optional)")))
        .max()
        .unwrap_or(0)
}

/// The graph as the doc shows it, top down: the front ends first, the leaves last.
fn render(graph: &BTreeMap<String, BTreeSet<String>>) -> String {
    let mut order: Vec<_> = graph.iter().collect();
    order.sort_by_key(|(name, _)| (std::cmp::Reverse(height(graph, name)), (*name).clone()));
    let width = graph.keys().map(String::len).max().unwrap_or(0);
    let mut out = String::from("```\n");
    for (name, deps) in order {
        let deps = if deps.is_empty() {
            "(none: a leaf)".to_owned()
        } else {
            deps.iter().cloned().collect::<Vec<_>>().join(", ")
        };
        out.push_str(&format!("{name:<width$} ─► {deps}\n"));
    }
    out.push_str("```\n");
    out
}

#[test]
fn the_architecture_docs_crate_graph_is_cargo_metadatas() {
    let graph = workspace_graph();
    assert!(
        graph.contains_key("app") && graph.contains_key("vault"),
        "{graph:?}"
    );
    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/ARCHITECTURE.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap();
    let block = doc
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(block, _)| block.trim_start_matches('\n'))
        .unwrap_or_else(|| panic!("docs/ARCHITECTURE.md has no {BEGIN} … {END} block"));
    let expected = render(&graph);
    assert_eq!(
        block, expected,
        "docs/ARCHITECTURE.md's crate graph is out of date; replace the block with:\n{expected}"
    );
}

#[test]
fn no_crate_below_the_app_knows_the_app_or_a_front_end() {
    let graph = workspace_graph();
    let top = ["app", "cli", "desktop", "tests"];
    for (name, deps) in &graph {
        if top.contains(&name.as_str()) {
            continue;
        }
        for dep in deps {
            assert!(
                !top.contains(&dep.trim_end_matches(" (optional)")),
                "{name} depends on {dep}: dependencies point down only"
            );
        }
    }
}
