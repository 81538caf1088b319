//! The workshop: one server for a room, and a lab of its own for every learner.
//!
//! `forgetful serve --workshop` runs [`start`]: a small HTTP server (`server.rs`) in front of a
//! registry of learners (`registry.rs`). `POST /workshop/join` starts a learner's own lab with
//! `lab::start` (its own ports, its own data dir, so its own session store, orders and issuer
//! key) whose `/admin` wants that learner's token; `POST /workshop/progress` takes the
//! learner's progress record; `GET /workshop/class` gives the instructor the class summary
//! (`class.rs`). The learner's side (joining, `workshop.json`, the outbox that sends progress)
//! is `learner.rs`.

pub mod class;
pub mod learner;
mod registry;
mod server;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::api::Mode;
use crate::lab::serve::Limits;

pub use registry::{MAX_NAME, room_name};

/// Learners at most, unless `--max-learners` says otherwise.
pub const DEFAULT_MAX_LEARNERS: usize = 60;

/// The largest progress record a learner may send.
pub const MAX_PROGRESS_BYTES: usize = 256 * 1024;

/// "Stuck" once a learner not yet done has made no progress for this long.
pub const STUCK_AFTER: Duration = Duration::from_secs(10 * 60);

/// The path a learner's lab keeps its files under, inside the workshop's data dir.
pub const LEARNERS_DIR: &str = "workshop/learners";

#[derive(Debug, thiserror::Error)]
pub enum WorkshopError {
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error(
        "the workshop needs an admin token (--admin-token or FORGETFUL_ADMIN_TOKEN): it guards the class summary"
    )]
    NoAdminToken,
    #[error("the room's store ({spec}) did not open: {reason}")]
    Store { spec: String, reason: String },
}

/// Where each learner's lab keeps its session store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnerStore {
    /// `sessions.db` in the learner's own folder under the data dir.
    Sqlite,
    /// SQLite in memory, one database per learner.
    Memory,
}

/// How every learner's lab starts.
#[derive(Debug, Clone)]
pub struct LearnerLabConfig {
    pub replicas: u8,
    pub mode: Mode,
    pub store: LearnerStore,
    pub limits: Limits,
    /// Access-token lifetime of each learner's lab (`--token-ttl`).
    pub token_ttl_secs: u64,
    /// Whether a learner may turn on a weak verifier in their own lab: off in a room unless
    /// the instructor passes `--allow-weaknesses` (lesson 15 needs it).
    pub allow_weaknesses: bool,
}

/// How to start the workshop server (built by `cli` from `serve --workshop`).
#[derive(Debug, Clone)]
pub struct WorkshopConfig {
    pub bind: IpAddr,
    pub port: u16,
    /// The instructor's token: `GET /workshop/class` wants it as a Bearer token.
    pub admin_token: String,
    /// A host name learners may use besides IP literals and `localhost`.
    pub public_host: Option<String>,
    /// The learners' labs live under `data_dir/workshop/learners/NAME`.
    pub data_dir: PathBuf,
    pub max_learners: usize,
    pub lab: LearnerLabConfig,
    /// The course's lesson ids and problem ids, in order, for the class summary.
    pub lessons: Vec<String>,
    pub problems: Vec<String>,
    /// Minutes without progress after which a learner not done counts as stuck.
    pub stuck_after: Duration,
    /// Where the room (seats, records, reviews) is kept.
    pub room: crate::store::room::RoomSpec,
}

impl WorkshopConfig {
    /// Loopback, any free port, 60 learners, labs of 3 replicas in local mode with SQLite in
    /// memory: for tests and embedding.
    pub fn ephemeral(data_dir: &std::path::Path, admin_token: &str) -> Self {
        WorkshopConfig {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            admin_token: admin_token.to_string(),
            public_host: None,
            data_dir: data_dir.to_path_buf(),
            max_learners: DEFAULT_MAX_LEARNERS,
            lab: LearnerLabConfig {
                replicas: 3,
                mode: Mode::Local,
                store: LearnerStore::Memory,
                limits: Limits::default(),
                token_ttl_secs: crate::api::DEFAULT_TOKEN_TTL_SECS,
                allow_weaknesses: false,
            },
            lessons: Vec::new(),
            problems: Vec::new(),
            stuck_after: STUCK_AFTER,
            room: crate::store::room::RoomSpec::Memory,
        }
    }
}

/// A running workshop server. Dropping it does not stop it; call `shutdown`.
pub struct WorkshopHandle {
    pub url: String,
    pub addr: SocketAddr,
    registry: Arc<registry::Registry>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl WorkshopHandle {
    /// What happens in the room (joins, refusals), one line each, for `serve --workshop`.
    pub fn events(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.registry.subscribe()
    }

    /// How many learners have a seat.
    pub fn learners(&self) -> usize {
        self.registry.len()
    }

    /// Stops the server, then every learner's lab.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(2), self.task).await;
        self.registry.shutdown().await;
    }
}

