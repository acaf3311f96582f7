//! Criterion benchmark: the same workload on plain SQLite and on the vault, side by side.
//! `TIPVAULT_BENCH_ROWS` scales it (default 1,000,000; try 100000 for a quick run).
//! For a one-shot table with ratios, see `examples/bench_table.rs`.

// A benchmark stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod workload;

use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use tipvault_vault::{KdfParams, Vault};
use workload::*;

fn inserts(c: &mut Criterion) {
    let n = rows();
    let bodies = bodies(n);
    let mut group = c.benchmark_group(format!("insert_{n}_one_tx"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100));
    group.bench_function("plain", |b| {
        b.iter_batched(
            || {
                let tmp = tempfile::tempdir().unwrap();
                let plain = Plain::create(tmp.path());
                (tmp, plain)
            },
            |(_tmp, mut plain)| plain.insert(&bodies, t0()),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("vault", |b| {
        b.iter_batched(
            || {
                let tmp = tempfile::tempdir().unwrap();
                let vault = new_vault(tmp.path(), KdfParams::POLICY_MIN);
                (tmp, vault)
            },
            |(_tmp, mut vault)| {
                vault
                    .save_drafts(bodies.iter().map(String::as_str), t0())
                    .unwrap()
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn purge(c: &mut Criterion) {
    let n = rows();
    let bodies = bodies(n);
    let half = n / 2;
    let later = t0() + chrono::Duration::days(2);
    let mut group = c.benchmark_group(format!("purge_{half}_expired"));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(100));
    group.bench_function("plain", |b| {
        b.iter_batched(
            || {
                let tmp = tempfile::tempdir().unwrap();
                let mut plain = Plain::create(tmp.path());
                plain.insert(&bodies[..half], t0());
                plain.insert(&bodies[half..], later);
                (tmp, plain)
            },
            |(_tmp, mut plain)| plain.purge(purge_time()),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("vault", |b| {
        b.iter_batched(
            || {
                let tmp = tempfile::tempdir().unwrap();
                let mut vault = new_vault(tmp.path(), KdfParams::POLICY_MIN);
                vault
                    .save_drafts(bodies[..half].iter().map(String::as_str), t0())
                    .unwrap();
                vault
                    .save_drafts(bodies[half..].iter().map(String::as_str), later)
                    .unwrap();
                (tmp, vault)
            },
            |(_tmp, mut vault)| vault.purge(purge_time(), false).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn range_and_unlock(c: &mut Criterion) {
    let n = rows();
    let bodies = bodies(n);
    let tmp = tempfile::tempdir().unwrap();
    let mut plain = Plain::create(tmp.path());
    plain.insert(&bodies, t0());
    let mut vault = new_vault(tmp.path(), KdfParams::POLICY_MIN);
    vault
        .save_drafts(bodies.iter().map(String::as_str), t0())
        .unwrap();
    let starts = range_starts(n);
    let mut group = c.benchmark_group(format!("range_query_{RANGE_QUERIES}x{RANGE_LIMIT}"));
    group.sample_size(10);
    group.bench_function("plain", |b| {
        b.iter(|| {
            starts
                .iter()
                .map(|&s| plain.range_query(t0(), s))
                .sum::<usize>()
        })
    });
    group.bench_function("vault", |b| {
        b.iter(|| {
            starts
                .iter()
                .map(|&s| vault.drafts_page(t0(), s, RANGE_LIMIT).unwrap().len())
                .sum::<usize>()
        })
    });
    group.finish();

    vault.lock().unwrap();
    let dir = vault_dir(tmp.path());
    let mut group = c.benchmark_group("unlock");
    group.sample_size(10);
    group.bench_function("policy_min_kdf", |b| {
        b.iter(|| {
            Vault::unlock(&dir, &pass(), t0())
                .unwrap()
                .0
                .lock()
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, inserts, purge, range_and_unlock);
criterion_main!(benches);
