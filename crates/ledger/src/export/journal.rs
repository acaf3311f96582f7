//! Beancount and hledger journals.
//!
//! Decision: each entry is one transaction with up to three postings that balance by
//! construction — the platform's asset account gets `net`, `expenses:fees:<platform>` gets
//! `fee` (omitted when zero), and the counter account gets `−gross`:
//! `income:<kind>:<platform>` for income kinds and refunds, `expenses:fees:<platform>` for
//! stand-alone fees, `assets:payouts:<platform>` (money in transit to the bank) for payouts,
//! `expenses:redemptions:<platform>` for redemptions. Account components are sanitised to
//! ASCII letters, digits and `-` (Beancount's rule is the strictest); when sanitising loses
//! characters a short hash of the original is appended so two names never merge. Every account
//! and commodity is declared (`open`, `account`, `commodity`) so both tools' strict checks pass.

use super::{ExportError, source_of};
use crate::entry::{Entry, EntryKind};
use crate::source::Source;
use crate::zone::Zone;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::io::Write;
use tipvault_money::Currency;

/// The accounts one entry posts to (as path components, before a syntax joins them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalAccounts {
    /// The platform account holding the balance.
    pub asset: Vec<String>,
    /// The fee account.
    pub fee: Vec<String>,
    /// The account the gross comes from (or goes to).
    pub counter: Vec<String>,
}

impl JournalAccounts {
    /// The accounts for `entry` of `source`.
    pub fn for_entry(entry: &Entry, source: &Source) -> JournalAccounts {
        let platform = sanitize(source.platform.slug());
        let fee = vec!["Expenses".into(), "Fees".into(), platform.clone()];
        let counter_root: [&str; 2] = match entry.kind() {
            EntryKind::Tip => ["Income", "Tips"],
            EntryKind::Donation => ["Income", "Donations"],
            EntryKind::Subscription => ["Income", "Subscriptions"],
            EntryKind::ShopOrder => ["Income", "Sales"],
            EntryKind::Credit => ["Income", "Credits"],
            EntryKind::Refund => ["Income", "Refunds"],
            EntryKind::Other => ["Income", "Other"],
            EntryKind::Fee => ["Expenses", "Fees"],
            EntryKind::Payout => ["Assets", "Payouts"],
            EntryKind::Redemption => ["Expenses", "Redemptions"],
        };
        let mut counter: Vec<String> = counter_root.iter().map(|s| (*s).to_owned()).collect();
        counter.push(platform.clone());
        JournalAccounts {
            asset: vec!["Assets".into(), platform, sanitize(source.id.as_str())],
            fee,
            counter,
        }
    }
}

/// One account-name component: ASCII letters, digits and `-`, starting with an upper-case
/// letter or digit; a hash suffix when characters were lost.
fn sanitize(text: &str) -> String {
    let mut out = String::new();
    let mut lossy = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            lossy |= c != '-';
            if !out.ends_with('-') {
                out.push('-');
            }
        }
    }
    let trimmed = out.trim_matches('-').to_owned();
    lossy |= trimmed.len() != out.len();
    let mut out = trimmed;
    if lossy || out.is_empty() {
        let digest = Sha256::digest(text.as_bytes());
        let hash: String = digest.iter().take(3).map(|b| format!("{b:02x}")).collect();
        if out.is_empty() {
            out = format!("X{hash}");
        } else {
            out = format!("{out}-{hash}");
        }
    }
    let mut chars = out.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => "X".to_owned(),
    }
}

struct Line<'e> {
    date: String,
    entry: &'e Entry,
    accounts: JournalAccounts,
    payee: String,
    narration: String,
}

fn lines<'e>(
    entries: &'e [Entry],
    sources: &[Source],
    tz: &Zone,
) -> Result<Vec<Line<'e>>, ExportError> {
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let source = source_of(sources, e)?;
        let narration = match e.message() {
            Some(m) => format!("{} — {m}", e.kind()),
            None => e.kind().to_string(),
        };
        out.push(Line {
            date: tz.local(e.occurred_at()).format("%Y-%m-%d").to_string(),
            entry: e,
            accounts: JournalAccounts::for_entry(e, source),
            payee: e
                .payer()
                .map_or_else(|| source.platform.display_name().to_owned(), str::to_owned),
            narration,
        });
    }
    // Journals read best in date order; the sort is stable so same-day entries keep theirs.
    out.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(out)
}

