//! `nts session`: a scriptable, headless Nanome session.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Subcommand;
use tokio_util::sync::CancellationToken;

use super::{cancel_on_signal, fail, load_operator_profile, load_profile};
use crate::api::control::UserInfo;
use crate::api::link::{CloseCode, ToSession, ToSessionKind};
use crate::connect::{self, ConnectOptions, Role};
use crate::runtime::within;
use crate::session::{self, LinkEvent, Lobby, Session};
use crate::wire;
use crate::wire::caller::Caller;

/// `nts session …` subcommands.
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// List the plugins available.
    List {
        /// One JSON document instead of a table.
        #[arg(long)]
        json: bool,
        /// Connection profile (default: the one `nts up` writes).
        #[arg(long, env = "NTS_PROFILE")]
        profile: Option<PathBuf>,
    },
    /// Open a session as presenter, connect PLUGIN, run it and print what it sends.
    Run(Box<RunArgs>),
}

/// Flags of `nts session run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Plugin name or id.
    plugin: String,
    /// Press "Advanced settings" instead of "Run".
    #[arg(long)]
    advanced: bool,
    /// Disconnect after this many seconds (default: stay until the plugin disconnects).
    #[arg(long = "for", value_name = "SECS")]
    duration: Option<f64>,
    /// One JSON object per line, each with a `kind` field.
    #[arg(long)]
    json: bool,
    /// Room name.
    #[arg(long, default_value = "headless")]
    room: String,
    /// The presenter's display name.
    #[arg(long, default_value = "headless")]
    user: String,
    /// Connection profile (default: the one `nts up` writes).
    #[arg(long, env = "NTS_PROFILE")]
    profile: Option<PathBuf>,
    /// Load a structure file (PDB, mmCIF, SDF) into the workspace first; repeatable.
    #[arg(long, value_name = "FILE")]
    load: Vec<PathBuf>,
    /// When the run ends, save the workspace's complex (there must be exactly one) in the format its name says (.pdb, .cif, .sdf, .mol2, .pqr, optionally .gz).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Offer plugins that declare `local_files_access` this directory (and nothing outside it).
    #[arg(long, value_name = "DIR")]
    files: Option<PathBuf>,
    /// Disconnect after the first message of this kind (e.g. `notification`), for scripts.
    #[arg(long, value_name = "KIND")]
    exit_on: Option<String>,
    /// Act on the plugin's menus as a user would, in order; repeatable. Each action waits
    /// until its target is shown: `press TARGET`, `hover`/`unhover TARGET`,
    /// `type`/`submit TARGET TEXT`, `slide TARGET VALUE`, `select TARGET ITEM`,
    /// `click TARGET X Y`, `open`/`close MENU`, `wait-for TEXT`. A target is `#ID`, a node
    /// name, a button's text or a text field's placeholder. Without `--for` or `--exit-on`
    /// the run ends after the last action (end with `wait-for` to see the plugin's answer).
    #[arg(long = "act", value_name = "ACTION")]
    actions: Vec<String>,
}

/// Flags of `nts logs`.
#[derive(Debug, clap::Args)]
pub struct LogsArgs {
    /// Only this plugin (name or id).
    #[arg(long)]
    plugin: Option<String>,
    /// Stop after this many seconds (default: until Ctrl-C).
    #[arg(long = "for", value_name = "SECS")]
    duration: Option<f64>,
    /// Operator profile (default: operator.json in the state directory `nts up` uses).
    #[arg(long, env = "NTS_PROFILE")]
    profile: Option<PathBuf>,
}

