//! The redemption engine's storage: device key, providers, the outbox state machine,
//! receipts and the privacy ledger (migration v5).

use serde_json::json;
use tipvault_ledger::entry::NewEntry;
use tipvault_ledger::{Entry, EntryKey, EntryKind, Platform, Source, SourceId};
use tipvault_money::{Currency, Money};
use tipvault_vault::{
    AuditEvent, LegState, LegUpdate, NewLeg, NewRedemption, PrivacyRecord, ProviderStoreError,
    StoredProvider, StoredReceipt,
};

use crate::support::{days, new_vault, t0, unlock, vault_dir};

fn redemption(id: &str, keys: &[&str]) -> NewRedemption {
    NewRedemption {
        id: id.into(),
        provider_id: "demo-provider".into(),
        account_id: "provider-demo-provider".into(),
        catalog_version: 3,
        legs: keys
            .iter()
            .map(|k| NewLeg {
                product: "krw-mobile-top-up".into(),
                currency: "KRW".into(),
                amount_minor: 1000,
                fee_minor: 0,
                body: format!("{{\"key\":\"{k}\"}}").into_bytes(),
                idempotency_key: (*k).into(),
                provider: None,
            })
            .collect(),
    }
}

#[test]
fn the_device_key_is_generated_once_and_survives_a_relock() {
    let (tmp, mut vault) = new_vault();
    let first = vault.device_secret(t0()).unwrap();
    let again = vault.device_secret(t0()).unwrap();
    assert_eq!(*first, *again, "one key per vault");
    assert_ne!(*first, [0u8; 32]);
    vault.lock().unwrap();
    let mut vault = unlock(&vault_dir(&tmp));
    assert_eq!(*vault.device_secret(t0()).unwrap(), *first);
    let db = std::fs::read(vault_dir(&tmp).join(tipvault_vault::DB_FILE)).unwrap();
    assert!(
        !db.windows(32).any(|w| w == first.as_slice()),
        "the seed is encrypted at rest"
    );
}

#[test]
fn a_provider_key_is_pinned() {
    let (_tmp, mut vault) = new_vault();
    let p = StoredProvider {
        id: "demo-provider".into(),
        base_url: "http://127.0.0.1:1".into(),
        key_id: "k1".into(),
        public_key: [7; 32],
        device_id: None,
        paired_at: None,
        sandbox: true,
        added_at: t0(),
        own_device_key: false,
    };
    vault.put_provider(&p, t0()).unwrap();
    let unpaired = vault.provider("demo-provider", t0()).unwrap().unwrap();
    assert!(!unpaired.own_device_key, "no pairing, no key recorded");
    assert!(
        vault
            .set_provider_device("demo-provider", "dev_1", t0())
            .unwrap()
    );
    // Same key, new address: accepted, pairing kept.
    let moved = StoredProvider {
        base_url: "http://127.0.0.1:2".into(),
        ..p.clone()
    };
    vault.put_provider(&moved, t0()).unwrap();
    let stored = vault.provider("demo-provider", t0()).unwrap().unwrap();
    assert_eq!(stored.base_url, "http://127.0.0.1:2");
    assert_eq!(stored.device_id.as_deref(), Some("dev_1"));
    assert!(
        stored.own_device_key,
        "paired since v14: with its own device key"
    );
    // Another key: refused.
    let other = StoredProvider {
        public_key: [8; 32],
        ..p
    };
    assert!(matches!(
        vault.put_provider(&other, t0()),
        Err(ProviderStoreError::KeyChanged { .. })
    ));
    assert_eq!(vault.providers(t0()).unwrap().len(), 1);
}

