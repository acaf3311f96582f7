//! KDF policy as seen through the public API.

use std::time::Duration;

use tipvault_vault::{CreateError, KdfError, KdfParams, Vault, calibrate};

use crate::support::{self, t0};

#[test]
fn create_refuses_parameters_below_policy() {
    let dir = tempfile::tempdir().unwrap();
    let weak = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    let err = Vault::create(dir.path(), &support::pass(), weak, t0()).unwrap_err();
    assert!(
        matches!(err, CreateError::Kdf(KdfError::BelowPolicy { .. })),
        "{err:?}"
    );
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "a refused create must not leave files behind"
    );
}

#[test]
fn calibration_returns_policy_respecting_params_that_a_vault_accepts() {
    let calibration = calibrate(Duration::from_millis(250)).unwrap();
    assert!(calibration.params.meets_policy(), "{calibration:?}");
    assert!(calibration.measured > Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::create(dir.path(), &support::pass(), calibration.params, t0()).unwrap();
    vault.lock().unwrap();
    Vault::unlock(dir.path(), &support::pass(), t0()).unwrap();
}
