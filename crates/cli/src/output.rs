//! How results and errors reach the terminal: text for people, or one JSON document per run
//! for scripts (`--json`). Errors go to stderr as `{"error": {code, message}}` in JSON mode so
//! that stdout only ever holds a successful result.

use serde::Serialize;
use tipvault_app::{
    AppError, AuditEntryView, BalanceView, ForecastView, Hint, HistoryPageView, ImportProgress,
    ImportSummary, PreviewResult, PurgeView, RekeyProgress, RetentionView, SourceView, TotalView,
    preview::ProviderCatalog,
};
use tipvault_app::{
    Attention, CatalogOutcome, ForecastOutcome, RedemptionView, RiskDecisionView, code_of,
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
            // Messages can quote a file's header or cells: keep them from driving the terminal.
            eprintln!("tipvault: {}", printable(&err.message));
            if let Some(hint) = &err.hint {
                eprintln!("tipvault: next: {}", printable(&next_step(hint)));
            }
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
            println!("{}", key_json(hex));
        } else {
            println!("{hex}");
        }
    }
}

/// What to do next about an error, said as this command line says it.
pub fn next_step(hint: &Hint) -> String {
    match hint {
        Hint::NameVault => "pass --vault PATH or set TIPVAULT_VAULT".to_owned(),
        Hint::AddProvider => {
            "add one with `tipvault provider add URL` (or try `tipvault demo`)".to_owned()
        }
        Hint::ChooseProvider => {
            "name one with --provider ID (see `tipvault provider list`)".to_owned()
        }
        Hint::PairProvider { provider } => {
            format!("`tipvault provider pair CODE --provider {provider}`")
        }
        Hint::ImportCatalog => "`tipvault catalog import FILE`".to_owned(),
        Hint::ListProducts => "see `tipvault catalog list`".to_owned(),
        Hint::ListSources => "see `tipvault source list`".to_owned(),
        Hint::GiveDestination { product, field } => format!("pass --dest {product}.{field}=VALUE"),
        Hint::VerifyOrCancel { redemption } => {
            format!("`tipvault verify {redemption}` or `tipvault cancel {redemption}`")
        }
        Hint::CancelAndReplan { redemption } => {
            format!("`tipvault cancel {redemption}`, then plan it again")
        }
        Hint::SendFirst { redemption } => {
            format!("send it first (`tipvault redeem`, or approve {redemption})")
        }
        Hint::RemoveSecurityKey { id } => format!("`tipvault auth remove {id}`"),
        Hint::ConfirmProviderKey {
            url, fingerprint, ..
        } => format!("`tipvault provider add {url} --fingerprint {fingerprint}`"),
    }
}

/// What `auth remove` did, for people.
pub fn key_removed_text(removed: &tipvault_app::SecurityKeyRemoved) -> String {
    let mut text = format!(
        "Removed {:?} (id {}), and replaced the vault key and the data key (generation {}): \
         no copy of the key file taken before opens the vault as it is now. Your passphrase \
         keeps working.",
        removed.key.label, removed.key.id, removed.data_key_generation
    );
    if !removed.unlock_dropped.is_empty() {
        text.push_str(&format!(
            "\n{} other key(s) still approve but no longer unlock; run `auth enable-unlock` \
             with each to unlock with it again.",
            removed.unlock_dropped.len()
        ));
    }
    text
}