#[test]
fn legs_move_through_the_state_machine_and_persist() {
    let (tmp, mut vault) = new_vault();
    vault
        .outbox_insert(&redemption("rx_1", &["k1", "k2"]), t0())
        .unwrap();
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    assert!(r.legs.iter().all(|l| l.state == LegState::Planned));
    assert!(
        vault.outbox_pending(t0()).unwrap().is_empty(),
        "planned legs are not queued until approved"
    );
    assert_eq!(vault.outbox_approve("rx_1", t0()).unwrap(), 2);
    assert_eq!(vault.outbox_pending(t0()).unwrap().len(), 2);
    assert_eq!(
        vault.outbox_mark_sending("rx_1", 0, "rd_a", t0()).unwrap(),
        1
    );
    // A crash here: after reopening, the leg is `sent`, with its key and body intact.
    vault.lock().unwrap();
    let mut vault = unlock(&vault_dir(&tmp));
    let leg = &vault.redemption("rx_1", t0()).unwrap().unwrap().legs[0];
    assert_eq!(leg.state, LegState::Sent);
    assert_eq!(leg.idempotency_key, "k1");
    assert_eq!(leg.body, b"{\"key\":\"k1\"}");
    assert_eq!(leg.attempts, 1);
    vault
        .outbox_update(
            "rx_1",
            0,
            &LegUpdate {
                state: LegState::OutcomeUnknown,
                next_attempt_at: Some(t0()),
                last_error: Some("dropped".into()),
            },
            t0(),
        )
        .unwrap();
    let receipt = StoredReceipt {
        provider_redemption_id: "rd_a".into(),
        redemption_id: "rx_1".into(),
        seq: 0,
        provider_id: "demo-provider".into(),
        document: "{\"signed\":true}".into(),
        request: None,
        stored_at: t0(),
    };
    vault.outbox_confirm(&receipt, t0()).unwrap();
    vault.outbox_confirm(&receipt, t0()).unwrap();
    let failed = LegUpdate {
        state: LegState::Failed,
        next_attempt_at: None,
        last_error: Some("late".into()),
    };
    assert!(
        !vault.outbox_update("rx_1", 0, &failed, t0()).unwrap(),
        "a confirmed leg never changes again"
    );
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    assert_eq!(r.legs[0].state, LegState::Confirmed);
    assert_eq!(r.legs[1].state, LegState::Approved);
    assert_eq!(vault.receipts_of("rx_1", t0()).unwrap().len(), 1);
    assert_eq!(vault.outbox_pending(t0()).unwrap().len(), 1);
}

fn booked(id: &str, minor: i64) -> (Source, Vec<Entry>) {
    let source = Source {
        id: SourceId::new("provider-demo"),
        label: "demo".into(),
        platform: Platform::Generic("tipvault-provider".into()),
        currency: Currency::KRW,
        payout: None,
    };
    let out = Money::from_minor(-minor, Currency::KRW);
    let entry = Entry::new(NewEntry {
        source: source.id.clone(),
        kind: EntryKind::Redemption,
        occurred_at: t0(),
        gross: out,
        fee: Money::zero(Currency::KRW),
        net: out,
        key: EntryKey::TransactionId {
            platform: "tipvault-provider".into(),
            source: source.id.clone(),
            id: id.into(),
        },
        payer: None,
        message: None,
    })
    .unwrap();
    (source, vec![entry])
}

