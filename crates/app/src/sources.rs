//! Use cases on sources: add one, list them.
//!
//! The one decision to know: a source's id (`kofi-main`) is part of every de-duplication key
//! and must stay stable across imports. People name an account ("Ko-fi main"); the id is
//! derived from that name once, when the account is added ([`derive_id`]), unless the caller
//! chooses one (the command line's `--id`), and is checked here (1–64 characters of
//! `a-z 0-9 . _ -`) before it reaches the vault. Refused input names its field
//! ([`AppError::field`]), so a form shows the error beside it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tipvault_ledger::{PayoutRule, Platform, Source, SourceId};
use tipvault_money::Currency;
use tipvault_vault::AuditEvent;
use ts_rs::TS;

use crate::error::AppError;
use crate::session::Session;
use crate::view::{MoneyView, SourceView};

/// A source as the user typed it (raw input; validated by [`add_source`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export)]
pub struct NewSource {
    /// Empty: derived from the label ([`derive_id`]).
    pub id: String,
    pub label: String,
    /// `kofi`, `paypal`, `stripe`, `github-sponsors`, `toonation`, `twip`, `soop`, `chzzk`, or
    /// `generic:NAME` for any other platform imported with a mapping profile.
    pub platform: String,
    /// ISO 4217 code.
    pub currency: String,
    /// The payout threshold as a decimal in the source's currency (`"50.00"`, `"40000"`);
    /// `"none"` for no threshold; absent for the platform's published default (Toonation
    /// ₩40,000, Twitch $50, …) when the source is in that default's currency.
    pub payout_threshold: Option<String>,
    pub payout_schedule: Option<String>,
}

/// Parses a platform name as `tipvault source add --platform` takes it.
pub fn parse_platform(text: &str) -> Result<Platform, AppError> {
    let lower = text.trim().to_ascii_lowercase();
    Ok(match lower.as_str() {
        "kofi" | "ko-fi" => Platform::KoFi,
        "paypal" => Platform::PayPal,
        "stripe" => Platform::Stripe,
        "github-sponsors" | "github_sponsors" | "github" => Platform::GitHubSponsors,
        "toonation" => Platform::Toonation,
        "twip" => Platform::Twip,
        "soop" | "afreecatv" => Platform::Soop,
        "chzzk" => Platform::Chzzk,
        "patreon" => Platform::Patreon,
        "buymeacoffee" | "buy-me-a-coffee" | "bmac" => Platform::BuyMeACoffee,
        "twitch" => Platform::Twitch,
        _ => match text.trim().split_once(':') {
            Some((kind, name))
                if kind.eq_ignore_ascii_case("generic") && !name.trim().is_empty() =>
            {
                Platform::Generic(name.trim().to_owned())
            }
            _ => {
                return Err(AppError::invalid(format!(
                    "Unknown platform {text:?}. Use kofi, paypal, stripe, github-sponsors, \
                     patreon, buymeacoffee, twitch, toonation, twip, soop, chzzk, or \
                     generic:NAME."
                )));
            }
        },
    })
}

/// An id for a new account named `label` on `platform`, unlike every id in `taken`: the
/// name's letters and digits in lower case, other characters as `-` (`"Ko-fi main"` →
/// `ko-fi-main`); the platform's slug when the name has no such character (a name in Korean);
/// then `-2`, `-3`… until it is free.
pub fn derive_id(label: &str, platform: &Platform, taken: &[SourceId]) -> SourceId {
    let mut base = String::new();
    for c in label.trim().chars() {
        if c.is_ascii_alphanumeric() {
            base.push(c.to_ascii_lowercase());
        } else if !base.ends_with('-') && !base.is_empty() {
            base.push('-');
        }
    }
    let mut base: String = base.trim_end_matches('-').chars().take(48).collect();
    base = base.trim_end_matches('-').to_owned();
    if base.is_empty() {
        base = platform
            .slug()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .trim_matches('-')
            .to_owned();
    }
    if base.is_empty() {
        base = "account".to_owned();
    }
    let free = |id: &str| !taken.iter().any(|t| t.as_str() == id);
    if free(&base) {
        return SourceId::new(base);
    }
    (2u32..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| free(id))
        .map(SourceId::new)
        .unwrap_or_else(|| SourceId::new(base))
}

