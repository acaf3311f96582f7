//! `tipvault demo`: the demo vault beside yours, paired with sandboxes on this machine (never
//! opens the real vault).

use std::io::Write;

use clap::Args;
use tipvault_app::demo_provider::{DemoProviderOptions, start_demo};
use tipvault_app::{AppError, clock};

use crate::context::Ctx;

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Set up and exit instead of serving until interrupted (the sandbox stops with it).
    #[arg(long)]
    no_wait: bool,
}

/// Runs the verb.
pub(crate) fn run(ctx: &Ctx, args: &DemoArgs) -> Result<(), AppError> {
    let Ctx { real, out, .. } = ctx;
    let net = tipvault_app::Network::new()?;
    let location = real.demo();
    // Demo mode never opens the real vault: the demo vault beside it, created on first use.
    let (mut session, _created) = tipvault_app::open_demo_vault(real, clock::now())?;
    // A free loopback port and a fresh enrollment code: the demo pairs with it at once.
    let mut running = None;
    let options = DemoProviderOptions::default();
    let done = start_demo(
        &mut session,
        &net,
        real,
        &mut running,
        options,
        clock::now(),
    );
    let locked = session.lock(clock::now(), tipvault_app::LockReason::Exit);
    let started = done?;
    locked?;
    let Some(sandbox) = running else {
        return Err(AppError::new(
            tipvault_app::ErrorCode::Internal,
            "The demo started without its sandbox.",
        ));
    };
    let url = sandbox.url();
    let (provider, imported) = (started.provider, started.demo_balance_imported);
    let others: Vec<&str> = started.others.iter().map(|p| p.id.as_str()).collect();
    let info = serde_json::json!({"provider": provider, "demo_balance_imported": imported,
                                  "url": url, "sandbox": true, "others": started.others,
                                  "demo_vault": location.dir().display().to_string()});
    out.value(&info, || {
        format!(
            "DEMO MODE — in the demo vault at {}, apart from your vault; a SANDBOX provider \
             with demo money (nothing real) runs at {url}.\n\
             Provider {} added and paired as {}.{}\n\
             Also paired, each a sandbox with its own catalog and demo money: {}.\n\
             Try: tipvault --demo preview --from-balance --provider {}\n\
             \x20    tipvault --demo redeem --amount 1000 --currency KRW --prefer topup \
             --dest krw-mobile-top-up.phone_number=01012345678\n\
             \x20    tipvault --demo preview --from-balance --all-providers --prefer topup,gift-card",
            location.dir().display(),
            provider.id,
            provider.device_id.as_deref().unwrap_or("?"),
            if imported {
                " A demo balance (₩87,300 of sandbox tips) was imported."
            } else {
                ""
            },
            others.join(", "),
            provider.id
        )
    });
    let _ = std::io::stdout().flush();
    if !args.no_wait {
        eprintln!("The sandbox serves until Ctrl-C.");
        net.runtime().block_on(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    }
    sandbox.stop(&net);
    Ok(())
}
