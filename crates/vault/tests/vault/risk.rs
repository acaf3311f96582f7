//! The risk gate's storage (migration v7): decisions bound to a plan digest, cancellation,
//! 30-day network hashes, the salt, limits, auto-cash-out rules and verification tokens.

use tipvault_vault::{
    LegState, NewLeg, NewRedemption, StoredAutoCashOut, StoredRiskDecision, StoredVerification,
};

use crate::support::{days, new_vault, t0, unlock, vault_dir};

fn planned(vault: &mut tipvault_vault::Vault, id: &str) {
    vault
        .outbox_insert(
            &NewRedemption {
                id: id.into(),
                provider_id: "demo-provider".into(),
                account_id: "provider-demo-provider".into(),
                catalog_version: 3,
                legs: vec![NewLeg {
                    product: "krw-mobile-top-up".into(),
                    currency: "KRW".into(),
                    amount_minor: 1000,
                    fee_minor: 0,
                    body: b"{}".to_vec(),
                    idempotency_key: format!("key-{id}"),
                    provider: None,
                }],
            },
            t0(),
        )
        .unwrap();
}

fn decision(id: &str, outcome: &str, digest: &str) -> StoredRiskDecision {
    StoredRiskDecision {
        redemption_id: id.into(),
        outcome: outcome.into(),
        decision: "{}".into(),
        plan_digest: digest.into(),
        decided_at: t0(),
        unattended: false,
        verified_at: None,
        credential_id: None,
        cancelled_at: None,
    }
}

#[test]
fn the_salt_is_made_once_and_survives_a_relock() {
    let (tmp, mut vault) = new_vault();
    let salt = vault.risk_salt(t0()).unwrap();
    assert_ne!(*salt, [0u8; 32]);
    assert_eq!(*vault.risk_salt(t0()).unwrap(), *salt);
    vault.lock().unwrap();
    let mut vault = unlock(&vault_dir(&tmp));
    assert_eq!(*vault.risk_salt(t0()).unwrap(), *salt, "one salt per vault");
}

#[test]
fn a_decision_is_verified_only_for_its_own_plan_and_survives_a_relock() {
    let (tmp, mut vault) = new_vault();
    planned(&mut vault, "rx_1");
    vault
        .risk_decision_put(&decision("rx_1", "step_up", "aa"), t0())
        .unwrap();
    assert!(
        !vault
            .risk_decision_verified("rx_1", "bb", "cred", t0())
            .unwrap(),
        "a verification of another plan digest is not recorded"
    );
    assert!(
        vault
            .risk_decision_verified("rx_1", "aa", "cred", t0())
            .unwrap()
    );
    // Replacing the decision (a re-assessment) keeps the verification.
    vault
        .risk_decision_put(&decision("rx_1", "step_up", "aa"), t0())
        .unwrap();
    vault.lock().unwrap();
    let vault = unlock(&vault_dir(&tmp));
    let stored = vault.risk_decision("rx_1", t0()).unwrap().unwrap();
    assert_eq!(stored.outcome, "step_up");
    assert_eq!(stored.verified_at, Some(t0()));
    assert_eq!(stored.credential_id.as_deref(), Some("cred"));
    assert_eq!(vault.risk_decisions(t0()).unwrap().len(), 1);
}

#[test]
fn cancelling_fails_planned_legs_only_and_records_it() {
    let (_tmp, mut vault) = new_vault();
    planned(&mut vault, "rx_1");
    vault
        .risk_decision_put(&decision("rx_1", "pause", "aa"), t0())
        .unwrap();
    assert_eq!(vault.risk_cancel("rx_1", "cancelled", t0()).unwrap(), 1);
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    assert_eq!(r.legs[0].state, LegState::Failed);
    assert_eq!(r.legs[0].last_error.as_deref(), Some("cancelled"));
    assert_eq!(
        vault
            .risk_decision("rx_1", t0())
            .unwrap()
            .unwrap()
            .cancelled_at,
        Some(t0())
    );
    assert!(
        !vault
            .risk_decision_verified("rx_1", "aa", "c", t0())
            .unwrap(),
        "a cancelled redemption cannot be verified"
    );
    assert_eq!(
        vault.risk_cancel("rx_1", "cancelled", t0()).unwrap(),
        0,
        "nothing left to cancel"
    );
    // An approved redemption is no longer cancellable.
    planned(&mut vault, "rx_2");
    vault.outbox_approve("rx_2", t0()).unwrap();
    assert_eq!(vault.risk_cancel("rx_2", "cancelled", t0()).unwrap(), 0);
}

#[test]
fn network_hashes_are_purged_after_thirty_days_while_the_decision_stays() {
    let (_tmp, mut vault) = new_vault();
    planned(&mut vault, "rx_1");
    vault
        .risk_decision_put(&decision("rx_1", "allow", "aa"), t0())
        .unwrap();
    vault.risk_network_put("rx_1", "net-1", t0()).unwrap();
    assert_eq!(
        vault.risk_networks(t0() + days(29)).unwrap(),
        vec![("rx_1".to_owned(), "net-1".to_owned())]
    );
    assert!(
        vault.risk_networks(t0() + days(30)).unwrap().is_empty(),
        "reads filter on expiry"
    );
    let report = vault.purge(t0() + days(31), false).unwrap();
    assert_eq!(report.per_class["network_fingerprint"], 1);
    assert!(
        vault
            .risk_decision("rx_1", t0() + days(31))
            .unwrap()
            .is_some()
    );
}

#[test]
fn limits_rules_and_tokens_round_trip() {
    let (_tmp, mut vault) = new_vault();
    vault
        .risk_limit_set("KRW", "per_claim", Some(20_000), t0())
        .unwrap();
    vault
        .risk_limit_set("KRW", "per_claim", Some(10_000), t0())
        .unwrap();
    let limits = vault.risk_limits(t0()).unwrap();
    assert_eq!(limits.len(), 1);
    assert_eq!(limits[0].amount_minor, 10_000);
    vault
        .risk_limit_set("KRW", "per_claim", None, t0())
        .unwrap();
    assert!(vault.risk_limits(t0()).unwrap().is_empty());
    assert!(
        vault
            .risk_limit_set("KRW", "per_week", Some(1), t0())
            .is_err(),
        "the schema refuses an unknown kind"
    );

    let rule = StoredAutoCashOut {
        id: "bus".into(),
        source_id: "kofi".into(),
        currency: "KRW".into(),
        threshold_minor: 50_000,
        template: "{}".into(),
        created_at: t0(),
    };
    assert!(vault.auto_cash_out_add(&rule, t0()).unwrap());
    assert!(
        !vault.auto_cash_out_add(&rule, t0()).unwrap(),
        "ids are unique"
    );
    assert_eq!(vault.auto_cash_outs(t0()).unwrap(), vec![rule]);
    assert!(vault.auto_cash_out_remove("bus").unwrap());
    assert!(!vault.auto_cash_out_remove("bus").unwrap());

    let token = StoredVerification {
        provider_id: "demo-provider".into(),
        token: "{\"signed\":true}".into(),
        tier: "verified".into(),
        issued_at: t0(),
        token_expires_at: t0() + days(10),
    };
    vault.provider_verification_put(&token, t0()).unwrap();
    assert_eq!(vault.provider_verifications(t0()).unwrap(), vec![token]);
    assert!(
        vault
            .provider_verifications(t0() + days(10))
            .unwrap()
            .is_empty(),
        "the row expires with the token"
    );
    let report = vault.purge(t0() + days(11), false).unwrap();
    assert_eq!(report.per_class["verification_token"], 1);
}
