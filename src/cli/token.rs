//! `nts token`: the operator issues credentials. A user gets a profile (the broker's
//! address, its CA and a user ticket) to pass to `nts session … --profile`; a plugin gets
//! a key for its hosts (`nts host -k KEY`, nanome-lib's `-k/--key`). Both are signed
//! with the deployment's ticket key, so this runs where the operator's profile is.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;

use super::{CliError, fail, load_operator_profile};
use crate::connect::ticket::{Claims, TicketKind};
use crate::wire::subject::Token;

/// `nts token …` subcommands.
#[derive(Debug, Subcommand)]
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
    /// Revoke the ticket with id ID (printed when it was issued): it connects no more.
    Revoke {
        /// The ticket's id.
        id: String,
        /// Days the revocation holds (at least the ticket's remaining validity).
        #[arg(long, default_value_t = 400)]
        days: u32,
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
    match cmd {
        TokenCommand::Revoke { id, days, profile } => revoke(&id, days, profile),
        TokenCommand::Plugin {
            name,
            days,
            profile,
        } => match issue(TicketKind::Plugin, &name, days, profile) {
            Ok((_, ticket, claims)) => {
                println!("{ticket}");
                eprintln!(
                    "key for plugin {:?} (id {}), valid {days} days; ticket id {}",
                    claims.name,
                    crate::wire::subject::plugin_id_for(&claims.name),
                    claims.id
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        TokenCommand::User {
            name,
            days,
            out,
            profile,
        } => {
            let (operator, ticket, claims) = match issue(TicketKind::User, &name, days, profile) {
                Ok(issued) => issued,
                Err(e) => return fail(e),
            };
            let path = out.unwrap_or_else(|| {
                crate::connect::default_state_dir()
                    .join("users")
                    .join(format!("{}.json", claims.name))
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
                "profile for user {:?}, valid {days} days (ticket id {}): \
                 nts session list --profile {}",
                claims.name,
                claims.id,
                path.display()
            );
            ExitCode::SUCCESS
        }
    }
}

/// A ticket of `kind` for `name`, valid `days`, signed with the key of the operator's
/// profile (`profile`, or the default): the profile, the ticket and its claims.
fn issue(
    kind: TicketKind,
    name: &str,
    days: u32,
    profile: Option<PathBuf>,
) -> Result<(crate::connect::Profile, String, Claims), CliError> {
    let operator = load_operator_profile(profile)?;
    let key = operator.keys().and_then(|k| Ok(k.ticket_key()?))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(CliError::Argument("give a name".into()));
    }
    if kind == TicketKind::User && Token::new(name).is_err() {
        return Err(CliError::Argument(format!(
            "user name {name:?}: use 1-64 letters, digits, '_' or '-'"
        )));
    }
    let valid = Duration::from_secs(u64::from(days.max(1)) * 86400);
    let claims = Claims::new(kind, name, valid);
    let ticket = key.issue(&claims);
    Ok((operator, ticket, claims))
}

/// Asks the coordinator to revoke ticket `id` for `days`: new connections with it are
/// refused (connections already made keep their permissions until they reconnect).
fn revoke(id: &str, days: u32, profile: Option<PathBuf>) -> ExitCode {
    use crate::api::control::{CtlRequest, TicketRevoke};
    use crate::connect::{ConnectOptions, Role};
    use crate::wire::caller::Caller;
    let Ok(id) = Token::new(id.trim()) else {
        return fail(format!("{id:?} is not a ticket id"));
    };
    let operator = match load_operator_profile(profile) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(format!("cannot start the async runtime: {e}")),
    };
    let until = crate::connect::ticket::unix_now() + u64::from(days.max(1)) * 86400;
    let done = rt.block_on(async {
        let me = Caller::operator("token");
        let opts = ConnectOptions::named("token");
        let client = crate::connect::connect(&operator, Role::Operator, opts)
            .await
            .map_err(|e| e.to_string())?;
        let req = CtlRequest::TicketRevoke(TicketRevoke {
            id: id.clone(),
            until,
        });
        crate::coordinator::client::call(
            &client,
            &me,
            req,
            crate::coordinator::client::CTL_TIMEOUT,
        )
        .await
        .map_err(|e| e.to_string())?;
        Ok::<(), String>(())
    });
    match done {
        Ok(()) => {
            println!("revoked ticket {id}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
