//! The user's standing: tier, limits and headroom per currency, and changing a limit (a raise
//! needs a step-up).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use tipvault_money::Currency;
use tipvault_risk::{
    LimitChange, LimitError, LimitKind, Outcome, ProviderVerification, RuleId, Settings, Tier,
};
use ts_rs::TS;

use crate::audit;
use crate::error::{AppError, ErrorCode, sentence};
use crate::risk::decision::RiskText;
use crate::risk::history::{history, kind_code, settings, user_limits, verified_tokens};
use crate::risk::waiver::waiver_on;
use crate::session::Session;
use crate::view::MoneyView;

/// The limits in force for one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskLimitsView {
    pub currency: String,
    pub tier: Tier,
    pub per_claim: MoneyView,
    pub per_day: MoneyView,
    pub tier_per_claim: MoneyView,
    pub tier_per_day: MoneyView,
    pub per_claim_set_by_user: bool,
    pub per_day_set_by_user: bool,
}

/// One rule of the rule book, with its threshold now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskRuleView {
    pub rule: RuleId,
    /// What it asks for when it fires.
    pub outcome: Outcome,
    pub text: RiskText,
}

/// Standing and rules in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskCurrencyView {
    pub currency: String,
    pub limits: Option<RiskLimitsView>,
    pub rules: Vec<RiskRuleView>,
}

/// A provider's verification token, as kept (the claims only; the document stays in the
/// vault).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ProviderVerificationView {
    pub provider: String,
    /// The tier the provider granted.
    pub tier: tipvault_wire::protocol::Tier,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// Signature verified under the provider's pinned key, and not expired.
    pub valid: bool,
}

/// The user's tier, progress to the next, limits and rule book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RiskStatusView {
    pub tier: Tier,
    pub tier_text: RiskText,
    pub confirmed: u32,
    pub days: i64,
    pub disputes: u32,
    pub next_tier: Option<Tier>,
    pub claims_needed: u32,
    pub days_needed: i64,
    /// How far along each of the next tier's two conditions is (basis points; all of it when
    /// nothing more is needed).
    pub claims_progress_bp: u16,
    pub days_progress_bp: u16,
    pub progress: RiskText,
    /// KRW and USD (the currencies with limits).
    pub currencies: Vec<RiskCurrencyView>,
    pub verifications: Vec<ProviderVerificationView>,
    pub auto_cash_out_rules: u32,
    /// Whether this tier may add automatic cash-out rules and have them fire.
    pub auto_cash_outs_allowed: bool,
    /// Step-ups for sandbox providers are waived (demo mode): the setting is on and no
    /// security key is registered.
    pub sandbox_step_up_waived: bool,
    /// A security key is registered, so the waiver does not apply (the key is asked).
    pub security_key_registered: bool,
}

const STATUS_CURRENCIES: [Currency; 2] = [Currency::KRW, Currency::USD];

