//! Serialisable views of vault values for the front ends (JSON for `--json` and the UI).
//!
//! The vault crate's types stay free of presentation concerns; these views decide the JSON
//! shape once, so the CLI and the desktop show the same thing.

use std::collections::BTreeMap;
use ts_rs::TS;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tipvault_vault::{
    AuditEntry, AuditProblem, AuditReport, KdfParams, PurgeReport, RetentionClass,
};

/// Argon2id cost, in units people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct KdfView {
    pub memory_mib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl From<KdfParams> for KdfView {
    fn from(p: KdfParams) -> Self {
        Self {
            memory_mib: p.memory_kib / 1024,
            iterations: p.iterations,
            parallelism: p.parallelism,
        }
    }
}

/// What a purge removed, or would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PurgeView {
    pub dry_run: bool,
    pub per_class: BTreeMap<String, u64>,
    pub total: u64,
}

impl From<PurgeReport> for PurgeView {
    fn from(r: PurgeReport) -> Self {
        Self {
            dry_run: r.dry_run,
            per_class: r.per_class,
            total: r.total,
        }
    }
}

/// A retention class: how long records of one kind live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RetentionView {
    pub name: String,
    pub seconds: u64,
    pub default_seconds: u64,
}

impl From<RetentionClass> for RetentionView {
    fn from(c: RetentionClass) -> Self {
        Self {
            name: c.name,
            seconds: c.duration.as_secs(),
            default_seconds: c.default.as_secs(),
        }
    }
}

/// One audit log entry.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct AuditEntryView {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub kind: String,
    pub detail: serde_json::Value,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        Self {
            seq: e.seq,
            at: e.at,
            kind: e.kind,
            detail: e.detail,
            hash: hex(&e.hash),
        }
    }
}

/// The result of checking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct AuditVerifyView {
    pub intact: bool,
    pub checked: u64,
    /// The sequence number the chain starts after, when older entries were purged.
    pub anchor_seq: Option<u64>,
    /// What is wrong, in words, when the chain is broken.
    pub problem: Option<String>,
}

/// What is wrong with the audit chain, in words.
pub(crate) fn audit_problem_text(problem: AuditProblem) -> String {
    match problem {
        AuditProblem::HashMismatch { seq } => {
            format!("entry {seq} was changed after it was written")
        }
        AuditProblem::BrokenLink { seq } => format!(
            "entry {seq} does not follow the entry before it (one was removed, inserted or moved)"
        ),
        AuditProblem::SequenceGap { expected, found } => {
            format!("entry {expected} is missing (the next entry found is {found})")
        }
    }
}

impl From<AuditReport> for AuditVerifyView {
    fn from(r: AuditReport) -> Self {
        Self {
            intact: r.is_intact(),
            checked: r.checked,
            anchor_seq: r.anchor.map(|a| a.seq),
            problem: r.problem.map(audit_problem_text),
        }
    }
}

/// A state's name as the JSON carries it (`step_up`, `outcome_unknown`, `trusted`): what the
/// command line prints and audit details record, so both say what the desktop's types say.
#[must_use]
pub fn code_of<T: Serialize>(state: &T) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A whole in basis points: a share of 10 000 is all of it.
pub const WHOLE_BP: u16 = 10_000;

/// `part` as a share of `whole` in basis points (0 to [`WHOLE_BP`]), rounded down and clamped:
/// the proportions a front end draws (bar widths), worked out here on exact minor units so
/// that no front end does arithmetic on money. Nothing of nothing is 0.
#[must_use]
pub fn share_bp(part: i128, whole: i128) -> u16 {
    if whole <= 0 || part <= 0 {
        return 0;
    }
    if part >= whole {
        return WHOLE_BP;
    }
    // Exact while the whole fits in 63 bits (every balance a view can show: its minor units
    // are an i64). Beyond that, both are halved until it does, so the product cannot overflow;
    // the share may then be one basis point low, never high.
    let (mut part, mut whole) = (part, whole);
    while whole > i128::from(i64::MAX) {
        part >>= 1;
        whole >>= 1;
    }
    let bp = part * i128::from(WHOLE_BP) / whole;
    u16::try_from(bp).unwrap_or(WHOLE_BP)
}

