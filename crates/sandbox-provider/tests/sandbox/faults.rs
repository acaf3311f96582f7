//! Injected failures and restarts: the client must classify them, the provider must keep state.

use std::time::Duration;

use tipvault_wire::client::{ClientConfig, ClientError, ProviderClient, Unknown};
use tipvault_wire::httpsig::SigningKey;
use tipvault_wire::protocol::{ErrorCode, redemption_id};

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
    let id = redemption_id(env.client.device_id().unwrap(), "leg-1");
    let (status, receipt) = env.client.redemption(&id).await.unwrap();
    assert_eq!(
        status.state,
        tipvault_wire::protocol::RedemptionState::Confirmed
    );
    assert_eq!(receipt.amount.as_str(), "1000");

    // A retry with the same key is a repeat (nothing new committed, so nothing dropped).
    let again = env.client.redeem("leg-1", &top_up("1000")).await.unwrap();
    assert!(!again.created);
    assert_eq!(again.status.receipt, status.receipt);
    assert_eq!(env.sandbox.store().redemption_count().unwrap(), 1);
}

#[tokio::test]
async fn injected_errors_are_outcome_unknown_and_deterministic() {
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
    env.sandbox.stop().await;
    let mut client =
        ProviderClient::new(ClientConfig::new(&url), SigningKey::from_bytes(&env.seed)).unwrap();
    client.set_device_id("dev_x");
    let err = client.balance().await.unwrap_err();
    assert!(
        err.definitely_not_applied(),
        "a refused connection sends nothing: {err}"
    );
}
