//! The crate's shape: no module depends on itself through others (a newcomer can read every
//! path top to bottom), and a directory's `mod.rs` holds only documentation and `mod` lines,
//! so every dependency is one file's on another's.
//!
//! A dependency is a `crate::…` or `super::…` path in a file's code (comments and its
//! `#[cfg(test)] mod tests` left out), resolved to the longest module path that names a file.
//! `lib.rs` is left out: it only declares modules and re-exports the public API.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module file under `src/`, by module path (`redemption::outbox`).
fn module_files() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &[String], out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut inner = prefix.to_vec();
                inner.push(stem);
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut parts = prefix.to_vec();
                if stem != "mod" {
                    parts.push(stem);
                }
                let name = parts.join("::");
                if name != "lib" {
                    out.insert(name, path);
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &[],
        &mut out,
    );
    out
}

/// The code of a file: without its unit tests and without comments.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let text = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The members of a `{…}` group starting at `text` (after its `{`), each expanded to its full
/// path, nested groups included; and how many bytes the group took.
fn group_members(prefix: &[String], text: &str) -> (Vec<Vec<String>>, usize) {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    let bytes = text.as_bytes();
    let flush = |current: &mut String, out: &mut Vec<Vec<String>>| {
        let member = current.trim();
        if !member.is_empty() && member != "self" {
            let mut path = prefix.to_vec();
            path.extend(
                member
                    .split(" as ")
                    .next()
                    .unwrap_or(member)
                    .split("::")
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty()),
            );
            out.push(path);
        }
        current.clear();
    };
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                let mut inner = prefix.to_vec();
                inner.extend(
                    current
                        .trim()
                        .trim_end_matches("::")
                        .split("::")
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty()),
                );
                current.clear();
                let (members, used) = group_members(&inner, &text[i + 1..]);
                out.extend(members);
                i += used + 1;
            }
            b'}' => {
                flush(&mut current, &mut out);
                return (out, i + 1);
            }
            b',' => flush(&mut current, &mut out),
            c => current.push(c as char),
        }
        i += 1;
    }
    flush(&mut current, &mut out);
    (out, i)
}

/// The paths after `crate::` and `super::` (expanded to `crate::` paths) in `code`, including
/// each member of a `crate::{a::{b, c}, d}` group.
fn referenced_paths(module: &str, code: &str) -> Vec<Vec<String>> {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    let parent: Vec<String> = module
        .split("::")
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .split_last()
        .map(|(_, rest)| rest.to_vec())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (anchor, base) in [("crate::", Vec::new()), ("super::", parent)] {
        for (at, _) in code.match_indices(anchor) {
            // A longer identifier ending in the anchor (`my_super::`) is not one.
            if code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let rest = &code[at + anchor.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                out.extend(group_members(&base, group).0);
            } else {
                let end = rest.find(|c| !is_path_char(c)).unwrap_or(rest.len());
                let path_text = &rest[..end];
                let mut path = base.clone();
                path.extend(
                    path_text
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
                if path_text.ends_with("::") && rest[end..].starts_with('{') {
                    out.extend(group_members(&path, &rest[end + 1..]).0);
                } else {
                    out.push(path);
                }
            }
        }
    }
    out
}

/// Each module file's dependencies on the others. Panics on a path that names no module file
/// (an item through the crate root's re-exports, a glob): the check must see every link, so
/// code inside the crate names the module that defines what it uses.
fn dependency_graph() -> BTreeMap<String, BTreeSet<String>> {
    let files = module_files();
    let directories: BTreeSet<&String> = files
        .iter()
        .filter(|(_, path)| path.file_name().is_some_and(|n| n == "mod.rs"))
        .map(|(module, _)| module)
        .collect();
    // Items defined in lib.rs itself (not re-exported there) are the root's own, like
    // `VERSION`: using them is no link between modules.
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let root_items: BTreeSet<String> = lib
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("pub ").unwrap_or(line);
            ["const ", "static ", "fn ", "struct ", "enum ", "type "]
                .iter()
                .find_map(|kind| rest.strip_prefix(kind))
                .and_then(|rest| {
                    rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .next()
                        .map(str::to_owned)
                })
        })
        .collect();
    files
        .iter()
        .map(|(module, path)| {
            let mut deps = BTreeSet::new();
            for parts in referenced_paths(module, &code(path)) {
                if parts.len() == 1 && root_items.contains(&parts[0]) {
                    continue;
                }
                let Some(dep) = (1..=parts.len())
                    .rev()
                    .map(|k| parts[..k].join("::"))
                    .find(|candidate| files.contains_key(candidate))
                else {
                    panic!(
                        "{module} uses crate::{}, which names no module of the crate: name \
                         the module that defines it",
                        parts.join("::")
                    );
                };
                assert!(
                    !directories.contains(&dep),
                    "{module} uses crate::{} through the folder module {dep}: name the file \
                     that defines it",
                    parts.join("::")
                );
                if dep != *module {
                    deps.insert(dep);
                }
            }
            (module.clone(), deps)
        })
        .collect()
}

/// A cycle through `graph`, as the modules on it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let from = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = stack[from..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let graph = dependency_graph();
    assert!(
        graph.len() > 40,
        "the walk found the crate's files: {:?}",
        graph.keys()
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "a dependency circle: {} (move what they share into a module both may depend on)",
            cycle.join(" → ")
        );
    }
}

/// Every module `from` reaches, directly or through others.
fn reachable(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(node) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    seen
}

#[test]
fn the_redemption_path_depends_only_on_what_comes_before_it() {
    let graph = dependency_graph();
    let path = [
        "redemption::lookup",
        "redemption::plan",
        "risk::gate",
        "redemption::approval",
        "redemption::booking",
        "redemption::outbox",
        "redemption::held",
        "redemption::verification",
    ];
    for (i, step) in path.iter().enumerate() {
        let reached = reachable(&graph, step);
        for later in &path[i + 1..] {
            assert!(
                !reached.contains(*later),
                "{step} depends, directly or not, on {later}, which comes after it on the path"
            );
        }
    }
}

#[test]
fn a_directory_module_file_holds_only_documentation_and_module_lines() {
    for (module, path) in module_files() {
        if path.file_name().is_none_or(|n| n != "mod.rs") {
            continue;
        }
        for line in code(&path).lines().map(str::trim) {
            assert!(
                line.is_empty() || (line.starts_with("pub mod ") && line.ends_with(';')),
                "{module}'s mod.rs holds code ({line:?}): put it in a file of its own, so the \
                 dependency check sees whose it is"
            );
        }
    }
}

#[test]
fn the_check_sees_a_circle_when_there_is_one() {
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
    ]);
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let paths = referenced_paths(
        "redemption::outbox",
        "use crate::{risk::{gate::gate, claim}, view};\nuse crate::risk::decision::{a, b};\n\
         use super::booking::x;\nlet a = my_super::q;",
    );
    assert_eq!(
        paths,
        vec![
            vec!["risk".to_owned(), "gate".into(), "gate".into()],
            vec!["risk".to_owned(), "claim".into()],
            vec!["view".to_owned()],
            vec!["risk".to_owned(), "decision".into(), "a".into()],
            vec!["risk".to_owned(), "decision".into(), "b".into()],
            vec!["redemption".to_owned(), "booking".into(), "x".into()],
        ]
    );
}
