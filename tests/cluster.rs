//! nts on a real 3-node NATS cluster in containers (testcontainers): node loss, host loss,
//! coordinator failover, a host cut off the network. Needs Docker and the images of
//! `scripts/build-images`; without them these tests say so and pass outside CI (CI fails).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{WAIT, next_notification};
use nts::api::control::UserInfo;
use nts::api::link::CloseCode;
use nts::connect::{self, ConnectOptions, Profile, Role};
use nts::session::{LinkEvent, Lobby, Session};
use testcontainers::core::{ContainerPort, Mount, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

const NATS_IMAGE: (&str, &str) = ("nts/nats-server", "2.15.1");
const NTS_IMAGE: (&str, &str) = ("nts/nts", "latest");

/// One cluster test at a time: each starts about eight containers on 2 CPUs.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn docker_ready() -> Result<(), String> {
    let ok = |args: &[&str]| {
        std::process::Command::new("docker")
            .args(args)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !ok(&["info"]) {
        return Err("no Docker daemon".into());
    }
    for (name, tag) in [NATS_IMAGE, NTS_IMAGE] {
        if !ok(&["image", "inspect", &format!("{name}:{tag}")]) {
            return Err(format!(
                "image {name}:{tag} missing: run scripts/build-images"
            ));
        }
    }
    Ok(())
}

/// `None` (skip) when Docker or the images are missing, except under CI.
fn skip_without_docker() -> bool {
    match docker_ready() {
        Ok(()) => false,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("cluster tests must run under CI: {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED: {why}");
            true
        }
    }
}

struct Cluster {
    suffix: String,
    network: String,
    dir: tempfile::TempDir,
    nats: Vec<ContainerAsync<GenericImage>>,
    /// A user's profile for this machine (the published ports).
    local: Profile,
    /// The operator's profile for this machine.
    operator: Profile,
}

