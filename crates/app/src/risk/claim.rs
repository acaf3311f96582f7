//! A plan as the risk engine's claim: its destinations and network as salted hashes under the
//! vault's risk secret, its product kinds, and the engine's judgement of it.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use tipvault_auth::StepUpPlan;
use tipvault_money::Money;
use tipvault_preview::Catalog;
use tipvault_risk::{DestinationFingerprint, NetworkHash, ProductKind, ProviderId};
use tipvault_vault::StoredRedemption;

use crate::catalogs::LegCatalogs;
use crate::error::AppError;
use crate::network::NetworkIdentity;
use crate::step_up::damaged;

fn salted(salt: &[u8; 32], domain: &str, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"tipvault/risk/");
    h.update(domain.as_bytes());
    h.update([0u8]);
    h.update(salt);
    h.update(text.as_bytes());
    hex::encode(&h.finalize()[..16])
}

/// Where a leg's money goes: its product (which charity, which telco's top-up) and the
/// destination fields. The product counts because a product with no fields (a donation to a
/// listed charity) is told apart by it alone: without it every such product was one
/// destination, so a second charity was never new. Recomputed from the stored requests on
/// every judgement (nothing stores it), so history and the new claim always agree.
pub(crate) fn destination_fingerprint(
    salt: &[u8; 32],
    product: &str,
    destination: &BTreeMap<String, String>,
) -> DestinationFingerprint {
    let mut text = format!("product={product}\n");
    for (k, v) in destination {
        text.push_str(&format!("{k}={v}\n"));
    }
    DestinationFingerprint::new(salted(salt, "destination/v2", &text))
}

pub(crate) fn network_hash(salt: &[u8; 32], network: &NetworkIdentity) -> NetworkHash {
    NetworkHash::new(salted(salt, "network/v1", network.as_str()))
}

/// A stored redemption as the step-up and the engine see it.
pub(crate) struct Judged {
    pub(crate) plan: StepUpPlan,
    pub(crate) digest: String,
    /// The engine's legs, one group per currency (in the order first drawn), with their total:
    /// a plan across providers may draw on accounts in several currencies, and the engine
    /// judges each currency as one claim ([`tipvault_risk::assess_each`]).
    pub(crate) by_currency: Vec<(Money, Vec<tipvault_risk::Leg>)>,
}

pub(crate) fn kind_of(catalog: Option<&Catalog>, product: &str) -> ProductKind {
    catalog
        .and_then(|c| c.product(product))
        .map(|p| p.kind())
        // A product no longer in the catalog: its kind only labels history.
        .unwrap_or(ProductKind::MobileTopUp)
}

/// The plan of `r` (every leg) and its digest, from the one builder the step-up dialog uses
/// too ([`crate::step_up::plan_of`]: the committed request bodies, checked against the leg
/// columns), and the engine's legs (debit = amount + fee), each labelled by its own provider's
/// catalog.
pub(crate) fn judge(
    r: &StoredRedemption,
    catalogs: &LegCatalogs,
    salt: &[u8; 32],
) -> Result<Judged, AppError> {
    let sent = crate::step_up::legs(r)?;
    let plan = crate::step_up::plan_of(r, &sent)?;
    let digest = crate::step_up::digest(&plan)?;
    let mut by_currency: Vec<(Money, Vec<tipvault_risk::Leg>)> = Vec::new();
    for leg in &sent {
        let catalog = catalogs.get(&leg.provider_id).and_then(Option::as_ref);
        let claim_leg = tipvault_risk::Leg {
            provider: ProviderId::new(&leg.provider_id),
            product: kind_of(catalog, &leg.request.product),
            destination: destination_fingerprint(
                salt,
                &leg.request.product,
                &leg.request.destination,
            ),
            amount: leg.gross,
        };
        let currency = leg.gross.currency();
        match by_currency
            .iter_mut()
            .find(|(total, _)| total.currency() == currency)
        {
            Some((total, legs)) => {
                *total = total.checked_add(leg.gross).map_err(damaged)?;
                legs.push(claim_leg);
            }
            None => by_currency.push((leg.gross, vec![claim_leg])),
        }
    }
    if by_currency.is_empty() {
        return Err(AppError::invalid("This redemption has no legs."));
    }
    Ok(Judged {
        plan,
        digest,
        by_currency,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_salted_hash_is_the_one_stored_in_vaults_before() {
        // Network hashes and destination fingerprints are kept in the vault and compared with
        // new ones: the construction may never drift (SHA-256 over the domain, a zero byte, the
        // salt and the text, first 16 bytes). Expected value from Python's hashlib.
        let hash = salted(&[7u8; 32], "network/v1", "203.0.113.0/24");
        assert_eq!(hash, "ba9ea4165db2fce80fca4e99eed2758b");
    }

    #[test]
    fn a_destination_is_its_product_and_its_fields_under_the_vaults_salt() {
        let salt = [7u8; 32];
        let none = BTreeMap::new();
        let phone = BTreeMap::from([("phone_number".to_owned(), "01012345678".to_owned())]);
        let fp = |product: &str, fields: &BTreeMap<String, String>| {
            destination_fingerprint(&salt, product, fields)
        };
        assert_eq!(fp("krw-donation-a", &none), fp("krw-donation-a", &none));
        assert_ne!(
            fp("krw-donation-a", &none),
            fp("krw-donation-b", &none),
            "a second charity is a new destination"
        );
        assert_ne!(
            fp("krw-mobile-top-up", &phone),
            fp("krw-mobile-top-up", &none)
        );
        assert_ne!(
            fp("krw-donation-a", &none),
            destination_fingerprint(&[8u8; 32], "krw-donation-a", &none),
            "another vault's salt gives another fingerprint"
        );
    }
}
