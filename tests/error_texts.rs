//! Every error text a person can read is written for people: no command-line flag or
//! `tipvault …` command (the desktop renders hints as buttons and sentences instead), no
//! format string such as `%Y-%m-%d`, no Rust type or path. The app's messages come from two
//! places, and both are scanned here in the source of every crate whose errors reach a front
//! end: the `#[error("…")]` texts of the typed errors, and the texts given to `AppError::new`
//! and `AppError::invalid`. (The window's own wrapping of each code and hint is checked in
//! `ui/src/lib/shell/errors.test.ts`, in both languages.)

// Test code may unwrap, expect and panic: that is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

/// The crates whose errors reach the desktop or the command line, and the desktop shell.
const SOURCES: &[&str] = &[
    "crates/app/src",
    "crates/auth/src",
    "crates/catalog/src",
    "crates/evidence/src",
    "crates/ledger/src",
    "crates/money/src",
    "crates/preview/src",
    "crates/risk/src",
    "crates/vault/src",
    "crates/wire/src",
    "src-tauri/src",
];

/// What no message may contain, and why.
const FORBIDDEN: &[(&str, &str)] = &[
    (
        "--",
        "a command-line flag (hints are data; each front end says them its own way)",
    ),
    (
        "tipvault ",
        "a command to type (the desktop has no command line)",
    ),
    ("%Y", "a format string"),
    ("%m", "a format string"),
    ("%d", "a format string"),
    ("%H", "a format string"),
    ("RoundingMode", "a Rust type"),
    ("Decimal", "a Rust type"),
    ("Option<", "a Rust type"),
    ("Result<", "a Rust type"),
    ("Vec<", "a Rust type"),
    ("::", "a Rust path"),
    ("usize", "a Rust type"),
    ("i64", "a Rust type"),
    ("u64", "a Rust type"),
    ("unwrap", "a Rust method"),
];

/// The command line's verbs (`crates/cli/src/main.rs`): a quoted text that starts with one is
/// a command to type (`` `auth list` ``), which the desktop has no place for. Quoted values
/// (`` `rd_123` ``, a header name) are fine.
const VERBS: &[&str] = &[
    "init",
    "status",
    "unlock",
    "check",
    "auth",
    "passphrase",
    "rekey",
    "purge",
    "retention",
    "audit",
    "export-key",
    "catalog",
    "account",
    "preview",
    "settings",
    "source",
    "import",
    "balance",
    "history",
    "totals",
    "forecast",
    "export",
    "provider",
    "redeem",
    "redemptions",
    "reconcile",
    "dispute",
    "receipt",
    "verify-bundle",
    "privacy-ledger",
    "sandbox",
    "demo",
    "risk",
    "verify",
    "cancel",
    "autocashout",
];

/// Messages that must name a format string, each with the reason.
const ALLOWED: &[(&str, &str)] = &[(
    "is not a valid strftime pattern",
    "a mapping profile's author writes strftime patterns: the message shows the syntax to use",
)];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals in `text` (plain `"…"` with escapes, and raw `r"…"`/`r#"…"#`), with
/// the byte offset each starts at.
fn literals(text: &str) -> Vec<(usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            // A line comment: skip to its end (doc comments are not messages).
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            // A character literal such as '"' must not open a string.
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 3,
            b'\'' if bytes.get(i + 1) == Some(&b'\\') && bytes.get(i + 3) == Some(&b'\'') => i += 4,
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) =>
            {
                let mut j = i + 1;
                let mut hashes = 0;
                while bytes.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if bytes.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let start = j + 1;
                let end = text[start..]
                    .find(&close)
                    .map_or(bytes.len(), |e| start + e);
                out.push((i, text[start..end].to_owned()));
                i = end + close.len();
            }
            b'"' => {
                let mut s = String::new();
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] != b'"' {
                    if bytes[j] == b'\\' {
                        // A line continuation drops the newline and the next line's indent.
                        if bytes.get(j + 1) == Some(&b'\n') {
                            j += 2;
                            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                                j += 1;
                            }
                            continue;
                        }
                        j += 2;
                        continue;
                    }
                    let ch_len = text[j..].chars().next().map_or(1, char::len_utf8);
                    s.push_str(&text[j..j + ch_len]);
                    j += ch_len;
                }
                out.push((i, s));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Where the call or attribute opened at `open` (the index of its `(`) closes.
fn closing(text: &str, open: usize) -> usize {
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    let mut i = open;
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            if b == b'\\' {
                i += 2;
                continue;
            }
            if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b'(' {
            depth += 1;
        } else if b == b')' {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
        i += 1;
    }
    bytes.len()
}

