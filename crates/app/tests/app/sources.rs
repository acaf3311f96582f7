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

#[test]
fn an_account_named_by_people_gets_a_stable_id_derived_once() {
    let (_dir, _loc, mut session) = new_vault();
    let named = |label: &str, platform: &str, currency: &str| NewSource {
        id: String::new(),
        label: label.into(),
        platform: platform.into(),
        currency: currency.into(),
        payout_threshold: None,
        payout_schedule: None,
    };
    let first = add_source(&mut session, &named("Ko-fi main", "kofi", "USD"), t0()).unwrap();
    assert_eq!(
        (first.id.as_str(), first.label.as_str()),
        ("ko-fi-main", "Ko-fi main")
    );
    // The same name again is a second account, never a clash.
    let second = add_source(&mut session, &named("Ko-fi  main!", "kofi", "USD"), t0()).unwrap();
    assert_eq!(second.id, "ko-fi-main-2");
    // A name with no Latin letters or digits takes the platform's slug.
    let korean = add_source(
        &mut session,
        &named("투네이션 후원", "toonation", "KRW"),
        t0(),
    )
    .unwrap();
    assert_eq!(
        (korean.id.as_str(), korean.label.as_str()),
        ("toonation", "투네이션 후원")
    );
    // Long after, the first accounts have expired but are not purged yet: their ids stay taken.
    let later = t0() + chrono::Duration::days(366 * 101);
    let again = add_source(&mut session, &named("Ko-fi main", "kofi", "USD"), later).unwrap();
    assert_eq!(again.id, "ko-fi-main-3");
}

#[test]
fn refused_account_input_names_the_field_at_fault() {
    let (_dir, _loc, mut session) = new_vault();
    let base = NewSource {
        id: String::new(),
        label: "Tips".into(),
        platform: "kofi".into(),
        currency: "USD".into(),
        payout_threshold: None,
        payout_schedule: None,
    };
    for (bad, field) in [
        (
            NewSource {
                label: "  ".into(),
                ..base.clone()
            },
            "label",
        ),
        (
            NewSource {
                currency: "dollars".into(),
                ..base.clone()
            },
            "currency",
        ),
        (
            NewSource {
                payout_threshold: Some("abc".into()),
                ..base.clone()
            },
            "payout_threshold",
        ),
        (
            NewSource {
                id: "Has Space".into(),
                ..base.clone()
            },
            "id",
        ),
    ] {
        let err = add_source(&mut session, &bad, t0()).unwrap_err();
        assert_eq!(err.field, Some(field), "{}", err.message);
        // Written for people: no type names or format strings.
        assert!(!err.message.contains("ISO 4217 code:"), "{}", err.message);
    }
}
