//! Runs the vault-vs-plain workload a few times and prints a table (median of runs).
//!
//! ```text
//! cargo run --release -p tipvault-vault --example bench_table
//! TIPVAULT_BENCH_ROWS=100000 TIPVAULT_BENCH_RUNS=1 cargo run --release -p tipvault-vault --example bench_table
//! ```

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/workload/mod.rs"]
mod workload;

use std::time::Duration;

use tipvault_vault::{KdfParams, Vault, calibrate};
use workload::*;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn runs() -> usize {
    std::env::var("TIPVAULT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
}

fn insert_run(n: usize, bodies: &[String]) -> (Duration, Duration) {
    let tmp = tempfile::tempdir().unwrap();
    let mut plain = Plain::create(tmp.path());
    let (p, _) = time(|| plain.insert(bodies, t0()));
    let mut vault = new_vault(tmp.path(), KdfParams::POLICY_MIN);
    let (v, written) = time(|| {
        vault
            .save_drafts(bodies.iter().map(String::as_str), t0())
            .unwrap()
    });
    assert_eq!(written as usize, n);
    (p, v)
}

fn purge_run(bodies: &[String]) -> (Duration, Duration) {
    let half = bodies.len() / 2;
    let later = t0() + chrono::Duration::days(2);
    let tmp = tempfile::tempdir().unwrap();
    let mut plain = Plain::create(tmp.path());
    plain.insert(&bodies[..half], t0());
    plain.insert(&bodies[half..], later);
    let (p, removed) = time(|| plain.purge(purge_time()));
    assert_eq!(removed as usize, half);
    let mut vault = new_vault(tmp.path(), KdfParams::POLICY_MIN);
    vault
        .save_drafts(bodies[..half].iter().map(String::as_str), t0())
        .unwrap();
    vault
        .save_drafts(bodies[half..].iter().map(String::as_str), later)
        .unwrap();
    let (v, report) = time(|| vault.purge(purge_time(), false).unwrap());
    assert_eq!(report.per_class["draft"] as usize, half);
    (p, v)
}

fn main() {
    let n = rows();
    let runs = runs();
    let bodies = bodies(n);
    println!(
        "rows = {n}, runs = {runs} (median), release build = {}",
        !cfg!(debug_assertions)
    );

    let mut table: Vec<(String, Duration, Duration)> = Vec::new();

    let (mut p, mut v) = (vec![], vec![]);
    for _ in 0..runs {
        let (a, b) = insert_run(n, &bodies);
        p.push(a);
        v.push(b);
    }
    table.push((
        format!("{n} inserts, one transaction"),
        median(p),
        median(v),
    ));

    let (mut p, mut v) = (vec![], vec![]);
    for _ in 0..runs {
        let (a, b) = purge_run(&bodies);
        p.push(a);
        v.push(b);
    }
    table.push((
        format!("purge {} expired rows + checkpoint", n / 2),
        median(p),
        median(v),
    ));

    // Range queries on a database holding all rows.
    let tmp = tempfile::tempdir().unwrap();
    let mut plain = Plain::create(tmp.path());
    plain.insert(&bodies, t0());
    let mut vault = new_vault(tmp.path(), KdfParams::POLICY_MIN);
    vault
        .save_drafts(bodies.iter().map(String::as_str), t0())
        .unwrap();
    let starts = range_starts(n);
    let (mut p, mut v) = (vec![], vec![]);
    for _ in 0..runs {
        p.push(
            time(|| {
                starts
                    .iter()
                    .map(|&s| plain.range_query(t0(), s))
                    .sum::<usize>()
            })
            .0,
        );
        v.push(
            time(|| {
                starts
                    .iter()
                    .map(|&s| vault.drafts_page(t0(), s, RANGE_LIMIT).unwrap().len())
                    .sum::<usize>()
            })
            .0,
        );
    }
    table.push((
        format!("{RANGE_QUERIES} indexed range queries (100 rows each)"),
        median(p),
        median(v),
    ));

    println!();
    println!("| workload | plain SQLite | vault (SQLCipher) | ratio |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, p, v) in &table {
        println!(
            "| {name} | {:.3} s | {:.3} s | {:.2}× |",
            p.as_secs_f64(),
            v.as_secs_f64(),
            v.as_secs_f64() / p.as_secs_f64()
        );
    }

    // Unlock: KDF + open + probe + HMAC check of every page, on the vault holding all rows.
    vault.lock().unwrap();
    let dir = vault_dir(tmp.path());
    let unlock = |label: &str| {
        let mut t = vec![];
        for _ in 0..runs {
            let (d, r) = time(|| Vault::unlock(&dir, &pass(), t0()));
            r.unwrap().0.lock().unwrap();
            t.push(d);
        }
        let size = std::fs::metadata(dir.join("vault.db")).unwrap().len();
        println!(
            "| unlock, {label}, {:.0} MiB vault | {:.3} s |",
            size as f64 / 1048576.0,
            median(t).as_secs_f64()
        );
    };
    println!();
    println!("| unlock | time |");
    println!("| --- | ---: |");
    unlock("KDF 64 MiB/t=3/p=4 (policy minimum)");
    let calibrated = calibrate(Duration::from_millis(500)).unwrap();
    println!(
        "| (calibrate(500 ms) chose {} MiB / t={} / p={}: {:.3} s per derivation) | |",
        calibrated.params.memory_kib / 1024,
        calibrated.params.iterations,
        calibrated.params.parallelism,
        calibrated.measured.as_secs_f64()
    );
    {
        let (mut v, _) = Vault::unlock(&dir, &pass(), t0()).unwrap();
        v.change_passphrase(&pass(), &pass(), calibrated.params, t0())
            .unwrap();
        v.lock().unwrap();
    }
    unlock("calibrated KDF");
}
