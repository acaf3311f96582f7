//! `tipvault-sandbox`: runs the sandbox provider on loopback until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use tipvault_sandbox_provider::{Config, Faults, Sandbox};

/// A sandbox cash-out provider speaking Tipvault provider protocol v1. Demo money only.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// SQLite state file (created on first run; reused so restarts keep state).
    #[arg(long, default_value = "tipvault-sandbox.sqlite3")]
    db: PathBuf,
    /// Address to listen on (loopback only is recommended).
    #[arg(long, default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Catalog v1 JSON file (default: the demo catalog).
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Catalog version to publish.
    #[arg(long)]
    catalog_version: Option<u64>,
    /// Accept this enrollment code (default: a random one, printed at start).
    #[arg(long)]
    enrollment_code: Option<String>,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Per mille of requests answered 503 before anything happens.
    #[arg(long, default_value_t = 0)]
    error_permille: u16,
    /// Per mille of committed writes whose response is dropped (outcome unknown).
    #[arg(long, default_value_t = 0)]
    drop_permille: u16,
    /// Slow drip: send bodies this many bytes at a time...
    #[arg(long)]
    drip_bytes: Option<usize>,
    /// ...pausing this many milliseconds between chunks.
    #[arg(long, default_value_t = 100)]
    drip_ms: u64,
    /// Seed for fault decisions (same seed, same faults).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Restart (stop and start on the same state) every N seconds; 0 = never.
    #[arg(long, default_value_t = 0)]
    restart_every_secs: u64,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    max_body_bytes: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = Config::new(&args.db);
    config.listen = args.listen;
    config.catalog_version = args.catalog_version;
    config.enrollment_code = args.enrollment_code;
    config.max_body_bytes = args.max_body_bytes;
    if let Some(path) = &args.catalog {
        config.catalog_json = Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
        );
    }
    config.faults = Faults {
        latency: Duration::from_millis(args.latency_ms),
        error_permille: args.error_permille,
        drop_after_commit_permille: args.drop_permille,
        drip: args
            .drip_bytes
            .map(|b| (b, Duration::from_millis(args.drip_ms))),
        seed: args.seed,
    };
    let mut sandbox = Sandbox::start(config).await?;
    let (key_id, _) = sandbox.provider_key();
    println!("Tipvault SANDBOX provider (demo money, not a real provider)");
    println!("  listening on   {}", sandbox.base_url());
    println!("  provider key   {key_id}");
    println!("  state          {}", args.db.display());
    println!(
        "  enrollment code (one-time): {}",
        sandbox.enrollment_code()
    );
    loop {
        let restart = async {
            if args.restart_every_secs == 0 {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(Duration::from_secs(args.restart_every_secs)).await;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            () = restart => {
                sandbox = sandbox.restart().await?;
                println!("restarted (state kept)");
            }
        }
    }
    sandbox.stop().await;
    Ok(())
}
