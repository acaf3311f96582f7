//! The UI's typed backend, written from the boundary's list: one function per command, one
//! subscriber per event, with the argument, answer and payload types ts-rs exports.
//!
//! `cargo test` writes it into ts-rs's export directory beside the types it imports (the test
//! below); `scripts/test.sh` fails when that changes the committed file, so the UI cannot call
//! a command by a name, argument or type the desktop does not have.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{Command, Event};

/// The file's name in the export directory.
pub const FILE: &str = "boundary.ts";

/// `dry_run` → `dryRun`: Tauri's name for a command argument on the JavaScript side.
fn camel(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `VAULT_LOCKED` → `VaultLocked`.
fn pascal(constant: &str) -> String {
    constant
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first
                    .to_uppercase()
                    .chain(chars.flat_map(char::to_lowercase))
                    .collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

fn doc(out: &mut String, indent: &str, lines: &[&str]) {
    // A `*/` in a doc comment would end the JSDoc comment early.
    let clean = |line: &str| line.trim().replace("*/", "*\\/");
    match lines {
        [] => {}
        [line] => {
            let _ = writeln!(out, "{indent}/** {} */", clean(line));
        }
        lines => {
            let _ = writeln!(out, "{indent}/**");
            for line in lines {
                let _ = writeln!(out, "{indent} * {}", clean(line));
            }
            let _ = writeln!(out, "{indent} */");
        }
    }
}

/// The module's text.
pub fn render(commands: &[Command], events: &[Event]) -> String {
    // Type name → the file ts-rs wrote it to (without `.ts`), for the imports.
    let mut imports = BTreeMap::new();
    for dep in commands
        .iter()
        .flat_map(|c| &c.types)
        .chain(events.iter().flat_map(|e| &e.types))
    {
        let path = dep.output_path.with_extension("");
        imports.insert(dep.ts_name.clone(), path.to_string_lossy().into_owned());
    }

    let mut out = String::new();
    out.push_str(
        "// Generated from src-tauri/src/boundary/list.rs by `cargo test` (boundary/typescript.rs).\n\
         // Do not edit: change the list, run the tests, and commit what they write.\n",
    );
    out.push_str("import { call, subscribe, type UnlistenFn } from '../transport';\n");
    for (name, path) in &imports {
        let _ = writeln!(out, "import type {{ {name} }} from './{path}';");
    }

    out.push_str("\n/** Every command the window may call, typed as the desktop declares it. */\n");
    out.push_str("export const commands = {\n");
    for command in commands {
        doc(&mut out, "  ", command.docs);
        // A trailing run of optional arguments may be left out (sent as null).
        let optional_from = command
            .args
            .iter()
            .rposition(|(_, ty)| !ty.ends_with("| null"))
            .map_or(0, |last_required| last_required + 1);
        let params: Vec<String> = command
            .args
            .iter()
            .enumerate()
            .map(|(i, (name, ty))| {
                let default = if i >= optional_from { " = null" } else { "" };
                format!("{}: {ty}{default}", camel(name))
            })
            .collect();
        let names: Vec<String> = command.args.iter().map(|(name, _)| camel(name)).collect();
        let args = if names.is_empty() {
            String::new()
        } else {
            format!(", {{ {} }}", names.join(", "))
        };
        let _ = writeln!(
            out,
            "  {}: ({}): Promise<{answer}> =>\n    call<{answer}>('{}'{args}),",
            camel(command.name),
            params.join(", "),
            command.name,
            answer = command.answer,
        );
    }
    out.push_str("};\n");

    out.push_str("\n/** Every event's name on the wire. */\nexport const EVENTS = {\n");
    for event in events {
        let _ = writeln!(out, "  {}: '{}',", event.constant, event.name);
    }
    out.push_str("} as const;\n");

    out.push_str(
        "\n/** A subscriber per event: each returns the function that stops listening. */\n",
    );
    out.push_str("export const events = {\n");
    for event in events {
        doc(&mut out, "  ", event.docs);
        let _ = writeln!(
            out,
            "  on{}: (handler: (payload: {payload}) => void): Promise<UnlistenFn> =>\n    subscribe<{payload}>('{}', handler),",
            pascal(event.constant),
            event.name,
            payload = event.payload,
        );
    }
    out.push_str("};\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_tauri_and_the_ui() {
        assert_eq!(camel("plan_digest"), "planDigest");
        assert_eq!(camel("id"), "id");
        assert_eq!(pascal("VAULT_LOCKED"), "VaultLocked");
    }

    #[test]
    fn trailing_optional_arguments_may_be_left_out() {
        let command = Command {
            name: "set_limit",
            docs: &[],
            args: vec![
                ("currency", "string".into()),
                ("amount", "string | null".into()),
                ("kind", "string".into()),
                ("reauth", "ReauthInput | null".into()),
            ],
            answer: "boolean".into(),
            types: Vec::new(),
        };
        let text = render(&[command], &[]);
        // `amount` comes before a required argument: it must be passed (null or a value).
        assert!(
            text.contains(
                "setLimit: (currency: string, amount: string | null, kind: string, reauth: ReauthInput | null = null)"
            ),
            "{text}"
        );
        assert!(text.contains("call<boolean>('set_limit', { currency, amount, kind, reauth })"));
    }

    /// Writes the UI's backend (the way ts-rs writes the types it imports, on every test run).
    #[test]
    fn export_bindings_boundary() {
        let cfg = ts_rs::Config::from_env();
        let text = render(
            &super::super::command_list(&cfg),
            &super::super::event_list(&cfg),
        );
        let dir = cfg.out_dir();
        std::fs::create_dir_all(dir).expect("the export directory");
        let path = dir.join(FILE);
        // Rewritten only when different, so an unchanged boundary leaves the file alone.
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&path, text).expect("the UI's backend is written");
        }
    }
}