fn declarations(lines: &[Line<'_>]) -> (BTreeSet<Vec<String>>, BTreeSet<Currency>) {
    let mut accounts = BTreeSet::new();
    let mut currencies = BTreeSet::new();
    for l in lines {
        accounts.insert(l.accounts.asset.clone());
        accounts.insert(l.accounts.counter.clone());
        if !l.entry.fee().is_zero() {
            accounts.insert(l.accounts.fee.clone());
        }
        currencies.insert(l.entry.currency());
    }
    (accounts, currencies)
}

/// Text inside a Beancount string: no newlines, `"` and `\` escaped.
fn beancount_string(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if c.is_control() => s.push(' '),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Writes a Beancount ledger (checked with `bean-check` in the tests).
pub fn write_beancount<W: Write>(
    mut out: W,
    entries: &[Entry],
    sources: &[Source],
    tz: &Zone,
) -> Result<(), ExportError> {
    let lines = lines(entries, sources, tz)?;
    writeln!(out, "; Tipvault export — dates in {tz}")?;
    let Some(first) = lines.first() else {
        return Ok(());
    };
    let (accounts, currencies) = declarations(&lines);
    for c in &currencies {
        writeln!(out, "{} commodity {}", first.date, c.code())?;
    }
    for a in &accounts {
        writeln!(out, "{} open {}", first.date, a.join(":"))?;
    }
    for l in &lines {
        let e = l.entry;
        writeln!(out)?;
        writeln!(
            out,
            "{} * {} {}",
            l.date,
            beancount_string(&l.payee),
            beancount_string(&l.narration)
        )?;
        writeln!(
            out,
            "  tipvault-key: {}",
            beancount_string(&e.key().dedup_string())
        )?;
        let code = e.currency().code();
        writeln!(
            out,
            "  {}  {} {code}",
            l.accounts.asset.join(":"),
            e.net().amount()
        )?;
        if !e.fee().is_zero() {
            writeln!(
                out,
                "  {}  {} {code}",
                l.accounts.fee.join(":"),
                e.fee().amount()
            )?;
        }
        writeln!(
            out,
            "  {}  {} {code}",
            l.accounts.counter.join(":"),
            e.gross().negated().amount()
        )?;
    }
    Ok(())
}

/// Text of an hledger description or comment: one line, no `;` (which would start a comment).
fn hledger_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ';' => ',',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect::<String>()
        .split("  ")
        .collect::<Vec<_>>()
        .join(" ")
}

fn hledger_account(components: &[String]) -> String {
    components
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(":")
}

/// A commodity directive sample. hledger needs a decimal mark in it to fix how amounts are
/// read (otherwise `1.234 BHD` could be read as a thousands grouping): `1000.00 USD`,
/// `1000.000 BHD`, and `1000. KRW` for currencies without a minor unit.
fn commodity_sample(c: Currency) -> String {
    format!("1000.{} {}", "0".repeat(c.minor_units() as usize), c.code())
}

/// Writes an hledger journal (checked with `hledger check --strict` in the tests).
pub fn write_hledger<W: Write>(
    mut out: W,
    entries: &[Entry],
    sources: &[Source],
    tz: &Zone,
) -> Result<(), ExportError> {
    let lines = lines(entries, sources, tz)?;
    writeln!(out, "; Tipvault export — dates in {tz}")?;
    let (accounts, currencies) = declarations(&lines);
    for c in &currencies {
        writeln!(out, "commodity {}", commodity_sample(*c))?;
    }
    for a in &accounts {
        writeln!(out, "account {}", hledger_account(a))?;
    }
    for l in &lines {
        let e = l.entry;
        writeln!(out)?;
        writeln!(
            out,
            "{} * {} | {}  ; tipvault-key:{}",
            l.date,
            hledger_text(&l.payee).replace('|', "/"),
            hledger_text(&l.narration),
            hledger_text(&e.key().dedup_string())
        )?;
        let code = e.currency().code();
        writeln!(
            out,
            "    {}  {} {code}",
            hledger_account(&l.accounts.asset),
            e.net().amount()
        )?;
        if !e.fee().is_zero() {
            writeln!(
                out,
                "    {}  {} {code}",
                hledger_account(&l.accounts.fee),
                e.fee().amount()
            )?;
        }
        writeln!(
            out,
            "    {}  {} {code}",
            hledger_account(&l.accounts.counter),
            e.gross().negated().amount()
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_clean_names_and_hashes_lossy_ones() {
        assert_eq!(sanitize("kofi"), "Kofi");
        assert_eq!(sanitize("github-sponsors"), "Github-sponsors");
        let korean = sanitize("투네이션");
        assert!(korean.starts_with('X') && korean.len() == 7, "{korean}");
        assert_ne!(
            sanitize("a.b"),
            sanitize("a b"),
            "lossy names must not merge"
        );
        assert!(sanitize("9lives").starts_with('9'));
    }
}
