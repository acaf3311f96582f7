//! History: keyset pages newest first, filters, exact amount bounds, and full-text search over
//! kept details only.

use chrono::Duration as Span;
use rust_decimal::Decimal;
use std::str::FromStr;
use tipvault_ledger::{EntryKind, SourceId};
use tipvault_money::Money;
use tipvault_vault::{HistoryCursor, HistoryFilter};

use crate::ledger_support::{entry_in, kofi, tip, tip_with, usd, vault_with_source};
use crate::support::{days, t0};

fn ids(page: &tipvault_vault::HistoryPage) -> Vec<String> {
    page.entries
        .iter()
        .map(|s| match s.entry.key() {
            tipvault_ledger::EntryKey::TransactionId { id, .. } => id.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn pages_walk_every_entry_once_newest_first() {
    let (_tmp, mut vault) = vault_with_source();
    let entries: Vec<_> = (0..25)
        .map(|i| tip("main", &format!("T{i:02}"), i / 2, 100 + i, 0))
        .collect();
    vault
        .import_entries(&SourceId::new("main"), &entries, t0())
        .unwrap();
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = vault
            .history(&HistoryFilter::default(), after, 10, t0())
            .unwrap();
        seen.extend(page.entries.iter().map(|e| e.id));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 25, "every entry exactly once");
    let mut sorted = seen.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        25,
        "no entry twice (ties on time broken by id)"
    );
    // Newest first: the first page starts with the latest time.
    let first = vault
        .history(&HistoryFilter::default(), None, 3, t0())
        .unwrap();
    let times: Vec<_> = first
        .entries
        .iter()
        .map(|e| e.entry.occurred_at())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    let cursor = first.next.unwrap();
    assert_eq!(cursor.to_string().parse::<HistoryCursor>().unwrap(), cursor);
}

#[test]
fn filters_combine_source_kind_dates_and_exact_amounts() {
    let (_tmp, mut vault) = vault_with_source();
    vault.add_source(&kofi("other"), t0()).unwrap();
    let main = SourceId::new("main");
    vault
        .import_entries(
            &main,
            &[
                tip("main", "small", 1, 100, 0),
                tip("main", "exact", 2, 1_005, 0),
                tip("main", "big", 3, 5_000, 0),
                entry_in(
                    "main",
                    "payout",
                    EntryKind::Payout,
                    t0() - days(1),
                    Money::from_minor(-3_000, usd()),
                    Money::from_minor(0, usd()),
                    None,
                    None,
                ),
            ],
            t0(),
        )
        .unwrap();
    vault
        .import_entries(
            &SourceId::new("other"),
            &[tip("other", "elsewhere", 2, 1_005, 0)],
            t0(),
        )
        .unwrap();

    let filter = HistoryFilter {
        source: Some(main.clone()),
        kinds: vec![EntryKind::Tip],
        min_gross: Some(Decimal::from_str("10.05").unwrap()),
        max_gross: Some(Decimal::from_str("50").unwrap()),
        ..HistoryFilter::default()
    };
    let page = vault.history(&filter, None, 100, t0()).unwrap();
    assert_eq!(ids(&page), ["big", "exact"]);
    // 10.051 rounds inwards to 10.06: "exact" (10.05) no longer qualifies.
    let stricter = HistoryFilter {
        min_gross: Some(Decimal::from_str("10.051").unwrap()),
        ..filter.clone()
    };
    assert_eq!(
        ids(&vault.history(&stricter, None, 100, t0()).unwrap()),
        ["big"]
    );

    let payouts = HistoryFilter {
        kinds: vec![EntryKind::Payout],
        ..HistoryFilter::default()
    };
    assert_eq!(
        ids(&vault.history(&payouts, None, 100, t0()).unwrap()),
        ["payout"]
    );

    let base = t0() - days(30);
    let window = HistoryFilter {
        from: Some(base + Span::hours(2)),
        to: Some(base + Span::hours(3)),
        ..HistoryFilter::default()
    };
    let mut got = ids(&vault.history(&window, None, 100, t0()).unwrap());
    got.sort();
    assert_eq!(got, ["elsewhere", "exact"], "from inclusive, to exclusive");
}

#[test]
fn search_finds_kept_messages_only_and_only_while_live() {
    let (_tmp, mut vault) = vault_with_source();
    vault
        .import_entries(
            &SourceId::new("main"),
            &[
                tip_with(
                    "main",
                    "kept",
                    1,
                    500,
                    0,
                    Some("Mina Example"),
                    Some("Love the stream"),
                ),
                // Imported without opting in: the message never reached the vault.
                tip("main", "dropped", 2, 300, 0),
            ],
            t0(),
        )
        .unwrap();
    let search = |text: &str, now| {
        let filter = HistoryFilter {
            search: Some(text.to_owned()),
            ..HistoryFilter::default()
        };
        ids(&vault.history(&filter, None, 100, now).unwrap())
    };
    assert_eq!(search("strea", t0()), ["kept"], "word prefixes match");
    assert_eq!(
        search("mina love", t0()),
        ["kept"],
        "names and messages, all words"
    );
    assert!(search("stream nothere", t0()).is_empty());
    assert!(
        search("\"OR*", t0()).is_empty(),
        "FTS syntax in the input is plain text"
    );
    // The detail expires after 90 days: search no longer finds it, the amount is still listed.
    let later = t0() + days(91);
    assert!(search("stream", later).is_empty());
    assert_eq!(
        vault
            .history(&HistoryFilter::default(), None, 100, later)
            .unwrap()
            .entries
            .len(),
        2
    );
}

/// With many matches a search walks the kept details by time instead of sorting every match
/// (`history.rs`, migration v10): the pages are the same rows in the same order as the
/// unfiltered history's rows that hold the word, ties broken by id, imported out of time order,
/// and an expired detail still matches nothing.
#[test]
fn a_search_with_many_matches_pages_newest_first_like_the_history() {
    let (_tmp, mut vault) = vault_with_source();
    let n: i64 = 1_200;
    let entries: Vec<_> = (0..n)
        .map(|i| {
            // A shuffled order of times, two entries per hour.
            let hours = (i * 7_919) % n / 2;
            let tx = format!("t{i:04}");
            if i % 5 == 4 {
                tip("main", &tx, hours, 100, 0)
            } else {
                tip_with(
                    "main",
                    &tx,
                    hours,
                    100,
                    0,
                    Some("Fan"),
                    Some("thanks a lot"),
                )
            }
        })
        .collect();
    vault
        .import_entries(&SourceId::new("main"), &entries, t0())
        .unwrap();
    // Another source whose messages match as well, its times among main's: a page of main's
    // matches passes over them.
    vault.add_source(&kofi("other"), t0()).unwrap();
    let others: Vec<_> = (0..n)
        .map(|i| {
            let hours = (i * 4_999) % n / 2;
            tip_with(
                "other",
                &format!("o{i:04}"),
                hours,
                100,
                0,
                None,
                Some("thanks again"),
            )
        })
        .collect();
    vault
        .import_entries(&SourceId::new("other"), &others, t0())
        .unwrap();
    let now = t0();
    let walk = |filter: &HistoryFilter, now| {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = vault.history(filter, after, 100, now).unwrap();
            all.extend(ids(&page));
            match page.next {
                Some(next) => after = Some(next),
                None => return all,
            }
        }
    };
    let everything = walk(&HistoryFilter::default(), now);
    let with_message: Vec<String> = everything
        .iter()
        .filter(|tx| tx.starts_with('o') || tx[1..].parse::<i64>().unwrap() % 5 != 4)
        .cloned()
        .collect();
    assert_eq!(
        with_message.len(),
        2_160,
        "the premise: more matches than a sort is allowed"
    );
    let kept: Vec<String> = with_message
        .iter()
        .filter(|tx| tx.starts_with('t'))
        .cloned()
        .collect();
    let anywhere = HistoryFilter {
        search: Some("thank".into()),
        ..HistoryFilter::default()
    };
    assert_eq!(walk(&anywhere, now), with_message);
    let search = HistoryFilter {
        source: Some(SourceId::new("main")),
        ..anywhere.clone()
    };
    assert_eq!(
        walk(&search, now),
        kept,
        "half the matches are another source's"
    );
    // A date range: the walk covers only it, and finds what the history lists in it.
    let range = |f: HistoryFilter| HistoryFilter {
        from: Some(t0() - Span::days(30) + Span::hours(100)),
        to: Some(t0() - Span::days(30) + Span::hours(300)),
        ..f
    };
    let in_range: Vec<String> = walk(&range(HistoryFilter::default()), now)
        .into_iter()
        .filter(|tx| with_message.contains(tx))
        .collect();
    assert!(!in_range.is_empty() && in_range.len() < with_message.len());
    assert_eq!(walk(&range(anywhere.clone()), now), in_range);
    let narrowed = HistoryFilter {
        kinds: vec![EntryKind::Tip],
        min_gross: Some(Decimal::from(1)),
        ..search.clone()
    };
    assert_eq!(walk(&narrowed, now), kept, "other filters still apply");
    assert!(
        walk(&search, t0() + days(91)).is_empty(),
        "expired details match nothing"
    );
}
