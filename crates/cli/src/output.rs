//! How results and errors reach the terminal: text for people, or one JSON document per run
//! for scripts (`--json`). Errors go to stderr as `{"error": {code, message}}` in JSON mode so
//! that stdout only ever holds a successful result.

use serde::Serialize;
use tipvault_app::AppError;

pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Prints a result: serialised as JSON, or the text that `human` renders.
    pub fn value<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            match serde_json::to_string_pretty(value) {
                Ok(text) => println!("{text}"),
                Err(e) => eprintln!("tipvault: could not encode the result as JSON: {e}"),
            }
        } else {
            println!("{}", human());
        }
    }

    pub fn error(&self, err: &AppError) {
        if self.json {
            let doc = serde_json::json!({ "error": err });
            eprintln!("{doc}");
        } else {
            eprintln!("tipvault: {}", err.message);
        }
    }
}
