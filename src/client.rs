//! The lab seen from outside: typed calls to `/admin/*`, the journal feed, and plain requests.
//!
//! The grader and the TUI use this and nothing else to reach the lab, exactly as curl would.

use std::time::Duration;

use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use tokio_util::codec::{FramedRead, LinesCodec};
use tokio_util::io::StreamReader;

use crate::api::class::{ClassSummary, LearnerDetail, ReviewAnswer, ReviewBody};
use crate::api::{
    AttackerStatus, BadgeVerdict, ErrorBody, FullLabState, JournalEntry, LabState, Mode, Policy,
    Role, SOURCE_HEADER, StolenCredential, Weakness,
};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "the lab at {url} is not reachable ({source}); start it with `forgetful serve` or `forgetful`"
    )]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{status}: {reason}")]
    Refused { status: u16, reason: String },
    #[error("unexpected answer from the lab: {0}")]
    Decode(String),
}

/// The longest journal line the client reads; the lab bounds every field it journals, so a
/// real entry is a few hundred bytes.
const MAX_JOURNAL_LINE: usize = 64 * 1024;

/// One HTTP exchange, as the console and the grader's probes see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub elapsed: Duration,
}

impl Exchange {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn served_by(&self) -> Option<&str> {
        self.header(crate::api::SERVED_BY_HEADER)
    }
    /// The `reason` of a JSON error body.
    pub fn reason(&self) -> Option<String> {
        serde_json::from_str::<ErrorBody>(&self.body)
            .ok()
            .map(|e| e.reason)
    }
}

/// Part of the wire contract (the lab's route parses it); named here too for callers.
pub use crate::api::ReplicaAction;

/// What the command line knows about one lab's address beyond the address: the admin token
/// its `/admin` wants and its source key. A learner who joined a workshop has both for their
/// own lab; every client made for that address (the app's, the checks') then sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabCredentials {
    pub admin_token: Option<String>,
    pub key: Option<String>,
}

static KNOWN_LABS: std::sync::RwLock<Vec<(String, LabCredentials)>> =
    std::sync::RwLock::new(Vec::new());

fn normalise(base: &str) -> String {
    base.trim_end_matches('/').to_ascii_lowercase()
}

/// From now on, clients made for `base` send these credentials (an admin token given this
/// way wins over `FORGETFUL_ADMIN_TOKEN`, which is meant for other labs).
pub fn remember_lab(base: &str, creds: LabCredentials) {
    let mut known = KNOWN_LABS.write().unwrap_or_else(|p| p.into_inner());
    let base = normalise(base);
    known.retain(|(b, _)| *b != base);
    known.push((base, creds));
}

fn known_lab(base: &str) -> Option<LabCredentials> {
    let base = normalise(base);
    KNOWN_LABS
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|(b, _)| *b == base)
        .map(|(_, c)| c.clone())
}

#[derive(Clone)]
pub struct LabClient {
    base: String,
    source: String,
    admin_token: Option<String>,
    /// The lab's source key, when this client is one of the lab's own (the grader).
    key: Option<String>,
    http: reqwest::Client,
    /// No overall timeout: used for the journal stream.
    streaming: reqwest::Client,
}

impl LabClient {
    /// `base` is the balancer URL; `source` tags every request in the journal
    /// (`learner`, `console`, `grader`, ...).
    pub fn new(base: &str, source: &str) -> Self {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(crate::api::CLIENT_IDLE)
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a plain HTTP client always builds");
        let streaming = reqwest::Client::builder()
            .pool_idle_timeout(crate::api::CLIENT_IDLE)
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("a plain HTTP client always builds");
        let known = known_lab(base).unwrap_or_default();
        LabClient {
            base: base.trim_end_matches('/').to_string(),
            source: source.to_string(),
            admin_token: known.admin_token.or_else(|| {
                std::env::var("FORGETFUL_ADMIN_TOKEN")
                    .ok()
                    .filter(|t| !t.is_empty())
            }),
            key: known.key,
            http,
            streaming,
        }
    }

    /// With the lab's source key, so a `grader` tag is believed (see `SOURCE_KEY_HEADER`).
    /// `None` keeps the key the client already has (one remembered for its address, if any).
    pub fn with_key(mut self, key: Option<String>) -> Self {
        if key.is_some() {
            self.key = key;
        }
        self
    }

