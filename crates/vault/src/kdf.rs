//! Passphrase → key-encryption key with Argon2id, the parameter policy, and calibration.
//!
//! The one decision to know: the policy minimum (64 MiB, t=3, p=4) is enforced everywhere, tests
//! included; tests simply use the minimum. Parameters are stored in each slot so they can be
//! raised later: an unlock that finds parameters below the current policy re-wraps the slot.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::key::{KEY_LEN, Kek};

/// Length of the random Argon2 salt stored in each passphrase slot.
pub(crate) const SALT_LEN: usize = 16;

/// Argon2id cost parameters, stored in each passphrase slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB (65536 = 64 MiB).
    pub memory_kib: u32,
    /// Number of passes over memory.
    pub iterations: u32,
    /// Lanes; with the `parallel` feature each lane runs on its own thread.
    pub parallelism: u32,
}

impl KdfParams {
    /// The floor below which this build never creates a slot: 64 MiB, t=3, p=4 (stronger than
    /// OWASP's Argon2id minimum; ~0.1 s here).
    pub const POLICY_MIN: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };

    /// Upper bounds accepted from a sidecar. They stop a damaged or hostile sidecar from making
    /// an unlock allocate terabytes or spin for hours before the AEAD can reject it.
    pub const SANITY_MAX: KdfParams = KdfParams {
        memory_kib: 4 * 1024 * 1024,
        iterations: 64,
        parallelism: 64,
    };

    /// Whether every cost is at least the policy minimum.
    pub fn meets_policy(&self) -> bool {
        self.memory_kib >= Self::POLICY_MIN.memory_kib
            && self.iterations >= Self::POLICY_MIN.iterations
            && self.parallelism >= Self::POLICY_MIN.parallelism
    }

    /// Whether the parameters are within the sanity bounds (and Argon2's own limits).
    pub(crate) fn is_sane(&self) -> bool {
        self.memory_kib <= Self::SANITY_MAX.memory_kib
            && self.iterations <= Self::SANITY_MAX.iterations
            && self.parallelism <= Self::SANITY_MAX.parallelism
            && self.iterations >= 1
            && self.parallelism >= 1
            && self.memory_kib >= 8 * self.parallelism
    }

    /// Validates parameters for a new slot: they must meet the policy and stay sane.
    pub(crate) fn check_for_new_slot(&self) -> Result<(), KdfError> {
        if !self.meets_policy() {
            return Err(KdfError::BelowPolicy {
                requested: *self,
                minimum: Self::POLICY_MIN,
            });
        }
        if !self.is_sane() {
            return Err(KdfError::AboveSanityLimit {
                requested: *self,
                maximum: Self::SANITY_MAX,
            });
        }
        Ok(())
    }

    /// The componentwise maximum of `self` and the policy minimum.
    pub(crate) fn raised_to_policy(&self) -> KdfParams {
        KdfParams {
            memory_kib: self.memory_kib.max(Self::POLICY_MIN.memory_kib),
            iterations: self.iterations.max(Self::POLICY_MIN.iterations),
            parallelism: self.parallelism.max(Self::POLICY_MIN.parallelism),
        }
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::POLICY_MIN
    }
}

/// Errors from key derivation and its parameters.
#[derive(Debug, thiserror::Error)]
pub enum KdfError {
    /// The requested parameters are weaker than the policy floor.
    #[error(
        "key derivation parameters {requested:?} are below the minimum {minimum:?}; use at least the minimum"
    )]
    BelowPolicy {
        /// What was asked for.
        requested: KdfParams,
        /// The floor.
        minimum: KdfParams,
    },
    /// The requested parameters exceed what this build accepts.
    #[error("key derivation parameters {requested:?} exceed the maximum {maximum:?}")]
    AboveSanityLimit {
        /// What was asked for.
        requested: KdfParams,
        /// The ceiling.
        maximum: KdfParams,
    },
    /// Argon2 itself failed (e.g. it could not allocate its memory).
    #[error("the key derivation could not run: {0}")]
    Argon2(String),
}

/// The result of [`calibrate`]: the parameters chosen and how long one derivation took with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calibration {
    /// Parameters to use for new slots.
    pub params: KdfParams,
    /// Measured time of one derivation with `params` on this machine.
    pub measured: Duration,
}

