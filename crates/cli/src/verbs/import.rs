//! `tipvault import`: a platform's export into the vault.

use std::path::PathBuf;

use clap::Args;
use tipvault_app::{AppError, ErrorCode, clock};

use crate::context::Ctx;
use crate::output;

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The export file (CSV; UTF-8, UTF-16 with BOM or CP949).
    file: PathBuf,
    /// The source to import into (see `source list`).
    #[arg(long)]
    source: String,
    /// auto, kofi, paypal, stripe, github-sponsors or generic.
    #[arg(long, default_value = "auto")]
    format: String,
    /// A mapping profile (JSON) for a file of no known layout.
    #[arg(long, value_name = "FILE.json")]
    profile: Option<PathBuf>,
    /// Keep payers' names (dropped by default; kept ones expire after the payer_detail period).
    #[arg(long)]
    keep_names: bool,
    /// Keep payers' messages (dropped by default; searchable with `history --search`).
    #[arg(long)]
    keep_messages: bool,
    /// Read the file and report what would be imported; write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows even when some rows are bad (by default nothing is imported then).
    #[arg(long)]
    skip_bad_rows: bool,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &ImportArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let request = tipvault_app::ImportFile {
        path: args.file.clone(),
        source: args.source.clone(),
        format: tipvault_app::parse_format(&args.format)?,
        profile: args.profile.clone(),
        keep_payer_names: args.keep_names,
        keep_messages: args.keep_messages,
        dry_run: args.dry_run,
        accept_partial: args.skip_bad_rows,
    };
    let json = ctx.json;
    let summary = ctx.with_session(|session| {
        tipvault_app::import_file(
            session,
            &request,
            clock::now(),
            |p| {
                if !json {
                    eprintln!("{}", output::import_progress(&p));
                }
            },
            &|| false,
        )
    })?;
    out.value(&summary, || output::import_text(&summary));
    if summary.refused_for_errors && !summary.dry_run {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!(
                "Nothing was imported: {} rows are bad (listed above). Fix the file, or \
                 rerun with --skip-bad-rows to import the {} good rows.",
                summary.row_errors.len() as u64 + summary.row_errors_not_listed,
                summary.good_rows
            ),
        ));
    }
    Ok(())
}
