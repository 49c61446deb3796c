//! `nts init`: the files a multi-node deployment needs (docker-compose.yml uses them).
//!
//! Writes into `--dir`:
//! - `tls/`: a CA and a broker certificate valid for every broker name;
//! - `nats.env`: the brokers' environment (passwords, the callout's public key);
//! - `operator.json`: the passwords and keys, for the coordinators;
//! - `profile.json`: a user's profile, for the deployment's hosts and health checks;
//! - `plugins/NAME.key`: each plugin's key for its hosts;
//! - `profile-local.json` and `operator-local.json`: a user's and the operator's profile
//!   for this machine, through the published ports.
//!
//! Passwords and keys are kept when the files exist, so re-running is safe. The files
//! are readable by the containers' users (0644): the directory is the operator's.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use super::{CliError, fail};
use crate::broker::DevPki;
use crate::broker::pki::write_private;
use crate::connect::ticket::{Claims, TicketKind};
use crate::connect::{ConnectError, Credentials, Keys, OPERATOR_PROFILE, Profile};

/// Flags of `nts init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Directory to write into.
    #[arg(long, default_value = ".nts-deploy")]
    dir: PathBuf,
    /// Broker addresses as the deployment's own processes reach them (comma-separated).
    #[arg(long, default_value = "nats-1:4222,nats-2:4222,nats-3:4222")]
    brokers: String,
    /// Broker addresses as published on this machine (comma-separated).
    #[arg(long, default_value = "127.0.0.1:4222,127.0.0.1:4223,127.0.0.1:4224")]
    published: String,
    /// Where the deployment's processes find `tls/ca.pem` (the directory's mount point).
    #[arg(long, default_value = "/etc/nts")]
    mount: PathBuf,
    /// Plugins to issue keys for (`plugins/NAME.key`), comma-separated.
    #[arg(long, default_value = "hello,crash")]
    plugins: String,
}

fn urls(list: &str) -> String {
    list.split(',')
        .map(|a| format!("tls://{}", a.trim()))
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn run(args: InitArgs) -> ExitCode {
    match init(&args) {
        Ok(()) => {
            println!("ready dir={}", args.dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

fn init(args: &InitArgs) -> Result<(), CliError> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir).map_err(CliError::file("creating", dir))?;
    let names: Vec<&str> = args
        .brokers
        .split(',')
        .filter_map(|a| a.trim().split(':').next())
        .collect();
    let tls = dir.join("tls");
    let pki = if DevPki::paths(&tls).ca_cert.exists() {
        DevPki::paths(&tls)
    } else {
        DevPki::generate_with_names(&tls, &names)?
    };
    // Containers run as other users; the key must stay readable by the broker process.
    set_mode(&pki.server_key, 0o644)?;

    // The operator's profile: passwords and keys, kept across re-runs (tickets issued
    // before stay valid). The coordinators read it.
    let operator_path = dir.join(OPERATOR_PROFILE);
    let mut operator = match Profile::load(&operator_path) {
        Ok(p) if p.keys.is_some() => p,
        _ => Profile {
            url: String::new(),
            ca_file: args.mount.join("tls/ca.pem"),
            ticket: String::new(),
            credentials: Credentials::generate(),
            keys: Some(Keys::generate()),
        },
    };
    operator.url = urls(&args.brokers);
    let keys = operator.keys.clone().expect("set above");
    let tickets = keys.ticket_key().map_err(ConnectError::from)?;
    let ticket = |kind, name: &str, days: u64| {
        tickets.issue(&Claims::new(kind, name, Duration::from_secs(days * 86400)))
    };
    save(&operator, &operator_path)?;

    // The deployment's own processes (hosts, health checks) get a user's profile; each
    // plugin its own key.
    let user = operator.session_only(ticket(TicketKind::User, "compose", 365));
    save(&user, &dir.join("profile.json"))?;
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).map_err(CliError::file("creating", &plugins))?;
    for name in args
        .plugins
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let path = plugins.join(format!("{name}.key"));
        if !path.exists() {
            write_private(&path, &ticket(TicketKind::Plugin, name, 365))
                .map_err(CliError::file("writing", &path))?;
        }
        set_mode(&path, 0o644)?;
    }

    // For this machine, through the published ports: a user's and the operator's.
    let local_ca =
        std::fs::canonicalize(&pki.ca_cert).map_err(CliError::file("resolving", &pki.ca_cert))?;
    let local = |p: &Profile| Profile {
        url: urls(&args.published),
        ca_file: local_ca.clone(),
        ..p.clone()
    };
    let local_user = local(&operator.session_only(ticket(TicketKind::User, "local", 30)));
    save(&local_user, &dir.join("profile-local.json"))?;
    let mut local_operator = local(&operator);
    local_operator.ticket = local_user.ticket.clone();
    let path = dir.join("operator-local.json");
    local_operator
        .save(&path)
        .map_err(CliError::file("writing", &path))?;

    let c = &operator.credentials;
    let issuer = keys.issuer().map_err(ConnectError::from)?.public_key();
    let env = format!(
        "NTS_PW_COORDINATOR={}\nNTS_PW_AUTH={}\nNTS_PW_OPERATOR={}\nNTS_PW_SYS={}\nNTS_CALLOUT_ISSUER={issuer}\n",
        c.coordinator, c.auth, c.operator, c.sys
    );
    let env_path = dir.join("nats.env");
    write_private(&env_path, &env).map_err(CliError::file("writing", &env_path))?;
    set_mode(&env_path, 0o644)
}

/// Writes a profile the deployment's containers (other users) can read.
fn save(profile: &Profile, path: &std::path::Path) -> Result<(), CliError> {
    profile
        .save(path)
        .map_err(CliError::file("writing", path))?;
    set_mode(path, 0o644)
}

fn set_mode(path: &std::path::Path, mode: u32) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(CliError::file("setting the mode of", path))
}
