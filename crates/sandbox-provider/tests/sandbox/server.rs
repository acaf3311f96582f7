//! What the provider enforces: signatures, windows, replays, idempotency, product rules.

use tipvault_money::Currency;
use tipvault_preview::Catalog;
use tipvault_wire::client::ClientError;
use tipvault_wire::protocol::{
    self, Amount, DisputeReason, DisputeRequest, ErrorCode, QuoteRequest, RedemptionBinding,
    Sha256Digest, Tier, V1, VerificationRequest, redemption_id,
};

use crate::support::{self, client_for, device_seed, minimal_request, paired, top_up};

fn code(r: Result<impl std::fmt::Debug, ClientError>) -> ErrorCode {
    match r {
        Err(e) => {
            assert!(
                e.definitely_not_applied(),
                "a signed refusal means not applied: {e}"
            );
            e.code()
                .unwrap_or_else(|| panic!("expected a signed refusal, got {e}"))
        }
        Ok(v) => panic!("expected a refusal, got {v:?}"),
    }
}

#[tokio::test]
async fn catalog_is_signed_by_the_provider_and_pairing_is_one_time() {
    let (_dir, sandbox) = support::start_with(|_| {}).await;
    let seed = device_seed();
    let mut client = client_for(&sandbox, seed).await;
    let verified = client.catalog().await.unwrap();
    let (key_id, key) = sandbox.provider_key();
    assert_eq!((verified.key_id.as_str(), verified.key), (key_id, key));
    assert_eq!(
        verified.catalog.products().len(),
        Catalog::demo(chrono::Utc::now()).unwrap().products().len()
    );
    // The document verifies offline with the pinned key, and the version is published.
    let (offline, _, _) = verified.document.verify(Some((key_id, &key))).unwrap();
    assert_eq!(offline.version(), 1);

    let paired = client.pair(sandbox.enrollment_code()).await.unwrap();
    assert!(paired.device_id.starts_with("dev_"));
    assert_eq!(paired.provider_key_id, key_id);

    // The same device trying again (its first answer lost) gets the same pairing back; another
    // device cannot use the code.
    let mut retrying = client_for(&sandbox, seed).await;
    let again = retrying.pair(sandbox.enrollment_code()).await.unwrap();
    assert_eq!(
        again, paired,
        "a retry of one pairing is answered with its stored answer"
    );
    let mut other = client_for(&sandbox, device_seed()).await;
    assert_eq!(
        code(other.pair(sandbox.enrollment_code()).await),
        ErrorCode::InvalidEnrollmentCode
    );
}

#[tokio::test]
async fn five_wrong_enrollment_codes_close_pairing_until_a_restart() {
    let (_dir, sandbox) = support::start_with(|_| {}).await;
    let max = tipvault_sandbox_provider::MAX_WRONG_CODES;
    for attempt in 0..max {
        let mut guesser = client_for(&sandbox, device_seed()).await;
        assert_eq!(
            code(guesser.pair(&format!("0000-{attempt:04}")).await),
            ErrorCode::InvalidEnrollmentCode
        );
    }
    // Now even the right code is refused: an 8-digit code cannot be walked through.
    let mut owner = client_for(&sandbox, device_seed()).await;
    let refused = owner.pair(sandbox.enrollment_code()).await.unwrap_err();
    assert_eq!(refused.code(), Some(ErrorCode::InvalidEnrollmentCode));
    assert!(refused.to_string().contains("too many"), "{refused}");
}

#[test]
fn the_command_line_sandbox_listens_on_loopback_and_keeps_its_state_privately() {
    use clap::Parser;
    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        run: tipvault_sandbox_provider::RunArgs,
    }
    let parse = |args: &[&str]| {
        Cli::try_parse_from([&["sandbox"], args].concat())
            .unwrap()
            .run
    };
    let remote = parse(&["--listen", "0.0.0.0:8787"])
        .config()
        .map(|_| ())
        .unwrap_err();
    assert!(remote.to_string().contains("--allow-remote"), "{remote}");
    assert!(
        parse(&["--listen", "0.0.0.0:8787", "--allow-remote"])
            .config()
            .is_ok()
    );
    assert!(parse(&["--listen", "[::1]:8787"]).config().is_ok());
    let default = parse(&[]).db_path().unwrap();
    assert!(
        !default.starts_with(std::env::temp_dir()),
        "never the shared temporary directory: {}",
        default.display()
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_state_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("new-folder").join("state.sqlite3");
    let sandbox = tipvault_sandbox_provider::Sandbox::start(
        tipvault_sandbox_provider::Config::new(db.clone()),
    )
    .await
    .unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    drop(sandbox);
}