fn validate(new: &NewSource, taken: &[SourceId]) -> Result<Source, AppError> {
    let label = new.label.trim();
    if label.is_empty() || label.chars().count() > 200 {
        return Err(
            AppError::invalid("Give the account a name of 1–200 characters.").in_field("label"),
        );
    }
    let platform = parse_platform(&new.platform).map_err(|e| e.in_field("platform"))?;
    let id = match new.id.trim() {
        "" => derive_id(label, &platform, taken),
        chosen => SourceId::new(chosen),
    };
    let id_ok = id.as_str().len() <= 64
        && id
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if !id_ok {
        return Err(AppError::invalid(
            "A source id must be 1–64 characters of a-z, 0-9, '.', '_' or '-' (e.g. kofi-main).",
        )
        .in_field("id"));
    }
    let currency = Currency::from_code(new.currency.trim()).map_err(|_| {
        AppError::invalid(format!(
            "{:?} is not a currency code Tipvault knows, such as USD or KRW.",
            new.currency.trim()
        ))
        .in_field("currency")
    })?;
    let payout = match &new.payout_threshold {
        Some(text) => parse_rule(text, new.payout_schedule.as_deref(), currency)
            .map_err(|e| e.in_field("payout_threshold"))?,
        None => platform
            .default_payout()
            .filter(|rule| rule.threshold.currency() == currency)
            .map(|mut rule| {
                if let Some(schedule) = &new.payout_schedule {
                    rule.schedule = schedule.clone();
                }
                rule
            }),
    };
    Ok(Source {
        id,
        label: label.to_owned(),
        platform,
        currency,
        payout,
    })
}

/// A threshold as typed (`"40000"`, `"10.00"`, or `"none"`) with its schedule.
fn parse_rule(
    text: &str,
    schedule: Option<&str>,
    currency: Currency,
) -> Result<Option<PayoutRule>, AppError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    // Read as people type amounts (`₩20,000`, `50.00`); the error names what was typed.
    let threshold = tipvault_money::read(text, currency)
        .map_err(|e| AppError::invalid(format!("Payout threshold: {e}")))?;
    if !threshold.is_positive() {
        return Err(AppError::invalid(
            "A payout threshold must be more than zero.",
        ));
    }
    Ok(Some(PayoutRule {
        threshold,
        schedule: schedule.unwrap_or_default().trim().to_owned(),
    }))
}

/// A platform a source can be on, with its published payout default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct PlatformView {
    /// What `platform` takes (`kofi`, `toonation`, …).
    pub slug: String,
    pub name: String,
    /// Imported through a mapping profile (no known export layout).
    pub needs_profile: bool,
    pub default_threshold: Option<MoneyView>,
    pub default_schedule: Option<String>,
}

/// The named platforms, for pickers.
pub fn platforms() -> Vec<PlatformView> {
    Platform::NAMED
        .iter()
        .map(|p| {
            let rule = p.default_payout();
            PlatformView {
                slug: p.slug().to_owned(),
                name: p.display_name().to_owned(),
                needs_profile: p.needs_profile(),
                default_threshold: rule.as_ref().map(|r| MoneyView::from(&r.threshold)),
                default_schedule: rule.map(|r| r.schedule),
            }
        })
        .collect()
}

/// Sets (or with `"none"` removes) a source's payout threshold; the audit log records the
/// source id only.
pub fn set_payout_threshold(
    session: &mut Session,
    id: &str,
    threshold: &str,
    schedule: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SourceView, AppError> {
    let source = find(session, id, now)?;
    let schedule = schedule.or(source.payout.as_ref().map(|p| p.schedule.as_str()));
    let rule = parse_rule(threshold, schedule, source.currency)?;
    let vault = session.vault_at(now);
    vault.set_payout(&source.id, rule.as_ref(), now)?;
    let event = AuditEvent::new(
        "ledger.payout_threshold_set",
        json!({"source": source.id.as_str()}),
    )?;
    vault.audit_append(&event, now)?;
    Ok(SourceView::from(&Source {
        payout: rule,
        ..source
    }))
}

/// Adds a source; the audit log records its id and platform (never amounts or payer data).
pub fn add_source(
    session: &mut Session,
    new: &NewSource,
    now: DateTime<Utc>,
) -> Result<SourceView, AppError> {
    let vault = session.vault_at(now);
    // Expired accounts not purged yet keep their ids too: a derived id must avoid them.
    let taken: Vec<SourceId> = vault.taken_source_ids()?;
    let source = validate(new, &taken)?;
    vault.add_source(&source, now)?;
    let event = AuditEvent::new(
        "ledger.source_added",
        json!({"source": source.id.as_str(), "platform": source.platform.slug()}),
    )?;
    vault.audit_append(&event, now)?;
    Ok(SourceView::from(&source))
}

/// Every live source, by id.
pub fn list_sources(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<SourceView>, AppError> {
    let sources = session.vault_at(now).sources(now)?;
    Ok(sources.iter().map(SourceView::from).collect())
}

/// The source with this id, or an error naming it.
pub(crate) fn find(
    session: &mut Session,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Source, AppError> {
    session
        .vault_at(now)
        .source(&SourceId::new(id.trim()), now)?
        .ok_or_else(|| {
            AppError::invalid(format!("There is no source with the id {id:?}."))
                .with_hint(crate::error::Hint::ListSources)
        })
}