/// What may leave now in each currency that has limits: the risk engine's headroom, from the
/// same history and settings the gate judges with, handed to the planner so a preview never
/// plans above what approval would allow.
pub fn cash_out_headroom(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<tipvault_risk::Headroom>, AppError> {
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let settings = settings(session, now)?;
    Ok(STATUS_CURRENCIES
        .into_iter()
        .filter_map(|c| tipvault_risk::headroom(&history, &settings, c, now))
        .collect())
}

/// What a new vault may cash out now: the headroom of a vault with no history and no limits of
/// its own. A preview made before any vault exists is held to it, like one made in a new vault.
#[must_use]
pub fn new_vault_headroom(now: DateTime<Utc>) -> Vec<tipvault_risk::Headroom> {
    let (history, settings) = (tipvault_risk::History::default(), Settings::default());
    STATUS_CURRENCIES
        .into_iter()
        .filter_map(|c| tipvault_risk::headroom(&history, &settings, c, now))
        .collect()
}

fn limits_view(l: &tipvault_risk::Limits) -> RiskLimitsView {
    RiskLimitsView {
        currency: l.currency.code().to_owned(),
        tier: l.tier,
        per_claim: (&l.per_claim).into(),
        per_day: (&l.per_day).into(),
        tier_per_claim: (&l.tier_per_claim).into(),
        tier_per_day: (&l.tier_per_day).into(),
        per_claim_set_by_user: l.per_claim_set_by_user,
        per_day_set_by_user: l.per_day_set_by_user,
    }
}

/// `have` of `have + need`, in basis points: all of it once nothing more is needed.
fn progress_bp(have: i64, need: i64) -> u16 {
    if need <= 0 {
        return crate::view::WHOLE_BP;
    }
    let have = i128::from(have.max(0));
    crate::view::share_bp(have, have + i128::from(need))
}

/// The user's standing: tier, progress, limits and every rule with its threshold, in English
/// and Korean.
pub fn risk_status(session: &mut Session, now: DateTime<Utc>) -> Result<RiskStatusView, AppError> {
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let settings = settings(session, now)?;
    let mut currencies = Vec::new();
    let mut progress = None;
    for currency in STATUS_CURRENCIES {
        let status = tipvault_risk::status(&history, &settings, currency, now);
        progress.get_or_insert(status.progress);
        currencies.push(RiskCurrencyView {
            currency: currency.code().to_owned(),
            limits: status.thresholds.as_ref().map(|t| limits_view(&t.limits)),
            rules: status
                .rules
                .iter()
                .map(|r| RiskRuleView {
                    rule: r.rule,
                    outcome: r.outcome,
                    text: (&r.text).into(),
                })
                .collect(),
        });
    }
    let p = progress.ok_or_else(|| AppError::new(ErrorCode::Internal, "No status."))?;
    let (tier_en, tier_ko) = p.tier.name();
    let progress_text = match p.next {
        Some(next) => {
            let (next_en, next_ko) = next.name();
            RiskText {
                en: format!(
                    "{} and {} to become {next_en}.",
                    tipvault_risk::reason::count_en(
                        p.claims_needed,
                        "more confirmed redemption",
                        "more confirmed redemptions"
                    ),
                    tipvault_risk::reason::count_en(p.days_needed, "more day", "more days"),
                ),
                ko: format!(
                    "{next_ko} 등급까지 확인된 청구 {}건, {}일이 더 필요합니다.",
                    p.claims_needed, p.days_needed
                ),
            }
        }
        None => RiskText {
            en: "Trusted: the highest tier.".into(),
            ko: "신뢰: 가장 높은 등급입니다.".into(),
        },
    };
    let vault = session.vault_at(now);
    let valid: Vec<(ProviderVerification, String)> = verified_tokens(vault, now)?;
    let verifications = vault
        .provider_verifications(now)?
        .into_iter()
        .map(|v| {
            // Stored as the protocol names it (`code_of` when it was granted).
            let tier = serde_json::from_value(json!(v.tier)).map_err(|_| {
                AppError::new(
                    ErrorCode::VaultDamaged,
                    format!(
                        "A stored verification names the tier {:?}, which is not one.",
                        v.tier
                    ),
                )
            })?;
            Ok(ProviderVerificationView {
                valid: valid
                    .iter()
                    .any(|(t, _)| t.provider.as_str() == v.provider_id && t.is_valid_at(now)),
                provider: v.provider_id,
                tier,
                issued_at: v.issued_at,
                expires_at: v.token_expires_at,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(RiskStatusView {
        tier: p.tier,
        tier_text: RiskText {
            en: tier_en.to_owned(),
            ko: tier_ko.to_owned(),
        },
        confirmed: p.confirmed,
        days: p.days,
        disputes: p.disputes,
        next_tier: p.next,
        claims_needed: p.claims_needed,
        days_needed: p.days_needed,
        claims_progress_bp: progress_bp(i64::from(p.confirmed), i64::from(p.claims_needed)),
        days_progress_bp: progress_bp(p.days, p.days_needed),
        progress: progress_text,
        currencies,
        verifications,
        auto_cash_out_rules: u32::try_from(vault.auto_cash_outs(now)?.len()).unwrap_or(u32::MAX),
        auto_cash_outs_allowed: p.tier.allows_auto_cash_out(),
        sandbox_step_up_waived: waiver_on(vault)?,
        security_key_registered: !vault.security_keys()?.is_empty(),
    })
}

/// The limits in force, per currency with limits.
pub fn risk_limits(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<Vec<RiskLimitsView>, AppError> {
    Ok(risk_status(session, now)?
        .currencies
        .into_iter()
        .filter_map(|c| c.limits)
        .collect())
}

/// Which way a typed limit would move the one in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LimitDirection {
    /// Lower: applied at once, no verification needed.
    Lower,
    /// The limit in force already.
    Same,
    /// Higher: needs the user's security key ([`set_limit`] asks for the proof).
    Raise,
}

/// A limit as typed, read and compared with the one in force, before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LimitDraft {
    pub currency: String,
    pub kind: LimitKind,
    /// The amount read: pass its `amount` to [`set_limit`]; show its text.
    pub amount: MoneyView,
    pub direction: LimitDirection,
}

/// Reads a limit the user typed (`₩50,000`, `50,000원`, `50000`) and says whether it lowers,
/// keeps or raises the limit in force, so a front end knows before asking whether to open the
/// security-key dialog. Changes nothing; [`set_limit`] judges again.
pub fn draft_limit(
    session: &mut Session,
    currency: &str,
    kind: LimitKind,
    typed: &str,
    now: DateTime<Utc>,
) -> Result<LimitDraft, AppError> {
    let currency =
        Currency::from_code(currency.trim()).map_err(|e| AppError::invalid(sentence(&e)))?;
    let amount =
        tipvault_money::read(typed, currency).map_err(|e| AppError::invalid(e.to_string()))?;
    if amount.is_zero() {
        return Err(AppError::invalid("A limit must be more than zero."));
    }
    let limits = risk_limits(session, now)?
        .into_iter()
        .find(|l| l.currency == currency.code())
        .ok_or_else(|| {
            AppError::invalid(format!("{} has no limits to change.", currency.code()))
        })?;
    let current = match kind {
        LimitKind::PerClaim => &limits.per_claim,
        LimitKind::PerDay => &limits.per_day,
    };
    let typed_minor = amount.to_minor_i128();
    let current_minor = i128::from(current.minor);
    let direction = match typed_minor.cmp(&current_minor) {
        std::cmp::Ordering::Less => LimitDirection::Lower,
        std::cmp::Ordering::Equal => LimitDirection::Same,
        std::cmp::Ordering::Greater => LimitDirection::Raise,
    };
    Ok(LimitDraft {
        currency: currency.code().to_owned(),
        kind,
        amount: amount.into(),
        direction,
    })
}

/// What a limit change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct LimitChangedView {
    pub currency: String,
    pub kind: LimitKind,
    pub before: MoneyView,
    pub after: MoneyView,
    /// It was a raise, approved with a security key.
    pub stepped_up: bool,
}

/// Sets one of the user's limits (`amount: None` goes back to the tier's). Lowering is free;
/// raising (or removing a lower limit) is a sensitive change: `proof` must confirm exactly this
/// change (the passphrase, or a registered key whose challenge is the change's plan; never a
/// test device in a real vault); without one it is refused with `reauth_required`. Every change
/// and refusal is audited.
pub fn set_limit(
    session: &mut Session,
    currency: &str,
    kind: LimitKind,
    amount: Option<&str>,
    proof: Option<crate::reauth::Proof<'_>>,
    now: DateTime<Utc>,
) -> Result<LimitChangedView, AppError> {
    let currency =
        Currency::from_code(currency.trim()).map_err(|e| AppError::invalid(sentence(&e)))?;
    let new = amount
        .map(|a| tipvault_money::read(a, currency).map_err(|e| AppError::invalid(e.to_string())))
        .transpose()?;
    let change = LimitChange {
        currency,
        kind,
        new,
    };
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let mut user = user_limits(session.vault_at(now), now)?;
    let base = json!({"currency": currency.code(), "kind": kind_code(kind),
                      "new": new.map(|m| m.to_minor_i128().to_string())});
    let refuse = |session: &mut Session, reason: &str, error: AppError| {
        let mut detail = base.clone();
        detail["reason"] = json!(reason);
        detail["message"] = json!(error.message);
        match audit::append(session.vault_at(now), "risk.limit_refused", detail, now) {
            Ok(()) => error,
            Err(e) => e,
        }
    };
    let changed = match tipvault_risk::change_limit(&mut user, &history, &change, None, now) {
        Ok(changed) => changed,
        Err(LimitError::NeedsStepUp { .. }) => {
            let sensitive = crate::reauth::Sensitive::RaiseLimit {
                change: change.canonical(),
            };
            let Some(given) = proof else {
                let error = crate::reauth::required(&sensitive);
                return Err(refuse(session, "needs_reauth", error));
            };
            let proof = match given {
                // A key approves the limit change's own plan (the challenge covers it).
                crate::reauth::Proof::SecurityKey(authenticator) => {
                    crate::security_keys::proof::step_up_for_limit_change(
                        session,
                        authenticator,
                        &change,
                        now,
                    )
                }
                passphrase @ crate::reauth::Proof::Passphrase(_) => {
                    crate::reauth::confirm(session, Some(passphrase), &sensitive, now)
                        .and_then(|r| crate::security_keys::proof::reauth_proof(&r, &change))
                }
            };
            let proof = match proof {
                Ok(proof) => proof,
                Err(e) => return Err(refuse(session, "reauth_refused", e)),
            };
            match tipvault_risk::change_limit(&mut user, &history, &change, Some(&proof), now) {
                Ok(changed) => changed,
                Err(e) => {
                    let error = AppError::new(ErrorCode::SecurityKeyRefused, sentence(&e));
                    return Err(refuse(session, "proof_refused", error));
                }
            }
        }
        Err(e) => {
            let error = AppError::new(ErrorCode::InvalidInput, sentence(&e));
            return Err(refuse(session, "invalid", error));
        }
    };
    let new_minor = new
        .map(|m| m.to_minor())
        .transpose()
        .map_err(|e| AppError::invalid(sentence(&e)))?;
    let vault = session.vault_at(now);
    vault.risk_limit_set(currency.code(), kind_code(kind), new_minor, now)?;
    audit::append(
        vault,
        "risk.limit_changed",
        json!({"currency": currency.code(), "kind": kind_code(kind),
               "before": changed.before.to_minor_i128().to_string(),
               "after": changed.after.to_minor_i128().to_string(),
               "stepped_up": changed.stepped_up}),
        now,
    )?;
    Ok(LimitChangedView {
        currency: currency.code().to_owned(),
        kind,
        before: (&changed.before).into(),
        after: (&changed.after).into(),
        stepped_up: changed.stepped_up,
    })
}
