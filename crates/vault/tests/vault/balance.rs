//! Balances are maintained on write and always equal the sums of the live entries: after
//! imports, across sources and currencies, once entries expire, and after the purge.

use std::time::Duration;

use chrono::Duration as Span;
use tipvault_ledger::{EntryKind, SourceId};
use tipvault_money::{Currency, Money};

use crate::ledger_support::{
    assert_balances_consistent, entry_in, kofi, tip, usd, vault_with_source,
};
use crate::support::{days, t0};

#[test]
fn balances_follow_imports_expiry_and_purge() {
    let (_tmp, mut vault) = vault_with_source();
    vault.add_source(&kofi("second"), t0()).unwrap();
    let krw = Currency::from_code("KRW").unwrap();
    let main = SourceId::new("main");
    vault
        .import_entries(
            &main,
            &[
                tip("main", "A", 1, 500, 25),
                tip("main", "B", 2, 1_000, 50),
                entry_in(
                    "main",
                    "P",
                    EntryKind::Payout,
                    t0() - days(1),
                    Money::from_minor(-800, usd()),
                    Money::from_minor(0, usd()),
                    None,
                    None,
                ),
                entry_in(
                    "main",
                    "K",
                    EntryKind::Tip,
                    t0() - days(1),
                    Money::from_minor(5_000, krw),
                    Money::from_minor(250, krw),
                    None,
                    None,
                ),
            ],
            t0(),
        )
        .unwrap();
    let balances = vault.balances(t0()).unwrap();
    assert_eq!(balances.len(), 2, "one per currency: never added across");
    let usd_balance = balances.iter().find(|b| b.currency == usd()).unwrap();
    assert_eq!(usd_balance.net, Money::from_minor(475 + 950 - 800, usd()));
    assert_eq!(usd_balance.entries, 3);
    assert_balances_consistent(&vault, t0());

    // Later imports into the second source, created a day later, expire a day later.
    vault
        .import_entries(
            &SourceId::new("second"),
            &[tip("second", "S", 3, 200, 10)],
            t0() + days(1),
        )
        .unwrap();
    assert_balances_consistent(&vault, t0() + days(1));

    // Shorten imported tips to 10 days: the first import expires at t0+10d, the second a day
    // later. In between, the balance must already exclude the expired rows (no purge yet).
    vault
        .set_retention("imported_tip", Duration::from_secs(10 * 86_400), t0())
        .unwrap();
    let between = t0() + days(10) + Span::hours(1);
    let balances = vault.balances(between).unwrap();
    assert_eq!(balances.len(), 1, "main's entries expired: {balances:?}");
    assert_eq!(balances[0].source, SourceId::new("second"));
    assert_eq!(balances[0].net, Money::from_minor(190, usd()));
    assert_balances_consistent(&vault, between);

    let report = vault.purge(between, false).unwrap();
    assert_eq!(report.per_class["imported_tip"], 4);
    assert_eq!(
        vault.balances(between).unwrap(),
        balances,
        "purge changes nothing visible"
    );
    assert_balances_consistent(&vault, between);
    // And the stored sums themselves were adjusted by the purge: reading "as of" t0 (when the
    // purged rows would still be live) no longer sees them.
    let stored_now = vault.balances(t0()).unwrap();
    assert_eq!(stored_now.len(), 1, "purged rows left the balance table");
}

/// A deterministic walk through imports (with duplicates), retention changes, time passing and
/// purges across sources and currencies: after every step the maintained balances must equal
/// a recomputation from the live entries.
#[test]
fn balances_stay_equal_to_the_live_sums_through_a_random_walk() {
    let (_tmp, mut vault) = vault_with_source();
    vault.add_source(&kofi("second"), t0()).unwrap();
    let currencies = [
        usd(),
        Currency::from_code("KRW").unwrap(),
        Currency::from_code("BHD").unwrap(),
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut now = t0();
    let (mut inserted, mut duplicates, mut purged) = (0, 0, 0);
    for step in 0..60 {
        match next(4) {
            0 | 1 => {
                let source = if next(2) == 0 { "main" } else { "second" };
                let batch: Vec<_> = (0..next(40) + 1)
                    .map(|_| {
                        let currency = currencies[next(3) as usize];
                        let gross = next(100_000) as i64;
                        let fee = next(gross as u64 + 1) as i64;
                        let kind = if next(5) == 0 {
                            EntryKind::Payout
                        } else {
                            EntryKind::Tip
                        };
                        let sign = if kind == EntryKind::Payout { -1 } else { 1 };
                        entry_in(
                            source,
                            // A small id space: re-imports hit duplicates.
                            &format!("T{}", next(300)),
                            kind,
                            now - days(1),
                            Money::from_minor(sign * gross, currency),
                            Money::from_minor(if sign < 0 { 0 } else { fee }, currency),
                            None,
                            None,
                        )
                    })
                    .collect();
                // Ids repeat (inside a batch too): the first write of a key wins, the rest are
                // duplicates and must not touch the balance.
                let outcome = vault
                    .import_entries(&SourceId::new(source), &batch, now)
                    .unwrap();
                inserted += outcome.inserted;
                duplicates += outcome.duplicates;
            }
            2 => {
                let secs = (next(20) + 1) * 86_400;
                vault
                    .set_retention("imported_tip", Duration::from_secs(secs), now)
                    .unwrap();
            }
            _ => {
                now += days(next(10) as i64);
                if next(2) == 0 {
                    purged += vault.purge(now, false).unwrap().per_class["imported_tip"];
                }
            }
        }
        assert_eq!(
            vault.balances(now).unwrap(),
            vault.balances_recomputed(now).unwrap(),
            "step {step}: the maintained balances drifted from the live entries"
        );
    }
    assert!(
        inserted > 100 && duplicates > 0 && purged > 0,
        "the walk must exercise inserts ({inserted}), duplicates ({duplicates}) and purges ({purged})"
    );
}
