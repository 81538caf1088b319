//! `forgetful load`: many simulated users against the lab, while a scenario happens to it.
//!
//! Logs in `users` users (alice and bob in turn, each login a session or token of its own),
//! then sends the route as fast as `connections` kept-alive connections allow (closed loop)
//! or at a fixed rate (open loop), for a duration, while the scenario stops, restarts or adds
//! replicas or pauses Redis. A line a second, a summary at the end, JSON and an SVG chart.
//!
//! Like the grader and the app, it reaches the lab over HTTP only (`client` for `/admin`,
//! hyper connections for the traffic): the command line hands it a URL, or a lab it started.

mod chat;
mod conn;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod stats;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use tokio::time::Instant;

use crate::api::{DEMO_USERS, Mode, Policy, SOURCE_HEADER, SOURCE_KEY_HEADER, Source};
use crate::client::{ClientError, LabClient};
pub use report::Summary;
pub use scenario::Scenario;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Lab(#[from] ClientError),
    #[error(
        "the route {0:?} is not METHOD /path (e.g. `GET /me`, `POST /orders {{\"item\":\"tea\"}}`)"
    )]
    Route(String),
    #[error("the lab URL {0:?} is not http://HOST:PORT")]
    Url(String),
    #[error("logging in {user} failed: {status} {reason}")]
    Login {
        user: String,
        status: u16,
        reason: String,
    },
    #[error(
        "redis-outage pauses the lab's Redis, and this lab's session store is {store}: start it with --store redis://HOST:PORT"
    )]
    NeedsRedis { store: String },
    #[error("{0}")]
    Scenario(String),
    #[error("writing the chart {path}: {reason}")]
    Plot { path: PathBuf, reason: String },
}

/// A route to drive: method, path and an optional JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    pub path: String,
    pub body: Option<String>,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)?;
        if let Some(b) = &self.body {
            write!(f, " {b}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Route {
    type Err = String;
    /// `GET /me`, `/me` (GET), `POST /orders {"item":"tea"}`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || LoadError::Route(s.to_string()).to_string();
        let s = s.trim();
        let (method, rest) = if s.starts_with('/') {
            ("GET", s)
        } else {
            s.split_once(char::is_whitespace).ok_or_else(bad)?
        };
        let rest = rest.trim_start();
        let (path, body) = match rest.split_once(char::is_whitespace) {
            Some((p, b)) if !b.trim().is_empty() => (p, Some(b.trim().to_string())),
            _ => (rest, None),
        };
        let method =
            Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(|_| bad())?;
        if !path.starts_with('/') || path.parse::<axum::http::uri::PathAndQuery>().is_err() {
            return Err(bad());
        }
        if let Some(b) = &body
            && serde_json::from_str::<serde_json::Value>(b).is_err()
        {
            return Err(format!("the body of {s:?} is not JSON"));
        }
        Ok(Route {
            method,
            path: path.to_string(),
            body,
        })
    }
}

/// `20s`, `500ms`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map_or((s, ""), |i| s.split_at(i));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration: write e.g. 20s, 500ms or 2m"))?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        other => return Err(format!("unknown unit {other:?} in {s:?}: use ms, s or m")),
    };
    if !(1.0..=3600.0).contains(&secs) {
        return Err(format!("{s:?}: a run lasts 1 s to 1 hour"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// How hard to push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drive {
    /// `connections` connections, each sending its next request as soon as the last is answered.
    Closed { connections: u32 },
    /// `rate` requests a second, spread over `connections` connections.
    Rate { rate: u32, connections: u32 },
}

impl Drive {
    pub fn connections(self) -> u32 {
        match self {
            Drive::Closed { connections } | Drive::Rate { connections, .. } => connections,
        }
    }
}

impl std::fmt::Display for Drive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drive::Closed { connections } => {
                write!(f, "closed loop, {connections} connections")
            }
            Drive::Rate { rate, connections } => {
                write!(f, "{rate} requests/s over {connections} connections")
            }
        }
    }
}

