//! Prints the simulation table: per user type, redemptions, false step-ups for established
//! users, anomalies injected and caught.
//!
//! `cargo run -p tipvault-risk --example simulate --release [-- SEED USERS DAYS]`
//! (defaults: seed 7, 25 users per type, 180 days).

// A tool run by hand or by the tests stops with a message when its setup is broken;
// the workspace denies unwrap, expect and panic in product code only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// An example's command line and output: the pure-crate rule (clippy.toml) is the library's.
#![allow(clippy::disallowed_methods)]

#[path = "../simulation/mod.rs"]
mod simulation;

fn main() {
    let mut args = std::env::args().skip(1);
    let seed = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let users = args.next().and_then(|a| a.parse().ok()).unwrap_or(25);
    let days = args.next().and_then(|a| a.parse().ok()).unwrap_or(180);
    let reports = simulation::run(seed, users, days);
    println!("Seed {seed}, {users} users per type, {days} days.\n");
    print!("{}", simulation::table(&reports));
    println!("\nFalse step-ups by rule (a claim may have several):");
    for (kind, report) in &reports {
        if !report.false_by_rule.is_empty() {
            println!("  {}: {:?}", kind.name(), report.false_by_rule);
        }
        println!("  {} final tiers: {:?}", kind.name(), report.final_tiers);
    }
    println!("\nAnomalies missed or caught only by another rule:");
    for note in reports.values().flat_map(|r| &r.notes) {
        println!("  {note}");
    }
}
