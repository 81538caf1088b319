//! The lab: a small shop API run as several replicas behind a load balancer, on loopback.
//!
//! `start` brings it up and returns a handle; `serve_command` is `forgetful serve`.
//! Everything outside this module talks to the lab over HTTP only.

mod admin;
mod attacker;
mod balancer;
mod body;
mod chat;
mod error;
pub mod journal;
mod parse_errors;
mod refresh;
mod relay;
mod replica;
mod scale;
pub mod serve;
pub mod sessions;
pub mod tokens;
mod users;

#[cfg(test)]
mod handler_tests;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use tokio::sync::oneshot;

use crate::api::{Event, Mode, Policy, Source};
use crate::store::{Store, StoreError, StoreSpec};

pub use attacker::Attacker;
pub use journal::Journal;
pub use replica::ReplicaSlot;

#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("session store: {0}")]
    Store(#[from] StoreError),
    #[error("issuer key: {0}")]
    Key(#[from] tokens::KeyError),
    #[error("cannot bind {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("http client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("configuration: {0}")]
    Config(String),
}

/// How to start the lab.
#[derive(Debug, Clone)]
pub struct LabConfig {
    pub bind: IpAddr,
    pub port: u16,
    pub replicas: u8,
    pub mode: Mode,
    pub store: StoreSpec,
    pub data_dir: PathBuf,
    pub admin_token: Option<String>,
    /// A host name browsers may use besides IP literals and `localhost` (`--public-host`).
    pub public_host: Option<String>,
    /// Timeouts, the connection cap, the attacker's period and the revoke grace (short in tests).
    pub limits: serve::Limits,
    /// If `port` is taken, take any free one instead of failing (the app does this).
    pub any_port_if_taken: bool,
    /// Access-token lifetime in seconds (`--token-ttl`), within [`crate::api::TOKEN_TTL_RANGE`].
    pub token_ttl_secs: u64,
    /// Whether `POST /admin/weakness` may turn a weak verifier on. True for a learner's own
    /// lab; `forgetful serve --admin-token` (a room's shared lab) makes it false unless
    /// `--allow-weaknesses`.
    pub allow_weaknesses: bool,
}

impl LabConfig {
    /// Defaults for tests and embedding: loopback, any free port, 3 replicas, local mode, SQLite in memory.
    pub fn ephemeral(data_dir: &Path) -> Self {
        LabConfig {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            replicas: 3,
            mode: Mode::Local,
            store: StoreSpec::Memory,
            data_dir: data_dir.to_path_buf(),
            admin_token: None,
            public_host: None,
            limits: serve::Limits::default(),
            any_port_if_taken: false,
            token_ttl_secs: crate::api::DEFAULT_TOKEN_TTL_SECS,
            allow_weaknesses: true,
        }
    }
}

/// State every part of the lab shares. Replicas keep their own memory in `replica::Memory`.
pub struct Core {
    pub run_id: String,
    pub started_at: String,
    mode: RwLock<Mode>,
    policy: RwLock<Policy>,
    denylist: AtomicBool,
    /// Access-token lifetime in seconds; changed live by `POST /admin/token-ttl`.
    token_ttl: AtomicU64,
    /// The weak verifiers every replica imitates, as [`tokens::Weaknesses`] bits.
    weaknesses: AtomicU8,
    allow_weaknesses: bool,
    /// Replicas refuse cross-site state changes carried by a cookie (`POST /admin/csrf`).
    csrf: AtomicBool,
    pub store: Arc<dyn Store>,
    store_kind: &'static str,
    shop: users::Shop,
    /// Shared by every lab in this process (see [`shared_passwords`]).
    passwords: Arc<users::PasswordChecker>,
    issuer: tokens::Issuer,
    pub journal: Journal,
    /// The replicas, in name order. A set that grows and shrinks while traffic runs
    /// (`POST /admin/replicas`, `DELETE /admin/replicas/{name}`): readers take a snapshot
    /// with [`Core::replicas`] and never hold the lock across an await.
    replicas: RwLock<Arc<Vec<Arc<ReplicaSlot>>>>,
    /// Serialises adding and removing replicas; also how many letters were handed out, so a
    /// removed replica's name is not given to a new one (until the alphabet runs out).
    scaling: tokio::sync::Mutex<u8>,
    pub attacker: Attacker,
    /// Pooled keep-alive client for JWKS fetches and the attacker (the balancer has its own).
    http: reqwest::Client,
    balancer_url: OnceLock<String>,
    issuer_url: OnceLock<String>,
    /// Timeouts, the connection cap and the clocks this lab runs by.
    pub limits: serve::Limits,
    /// This process's secret: only clients that hold it may tag requests `grader`,
    /// `attacker` or `lab` (published in the data dir for `forgetful check`).
    pub source_key: String,
}

impl Core {
    pub fn mode(&self) -> Mode {
        *self.mode.read().unwrap_or_else(|p| p.into_inner())
    }
    fn set_mode(&self, m: Mode) -> Mode {
        std::mem::replace(
            &mut *self.mode.write().unwrap_or_else(|p| p.into_inner()),
            m,
        )
    }
    pub fn policy(&self) -> Policy {
        *self.policy.read().unwrap_or_else(|p| p.into_inner())
    }
    fn set_policy(&self, p: Policy) {
        *self.policy.write().unwrap_or_else(|p| p.into_inner()) = p;
    }
    /// The replicas right now: a snapshot, cheap to take (one `Arc`), safe to keep.
    pub fn replicas(&self) -> Arc<Vec<Arc<ReplicaSlot>>> {
        self.replicas
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
    fn set_replicas(&self, list: Vec<Arc<ReplicaSlot>>) {
        *self.replicas.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(list);
    }
    pub fn denylist_on(&self) -> bool {
        self.denylist.load(Ordering::Relaxed)
    }
    pub fn token_ttl(&self) -> u64 {
        self.token_ttl.load(Ordering::Relaxed)
    }
    pub fn csrf_on(&self) -> bool {
        self.csrf.load(Ordering::Relaxed)
    }
    pub fn weaknesses(&self) -> tokens::Weaknesses {
        tokens::Weaknesses::from_bits(self.weaknesses.load(Ordering::Relaxed))
    }
    /// Turns one weakness on or off; returns whether that changed anything.
    fn set_weakness(&self, w: crate::api::Weakness, on: bool) -> bool {
        let old = self
            .weaknesses
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                Some(tokens::Weaknesses::from_bits(bits).with(w, on).bits())
            })
            .unwrap_or_default();
        tokens::Weaknesses::from_bits(old).contains(w) != on
    }
    /// The token and browser settings `/admin/state` shows beside the rest.
    pub fn security(&self) -> crate::api::LabSecurity {
        crate::api::LabSecurity {
            token_ttl_secs: self.token_ttl(),
            refresh_ttl_secs: crate::api::REFRESH_TTL_SECS,
            signing_kid: self.issuer.kid(),
            jwks_kids: self.issuer.kids(),
            weaknesses: self.weaknesses().list(),
            weaknesses_allowed: self.allow_weaknesses,
            csrf: self.csrf_on(),
        }
    }
    pub fn balancer_url(&self) -> String {
        self.balancer_url.get().cloned().unwrap_or_default()
    }
    fn issuer_url(&self) -> String {
        self.issuer_url.get().cloned().unwrap_or_default()
    }
    fn store_kind(&self) -> &'static str {
        self.store_kind
    }
}