#[test]
fn a_batch_commits_many_legs_at_once_or_nothing() {
    let (tmp, mut vault) = new_vault();
    vault
        .outbox_insert(&redemption("rx_1", &["k1", "k2", "k3"]), t0())
        .unwrap();
    vault.outbox_approve("rx_1", t0()).unwrap();
    let audit_before = vault.audit_entries(t0(), 0, 1000).unwrap().len();
    // Dropped before commit: nothing of it is written.
    {
        let mut batch = vault.outbox_batch(t0()).unwrap();
        batch.mark_sending("rx_1", 0, "rd_0").unwrap();
        batch
            .audit_append(&AuditEvent::new("redemption.leg_sent", json!({"leg": 0})).unwrap())
            .unwrap();
    }
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    assert!(r.legs.iter().all(|l| l.state == LegState::Approved));
    assert_eq!(
        vault.audit_entries(t0(), 0, 1000).unwrap().len(),
        audit_before
    );
    // Committed: every leg leaves together, with its privacy record and audit entry.
    let mut batch = vault.outbox_batch(t0()).unwrap();
    for seq in 0..3u32 {
        batch
            .privacy_append(&PrivacyRecord {
                provider_id: "demo-provider".into(),
                redemption_id: Some("rx_1".into()),
                purpose: "redemption".into(),
                fields: "{}".into(),
                sent_at: t0(),
            })
            .unwrap();
        assert_eq!(
            batch
                .mark_sending("rx_1", seq, &format!("rd_{seq}"))
                .unwrap(),
            1
        );
        batch
            .audit_append(&AuditEvent::new("redemption.leg_sent", json!({"leg": seq})).unwrap())
            .unwrap();
    }
    batch.commit().unwrap();
    vault.lock().unwrap();
    let mut vault = unlock(&vault_dir(&tmp));
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    assert!(
        r.legs
            .iter()
            .all(|l| l.state == LegState::Sent && l.attempts == 1)
    );
    assert!(r.legs.iter().all(|l| l.provider_id == "demo-provider"));
    assert_eq!(vault.privacy_log(t0(), 10).unwrap().len(), 3);
    let sent = vault
        .audit_entries(t0(), 0, 1000)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "redemption.leg_sent")
        .count();
    assert_eq!(
        sent, 3,
        "the dropped batch's entry is not there; the committed three are"
    );
    assert!(vault.audit_verify().unwrap().is_intact());
    // Outcomes: two confirmed and booked (the source is added on first use; a repeat booking
    // is a duplicate), one left unknown.
    let mut batch = vault.outbox_batch(t0()).unwrap();
    for seq in 0..2u32 {
        let (source, entries) = booked(&format!("rd_{seq}"), 1000);
        assert_eq!(batch.book(&source, &entries).unwrap().inserted, 1);
        assert_eq!(batch.book(&source, &entries).unwrap().duplicates, 1);
        batch
            .confirm(&StoredReceipt {
                provider_redemption_id: format!("rd_{seq}"),
                redemption_id: "rx_1".into(),
                seq,
                provider_id: "demo-provider".into(),
                document: "{}".into(),
                request: None,
                stored_at: t0(),
            })
            .unwrap();
    }
    let unknown = LegUpdate {
        state: LegState::OutcomeUnknown,
        next_attempt_at: Some(t0()),
        last_error: Some("dropped".into()),
    };
    assert!(batch.update("rx_1", 2, &unknown).unwrap());
    batch.commit().unwrap();
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    let states: Vec<_> = r.legs.iter().map(|l| l.state).collect();
    assert_eq!(
        states,
        [
            LegState::Confirmed,
            LegState::Confirmed,
            LegState::OutcomeUnknown
        ]
    );
    assert_eq!(vault.receipts_of("rx_1", t0()).unwrap().len(), 2);
    let balances = vault.balances(t0()).unwrap();
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].net, Money::from_minor(-2000, Currency::KRW));
    assert_eq!(vault.balances_recomputed(t0()).unwrap(), balances);
}

#[test]
fn an_idempotency_key_is_never_reused() {
    let (_tmp, mut vault) = new_vault();
    vault
        .outbox_insert(&redemption("rx_1", &["k1"]), t0())
        .unwrap();
    assert!(
        vault
            .outbox_insert(&redemption("rx_2", &["k1"]), t0())
            .is_err()
    );
    assert!(
        vault.redemption("rx_2", t0()).unwrap().is_none(),
        "a failed insert leaves nothing behind"
    );
}

#[test]
fn the_privacy_ledger_expires_after_its_own_class() {
    let (_tmp, mut vault) = new_vault();
    vault
        .privacy_append(
            &PrivacyRecord {
                provider_id: "demo-provider".into(),
                redemption_id: Some("rx_1".into()),
                purpose: "redemption".into(),
                fields: r#"{"phone_number":"01012345678"}"#.into(),
                sent_at: t0(),
            },
            t0(),
        )
        .unwrap();
    vault
        .outbox_insert(&redemption("rx_1", &["k1"]), t0())
        .unwrap();
    assert_eq!(vault.privacy_log(t0(), 10).unwrap().len(), 1);
    let later = t0() + days(91);
    assert!(vault.privacy_log(later, 10).unwrap().is_empty(), "90 days");
    assert!(
        vault.redemption("rx_1", later).unwrap().is_some(),
        "redemptions are kept as receipts (5 years)"
    );
    vault.purge(later, false).unwrap();
    assert!(vault.privacy_log(t0(), 10).unwrap().is_empty(), "purged");
}

