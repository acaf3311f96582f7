//! Security keys end to end through the app API: the real vault, the real webauthn-rs relying
//! party and the software authenticator with its state in a file. Adversarial devices below
//! wrap the real software authenticator and tamper with what travels between it and the app.

use chrono::Duration;
use tipvault_app::auth::{
    AssertionResponse, AttestationResponse, Authenticator, AuthenticatorError, AuthenticatorInfo,
    GetAssertionRequest, MakeCredentialRequest, PlanAmount, PlanLeg, SoftAuthenticator, StepUpPlan,
};
use tipvault_app::{
    ErrorCode, LockReason, Session, audit_entries, list_security_keys, register_security_key,
    remove_security_key, rename_security_key, step_up_for_limit_change, step_up_for_plan,
    step_up_proof, unlock_vault, unlock_with_security_key, vault_status,
};
use tipvault_money::{Currency, Money};
use tipvault_risk::{LimitChange, LimitKind};

use super::support::{PASSPHRASE, secret, t0};

/// A vault for the software authenticator: a test device, which only a demo vault accepts, so
/// these tests (about the ceremonies, not about which vault) use a vault marked as a demo
/// fixture; `a_test_device_*` tests elsewhere cover the real vault's refusals.
fn new_vault() -> (tempfile::TempDir, tipvault_app::VaultLocation, Session) {
    let (dir, location, mut session) = super::support::new_vault();
    tipvault_app::demo::mark_fixture_as_demo(&mut session, t0()).unwrap();
    (dir, location, session)
}

/// The re-authentication these tests give: the vault's passphrase.
fn proof() -> Option<tipvault_app::Proof<'static>> {
    static PASS: std::sync::LazyLock<tipvault_app::SecretString> =
        std::sync::LazyLock::new(|| secret(PASSPHRASE));
    Some(tipvault_app::Proof::Passphrase(&PASS))
}

fn soft(dir: &std::path::Path, name: &str) -> SoftAuthenticator {
    SoftAuthenticator::open_or_create(dir.join(name)).unwrap()
}

fn events(session: &mut Session) -> Vec<(String, serde_json::Value)> {
    audit_entries(session, t0(), 0, 1000)
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.detail))
        .collect()
}

fn refusal(session: &mut Session, kind: &str) -> Option<String> {
    events(session)
        .into_iter()
        .rev()
        .find(|(k, _)| k == kind)
        .map(|(_, d)| d["reason"].as_str().unwrap_or_default().to_owned())
}

fn plan(amount: i64) -> StepUpPlan {
    StepUpPlan {
        provider_id: "demo-provider".into(),
        catalog_version: 3,
        legs: vec![PlanLeg {
            product_id: "topup-1000".into(),
            net: PlanAmount::new("KRW", amount),
            fee: PlanAmount::new("KRW", 0),
            gross: PlanAmount::new("KRW", amount),
            debit: PlanAmount::new("KRW", amount),
            destination: vec![("phone".into(), "+821012345678".into())],
            provider_id: None,
        }],
    }
}

#[test]
fn a_registered_key_unlocks_the_vault_without_the_passphrase() {
    let (dir, location, mut session) = new_vault();
    let mut device = soft(dir.path(), "soft.json");
    let key = register_security_key(&mut session, proof(), &mut device, "blue key", t0()).unwrap();
    assert!(key.can_unlock && key.is_test_device, "{key:?}");
    assert_eq!(key.sign_count, 1, "the enrolment assertion was verified");
    session.lock(t0(), LockReason::Exit).unwrap();
    assert_eq!(
        vault_status(&location, t0()).unwrap().security_keys,
        vec!["blue key"]
    );

    let mut device = SoftAuthenticator::open(dir.path().join("soft.json")).unwrap();
    let (mut session, _) =
        unlock_with_security_key(&location, &mut device, t0() + Duration::minutes(1)).unwrap();
    let kinds: Vec<String> = events(&mut session).into_iter().map(|(k, _)| k).collect();
    for kind in [
        "auth.registered",
        "vault.security_key_slot_added",
        "auth.unlocked",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} missing: {kinds:?}");
    }
    let listed = list_security_keys(&mut session, t0()).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].sign_count, 2);
    assert!(listed[0].last_used_at.is_some());
}

