//! Sending a planned redemption, the one way every front end does it: the user's approval
//! (which the risk gate judges), then the outbox, then the redemption as it then stands.
//!
//! The one decision to know: a redemption the risk gate holds (it wants a security key, it
//! paused the plan, or it refused it) is an outcome, not a failure: nothing was sent and the
//! decision is stored on the redemption. [`SendOutcome::Held`] carries both the redemption and
//! the gate's error, so the desktop shows the redemption with its decision and the command line
//! exits with the error's status, and neither decides which codes mean "held".

use chrono::{DateTime, Utc};

use tipvault_auth::Authenticator;

use crate::autocashout::{AutoCashOutRunView, auto_cashouts_may_fire, run_auto_cashouts};
use crate::error::{AppError, ErrorCode};
use crate::network::Network;
use crate::redemption::approval::approve_redemption_from;
use crate::redemption::held::verify_redemption;
use crate::redemption::lookup::RedemptionView;
use crate::redemption::lookup::redemption;
use crate::redemption::outbox::LegProgress;
use crate::redemption::outbox::OutboxRun;
use crate::redemption::outbox::run_outbox_with;
use crate::redemption::verification::verify_redemption_as_shown;
use crate::session::Session;

/// What sending a planned redemption came to.
#[derive(Debug)]
pub enum SendOutcome {
    /// Approved and queued; the outbox ran (legs confirmed, failed, or queued for later).
    Sent {
        redemption: RedemptionView,
        run: OutboxRun,
    },
    /// The risk gate held it: nothing was sent. `reason` says why and what to do next.
    Held {
        redemption: RedemptionView,
        reason: AppError,
    },
}

impl SendOutcome {
    /// The redemption as it stands, whatever happened.
    #[must_use]
    pub fn into_redemption(self) -> RedemptionView {
        match self {
            Self::Sent { redemption, .. } | Self::Held { redemption, .. } => redemption,
        }
    }

    /// The redemption, or the gate's reason as an error (the command line's exit status).
    pub fn sent(self) -> Result<(RedemptionView, OutboxRun), AppError> {
        match self {
            Self::Sent { redemption, run } => Ok((redemption, run)),
            Self::Held { reason, .. } => Err(reason),
        }
    }
}

/// Whether `error` is the risk gate holding a redemption (see the module docs).
#[must_use]
pub fn is_held(error: &AppError) -> bool {
    matches!(
        error.code,
        ErrorCode::StepUpRequired | ErrorCode::Paused | ErrorCode::RiskRefused
    )
}

/// Approves the planned redemption `id` (the user saw what it reveals) from the network `net`
/// is on, and sends its legs, reporting each leg's progress.
pub fn send_planned(
    session: &mut Session,
    net: &Network,
    id: &str,
    progress: &mut dyn FnMut(&LegProgress),
    now: DateTime<Utc>,
) -> Result<SendOutcome, AppError> {
    match approve_redemption_from(session, id, &net.identity(), now) {
        Ok(_) => {}
        Err(reason) if is_held(&reason) => {
            return Ok(SendOutcome::Held {
                redemption: redemption(session, id, now)?,
                reason,
            });
        }
        Err(e) => return Err(e),
    }
    let run = run_outbox_with(session, net, progress)?;
    Ok(SendOutcome::Sent {
        redemption: redemption(session, id, now)?,
        run,
    })
}

/// Confirms the held redemption `id` with `authenticator` and sends the legs that approval
/// queued, then answers the redemption as it stands. With `shown_digest` (the desktop's dialog)
/// the plan must still be the one the user was shown; without it (the command line, which
/// prints the plan it asks about) the plan is the stored one.
pub fn verify_and_send(
    session: &mut Session,
    net: &Network,
    authenticator: &mut dyn Authenticator,
    id: &str,
    shown_digest: Option<&str>,
    progress: &mut dyn FnMut(&LegProgress),
    now: DateTime<Utc>,
) -> Result<RedemptionView, AppError> {
    match shown_digest {
        Some(digest) => verify_redemption_as_shown(session, authenticator, id, digest, now)?,
        None => verify_redemption(session, id, authenticator, now)?,
    };
    run_outbox_with(session, net, progress)?;
    redemption(session, id, now)
}

/// Runs the automatic cash-out rules that fire now (each judged unattended) and, only when a
/// rule's redemption was queued, sends it: a run where nothing fired never touches the network.
pub fn run_auto_cashouts_and_send(
    session: &mut Session,
    net: &Network,
    progress: &mut dyn FnMut(&LegProgress),
    now: DateTime<Utc>,
) -> Result<AutoCashOutRunView, AppError> {
    let run = run_auto_cashouts(session, net, now)?;
    if run.queued_any() {
        run_outbox_with(session, net, progress)?;
    }
    Ok(run)
}

/// What a background run of the automatic cash-out rules came to, when it is news.
#[derive(Debug)]
pub struct UnattendedRun {
    /// The rules' run.
    pub run: AutoCashOutRunView,
    /// Why sending what they queued failed (it stays queued for the next run or reconcile).
    pub send_error: Option<AppError>,
}

/// The automatic cash-out rules run the way a scheduler would, after an unlock or an import:
/// `None` when there is nothing to tell (no rule may fire, or the rules only repeated that they
/// fired within the last day). A failure to send after the rules fired is part of the answer,
/// not an error: the rules' decisions are already stored. `net` is asked for only once a rule
/// may fire: a vault without rules costs one read and never sets up the network.
pub fn run_auto_cashouts_unattended<'n>(
    session: &mut Session,
    net: impl FnOnce() -> Result<&'n Network, AppError>,
    progress: &mut dyn FnMut(&LegProgress),
    now: DateTime<Utc>,
) -> Result<Option<UnattendedRun>, AppError> {
    if !auto_cashouts_may_fire(session, now)? {
        return Ok(None);
    }
    let net = net()?;
    let run = run_auto_cashouts(session, net, now)?;
    let send_error = if run.queued_any() {
        run_outbox_with(session, net, progress).err()
    } else {
        None
    };
    let news = run.did_anything() || send_error.is_some();
    Ok(news.then_some(UnattendedRun { run, send_error }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gates_decisions_are_held_and_anything_else_stays_an_error() {
        for code in [
            ErrorCode::StepUpRequired,
            ErrorCode::Paused,
            ErrorCode::RiskRefused,
        ] {
            assert!(is_held(&AppError::new(code, "held")), "{code:?} holds it");
        }
        for code in [
            ErrorCode::PlanChanged,
            ErrorCode::Provider,
            ErrorCode::VaultLocked,
            ErrorCode::InvalidInput,
        ] {
            assert!(
                !is_held(&AppError::new(code, "no")),
                "{code:?} is a failure"
            );
        }
    }
}