fn docker(args: &[&str]) {
    let out = std::process::Command::new("docker")
        .args(args)
        .output()
        .expect("docker runs");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Cluster {
    async fn start() -> Cluster {
        nts::connect::install_crypto_provider();
        let suffix = nts::wire::subject::Token::random().as_str()[..6].to_string();
        let names: Vec<String> = (1..=3).map(|i| format!("nats-{i}-{suffix}")).collect();
        let network = format!("nts-test-{suffix}");
        let dir = tempfile::tempdir().unwrap();
        let brokers = names
            .iter()
            .map(|n| format!("{n}:4222"))
            .collect::<Vec<_>>()
            .join(",");
        let out = std::process::Command::new(common::NTS)
            .args([
                "init",
                "--dir",
                dir.path().to_str().unwrap(),
                "--brokers",
                &brokers,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "nts init: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = std::fs::read_to_string(dir.path().join("nats.env")).unwrap();
        let routes = names
            .iter()
            .map(|n| format!("nats-route://{n}:6222"))
            .collect::<Vec<_>>()
            .join(",");

        let mut nats = Vec::new();
        for name in &names {
            let mut image = GenericImage::new(NATS_IMAGE.0, NATS_IMAGE.1)
                .with_exposed_port(ContainerPort::Tcp(4222))
                .with_wait_for(WaitFor::message_on_stderr("Server is ready"))
                .with_network(&network)
                .with_container_name(name)
                .with_mount(Mount::bind_mount(repo("broker"), "/etc/nts/broker"))
                .with_mount(Mount::bind_mount(
                    dir.path().join("tls").to_str().unwrap(),
                    "/etc/nts/tls",
                ))
                .with_env_var("NTS_SERVER_NAME", name)
                .with_cmd(["-c", "/etc/nts/broker/cluster.conf", "--routes", &routes]);
            for line in env.lines() {
                let (k, v) = line.split_once('=').unwrap();
                image = image.with_env_var(k, v);
            }
            nats.push(image.start().await.expect("nats container starts"));
        }
        let mut urls = Vec::new();
        for c in &nats {
            urls.push(format!(
                "tls://127.0.0.1:{}",
                c.get_host_port_ipv4(4222).await.unwrap()
            ));
        }
        let mut local = Profile::load(&dir.path().join("profile-local.json")).unwrap();
        local.url = urls.join(",");
        let mut operator = Profile::load(&dir.path().join("operator-local.json")).unwrap();
        operator.url = urls.join(",");
        let cluster = Cluster {
            suffix,
            network,
            dir,
            nats,
            local,
            operator,
        };
        cluster.wait_for_jetstream().await;
        cluster
    }

    /// The cluster has a JetStream meta leader once a KV bucket can be created.
    async fn wait_for_jetstream(&self) {
        let client = self.client(Role::Coordinator).await;
        let until = Instant::now() + WAIT;
        loop {
            if nts::coordinator::store::Store::open(client.clone(), 3)
                .await
                .is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < until,
                "JetStream did not form in the cluster"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// An nts container running `args`, ready when its stdout shows `ready_line`.
    async fn nts(
        &self,
        name: &str,
        args: &[&str],
        ready_line: &str,
    ) -> ContainerAsync<GenericImage> {
        GenericImage::new(NTS_IMAGE.0, NTS_IMAGE.1)
            .with_wait_for(WaitFor::message_on_stdout(ready_line))
            .with_network(&self.network)
            .with_container_name(format!("{name}-{}", self.suffix))
            .with_mount(Mount::bind_mount(
                self.dir.path().to_str().unwrap(),
                "/etc/nts",
            ))
            .with_env_var("RUST_LOG", "warn")
            .with_cmd(args.iter().copied())
            .start()
            .await
            .unwrap_or_else(|e| panic!("{name} container: {e}"))
    }

    async fn coordinator(&self, name: &str, lease_ms: u64) -> ContainerAsync<GenericImage> {
        self.nts(
            name,
            &[
                "coordinator",
                "--profile",
                "/etc/nts/operator.json",
                "--replicas",
                "3",
                "--lease-ms",
                &lease_ms.to_string(),
            ],
            "ready coordinator",
        )
        .await
    }

    async fn host(&self, name: &str, capacity: u32) -> ContainerAsync<GenericImage> {
        self.nts(
            name,
            &[
                "plugin",
                "hello",
                "--capacity",
                &capacity.to_string(),
                // Cold: a container's instance processes are then its links' (what
                // `docker_top_has_instance` counts).
                "--warm",
                "0",
                "--key",
                "/etc/nts/plugins/hello.key",
            ],
            "ready plugin",
        )
        .await
    }

    async fn client(&self, role: Role) -> async_nats::Client {
        connect::connect(&self.operator, role, ConnectOptions::named("test"))
            .await
            .expect("connect to the cluster")
    }

    /// A user's lobby connection, with the user ticket `nts init` wrote.
    async fn lobby(&self) -> Lobby {
        Lobby::connect(&self.local)
            .await
            .expect("connect to the cluster")
    }

    async fn session(&self, name: &str) -> Session {
        Session::open(
            &self.lobby().await,
            "room",
            UserInfo {
                name: name.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(path)
        .to_str()
        .unwrap()
        .to_string()
}

/// Pings until one succeeds (bounded): clients reconnect after a node loss.
async fn ping_eventually(link: &nts::session::Link) -> Duration {
    let t0 = Instant::now();
    loop {
        if link.ping(Duration::from_millis(500)).await.is_ok() {
            return t0.elapsed();
        }
        assert!(t0.elapsed() < WAIT, "the link never answered again");
    }
}

#[tokio::test]
async fn a_node_dies_mid_session_and_the_session_keeps_working() {
    if skip_without_docker() {
        return;
    }
    let _one = SERIAL.lock().await;
    let c = Cluster::start().await;
    let _coordinator = c.coordinator("coordinator", 6000).await;
    let _host = c.host("host", 8).await;
    let s = c.session("alice").await;
    let mut link = s.connect("hello").await.unwrap();
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "Hello from nts!");
    assert_eq!(next_notification(&mut link).await, "Hello, alice!");

    // Kill the node this session is connected to.
    let server = s.client().server_info().server_name;
    let index: usize = server
        .split('-')
        .nth(1)
        .and_then(|d| d.parse().ok())
        .expect("server names are nats-<n>-<suffix>");
    docker(&["kill", c.nats[index - 1].id()]);
    let back = ping_eventually(&link).await;
    eprintln!("node {server} killed: the link answered again after {back:?}");
    assert_ne!(
        s.client().server_info().server_name,
        server,
        "the session moved to another node"
    );
    link.run().await.unwrap();
    assert_eq!(next_notification(&mut link).await, "Hello from nts!");
    assert_eq!(
        next_notification(&mut link).await,
        "Hello, alice!",
        "requests to the session still work"
    );
}

#[tokio::test]
async fn a_killed_host_container_is_detected_and_new_links_go_to_the_survivor() {
    if skip_without_docker() {
        return;
    }
    let _one = SERIAL.lock().await;
    let c = Cluster::start().await;
    let _coordinator = c.coordinator("coordinator", 6000).await;
    let h1 = c.host("host-1", 1).await;
    let h2 = c.host("host-2", 1).await;
    let s = c.session("alice").await;
    let mut link = s.connect("hello").await.unwrap();
    // Which host took it? Kill that one.
    let lobby = c.lobby().await;
    let t0 = Instant::now();
    let on_h1 = docker_top_has_instance(h1.id());
    docker(&["kill", if on_h1 { h1.id() } else { h2.id() }]);
    match common::next_event(&mut link).await {
        LinkEvent::Closed(r) => assert_eq!(r.code, CloseCode::HostLost, "{r:?}"),
        other => panic!("expected closed, got {other:?}"),
    }
    eprintln!(
        "host container killed: its session was told after {:?}",
        t0.elapsed()
    );
    let list = lobby.plugins().await.unwrap();
    assert_eq!(list.plugins[0].hosts, 1, "the dead host left the plugin");
    let again = s
        .connect("hello")
        .await
        .expect("the surviving host takes the new link");
    again.ping(Duration::from_secs(5)).await.unwrap();
}

/// Whether the container runs an instance (a second `nts` process besides the host).
fn docker_top_has_instance(id: &str) -> bool {
    let out = std::process::Command::new("docker")
        .args(["top", id])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("nts plugin hello"))
        .count()
        > 1
}

#[tokio::test]
async fn killing_the_active_coordinator_container_loses_no_session() {
    if skip_without_docker() {
        return;
    }
    let _one = SERIAL.lock().await;
    let c = Cluster::start().await;
    let a = c.coordinator("coordinator-a", 6000).await;
    let b = c
        .nts(
            "coordinator-b",
            &[
                "coordinator",
                "--profile",
                "/etc/nts/operator.json",
                "--replicas",
                "3",
            ],
            "standby coordinator",
        )
        .await;
    let _host = c.host("host", 8).await;
    let alice = c.session("alice").await;
    let bob = Session::join(
        &c.lobby().await,
        &alice.invitation(),
        UserInfo {
            name: "bob".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let mut link = alice.connect("hello").await.unwrap();

    docker(&["kill", a.id()]); // SIGKILL: no graceful hand-over
    let t0 = Instant::now();
    let lobby = c.lobby().await;
    while lobby.plugins().await.is_err() {
        assert!(t0.elapsed() < WAIT, "no coordinator took over");
    }
    eprintln!(
        "active coordinator killed: the control plane answered again after {:?}",
        t0.elapsed()
    );
    alice
        .set_presenter(bob.user_id())
        .await
        .expect("the session survived the failover");
    assert_eq!(
        next_notification(&mut link).await,
        "The presenter is now bob"
    );
    drop(b);
}

#[tokio::test]
async fn a_host_cut_off_the_network_is_dropped_and_returns_when_reconnected() {
    if skip_without_docker() {
        return;
    }
    let _one = SERIAL.lock().await;
    let c = Cluster::start().await;
    let _coordinator = c.coordinator("coordinator", 3000).await;
    let host = c.host("host", 8).await;
    let s = c.session("alice").await;
    let mut link = s.connect("hello").await.unwrap();
    let lobby = c.lobby().await;

    let t0 = Instant::now();
    docker(&["network", "disconnect", &c.network, host.id()]);
    match common::next_event(&mut link).await {
        LinkEvent::Closed(r) => assert_eq!(r.code, CloseCode::HostLost, "{r:?}"),
        other => panic!("expected closed, got {other:?}"),
    }
    eprintln!(
        "host cut off: its session was told after {:?}",
        t0.elapsed()
    );
    assert!(lobby.plugins().await.unwrap().plugins.is_empty());

    docker(&["network", "connect", &c.network, host.id()]);
    let t1 = Instant::now();
    loop {
        let list = lobby.plugins().await.unwrap();
        if list.plugins.iter().any(|p| p.hosts == 1) {
            break;
        }
        assert!(t1.elapsed() < WAIT, "the host did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "host reconnected: back in the plugin list after {:?}",
        t1.elapsed()
    );
    let again = c.session("bob").await;
    again
        .connect("hello")
        .await
        .expect("back in service")
        .ping(Duration::from_secs(5))
        .await
        .unwrap();
}
