//! What the user chose: their own (lower) limits and their auto-cash-out rules.
//!
//! Decision: settings can only make the engine *stricter* without a step-up. Lowering a limit
//! is free; raising one goes through [`change_limit`](crate::change_limit), and auto-cash-out
//! rules only run for the trusted tier and still pass [`assess`](crate::assess) each time.

use crate::autocashout::AutoCashOutRule;
use crate::limits::UserLimits;
use serde::{Deserialize, Serialize};

/// The user's risk settings, as the vault stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Limits the user set (lower than the tier's, or raised with a step-up).
    pub limits: UserLimits,
    /// "When source S reaches X, run plan template T."
    pub auto_cash_out: Vec<AutoCashOutRule>,
}
