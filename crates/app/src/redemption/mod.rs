//! Redemptions: from a preview to the provider's signed receipts, exactly once.
//!
//! The path reads top to bottom, each step one file that depends only on the ones above it
//! (`tests/app/architecture.rs` checks it): [`lookup`] (a redemption as the user sees it) →
//! [`plan`] (a preview becomes legs) → [`crate::risk::gate`] (judged at approval) →
//! [`approval`] (re-checked, judged, queued) → [`booking`] (what a verified receipt books) →
//! [`outbox`] (sent and reconciled exactly once, booking each confirmed leg). A plan the gate
//! holds leaves the path through [`held`] and [`verification`] (verify the exact plan shown, or
//! cancel).
//!
//! `plan_redemption` turns a preview's best plan into outbox legs (one provider request each,
//! idempotency key and exact body committed) and shows what every request reveals;
//! `approve_redemption` re-checks the plan against the cached catalog and queues it;
//! `run_outbox` sends due legs with retries, and `reconcile` asks the provider about every
//! leg whose outcome is unknown (`GET /v1/redemptions/{id}` with the same key) and re-sends,
//! byte for byte, those the provider never saw.
//!
//! The one decision to know: the split of [`ClientError::definitely_not_applied`](tipvault_wire::client::ClientError::definitely_not_applied). Only a
//! signed business refusal fails a leg; a request that never left goes back to the queue
//! (offline); everything else — a timeout, a dropped connection, a 5xx, a bad signature, a
//! receipt that does not match — is *outcome unknown* and is only ever retried with the same
//! idempotency key and body, so the provider answers a repeat with the original receipt.
//! Nothing is booked without a receipt that verifies under the pinned key and matches the
//! request; bookings use the provider's redemption id as de-duplication key, so a reconcile
//! after a crash never books twice.

pub mod approval;
pub mod booking;
pub mod held;
pub mod lookup;
pub mod outbox;
pub mod plan;
pub mod verification;
