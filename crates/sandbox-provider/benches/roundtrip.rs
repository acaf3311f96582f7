//! Benchmarks: RFC 9421 sign and verify per second, and signed redemption round trips per
//! second over loopback against the sandbox (SQLite state, WAL, one transaction per
//! redemption). Run: `cargo bench -p tipvault-sandbox-provider`.

// A benchmark stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tipvault_money::Currency;
use tipvault_sandbox_provider::{Config, Sandbox};
use tipvault_wire::Request;
use tipvault_wire::client::{ClientConfig, ProviderClient};
use tipvault_wire::httpsig::{NonceCache, SigningKey, profile};
use tipvault_wire::protocol::{Amount, RedemptionRequest, V1};

fn signing(c: &mut Criterion) {
    let device = SigningKey::from_bytes(&[1; 32]);
    let public = device.verifying_key();
    let body = br#"{"v":1,"product":"krw-donation-green-earth","amount":"100","currency":"KRW","destination":{}}"#;
    let counter = AtomicU64::new(0);
    let fresh = || {
        let n = counter.fetch_add(1, Ordering::Relaxed);
        let mut r = Request::new("POST", "http://127.0.0.1:8787/v1/redemptions")
            .unwrap()
            .with_header("idempotency-key", &format!("leg-{n}"))
            .unwrap()
            .with_body(body.to_vec());
        profile::sign_request(
            &device,
            "dev_1",
            &mut r,
            1_750_000_000,
            &format!("nonce{n}"),
        )
        .unwrap();
        r
    };
    let mut g = c.benchmark_group("httpsig");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sign_request", |b| b.iter(&fresh));
    let nonces = NonceCache::with_capacity(10_000_000);
    let keys = move |id: &str| (id == "dev_1").then_some(public);
    g.bench_function("verify_request", |b| {
        b.iter_batched(
            &fresh,
            |r| profile::verify_request(&r, &keys, &nonces, 1_750_000_000).unwrap(),
            criterion::BatchSize::SmallInput,
        );
    });
    g.finish();
}

fn round_trips(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, client) = rt.block_on(async {
        let mut config = Config::new(dir.path().join("bench.sqlite3"));
        config.demo_balances = vec![("KRW".into(), 1_000_000_000)];
        let sandbox = Sandbox::start(config).await.unwrap();
        let mut client = ProviderClient::new(
            ClientConfig::new(&sandbox.base_url()),
            SigningKey::from_bytes(&[7; 32]),
        )
        .unwrap();
        let catalog = client.catalog().await.unwrap();
        client.pin_provider(&catalog.key_id, catalog.key);
        client.pair(sandbox.enrollment_code()).await.unwrap();
        (sandbox, client)
    });
    // The donation product has no per-day count limit (₩100 each, ₩1,000,000 a day).
    let request = RedemptionRequest {
        v: V1,
        product: "krw-donation-green-earth".into(),
        amount: Amount::new("100").unwrap(),
        currency: Currency::KRW,
        destination: Default::default(),
    };
    let counter = AtomicU64::new(0);
    let mut g = c.benchmark_group("loopback");
    g.throughput(Throughput::Elements(1));
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(4));
    g.sample_size(10);
    g.bench_function("signed_redemption_round_trip", |b| {
        b.iter(|| {
            let key = format!("bench-{}", counter.fetch_add(1, Ordering::Relaxed));
            let r = rt.block_on(client.redeem(&key, &request)).unwrap();
            assert!(r.created);
        });
    });
    g.finish();
    rt.block_on(sandbox.stop());
}

criterion_group!(benches, signing, round_trips);
criterion_main!(benches);
