//! Starting a sandbox in a temp dir and pairing a client with it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tempfile::TempDir;
use tipvault_preview::Product;
use tipvault_sandbox_provider::{Config, Sandbox};
use tipvault_wire::client::{ClientConfig, ProviderClient};
use tipvault_wire::httpsig::SigningKey;
use tipvault_wire::protocol::{Amount, RedemptionRequest, V1};

static NEXT_SEED: AtomicU8 = AtomicU8::new(1);

/// A fresh device seed per call, so tests never share a key.
pub fn device_seed() -> [u8; 32] {
    [NEXT_SEED.fetch_add(1, Ordering::Relaxed); 32]
}

pub struct Env {
    pub dir: TempDir,
    pub sandbox: Sandbox,
    pub client: ProviderClient,
    pub seed: [u8; 32],
}

pub fn now() -> i64 {
    (tipvault_sandbox_provider::system_clock())()
}

pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> (TempDir, Sandbox) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("sandbox.sqlite3"));
    adjust(&mut config);
    let sandbox = Sandbox::start(config).await.unwrap();
    (dir, sandbox)
}

/// A client for `sandbox` with `seed`, catalog fetched and provider key pinned (not paired).
pub async fn client_for(sandbox: &Sandbox, seed: [u8; 32]) -> ProviderClient {
    let mut client = ProviderClient::new(
        ClientConfig::new(&sandbox.base_url()),
        SigningKey::from_bytes(&seed),
    )
    .unwrap();
    let catalog = client.catalog().await.unwrap();
    client.pin_provider(&catalog.key_id, catalog.key);
    client
}

pub async fn paired_with(adjust: impl FnOnce(&mut Config)) -> Env {
    let (dir, sandbox) = start_with(adjust).await;
    let seed = device_seed();
    let mut client = client_for(&sandbox, seed).await;
    client.pair(sandbox.enrollment_code()).await.unwrap();
    Env {
        dir,
        sandbox,
        client,
        seed,
    }
}

pub async fn paired() -> Env {
    paired_with(|_| {}).await
}

/// A second client signing as the same paired device, with its own clock.
pub fn same_device(env: &Env, clock_offset: i64) -> ProviderClient {
    let mut c = ProviderClient::new(
        ClientConfig::new(&env.sandbox.base_url()),
        SigningKey::from_bytes(&env.seed),
    )
    .unwrap()
    .with_clock(Arc::new(move || now() + clock_offset));
    c.set_device_id(env.client.device_id().unwrap());
    let (id, key) = env.sandbox.provider_key();
    c.pin_provider(id, key);
    c
}

/// Example values for each field kind.
fn example(kind: tipvault_preview::FieldKind) -> &'static str {
    use tipvault_preview::FieldKind::*;
    match kind {
        PhoneNumber => "+821012345678",
        Email => "someone@example.org",
        AccountToken => "acct_tok_123",
        CardNumber => "1010-2020-3030-4040",
        Text => "thanks",
    }
}

/// The minimal request for `product` at its smallest amount: declared fields only.
pub fn minimal_request(product: &Product) -> RedemptionRequest {
    let destination: BTreeMap<String, String> = product
        .destination_fields()
        .iter()
        .map(|f| (f.name.clone(), example(f.kind).to_owned()))
        .collect();
    RedemptionRequest {
        v: V1,
        product: product.id().as_str().to_owned(),
        amount: Amount::from_money(product.amount_rule().smallest().unwrap()),
        currency: product.currency(),
        destination,
    }
}

pub fn top_up(amount: &str) -> RedemptionRequest {
    RedemptionRequest {
        v: V1,
        product: "krw-mobile-top-up".into(),
        amount: Amount::new(amount).unwrap(),
        currency: tipvault_money::Currency::KRW,
        destination: [("phone_number".to_owned(), "+821012345678".to_owned())].into(),
    }
}

/// Sends a signed request without the client's checks; returns status and error body, after
/// checking the answer carries a provider signature.
pub async fn raw_send(
    request: &tipvault_wire::Request,
) -> (u16, tipvault_wire::protocol::ErrorBody) {
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(request.method().as_bytes()).unwrap();
    let mut b = client.request(method, request.target_uri().to_string());
    for (n, v) in request.headers() {
        b = b.header(n.as_str(), v.as_str());
    }
    let resp = b.body(request.body().to_vec()).send().await.unwrap();
    let status = resp.status().as_u16();
    assert!(
        resp.headers().contains_key("signature"),
        "refusals are signed too"
    );
    let body = resp.bytes().await.unwrap();
    (
        status,
        tipvault_wire::protocol::parse("error", &body).unwrap(),
    )
}

/// A second sandbox on the same state as `env` (so the device stays paired), with faults,
/// and a client for it signing as the paired device.
pub async fn faulty(
    env: &Env,
    adjust: impl FnOnce(&mut Config),
    client_config: impl FnOnce(&mut ClientConfig),
) -> (Sandbox, ProviderClient) {
    let mut config = Config::new(env.dir.path().join("sandbox.sqlite3"));
    adjust(&mut config);
    let sandbox = Sandbox::start(config).await.unwrap();
    let mut cc = ClientConfig::new(&sandbox.base_url());
    client_config(&mut cc);
    let mut client = ProviderClient::new(cc, SigningKey::from_bytes(&env.seed)).unwrap();
    client.set_device_id(env.client.device_id().unwrap());
    let (id, key) = sandbox.provider_key();
    client.pin_provider(id, key);
    (sandbox, client)
}
