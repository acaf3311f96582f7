//! The risk gate: every redemption is judged by the local risk engine (`tipvault-risk`) before
//! its legs may be queued, and anything unusual waits for the user's security key.
//!
//! The decisions to know:
//! - **The gate sits in `approve_redemption`, the only path into the send queue.** After the
//!   catalog re-check, [`gate`](gate::gate) builds the engine's `History` from the vault (every redemption
//!   that may have left — approved, sent, of unknown outcome or confirmed — because a claim in
//!   flight spends a limit as much as a confirmed one; disputes from the audit chain; the last
//!   step-up; providers' verification tokens re-verified under their pinned keys) and a `Claim`
//!   for this plan, and records the decision, its reasons and the digest of the exact plan it
//!   judged on the redemption (`redemption_risk`, migration v7) and in the audit chain.
//! - **A step-up or pause is durable.** The legs stay `planned`; approving again returns the
//!   same decision (codes `step_up_required` / `paused`) until [`verify_redemption`](crate::redemption::held::verify_redemption) confirms
//!   *that* plan with an authenticator (the assertion's challenge is derived from the plan's
//!   digest) or [`cancel_redemption`](crate::redemption::held::cancel_redemption) ends it. A plan that differs from the one judged, by one
//!   unit of one leg, is refused (`plan_changed`).
//! - **Destinations and networks are salted hashes** with a per-vault salt (`risk_secret`);
//!   the network hash is kept 30 days, the destination is recomputed from the stored request.
//! - **Sandbox step-up waiver.** The vault setting `risk.sandbox_step_up = waived` lets a
//!   *step-up* (never a pause or a refusal) through for providers added as a sandbox (demo
//!   mode or `provider add --sandbox`: demo money; a provider cannot declare itself one), and
//!   records that it did (`risk.step_up_waived`), and only while the vault has no security key
//!   (with one, the key is asked). Demo mode turns it on so a newcomer's first redemption goes
//!   through without a key; it never applies to a real provider. It exists only in the demo
//!   vault: turning it on in a real vault is refused, and a setting left in a real vault by an
//!   older version is ignored (sandbox providers themselves are refused there too).
//!
//! Files, each one concept, each using only those before it: [`decision`] (a decision as
//! stored and shown), [`claim`] (a plan as the engine's claim), [`history`] (what it is judged
//! against), [`waiver`] (the demo's sandbox step-up waiver), [`gate`] (the judgement at
//! approval), [`standing`] (tier, limits and headroom), [`verification`] (providers' identity
//! tokens, and the tier they give).

pub mod claim;
pub mod decision;
pub mod gate;
pub mod history;
pub mod standing;
pub mod verification;
pub mod waiver;
