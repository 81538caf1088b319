//! The lab's wire format: what `/admin/*` and the journal speak.
//!
//! Both sides use these types: the lab when it answers, and `client` (used by the
//! TUI and the grader) when it reads. Field names are a contract; keep them.

use serde::{Deserialize, Serialize};

/// Request header the project's own clients set so the journal can tell who sent what.
pub const SOURCE_HEADER: &str = "x-forgetful-source";
/// The lab's per-process secret that its own clients send with a source of `grader`,
/// `attacker` or `lab`; without it the lab counts the request as the learner's.
pub const SOURCE_KEY_HEADER: &str = "x-forgetful-key";
/// Response header every replica sets.
pub const SERVED_BY_HEADER: &str = "x-served-by";
/// Largest request body any replica or the balancer accepts.
pub const MAX_BODY: usize = 16 * 1024;

/// Who sent a request, as told by [`SOURCE_HEADER`]. Anything else counts as the learner.
pub const SOURCES: [&str; 5] = ["learner", "attacker", "console", "grader", "lab"];

/// How logins are remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Each replica keeps sessions in its own memory (the classic bug).
    Local,
    /// Sessions live in a store every replica reaches.
    Shared,
    /// Signed tokens; nothing per user on any replica.
    Token,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Local => "local",
            Mode::Shared => "shared",
            Mode::Token => "token",
        }
    }
    pub const ALL: [Mode; 3] = [Mode::Local, Mode::Shared, Mode::Token];
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "local" => Ok(Mode::Local),
            "shared" => Ok(Mode::Shared),
            "token" => Ok(Mode::Token),
            other => Err(format!(
                "unknown mode {other:?}: expected local, shared or token"
            )),
        }
    }
}

/// How the balancer picks a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    RoundRobin,
    /// Pins a session cookie to the replica that set it.
    Sticky,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::RoundRobin => "round-robin",
            Policy::Sticky => "sticky",
        }
    }
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error body: `{"error": "...", "reason": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub reason: String,
}

/// `GET /admin/state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabState {
    /// Changes every time `forgetful serve` (or the app) starts the lab: evidence belongs to a run.
    pub run_id: String,
    pub started_at: String,
    pub balancer_url: String,
    pub mode: Mode,
    pub policy: Policy,
    /// e.g. `sqlite:/home/me/.local/share/forgetful/sessions.db`, `memory`, `redis://127.0.0.1:6379`.
    pub store: String,
    pub denylist: bool,
    pub attacker: AttackerStatus,
    pub replicas: Vec<ReplicaStatus>,
    /// Id of the newest journal entry (0 when empty).
    pub journal_head: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaStatus {
    pub name: String,
    pub port: u16,
    pub url: String,
    pub up: bool,
    /// Sessions held in this replica's own memory (local mode).
    pub local_sessions: usize,
    /// Requests this replica answered since the lab started.
    pub served: u64,
    /// Status of the last request it answered.
    pub last_status: Option<u16>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct AttackerStatus {
    pub running: bool,
    pub user: Option<String>,
    /// `cookie` or `bearer`.
    pub credential_kind: Option<String>,
    /// Fingerprint of the stolen credential (never the secret).
    pub fingerprint: Option<String>,
    pub requests: u64,
    pub refused: u64,
    /// Refusals in a row; the attacker gives up at 20.
    pub refused_in_a_row: u64,
    /// Why it stopped, when it has.
    pub stopped: Option<String>,
}

/// `GET /admin/attacker/credential`: the stolen credential itself, so a grader
/// can replay it on each replica (the lab is loopback-only and this is a demo secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StolenCredential {
    pub kind: String,
    pub value: String,
    pub fingerprint: String,
}

/// `POST /admin/badge {"badge"}`: did this badge come from one of this lab's tokens?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeVerdict {
    pub valid: bool,
    /// The jti of the token the badge belongs to, when valid.
    pub jti: Option<String>,
    pub user: Option<String>,
    pub message: String,
}

/// One journal entry: a request a replica answered, or a control event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub id: u64,
    /// RFC 3339, UTC, milliseconds.
    pub time: String,
    /// Unix time in milliseconds (for arithmetic).
    pub ts_ms: u64,
    pub kind: EntryKind,
    /// learner, attacker, console, grader, lab.
    pub source: String,
    /// Requests: method and path. Control events: empty.
    pub method: String,
    pub path: String,
    /// Requests: HTTP status. Control events: 0.
    pub status: u16,
    pub replica: Option<String>,
    pub mode: Mode,
    /// The user the request was authenticated as (or tried to log in as).
    pub user: Option<String>,
    /// Why it was refused, or what happened.
    pub reason: Option<String>,
    pub latency_ms: f64,
    /// cookie, bearer or none.
    pub credential: String,
    /// Short hash prefix of the credential the request carried.
    pub fingerprint: Option<String>,
    /// Fingerprint of a credential this response handed out (a login).
    pub issued: Option<String>,
    /// The `jti` claim of a bearer token the request carried (read without trusting it),
    /// or of the token a login issued.
    pub token_jti: Option<String>,
    /// Control events: mode-changed, policy-changed, replica-restarted, replica-stopped,
    /// replica-started, jwks-fetched, revoke, denylist-changed, attacker-started,
    /// attacker-stopped, lab-started.
    pub event: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Request,
    Control,
}

impl JournalEntry {
    /// `METHOD path → status (replica, reason)`: the evidence line checks and the journal print.
    pub fn evidence_line(&self) -> String {
        match self.kind {
            EntryKind::Control => format!(
                "[{}] {}",
                self.event.as_deref().unwrap_or("event"),
                self.reason.as_deref().unwrap_or("")
            ),
            EntryKind::Request => {
                let mut s = format!(
                    "{} {} → {} ({}",
                    self.method,
                    self.path,
                    self.status,
                    self.replica.as_deref().unwrap_or("?")
                );
                if let Some(r) = &self.reason {
                    s.push_str(", ");
                    s.push_str(r);
                }
                s.push(')');
                s
            }
        }
    }

    pub fn is_request(&self) -> bool {
        self.kind == EntryKind::Request
    }

    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Demo users: name, password, role. Passwords are hashed at start; these are for the course text.
/// Where the lab listens unless told otherwise; lessons and hints name this address.
pub const DEFAULT_LAB_URL: &str = "http://127.0.0.1:7878";

pub const DEMO_USERS: [(&str, &str, &str); 2] = [
    ("alice", "wonderland", "customer"),
    ("bob", "builder", "admin"),
];

/// Text an outsider sent, cut to at most `max` characters and escaped (see [`printable`]):
/// anything longer keeps its first characters and says how long it was, so a 300 KB `kid`
/// costs a reason, a journal entry and a log line of a few dozen bytes, not 300 KB each.
pub fn bounded(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return printable(s).into_owned();
    }
    let head: String = s.chars().take(max).collect();
    format!("{}…({} bytes)", printable(&head), s.len())
}

/// Text a client sent (a username, a path, a reason quoting them) made safe to print: control
/// characters (C0, DEL, C1, so also line breaks) and bidi overrides are shown escaped, as
/// `\u{1b}`, so what a client sent can neither drive a terminal nor hide or reorder text.
/// `forgetful serve` and the app both print journal text through this.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    }
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}
