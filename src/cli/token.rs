//! `nts token`: the operator issues credentials. A user gets a profile (the broker's
//! address, its CA and a user ticket) to pass to `nts session … --profile`; a plugin gets
//! a key for its hosts (`nts host -k KEY`, nanome-lib's `-k/--key`). Both are signed
//! with the deployment's ticket key, so this runs where the operator's profile is.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use super::{fail, load_operator_profile};
use crate::connect::ticket::{Claims, TicketKind};
use crate::wire::subject::Token;

/// `nts token …` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Write a profile for user NAME: what `nts session` needs, and nothing else.
    User {
        /// The user's name (letters, digits, '_' and '-').
        name: String,
        /// Days the credential is valid.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Where to write the profile (default: users/NAME.json in the state directory).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The operator's profile (default: operator.json in the state directory).
        #[arg(long, env = "NTS_PROFILE")]
        profile: Option<PathBuf>,
    },
    /// Print a key for plugin NAME's hosts (`-k KEY`); it lets them serve that plugin only.
    Plugin {
        /// The plugin's name, as its hosts register it.
        name: String,
        /// Days the key is valid.
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// The operator's profile (default: operator.json in the state directory).
        #[arg(long, env = "NTS_PROFILE")]
        profile: Option<PathBuf>,
    },
}

pub(super) fn run(cmd: TokenCommand) -> ExitCode {
    let (kind, name, days, profile) = match cmd.clone() {
        TokenCommand::User {
            name,
            days,
            profile,
            ..
        } => (TicketKind::User, name, days, profile),
        TokenCommand::Plugin {
            name,
            days,
            profile,
        } => (TicketKind::Plugin, name, days, profile),
    };
    let operator = match load_operator_profile(profile) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let key = match operator.keys().and_then(|k| Ok(k.ticket_key()?)) {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let name = name.trim().to_string();
    let name = name.as_str();
    if kind == TicketKind::User && Token::new(name).is_err() {
        return fail(format!(
            "user name {name:?}: use 1-64 letters, digits, '_' or '-'"
        ));
    }
    if name.is_empty() {
        return fail("give a name");
    }
    let valid = Duration::from_secs(u64::from(days.max(1)) * 86400);
    let claims = Claims::new(kind, name, valid);
    let ticket = key.issue(&claims);
    match cmd {
        TokenCommand::Plugin { .. } => {
            println!("{ticket}");
            eprintln!(
                "key for plugin {name:?} (id {}), valid {days} days; ticket id {}",
                crate::wire::subject::plugin_id_for(name),
                claims.id
            );
            ExitCode::SUCCESS
        }
        TokenCommand::User { out, .. } => {
            let path = out.unwrap_or_else(|| {
                crate::connect::default_state_dir()
                    .join("users")
                    .join(format!("{name}.json"))
            });
            if let Some(dir) = path.parent()
                && let Err(e) = std::fs::create_dir_all(dir)
            {
                return fail(format!("creating {}: {e}", dir.display()));
            }
            if let Err(e) = operator.session_only(ticket).save(&path) {
                return fail(format!("writing {}: {e}", path.display()));
            }
            println!("{}", path.display());
            eprintln!(
                "profile for user {name:?}, valid {days} days (ticket id {}): \
                 nts session list --profile {}",
                claims.id,
                path.display()
            );
            ExitCode::SUCCESS
        }
    }
}
