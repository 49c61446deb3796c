//! `nts init`: the files a multi-node deployment needs (docker-compose.yml uses them).
//!
//! Writes into `--dir`: `tls/` (CA + a broker certificate valid for every broker name),
//! `nats.env` (role passwords for the brokers' environment), `profile.json` (for nts
//! processes inside the deployment) and `profile-local.json` (for a session on this
//! machine, through the published ports). Existing files are kept, so re-running is safe.

use std::path::PathBuf;
use std::process::ExitCode;

use super::{CliError, fail};
use crate::broker::DevPki;
use crate::broker::pki::write_private;
use crate::connect::{Credentials, Profile};
use crate::wire::subject::Token;

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

    let profile_path = dir.join("profile.json");
    let mut profile = match Profile::load(&profile_path) {
        Ok(p) => p,
        Err(_) => Profile {
            url: urls(&args.brokers),
            ca_file: args.mount.join("tls/ca.pem"),
            credentials: Credentials::generate(),
            plugin_key: format!("key_{}", Token::random()),
        },
    };
    profile.url = urls(&args.brokers);
    profile
        .save(&profile_path)
        .map_err(CliError::file("writing", &profile_path))?;
    set_mode(&profile_path, 0o644)?;

    let local = Profile {
        url: urls(&args.published),
        ca_file: std::fs::canonicalize(&pki.ca_cert)
            .map_err(CliError::file("resolving", &pki.ca_cert))?,
        ..profile.clone()
    };
    let local_path = dir.join("profile-local.json");
    local
        .save(&local_path)
        .map_err(CliError::file("writing", &local_path))?;

    let c = &profile.credentials;
    let env = format!(
        "NTS_PW_COORDINATOR={}\nNTS_PW_HOST={}\nNTS_PW_SESSION={}\nNTS_PW_SYS={}\n",
        c.coordinator, c.host, c.session, c.sys
    );
    let env_path = dir.join("nats.env");
    write_private(&env_path, &env).map_err(CliError::file("writing", &env_path))?;
    set_mode(&env_path, 0o644)
}

fn set_mode(path: &std::path::Path, mode: u32) -> Result<(), CliError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(CliError::file("setting the mode of", path))
}