/// Derives the 256-bit key-encryption key from a passphrase.
pub(crate) fn derive_kek(
    passphrase: &SecretString,
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
) -> Result<Kek, KdfError> {
    if !params.is_sane() {
        return Err(KdfError::AboveSanityLimit {
            requested: *params,
            maximum: KdfParams::SANITY_MAX,
        });
    }
    let argon_params = Params::new(
        params.memory_kib,
        params.iterations,
        params.parallelism,
        Some(KEY_LEN),
    )
    .map_err(|e| KdfError::Argon2(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon
        .hash_password_into(
            passphrase.expose_secret().as_bytes(),
            salt,
            out.as_mut_slice(),
        )
        .map_err(|e| KdfError::Argon2(e.to_string()))?;
    Ok(Kek::from_bytes(out))
}

/// How many times calibration re-measures after adding passes.
const CALIBRATION_REFINEMENTS: usize = 3;

/// Largest memory cost calibration will pick (1 GiB): beyond it a desktop may start swapping.
const CALIBRATION_MAX_MEMORY_KIB: u32 = 1024 * 1024;

/// Picks Argon2id parameters that take about `target` on this machine (DESIGN §4 asks for
/// ~0.5–1 s), never below [`KdfParams::POLICY_MIN`].
///
/// Memory is raised first (in powers of two, up to 1 GiB) because memory hardness is what hurts
/// GPU attackers; iterations absorb the rest. Runs a handful of derivations, so it takes a few
/// times `target`.
pub fn calibrate(target: Duration) -> Result<Calibration, KdfError> {
    let salt = [0x5au8; SALT_LEN];
    let probe = SecretString::from("calibration probe passphrase");
    let time = |params: &KdfParams| -> Result<Duration, KdfError> {
        let start = Instant::now();
        derive_kek(&probe, &salt, params)?;
        Ok(start.elapsed())
    };

    let mut params = KdfParams::POLICY_MIN;
    let mut measured = time(&params)?;
    // Double memory while the doubled cost is still expected to fit the target.
    while measured.saturating_mul(2) <= target && params.memory_kib < CALIBRATION_MAX_MEMORY_KIB {
        params.memory_kib *= 2;
        measured = time(&params)?;
    }
    // Then add passes: each costs about measured / iterations. One extrapolation from a single
    // (noisy) measurement can land well short of the target on a busy machine, so refine a few
    // times until the derivation takes at least 80 % of the target.
    for _ in 0..CALIBRATION_REFINEMENTS {
        if measured.saturating_mul(5) >= target.saturating_mul(4)
            || params.iterations >= KdfParams::SANITY_MAX.iterations
        {
            break;
        }
        let per_pass = measured / params.iterations.max(1);
        if per_pass.is_zero() {
            break;
        }
        let extra = u32::try_from((target - measured).as_nanos() / per_pass.as_nanos().max(1))
            .unwrap_or(u32::MAX)
            .max(1);
        params.iterations = params
            .iterations
            .saturating_add(extra)
            .min(KdfParams::SANITY_MAX.iterations);
        measured = time(&params)?;
    }
    Ok(Calibration { params, measured })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_minimum_is_the_documented_floor() {
        assert_eq!(KdfParams::POLICY_MIN.memory_kib, 65536, "64 MiB");
        assert_eq!(KdfParams::POLICY_MIN.iterations, 3);
        assert_eq!(KdfParams::POLICY_MIN.parallelism, 4);
        assert!(KdfParams::POLICY_MIN.meets_policy());
        assert!(KdfParams::POLICY_MIN.check_for_new_slot().is_ok());
    }

    #[test]
    fn weaker_parameters_are_refused_for_new_slots() {
        for weak in [
            KdfParams {
                memory_kib: 65535,
                ..KdfParams::POLICY_MIN
            },
            KdfParams {
                iterations: 2,
                ..KdfParams::POLICY_MIN
            },
            KdfParams {
                parallelism: 1,
                ..KdfParams::POLICY_MIN
            },
        ] {
            assert!(
                matches!(weak.check_for_new_slot(), Err(KdfError::BelowPolicy { .. })),
                "{weak:?} must be refused"
            );
        }
        let huge = KdfParams {
            memory_kib: u32::MAX,
            ..KdfParams::POLICY_MIN
        };
        assert!(matches!(
            huge.check_for_new_slot(),
            Err(KdfError::AboveSanityLimit { .. })
        ));
    }

    #[test]
    fn derivation_is_deterministic_and_salted() {
        let pass = SecretString::from("correct horse");
        let params = KdfParams::POLICY_MIN;
        let a = derive_kek(&pass, &[1; SALT_LEN], &params).unwrap();
        let b = derive_kek(&pass, &[1; SALT_LEN], &params).unwrap();
        let c = derive_kek(&pass, &[2; SALT_LEN], &params).unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_ne!(
            a.as_bytes(),
            c.as_bytes(),
            "a different salt must give a different key"
        );
    }

    #[test]
    fn calibration_never_goes_below_policy_and_raises_toward_target() {
        let quick = calibrate(Duration::ZERO).unwrap();
        assert_eq!(
            quick.params,
            KdfParams::POLICY_MIN,
            "a zero target keeps the floor"
        );
        // Relative to the floor as measured now: on a loaded machine the floor itself can take
        // most of a fixed target, and the test would fail for the machine, not the code.
        let target = quick.measured.saturating_mul(6);
        let slower = calibrate(target).unwrap();
        assert!(slower.params.meets_policy());
        assert!(
            slower.params.memory_kib * slower.params.iterations
                > KdfParams::POLICY_MIN.memory_kib * KdfParams::POLICY_MIN.iterations,
            "a target six times the floor's time ({target:?}) must cost more than the floor: {slower:?}"
        );
    }
}
