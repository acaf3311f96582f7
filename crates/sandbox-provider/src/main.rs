//! `tipvault-sandbox`: runs the sandbox provider on loopback until Ctrl-C (the same entry point
//! as `tipvault sandbox`: [`tipvault_sandbox_provider::run`]).

use std::io::Write as _;

use clap::Parser;
use tipvault_sandbox_provider::RunArgs;

/// A sandbox cash-out provider speaking Tipvault provider protocol v1. Demo money only.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    #[command(flatten)]
    args: RunArgs,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tipvault_sandbox_provider::run(&cli.args, |started| {
        println!("{}", started.banner());
        let _ = std::io::stdout().flush();
    })
    .await
}
