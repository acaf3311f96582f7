//! Criterion benchmark of the planner: `cargo bench -p tipvault-preview`.
//! For p50/p95 tables, see `examples/plan_latency.rs`.

// A benchmark stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "workload.rs"]
mod workload;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn planner(c: &mut Criterion) {
    for (name, catalog, request) in workload::scenarios() {
        c.bench_function(&format!("plan: {name}"), |b| {
            b.iter(|| tipvault_preview::plan(black_box(&catalog), black_box(&request)))
        });
        c.bench_function(&format!("preview (best + alternatives): {name}"), |b| {
            b.iter(|| tipvault_preview::preview(black_box(&catalog), black_box(&request)))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = planner
}
criterion_main!(benches);