#[tokio::test]
async fn a_stale_catalog_is_reissued_with_the_same_version_and_offer() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    let offset = Arc::new(AtomicI64::new(0));
    let sandbox_offset = offset.clone();
    let (_dir, sandbox) = support::start_with(move |c| {
        c.clock = Arc::new(move || support::now() + sandbox_offset.load(Ordering::SeqCst));
    })
    .await;
    let fetch = |shift: i64| {
        let url = sandbox.base_url();
        let (key_id, key) = sandbox.provider_key();
        let key_id = key_id.to_owned();
        async move {
            let mut client = tipvault_wire::client::ProviderClient::new(
                tipvault_wire::client::ClientConfig::new(&url),
                tipvault_wire::httpsig::SigningKey::from_bytes(&device_seed()),
            )
            .unwrap()
            .with_clock(Arc::new(move || support::now() + shift));
            client.pin_provider(&key_id, key);
            client.catalog().await.unwrap().catalog
        }
    };
    let first = fetch(0).await;
    // Still fresh 14 days on: the same issue.
    offset.store(14 * 86_400, Ordering::SeqCst);
    assert_eq!(fetch(14 * 86_400).await, first);
    // Stale from day 15 (half its 30 days): issued again, dated then, signed by the same key.
    offset.store(16 * 86_400, Ordering::SeqCst);
    let again = fetch(16 * 86_400).await;
    assert!(again.same_offer(&first), "same version and products");
    let moved = again.issued_at().timestamp() - first.issued_at().timestamp();
    assert!(
        (16 * 86_400..16 * 86_400 + 60).contains(&moved),
        "issued when it was served: {moved} s later"
    );
    assert!(again.expires_at() > first.expires_at());
}

#[tokio::test]
async fn redemption_is_201_then_200_with_the_same_receipt_and_one_debit() {
    let env = paired().await;
    let before = env.client.balance().await.unwrap();
    let first = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert!(first.created);
    let again = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert!(!again.created, "a repeat is answered 200");
    assert_eq!(
        first.status.receipt, again.status.receipt,
        "same receipt bytes"
    );
    assert_eq!(
        first.receipt.redemption_id,
        redemption_id(env.client.device_id().unwrap(), "leg-1"),
        "the id is derivable by the client"
    );
    let after = env.client.balance().await.unwrap();
    let krw = |b: &protocol::Balance| {
        b.balances
            .iter()
            .find(|l| l.currency == Currency::KRW)
            .unwrap()
            .amount
            .clone()
    };
    assert_eq!(krw(&before).as_str(), "1000000");
    assert_eq!(krw(&after).as_str(), "999000", "debited once, not twice");
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 1);
}

#[tokio::test]
async fn same_key_with_a_different_body_is_422() {
    let env = paired().await;
    env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert_eq!(
        code(env.client.redeem("leg-1", &top_up("3000")).await),
        ErrorCode::IdempotencyConflict
    );
}

#[tokio::test]
async fn a_replayed_request_is_refused() {
    let env = paired().await;
    let req = env
        .client
        .prepare("GET", "/v1/balance", None, Vec::new())
        .unwrap();
    env.client.send(req.clone()).await.unwrap();
    assert_eq!(code(env.client.send(req).await), ErrorCode::Replay);
}

#[tokio::test]
async fn a_body_that_does_not_match_its_digest_is_refused() {
    let env = paired().await;
    let body = protocol::to_bytes("body", &top_up("1000")).unwrap();
    let req = env
        .client
        .prepare("POST", "/v1/redemptions", Some("leg-1"), body)
        .unwrap();
    let tampered = req.with_body(protocol::to_bytes("body", &top_up("10000")).unwrap());
    // The client cannot verify an answer to a request whose body it corrupted itself (the
    // response covers `content-digest;req`), so send it raw and read the signed refusal.
    let (status, error) = support::raw_send(&tampered).await;
    assert_eq!(
        (status, error.error),
        (400, ErrorCode::BadDigest),
        "{}",
        error.message
    );
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 0);
}

#[tokio::test]
async fn unknown_keys_are_refused() {
    let env = paired().await;
    // Not paired: its self-certifying key id is accepted only for the catalog and pairing.
    let stranger = client_for(&env.sandbox, device_seed()).await;
    assert_eq!(code(stranger.balance().await), ErrorCode::UnknownKey);
    // Claims a device id it does not hold the key of.
    let mut impostor = client_for(&env.sandbox, device_seed()).await;
    impostor.set_device_id(env.client.device_id().unwrap());
    assert_eq!(code(impostor.balance().await), ErrorCode::BadSignature);
    impostor.set_device_id("dev_nobody");
    assert_eq!(code(impostor.balance().await), ErrorCode::UnknownKey);
}

