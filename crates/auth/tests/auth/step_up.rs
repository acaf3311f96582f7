//! Step-up bound to the exact plan.

use tipvault_auth::{
    Authenticator as _, CeremonyError, MemoryCredentialStore, SoftAuthenticator, StepUpError,
};

use super::common::{NOW, plan, rp, user};

#[test]
fn approval_holds_for_the_exact_plan_only() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    let record = rp
        .register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let approved = plan();
    let approval = rp.step_up(&mut store, &mut device, &approved, NOW).unwrap();
    assert_eq!(approval.credential_id(), &record.id);
    approval.check(&approved).unwrap();
    approval.check(&plan()).unwrap(); // an equal plan built anew

    // One unit of one leg changes after approval: refused.
    let mut changed = approved.clone();
    changed.legs[1].net.minor_units += 1;
    changed.legs[1].gross.minor_units += 1;
    changed.legs[1].debit.minor_units += 1;
    let error = approval.check(&changed).unwrap_err();
    assert!(
        matches!(error, StepUpError::PlanChanged { .. }),
        "{error:?}"
    );

    // Each kind of content is covered.
    let mut fee = approved.clone();
    fee.legs[0].fee.minor_units = 1;
    let mut destination = approved.clone();
    destination.legs[0].destination[0].1 = "+821099999999".into();
    let mut product = approved.clone();
    product.legs[0].product_id = "topup-5000".into();
    let mut provider = approved.clone();
    provider.provider_id = "other-provider".into();
    let mut currency = approved.clone();
    currency.legs[0].net.currency = "USD".into();
    let mut order = approved.clone();
    order.legs.reverse();
    for variant in [fee, destination, product, provider, currency, order] {
        assert!(
            approval.check(&variant).is_err(),
            "a plan differing from the approved one must be refused: {variant:?}"
        );
    }
}

#[test]
fn an_assertion_for_another_plans_challenge_is_refused() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();

    let shown = plan();
    let mut sent = plan();
    sent.legs[0].destination[0].1 = "+821000000000".into();

    let (request_shown, _pending_shown) = rp.start_step_up(&store, &shown).unwrap();
    let (_request_sent, pending_sent) = rp.start_step_up(&store, &sent).unwrap();
    // The user approves the plan they were shown; the answer is presented for another plan.
    let response = device.get_assertion(&request_shown).unwrap();
    let error = rp
        .finish_step_up(&mut store, pending_sent, response, NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::WrongChallenge), "{error:?}");
}

#[test]
fn the_signed_challenge_is_the_plan_bound_one() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    let (request, pending) = rp.start_step_up(&store, &plan()).unwrap();
    assert_eq!(pending.digest(), &plan().digest().unwrap());
    // Two ceremonies for the same plan sign different challenges (fresh nonce each time).
    let (again, _) = rp.start_step_up(&store, &plan()).unwrap();
    assert_ne!(request.challenge, again.challenge);
    let response = device.get_assertion(&request).unwrap();
    let client_data: serde_json::Value =
        serde_json::from_slice(&response.client_data_json).unwrap();
    assert_eq!(client_data["type"], "webauthn.get");
    let approval = rp
        .finish_step_up(&mut store, pending, response, NOW)
        .unwrap();
    assert_eq!(approval.digest(), &plan().digest().unwrap());
}

#[test]
fn step_up_requires_user_verification() {
    let rp = rp();
    let mut store = MemoryCredentialStore::new();
    let mut device = SoftAuthenticator::ephemeral();
    rp.register(&mut store, &mut device, &user(), "key", NOW)
        .unwrap();
    device.set_user_verification(false);
    let error = rp
        .step_up(&mut store, &mut device, &plan(), NOW)
        .unwrap_err();
    assert!(matches!(error, CeremonyError::UserNotVerified), "{error:?}");
}
