//! The conformance kit (docs/PROTOCOL.md §10): checks a provider from the outside, as a client
//! would meet it, and reports each check with the section of the specification it tests.
//!
//! Given a base URL and a one-time enrollment code of a test account, [`check`] pairs a fresh
//! device key and runs, in order: the signed catalog and its pinned key, pairing, the balance,
//! the refusals a provider owes (replayed, expired, future-dated, bad digest, unknown key,
//! bad signature, an undeclared or a missing destination field, and that refusals are signed),
//! one real redemption of the smallest amount the catalog allows (taken apart into transport,
//! signature, body, receipt signature and receipt binding, so a lying answer fails the check
//! that names the lie), then idempotency (the repeat, the conflict), the status lookup and a
//! dispute of that redemption.
//!
//! The redemption is real: run the kit against a provider's test account, never a person's.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::Request;
use crate::client::{ClientConfig, ClientError, ProviderClient, Unknown};
use crate::clock::Clock;
use crate::httpsig::SigningKey;
use crate::protocol::DocumentError;
use crate::protocol::{
    self, Amount, Balance, DisputeReason, DisputeRequest, ErrorBody, ErrorCode, Paired,
    PairingRequest, ReceiptError, RedemptionBinding, RedemptionRequest, Sha256Digest, V1,
};
use tipvault_catalog::{Catalog, FieldKind, Product};

/// How a check ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum Outcome {
    /// The provider did what the section requires.
    Pass,
    /// It did not: what happened instead.
    Fail(String),
    /// Not run: what it needed that an earlier check did not give.
    Skip(String),
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Check {
    /// A stable id (`replay-refused`).
    pub id: &'static str,
    /// The sections of docs/PROTOCOL.md it tests (`§3.5`).
    pub section: &'static str,
    /// What it checks, in a sentence.
    pub title: &'static str,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Every check's result, in the order they ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// The provider checked.
    pub base_url: String,
    /// The results.
    pub checks: Vec<Check>,
}

impl Report {
    /// Whether every check passed (none failed or was skipped).
    #[must_use]
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome == Outcome::Pass)
    }

    /// The check with `id`, if it ran or was skipped.
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }

    fn record(
        &mut self,
        id: &'static str,
        section: &'static str,
        title: &'static str,
        outcome: Outcome,
    ) {
        self.checks.push(Check {
            id,
            section,
            title,
            outcome,
        });
    }
}

/// The checks, their sections and titles, in order (ids are stable: tests and scripts use them).
pub const CHECKS: &[(&str, &str, &str)] = &[
    (
        "catalog-signed",
        "§4.1, §7.2",
        "The catalog is a valid v1 catalog signed by the key it names",
    ),
    (
        "catalog-key-pinned",
        "§3.4",
        "The catalog is signed by the same key when fetched again",
    ),
    (
        "pairing",
        "§4.2",
        "The enrollment code pairs a device key (201) and names the catalog's key",
    ),
    ("balance", "§4.3", "The balance answers for this device"),
    (
        "refusal-signed",
        "§3.2, §6",
        "A refusal is signed, bound to its request, with a v1 error body",
    ),
    (
        "replay-refused",
        "§3.5",
        "The same signed request sent twice is refused as a replay",
    ),
    (
        "expired-refused",
        "§3.5",
        "A request whose signature expired is refused",
    ),
    (
        "future-refused",
        "§3.5",
        "A request created in the future beyond the skew is refused",
    ),
    (
        "bad-digest-refused",
        "§3.3",
        "A body that does not match its Content-Digest is refused",
    ),
    (
        "unknown-key-refused",
        "§3.4",
        "A request signed by a key that was never paired is refused",
    ),
    (
        "bad-signature-refused",
        "§3.1",
        "A request signed by another key than the device's is refused",
    ),
    (
        "undeclared-field-refused",
        "§8",
        "A destination field the product did not declare is refused",
    ),
    (
        "missing-field-refused",
        "§8",
        "A redemption without a declared destination field is refused",
    ),
    (
        "redemption-transport",
        "§2",
        "The redemption is answered in time, within the size limit, without a redirect",
    ),
    (
        "redemption-signed",
        "§3.2",
        "The redemption's answer is signed by the pinned key and bound to the request",
    ),
    (
        "redemption-body",
        "§4.5",
        "The redemption is answered 201 with a v1 status body",
    ),
    (
        "receipt-signed",
        "§7.1, §7.3",
        "The receipt is signed by the pinned key",
    ),
    (
        "receipt-binds-request",
        "§7.3",
        "The receipt states this device, key, product, amount and body digest",
    ),
    (
        "idempotent-repeat",
        "§5",
        "The same request again is answered 200 with the same receipt",
    ),
    (
        "idempotency-conflict",
        "§5",
        "The key reused for another request is refused with idempotency_conflict",
    ),
    (
        "status-lookup",
        "§4.6, §5",
        "The redemption is found by its derived id, with the same receipt",
    ),
    (
        "dispute",
        "§4.7",
        "A dispute is acknowledged with what it binds, and the redemption shows it",
    ),
];

