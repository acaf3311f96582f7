//! `tipvault export`: the ledger as CSV, JSON, Beancount or hledger.

use std::path::PathBuf;

use clap::Args;
use tipvault_app::{AppError, clock};

use crate::context::Ctx;

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// csv, json, beancount or ledger.
    #[arg(long, value_name = "FORMAT")]
    format: String,
    /// Write to this file (created readable by you only) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &ExportArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let path = args.out.as_deref();
    let tz = tipvault_app::parse_tz(&ctx.tz)?;
    let format = tipvault_app::ExportFormat::parse(&args.format)?;
    let exported = match path {
        Some(path) => ctx.with_session(|session| {
            tipvault_app::export_to_file(session, format, &tz, path, clock::now())
        })?,
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            ctx.with_session(|session| {
                tipvault_app::export(session, format, &tz, &mut lock, clock::now())
            })?
        }
    };
    // Without --out, stdout holds the export itself: the summary goes to stderr.
    match path {
        Some(path) => out.value(&exported, || {
            format!(
                "Exported {} entries from {} sources to {}.",
                exported.entries,
                exported.sources,
                path.display()
            )
        }),
        None if !ctx.json => eprintln!(
            "Exported {} entries from {} sources.",
            exported.entries, exported.sources
        ),
        None => {}
    }
    Ok(())
}
