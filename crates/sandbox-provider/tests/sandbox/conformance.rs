//! The conformance kit (docs/PROTOCOL.md §10) against the sandbox: the honest sandbox passes
//! every check, and each of the sandbox's hostile modes is caught by the check that names its
//! lie, while the checks that never touch a redemption still pass.

use tipvault_sandbox_provider::Hostility;
use tipvault_wire::conformance::{self, CHECKS, Outcome, REDEMPTION_STAGES, Report};

use crate::support;

async fn run_against(hostility: Option<Hostility>) -> Report {
    let (_dir, sandbox) = support::start_with(|_| {}).await;
    let mut sandbox = sandbox;
    sandbox.set_hostility(hostility);
    let clock = tipvault_sandbox_provider::system_clock();
    conformance::check(&sandbox.base_url(), sandbox.enrollment_code(), clock).await
}

fn table(report: &Report) -> String {
    report
        .checks
        .iter()
        .map(|c| format!("{} {}: {:?}", c.section, c.id, c.outcome))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_honest_sandbox_passes_every_check() {
    let report = run_against(None).await;
    assert!(report.passed(), "{}", table(&report));
    let ids: Vec<&str> = report.checks.iter().map(|c| c.id).collect();
    let expected: Vec<&str> = CHECKS.iter().map(|(id, ..)| *id).collect();
    assert_eq!(ids, expected, "every check ran, in order");
}

/// Every section a check names is a heading of docs/PROTOCOL.md, so a renumbered spec cannot
/// leave the kit's table pointing at nothing.
#[test]
fn every_check_names_sections_the_spec_has() {
    let spec = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/PROTOCOL.md"
    ))
    .unwrap();
    let headings: Vec<&str> = spec
        .lines()
        .filter(|l| l.starts_with("## ") || l.starts_with("### "))
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    for (id, sections, _) in CHECKS {
        for section in sections.split(", ") {
            let number = section.strip_prefix('§').unwrap_or(section);
            assert!(
                headings.contains(&number),
                "{id} names {section}, which docs/PROTOCOL.md does not have"
            );
        }
    }
}

/// The checks that never send to `/v1/redemptions`: a provider lying about redemptions must
/// still pass them (the lies are confined to redemption answers).
const UNTOUCHED: &[&str] = &[
    "catalog-signed",
    "catalog-key-pinned",
    "pairing",
    "balance",
    "replay-refused",
    "expired-refused",
    "future-refused",
    "unknown-key-refused",
    "bad-signature-refused",
];

#[tokio::test]
async fn each_hostile_mode_fails_the_check_that_names_its_lie() {
    let cases = [
        (Hostility::WrongSignature, "receipt-signed"),
        (Hostility::ReceiptForAnotherRequest, "receipt-binds-request"),
        (Hostility::ChangedAmount, "receipt-binds-request"),
        (Hostility::MalformedJson, "redemption-body"),
        (Hostility::HugeBody, "redemption-transport"),
        (Hostility::SlowDrip, "redemption-transport"),
        (Hostility::Redirect, "redemption-transport"),
        (Hostility::HtmlError, "redemption-signed"),
        (Hostility::HtmlOk, "redemption-signed"),
    ];
    // Each against its own sandbox, all at once: the slow drip alone waits out the client's
    // 10-second limit.
    let runs = cases.map(|(lie, _)| tokio::spawn(run_against(Some(lie))));
    for ((lie, check), run) in cases.into_iter().zip(runs) {
        let report = run.await.unwrap();
        let named = report.get(check).unwrap();
        assert!(
            matches!(named.outcome, Outcome::Fail(_)),
            "{lie:?} must fail {check}:\n{}",
            table(&report)
        );
        // The stages before the one that failed passed: the failure is placed, not smeared.
        let stages = REDEMPTION_STAGES;
        let at = stages.iter().position(|s| *s == check).unwrap();
        for earlier in &stages[..at] {
            assert_eq!(
                report.get(earlier).unwrap().outcome,
                Outcome::Pass,
                "{lie:?}: {earlier}"
            );
        }
        for id in UNTOUCHED {
            assert_eq!(
                report.get(id).unwrap().outcome,
                Outcome::Pass,
                "{lie:?} must not fail {id}:\n{}",
                table(&report)
            );
        }
        assert!(!report.passed());
    }
}