/// The checks the one real redemption is taken apart into, in the order a lie is met: a
/// failure is reported at the first stage it breaks, the stages after it are skipped.
pub const REDEMPTION_STAGES: [&str; 5] = [
    "redemption-transport",
    "redemption-signed",
    "redemption-body",
    "receipt-signed",
    "receipt-binds-request",
];

fn meta(id: &str) -> (&'static str, &'static str, &'static str) {
    CHECKS
        .iter()
        .find(|(i, ..)| *i == id)
        .copied()
        .unwrap_or(("unknown", "", ""))
}

/// What the provider answered to a request it should refuse: `Ok(code)` for a signed refusal.
async fn refusal(client: &ProviderClient, request: &Request) -> Result<(u16, ErrorCode), String> {
    refusal_of_altered(client, request, request).await
}

/// [`refusal`] of `altered`, a request changed after it was `signed`.
async fn refusal_of_altered(
    client: &ProviderClient,
    altered: &Request,
    signed: &Request,
) -> Result<(u16, ErrorCode), String> {
    let response = client
        .send_altered(altered, signed)
        .await
        .map_err(|e| e.to_string())?;
    if response.status() < 400 || response.status() >= 500 {
        return Err(format!(
            "answered {} instead of refusing",
            response.status()
        ));
    }
    let body: ErrorBody = protocol::parse("error", response.body()).map_err(|e| e.to_string())?;
    Ok((response.status(), body.error))
}

fn expect_refusal(answer: Result<(u16, ErrorCode), String>, expected: ErrorCode) -> Outcome {
    match answer {
        Ok((_, code)) if code == expected => Outcome::Pass,
        Ok((status, code)) => Outcome::Fail(format!(
            "refused with {status} {code:?}, expected {expected:?}"
        )),
        Err(e) => Outcome::Fail(e),
    }
}

fn example(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::PhoneNumber => "+821012345678",
        FieldKind::Email => "conformance@example.org",
        FieldKind::AccountToken => "acct_tok_conformance",
        FieldKind::CardNumber => "1010-2020-3030-4040",
        FieldKind::Text => "conformance check",
    }
}

/// The smallest redemption of `product`, with example values for its declared fields.
fn smallest_request(product: &Product) -> Option<RedemptionRequest> {
    Some(RedemptionRequest {
        v: V1,
        product: product.id().as_str().to_owned(),
        amount: Amount::from_money(product.amount_rule().smallest()?),
        currency: product.currency(),
        destination: product
            .destination_fields()
            .iter()
            .map(|f| (f.name.clone(), example(f.kind).to_owned()))
            .collect(),
    })
}

/// The product to redeem: the first that declares a destination field, in a currency the
/// balance holds, else the first in a currency the balance holds.
fn choose_product<'a>(catalog: &'a Catalog, balance: Option<&Balance>) -> Option<&'a Product> {
    let held = |p: &&Product| {
        balance.is_none_or(|b| b.balances.iter().any(|l| l.currency == p.currency()))
    };
    let products = catalog.products().iter().filter(held);
    let mut fallback = None;
    for product in products {
        if !product.destination_fields().is_empty() {
            return Some(product);
        }
        fallback = fallback.or(Some(product));
    }
    fallback
}

/// A request body the kit sends (a body it cannot write stops the kit).
fn request_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, String> {
    protocol::to_bytes("request", value).map_err(|e| e.to_string())
}

