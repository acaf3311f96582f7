//! Provider verification: a provider's signed token that the user passed its identity check,
//! verified under the pinned key, which raises the user's tier.

use chrono::{DateTime, Utc};
use serde_json::json;
use tipvault_money::Currency;
use tipvault_wire::protocol::{self};

use crate::audit;
use crate::error::{AppError, ErrorCode, Hint};
use crate::network::Network;
use crate::providers::chosen_provider;
use crate::risk::history::history;
use crate::risk::standing::ProviderVerificationView;
use crate::session::Session;
use crate::view::code_of;

/// Asks `provider` for a tier verification (`POST /v1/verifications`) and keeps only the
/// signed, expiring token it returns (verified under the pinned key; class
/// `verification_token`). The identity check itself happens at the provider, out of band:
/// only a digest of a random reference travels, and no identity document ever reaches the
/// app.
pub fn verify_tier(
    session: &mut Session,
    net: &Network,
    provider: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ProviderVerificationView, AppError> {
    let stored = chosen_provider(session, provider, now)?;
    let provider = stored.id.as_str();
    if stored.device_id.is_none() {
        return Err(
            AppError::invalid(format!("This device is not paired with {provider} yet.")).with_hint(
                Hint::PairProvider {
                    provider: provider.to_owned(),
                },
            ),
        );
    }
    let client = crate::providers::client_for(session, net, &stored, now)?;
    let mut reference = [0u8; 32];
    getrandom::fill(&mut reference).map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            format!("No randomness available: {e}."),
        )
    })?;
    let request = protocol::VerificationRequest {
        v: protocol::V1,
        tier: protocol::Tier::Verified,
        evidence_digest: protocol::Sha256Digest::of(&reference),
    };
    let key = tipvault_wire::client::new_idempotency_key()
        .map_err(|e| AppError::new(ErrorCode::Internal, format!("{e}.")))?;
    let (doc, claims) = net.block_on(client.verification(&key, &request))?;
    // The provider's clock may run a little ahead of ours.
    let skew = chrono::Duration::minutes(5);
    if claims.issued_at > now + skew || claims.expires_at <= now {
        return Err(AppError::new(
            ErrorCode::NotVerified,
            "The provider's verification token is not valid now (check the device clock).",
        ));
    }
    let token = protocol::to_text("verification token", &doc)?;
    let tier = code_of(&claims.tier);
    let vault = session.vault_at(now);
    vault.provider_verification_put(
        &tipvault_vault::StoredVerification {
            provider_id: stored.id.clone(),
            token,
            tier: tier.clone(),
            issued_at: claims.issued_at,
            token_expires_at: claims.expires_at,
        },
        now,
    )?;
    audit::append(
        vault,
        "risk.provider_verified",
        json!({"provider": stored.id, "tier": tier, "issued_at": claims.issued_at,
               "expires_at": claims.expires_at}),
        now,
    )?;
    Ok(ProviderVerificationView {
        provider: stored.id,
        tier: claims.tier,
        issued_at: claims.issued_at,
        expires_at: claims.expires_at,
        valid: true,
    })
}

/// The engine's tier now (for auto-cash-out).
pub(crate) fn tier_now(
    session: &mut Session,
    now: DateTime<Utc>,
) -> Result<tipvault_risk::Tier, AppError> {
    let salt = session.vault_at(now).risk_salt(now)?;
    let history = history(session, &salt, now)?;
    let profile = tipvault_risk::Profile::learn(&history, Currency::KRW, now);
    Ok(tipvault_risk::tier::tier_of(&profile))
}