#[tokio::test]
async fn expired_and_future_created_are_refused() {
    let env = paired().await;
    let late = support::same_device(&env, -600);
    let req = late
        .prepare("GET", "/v1/balance", None, Vec::new())
        .unwrap();
    assert_eq!(code(env.client.send(req).await), ErrorCode::Expired);
    let early = support::same_device(&env, 600);
    let req = early
        .prepare("GET", "/v1/balance", None, Vec::new())
        .unwrap();
    assert_eq!(code(env.client.send(req).await), ErrorCode::CreatedInFuture);
}

#[tokio::test]
async fn the_provider_clock_is_injectable() {
    // The provider's clock runs 10 minutes ahead: a request signed "now" has expired for it.
    let (_dir, sandbox) = support::start_with(|c| {
        c.clock = std::sync::Arc::new(|| support::now() + 600);
    })
    .await;
    let ahead = std::sync::Arc::new(|| support::now() + 600);
    let seed = device_seed();
    let mut client = tipvault_wire::client::ProviderClient::new(
        tipvault_wire::client::ClientConfig::new(&sandbox.base_url()),
        tipvault_wire::httpsig::SigningKey::from_bytes(&seed),
    )
    .unwrap()
    .with_clock(ahead);
    let catalog = client.catalog().await.unwrap();
    client.pin_provider(&catalog.key_id, catalog.key);
    client.pair(sandbox.enrollment_code()).await.unwrap();
    client
        .balance()
        .await
        .expect("a client on the provider's time is accepted");

    // Only used to sign: it never verifies an answer, so it needs no pinned key.
    let mut on_time = tipvault_wire::client::ProviderClient::new(
        tipvault_wire::client::ClientConfig::new(&sandbox.base_url()),
        tipvault_wire::httpsig::SigningKey::from_bytes(&seed),
    )
    .unwrap();
    on_time.set_device_id(client.device_id().unwrap());
    let req = on_time
        .prepare("GET", "/v1/balance", None, Vec::new())
        .unwrap();
    let err = client.send(req).await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::Expired), "{err}");
}

#[tokio::test]
async fn undeclared_and_missing_destination_fields_are_refused() {
    let env = paired().await;
    let mut extra = top_up("1000");
    extra.destination.insert("full_name".into(), "Kim".into());
    assert_eq!(
        code(env.client.redeem("a", &extra).await),
        ErrorCode::UndeclaredDestinationField
    );
    let mut donation = minimal_request(
        Catalog::demo(chrono::Utc::now())
            .unwrap()
            .product("krw-donation-green-earth")
            .unwrap(),
    );
    donation.destination.insert("email".into(), "a@b.c".into());
    assert_eq!(
        code(env.client.redeem("b", &donation).await),
        ErrorCode::UndeclaredDestinationField,
        "a product that declares nothing accepts nothing"
    );
    let mut missing = top_up("1000");
    missing.destination.clear();
    assert_eq!(
        code(env.client.redeem("c", &missing).await),
        ErrorCode::MissingDestinationField
    );
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 0);
}