/// A running lab. Dropping it does not stop it; call `shutdown`.
pub struct LabHandle {
    pub balancer_url: String,
    pub addr: SocketAddr,
    core: Arc<Core>,
    stop: Vec<oneshot::Sender<()>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl LabHandle {
    /// The secret the lab's own clients send with their source tag.
    pub fn source_key(&self) -> &str {
        &self.core.source_key
    }

    /// `(name, url)` of each replica.
    pub fn replica_urls(&self) -> Vec<(String, String)> {
        self.core
            .replicas()
            .iter()
            .map(|r| (r.name.clone(), r.url()))
            .collect()
    }
    pub fn mode(&self) -> Mode {
        self.core.mode()
    }
    pub fn store(&self) -> String {
        self.core.store.describe()
    }
    /// The shop's SQLite file: orders, the same in every mode.
    pub fn shop_path(&self) -> String {
        self.core.shop.path.clone()
    }
    pub fn journal(&self) -> tokio::sync::broadcast::Receiver<crate::api::JournalEntry> {
        self.core.journal.subscribe()
    }

    /// The newest `n` journal entries, oldest first (the workshop's view of a learner's lab).
    pub fn journal_tail(&self, n: usize) -> Vec<crate::api::JournalEntry> {
        let head = self.core.journal.head();
        self.core.journal.since(head.saturating_sub(n as u64), n)
    }

    /// Stops the attacker, every replica, the issuer and the balancer.
    pub async fn shutdown(self) {
        self.core
            .attacker
            .stop(&self.core, Source::Lab, "lab shut down");
        for r in self.core.replicas().iter() {
            replica::stop(r).await;
        }
        for s in self.stop {
            let _ = s.send(());
        }
        for t in self.tasks {
            let _ = tokio::time::timeout(Duration::from_secs(2), t).await;
        }
    }
}

/// One password checker for every lab in this process. Its thread keeps one Argon2 memory
/// block (7 MiB) for good; a workshop runs a lab per learner in one process, and a checker
/// per lab would keep a block per learner who ever logged in.
fn shared_passwords() -> Arc<users::PasswordChecker> {
    static SHARED: OnceLock<Arc<users::PasswordChecker>> = OnceLock::new();
    SHARED
        .get_or_init(|| Arc::new(users::PasswordChecker::start()))
        .clone()
}

/// Builds the lab's shared state (store, users, keys, journal, replica slots); nothing
/// listens yet. Handler tests drive routers built on it with `oneshot`, no sockets.
async fn core(cfg: &LabConfig) -> Result<Arc<Core>, LabError> {
    if !crate::api::TOKEN_TTL_RANGE.contains(&cfg.token_ttl_secs) {
        return Err(LabError::Config(format!(
            "token lifetime {} s is outside {:?} s",
            cfg.token_ttl_secs,
            crate::api::TOKEN_TTL_RANGE
        )));
    }
    let store = crate::store::open(&cfg.store, &cfg.data_dir).await?;
    let shop = users::Shop::open(&cfg.data_dir)?;
    let issuer = tokens::Issuer::load_or_create(&cfg.data_dir)?;
    let store_kind = match cfg.store {
        StoreSpec::Sqlite => "sqlite",
        StoreSpec::Memory => "sqlite in memory",
        StoreSpec::Redis(_) => "redis",
    };
    let http = reqwest::Client::builder()
        .pool_idle_timeout(crate::api::CLIENT_IDLE)
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let started = time::OffsetDateTime::now_utc();
    let core = Arc::new(Core {
        run_id: hex::encode(sessions::random_bytes::<6>()),
        started_at: started
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        mode: RwLock::new(cfg.mode),
        policy: RwLock::new(Policy::RoundRobin),
        denylist: AtomicBool::new(false),
        token_ttl: AtomicU64::new(cfg.token_ttl_secs),
        weaknesses: AtomicU8::new(0),
        allow_weaknesses: cfg.allow_weaknesses,
        csrf: AtomicBool::new(true),
        store,
        store_kind,
        shop,
        passwords: shared_passwords(),
        issuer,
        journal: Journal::new(),
        replicas: RwLock::new(Arc::new(
            (0..cfg.replicas)
                .map(|i| Arc::new(ReplicaSlot::new(((b'a' + i) as char).to_string())))
                .collect(),
        )),
        scaling: tokio::sync::Mutex::new(cfg.replicas),
        attacker: Attacker::default(),
        http,
        balancer_url: OnceLock::new(),
        issuer_url: OnceLock::new(),
        limits: cfg.limits,
        source_key: hex::encode(sessions::random_bytes::<16>()),
    });
    Ok(core)
}

/// Starts the issuer, the replicas and the balancer.
pub async fn start(cfg: LabConfig) -> Result<LabHandle, LabError> {
    let core = core(&cfg).await?;
    let mut stop = Vec::new();
    let mut tasks = Vec::new();

    // The issuer publishes its public keys; replicas fetch them from here when they start.
    let issuer_listener = bind(("127.0.0.1".parse().expect("ip"), 0)).await?;
    let _ = core.issuer_url.set(format!(
        "http://{}",
        issuer_listener
            .local_addr()
            .map_err(|e| bind_err("issuer", e))?
    ));
    // Read at each request: a key rotation shows at once.
    let issuer_core = core.clone();
    let issuer_app = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let jwks = issuer_core.issuer.jwks_json();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    jwks,
                )
            }
        }),
    );
    let (tx, rx) = oneshot::channel::<()>();
    stop.push(tx);
    let limits = core.limits;
    tasks.push(tokio::spawn(async move {
        serve::serve(issuer_listener, issuer_app, limits, "issuer".into(), rx).await;
    }));

    let listener = match bind((cfg.bind, cfg.port)).await {
        Err(LabError::Bind { source, .. })
            if cfg.any_port_if_taken && source.kind() == std::io::ErrorKind::AddrInUse =>
        {
            bind((cfg.bind, 0)).await?
        }
        other => other?,
    };
    let addr = listener.local_addr().map_err(|e| bind_err("balancer", e))?;
    let host = if addr.ip().is_unspecified() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let balancer_url = format!("http://{host}:{}", addr.port());
    let _ = core.balancer_url.set(balancer_url.clone());

    for slot in core.replicas().iter() {
        replica::start(core.clone(), slot.clone())
            .await
            .map_err(|e| bind_err(&format!("replica {}", slot.name), e))?;
    }

    let b = Arc::new(balancer::Balancer::new(
        core.clone(),
        cfg.admin_token.clone(),
        cfg.public_host.clone(),
    ));
    let relay = Arc::new(relay::Relay::new(b.clone()));
    let app = balancer::App::new(b);
    let (tx, rx) = oneshot::channel::<()>();
    stop.push(tx);
    let limits = core.limits;
    tasks.push(serve_on_own_thread(listener, app, relay, limits, rx)?);
    core.journal.control(
        Event::LabStarted,
        Source::Lab,
        cfg.mode,
        None,
        None,
        format!(
            "balancer {balancer_url}, {} replicas, mode {}, store {}",
            core.replicas().len(),
            cfg.mode,
            core.store.describe()
        ),
    );
    Ok(LabHandle {
        balancer_url,
        addr,
        core,
        stop,
        tasks,
    })
}