#[test]
fn another_authenticator_cannot_unlock() {
    let (dir, location, mut session) = new_vault();
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap();
    session.lock(t0(), LockReason::Exit).unwrap();
    let err =
        unlock_with_security_key(&location, &mut soft(dir.path(), "b.json"), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{err:?}");
    assert!(
        err.message.contains("not registered for this vault"),
        "{err:?}"
    );
    unlock_vault(&location, &secret(PASSPHRASE), t0()).unwrap();
}

#[test]
fn rename_and_remove_keep_record_and_slot_together() {
    let (dir, location, mut session) = new_vault();
    let key = register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "old",
        t0(),
    )
    .unwrap();
    let renamed = rename_security_key(&mut session, &key.id[..6], "new name", t0()).unwrap();
    assert_eq!(renamed.label, "new name");
    assert_eq!(
        rename_security_key(&mut session, &key.id, "   ", t0())
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    session.lock(t0(), LockReason::Exit).unwrap();
    assert_eq!(
        vault_status(&location, t0()).unwrap().security_keys,
        vec!["new name"]
    );

    let (mut session, _) = unlock_vault(&location, &secret(PASSPHRASE), t0()).unwrap();
    remove_security_key(
        &mut session,
        Some(&secret(PASSPHRASE)),
        &key.id,
        &mut [],
        t0(),
    )
    .unwrap();
    assert!(list_security_keys(&mut session, t0()).unwrap().is_empty());
    assert!(
        events(&mut session)
            .iter()
            .any(|(k, d)| k == "auth.removed" && d["slot_removed"] == true)
    );
    session.lock(t0(), LockReason::Exit).unwrap();

    let err = unlock_with_security_key(
        &location,
        &mut SoftAuthenticator::open(dir.path().join("a.json")).unwrap(),
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyUnavailable, "{err:?}");
    unlock_vault(&location, &secret(PASSPHRASE), t0()).expect("the passphrase stays");
}

#[test]
fn a_cloned_authenticator_opens_nothing_and_is_audited() {
    let (dir, location, mut session) = new_vault();
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap();
    session.lock(t0(), LockReason::Exit).unwrap();
    std::fs::copy(dir.path().join("a.json"), dir.path().join("clone.json")).unwrap();

    // The owner keeps using the real key: its counter moves on.
    let (session, _) =
        unlock_with_security_key(&location, &mut soft(dir.path(), "a.json"), t0()).unwrap();
    session.lock(t0(), LockReason::Exit).unwrap();

    // The copy still derives the right KEK, but its counter is behind.
    let err =
        unlock_with_security_key(&location, &mut soft(dir.path(), "clone.json"), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{err:?}");
    assert!(err.message.contains("cloned"), "{err:?}");

    let (mut session, _) = unlock_vault(&location, &secret(PASSPHRASE), t0()).unwrap();
    assert_eq!(
        refusal(&mut session, "auth.unlock_refused").as_deref(),
        Some("cloned_authenticator")
    );
    assert!(
        events(&mut session)
            .iter()
            .any(|(k, d)| k == "vault.locked" && d["reason"] == "security_key_refused"),
        "the refused session was locked at once"
    );
}

/// Signs whatever the app asks, but for a challenge it chose itself.
struct OtherChallenge(SoftAuthenticator);

impl Authenticator for OtherChallenge {
    fn info(&self) -> AuthenticatorInfo {
        self.0.info()
    }
    fn make_credential(
        &mut self,
        request: &MakeCredentialRequest,
    ) -> Result<AttestationResponse, AuthenticatorError> {
        self.0.make_credential(request)
    }
    fn get_assertion(
        &mut self,
        request: &GetAssertionRequest,
    ) -> Result<AssertionResponse, AuthenticatorError> {
        let mut other = request.clone();
        other.challenge = vec![0x42; 32];
        self.0.get_assertion(&other)
    }
}

/// Credential id, clientDataJSON, authenticator data, signature, user handle.
type Captured = (Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, Option<Vec<u8>>);

/// Answers the first step-up honestly and every later one with a copy of that first answer.
struct Replaying {
    inner: SoftAuthenticator,
    first: Option<Captured>,
}

impl Authenticator for Replaying {
    fn info(&self) -> AuthenticatorInfo {
        self.inner.info()
    }
    fn make_credential(
        &mut self,
        request: &MakeCredentialRequest,
    ) -> Result<AttestationResponse, AuthenticatorError> {
        self.inner.make_credential(request)
    }
    fn get_assertion(
        &mut self,
        request: &GetAssertionRequest,
    ) -> Result<AssertionResponse, AuthenticatorError> {
        if let Some((id, cdj, ad, sig, handle)) = &self.first {
            return Ok(AssertionResponse {
                credential_id: tipvault_app::auth::CredentialId::new(id.clone()),
                client_data_json: cdj.clone(),
                authenticator_data: ad.clone(),
                signature: sig.clone(),
                user_handle: handle.clone(),
                hmac_secret: None,
            });
        }
        let response = self.inner.get_assertion(request)?;
        self.first = Some((
            response.credential_id.as_bytes().to_vec(),
            response.client_data_json.clone(),
            response.authenticator_data.clone(),
            response.signature.clone(),
            response.user_handle.clone(),
        ));
        Ok(response)
    }
}

#[test]
fn step_up_approves_one_plan_and_refusals_are_audited() {
    let (dir, _location, mut session) = new_vault();
    let path = dir.path().join("a.json");
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap();

    let approval = step_up_for_plan(
        &mut session,
        &mut soft(dir.path(), "a.json"),
        &plan(1000),
        t0(),
    )
    .unwrap();
    approval.check(&plan(1000)).unwrap();
    assert!(
        approval.check(&plan(1001)).is_err(),
        "one unit more after approval is refused"
    );
    assert!(
        events(&mut session)
            .iter()
            .any(|(k, _)| k == "auth.step_up_approved")
    );

    let mut wrong = OtherChallenge(SoftAuthenticator::open(&path).unwrap());
    let err = step_up_for_plan(&mut session, &mut wrong, &plan(1000), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused);
    assert_eq!(
        refusal(&mut session, "auth.step_up_refused").as_deref(),
        Some("wrong_challenge")
    );

    let mut replaying = Replaying {
        inner: SoftAuthenticator::open(&path).unwrap(),
        first: None,
    };
    step_up_for_plan(&mut session, &mut replaying, &plan(1000), t0()).unwrap();
    let err = step_up_for_plan(&mut session, &mut replaying, &plan(1000), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused);
    assert_eq!(
        refusal(&mut session, "auth.step_up_refused").as_deref(),
        Some("replayed")
    );
}

#[test]
fn a_removed_key_cannot_approve_a_step_up() {
    let (dir, _location, mut session) = new_vault();
    let a = register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap();
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "b.json"),
        "b",
        t0(),
    )
    .unwrap();
    remove_security_key(
        &mut session,
        Some(&secret(PASSPHRASE)),
        &a.id,
        &mut [],
        t0(),
    )
    .unwrap();
    let err = step_up_for_plan(
        &mut session,
        &mut soft(dir.path(), "a.json"),
        &plan(5),
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{err:?}");
    assert_eq!(
        refusal(&mut session, "auth.step_up_refused").as_deref(),
        Some("not_registered_on_device")
    );
}

#[test]
fn a_limit_change_proof_comes_only_from_an_approval_of_that_change() {
    let (dir, _location, mut session) = new_vault();
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap();
    let change = LimitChange {
        currency: Currency::KRW,
        kind: LimitKind::PerClaim,
        new: Some(Money::from_minor(50_000, Currency::KRW)),
    };
    let proof =
        step_up_for_limit_change(&mut session, &mut soft(dir.path(), "a.json"), &change, t0())
            .unwrap();
    proof.check(&change.canonical(), t0()).unwrap();

    let other = LimitChange {
        new: Some(Money::from_minor(60_000, Currency::KRW)),
        ..change.clone()
    };
    let approval_for_other = step_up_for_plan(
        &mut session,
        &mut soft(dir.path(), "a.json"),
        &tipvault_app::limit_change_plan(&other),
        t0(),
    )
    .unwrap();
    let err = step_up_proof(&approval_for_other, &change).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused);
}

