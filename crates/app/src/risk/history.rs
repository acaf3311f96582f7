//! What the engine judges against: the vault's redemptions that may have left, disputes,
//! the last step-up, user limits and providers' verification tokens.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tipvault_money::{Currency, Money};
use tipvault_preview::Catalog;
use tipvault_risk::{
    ConfirmedClaim, DestinationFingerprint, Dispute, History, LimitKind, NetworkHash, ProviderId,
    ProviderVerification, Settings, UserLimit, UserLimits,
};
use tipvault_vault::{LegState, StoredRiskDecision, Vault};
use tipvault_wire::protocol::{self, DocumentKind, RedemptionRequest, SignedDocument};

use crate::catalogs::cached_catalog;
use crate::error::{AppError, ErrorCode};
use crate::risk::claim::{destination_fingerprint, kind_of};
use crate::session::Session;
use crate::view::code_of;

pub(crate) fn user_limits(vault: &Vault, now: DateTime<Utc>) -> Result<UserLimits, AppError> {
    let bad = || {
        AppError::new(
            ErrorCode::VaultDamaged,
            "A stored risk limit is unreadable.",
        )
    };
    let mut list = Vec::new();
    for l in vault.risk_limits(now)? {
        let currency = Currency::from_code(&l.currency).map_err(|_| bad())?;
        let kind = parse_limit_kind(&l.kind).map_err(|_| bad())?;
        list.push(UserLimit {
            kind,
            amount: Money::from_minor(l.amount_minor, currency),
        });
    }
    serde_json::to_value(list)
        .and_then(serde_json::from_value)
        .map_err(|_| bad())
}

/// Reads a limit's kind as people type it (`per-claim`, `per_day`, `claim`, `day`).
pub fn parse_limit_kind(text: &str) -> Result<LimitKind, AppError> {
    match text.trim().replace('-', "_").as_str() {
        "per_claim" | "claim" => Ok(LimitKind::PerClaim),
        "per_day" | "day" => Ok(LimitKind::PerDay),
        other => Err(AppError::invalid(format!(
            "{other:?} is not a limit: use per-claim or per-day."
        ))),
    }
}

pub(crate) fn kind_code(kind: LimitKind) -> &'static str {
    match kind {
        LimitKind::PerClaim => "per_claim",
        LimitKind::PerDay => "per_day",
    }
}

/// Providers' verification tokens that still verify under the provider's pinned key.
pub(crate) fn verified_tokens(
    vault: &Vault,
    now: DateTime<Utc>,
) -> Result<Vec<(ProviderVerification, String)>, AppError> {
    let mut out = Vec::new();
    for stored in vault.provider_verifications(now)? {
        let Some(provider) = vault.provider(&stored.provider_id, now)? else {
            continue;
        };
        let Ok(key) = tipvault_wire::httpsig::VerifyingKey::from_bytes(&provider.public_key) else {
            continue;
        };
        let Ok(doc) = protocol::parse::<SignedDocument>("verification", stored.token.as_bytes())
        else {
            continue;
        };
        let Ok(claims) =
            doc.verify_as::<protocol::VerificationClaims>(DocumentKind::Verification, &key)
        else {
            continue;
        };
        if claims.provider_id != provider.id
            || provider.device_id.as_deref() != Some(claims.device_id.as_str())
        {
            continue;
        }
        out.push((
            ProviderVerification {
                provider: ProviderId::new(&provider.id),
                issued_at: claims.issued_at,
                expires_at: claims.expires_at,
            },
            code_of(&claims.tier),
        ));
    }
    Ok(out)
}

/// What the engine learns from, read from the vault.
pub(crate) fn history(
    session: &mut Session,
    salt: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<History, AppError> {
    let vault = session.vault_at(now);
    let redemptions = vault.redemptions(now)?;
    let decisions: BTreeMap<String, StoredRiskDecision> = vault
        .risk_decisions(now)?
        .into_iter()
        .map(|d| (d.redemption_id.clone(), d))
        .collect();
    let networks: BTreeMap<String, String> = vault.risk_networks(now)?.into_iter().collect();
    let disputes = vault
        .risk_events_of_kind("redemption.disputed", now)?
        .into_iter()
        .map(|(at, detail)| {
            let claim = serde_json::from_str::<serde_json::Value>(&detail)
                .ok()
                .and_then(|d| d["redemption"].as_str().map(str::to_owned))
                .unwrap_or_default();
            Dispute {
                at,
                claim: tipvault_risk::ClaimId::new(claim),
            }
        })
        .collect();
    let provider_verifications = verified_tokens(vault, now)?
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    let mut catalogs: BTreeMap<String, Option<Catalog>> = BTreeMap::new();
    let mut claims = Vec::new();
    for r in &redemptions {
        let legs: Vec<_> = r
            .legs
            .iter()
            .filter(|l| {
                matches!(
                    l.state,
                    LegState::Approved
                        | LegState::Sent
                        | LegState::OutcomeUnknown
                        | LegState::Confirmed
                )
            })
            .collect();
        if legs.is_empty() {
            continue;
        }
        // One claim per redemption, whatever it drew on: a plan across providers (and
        // currencies) counts once towards the tier, bursts and runs; its amount in each
        // currency is a sample of that currency's habits.
        let mut claim_legs = Vec::new();
        for leg in legs {
            if !catalogs.contains_key(&leg.provider_id) {
                // The catalog only labels past legs with their product kind: a damaged copy
                // labels them as the default kind rather than stopping every later check.
                let c = cached_catalog(session, &leg.provider_id, now).unwrap_or_default();
                catalogs.insert(leg.provider_id.clone(), c);
            }
            let catalog = catalogs.get(&leg.provider_id).and_then(Option::as_ref);
            let Ok(cur) = Currency::from_code(&leg.currency) else {
                continue;
            };
            let destination = protocol::parse::<RedemptionRequest>("redemption", &leg.body)
                .map(|req| destination_fingerprint(salt, &req.product, &req.destination))
                .unwrap_or_else(|_| DestinationFingerprint::new(""));
            claim_legs.push(tipvault_risk::Leg {
                provider: ProviderId::new(&leg.provider_id),
                product: kind_of(catalog, &leg.product),
                destination,
                amount: Money::from_minor(leg.amount_minor.saturating_add(leg.fee_minor), cur),
            });
        }
        claims.push(ConfirmedClaim {
            id: tipvault_risk::ClaimId::new(&r.id),
            at: r.approved_at.unwrap_or(r.created_at),
            network: NetworkHash::new(networks.get(&r.id).cloned().unwrap_or_default()),
            verified: decisions
                .get(&r.id)
                .is_some_and(|d| d.verified_at.is_some()),
            legs: claim_legs,
        });
    }
    Ok(History {
        claims,
        disputes,
        last_verification: decisions.values().filter_map(|d| d.verified_at).max(),
        provider_verifications,
    })
}

pub(crate) fn settings(session: &mut Session, now: DateTime<Utc>) -> Result<Settings, AppError> {
    Ok(Settings {
        limits: user_limits(session.vault_at(now), now)?,
        auto_cash_out: Vec::new(),
    })
}
