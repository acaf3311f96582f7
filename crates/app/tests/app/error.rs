//! Errors say what to do next as data ([`Hint`]), which each front end renders its own way:
//! no message of the app names a command-line command or flag (the desktop shows messages).

use tipvault_app::{AppError, ErrorCode, Hint};

/// Every string literal line of the app's sources (comments left out).
fn literal_lines() -> Vec<(String, usize, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Unit tests at the end of a file may quote anything.
        let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
        for (i, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") || !line.contains('"') && !trimmed.starts_with('`') {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.push((name, i + 1, line.to_owned()));
        }
    }
    out
}

#[test]
fn no_app_message_names_a_command_or_a_flag() {
    let mut found = Vec::new();
    for (file, line, text) in literal_lines() {
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
