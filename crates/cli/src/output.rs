//! How results and errors reach the terminal: text for people, or one JSON document per run
//! for scripts (`--json`). Errors go to stderr as `{"error": {code, message}}` in JSON mode so
//! that stdout only ever holds a successful result.

use serde::Serialize;
use tipvault_app::{
    AppError, AuditEntryView, PreviewResult, PurgeView, RekeyProgress, RetentionView,
    preview::ProviderCatalog,
};

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

    /// Prints the raw data key on stdout (nothing else there, for piping) and the warning on
    /// stderr, so the warning is seen even when stdout goes to a file.
    pub fn secret_key(&self, hex: &str) {
        eprintln!(
            "WARNING: this key opens your vault without the passphrase. Anyone who sees it can read \
             everything in it. Keep it offline, and rotate it (`tipvault rekey`) if it leaks.\n\
             Use it in any SQLCipher 4 client with: PRAGMA key = \"x'<key>'\";"
        );
        if self.json {
            println!(
                "{}",
                serde_json::json!({ "key": hex, "format": "sqlcipher4-raw-key-hex" })
            );
        } else {
            println!("{hex}");
        }
    }
}

/// A duration in whole days when it is one, else in hours or seconds.
pub fn days(seconds: u64) -> String {
    match seconds {
        s if s % 86_400 == 0 => match s / 86_400 {
            1 => "1 day".to_owned(),
            n => format!("{n} days"),
        },
        s if s % 3_600 == 0 => format!("{} hours", s / 3_600),
        s => format!("{s} seconds"),
    }
}

pub fn retention_table(classes: &[RetentionView]) -> String {
    let mut text = format!("{:<22} {:>12} {:>12}\n", "CLASS", "KEPT FOR", "DEFAULT");
    for c in classes {
        text.push_str(&format!(
            "{:<22} {:>12} {:>12}\n",
            c.name,
            days(c.seconds),
            days(c.default_seconds)
        ));
    }
    text.trim_end().to_owned()
}

pub fn purge_text(report: &PurgeView) -> String {
    let verb = if report.dry_run {
        "Would delete"
    } else {
        "Deleted"
    };
    let mut text = format!("{verb} {} expired records.", report.total);
    for (class, count) in report.per_class.iter().filter(|(_, n)| **n > 0) {
        text.push_str(&format!("\n  {class:<22} {count:>8}"));
    }
    text
}

pub fn audit_table(entries: &[AuditEntryView]) -> String {
    if entries.is_empty() {
        return "No audit entries.".to_owned();
    }
    let mut text = String::new();
    for e in entries {
        text.push_str(&format!(
            "{:>6}  {}  {:<24} {}\n",
            e.seq,
            e.at.format("%Y-%m-%d %H:%M:%S"),
            e.kind,
            e.detail
        ));
    }
    text.trim_end().to_owned()
}

pub fn rekey_progress(progress: RekeyProgress) -> String {
    match progress {
        RekeyProgress::Checkpointing => "Folding the write-ahead log into the vault…".to_owned(),
        RekeyProgress::Rekeying { pages } => format!("Re-encrypting {pages} pages…"),
        RekeyProgress::Finalizing => "Saving the new key…".to_owned(),
        RekeyProgress::Done { generation } => format!("Done (key generation {generation})."),
    }
}

/// One product of a catalog, for `catalog list --json`.
#[derive(Debug, Serialize)]
pub struct ProductLine {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub currency: String,
    pub destination_fields: Vec<String>,
}

pub fn catalog_products(catalog: &ProviderCatalog) -> Vec<ProductLine> {
    catalog
        .products()
        .iter()
        .map(|p| ProductLine {
            id: p.id().as_str().to_owned(),
            name: p.name().to_owned(),
            kind: tipvault_preview_kind(p.kind()),
            currency: p.currency().code().to_owned(),
            destination_fields: p
                .destination_fields()
                .iter()
                .map(|f| f.name.clone())
                .collect(),
        })
        .collect()
}

fn tipvault_preview_kind<T: Serialize>(kind: T) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn catalog_table(catalog: &ProviderCatalog, products: &[ProductLine]) -> String {
    let mut text = format!(
        "Catalog of {} (version {}, expires {})\n{:<26} {:<15} {:<8} {}\n",
        catalog.provider_id(),
        catalog.version(),
        catalog.expires_at().format("%Y-%m-%d"),
        "PRODUCT",
        "KIND",
        "CURRENCY",
        "SENDS"
    );
    for p in products {
        let sends = if p.destination_fields.is_empty() {
            "nothing".to_owned()
        } else {
            p.destination_fields.join(", ")
        };
        text.push_str(&format!(
            "{:<26} {:<15} {:<8} {}\n",
            p.id, p.kind, p.currency, sends
        ));
    }
    text.trim_end().to_owned()
}

pub fn preview_text(result: &PreviewResult, korean: bool) -> String {
    let mut text = if korean {
        result.explanation.ko.clone()
    } else {
        result.explanation.en.clone()
    };
    if !result.preview.alternatives.is_empty() {
        text.push_str(&format!(
            "\n({} alternative plan(s): use --json to see them.)",
            result.preview.alternatives.len()
        ));
    }
    text
}