/// `forgetful load`'s arguments (the command line builds these; nothing here knows clap).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadArgs {
    pub users: u32,
    pub route: Route,
    pub drive: Drive,
    pub duration: Duration,
    pub scenario: Scenario,
    /// Switch the lab to this mode first (and back afterwards, on a lab that outlives the run).
    pub mode: Option<Mode>,
    /// Switch the balancer to this policy first (likewise put back).
    pub policy: Option<Policy>,
    pub json: bool,
    pub plot: Option<PathBuf>,
    /// WebSocket chat clients to hold open through the balancer (`GET /ws/chat`), each
    /// reconnecting when its replica drops it.
    pub chat: u32,
}

impl Default for LoadArgs {
    fn default() -> Self {
        LoadArgs {
            users: 50,
            route: Route {
                method: Method::GET,
                path: "/me".into(),
                body: None,
            },
            drive: Drive::Rate {
                rate: 200,
                connections: 16,
            },
            duration: Duration::from_secs(20),
            scenario: Scenario::Steady,
            mode: None,
            policy: Some(Policy::Sticky),
            json: false,
            plot: None,
            chat: 0,
        }
    }
}

/// What the run tells whoever watches it, as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A line to print: the setup, one per second, an event.
    Line(String),
    /// Seconds of traffic so far (for a progress bar).
    Elapsed(f64),
    /// Traffic starts now: the lab as the run found it after its own changes, and when (Unix
    /// milliseconds, on this machine's clock, like the journal's `ts_ms`).
    Started {
        unix_ms: u64,
        mode: Mode,
        policy: Policy,
        replicas: Vec<String>,
        users: usize,
        duration_s: f64,
    },
    /// One second of the run, as the line says it, with how many users are logged out so far.
    Second {
        second: stats::Second,
        logged_out: usize,
    },
    /// Something the scenario did.
    Event(scenario::Happened),
}

/// Ends a run early, from another task: the traffic stops, what the run changed is put back,
/// and the summary covers the time it ran.
pub use tokio_util::sync::CancellationToken as StopRun;

/// Runs the load against the lab at `url` (its source `key` when known, so the journal
/// tags the traffic `load`), and returns the summary. With `restore`, what the run changed
/// (mode, policy, replicas) is put back afterwards.
pub async fn run(
    args: &LoadArgs,
    url: &str,
    key: Option<String>,
    restore: bool,
    out: &mut (dyn FnMut(Update) + Send),
) -> Result<Summary, LoadError> {
    run_until(args, url, key, restore, &StopRun::new(), out).await
}