#[test]
fn registering_a_key_needs_the_passphrase_or_an_already_registered_key() {
    let (dir, _location, mut session) = new_vault();
    let err = register_security_key(
        &mut session,
        None,
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::ReauthRequired, "{err:?}");
    let wrong = secret("not the passphrase");
    let err = register_security_key(
        &mut session,
        Some(tipvault_app::Proof::Passphrase(&wrong)),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::WrongPassphrase, "{err:?}");
    assert!(
        list_security_keys(&mut session, t0()).unwrap().is_empty(),
        "nothing registered"
    );

    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap();
    // The first key now confirms the second: its assertion is bound to that very change.
    let mut first = soft(dir.path(), "a.json");
    register_security_key(
        &mut session,
        Some(tipvault_app::Proof::SecurityKey(&mut first)),
        &mut soft(dir.path(), "b.json"),
        "b",
        t0(),
    )
    .unwrap();
    // A key that is not registered confirms nothing.
    let mut stranger = soft(dir.path(), "stranger.json");
    let err = register_security_key(
        &mut session,
        Some(tipvault_app::Proof::SecurityKey(&mut stranger)),
        &mut soft(dir.path(), "c.json"),
        "c",
        t0(),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{err:?}");
    assert_eq!(list_security_keys(&mut session, t0()).unwrap().len(), 2);
    let kinds: Vec<String> = events(&mut session).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "auth.reauthenticated")
            .count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "auth.reauth_refused").count(),
        2
    );
}

