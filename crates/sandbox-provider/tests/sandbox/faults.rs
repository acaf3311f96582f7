//! Injected failures and restarts: the client must classify them, the provider must keep state.

use std::time::Duration;

use tipvault_wire::client::{ClientConfig, ClientError, ProviderClient, Unknown};
use tipvault_wire::httpsig::SigningKey;
use tipvault_wire::protocol::{ErrorCode, ReceiptError, RedemptionBinding, redemption_id};

use crate::support::{self, paired, top_up};

struct Faulty {
    sandbox: tipvault_sandbox_provider::Sandbox,
    client: ProviderClient,
}

#[tokio::test]
async fn a_dropped_response_is_outcome_unknown_and_the_status_shows_it_confirmed() {
    let base = support::paired().await;
    let (sandbox, client) = support::faulty(
        &base,
        |c| c.faults.drop_after_commit_permille = 1000,
        |_| {},
    )
    .await;
    let env = Faulty { sandbox, client };
    let err = env
        .client
        .redeem("leg-1", &top_up("1000"))
        .await
        .unwrap_err();
    assert!(
        !err.definitely_not_applied(),
        "a dropped answer is not a refusal: {err}"
    );
    assert!(
        matches!(err, ClientError::OutcomeUnknown(Unknown::Transport(_))),
        "{err:?}"
    );

    // Reconcile: the id is derived from the device and the idempotency key.
    // The lookup for the request that was sent finds it and checks the receipt answers it...
    let body = tipvault_wire::protocol::to_bytes("redemption request", &top_up("1000")).unwrap();
    let sent = top_up("1000");
    let binding = RedemptionBinding {
        device_id: env.client.device_id().unwrap(),
        idempotency_key: "leg-1",
        body: &body,
        request: &sent,
    };
    let (status, receipt) = env.client.redemption_for(&binding).await.unwrap();
    assert_eq!(
        status.state,
        tipvault_wire::protocol::RedemptionState::Confirmed
    );
    assert_eq!(
        status.redemption_id,
        redemption_id(env.client.device_id().unwrap(), "leg-1")
    );
    assert_eq!(receipt.amount.as_str(), "1000");
    // ...and refuses it for any other request under the same key.
    let other = top_up("2000");
    let other_body = tipvault_wire::protocol::to_bytes("body", &other).unwrap();
    let wrong = RedemptionBinding {
        body: &other_body,
        request: &other,
        ..binding
    };
    let err = env.client.redemption_for(&wrong).await.unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::Receipt(ReceiptError::Mismatch {
                field: "request_digest",
                ..
            }))
        ),
        "{err:?}"
    );

    // A retry with the same key is a repeat (nothing new committed, so nothing dropped).
    let again = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.status.receipt, status.receipt);
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 1);
}

#[tokio::test]
async fn an_injected_error_is_outcome_unknown_and_applies_nothing() {
    let base = support::paired().await;
    let (sandbox, client) =
        support::faulty(&base, |c| c.faults.error_permille = 1000, |_| {}).await;
    let env = Faulty { sandbox, client };
    let err = env
        .client
        .redeem("leg-1", &top_up("1000"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ClientError::OutcomeUnknown(Unknown::ServerError { status: 503 })
        ),
        "{err:?}"
    );
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 0);
}

/// Which of `n` balance requests a sandbox with `permille` errors and `seed` fails.
async fn fault_pattern(base: &support::Env, permille: u16, seed: u64, n: usize) -> Vec<bool> {
    let (_sandbox, client) = support::faulty(
        base,
        |c| {
            c.faults.error_permille = permille;
            c.faults.seed = seed;
        },
        |_| {},
    )
    .await;
    let mut pattern = Vec::with_capacity(n);
    for _ in 0..n {
        match client.balance().await {
            Ok(_) => pattern.push(false),
            Err(ClientError::OutcomeUnknown(Unknown::ServerError { status: 503 })) => {
                pattern.push(true);
            }
            Err(e) => panic!("only injected 503s are expected: {e}"),
        }
    }
    pattern
}

#[tokio::test]
async fn a_partial_error_rate_is_reproducible_from_its_seed() {
    let base = support::paired().await;
    let first = fault_pattern(&base, 300, 42, 60).await;
    let again = fault_pattern(&base, 300, 42, 60).await;
    let other = fault_pattern(&base, 300, 43, 60).await;
    let failed = first.iter().filter(|f| **f).count();
    assert!(
        (6..=36).contains(&failed),
        "30% of 60 requests should fail, give or take: {failed} did"
    );
    assert_eq!(first, again, "the same seed must inject the same faults");
    assert_ne!(
        first, other,
        "another seed should inject other faults (a constant pattern is not seeded)"
    );
}

