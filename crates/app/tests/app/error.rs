//! Errors say what to do next as data ([`Hint`]), which each front end renders its own way:
//! no message of the app names a command-line command or flag (the desktop shows messages).

use tipvault_app::{AppError, ErrorCode, Hint};

/// The string literals of `code` (comments skipped), each with the line it starts on: a small
/// lexer, so a message continued over several lines is read whole.
fn literals(code: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        match chars[i] {
            '\n' => line += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            // A char literal ('"' or '\''), not a lifetime: skip it whole.
            '\'' if chars.get(i + 1) == Some(&'\\') => {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
            }
            '\'' if chars.get(i + 2) == Some(&'\'') => i += 2,
            'r' if matches!(chars.get(i + 1), Some('"' | '#')) => {
                let hashes = chars[i + 1..].iter().take_while(|c| **c == '#').count();
                if chars.get(i + 1 + hashes) == Some(&'"') {
                    let (start, mut text) = (line, String::new());
                    i += 2 + hashes;
                    let close: String = std::iter::once('"')
                        .chain("#".repeat(hashes).chars())
                        .collect();
                    while i < chars.len()
                        && !chars[i..].iter().collect::<String>().starts_with(&close)
                    {
                        if chars[i] == '\n' {
                            line += 1;
                        }
                        text.push(chars[i]);
                        i += 1;
                    }
                    out.push((start, text));
                    i += close.len();
                    continue;
                }
            }
            '"' => {
                let (start, mut text) = (line, String::new());
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        text.push(chars[i]);
                        i += 1;
                    }
                    if chars.get(i) == Some(&'\n') {
                        line += 1;
                    }
                    if let Some(c) = chars.get(i) {
                        text.push(*c);
                    }
                    i += 1;
                }
                out.push((start, text));
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// Every string literal of the app's sources (every file under `src/`, folders included), with
/// its path relative to `src/` and its line.
fn source_literals() -> Vec<(String, usize, String)> {
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    assert!(
        files.iter().any(|f| f.starts_with(src.join("redemption"))),
        "the walk reaches the module folders"
    );
    let mut out = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests at the end of a file may quote anything.
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        let name = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for (line, literal) in literals(code) {
            out.push((name.clone(), line, literal));
        }
    }
    out
}

#[test]
fn the_lexer_reads_a_message_continued_over_lines() {
    let code = "let a = '\"'; // \"not this\"\nf(\"one \\\n   two\", r#\"raw \"x\"\"#, 'b');";
    let found: Vec<String> = literals(code).into_iter().map(|(_, t)| t).collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("one ") && found[0].ends_with("two"),
        "{found:?}"
    );
    assert_eq!(found[1], "raw \"x\"");
}

#[test]
fn no_app_message_names_a_command_or_a_flag() {
    let mut found = Vec::new();
    for (file, line, text) in source_literals() {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let flag = text
            .split(" --")
            .skip(1)
            .any(|rest| rest.starts_with(|c: char| c.is_ascii_lowercase()));
        if text.contains("`tipvault ") || text.contains("tipvault verify") || flag {
            found.push(format!("{file}:{line}: {}", text.trim()));
        }
    }
    assert!(
        found.is_empty(),
        "messages in CLI syntax:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_hint_travels_with_the_error_as_data() {
    let err = AppError::invalid("No provider is set up.").with_hint(Hint::AddProvider);
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let json = serde_json::to_value(&err).unwrap();
    assert_eq!(json["hint"], serde_json::json!({ "kind": "add_provider" }));
    let json = serde_json::to_value(AppError::invalid("x").with_hint(Hint::GiveDestination {
        product: "krw-mobile-top-up".into(),
        field: "phone_number".into(),
    }))
    .unwrap();
    assert_eq!(
        json["hint"],
        serde_json::json!({ "kind": "give_destination", "product": "krw-mobile-top-up", "field": "phone_number" })
    );
    assert_eq!(
        serde_json::to_value(AppError::invalid("x")).unwrap()["hint"],
        serde_json::Value::Null
    );
}