#[test]
fn removing_a_key_replaces_the_vault_key_so_an_old_key_file_opens_nothing_current() {
    let (dir, location, mut session) = new_vault();
    let lost = register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "lost.json"),
        "lost",
        t0(),
    )
    .unwrap();
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "kept.json"),
        "kept",
        t0(),
    )
    .unwrap();
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "away.json"),
        "away",
        t0(),
    )
    .unwrap();
    let old_keys = std::fs::read(location.dir().join("vault.keys")).unwrap();
    assert_eq!(
        remove_security_key(&mut session, None, &lost.id, &mut [], t0())
            .unwrap_err()
            .code,
        ErrorCode::ReauthRequired
    );
    let mut kept = soft(dir.path(), "kept.json");
    let removed = remove_security_key(
        &mut session,
        Some(&secret(PASSPHRASE)),
        &lost.id,
        &mut [&mut kept],
        t0(),
    )
    .unwrap();
    assert_eq!(removed.unlock_kept.len(), 1);
    assert_eq!(
        removed.unlock_dropped.len(),
        1,
        "the key that was not at hand"
    );
    assert_eq!(removed.data_key_generation, 2);
    let keys = list_security_keys(&mut session, t0()).unwrap();
    let can_unlock: Vec<(&str, bool)> = keys
        .iter()
        .map(|k| (k.label.as_str(), k.can_unlock))
        .collect();
    assert_eq!(can_unlock, vec![("kept", true), ("away", false)]);
    session.lock(t0(), LockReason::Exit).unwrap();

    // The kept key unlocks; the removed one does not, not even with the key file from before.
    let later = t0() + Duration::minutes(1);
    let (session, _) =
        unlock_with_security_key(&location, &mut soft(dir.path(), "kept.json"), later).unwrap();
    session.lock(later, LockReason::Exit).unwrap();
    let current_keys = std::fs::read(location.dir().join("vault.keys")).unwrap();
    std::fs::write(location.dir().join("vault.keys"), &old_keys).unwrap();
    assert!(
        unlock_with_security_key(&location, &mut soft(dir.path(), "lost.json"), later).is_err(),
        "an old key file with the removed key opens nothing of the vault as it is now"
    );
    std::fs::write(location.dir().join("vault.keys"), &current_keys).unwrap();

    // The key that was away gets its unlock slot back when it is at hand.
    let (mut session, _) = unlock_vault(&location, &secret(PASSPHRASE), later).unwrap();
    let back = tipvault_app::enable_security_key_unlock(
        &mut session,
        proof(),
        &mut soft(dir.path(), "away.json"),
        later,
    )
    .unwrap();
    assert_eq!(back.label, "away");
    assert!(back.can_unlock);
}

#[test]
fn a_test_device_never_unlocks_a_real_vault() {
    let (dir, location, mut session) = new_vault();
    register_security_key(
        &mut session,
        proof(),
        &mut soft(dir.path(), "a.json"),
        "a",
        t0(),
    )
    .unwrap();
    // The vault becomes a real one (the mark gone, as in a vault an older version registered a
    // test device on).
    session.lock(t0(), LockReason::Exit).unwrap();
    let (_, key) = tipvault_app::export_data_key(&location, &secret(PASSPHRASE), t0()).unwrap();
    {
        let conn = rusqlite::Connection::open(location.dir().join("vault.db")).unwrap();
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.as_str()))
            .unwrap();
        conn.execute("DELETE FROM setting WHERE key = 'vault.demo'", [])
            .unwrap();
    }
    let err =
        unlock_with_security_key(&location, &mut soft(dir.path(), "a.json"), t0()).unwrap_err();
    assert_eq!(err.code, ErrorCode::SecurityKeyRefused, "{err:?}");
    assert!(err.message.contains("test device"), "{err:?}");
    let (mut session, _) = unlock_vault(&location, &secret(PASSPHRASE), t0()).unwrap();
    assert_eq!(
        refusal(&mut session, "auth.unlock_refused").as_deref(),
        Some("rejected")
    );
}