/// A fresh random device key's seed (a throwaway key, wiped all the same).
fn fresh_seed() -> Result<zeroize::Zeroizing<[u8; 32]>, String> {
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| format!("no randomness: {e}"))?;
    Ok(seed)
}

/// Runs every check against the provider at `base_url`, pairing with `enrollment_code`.
/// `clock` gives UNIX seconds (the kit shifts it to make expired and future signatures).
pub async fn check(base_url: &str, enrollment_code: &str, clock: Clock) -> Report {
    let mut report = Report {
        base_url: base_url.to_owned(),
        checks: Vec::new(),
    };
    let mut run = |id: &'static str, outcome: Outcome| {
        let (id, section, title) = meta(id);
        report.record(id, section, title, outcome);
    };
    let outcome = checks(base_url, enrollment_code, clock, &mut run).await;
    if let Err(reason) = outcome {
        // Whatever could not run after a failure that stops the kit is listed as skipped.
        let ran: Vec<&str> = report.checks.iter().map(|c| c.id).collect();
        for (id, section, title) in CHECKS {
            if !ran.contains(id) {
                report.record(id, section, title, Outcome::Skip(reason.clone()));
            }
        }
    }
    report
}

/// The checks in order; `Err` stops the kit (what is left is skipped with that reason).
async fn checks(
    base_url: &str,
    enrollment_code: &str,
    clock: Clock,
    run: &mut impl FnMut(&'static str, Outcome),
) -> Result<(), String> {
    let seed = fresh_seed()?;
    let key = SigningKey::from_bytes(&seed);
    let client_at = |offset: i64, seed: &[u8; 32]| -> Result<ProviderClient, String> {
        let clock = Arc::clone(&clock);
        ProviderClient::new(ClientConfig::new(base_url), SigningKey::from_bytes(seed))
            .map(|c| c.with_clock(Arc::new(move || clock() + offset)))
            .map_err(|e| e.to_string())
    };
    let mut client = client_at(0, &seed)?;

    // §4.1, §3.4: the catalog, trusted on first use, then under the pinned key.
    let catalog = match client.catalog().await {
        Ok(verified) => {
            run("catalog-signed", Outcome::Pass);
            client.pin_provider(&verified.key_id, verified.key);
            verified
        }
        Err(e) => {
            run("catalog-signed", Outcome::Fail(e.to_string()));
            return Err("needs a signed catalog".into());
        }
    };
    run(
        "catalog-key-pinned",
        match client.catalog().await {
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        },
    );

    // §4.2: pairing, with the raw exchange so the status is seen.
    let public_key = protocol::self_certifying_keyid(key.verifying_key().as_bytes())
        .trim_start_matches("pk:")
        .to_owned();
    let body = request_body(&PairingRequest {
        v: V1,
        enrollment_code: enrollment_code.to_owned(),
        public_key,
    })?;
    let request = client
        .prepare("POST", "/v1/devices", Some("conformance-pairing"), body)
        .map_err(|e| e.to_string())?;
    let paired = match client.send_signed(&request).await {
        Ok(r) if r.status() == 201 => protocol::parse::<Paired>("pairing", r.body())
            .map_err(|e| e.to_string())
            .and_then(|p| {
                if p.provider_key_id == catalog.key_id {
                    Ok(p)
                } else {
                    Err(format!(
                        "paired under key `{}`, the catalog's is `{}`",
                        p.provider_key_id, catalog.key_id
                    ))
                }
            }),
        Ok(r) => Err(format!(
            "answered {}: {}",
            r.status(),
            String::from_utf8_lossy(r.body())
        )),
        Err(e) => Err(e.to_string()),
    };
    let device_id = match paired {
        Ok(p) => {
            run("pairing", Outcome::Pass);
            p.device_id
        }
        Err(e) => {
            run("pairing", Outcome::Fail(e));
            return Err("needs a paired device".into());
        }
    };
    client.set_device_id(&device_id);

    // §4.3.
    let balance = client.balance().await;
    run(
        "balance",
        match &balance {
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        },
    );
    let product = choose_product(&catalog.catalog, balance.as_ref().ok())
        .ok_or("needs a product in a currency the balance holds")?;
    let redemption = smallest_request(product).ok_or("needs a product with a smallest amount")?;
    let redemption_body = request_body(&redemption)?;

    // §3.2, §6: a refusal (an unknown product) is signed like every answer.
    let mut unknown = redemption.clone();
    unknown.product = "conformance-no-such-product".into();
    let request = client
        .prepare(
            "POST",
            "/v1/redemptions",
            Some("conformance-unknown"),
            request_body(&unknown)?,
        )
        .map_err(|e| e.to_string())?;
    run(
        "refusal-signed",
        expect_refusal(refusal(&client, &request).await, ErrorCode::UnknownProduct),
    );

    // §3.5: a replay, an expired and a future-dated signature.
    let request = client
        .prepare("GET", "/v1/balance", None, Vec::new())
        .map_err(|e| e.to_string())?;
    let first = client.send_signed(&request).await;
    run(
        "replay-refused",
        match first {
            Ok(r) if r.status() == 200 => {
                expect_refusal(refusal(&client, &request).await, ErrorCode::Replay)
            }
            Ok(r) => Outcome::Fail(format!("the first sending was answered {}", r.status())),
            Err(e) => Outcome::Fail(e.to_string()),
        },
    );
    for (id, offset, code) in [
        ("expired-refused", -600, ErrorCode::Expired),
        ("future-refused", 600, ErrorCode::CreatedInFuture),
    ] {
        let mut shifted = client_at(offset, &seed)?;
        shifted.set_device_id(&device_id);
        let request = shifted
            .prepare("GET", "/v1/balance", None, Vec::new())
            .map_err(|e| e.to_string())?;
        run(id, expect_refusal(refusal(&client, &request).await, code));
    }

    // §3.3: the body changed after signing.
    let signed = client
        .prepare(
            "POST",
            "/v1/redemptions",
            Some("conformance-digest"),
            redemption_body.clone(),
        )
        .map_err(|e| e.to_string())?;
    // Changed to a product no catalog has: a provider that skipped the digest check would
    // still refuse it, so the check never spends more than its one smallest redemption.
    let mut tampered = redemption.clone();
    tampered.product = "conformance-no-such-product".into();
    let altered = signed.clone().with_body(request_body(&tampered)?);
    run(
        "bad-digest-refused",
        expect_refusal(
            refusal_of_altered(&client, &altered, &signed).await,
            ErrorCode::BadDigest,
        ),
    );

    // §3.4, §3.1: a key never paired, and another key under this device's id.
    let mut stranger = client_at(0, &*fresh_seed()?)?;
    stranger.set_device_id("dev_conformance_never_paired");
    let request = stranger
        .prepare("GET", "/v1/balance", None, Vec::new())
        .map_err(|e| e.to_string())?;
    run(
        "unknown-key-refused",
        expect_refusal(refusal(&client, &request).await, ErrorCode::UnknownKey),
    );
    let mut impostor = client_at(0, &*fresh_seed()?)?;
    impostor.set_device_id(&device_id);
    let request = impostor
        .prepare("GET", "/v1/balance", None, Vec::new())
        .map_err(|e| e.to_string())?;
    run(
        "bad-signature-refused",
        expect_refusal(refusal(&client, &request).await, ErrorCode::BadSignature),
    );

    // §8: minimal fields, both ways.
    let mut nosy = redemption.clone();
    nosy.destination
        .insert("conformance_undeclared".into(), "x".into());
    let request = client
        .prepare(
            "POST",
            "/v1/redemptions",
            Some("conformance-nosy"),
            request_body(&nosy)?,
        )
        .map_err(|e| e.to_string())?;
    run(
        "undeclared-field-refused",
        expect_refusal(
            refusal(&client, &request).await,
            ErrorCode::UndeclaredDestinationField,
        ),
    );
    run(
        "missing-field-refused",
        if redemption.destination.is_empty() {
            Outcome::Skip("no product in a held currency declares a destination field".into())
        } else {
            let mut bare = redemption.clone();
            bare.destination = BTreeMap::new();
            let request = client
                .prepare(
                    "POST",
                    "/v1/redemptions",
                    Some("conformance-bare"),
                    request_body(&bare)?,
                )
                .map_err(|e| e.to_string())?;
            expect_refusal(
                refusal(&client, &request).await,
                ErrorCode::MissingDestinationField,
            )
        },
    );

    // §4.5, §7.3: one real redemption, its failure placed in the stage that failed.
    let idempotency_key = crate::client::new_idempotency_key().map_err(|e| e.to_string())?;
    let stages = REDEMPTION_STAGES;
    let redeemed = client.redeem(&idempotency_key, &redemption).await;
    let failed_at = match &redeemed {
        Ok(r) if r.created => None,
        Ok(_) => Some((
            2,
            "answered 200 (a repeat) to a new idempotency key".to_owned(),
        )),
        Err(e) => Some((stage_of(e), e.to_string())),
    };
    for (i, id) in stages.iter().enumerate() {
        run(
            id,
            match &failed_at {
                Some((at, why)) if *at == i => Outcome::Fail(why.clone()),
                Some((at, _)) if *at < i => Outcome::Skip(format!("needs {}", stages[*at])),
                _ => Outcome::Pass,
            },
        );
    }
    let Ok(redeemed) = redeemed else {
        return Err("needs a redemption answered correctly".into());
    };
    if failed_at.is_some() {
        return Err("needs a redemption answered correctly".into());
    }

    // §5: the repeat and the conflict.
    run(
        "idempotent-repeat",
        match client.redeem(&idempotency_key, &redemption).await {
            Ok(again) if again.created => Outcome::Fail("answered 201 again".into()),
            Ok(again) if again.status.receipt != redeemed.status.receipt => {
                Outcome::Fail("answered 200 with another receipt".into())
            }
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        },
    );
    let mut other = redemption.clone();
    let doubled = redemption
        .amount
        .money(redemption.currency)
        .ok()
        .and_then(|m| m.checked_add(m).ok())
        .map(Amount::from_money);
    if let Some(amount) = doubled {
        other.amount = amount;
    }
    let request = client
        .prepare(
            "POST",
            "/v1/redemptions",
            Some(&idempotency_key),
            request_body(&other)?,
        )
        .map_err(|e| e.to_string())?;
    run(
        "idempotency-conflict",
        expect_refusal(
            refusal(&client, &request).await,
            ErrorCode::IdempotencyConflict,
        ),
    );

    // §4.6: looked up by the id both sides derive.
    let binding = RedemptionBinding {
        device_id: &device_id,
        idempotency_key: &idempotency_key,
        body: redeemed.exchange.request.body(),
        request: &redemption,
    };
    run(
        "status-lookup",
        match client.redemption_for(&binding).await {
            Ok((status, _)) if status.receipt != redeemed.status.receipt => {
                Outcome::Fail("another receipt than the one first returned".into())
            }
            Ok(_) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        },
    );

    // §4.7: a dispute, acknowledged, and then shown by the redemption's state.
    let id = redeemed.status.redemption_id.clone();
    let dispute = DisputeRequest {
        v: V1,
        reason: DisputeReason::Other,
        evidence_digest: Sha256Digest::of(b"tipvault conformance check"),
    };
    let disputed = match client
        .dispute(&id, &format!("{idempotency_key}-dispute"), &dispute)
        .await
    {
        Ok(_) => match client.redemption_for(&binding).await {
            Ok((status, _)) if status.state == protocol::RedemptionState::Disputed => Outcome::Pass,
            Ok((status, _)) => {
                Outcome::Fail(format!("after the dispute the state is {:?}", status.state))
            }
            Err(e) => Outcome::Fail(e.to_string()),
        },
        Err(e) => Outcome::Fail(e.to_string()),
    };
    run("dispute", disputed);
    Ok(())
}

/// Which stage of the redemption check (see `stages` above) a client error belongs to.
fn stage_of(error: &ClientError) -> usize {
    match error {
        ClientError::OutcomeUnknown(
            Unknown::Timeout
            | Unknown::Transport(_)
            | Unknown::Redirect { .. }
            | Unknown::BodyTooLarge { .. },
        )
        | ClientError::NotSent(_) => 0,
        ClientError::OutcomeUnknown(Unknown::BadSignature(_)) => 1,
        ClientError::OutcomeUnknown(Unknown::Receipt(ReceiptError::Document(
            DocumentError::BadSignature | DocumentError::KeyNotPinned { .. },
        ))) => 3,
        ClientError::OutcomeUnknown(Unknown::Receipt(_)) => 4,
        ClientError::OutcomeUnknown(
            Unknown::ServerError { .. } | Unknown::Malformed(_) | Unknown::UnexpectedStatus(_),
        )
        | ClientError::Rejected { .. } => 2,
    }
}
