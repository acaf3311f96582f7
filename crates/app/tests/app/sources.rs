use tipvault_app::{ErrorCode, NewSource, add_source, audit_entries, list_sources};

use super::ledger_support::add_kofi;
use super::support::{new_vault, t0};

#[test]
fn sources_are_added_listed_and_audited() {
    let (_dir, _loc, mut session) = new_vault();
    add_kofi(&mut session, "kofi-main");
    let listed = list_sources(&mut session, t0()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].platform, "kofi");
    assert_eq!(listed[0].payout_threshold.as_ref().unwrap().amount, "50.00");
    let audit = audit_entries(&mut session, t0(), 0, 100).unwrap();
    let added = audit
        .iter()
        .find(|e| e.kind == "ledger.source_added")
        .expect("the source is recorded in the audit log");
    assert_eq!(added.detail["source"], "kofi-main");
}

#[test]
fn bad_source_input_is_refused_with_invalid_input() {
    let (_dir, _loc, mut session) = new_vault();
    let base = NewSource {
        id: "ok".into(),
        label: "x".into(),
        platform: "kofi".into(),
        currency: "USD".into(),
        payout_threshold: None,
        payout_schedule: None,
    };
    for bad in [
        NewSource {
            id: "Has Space".into(),
            ..base.clone()
        },
        NewSource {
            platform: "myspace".into(),
            ..base.clone()
        },
        NewSource {
            currency: "XXY".into(),
            ..base.clone()
        },
        NewSource {
            payout_threshold: Some("1.234".into()),
            ..base.clone()
        },
    ] {
        let err = add_source(&mut session, &bad, t0()).unwrap_err();
        assert_eq!(
            err.code,
            ErrorCode::InvalidInput,
            "{bad:?}: {}",
            err.message
        );
    }
    add_source(&mut session, &base, t0()).unwrap();
    let again = add_source(&mut session, &base, t0()).unwrap_err();
    assert_eq!(again.code, ErrorCode::InvalidInput, "duplicate id");
    let generic = NewSource {
        id: "sheet".into(),
        platform: "generic:투네이션".into(),
        currency: "KRW".into(),
        ..base
    };
    assert_eq!(
        add_source(&mut session, &generic, t0()).unwrap().platform,
        "투네이션"
    );
}