/// [`run`], ended early when `stop` is cancelled (the app's load pane stops a run this way).
pub async fn run_until(
    args: &LoadArgs,
    url: &str,
    key: Option<String>,
    restore: bool,
    stop: &StopRun,
    out: &mut (dyn FnMut(Update) + Send),
) -> Result<Summary, LoadError> {
    let client = LabClient::new(url, Source::Load.as_str()).with_key(key.clone());
    let before = client.state().await?;
    let steps = scenario::plan(args.scenario, &before, args.duration)?;
    let addr = balancer_addr(url).await?;

    // What to put back afterwards: the mode and policy this run changed.
    let mut old_mode = None;
    if let Some(mode) = args.mode.filter(|m| *m != before.mode) {
        client.set_mode(mode).await?;
        old_mode = Some(before.mode);
    }
    let mut old_policy = None;
    if let Some(policy) = args.policy.filter(|p| *p != before.policy) {
        client.set_policy(policy).await?;
        old_policy = Some(before.policy);
    }
    let state = client.state().await?;
    out(Update::Line(format!(
        "load: {} · mode {} · policy {} · store {} · {} replicas",
        url,
        state.mode,
        state.policy,
        state.store,
        state.replicas.iter().filter(|r| r.up).count()
    )));
    out(Update::Line(format!(
        "logging in {} users (alice and bob in turn, a session or token each)…",
        args.users
    )));
    let users = log_in(&client, args.users).await?;

    let mut tags = vec![(
        HeaderName::from_static(SOURCE_HEADER),
        HeaderValue::from_static(Source::Load.as_str()),
    )];
    if let Some(k) = key.as_deref().and_then(|k| HeaderValue::from_str(k).ok()) {
        tags.push((HeaderName::from_static(SOURCE_KEY_HEADER), k));
    }
    let host = HeaderValue::from_str(&addr.to_string()).map_err(|_| LoadError::Url(url.into()))?;
    out(Update::Line(format!(
        "{} for {:.0} s · {} · scenario {}{}",
        args.route,
        args.duration.as_secs_f64(),
        args.drive,
        args.scenario,
        if args.chat > 0 {
            format!(" · {} chat clients", args.chat)
        } else {
            String::new()
        }
    )));
    let started = Instant::now();
    out(Update::Started {
        unix_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        mode: state.mode,
        policy: state.policy,
        replicas: state.replicas.iter().map(|r| r.name.clone()).collect(),
        users: users.len(),
        duration_s: args.duration.as_secs_f64(),
    });
    let plan = Arc::new(conn::Plan {
        addr,
        host,
        method: args.route.method.clone(),
        path: args
            .route
            .path
            .parse()
            .map_err(|_| LoadError::Route(args.route.to_string()))?,
        body: args.route.body.clone().map(Into::into),
        tags,
        users,
        next_user: Default::default(),
        started,
        deadline: started + args.duration,
        stop: stop.clone(),
    });

    // The traffic: one task per connection.
    let n = args.drive.connections().max(1);
    let mut windows = Vec::new();
    let mut workers = Vec::new();
    for i in 0..n {
        let window = Arc::new(Mutex::new(stats::Window::default()));
        windows.push(window.clone());
        let pace = match args.drive {
            Drive::Closed { .. } => conn::Pace::Closed,
            Drive::Rate { rate, .. } => {
                let rate = rate.max(1) as f64;
                conn::Pace::Every {
                    first: started + Duration::from_secs_f64(i as f64 / rate),
                    interval: Duration::from_secs_f64(n as f64 / rate),
                }
            }
        };
        workers.push(tokio::spawn(conn::run(plan.clone(), window, pace)));
    }
    // The chat clients, if any: each holds a WebSocket open and reconnects when dropped.
    let chat_counts = Arc::new(chat::Counts::default());
    let chat_target = chat::Target {
        addr,
        tags: plan.tags.clone(),
    };
    let chat_tasks: Vec<_> = (0..args.chat)
        .map(|i| {
            tokio::spawn(chat::hold(
                chat_target.clone(),
                i,
                chat_counts.clone(),
                plan.deadline,
                stop.clone(),
            ))
        })
        .collect();
    let mut chat_before = (0, 0);
    // The scenario, on its own clock.
    let (tx, mut happened_rx) = tokio::sync::mpsc::unbounded_channel();
    let scenario_task = tokio::spawn(scenario::perform(
        client.as_source(Source::Load.as_str()),
        steps,
        started,
        tx,
        stop.clone(),
    ));

    // A line a second; events as they happen.
    let mut seconds: Vec<stats::Second> = Vec::new();
    let mut total = stats::Merge::default();
    let mut happened = Vec::new();
    let mut deadline = started + args.duration;
    let mut k = 1u32;
    loop {
        let at = (started + Duration::from_secs(k as u64)).min(deadline);
        tokio::select! {
            _ = tokio::time::sleep_until(at) => {
                let mut m = stats::Merge::default();
                for w in &windows {
                    m.take(&mut w.lock().unwrap_or_else(|p| p.into_inner()));
                }
                let t = (at - started).as_secs_f64();
                let mut second = m.second(t);
                if args.chat > 0 {
                    second.chat = Some(chat_counts.second(&mut chat_before));
                }
                out(Update::Line(report::second_line(&second, &plan.users)));
                out(Update::Elapsed(t));
                out(Update::Second {
                    logged_out: plan.users.iter().filter(|u| u.first_401().is_some()).count(),
                    second: second.clone(),
                });
                seconds.push(second);
                total.add(&m);
                if at >= deadline {
                    break;
                }
                k += 1;
            }
            Some(h) = happened_rx.recv() => {
                out(Update::Line(report::event_line(&h)));
                out(Update::Event(h.clone()));
                happened.push(h);
            }
            // Stopped early: this second closes now, and it is the last.
            _ = stop.cancelled(), if deadline > Instant::now() => {
                deadline = Instant::now().max(started + Duration::from_millis(1));
                out(Update::Line("stopped early".into()));
            }
        }
    }
    for w in workers {
        let _ = w.await;
    }
    for c in chat_tasks {
        let _ = c.await;
    }
    // Answers that landed as the last second closed belong to it.
    let mut late = stats::Merge::default();
    for w in &windows {
        late.take(&mut w.lock().unwrap_or_else(|p| p.into_inner()));
    }
    if late.requests > 0 {
        total.add(&late);
        if let Some(last) = seconds.last_mut() {
            stats::fold_late(last, &late);
        }
    }
    let undo = match tokio::time::timeout(Duration::from_secs(30), scenario_task).await {
        Ok(Ok(undo)) => undo,
        _ => Vec::new(),
    };
    while let Ok(h) = happened_rx.try_recv() {
        out(Update::Line(report::event_line(&h)));
        out(Update::Event(h.clone()));
        happened.push(h);
    }
    let mut restored = Vec::new();
    if restore {
        restored.extend(scenario::undo(&client, undo).await);
        if let Some(old) = old_mode {
            restored.push(match client.set_mode(old).await {
                Ok(_) => format!("mode back to {old}"),
                Err(e) => format!("could not put the mode back to {old}: {e}"),
            });
        }
        if let Some(old) = old_policy {
            restored.push(match client.set_policy(old).await {
                Ok(_) => format!("policy back to {old}"),
                Err(e) => format!("could not put the policy back to {old}: {e}"),
            });
        }
    }
    let chat = (args.chat > 0).then(|| report::ChatSummary {
        clients: args.chat,
        drops: chat_counts.drops.load(std::sync::atomic::Ordering::Relaxed),
        reconnects: chat_counts
            .reconnects
            .load(std::sync::atomic::Ordering::Relaxed),
    });
    Ok(report::summarise(report::Run {
        args,
        chat,
        duration: deadline - started,
        url,
        state: &state,
        total: &total,
        seconds,
        users: &plan.users,
        happened,
        restored,
    }))
}

