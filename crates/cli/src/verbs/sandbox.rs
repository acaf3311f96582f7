//! `tipvault sandbox`: runs the sandbox provider in the foreground.

use std::io::Write;

use tipvault_app::demo_provider::{SandboxArgs, serve_sandbox};
use tipvault_app::{AppError, ErrorCode};

use crate::context::Ctx;

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &SandboxArgs) -> Result<(), AppError> {
    let Ctx { out, .. } = ctx;
    let rt = tokio::runtime::Runtime::new().map_err(internal)?;
    rt.block_on(serve_sandbox(args, |started| {
        out.value(started, || started.banner());
        let _ = std::io::stdout().flush();
    }))
    .map_err(internal)
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::Internal, format!("{e}."))
}
