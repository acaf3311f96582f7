//! Shared fixtures: the desktop relying party, a user, a plan.

use tipvault_auth::{PlanAmount, PlanLeg, RelyingParty, StepUpPlan, UserIdentity};

pub const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

pub fn rp() -> RelyingParty {
    RelyingParty::desktop().unwrap()
}

pub fn user() -> UserIdentity {
    UserIdentity {
        id: [7; 16],
        name: "owner".into(),
        display_name: "Vault owner".into(),
    }
}

/// ₩1,300 → ₩1,000 mobile top-up + ₩300 donation.
pub fn plan() -> StepUpPlan {
    StepUpPlan {
        provider_id: "demo-provider".into(),
        catalog_version: 12,
        legs: vec![
            PlanLeg {
                product_id: "topup-1000".into(),
                net: PlanAmount::new("KRW", 1000),
                fee: PlanAmount::new("KRW", 0),
                gross: PlanAmount::new("KRW", 1000),
                debit: PlanAmount::new("KRW", 1000),
                destination: vec![("phone".into(), "+821012345678".into())],
                provider_id: None,
            },
            PlanLeg {
                product_id: "donation".into(),
                net: PlanAmount::new("KRW", 300),
                fee: PlanAmount::new("KRW", 0),
                gross: PlanAmount::new("KRW", 300),
                debit: PlanAmount::new("KRW", 300),
                destination: Vec::new(),
                provider_id: None,
            },
        ],
    }
}
