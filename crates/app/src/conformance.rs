//! Use case: check a provider against the published protocol (docs/PROTOCOL.md §10), for the
//! people who build providers. It needs no vault: the kit pairs a throwaway device key with a
//! test account's enrollment code and makes one real redemption of the smallest amount.

use crate::error::AppError;
use crate::network::Network;

pub use tipvault_wire::conformance::{
    CHECKS as CONFORMANCE_CHECKS, Check as ConformanceCheck, Outcome as ConformanceOutcome,
    Report as ConformanceReport,
};

/// Runs every conformance check against the provider at `url` (an https address, or http to
/// this computer), pairing with `enrollment_code`. A failed check is a result, not an error:
/// errors are only for input that cannot be checked at all.
pub fn check_provider(
    net: &Network,
    url: &str,
    enrollment_code: &str,
) -> Result<ConformanceReport, AppError> {
    let (url, _) = crate::providers::parse_url(url)?;
    let code = enrollment_code.trim();
    if code.is_empty() {
        return Err(AppError::invalid(
            "The enrollment code is empty: ask the provider for the code of a test account.",
        )
        .in_field("code"));
    }
    let clock = net.unix_clock();
    Ok(net.block_on(tipvault_wire::conformance::check(&url, code, clock)))
}