/// Splits `total_bp` basis points among `parts` of a whole (their sum) in proportion, exactly:
/// each gets its share rounded down, and the points rounding left over go one each to the
/// parts with the largest remainders (the largest-remainder method), so the widths add up to
/// `total_bp` and each is within one point of its exact share. A part of zero gets nothing; no
/// parts, or a whole of zero, get nothing at all. (Exact for wholes up to 2^63 minor units, far
/// beyond any balance; above that, parts are halved until the whole fits, and the widths may
/// add up to a point or two less.)
#[must_use]
pub fn split_bp(parts: &[i128], total_bp: u16) -> Vec<u16> {
    let parts: Vec<i128> = parts.iter().map(|p| (*p).max(0)).collect();
    let whole: i128 = parts.iter().fold(0i128, |sum, p| sum.saturating_add(*p));
    if whole <= 0 {
        return vec![0; parts.len()];
    }
    // As in `share_bp`: exact while the whole fits in 63 bits.
    let shift = (0..128u32)
        .find(|s| (whole >> s) <= i128::from(i64::MAX))
        .unwrap_or(0);
    let total = i128::from(total_bp);
    let scaled: Vec<(i128, i128)> = parts
        .iter()
        .map(|p| {
            let p = p >> shift;
            let w = whole >> shift;
            ((p * total) / w, (p * total) % w)
        })
        .collect();
    let mut out: Vec<u16> = scaled
        .iter()
        .map(|(q, _)| u16::try_from(*q).unwrap_or(total_bp))
        .collect();
    let given: i128 = scaled.iter().map(|(q, _)| q).sum();
    let mut order: Vec<usize> = (0..parts.len()).filter(|i| scaled[*i].1 > 0).collect();
    order.sort_by(|a, b| scaled[*b].1.cmp(&scaled[*a].1).then(a.cmp(b)));
    let left = usize::try_from((total - given).max(0)).unwrap_or(0);
    for i in order.into_iter().take(left) {
        out[i] = out[i].saturating_add(1);
    }
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An amount for display: the exact machine form (the decimal string always carries the
/// currency's minor units), the minor units for proportions, and the text for people in each
/// language, formatted by the money crate so no front end ever rounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct MoneyView {
    /// `"12.50"`, `"-3000"` (KRW has no minor unit).
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
    /// The amount in minor units, for the command line's JSON and the app's own sums. Not in
    /// the window's type: the window does no arithmetic on money, and views that draw
    /// proportions carry them already worked out ([`share_bp`]).
    #[ts(skip)]
    pub minor: i64,
    pub en: String,
    pub ko: String,
}

impl From<&tipvault_money::Money> for MoneyView {
    fn from(m: &tipvault_money::Money) -> Self {
        use tipvault_money::Locale;
        Self {
            amount: m.amount().to_string(),
            currency: m.currency().code().to_owned(),
            // Only a value beyond ±9.2e18 minor units fails, far outside any balance.
            minor: m.to_minor().unwrap_or(i64::MAX),
            en: tipvault_money::format(m, Locale::En),
            ko: tipvault_money::format(m, Locale::Ko),
        }
    }
}

impl From<tipvault_money::Money> for MoneyView {
    fn from(m: tipvault_money::Money) -> Self {
        Self::from(&m)
    }
}

/// A source as the front ends show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct SourceView {
    pub id: String,
    pub label: String,
    /// The platform's slug (`kofi`, `paypal`, …; a generic profile's name).
    pub platform: String,
    pub platform_name: String,
    pub currency: String,
    pub payout_threshold: Option<MoneyView>,
    pub payout_schedule: Option<String>,
}

impl From<&tipvault_ledger::Source> for SourceView {
    fn from(s: &tipvault_ledger::Source) -> Self {
        Self {
            id: s.id.to_string(),
            label: s.label.clone(),
            platform: s.platform.slug().to_owned(),
            platform_name: s.platform.display_name().to_owned(),
            currency: s.currency.code().to_owned(),
            payout_threshold: s.payout.as_ref().map(|p| p.threshold.into()),
            payout_schedule: s.payout.as_ref().map(|p| p.schedule.clone()),
        }
    }
}

/// One history line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct EntryView {
    pub id: i64,
    pub source: String,
    pub kind: tipvault_ledger::EntryKind,
    pub occurred_at: DateTime<Utc>,
    pub gross: MoneyView,
    pub fee: MoneyView,
    pub net: MoneyView,
    /// Only when the user chose to keep payer names, and until they expire.
    pub payer: Option<String>,
    /// Only when the user chose to keep messages, and until they expire.
    pub message: Option<String>,
    pub imported_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The name of the file it was imported from; none for what Tipvault recorded itself
    /// (and for imports made before files were noted).
    pub file_name: Option<String>,
}

impl From<&tipvault_vault::StoredEntry> for EntryView {
    fn from(s: &tipvault_vault::StoredEntry) -> Self {
        let e = &s.entry;
        Self {
            id: s.id,
            source: e.source().to_string(),
            kind: e.kind(),
            occurred_at: e.occurred_at(),
            gross: e.gross().into(),
            fee: e.fee().into(),
            net: e.net().into(),
            payer: e.payer().map(str::to_owned),
            message: e.message().map(str::to_owned),
            imported_at: s.imported_at,
            expires_at: s.expires_at,
            file_name: s.file_name.clone(),
        }
    }
}

/// The balance of one source in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct BalanceView {
    pub source: String,
    pub currency: String,
    pub entries: u64,
    pub gross: MoneyView,
    pub fee: MoneyView,
    pub net: MoneyView,
}

impl From<&tipvault_vault::Balance> for BalanceView {
    fn from(b: &tipvault_vault::Balance) -> Self {
        Self {
            source: b.source.to_string(),
            currency: b.currency.code().to_owned(),
            entries: b.entries,
            gross: b.gross.into(),
            fee: b.fee.into(),
            net: b.net.into(),
        }
    }
}
