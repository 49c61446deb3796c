//! `nts legacy`: the gateway unmodified nanome-lib plugins connect to (`docs/LEGACY.md`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use super::{cancel_on_signal, fail, init_tracing};
use crate::connect::{self, Profile};
use crate::host::LinkSettings;
use crate::legacy::service::{self, Settings};

/// Flags of `nts legacy`.
#[derive(Debug, clap::Args)]
pub struct LegacyArgs {
    /// Where nanome-lib plugins connect (their `-a HOST -p PORT`).
    #[arg(long, default_value = "0.0.0.0:8888", env = "NTS_LEGACY_LISTEN")]
    listen: SocketAddr,
    /// The deployment's profile (its broker and CA; default: the one `nts up` writes).
    #[arg(long, env = "NTS_PROFILE")]
    profile: Option<PathBuf>,
    /// Give a plugin that sends no key one made for its name from the operator's profile
    /// (development only: anyone who reaches the listener can then register any plugin).
    #[arg(long)]
    mint_keys: bool,
    /// Sessions each plugin serves at once.
    #[arg(long, default_value_t = 32)]
    capacity: u32,
    /// How long (seconds) a plugin whose connection dropped keeps its sessions while it
    /// reconnects.
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    reattach: f64,
    /// Verbose logging.
    #[arg(short, long)]
    verbose: bool,
}

/// The gateway's settings for `listen` on `profile`'s deployment.
pub(super) fn settings(listen: SocketAddr, profile: Profile, mint_keys: bool) -> Settings {
    Settings {
        listen,
        profile,
        mint_keys,
        capacity: 32,
        link: LinkSettings::default(),
        reattach: service::REATTACH,
    }
}

pub(super) async fn run(args: LegacyArgs) -> ExitCode {
    init_tracing(args.verbose);
    let path = args.profile.clone().unwrap_or_else(|| {
        if args.mint_keys {
            connect::operator_profile_path()
        } else {
            connect::default_profile_path()
        }
    });
    let profile = match Profile::load(&path) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    if args.mint_keys && profile.keys().is_err() {
        return fail(format!(
            "--mint-keys needs the operator's profile (its ticket key); {} is not one",
            path.display()
        ));
    }
    let mut settings = settings(args.listen, profile, args.mint_keys);
    settings.capacity = args.capacity.max(1);
    if !(0.0..=3600.0).contains(&args.reattach) {
        return fail("--reattach takes 0 to 3600 seconds");
    }
    settings.reattach = std::time::Duration::from_secs_f64(args.reattach);
    let running = match service::start(settings).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    println!("ready legacy={}", running.addr);
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    shutdown.cancelled().await;
    eprintln!("stopping: ending the legacy plugins' sessions");
    running.stop().await;
    ExitCode::SUCCESS
}