/// The balancer's socket address, from `http://HOST:PORT`.
async fn balancer_addr(url: &str) -> Result<std::net::SocketAddr, LoadError> {
    let bad = || LoadError::Url(url.to_string());
    let parsed = reqwest::Url::parse(url).map_err(|_| bad())?;
    if parsed.scheme() != "http" {
        return Err(bad());
    }
    let host = parsed.host_str().ok_or_else(bad)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = parsed.port_or_known_default().ok_or_else(bad)?;
    tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| bad())?
        .next()
        .ok_or_else(bad)
}

/// `n` logins, alice and bob in turn, eight at a time; each its own session or token.
async fn log_in(client: &LabClient, n: u32) -> Result<Vec<conn::User>, LoadError> {
    let logins = futures_util::stream::iter(0..n)
        .map(|i| async move {
            let (name, password, _) = DEMO_USERS[i as usize % DEMO_USERS.len()];
            let label = format!("{name}#{}", i + 1);
            let body = serde_json::json!({"username": name, "password": password}).to_string();
            let ex = client
                .send(
                    None,
                    "POST",
                    "/login",
                    &[("content-type".into(), "application/json".into())],
                    Some(body),
                )
                .await?;
            if ex.status != 200 {
                return Err(LoadError::Login {
                    user: label,
                    status: ex.status,
                    reason: ex.reason().unwrap_or_else(|| ex.body.clone()),
                });
            }
            let cookie = ex
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
                .find_map(|(_, v)| v.strip_prefix("sid="))
                .and_then(|v| v.split(';').next())
                .filter(|v| !v.is_empty());
            let token = serde_json::from_str::<serde_json::Value>(&ex.body)
                .ok()
                .and_then(|b| b["token"].as_str().map(str::to_string));
            let (header, value) = match (cookie, token) {
                (Some(sid), _) => (header::COOKIE, format!("sid={sid}")),
                (None, Some(t)) => (header::AUTHORIZATION, format!("Bearer {t}")),
                (None, None) => {
                    return Err(LoadError::Login {
                        user: label,
                        status: ex.status,
                        reason: "the answer carried neither a cookie nor a token".into(),
                    });
                }
            };
            let value = HeaderValue::from_str(&value).map_err(|_| LoadError::Login {
                user: label.clone(),
                status: ex.status,
                reason: "the credential is not a valid header value".into(),
            })?;
            let replica = ex.served_by().unwrap_or("?").to_string();
            Ok(conn::User::new(label, header, value, replica))
        })
        .buffered(8)
        .collect::<Vec<_>>()
        .await;
    logins.into_iter().collect()
}