/// The balancer runs on a thread of its own with a single-threaded runtime, as a proxy like
/// nginx runs one event loop per worker: its connections, and its connections to the
/// replicas (polled by the requests using them), are driven on one thread without waking
/// tasks across threads for every request.
/// The returned task ends when the balancer has stopped.
fn serve_on_own_thread(
    listener: tokio::net::TcpListener,
    app: balancer::App,
    relay: Arc<relay::Relay>,
    limits: serve::Limits,
    stop: oneshot::Receiver<()>,
) -> Result<tokio::task::JoinHandle<()>, LabError> {
    let bind = |e: std::io::Error| bind_err("balancer", e);
    let listener = listener.into_std().map_err(bind)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(bind)?;
    let (done, finished) = oneshot::channel::<()>();
    std::thread::Builder::new()
        .name("balancer".into())
        .spawn(move || {
            rt.block_on(async move {
                match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => {
                        let forwarded_for = Some(balancer::ForwardedFor::new as fn(_) -> _);
                        let front: Option<Arc<dyn serve::Front>> = Some(relay);
                        serve::serve_with(
                            l,
                            app,
                            limits,
                            "balancer".into(),
                            stop,
                            forwarded_for,
                            front,
                        )
                        .await
                    }
                    Err(e) => tracing::error!("balancer: cannot listen: {e}"),
                }
            });
            let _ = done.send(());
        })
        .map_err(bind)?;
    Ok(tokio::spawn(async move {
        let _ = finished.await;
    }))
}