/// `nts logs`: prints `<plugin>/<link>: <line>` for every instance stderr line.
pub(super) async fn logs(args: LogsArgs) -> ExitCode {
    use futures::StreamExt;
    super::init_tracing(false);
    let profile = match load_operator_profile(args.profile.clone()) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let me = Caller::operator("logs");
    let opts = ConnectOptions::named("logs");
    let client = match connect::connect(&profile, Role::Operator, opts).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    // Resolving the plugin is also the round trip that proves the subscription is live.
    let list = match session::list_plugins(&client, &me).await {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let names: std::collections::HashMap<String, String> = list
        .plugins
        .iter()
        .map(|p| (p.plugin_id.to_string(), p.metadata.name.clone()))
        .collect();
    let subject = match &args.plugin {
        None => crate::wire::subject::logs_of(None),
        Some(want) => match list
            .plugins
            .iter()
            .find(|p| &p.metadata.name == want || p.plugin_id.as_str() == want)
        {
            Some(p) => crate::wire::subject::logs_of(Some(&p.plugin_id)),
            None => return fail(format!("no plugin named {want:?}")),
        },
    };
    let mut sub = match client.subscribe(subject).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let _ = session::list_plugins(&client, &me).await; // the SUB is processed before "ready"
    println!("ready logs");
    let timer = async {
        match args.duration {
            Some(d) if d.is_finite() && d > 0.0 => {
                tokio::time::sleep(Duration::from_secs_f64(d.min(7.0 * 86400.0))).await
            }
            _ => std::future::pending().await,
        }
    };
    tokio::pin!(timer);
    let stop = CancellationToken::new();
    tokio::spawn(cancel_on_signal(stop.clone()));
    loop {
        tokio::select! {
            msg = sub.next() => {
                let Some(msg) = msg else { break };
                // nts.v1.logs.<pid>.<sid>.<lid>
                let mut parts = msg.subject.as_str().split('.').skip(3);
                let pid = parts.next().unwrap_or("?");
                let lid = parts.nth(1).unwrap_or("?");
                let plugin = names.get(pid).map(String::as_str).unwrap_or(pid);
                println!("{plugin}/{lid}: {}", String::from_utf8_lossy(&msg.payload));
            }
            _ = &mut timer => break,
            _ = stop.cancelled() => break,
        }
    }
    ExitCode::SUCCESS
}

pub(super) async fn run(cmd: SessionCommand) -> ExitCode {
    super::init_tracing(false);
    match cmd {
        SessionCommand::List { json, profile } => list(json, profile).await,
        SessionCommand::Run(args) => run_plugin(*args).await,
    }
}

/// The user's lobby connection (the ticket of the profile `nts up` writes, or of
/// `--profile`).
async fn connect_lobby(profile: Option<PathBuf>) -> Result<Lobby, session::SessionError> {
    let profile = load_profile(profile).map_err(session::SessionError::from)?;
    Lobby::connect(&profile).await
}

async fn list(json: bool, profile: Option<PathBuf>) -> ExitCode {
    let lobby = match connect_lobby(profile).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let list = match lobby.plugins().await {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    if json {
        let plugins: Vec<serde_json::Value> = list
            .plugins
            .iter()
            .map(|p| {
                serde_json::json!({
                    "plugin_id": p.plugin_id.as_str(), "name": p.metadata.name, "description": p.metadata.description,
                    "category": p.metadata.category, "tags": p.metadata.tags, "has_advanced": p.metadata.has_advanced,
                    "permissions": p.metadata.permissions, "integrations": p.metadata.integrations,
                    "version": p.metadata.version, "hosts": p.hosts, "capacity": p.capacity, "links": p.links,
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "plugins": plugins }));
        return ExitCode::SUCCESS;
    }
    if list.plugins.is_empty() {
        println!("no plugins registered");
        return ExitCode::SUCCESS;
    }
    let width = list
        .plugins
        .iter()
        .map(|p| p.metadata.name.len())
        .max()
        .unwrap_or(4)
        .max(4);
    println!(
        "{:<width$}  {:<16}  {:>5}  {:>8}  DESCRIPTION",
        "NAME",
        "ID",
        "HOSTS",
        "LINKS",
        width = width
    );
    for p in &list.plugins {
        println!(
            "{:<width$}  {:<16}  {:>5}  {:>3}/{:<4}  {}",
            p.metadata.name,
            p.plugin_id.as_str(),
            p.hosts,
            p.links,
            p.capacity,
            p.metadata.description,
            width = width
        );
    }
    ExitCode::SUCCESS
}

async fn run_plugin(args: RunArgs) -> ExitCode {
    if let Some(d) = args.duration
        && !(d.is_finite() && d > 0.0 && d <= 7.0 * 86400.0)
    {
        return fail("--for takes a number of seconds between 0 and 604800");
    }
    // Flags that can be wrong are checked before anything runs, not after the run.
    if let Some(path) = &args.save
        && crate::files::Format::of(path).is_none()
    {
        return fail(format!(
            "--save {}: the file name must end in .pdb, .cif, .sdf, .mol2 or .pqr (optionally .gz)",
            path.display()
        ));
    }
    let exit_on = match args
        .exit_on
        .as_deref()
        .map(<ToSessionKind as wire::Kind>::parse)
    {
        None => None,
        Some(Some(kind)) => Some(kind),
        Some(None) => {
            return fail(format!(
                "--exit-on {:?} is not a message kind a plugin sends; use one of: {}",
                args.exit_on.as_deref().unwrap_or_default(),
                <ToSession as wire::Message>::KINDS.join(", ")
            ));
        }
    };
    let mut actions = std::collections::VecDeque::new();
    for a in &args.actions {
        match crate::session::ui::UiAction::parse(a) {
            Ok(action) => actions.push_back((a.clone(), action)),
            Err(e) => return fail(format!("--act {e}")),
        }
    }
    let end_after_actions =
        !actions.is_empty() && args.duration.is_none() && args.exit_on.is_none();
    // Ctrl-C is honoured from here on, while connecting too.
    let stop = CancellationToken::new();
    tokio::spawn(cancel_on_signal(stop.clone()));
    let lobby = match unless_stopped(&stop, connect_lobby(args.profile.clone())).await {
        None => return ExitCode::from(130),
        Some(Ok(c)) => c,
        Some(Err(e)) => return fail(e),
    };
    let opened = Session::open(
        &lobby,
        &args.room,
        UserInfo {
            name: args.user.clone(),
            ..Default::default()
        },
    );
    let mut session = match unless_stopped(&stop, opened).await {
        None => return ExitCode::from(130),
        Some(Ok(s)) => s,
        Some(Err(e)) => return fail(format!("opening a session failed: {e}")),
    };
    // The room's own connection: the one whose loss matters from here on.
    let client = session.client().clone();
    if let Some(dir) = &args.files {
        if let Err(e) = std::fs::create_dir_all(dir) {
            let _ = within(CLEANUP, session.leave()).await;
            return fail(format!(
                "creating the files directory {}: {e}",
                dir.display()
            ));
        }
        session.set_files_dir(dir.clone());
    }
    // Each file that fails is reported and the others still load; when none loads there
    // is nothing to run the plugin on.
    let mut failed = Vec::new();
    for path in &args.load {
        let complex = match crate::files::load_packed(path, crate::files::MAX_FILE) {
            Ok(c) => c,
            Err(e) if args.load.len() == 1 => {
                let _ = within(CLEANUP, session.leave()).await;
                return fail(format!("loading a structure failed: {e}"));
            }
            Err(e) => {
                failed.push(e.to_string());
                tracing::warn!("{e}");
                emit(
                    &args,
                    "load_failed",
                    serde_json::json!({"file": path.display().to_string(), "error": e.to_string()}),
                    || format!("not loaded: {e}"),
                );
                continue;
            }
        };
        let atoms = complex.atom_count();
        let Some(added) = unless_stopped(&stop, session.add_packed(vec![complex])).await else {
            let _ = within(CLEANUP, session.leave()).await;
            return ExitCode::from(130);
        };
        match added {
            Ok(added) => emit(
                &args,
                "loaded",
                serde_json::json!({"file": path.display().to_string(), "index": added[0].index, "name": added[0].name, "atoms": atoms}),
                || {
                    format!(
                        "loaded {} as complex {} ({atoms} atoms)",
                        path.display(),
                        added[0].index
                    )
                },
            ),
            Err(e) => {
                let _ = within(CLEANUP, session.leave()).await;
                return fail(format!("loading {} failed: {e}", path.display()));
            }
        }
    }
    if !args.load.is_empty() && failed.len() == args.load.len() {
        let _ = within(CLEANUP, session.leave()).await;
        return fail(format!(
            "loading a structure failed: none of the {} files loaded ({})",
            failed.len(),
            failed.join("; ")
        ));
    }
    let mut link = match unless_stopped(&stop, session.connect(&args.plugin)).await {
        None => {
            let _ = within(CLEANUP, session.leave()).await;
            return ExitCode::from(130);
        }
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            let _ = within(CLEANUP, session.leave()).await;
            return fail(format!(
                "connecting to plugin {:?} failed: {e}",
                args.plugin
            ));
        }
    };
    emit(
        &args,
        "connected",
        serde_json::json!({"link_id": link.id().as_str(), "plugin_id": link.plugin_id().as_str()}),
        || format!("connected to {} (link {})", args.plugin, link.id()),
    );
    let pressed = within(CLEANUP, async {
        if args.advanced {
            link.advanced_settings().await
        } else {
            link.run().await
        }
    })
    .await;
    match pressed {
        Some(Ok(())) => {}
        Some(Err(e)) => return fail(e),
        None => return fail("the broker did not take the press within 3 s (is it reachable?)"),
    }
    let deadline = args.duration.map(Duration::from_secs_f64);
    let timer = async {
        match deadline {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(timer);
    // The broker's reachability, checked every second: a session whose broker is gone
    // says so, and gives up after a while instead of waiting for ever.
    let mut watchdog = tokio::time::interval(Duration::from_secs(1));
    let mut unreachable_since: Option<tokio::time::Instant> = None;
    // The menus as last printed: they are printed again whenever they change, whether the
    // plugin or an action changed them.
    let mut shown = String::new();
    let code = loop {
        show_menus(&args, &link, &mut shown).await;
        match run_actions(&args, &link, &mut actions, &mut shown).await {
            Err(code) => {
                let _ = within(CLEANUP, link.close()).await;
                break code;
            }
            Ok(()) if end_after_actions && actions.is_empty() => {
                let _ = within(CLEANUP, link.close()).await;
                break ExitCode::SUCCESS;
            }
            Ok(()) => {}
        }
        tokio::select! {
            event = link.next() => match event {
                Some(LinkEvent::Message(env)) => {
                    print_message(&args, &env);
                    show_menus(&args, &link, &mut shown).await;
                    if exit_on == Some(wire::Message::kind(&env.msg)) {
                        let _ = within(CLEANUP, link.close()).await;
                        break ExitCode::SUCCESS;
                    }
                }
                Some(LinkEvent::Closed(reason)) => {
                    let body = serde_json::to_value(&reason).unwrap_or_default();
                    emit(&args, "closed", body, || format!("plugin disconnected: {reason}"));
                    let normal = matches!(reason.code, CloseCode::InstanceExited | CloseCode::ClosedByPresenter);
                    break if normal { ExitCode::SUCCESS } else { ExitCode::from(3) };
                }
                None => break fail("the session's connection ended unexpectedly"),
            },
            _ = &mut timer => {
                let _ = within(CLEANUP, link.close()).await;
                if let Some((line, _)) = actions.front() {
                    eprintln!("error: --act {line:?} was still waiting for its target when --for elapsed");
                    break ExitCode::from(4);
                }
                emit(&args, "closed", serde_json::json!({"code": "closed_by_presenter", "message": "--for elapsed"}), || "disconnected (--for elapsed)".into());
                break ExitCode::SUCCESS;
            }
            _ = stop.cancelled() => {
                let _ = within(CLEANUP, link.close()).await;
                break ExitCode::from(130);
            }
            _ = watchdog.tick() => {
                let down = client.connection_state() == async_nats::connection::State::Disconnected;
                match (down, unreachable_since) {
                    (true, None) => {
                        eprintln!("warning: the broker at {} is unreachable; retrying (Ctrl-C to stop)", profile_url(&args));
                        unreachable_since = Some(tokio::time::Instant::now());
                    }
                    (true, Some(t)) if t.elapsed() >= GIVE_UP => {
                        break fail(format!(
                            "the broker at {} has been unreachable for {} s; giving up (is `nts up` running?)",
                            profile_url(&args),
                            GIVE_UP.as_secs()
                        ));
                    }
                    (false, Some(_)) => {
                        eprintln!("the broker is reachable again");
                        unreachable_since = None;
                    }
                    _ => {}
                }
            }
        }
    };
    if let Some(path) = &args.save {
        let ws = session.workspace().await;
        let saved = match ws.complexes.as_slice() {
            [one] => crate::files::save(one, path).map_err(|e| e.to_string()),
            many => Err(format!(
                "--save needs exactly one complex in the workspace, there are {}",
                many.len()
            )),
        };
        if let Err(e) = saved {
            let _ = within(CLEANUP, session.leave()).await;
            return fail(e);
        }
    }
    let _ = within(CLEANUP, session.leave()).await;
    crate::runtime::flush_within(&client, CLEANUP).await;
    code
}

/// `fut`'s output, or `None` if Ctrl-C came first.
async fn unless_stopped<F: std::future::Future>(
    stop: &CancellationToken,
    fut: F,
) -> Option<F::Output> {
    tokio::select! {
        biased;
        _ = stop.cancelled() => None,
        out = fut => Some(out),
    }
}

/// Longest a step of leaving may take (the broker may be gone).
const CLEANUP: Duration = Duration::from_secs(3);
/// How long a run waits for an unreachable broker before it gives up.
const GIVE_UP: Duration = Duration::from_secs(30);

/// The broker URL of the run's profile, for messages.
fn profile_url(args: &RunArgs) -> String {
    load_profile(args.profile.clone())
        .map(|p| p.url)
        .unwrap_or_else(|_| "(unknown)".into())
}

/// Does the actions whose targets are shown, in order; stops at the first that must wait.
async fn run_actions(
    args: &RunArgs,
    link: &crate::session::Link,
    actions: &mut std::collections::VecDeque<(String, crate::session::ui::UiAction)>,
    shown: &mut String,
) -> Result<(), ExitCode> {
    while let Some((line, action)) = actions.front() {
        let acted = within(CLEANUP, link.act(action)).await.unwrap_or_else(|| {
            Err(crate::session::ui::ActionError::Invalid(
                "the broker did not take the action within 3 s (is it reachable?)".into(),
            ))
        });
        match acted {
            Ok(()) => {
                emit(args, "acted", serde_json::json!({ "action": line }), || {
                    format!("acted: {line}")
                });
                // What the user changed shows at once (a moved slider, a chosen item).
                show_menus(args, link, shown).await;
                actions.pop_front();
            }
            Err(e) if e.may_resolve_later() => return Ok(()),
            Err(e) => {
                // The menus the action was judged against (they may have arrived since
                // they were last printed), then why it cannot be done.
                show_menus(args, link, shown).await;
                eprintln!("error: --act {line:?}: {e}");
                return Err(ExitCode::from(4));
            }
        }
    }
    Ok(())
}

/// Prints the plugin's menus, as indented text or one `menus` JSON line, when they differ
/// from `shown` (what was printed last).
async fn show_menus(args: &RunArgs, link: &crate::session::Link, shown: &mut String) {
    let now = link.render_menus().await;
    if now == *shown {
        return;
    }
    *shown = now;
    if args.json {
        let menus = link.menus().await;
        println!(
            "{}",
            serde_json::json!({ "kind": "menus", "body": serde_json::to_value(&menus).unwrap_or_default() })
        );
    } else {
        print!("{shown}");
    }
}

fn emit(args: &RunArgs, kind: &str, body: serde_json::Value, human: impl FnOnce() -> String) {
    if args.json {
        println!("{}", serde_json::json!({ "kind": kind, "body": body }));
    } else {
        println!("{}", human());
    }
}

fn print_message(args: &RunArgs, env: &wire::Envelope<ToSession>) {
    if args.json {
        println!("{}", wire::envelope::to_json(env));
        return;
    }
    match &env.msg {
        ToSession::Notification(n) => println!("notification [{}] {}", n.kind.as_str(), n.text),
        ToSession::PresenterInfoRequest(_) => {
            println!("presenter_info_request #{} (answered)", env.id)
        }
        ToSession::Error(e) => println!("error #{}: {e}", env.id),
        ToSession::ShapesUpload(l) => println!(
            "shapes_upload #{}: {} shapes (answered)",
            env.id,
            l.shapes.len()
        ),
        ToSession::OpenUrl(u) => println!(
            "open_url {}{}",
            u.url,
            if u.desktop_browser {
                " (desktop browser)"
            } else {
                ""
            }
        ),
        ToSession::SetSkybox(s) => println!("set_skybox {:?}", s.skybox),
        ToSession::SetPluginListButton(b) => println!(
            "set_plugin_list_button {:?} text={:?} usable={:?}",
            b.button, b.text, b.usable
        ),
        // Shown shallow (the session keeps the atoms, not the event): names, not counts.
        ToSession::AddToWorkspace(l) => {
            let names: Vec<&str> = l.complexes.iter().map(|c| c.name.as_str()).collect();
            println!(
                "add_to_workspace #{}: {} complexes ({}) (answered)",
                env.id,
                l.complexes.len(),
                names.join(", ")
            )
        }
        ToSession::StructuresUpdate(u) => println!(
            "structures_update #{} ({}): {} complexes (answered)",
            env.id,
            if u.deep { "deep" } else { "shallow" },
            u.complexes.len()
        ),
        ToSession::WorkspaceUpdate(w) => println!(
            "workspace_update #{}: {} complexes (answered)",
            env.id,
            w.complexes.len()
        ),
        ToSession::WorkspaceRequest(_)
        | ToSession::ComplexListRequest(_)
        | ToSession::ComplexesRequest(_)
        | ToSession::RemoveFromWorkspace(_)
        | ToSession::ZoomOn(_)
        | ToSession::CenterOn(_) => {
            println!("{} #{} (answered)", wire::Message::kind(&env.msg), env.id)
        }
        ToSession::MenuUpdate(u) => println!(
            "menu_update #{}: menu {}{}",
            env.id,
            u.menu.index,
            if u.shallow { " (shallow)" } else { "" }
        ),
        other => println!("{} #{}", wire::Message::kind(other), env.id),
    }
}
