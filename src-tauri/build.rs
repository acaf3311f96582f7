//! Tauri's build step, fed from the boundary's one list (`src/boundary/list.rs`, included
//! below with a macro of this file's own that keeps only the command names):
//! - every command gets an `allow-`/`deny-` permission (Tauri generates them from the names);
//! - `capabilities/default.json`, which grants the main window exactly those commands and
//!   event listening, is written from the same names (rewritten only when it would change;
//!   `scripts/test.sh` fails if a committed copy was stale).

// A build script stops the build with a message: that is how it reports a broken setup.
#![allow(clippy::expect_used, clippy::panic)]

use std::path::Path;

macro_rules! desktop_boundary {
    (
        commands {
            $(
                $(#[doc = $doc:literal])*
                $module:ident :: $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $answer:ty ;
            )*
        }
        events { $($events:tt)* }
    ) => {
        const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

include!("src/boundary/list.rs");

/// The main window's capability: the app's commands and event listening, nothing else (no
/// window, path, dialog or other core command; the dialogs are opened from Rust).
fn capability() -> String {
    let mut permissions = vec!["core:event:default".to_owned()];
    permissions.extend(
        COMMANDS
            .iter()
            .map(|name| format!("allow-{}", name.replace('_', "-"))),
    );
    let permissions = permissions
        .iter()
        .map(|p| format!("    \"{p}\""))
        .collect::<Vec<_>>()
        .join(",\n");
    format!(
        r#"{{
  "$schema": "../gen/schemas/desktop-schema.json",
  "identifier": "default",
  "description": "What the main window may call: the app's own commands and event listening, nothing else. Written by build.rs from src/boundary/list.rs: do not edit.",
  "windows": [
    "main"
  ],
  "permissions": [
{permissions}
  ]
}}
"#
    )
}

fn main() {
    println!("cargo:rerun-if-changed=src/boundary/list.rs");
    let path = Path::new("capabilities/default.json");
    let text = capability();
    if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
        std::fs::write(path, text).expect("capabilities/default.json is written");
    }
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the Tauri build step failed: check tauri.conf.json and capabilities/");
}