#[tokio::test]
async fn a_slow_drip_times_out_as_outcome_unknown() {
    let env = support::paired().await;
    let (_slow, client) = support::faulty(
        &env,
        |c| c.faults.drip = Some((4, Duration::from_millis(200))),
        |c| c.timeout = Duration::from_millis(800),
    )
    .await;
    let err = client.redeem("leg-1", &top_up("1000")).await.unwrap_err();
    assert!(
        matches!(err, ClientError::OutcomeUnknown(Unknown::Timeout)),
        "{err:?}"
    );
}

#[tokio::test]
async fn added_latency_beyond_the_timeout_is_outcome_unknown() {
    let env = support::paired().await;
    let (_slow, client) = support::faulty(
        &env,
        |c| c.faults.latency = Duration::from_millis(1500),
        |c| c.timeout = Duration::from_millis(500),
    )
    .await;
    let err = client.balance().await.unwrap_err();
    assert!(
        matches!(err, ClientError::OutcomeUnknown(Unknown::Timeout)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_restart_keeps_state_nonces_and_keys() {
    let env = paired().await;
    let first = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    let replay = env
        .client
        .prepare("GET", "/v1/balance", None, Vec::new())
        .unwrap();
    env.client.send(replay.clone()).await.unwrap();
    let key_before = env.sandbox.provider_key().1;

    let sandbox = env.sandbox.restart().await.unwrap();
    assert_eq!(
        sandbox.provider_key().1,
        key_before,
        "the provider key survives"
    );
    let again = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert!(!again.created, "the idempotency record survived");
    assert_eq!(again.status.receipt, first.status.receipt);
    let err = env.client.send(replay).await.unwrap_err();
    assert_eq!(
        err.code(),
        Some(ErrorCode::Replay),
        "nonces survive a restart: {err}"
    );
    let balance = env.client.balance().await.unwrap();
    assert!(
        balance
            .balances
            .iter()
            .any(|l| l.amount.as_str() == "999000")
    );
    assert_eq!(sandbox.store().redemption_count().unwrap(), 1);
}

#[tokio::test]
async fn a_stopped_provider_is_not_sent() {
    let env = paired().await;
    let url = env.sandbox.base_url();
    let (id, key) = env.sandbox.provider_key();
    let sandbox_key = (id.to_owned(), key);
    env.sandbox.stop().await;
    let mut client =
        ProviderClient::new(ClientConfig::new(&url), SigningKey::from_bytes(&env.seed)).unwrap();
    client.set_device_id("dev_x");
    // Pinned, so the only reason not to send is the refused connection.
    let (id, key) = sandbox_key;
    client.pin_provider(&id, key);
    let err = client.balance().await.unwrap_err();
    assert!(
        err.definitely_not_applied(),
        "a refused connection sends nothing: {err}"
    );
}

#[tokio::test]
async fn a_double_charge_takes_the_balance_twice_and_answers_honestly() {
    let mut env = paired().await;
    let krw = |b: &tipvault_wire::protocol::Balance| {
        b.balances
            .iter()
            .find(|l| l.currency.code() == "KRW")
            .map(|l| l.amount.as_str().to_owned())
    };
    let (before, _) = env.client.signed_balance().await.unwrap();
    assert_eq!(before.device_id, env.client.device_id().unwrap());
    env.sandbox.set_double_charge(true);
    let first = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert!(first.created);
    assert_eq!(first.receipt.amount.as_str(), "1000");
    let after = env.client.balance().await.unwrap();
    assert_eq!(krw(&before).as_deref(), Some("1000000"));
    assert_eq!(krw(&after).as_deref(), Some("998000"), "charged twice");
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 2);
    // A repeat of the same request is answered from the idempotency record: no third charge.
    let again = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert!(!again.created);
    assert_eq!(krw(&env.client.balance().await.unwrap()), krw(&after));
    // Switched off, the next redemption is charged once.
    env.sandbox.set_double_charge(false);
    env.client.redeem("leg-2", &top_up("1000")).await.unwrap();
    assert_eq!(
        krw(&env.client.balance().await.unwrap()).as_deref(),
        Some("997000")
    );
}