    /// The same client (address, key, admin token) tagging its requests as `source`.
    pub fn as_source(&self, source: &str) -> Self {
        LabClient {
            source: source.to_string(),
            ..self.clone()
        }
    }

    /// The source tag, and the key when this client has it.
    fn tag(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let rb = rb.header(SOURCE_HEADER, &self.source);
        match &self.key {
            Some(k) => rb.header(crate::api::SOURCE_KEY_HEADER, k),
            None => rb,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The lab's source key, when this client has it.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    fn unreachable(&self, source: reqwest::Error) -> ClientError {
        ClientError::Unreachable {
            url: self.base.clone(),
            source,
        }
    }

    fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut rb = self.tag(
            self.http
                .request(method, format!("{}/admin{path}", self.base)),
        );
        if let Some(t) = &self.admin_token {
            rb = rb.bearer_auth(t);
        }
        rb
    }

    async fn call<T: DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let resp = rb.send().await.map_err(|e| self.unreachable(e))?;
        let status = resp.status();
        let text = resp.text().await.map_err(|e| self.unreachable(e))?;
        if !status.is_success() {
            let reason = serde_json::from_str::<ErrorBody>(&text)
                .map(|e| e.reason)
                .unwrap_or(text);
            return Err(ClientError::Refused {
                status: status.as_u16(),
                reason,
            });
        }
        serde_json::from_str(&text).map_err(|e| ClientError::Decode(format!("{e}: {text}")))
    }

    pub async fn state(&self) -> Result<LabState, ClientError> {
        self.call(self.admin(reqwest::Method::GET, "/state")).await
    }

    /// The state with the lab's token and browser settings beside it ([`FullLabState`]).
    pub async fn full_state(&self) -> Result<FullLabState, ClientError> {
        self.call(self.admin(reqwest::Method::GET, "/state")).await
    }

    /// Changes `user`'s role in the lab's user table.
    pub async fn set_role(&self, user: &str, role: Role) -> Result<serde_json::Value, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, &format!("/users/{user}/role"))
                .json(&serde_json::json!({"role": role})),
        )
        .await
    }

    /// The lifetime of access tokens issued from now on, in seconds.
    pub async fn set_token_ttl(&self, seconds: u64) -> Result<FullLabState, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/token-ttl")
                .json(&serde_json::json!({"seconds": seconds})),
        )
        .await
    }

    /// A new signing key for the lab's issuer.
    pub async fn rotate_key(&self) -> Result<FullLabState, ClientError> {
        self.call(self.admin(reqwest::Method::POST, "/rotate-key"))
            .await
    }

    /// Turns one weak verifier on or off on every replica.
    pub async fn set_weakness(
        &self,
        weakness: Weakness,
        enabled: bool,
    ) -> Result<FullLabState, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/weakness")
                .json(&serde_json::json!({"name": weakness, "enabled": enabled})),
        )
        .await
    }

    /// Turns the replicas' cross-site (CSRF) check on or off.
    pub async fn set_csrf(&self, enabled: bool) -> Result<FullLabState, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/csrf")
                .json(&serde_json::json!({"enabled": enabled})),
        )
        .await
    }

    pub async fn set_mode(&self, mode: Mode) -> Result<LabState, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/mode")
                .json(&serde_json::json!({"mode": mode})),
        )
        .await
    }

    pub async fn set_policy(&self, policy: Policy) -> Result<LabState, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/policy")
                .json(&serde_json::json!({"policy": policy})),
        )
        .await
    }

    pub async fn replica(
        &self,
        name: &str,
        action: ReplicaAction,
    ) -> Result<LabState, ClientError> {
        self.call(self.admin(
            reqwest::Method::POST,
            &format!("/replicas/{name}/{}", action.as_str()),
        ))
        .await
    }

    /// `POST /admin/replicas {"add": n}`: n new replicas (1 to 5; the lab runs at most 9).
    pub async fn add_replicas(&self, n: u8) -> Result<LabState, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/replicas")
                .json(&serde_json::json!({"add": n})),
        )
        .await
    }

    /// `DELETE /admin/replicas/{name}`: stops the replica and takes it out of the set.
    pub async fn remove_replica(&self, name: &str) -> Result<LabState, ClientError> {
        self.call(self.admin(reqwest::Method::DELETE, &format!("/replicas/{name}")))
            .await
    }

    pub async fn set_denylist(&self, enabled: bool) -> Result<LabState, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/denylist")
                .json(&serde_json::json!({"enabled": enabled})),
        )
        .await
    }

    pub async fn revoke(&self, user: &str) -> Result<serde_json::Value, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/revoke")
                .json(&serde_json::json!({"user": user})),
        )
        .await
    }

    pub async fn start_attacker(&self, user: &str) -> Result<AttackerStatus, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/attacker")
                .json(&serde_json::json!({"user": user})),
        )
        .await
    }

    pub async fn stop_attacker(&self) -> Result<AttackerStatus, ClientError> {
        self.call(self.admin(reqwest::Method::DELETE, "/attacker"))
            .await
    }

    pub async fn stolen_credential(&self) -> Result<StolenCredential, ClientError> {
        self.call(self.admin(reqwest::Method::GET, "/attacker/credential"))
            .await
    }

    pub async fn check_badge(&self, badge: &str) -> Result<BadgeVerdict, ClientError> {
        self.call(
            self.admin(reqwest::Method::POST, "/badge")
                .json(&serde_json::json!({"badge": badge})),
        )
        .await
    }

    /// Entries after `since` (0: everything the lab still holds), page by page.
    pub async fn journal(&self, since: u64) -> Result<Vec<JournalEntry>, ClientError> {
        const PAGE: usize = 1000;
        let mut out: Vec<JournalEntry> = Vec::new();
        let mut after = since;
        loop {
            let page: Vec<JournalEntry> = self
                .call(self.admin(
                    reqwest::Method::GET,
                    &format!("/journal?after={after}&limit={PAGE}"),
                ))
                .await?;
            let full = page.len() == PAGE;
            match page.last() {
                Some(last) => after = last.id,
                None => break,
            }
            out.extend(page);
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// The live feed: entries after `since`, then each new one as it happens.
    pub async fn journal_stream(
        &self,
        since: u64,
    ) -> Result<impl Stream<Item = Result<JournalEntry, ClientError>> + use<>, ClientError> {
        self.journal_stream_skipping(since, None).await
    }

    /// [`Self::journal_stream`] without the requests tagged `skip` (their control events
    /// still come): the app leaves out `load`'s traffic, thousands of entries a second.
    pub async fn journal_stream_skipping(
        &self,
        since: u64,
        skip: Option<crate::api::Source>,
    ) -> Result<impl Stream<Item = Result<JournalEntry, ClientError>> + use<>, ClientError> {
        let skip = skip.map(|s| format!("&skip={s}")).unwrap_or_default();
        let mut rb = self.tag(self.streaming.get(format!(
            "{}/admin/journal/stream?since={since}{skip}",
            self.base
        )));
        if let Some(t) = &self.admin_token {
            rb = rb.bearer_auth(t);
        }
        let resp = rb.send().await.map_err(|e| self.unreachable(e))?;
        if !resp.status().is_success() {
            return Err(ClientError::Refused {
                status: resp.status().as_u16(),
                reason: resp.text().await.unwrap_or_default(),
            });
        }
        let base = self.base.clone();
        let bytes = resp
            .bytes_stream()
            .map(|r| r.map_err(std::io::Error::other));
        // One entry per line; a line longer than any entry the lab writes ends the stream
        // (the caller reconnects) rather than growing a buffer without bound.
        let lines = FramedRead::new(
            StreamReader::new(bytes),
            LinesCodec::new_with_max_length(MAX_JOURNAL_LINE),
        );
        Ok(lines.filter_map(move |line| {
            let base = base.clone();
            async move {
                match line {
                    Err(e) => Some(Err(ClientError::Decode(format!(
                        "the journal stream from {base} broke: {e}"
                    )))),
                    // `{"lagged": n}` lines say entries were skipped; the caller can refetch.
                    Ok(l) => serde_json::from_str::<JournalEntry>(&l).ok().map(Ok),
                }
            }
        }))
    }

    /// Sends a request to the balancer (or to `url_base`, e.g. one replica), tagged with this
    /// client's source.
    pub async fn send(
        &self,
        url_base: Option<&str>,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: Option<String>,
    ) -> Result<Exchange, ClientError> {
        let base = url_base.unwrap_or(&self.base).trim_end_matches('/');
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| ClientError::Decode(format!("{method:?} is not an HTTP method")))?;
        let mut rb = self.tag(self.http.request(method, format!("{base}{path}")));
        for (k, v) in headers {
            rb = rb.header(k, v);
        }
        if let Some(b) = body {
            rb = rb.body(b);
        }
        let started = std::time::Instant::now();
        let resp = rb.send().await.map_err(|e| ClientError::Unreachable {
            url: base.to_string(),
            source: e,
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp.text().await.map_err(|e| ClientError::Unreachable {
            url: base.to_string(),
            source: e,
        })?;
        Ok(Exchange {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

/// The workshop server seen by the instructor: the class summary, one learner, a review.
/// `forgetful class` (its formats and its live view) reaches the room only through this.
#[derive(Clone)]
pub struct RoomClient {
    base: String,
    admin_token: String,
    http: reqwest::Client,
    /// For the summary that waits for a change: no shorter timeout than the server's wait.
    waiting: reqwest::Client,
}

/// Why the workshop server did not give what was asked.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    #[error("the workshop at {url} is not reachable: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the workshop refused ({status}): {reason}")]
    Refused { status: u16, reason: String },
    #[error("unexpected answer from the workshop: {0}")]
    Decode(String),
}

impl RoomError {
    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            RoomError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The longest a summary asked for with `after` waits on the server for a change.
pub const CLASS_WAIT: Duration = Duration::from_secs(25);

impl RoomClient {
    /// `base` is the workshop server's URL; `admin_token` its `--admin-token`.
    pub fn new(base: &str, admin_token: &str) -> Self {
        let build = |timeout: Duration| {
            reqwest::Client::builder()
                .pool_idle_timeout(crate::api::CLIENT_IDLE)
                .timeout(timeout)
                .connect_timeout(Duration::from_secs(3))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a plain HTTP client always builds")
        };
        RoomClient {
            base: base.trim_end_matches('/').to_string(),
            admin_token: admin_token.to_string(),
            http: build(Duration::from_secs(10)),
            waiting: build(CLASS_WAIT + Duration::from_secs(10)),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    async fn call<T: DeserializeOwned>(&self, rb: reqwest::RequestBuilder) -> Result<T, RoomError> {
        let unreachable = |source| RoomError::Unreachable {
            url: self.base.clone(),
            source,
        };
        let resp = rb
            .bearer_auth(&self.admin_token)
            .send()
            .await
            .map_err(unreachable)?;
        let status = resp.status();
        let text = resp.text().await.map_err(unreachable)?;
        if !status.is_success() {
            let reason = serde_json::from_str::<ErrorBody>(&text)
                .map(|e| e.reason)
                .unwrap_or_else(|_| crate::api::bounded(&text, 200));
            return Err(RoomError::Refused {
                status: status.as_u16(),
                reason,
            });
        }
        serde_json::from_str(&text)
            .map_err(|e| RoomError::Decode(format!("{e}: {}", crate::api::bounded(&text, 200))))
    }

    /// `GET /workshop/class`: the summary now.
    pub async fn class(&self) -> Result<ClassSummary, RoomError> {
        self.call(self.http.get(format!("{}/workshop/class", self.base)))
            .await
    }

    /// `GET /workshop/class?after=N`: the summary once the room's version passes `version`,
    /// or after [`CLASS_WAIT`] without a change (then with the same version).
    pub async fn class_after(&self, version: u64) -> Result<ClassSummary, RoomError> {
        self.call(
            self.waiting
                .get(format!("{}/workshop/class?after={version}", self.base)),
        )
        .await
    }

    /// `GET /workshop/learners/{name}`: their answers and their lab's latest journal entries.
    pub async fn learner(&self, name: &str) -> Result<LearnerDetail, RoomError> {
        self.call(self.http.get(format!(
            "{}/workshop/learners/{}",
            self.base,
            path_part(name)
        )))
        .await
    }

    /// `POST /workshop/learners/{name}/review`: accept or reject a self-assessed answer.
    pub async fn review(
        &self,
        name: &str,
        problem: &str,
        accept: bool,
    ) -> Result<ReviewAnswer, RoomError> {
        self.call(
            self.http
                .post(format!(
                    "{}/workshop/learners/{}/review",
                    self.base,
                    path_part(name)
                ))
                .json(&ReviewBody {
                    problem: problem.to_string(),
                    accept,
                }),
        )
        .await
    }
}

/// A learner's name as one path segment: names are a-z, 0-9, - and _, so anything else is
/// percent-encoded rather than trusted.
fn path_part(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