/// Which lab `forgetful load` runs against.
pub enum Target {
    /// `--url`: that lab, or an error if it does not answer.
    Url { url: String, key: Option<String> },
    /// The lab `forgetful serve` or the app published in the data dir, if it answers; else
    /// the embedded one.
    Published {
        url: String,
        key: Option<String>,
        otherwise: BoxFuture<'static, Result<Embedded, String>>,
    },
    /// A lab started in this process for the run.
    Embedded(BoxFuture<'static, Result<Embedded, String>>),
}

/// A lab the command line started for the run.
pub struct Embedded {
    pub url: String,
    pub key: String,
    /// What it is, for the first line ("3 replicas, store memory").
    pub describe: String,
    pub stop: BoxFuture<'static, ()>,
}

/// `forgetful load`: runs, prints, writes the chart; exit code 0 when it ran.
pub fn load_command(args: LoadArgs, target: Target) -> anyhow::Result<i32> {
    use anyhow::Context;
    use std::io::IsTerminal;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        let (url, key, embedded_stop) = match target {
            Target::Url { url, key } => (url, key, None),
            Target::Published {
                url,
                key,
                otherwise,
            } => {
                let probe = LabClient::new(&url, Source::Load.as_str());
                if probe.state().await.is_ok() {
                    eprintln!("load: using the lab published in the data dir at {url}");
                    (url, key, None)
                } else {
                    eprintln!(
                        "load: the lab published at {url} does not answer; starting one in-process"
                    );
                    let lab = otherwise.await.map_err(anyhow::Error::msg)?;
                    eprintln!("load: lab started in-process ({})", lab.describe);
                    (lab.url, Some(lab.key), Some(lab.stop))
                }
            }
            Target::Embedded(start) => {
                let lab = start.await.map_err(anyhow::Error::msg)?;
                eprintln!("load: lab started in-process ({})", lab.describe);
                (lab.url, Some(lab.key), Some(lab.stop))
            }
        };
        let restore = embedded_stop.is_none();
        let terminal = std::io::stdout().is_terminal() && !args.json;
        let bar = terminal.then(|| {
            let pb = indicatif::ProgressBar::new(args.duration.as_secs().max(1));
            pb.set_style(
                indicatif::ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} s  {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            pb
        });
        let json = args.json;
        let mut out = |u: Update| match (u, &bar) {
            (Update::Line(l), Some(pb)) => pb.println(l),
            (Update::Line(l), None) if json => eprintln!("{l}"),
            (Update::Line(l), None) => {
                // A closed pipe only loses the live lines; the run and its summary go on.
                let _ = crate::stdout::text(&(l + "\n"));
            }
            (Update::Elapsed(t), Some(pb)) => pb.set_position(t as u64),
            (Update::Elapsed(_), None) => {}
            (Update::Started { .. } | Update::Second { .. } | Update::Event(_), _) => {}
        };
        let result = run(&args, &url, key, restore, &mut out).await;
        if let Some(pb) = &bar {
            pb.finish_and_clear();
        }
        if let Some(stop) = embedded_stop {
            stop.await;
        }
        let summary = result?;
        if args.json {
            crate::stdout::text(&(serde_json::to_string_pretty(&summary)? + "\n"))?;
        } else {
            crate::stdout::text(&report::table(&summary))?;
        }
        if let Some(path) = &args.plot {
            plot::write(&summary, path)?;
            eprintln!("load: chart written to {}", path.display());
        }
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_read_like_the_console_request_line() {
        let r: Route = "GET /me".parse().unwrap();
        assert_eq!(
            (r.method, r.path.as_str(), r.body),
            (Method::GET, "/me", None)
        );
        let r: Route = "/orders".parse().unwrap();
        assert_eq!(r.method, Method::GET);
        let r: Route = r#"post /orders {"item": "tea"}"#.parse().unwrap();
        assert_eq!(r.method, Method::POST);
        assert_eq!(r.body.as_deref(), Some(r#"{"item": "tea"}"#));
        assert_eq!(r.to_string(), r#"POST /orders {"item": "tea"}"#);
        for bad in ["", "GET", "GET me", "POST /orders {not json"] {
            assert!(bad.parse::<Route>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("20s"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("20"), Ok(Duration::from_secs(20)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("2.5s"), Ok(Duration::from_millis(2500)));
        assert!(
            parse_duration("500ms")
                .unwrap_err()
                .contains("1 s to 1 hour")
        );
        assert!(parse_duration("3h").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("soon").is_err());
    }
}
