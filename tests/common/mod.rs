//! Shared helpers for tests that run the lab over real HTTP on loopback.
#![allow(dead_code)]

pub mod tmux;

use std::time::{Duration, Instant};

use forgetful::api::{Event, JournalEntry, LabState, Mode, Source};
use forgetful::client::LabClient;
use forgetful::lab::serve::Limits;
use forgetful::lab::{LabConfig, LabHandle};
use forgetful::store::StoreSpec;
use serde_json::Value;

/// The clocks every test lab runs by: the attacker replays every 50 ms (not 250) and a revoke
/// must bite within 300 ms (not 1 s), so the tests that wait on them take a fraction of the time.
pub fn test_limits() -> Limits {
    Limits {
        attacker_period: Duration::from_millis(50),
        revoke_grace: Duration::from_millis(300),
        ..Limits::default()
    }
}

/// How long [`eventually`] waits: generous, since a debug build on two busy cores is slow.
pub const EVENTUALLY: Duration = Duration::from_secs(10);

/// Polls `probe` every 20 ms until it returns `Ok`, and returns that. For waiting on what the
/// lab does on its own time (the attacker's next request, a journal entry) instead of
/// sleeping a guessed while: quick on a quick machine, patient on a slow one. `Err` says what
/// the probe saw; after [`EVENTUALLY`] the last one is in the panic, with `what`.
pub async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + EVENTUALLY;
    loop {
        match probe().await {
            Ok(v) => return v,
            Err(seen) if Instant::now() >= deadline => {
                panic!("waited {EVENTUALLY:?} for {what}, in vain; last seen: {seen}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}

/// The attacker's requests since its latest start (all of them if it never started).
fn attacker_requests(journal: &[JournalEntry]) -> impl Iterator<Item = &JournalEntry> {
    let start = last_event(journal, Event::AttackerStarted).map_or(0, |e| e.id);
    journal
        .iter()
        .filter(move |e| e.id > start && e.source == Source::Attacker && e.is_request())
}

pub fn last_event(journal: &[JournalEntry], event: Event) -> Option<&JournalEntry> {
    journal.iter().rev().find(|e| e.event == Some(event))
}

/// The last few journal lines, for a panic message.
fn tail(journal: &[JournalEntry]) -> String {
    let lines: Vec<String> = journal
        .iter()
        .rev()
        .take(5)
        .rev()
        .map(|e| format!("{} {}", e.source, e.evidence_line()))
        .collect();
    format!("journal ends {lines:?}")
}

pub struct TestLab {
    pub lab: Option<LabHandle>,
    pub url: String,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

pub async fn start(mode: Mode) -> TestLab {
    start_with(mode, StoreSpec::Memory, None).await
}

pub async fn start_with(mode: Mode, store: StoreSpec, dir: Option<tempfile::TempDir>) -> TestLab {
    start_configured(mode, store, dir, |_| {}).await
}

/// As [`start_with`], with a last change to the config (short timeouts, a small cap).
pub async fn start_configured(
    mode: Mode,
    store: StoreSpec,
    dir: Option<tempfile::TempDir>,
    change: impl FnOnce(&mut LabConfig),
) -> TestLab {
    let dir = dir.unwrap_or_else(|| tempfile::tempdir().unwrap());
    let mut cfg = LabConfig::ephemeral(dir.path());
    cfg.mode = mode;
    cfg.store = store;
    cfg.limits = test_limits();
    change(&mut cfg);
    let lab = forgetful::lab::start(cfg).await.expect("lab starts");
    let url = lab.balancer_url.clone();
    TestLab {
        lab: Some(lab),
        url,
        dir,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

/// One answer: status, the replica that served it, the cookie it set, the JSON body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub served_by: String,
    pub sid: Option<String>,
    pub body: Value,
}

impl Answer {
    pub fn reason(&self) -> String {
        self.body["reason"].as_str().unwrap_or("").to_string()
    }
}

pub async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let served_by = resp
        .headers()
        .get("x-served-by")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let sid = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("sid="))
        .map(|v| v.split(';').next().unwrap().to_string())
        .filter(|v| !v.is_empty());
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("status {status}: body is not JSON ({e}): {text:?}"));
    Answer {
        status,
        served_by,
        sid,
        body,
    }
}

/// A credential to send: a session cookie or a bearer token.
#[derive(Debug, Clone)]
pub enum Cred {
    Cookie(String),
    Bearer(String),
}

impl TestLab {
    /// The lab's source key: what its own clients (the grader) send to be believed.
    pub fn key(&self) -> String {
        self.lab.as_ref().expect("running").source_key().to_string()
    }

    pub fn lab(&self) -> &LabHandle {
        self.lab.as_ref().unwrap()
    }

    pub fn replica_url(&self, name: &str) -> String {
        self.lab()
            .replica_urls()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, u)| u)
            .unwrap()
    }

    pub fn replicas(&self) -> Vec<String> {
        self.lab()
            .replica_urls()
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    }

    pub async fn login(&self, user: &str, password: &str) -> (Answer, Cred) {
        let a = answer(
            self.http
                .post(format!("{}/login", self.url))
                .json(&serde_json::json!({"username": user, "password": password}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(a.status, 200, "login failed: {:?}", a.body);
        let cred = match (&a.sid, a.body["token"].as_str()) {
            (Some(sid), _) => Cred::Cookie(sid.clone()),
            (None, Some(t)) => Cred::Bearer(t.to_string()),
            _ => panic!("login gave no credential: {:?}", a.body),
        };
        (a, cred)
    }

    pub async fn alice(&self) -> (Answer, Cred) {
        self.login("alice", "wonderland").await
    }

    /// GET `path` on `base` (the balancer or a replica URL) with `cred`.
    pub async fn get_at(&self, base: &str, path: &str, cred: Option<&Cred>) -> Answer {
        let mut rb = self.http.get(format!("{base}{path}"));
        rb = match cred {
            Some(Cred::Cookie(s)) => rb.header("cookie", format!("sid={s}")),
            Some(Cred::Bearer(t)) => rb.bearer_auth(t),
            None => rb,
        };
        answer(rb.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str, cred: Option<&Cred>) -> Answer {
        self.get_at(&self.url, path, cred).await
    }

    /// GET `path` on every replica directly: (replica, answer).
    pub async fn on_each(&self, path: &str, cred: &Cred) -> Vec<(String, Answer)> {
        let mut out = Vec::new();
        for (name, url) in self.lab().replica_urls() {
            out.push((name, self.get_at(&url, path, Some(cred)).await));
        }
        out
    }

    /// GET a JSON document from the balancer (the JWKS, /admin/state, the journal).
    pub async fn json(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: Value, cred: Option<&Cred>) -> Answer {
        let mut rb = self.http.post(format!("{}{path}", self.url)).json(&body);
        rb = match cred {
            Some(Cred::Cookie(s)) => rb.header("cookie", format!("sid={s}")),
            Some(Cred::Bearer(t)) => rb.bearer_auth(t),
            None => rb,
        };
        answer(rb.send().await.unwrap()).await
    }

    pub async fn admin(&self, path: &str, body: Value) -> Answer {
        self.post(&format!("/admin{path}"), body, None).await
    }

    pub async fn restart(&self, name: &str) {
        let a = self
            .admin(&format!("/replicas/{name}/restart"), Value::Null)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
    }

    /// The whole journal once `done` holds for it (see [`eventually`]).
    pub async fn journal_when(
        &self,
        what: &str,
        done: impl Fn(&[JournalEntry]) -> bool,
    ) -> Vec<JournalEntry> {
        let client = LabClient::new(&self.url, "learner");
        eventually(what, async || {
            let journal = client.journal(0).await.map_err(|e| e.to_string())?;
            if done(&journal) {
                Ok(journal)
            } else {
                Err(tail(&journal))
            }
        })
        .await
    }

    /// The lab's state once `done` holds for it (see [`eventually`]).
    pub async fn state_when(&self, what: &str, done: impl Fn(&LabState) -> bool) -> LabState {
        let client = LabClient::new(&self.url, "learner");
        eventually(what, async || {
            let state = client.state().await.map_err(|e| e.to_string())?;
            if done(&state) {
                Ok(state)
            } else {
                Err(format!("{state:?}"))
            }
        })
        .await
    }

    /// Waits until the attacker, since its latest start, has got in at least once.
    pub async fn attacker_got_in(&self) {
        self.journal_when("the attacker to get in", |j| {
            attacker_requests(j).any(|e| e.ok() && e.user.is_some())
        })
        .await;
    }

    /// Waits until the attacker has tried again after the latest revoke and the lab's grace
    /// after it: from then on the logout-now check can judge that revoke.
    pub async fn attacker_tried_after_revoke(&self) {
        let grace = LabClient::new(&self.url, "learner")
            .state()
            .await
            .unwrap()
            .revoke_grace_ms;
        self.journal_when("an attacker request after the revoke's grace", |j| {
            let Some(revoke) = last_event(j, Event::Revoke) else {
                return false;
            };
            attacker_requests(j).any(|e| e.ts_ms > revoke.ts_ms + grace)
        })
        .await;
    }

    pub async fn shutdown(mut self) -> tempfile::TempDir {
        self.lab.take().unwrap().shutdown().await;
        self.dir
    }
}

/// A Redis URL from `FORGETFUL_TEST_REDIS` (set by .ci/run). In CI a missing Redis is a failure.
pub fn redis_url() -> Option<String> {
    match std::env::var("FORGETFUL_TEST_REDIS") {
        Ok(u) if !u.is_empty() => Some(u),
        _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true but FORGETFUL_TEST_REDIS is not set: .ci/run must start redis-server")
        }
        _ => {
            eprintln!(
                "skipping: set FORGETFUL_TEST_REDIS=redis://127.0.0.1:PORT to run Redis tests"
            );
            None
        }
    }
}

/// A fresh directory, removed when dropped (named for easier debugging).
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        TempDir(
            tempfile::Builder::new()
                .prefix(&format!("forgetful-test-{name}-"))
                .tempdir()
                .expect("create temp dir"),
        )
    }

    pub fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

/// Names of the files in a directory, sorted.
pub fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
