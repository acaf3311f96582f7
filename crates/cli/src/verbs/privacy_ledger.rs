//! `tipvault privacy-ledger`: what was sent, or prepared to be sent, to whom.

use tipvault_app::{AppError, clock};

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let list = ctx.with_session(|s| tipvault_app::privacy_ledger(s, clock::now()))?;
    out.value(&list, || {
        if list.is_empty() {
            return "Nothing has been sent to any provider.".into();
        }
        list.iter()
            .map(|e| {
                format!(
                    "{}  {}  {}{}: {}",
                    e.sent_at.format("%Y-%m-%d %H:%M:%S"),
                    e.provider,
                    e.purpose,
                    e.redemption
                        .as_deref()
                        .map(|r| format!(" {r}"))
                        .unwrap_or_default(),
                    e.fields
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