/// Starts the workshop server; learners' labs start as they join.
pub async fn start(cfg: WorkshopConfig) -> Result<WorkshopHandle, WorkshopError> {
    if cfg.admin_token.is_empty() {
        return Err(WorkshopError::NoAdminToken);
    }
    let listener = tokio::net::TcpListener::bind((cfg.bind, cfg.port))
        .await
        .map_err(|source| WorkshopError::Bind {
            addr: SocketAddr::from((cfg.bind, cfg.port)).to_string(),
            source,
        })?;
    let addr = listener
        .local_addr()
        .map_err(|source| WorkshopError::Bind {
            addr: "the workshop server".into(),
            source,
        })?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        match addr.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        }
    };
    let url = format!("http://{host}:{}", addr.port());
    let limits = cfg.lab.limits;
    let room = crate::store::room::open_room(&cfg.room)
        .await
        .map_err(|e| WorkshopError::Store {
            spec: describe_room(&cfg.room),
            reason: e.to_string(),
        })?;
    let registry = Arc::new(registry::Registry::new(cfg, room));
    let app = server::router(registry.clone());
    let (stop, rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        crate::lab::serve::serve(listener, app, limits, "workshop".into(), rx).await;
    });
    Ok(WorkshopHandle {
        url,
        addr,
        registry,
        stop,
        task,
    })
}

fn describe_room(spec: &crate::store::room::RoomSpec) -> String {
    use crate::store::room::RoomSpec;
    match spec {
        RoomSpec::Sqlite(path) => format!("sqlite:{}", path.display()),
        RoomSpec::Memory => "memory".into(),
        RoomSpec::Redis { url, .. } => url.clone(),
    }
}

/// Where `serve --workshop --store S` keeps the room: SQLite in the data dir (it survives a
/// restart), in memory, or Redis (shared with every server started with the same admin token).
pub fn room_spec(
    store: &crate::store::StoreSpec,
    data_dir: &std::path::Path,
    admin_token: &str,
) -> crate::store::room::RoomSpec {
    use crate::store::StoreSpec;
    use crate::store::room::RoomSpec;
    match store {
        StoreSpec::Sqlite => RoomSpec::Sqlite(data_dir.join(ROOM_FILE)),
        StoreSpec::Memory => RoomSpec::Memory,
        StoreSpec::Redis(url) => RoomSpec::Redis {
            url: url.clone(),
            room: registry::room_name(admin_token),
        },
    }
}

/// The room's SQLite file, inside the data dir.
pub const ROOM_FILE: &str = "workshop/room.db";

/// `forgetful serve --workshop`: the workshop server until Ctrl-C or SIGTERM, a line per join.
pub fn serve_command(cfg: WorkshopConfig) -> anyhow::Result<i32> {
    use anyhow::Context;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let mut stop = crate::lab::serve::StopSignal::listen()
            .context("listening for Ctrl-C and SIGTERM")?;
        if !cfg.bind.is_loopback() {
            eprintln!(
                "warning: binding {} lets other machines join (that is the point in a room); each learner's lab listens on {} too, on a port of its own",
                cfg.bind, cfg.bind
            );
        }
        let (bind, port) = (cfg.bind, cfg.port);
        let (max, replicas, mode) = (cfg.max_learners, cfg.lab.replicas, cfg.lab.mode);
        let store = match cfg.lab.store {
            LearnerStore::Sqlite => format!(
                "sqlite under {}",
                cfg.data_dir.join(LEARNERS_DIR).join("NAME").display()
            ),
            LearnerStore::Memory => "sqlite in memory, one per learner".to_string(),
        };
        let room = describe_room(&cfg.room);
        let workshop = start(cfg)
            .await
            .with_context(|| format!("starting the workshop on {bind}:{port}"))?;
        let mut events = workshop.events();
        let mut banner = String::from("forgetful workshop is up\n");
        banner += &format!("  join      {}\n", workshop.url);
        banner += &format!("  learners  at most {max}, each with a lab of its own\n");
        banner += &format!("  labs      {replicas} replicas, mode {mode}, store {store}\n");
        banner += &format!("  room      {room}\n\n");
        if bind.is_unspecified() {
            banner += "learners run (HOST: this machine's address on the room's network):\n";
            banner += &format!(
                "  forgetful --join http://HOST:{} --name NAME\n",
                workshop.addr.port()
            );
        } else {
            banner += "learners run:\n";
            banner += &format!("  forgetful --join {} --name NAME\n", workshop.url);
        }
        banner += "the class summary:\n";
        banner += &format!(
            "  FORGETFUL_ADMIN_TOKEN=… forgetful class --url {} --format md\n\n",
            workshop.url
        );
        banner += "one line per join below; Ctrl-C stops the workshop and every learner's lab";
        let mut out = crate::lab::serve::print_until_stopped(
            &mut stop,
            &banner,
            &mut events,
            |line| format!("{} {line}", clock()),
            "lines",
        )
        .await;
        out.line(&format!(
            "stopping the workshop and {} learners' labs",
            workshop.learners()
        ));
        workshop.shutdown().await;
        Ok(0)
    })
}

/// Local wall-clock time, HH:MM:SS, for the server's log lines.
fn clock() -> String {
    let now = time::OffsetDateTime::now_local().unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    format!("{:02}:{:02}:{:02}", now.hour(), now.minute(), now.second())
}
