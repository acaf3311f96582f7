//! Prints p50/p95/max latency of `plan` and `preview` over the benchmark workload:
//! `cargo run --release -p tipvault-preview --example plan_latency -- [runs] [letters] [plan|preview]`.

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// A latency measurement reads the clock: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

#[path = "../benches/workload.rs"]
mod workload;

use std::time::{Duration, Instant};

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    println!("| scenario | call | legs | p50 | p95 | max |");
    println!("|---|---|---|---|---|---|");
    let only: Option<String> = std::env::args().nth(2);
    for (name, catalog, request) in workload::scenarios() {
        if only
            .as_deref()
            .is_some_and(|letters| !letters.contains(&name[..1]))
        {
            continue;
        }
        // Optional third argument: `plan` or `preview` runs only that call.
        let calls: Vec<String> = std::env::args().nth(3).map_or_else(
            || vec!["plan".to_owned(), "preview".to_owned()],
            |c| vec![c],
        );
        for call in calls.iter().map(String::as_str) {
            let mut times = Vec::with_capacity(runs);
            let mut legs = 0;
            let mut failed = None;
            for _ in 0..runs {
                let started = Instant::now();
                let outcome = if call == "plan" {
                    tipvault_preview::plan(&catalog, &request).map(|p| p.legs.len())
                } else {
                    tipvault_preview::preview(&catalog, &request).map(|p| p.best.legs.len())
                };
                times.push(started.elapsed());
                match outcome {
                    Ok(n) => legs = n,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            times.sort_unstable();
            if let Some(e) = failed {
                println!(
                    "| {name} | {call} | refused after {:.2?}: {e} | | | |",
                    times[0]
                );
                continue;
            }
            println!(
                "| {name} | {call} | {legs} | {:.2?} | {:.2?} | {:.2?} |",
                percentile(&times, 50),
                percentile(&times, 95),
                times[times.len() - 1]
            );
        }
    }
}