#[test]
fn a_leg_state_has_one_name_stored_and_shown() {
    // The column keeps `as_str`; front ends get serde's name: they must be the same word, or a
    // state read back from the vault would be shown (and matched by the window) as another.
    for state in [
        LegState::Planned,
        LegState::Approved,
        LegState::Sent,
        LegState::Confirmed,
        LegState::Failed,
        LegState::OutcomeUnknown,
    ] {
        assert_eq!(serde_json::to_value(state).unwrap(), json!(state.as_str()));
        assert_eq!(LegState::parse(state.as_str()), Some(state));
        let back: LegState = serde_json::from_value(json!(state.as_str())).unwrap();
        assert_eq!(back, state);
    }
    assert_eq!(LegState::parse("paid"), None);
    assert!(serde_json::from_value::<LegState>(json!("paid")).is_err());
}

#[test]
fn a_leg_may_name_its_own_provider_and_account_and_otherwise_has_the_redemptions() {
    let (tmp, mut vault) = new_vault();
    let mut across = redemption("rx_1", &["k1", "k2"]);
    across.legs[1].provider = Some(tipvault_vault::LegProvider {
        provider_id: "telco-points".into(),
        account_id: "provider-telco-points".into(),
    });
    vault.outbox_insert(&across, t0()).unwrap();
    vault.lock().unwrap();
    let mut vault = unlock(&vault_dir(&tmp));
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    let owners: Vec<(&str, Option<&str>)> = r
        .legs
        .iter()
        .map(|l| (l.provider_id.as_str(), l.account_id.as_deref()))
        .collect();
    assert_eq!(
        owners,
        [
            ("demo-provider", Some("provider-demo-provider")),
            ("telco-points", Some("provider-telco-points")),
        ]
    );
    // The outbox hands each leg to its own provider.
    vault.outbox_approve("rx_1", t0()).unwrap();
    let pending = vault.outbox_pending(t0()).unwrap();
    let providers: Vec<&str> = pending.iter().map(|l| l.provider_id.as_str()).collect();
    assert_eq!(providers, ["demo-provider", "telco-points"]);
}

#[test]
fn withdrawing_one_providers_waiting_legs_leaves_the_others_and_anything_that_left() {
    let (_tmp, mut vault) = new_vault();
    let mut across = redemption("rx_1", &["k1", "k2", "k3"]);
    for leg in &mut across.legs[1..] {
        leg.provider = Some(tipvault_vault::LegProvider {
            provider_id: "telco-points".into(),
            account_id: "provider-telco-points".into(),
        });
    }
    vault.outbox_insert(&across, t0()).unwrap();
    // Nothing approved yet: nothing is waiting to be withdrawn.
    assert_eq!(
        vault
            .outbox_withdraw("rx_1", "telco-points", "cancelled", t0())
            .unwrap(),
        0
    );
    vault.outbox_approve("rx_1", t0()).unwrap();
    // One telco leg left (its outcome is for reconciliation), the other still waits.
    vault.outbox_mark_sending("rx_1", 1, "rd_1", t0()).unwrap();
    assert_eq!(
        vault
            .outbox_withdraw("rx_1", "telco-points", "cancelled", t0())
            .unwrap(),
        1
    );
    let r = vault.redemption("rx_1", t0()).unwrap().unwrap();
    let states: Vec<LegState> = r.legs.iter().map(|l| l.state).collect();
    assert_eq!(
        states,
        [LegState::Approved, LegState::Sent, LegState::Failed]
    );
    assert_eq!(r.legs[2].last_error.as_deref(), Some("cancelled"));
    // A withdrawn leg is never sent.
    assert!(vault.outbox_mark_sending("rx_1", 2, "rd_2", t0()).is_err());
    // The redemption's own provider's legs are withdrawn by its id.
    assert_eq!(
        vault
            .outbox_withdraw("rx_1", "demo-provider", "cancelled", t0())
            .unwrap(),
        1
    );
}