async fn bind(addr: (IpAddr, u16)) -> Result<tokio::net::TcpListener, LabError> {
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| LabError::Bind {
            addr: SocketAddr::from(addr).to_string(),
            source,
        })
}

fn bind_err(what: &str, source: std::io::Error) -> LabError {
    LabError::Bind {
        addr: what.to_string(),
        source,
    }
}

/// `forgetful serve`: the lab alone, a line per request, until Ctrl-C or SIGTERM.
pub fn serve_command(cfg: LabConfig) -> anyhow::Result<i32> {
    use anyhow::Context;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let mut stop = serve::StopSignal::listen().context("listening for Ctrl-C and SIGTERM")?;
        if !cfg.bind.is_loopback() {
            eprintln!(
                "warning: binding {} exposes the lab beyond this machine; its demo users and /admin are not meant for a network (use --admin-token)",
                cfg.bind
            );
        }
        let lab = start(cfg.clone())
            .await
            .with_context(|| format!("starting the lab on {}:{}", cfg.bind, cfg.port))?;
        let mut journal = lab.journal();
        crate::paths::publish_lab_url(&cfg.data_dir, &lab.balancer_url);
        crate::paths::publish_lab_key(&cfg.data_dir, lab.source_key());
        let mut banner = String::from("forgetful lab is up\n");
        banner += &format!("  balancer  {}\n", lab.balancer_url);
        for (name, url) in lab.replica_urls() {
            banner += &format!("  replica {name} {url}\n");
        }
        banner += &format!("  mode      {}\n", lab.mode());
        banner += &format!("  store     {}\n", lab.store());
        banner += &format!(
            "  orders    sqlite:{} (application data: the same in every mode)\n\n",
            lab.shop_path()
        );
        banner += "try:\n";
        banner += &format!(
            "  curl -i -c jar -H 'content-type: application/json' -d '{{\"username\":\"alice\",\"password\":\"wonderland\"}}' {}/login\n",
            lab.balancer_url
        );
        banner += &format!("  curl -i -b jar {}/orders\n\n", lab.balancer_url);
        banner += "one line per request below; Ctrl-C stops the lab";
        let mut out = serve::print_until_stopped(
            &mut stop,
            &banner,
            &mut journal,
            journal::print_line,
            "journal lines",
        )
        .await;
        out.line("stopping the lab");
        crate::paths::unpublish_lab_url(&cfg.data_dir, &lab.balancer_url);
        lab.shutdown().await;
        Ok(0)
    })
}