/// Registered security keys, one a line.
pub fn security_keys_table(keys: &[tipvault_app::SecurityKeyView]) -> String {
    if keys.is_empty() {
        return "No security keys registered. Add one with `tipvault auth register --label NAME`."
            .to_owned();
    }
    let mut out = String::new();
    for key in keys {
        out.push_str(&format!(
            "{}  {:<20}  unlock: {:<3}  used: {}  counter: {}{}\n",
            key.id,
            printable(&key.label),
            if key.can_unlock { "yes" } else { "no" },
            key.last_used_at.map_or_else(
                || "never".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M").to_string()
            ),
            key.sign_count,
            if key.is_test_device {
                "  (TEST DEVICE)"
            } else {
                ""
            },
        ));
    }
    out.trim_end().to_owned()
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

/// What `tipvault purge` did: the purge the unlock ran first, and the one asked for.
#[derive(Serialize)]
pub struct PurgeRun {
    #[serde(flatten)]
    pub report: PurgeView,
    /// Deleted by the unlock of this run, before the purge asked for (`null` if it failed).
    pub deleted_on_unlock: Option<PurgeView>,
}

fn per_class_lines(text: &mut String, report: &PurgeView) {
    for (class, count) in report.per_class.iter().filter(|(_, n)| **n > 0) {
        text.push_str(&format!("\n  {class:<22} {count:>8}"));
    }
}

pub fn purge_text(run: &PurgeRun) -> String {
    let mut text = String::new();
    if let Some(unlock) = run.deleted_on_unlock.as_ref().filter(|u| u.total > 0) {
        text.push_str(&format!(
            "Opening the vault deleted {} expired {} (every unlock does):",
            unlock.total,
            plural(unlock.total, "record", "records")
        ));
        per_class_lines(&mut text, unlock);
        text.push('\n');
    }
    let report = &run.report;
    if report.total == 0 && !text.is_empty() {
        text.push_str("Nothing else has expired.");
        return text;
    }
    let verb = match (report.dry_run, text.is_empty()) {
        (true, _) => "Would delete",
        (false, true) => "Deleted",
        (false, false) => "Then deleted",
    };
    text.push_str(&format!(
        "{verb} {} expired {}.",
        report.total,
        plural(report.total, "record", "records")
    ));
    per_class_lines(&mut text, report);
    text
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
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

/// Text that came from a file or a payer, made safe for a terminal: control characters (escape
/// sequences could recolour, retitle or hide output) are shown as `\u{…}` escapes.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

pub fn sources_table(sources: &[SourceView]) -> String {
    if sources.is_empty() {
        return "No sources yet. Add one with `tipvault source add`.".to_owned();
    }
    let mut text = format!(
        "{:<20} {:<18} {:<4} {:>14}  {}\n",
        "ID", "PLATFORM", "CUR", "PAYOUT AT", "LABEL"
    );
    for s in sources {
        let threshold = s
            .payout_threshold
            .as_ref()
            .map(|m| m.amount.clone())
            .unwrap_or_else(|| "-".to_owned());
        text.push_str(&format!(
            "{:<20} {:<18} {:<4} {:>14}  {}\n",
            s.id,
            printable(&s.platform_name),
            s.currency,
            threshold,
            printable(&s.label)
        ));
    }
    text.trim_end().to_owned()
}

pub fn platforms_table(platforms: &[tipvault_app::PlatformView]) -> String {
    let mut text = format!(
        "{:<16} {:<18} {:>14}  {}\n",
        "PLATFORM", "NAME", "PAYOUT AT", "SCHEDULE"
    );
    for p in platforms {
        let threshold = p
            .default_threshold
            .as_ref()
            .map(|m| m.en.clone())
            .unwrap_or_else(|| "-".to_owned());
        text.push_str(&format!(
            "{:<16} {:<18} {:>14}  {}\n",
            p.slug,
            p.name,
            threshold,
            p.default_schedule.as_deref().unwrap_or("")
        ));
    }
    text.trim_end().to_owned()
}

pub fn import_progress(p: &ImportProgress) -> String {
    match p.total_bytes {
        Some(total) if total > 0 => format!(
            "Read {} rows ({}%)…",
            p.rows_read,
            p.bytes_read.saturating_mul(100) / total
        ),
        _ => format!("Read {} rows…", p.rows_read),
    }
}

pub fn import_text(s: &ImportSummary) -> String {
    let mut text = format!(
        "{} ({}, {}): {} rows read, {} good, {} bad, {} skipped.",
        s.format,
        printable(&s.format_reason),
        s.encoding,
        s.rows_read,
        s.good_rows,
        s.row_errors.len() as u64 + s.row_errors_not_listed,
        s.skipped
    );
    let verb = if s.committed {
        "Imported"
    } else if s.dry_run {
        "Dry run, nothing written: would import"
    } else {
        "Nothing imported; the file would add"
    };
    text.push_str(&format!(
        "\n{verb} {} new entries into {}; {} already present.",
        s.inserted, s.source, s.duplicates
    ));
    for note in &s.dropped_notes {
        text.push_str(&format!("\nPrivacy: {note}."));
    }
    if !s.row_errors.is_empty() {
        text.push_str("\nBad rows:");
        for e in &s.row_errors {
            if e.column.is_empty() {
                text.push_str(&format!("\n  line {}: {}", e.line, printable(&e.reason)));
            } else {
                text.push_str(&format!(
                    "\n  line {}, column '{}': {}",
                    e.line,
                    printable(&e.column),
                    printable(&e.reason)
                ));
            }
        }
        if s.row_errors_not_listed > 0 {
            text.push_str(&format!("\n  … and {} more", s.row_errors_not_listed));
        }
    }
    for row in &s.skipped_rows {
        text.push_str(&format!(
            "\nSkipped line {}: {}",
            row.line,
            printable(&row.reason)
        ));
    }
    text
}

pub fn balances_table(balances: &[BalanceView]) -> String {
    if balances.is_empty() {
        return "No entries yet.".to_owned();
    }
    let mut text = format!(
        "{:<20} {:<4} {:>8} {:>16} {:>14} {:>16}\n",
        "SOURCE", "CUR", "ENTRIES", "GROSS", "FEES", "BALANCE"
    );
    for b in balances {
        text.push_str(&format!(
            "{:<20} {:<4} {:>8} {:>16} {:>14} {:>16}\n",
            b.source, b.currency, b.entries, b.gross.amount, b.fee.amount, b.net.amount
        ));
    }
    text.trim_end().to_owned()
}

pub fn history_table(page: &HistoryPageView, tz: &tipvault_app::Zone) -> String {
    if page.entries.is_empty() {
        return "No entries.".to_owned();
    }
    let mut text = String::new();
    for e in &page.entries {
        text.push_str(&format!(
            "{}  {:<16} {:<12} {:>12} {:<3}  fee {:>8}  net {:>12}",
            tz.local(e.occurred_at).format("%Y-%m-%d %H:%M"),
            e.source,
            e.kind,
            e.gross.amount,
            e.gross.currency,
            e.fee.amount,
            e.net.amount
        ));
        if let Some(payer) = &e.payer {
            text.push_str(&format!("  from {}", printable(payer)));
        }
        if let Some(message) = &e.message {
            text.push_str(&format!("  \"{}\"", printable(message)));
        }
        text.push('\n');
    }
    if let Some(next) = &page.next {
        text.push_str(&format!("More: --after {next}\n"));
    }
    text.trim_end().to_owned()
}

pub fn totals_table(totals: &[TotalView]) -> String {
    if totals.is_empty() {
        return "No entries.".to_owned();
    }
    let mut text = format!(
        "{:<20} {:<4} {:<10} {:>7} {:>16} {:>14} {:>16}\n",
        "SOURCE", "CUR", "PERIOD", "COUNT", "GROSS", "FEES", "NET"
    );
    for t in totals {
        text.push_str(&format!(
            "{:<20} {:<4} {:<10} {:>7} {:>16} {:>14} {:>16}\n",
            t.source, t.currency, t.period, t.count, t.gross.amount, t.fee.amount, t.net.amount
        ));
    }
    text.trim_end().to_owned()
}

pub fn forecast_text(forecasts: &[ForecastView]) -> String {
    if forecasts.is_empty() {
        return "No source has a payout threshold (`source add … --threshold`).".to_owned();
    }
    let mut lines = Vec::new();
    for f in forecasts {
        let head = format!(
            "{}: balance {} of {} {}",
            f.source, f.balance.amount, f.threshold.amount, f.threshold.currency
        );
        let to_go = f.remaining.as_ref().map_or("", |r| r.amount.as_str());
        let tail = match f.outcome {
            ForecastOutcome::AlreadyReached => {
                "threshold reached: a payout can be requested".to_owned()
            }
            ForecastOutcome::ExpectedAt => format!(
                "{to_go} to go, expected around {} at the last {} days' rate",
                f.expected_at
                    .map(|at| at.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                f.window_days
            ),
            ForecastOutcome::NotAtCurrentRate => format!(
                "{to_go} to go; no income in the last {} days to forecast from",
                f.window_days
            ),
        };
        lines.push(format!("{head} — {tail}"));
    }
    lines.join("\n")
}

/// Prints the raw data key as JSON without building a `serde_json::Value` (which would keep a
/// copy of the key that is never zeroized). Hex needs no escaping.
pub fn key_json(hex: &str) -> String {
    format!("{{\"key\":\"{hex}\",\"format\":\"sqlcipher4-raw-key-hex\"}}")
}

pub(crate) fn describe(r: &RedemptionView) -> String {
    let mut providers: Vec<&str> = r.legs.iter().map(|l| l.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    let mut s = format!(
        "Redemption {} {}{} — {}\n",
        r.id,
        if providers.len() > 1 {
            format!("across {}", providers.join(", "))
        } else {
            format!("at {}", r.provider)
        },
        if r.sandbox {
            " (SANDBOX, demo money)"
        } else {
            ""
        },
        code_of(&r.state)
    );
    // Across providers, every leg says where it goes.
    let across = providers.len() > 1;
    for leg in &r.legs {
        s.push_str(&format!(
            "  leg {}: {}{} {} (fee {}) — {}{}{}\n",
            leg.seq,
            if across {
                format!("{}/", leg.provider)
            } else {
                String::new()
            },
            leg.product,
            leg.amount.en,
            leg.fee.en,
            code_of(&leg.state),
            leg.provider_redemption_id
                .as_deref()
                .map(|p| format!(" [{p}]"))
                .unwrap_or_default(),
            leg.last_error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default(),
        ));
    }
    match r.attention {
        Some(Attention::WaitsForKey) => s.push_str(&format!(
            "  waiting for your confirmation{}: `tipvault verify {}` or `tipvault cancel {}`; \
             why: `tipvault risk explain {}`\n",
            r.risk
                .as_ref()
                .map(|risk| format!(" ({})", code_of(&risk.outcome)))
                .unwrap_or_default(),
            r.id,
            r.id,
            r.id
        )),
        Some(Attention::Refused) => s.push_str(&format!(
            "  refused by the risk check: `tipvault risk explain {}`\n",
            r.id
        )),
        None => {}
    }
    s.trim_end().to_owned()
}

pub(crate) fn reveals(r: &RedemptionView) -> String {
    let mut providers: Vec<&str> = r.legs.iter().map(|l| l.provider.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    let across = providers.len() > 1;
    let mut s = format!(
        "What these requests reveal to {}{}:\n",
        if across {
            format!("{} (each only its own requests)", providers.join(", "))
        } else {
            r.provider.clone()
        },
        if r.sandbox { " (sandbox)" } else { "" }
    );
    for leg in &r.legs {
        s.push_str(&format!(
            "  request {} ({}{}):\n",
            leg.seq,
            leg.product,
            if across {
                format!(", to {}", leg.provider)
            } else {
                String::new()
            }
        ));
        for f in &leg.reveals {
            s.push_str(&format!(
                "    {:<28} {}{}\n",
                f.name,
                f.value,
                if f.personal_data {
                    "   ← personal data"
                } else {
                    ""
                }
            ));
        }
    }
    s.push_str("  plus this device's id and signature on every request.");
    s
}

pub(crate) fn decision_text(d: &RiskDecisionView) -> String {
    let mut s = format!(
        "Redemption {}: {} — {}\n",
        d.redemption_id,
        code_of(&d.outcome),
        d.summary.en
    );
    for r in &d.reasons {
        s.push_str(&format!("  • [{}] {}\n", code_of(&r.rule), r.text.en));
    }
    if d.waived {
        s.push_str("  (step-up waived: sandbox provider, demo money)\n");
    }
    if let Some(at) = d.verified_at {
        s.push_str(&format!("  Confirmed with a security key at {at}.\n"));
    }
    if let Some(at) = d.cancelled_at {
        s.push_str(&format!("  Cancelled at {at}.\n"));
    }
    if d.paused {
        s.push_str(&format!(
            "  It waits: `tipvault verify {id}` to confirm it with your security key, or \
             `tipvault cancel {id}`.\n",
            id = d.redemption_id
        ));
    }
    s.push_str(&format!("  Plan digest: {}", d.plan_digest));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_files_cannot_reach_the_terminal() {
        assert_eq!(printable("ok \u{1b}[2J"), "ok \\u{1b}[2J");
        assert_eq!(printable("투네이션 ☕"), "투네이션 ☕");
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

pub fn catalogs_table(catalogs: &[tipvault_app::CatalogView]) -> String {
    let mut text = format!(
        "{:<24} {:>7} {:>8}  {:<8} {:<11} {}\n",
        "PROVIDER", "VERSION", "PRODUCTS", "STATE", "EXPIRES", "WHERE"
    );
    for c in catalogs {
        text.push_str(&format!(
            "{:<24} {:>7} {:>8}  {:<8} {:<11} {}\n",
            printable(&c.provider_id),
            c.version,
            c.products,
            code_of(&c.freshness),
            c.expires_at.format("%Y-%m-%d"),
            if c.built_in {
                "built in (demo)".to_owned()
            } else {
                format!(
                    "vault, stored {}",
                    c.stored_at
                        .map(|t| t.format("%Y-%m-%d").to_string())
                        .unwrap_or_default()
                )
            }
        ));
    }
    text.trim_end().to_owned()
}

/// What storing a catalog did, in words (imports and refreshes share the outcomes).
fn catalog_outcome_text(outcome: CatalogOutcome, previous_version: Option<u64>) -> String {
    match (outcome, previous_version) {
        (CatalogOutcome::Unchanged, _) => "already cached; nothing changed".to_owned(),
        (CatalogOutcome::Renewed, _) => "re-issued by the provider; dates renewed".to_owned(),
        (CatalogOutcome::Replaced, Some(v)) => format!("replaced version {v}"),
        (CatalogOutcome::Replaced | CatalogOutcome::New, _) => "cached".to_owned(),
    }
}

pub fn catalog_imported_text(imported: &tipvault_app::CatalogImported) -> String {
    let c = &imported.catalog;
    let what = catalog_outcome_text(imported.outcome, imported.previous_version);
    format!(
        "Catalog of {} version {} ({} products, {}, expires {}): {what}.",
        printable(&c.provider_id),
        c.version,
        c.products,
        code_of(&c.freshness),
        c.expires_at.format("%Y-%m-%d")
    )
}

pub fn catalogs_refreshed_text(refreshed: &[tipvault_app::CatalogRefreshed]) -> String {
    refreshed
        .iter()
        .map(|r| {
            let c = &r.catalog;
            let what = catalog_outcome_text(r.outcome, r.previous_version);
            format!(
                "Catalog of {} version {} ({}, expires {}): {what}.",
                printable(&r.provider_id),
                c.version,
                code_of(&c.freshness),
                c.expires_at.format("%Y-%m-%d %H:%M UTC")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
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
    let lines = if korean {
        &result.conservation_lines.ko
    } else {
        &result.conservation_lines.en
    };
    for line in lines {
        text.push_str("\n  ");
        text.push_str(line);
    }
    for limit in &result.limits {
        text.push('\n');
        text.push_str(if korean { &limit.ko } else { &limit.en });
    }
    if !result.preview.alternatives.is_empty() {
        text.push_str(&format!(
            "\n({} alternative plan(s): use --json to see them.)",
            result.preview.alternatives.len()
        ));
    }
    text
}

/// `preview --from-balance --all-providers`: each provider's part, cheapest first, then what
/// leaves in total and the limits the whole plan was held to.
pub fn across_preview_text(across: &tipvault_app::AcrossPreviewResult, korean: bool) -> String {
    let mut text = String::new();
    for (i, part) in across.parts.iter().enumerate() {
        let mut one = part.clone();
        // The shared limits are said once, at the end.
        one.limits.clear();
        text.push_str(&format!(
            "{}. {}{}\n",
            i + 1,
            part.provider,
            if korean {
                ""
            } else {
                " (its own accounts and catalog)"
            }
        ));
        text.push_str(&preview_text(&one, korean));
        text.push_str("\n\n");
    }
    let total: Vec<String> = across
        .debited
        .iter()
        .map(|m| if korean { m.ko.clone() } else { m.en.clone() })
        .collect();
    text.push_str(&if korean {
        format!("모든 제공자에서 나가는 금액: {}", total.join(" + "))
    } else {
        format!("Leaving your accounts in total: {}", total.join(" + "))
    });
    for limit in &across.limits {
        text.push('\n');
        text.push_str(if korean { &limit.ko } else { &limit.en });
    }
    text
}

/// `account list`: one group per place the money is, each account with its balances and its
/// last reconciliation.
pub fn accounts_text(accounts: &[tipvault_app::AccountView]) -> String {
    if accounts.is_empty() {
        return "No accounts yet: import a platform's export or pair a provider.".into();
    }
    let heading = |l: tipvault_app::Location| match l {
        tipvault_app::Location::AtProvider => "At a provider (redeemable)",
        tipvault_app::Location::AtPlatform => "At a platform until payout",
        tipvault_app::Location::InWallet => "In a payment wallet until withdrawn",
        tipvault_app::Location::PaidOut => "Paid out (history, not cash-out money)",
    };
    let mut text = String::new();
    let mut last = None;
    for a in accounts {
        if last != Some(a.location) {
            if last.is_some() {
                text.push('\n');
            }
            text.push_str(heading(a.location));
            text.push_str(":\n");
            last = Some(a.location);
        }
        let shown = if a.redeemable.is_empty() {
            &a.balances
        } else {
            &a.redeemable
        };
        let amounts: Vec<&str> = shown.iter().map(|m| m.en.as_str()).collect();
        text.push_str(&format!(
            "  {:<28} {:<18} {}{}\n",
            printable(&a.id),
            if amounts.is_empty() {
                "—".to_owned()
            } else {
                amounts.join(" + ")
            },
            a.where_en,
            if a.sandbox {
                " [SANDBOX: demo money]"
            } else {
                ""
            }
        ));
        if let Some(p) = &a.payout {
            text.push_str(&format!("  {:<28} payout {}\n", "", printable(p)));
        }
        for r in &a.reconciled {
            text.push_str(&format!(
                "  {:<28} {} reconciled {}: {}\n",
                "",
                r.currency,
                r.at.format("%Y-%m-%d %H:%M UTC"),
                code_of(&r.outcome).replace('_', " ")
            ));
        }
    }
    text.trim_end().to_owned()
}

/// `account show`.
pub fn account_detail_text(detail: &tipvault_app::AccountDetailView) -> String {
    let mut text = accounts_text(std::slice::from_ref(&detail.account));
    if !detail.reconciliations.is_empty() {
        text.push_str("\n\nReconciliations (newest first):\n");
        text.push_str(&reconciliations_text(&detail.reconciliations));
    }
    text
}

/// `account reconcile`: each comparison, its explanation, and the dispute to open.
pub fn reconciliations_text(found: &[tipvault_app::ReconciliationView]) -> String {
    found
        .iter()
        .map(|r| {
            let mut line = format!(
                "{} {} at {}: provider {}, your books {} → {}. {}",
                r.at.format("%Y-%m-%d %H:%M UTC"),
                printable(&r.account),
                r.currency,
                r.provider_balance.en,
                r.vault_balance.en,
                code_of(&r.outcome).replace('_', " "),
                r.explanation_en
            );
            if let Some(id) = &r.dispute {
                line.push_str(&format!(
                    "\n  Dispute it: tipvault dispute {} --reason duplicate --out FILE",
                    printable(id)
                ));
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}
