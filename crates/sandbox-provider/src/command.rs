//! The sandbox's command line, shared by the `tipvault-sandbox` binary and `tipvault sandbox`:
//! one [`RunArgs`] (clap) and one [`run`], so the two can never drift apart.
//!
//! Decision: [`run`] does not print; it hands the front end a [`Started`] to announce (the
//! CLI prints it as JSON with `--json`, the binary as text), and serves until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::ValueEnum as _;

use crate::{BalanceLie, Config, Faults, Hostility, Sandbox};

/// Run the sandbox provider (demo money, not a real provider) on loopback until Ctrl-C.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// SQLite state file, created on first run (readable by you only) and reused so restarts
    /// keep state [default: sandbox/tipvault-sandbox.sqlite3 in your Tipvault data folder].
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// Address to listen on: loopback only, unless `--allow-remote`.
    #[arg(long, default_value = "127.0.0.1:8787", conflicts_with = "port")]
    pub listen: SocketAddr,
    /// Allow a `--listen` address other machines can reach. Anyone who reaches it may try
    /// enrollment codes (five wrong ones close pairing until a restart).
    #[arg(long)]
    pub allow_remote: bool,
    /// Listen on 127.0.0.1 at this port instead (0: any free port).
    #[arg(long)]
    pub port: Option<u16>,
    /// Catalog v1 JSON file (default: the demo catalog).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Catalog version to publish.
    #[arg(long)]
    pub catalog_version: Option<u64>,
    /// Accept this enrollment code (default: a random one, announced at start).
    #[arg(long, alias = "code")]
    pub enrollment_code: Option<String>,
    /// Added latency per request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Per mille of requests answered 503 before anything happens.
    #[arg(long, default_value_t = 0)]
    pub error_permille: u16,
    /// Per mille of committed writes whose response is dropped (outcome unknown).
    #[arg(long, default_value_t = 0)]
    pub drop_permille: u16,
    /// Slow drip: send bodies this many bytes at a time...
    #[arg(long)]
    pub drip_bytes: Option<usize>,
    /// ...pausing this many milliseconds between chunks.
    #[arg(long, default_value_t = 100)]
    pub drip_ms: u64,
    /// Seed for fault decisions (same seed, same faults).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Lie in every redemption answer, to test a client against a hostile provider.
    #[arg(long, value_enum, value_name = "LIE")]
    pub hostile: Option<Hostility>,
    /// Charge every redemption twice (the receipt tells of one): a double charge for the
    /// client's reconciliation to find.
    #[arg(long)]
    pub double_charge: bool,
    /// Lie in every balance answer, to test a client's reconciliation against it.
    #[arg(long, value_enum, value_name = "LIE")]
    pub balance_lie: Option<BalanceLie>,
    /// Restart (stop and start on the same state) every N seconds; 0 = never.
    #[arg(long, default_value_t = 0)]
    pub restart_every_secs: u64,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
}

impl RunArgs {
    /// The state file: `--db`, or one in a folder of the user's own (never the shared
    /// temporary directory, where another account could read or replace it).
    pub fn db_path(&self) -> anyhow::Result<PathBuf> {
        if let Some(db) = &self.db {
            return Ok(db.clone());
        }
        let dirs = directories::ProjectDirs::from("app", "Tipvault", "tipvault")
            .context("no home folder to keep the sandbox's state in: pass --db FILE")?;
        Ok(dirs
            .data_dir()
            .join("sandbox")
            .join("tipvault-sandbox.sqlite3"))
    }

    /// The sandbox configuration these arguments describe (reads `--catalog`). Refuses a
    /// listen address other machines can reach unless `--allow-remote` says so.
    pub fn config(&self) -> anyhow::Result<Config> {
        let listen = match self.port {
            Some(port) => SocketAddr::from(([127, 0, 0, 1], port)),
            None => self.listen,
        };
        if !listen.ip().is_loopback() && !self.allow_remote {
            anyhow::bail!(
                "{listen} can be reached from other machines; the sandbox listens on loopback \
                 only (127.0.0.1) unless you pass --allow-remote"
            );
        }
        let mut config = Config::new(self.db_path()?);
        config.listen = listen;
        config.catalog_version = self.catalog_version;
        config.enrollment_code.clone_from(&self.enrollment_code);
        config.max_body_bytes = self.max_body_bytes;
        if let Some(path) = &self.catalog {
            config.catalog_json = Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?,
            );
        }
        config.faults = Faults {
            latency: Duration::from_millis(self.latency_ms),
            error_permille: self.error_permille,
            drop_after_commit_permille: self.drop_permille,
            drip: self
                .drip_bytes
                .map(|b| (b, Duration::from_millis(self.drip_ms))),
            seed: self.seed,
            hostility: self.hostile,
            double_charge: self.double_charge,
            balance_lie: self.balance_lie,
            fee_markup_minor: 0,
        };
        Ok(config)
    }
}

/// What a started sandbox announces.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Started {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The one-time enrollment code.
    pub enrollment_code: String,
    /// The provider's key id.
    pub provider_key: String,
    /// Its key's fingerprint, for `tipvault provider add --fingerprint` (users compare it).
    pub key_fingerprint: String,
    /// The state file.
    pub db: PathBuf,
    /// Always true: demo money only.
    pub sandbox: bool,
    /// The lie it tells, if any.
    pub hostile: Option<Hostility>,
}

impl Started {
    /// The announcement as text.
    #[must_use]
    pub fn banner(&self) -> String {
        let mut text = format!(
            "Tipvault SANDBOX provider (demo money, not a real provider)\n\
             \x20 listening on     {}\n\
             \x20 provider key     {}\n\
             \x20 key fingerprint  {}\n\
             \x20 state            {}\n\
             \x20 enrollment code  {} (one-time)",
            self.url,
            self.provider_key,
            self.key_fingerprint,
            self.db.display(),
            self.enrollment_code
        );
        if let Some(lie) = self.hostile.and_then(|h| h.to_possible_value()) {
            text.push_str(&format!(
                "\n  HOSTILE: lies in every redemption answer ({})",
                lie.get_name()
            ));
        }
        text.push_str("\nCtrl-C stops it.");
        text
    }
}

/// Starts the sandbox `args` describe, hands `announce` what to show, and serves (restarting
/// every `--restart-every-secs`) until Ctrl-C.
pub async fn run(args: &RunArgs, announce: impl FnOnce(&Started)) -> anyhow::Result<()> {
    let config = args.config()?;
    let db = config.db_path.clone();
    let mut sandbox = Sandbox::start(config).await?;
    announce(&Started {
        url: sandbox.base_url(),
        enrollment_code: sandbox.enrollment_code().to_owned(),
        provider_key: sandbox.provider_key().0.to_owned(),
        key_fingerprint: sandbox.key_fingerprint(),
        db,
        sandbox: true,
        hostile: args.hostile,
    });
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
                eprintln!("restarted (state kept)");
            }
        }
    }
    sandbox.stop().await;
    Ok(())
}