#[tokio::test]
async fn every_demo_product_is_redeemed_with_only_its_declared_fields() {
    let env = paired().await;
    let catalog = Catalog::demo(chrono::Utc::now()).unwrap();
    for (i, product) in catalog.products().iter().enumerate() {
        let request = minimal_request(product);
        let body: serde_json::Value =
            serde_json::from_slice(&protocol::to_bytes("body", &request).unwrap()).unwrap();
        let top: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(top, ["amount", "currency", "destination", "product", "v"]);
        let sent: Vec<&str> = body["destination"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut declared: Vec<&str> = product
            .destination_fields()
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        declared.sort_unstable();
        assert_eq!(
            sent,
            declared,
            "{}: nothing beyond the declared fields leaves",
            product.id()
        );
        let redeemed = env
            .client
            .redeem(&format!("leg-{i}"), &request)
            .await
            .unwrap();
        assert!(redeemed.created, "{}", product.id());
    }
}

#[tokio::test]
async fn amount_rules_limits_and_balance_are_enforced() {
    let env = support::paired_with(|c| {
        c.demo_balances = vec![("KRW".into(), 20_000), ("USD".into(), 100)]
    })
    .await;
    let c = &env.client;
    assert_eq!(
        code(c.redeem("a", &top_up("2000")).await),
        ErrorCode::AmountNotAllowed,
        "not a denomination"
    );
    let catalog = Catalog::demo(chrono::Utc::now()).unwrap();
    let mut transit = minimal_request(catalog.product("krw-transit-credit").unwrap());
    transit.amount = Amount::new("700").unwrap();
    assert_eq!(
        code(c.redeem("b", &transit).await),
        ErrorCode::AmountNotAllowed,
        "off the step"
    );
    transit.amount = Amount::new("100500").unwrap();
    assert_eq!(
        code(c.redeem("c", &transit).await),
        ErrorCode::AmountNotAllowed,
        "above max"
    );
    let mut usd = minimal_request(catalog.product("usd-gift-card").unwrap());
    usd.amount = Amount::new("5.001").unwrap();
    assert_eq!(
        code(c.redeem("d", &usd).await),
        ErrorCode::AmountNotAllowed,
        "too many decimals"
    );
    usd.amount = Amount::new("5.00").unwrap();
    assert_eq!(
        code(c.redeem("e", &usd).await),
        ErrorCode::InsufficientBalance,
        "$1.00 < $5.00"
    );
    let mut wrong_currency = top_up("1000");
    wrong_currency.currency = Currency::USD;
    assert_eq!(
        code(c.redeem("f", &wrong_currency).await),
        ErrorCode::CurrencyMismatch
    );
    let mut unknown = top_up("1000");
    unknown.product = "no-such-product".into();
    assert_eq!(
        code(c.redeem("g", &unknown).await),
        ErrorCode::UnknownProduct
    );
    // Bank payout: one per day.
    let mut payout = minimal_request(catalog.product("krw-bank-payout").unwrap());
    payout.amount = Amount::new("10000").unwrap();
    c.redeem("h", &payout).await.unwrap();
    assert_eq!(code(c.redeem("i", &payout).await), ErrorCode::LimitExceeded);
    // ₩20,000 − ₩10,500 = ₩9,500 left: a ₩10,000 top-up is more than that.
    assert_eq!(
        code(c.redeem("j", &top_up("10000")).await),
        ErrorCode::InsufficientBalance
    );
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 1);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_refused() {
    let env = support::paired_with(|c| c.max_body_bytes = 1024).await;
    let req = env
        .client
        .prepare("POST", "/v1/redemptions", Some("x"), b"{\"v\":1}".to_vec())
        .unwrap();
    assert_eq!(code(env.client.send(req).await), ErrorCode::MalformedBody);
    let req = env
        .client
        .prepare("POST", "/v1/redemptions", Some("y"), vec![b' '; 4096])
        .unwrap();
    assert_eq!(code(env.client.send(req).await), ErrorCode::BodyTooLarge);
    let mut req = env
        .client
        .prepare(
            "POST",
            "/v1/redemptions",
            Some("z"),
            protocol::to_bytes("body", &top_up("1000")).unwrap(),
        )
        .unwrap();
    // The client refuses to sign a write without the header; strip it after signing.
    req.remove_header("idempotency-key");
    assert_eq!(
        code(env.client.send(req).await),
        ErrorCode::MissingIdempotencyKey
    );
    let req = env
        .client
        .prepare("GET", "/v1/nothing-here", None, Vec::new())
        .unwrap();
    assert_eq!(code(env.client.send(req).await), ErrorCode::NoRoute);
}

#[tokio::test]
async fn quote_dispute_and_verification() {
    let env = paired().await;
    let c = &env.client;
    let quote = c
        .quote(
            "q-1",
            &QuoteRequest {
                v: V1,
                product: "krw-gift-card".into(),
                amount: Amount::new("5000").unwrap(),
                currency: Currency::KRW,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (quote.fee.as_str(), quote.total.as_str()),
        ("100", "5100"),
        "2% fee on top"
    );

    let redeemed = c.redeem("leg-1", &top_up("1000")).await.unwrap();
    let id = redeemed.receipt.redemption_id.clone();
    let evidence = Sha256Digest::of(b"bundle");
    let ack = c
        .dispute(
            &id,
            "d-1",
            &DisputeRequest {
                v: V1,
                reason: DisputeReason::NotReceived,
                evidence_digest: evidence.clone(),
            },
        )
        .await
        .unwrap();
    assert_eq!(ack.evidence_digest, evidence);
    let sent = top_up("1000");
    let binding = RedemptionBinding {
        device_id: c.device_id().unwrap(),
        idempotency_key: "leg-1",
        body: redeemed.exchange.request.body(),
        request: &sent,
    };
    let (status, _) = c.redemption_for(&binding).await.unwrap();
    assert_eq!(status.state, protocol::RedemptionState::Disputed);
    assert_eq!(
        code(
            c.dispute(
                "rd_unknown",
                "d-2",
                &DisputeRequest {
                    v: V1,
                    reason: DisputeReason::Other,
                    evidence_digest: evidence
                }
            )
            .await
        ),
        ErrorCode::NotFound
    );

    let (token, claims) = c
        .verification(
            "v-1",
            &VerificationRequest {
                v: V1,
                tier: Tier::Verified,
                evidence_digest: Sha256Digest::of(b"id card"),
            },
        )
        .await
        .unwrap();
    assert_eq!(claims.tier, Tier::Verified);
    let (_, key) = env.sandbox.provider_key();
    let offline: protocol::VerificationClaims = token
        .verify_as(protocol::DocumentKind::Verification, &key)
        .unwrap();
    assert!(offline.is_valid_at(chrono::Utc::now()));
}