/// The messages of one source file: the literals inside `#[error(…)]`, inside the arguments
/// of `AppError::new(…)` / `AppError::invalid(…)`, and in the `Err(format!(…))` texts the
/// import parsers return for a bad row. Unit tests at the end of a file (`#[cfg(test)]`) are
/// left out.
fn messages(text: &str) -> Vec<(usize, String)> {
    let code = text.find("#[cfg(test)]").map_or(text, |at| &text[..at]);
    let mut spans = Vec::new();
    for opener in [
        "#[error(",
        "AppError::new(",
        "AppError::invalid(",
        "Err(format!(",
    ] {
        let mut from = 0;
        while let Some(at) = code[from..].find(opener) {
            let open = from + at + opener.len() - 1;
            spans.push((open, closing(code, open)));
            from = open + 1;
        }
    }
    let all = literals(code);
    let mut out: Vec<(usize, String)> = all
        .into_iter()
        .filter(|(at, _)| spans.iter().any(|(s, e)| at > s && at < e))
        // A pattern given to `.format(…)` prints a value (a date) into the message.
        .filter(|(at, _)| !code[..*at].trim_end().ends_with(".format("))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What is wrong with one message: each forbidden pattern it contains, with why.
fn problems_in(message: &str) -> Vec<(&'static str, &'static str)> {
    if ALLOWED.iter().any(|(m, _)| message.contains(m)) {
        return Vec::new();
    }
    let mut found: Vec<(&'static str, &'static str)> = FORBIDDEN
        .iter()
        .filter(|(pattern, _)| message.contains(pattern))
        .copied()
        .collect();
    // Every other piece between backticks is a quoted text.
    let quoted_command = message.split('`').skip(1).step_by(2).any(|quoted| {
        let first = quoted.split_whitespace().next().unwrap_or_default();
        VERBS.contains(&first)
    });
    if quoted_command {
        found.push((
            "`verb …`",
            "a command to type (the desktop has no command line)",
        ));
    }
    found
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

#[test]
fn no_message_names_a_flag_a_format_string_or_a_rust_type() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in SOURCES {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    let mut scanned = 0;
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (at, message) in messages(&text) {
            scanned += 1;
            for (pattern, why) in problems_in(&message) {
                problems.push(format!(
                    "{}:{}: {why} ({pattern:?}) in {message:?}",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    line_of(&text, at)
                ));
            }
        }
    }
    // The scan itself works: it found the app's messages (hundreds of them).
    assert!(
        scanned > 300,
        "only {scanned} messages found: is the scan broken?"
    );
    assert!(
        problems.is_empty(),
        "{} messages are not written for people:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// A command-line command or flag in a text: `` `tipvault … `` or ` --flag`.
fn cli_syntax(text: &str) -> bool {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let flag = text
        .split(" --")
        .skip(1)
        .any(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()));
    text.contains("`tipvault ") || text.contains("tipvault verify") || flag
}

#[test]
fn no_text_of_the_app_is_in_command_line_syntax() {
    // Every string of the app crate, not only its error texts: views and notices reach the
    // desktop too.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    rust_files(&root.join("crates/app/src"), &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("redemption/")),
        "the walk reaches the module folders"
    );
    let mut found = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let code = text
            .find("#[cfg(test)]")
            .map_or(text.as_str(), |at| &text[..at]);
        for (at, literal) in literals(code) {
            if cli_syntax(&literal) {
                found.push(format!(
                    "{}:{}: {literal}",
                    file.strip_prefix(&root).unwrap_or(file).display(),
                    line_of(code, at)
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "texts in command-line syntax:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_lexer_reads_a_message_continued_over_lines() {
    let code = "let a = '\"'; // \"not this\"\nf(\"one \\\n   two\", r#\"raw \"x\"\"#, 'b');";
    let found: Vec<String> = literals(code).into_iter().map(|(_, t)| t).collect();
    assert_eq!(found, ["one two", "raw \"x\""], "{found:?}");
    assert!(cli_syntax("pass --dest krw.phone=VALUE") && !cli_syntax("a — b"));
}

#[test]
fn the_scan_finds_what_it_forbids() {
    let planted = r##"
        #[error("pass --dest {field}=VALUE")]
        Missing { field: String },
        fn f() -> AppError {
            AppError::invalid(format!("expected %Y-%m-%d, got {}", x))
        }
        fn g() -> AppError { AppError::new(ErrorCode::Internal, "round it with a RoundingMode") }
        fn h() -> AppError { AppError::invalid("see `auth list`") }
    "##;
    let found: Vec<String> = messages(planted).into_iter().map(|(_, m)| m).collect();
    assert_eq!(
        found,
        [
            "pass --dest {field}=VALUE",
            "expected %Y-%m-%d, got {}",
            "round it with a RoundingMode",
            "see `auth list`"
        ]
    );
    // And each is refused for what it is.
    let why: Vec<Vec<&str>> = found
        .iter()
        .map(|m| problems_in(m).into_iter().map(|(p, _)| p).collect())
        .collect();
    assert_eq!(
        why,
        [
            vec!["--"],
            vec!["%Y", "%m", "%d"],
            vec!["RoundingMode"],
            vec!["`verb …`"]
        ]
    );
    assert!(problems_in("the provider key `ab12` is not the pinned key `cd34`").is_empty());
    assert!(problems_in("Give the account a name of 1–200 characters.").is_empty());
}
