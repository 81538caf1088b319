//! The lab's wire format: what `/admin/*` and the journal speak.
//!
//! Both sides use these types: the lab when it answers, and `client` (used by the
//! TUI and the grader) when it reads. Field names are a contract; keep them.

use serde::{Deserialize, Serialize};

pub mod class;

/// Request header the project's own clients set so the journal can tell who sent what.
pub const SOURCE_HEADER: &str = "x-forgetful-source";
/// The lab's per-process secret that its own clients send with a source of `grader`,
/// `attacker` or `lab`; without it the lab counts the request as the learner's.
pub const SOURCE_KEY_HEADER: &str = "x-forgetful-key";
/// Response header every replica sets.
pub const SERVED_BY_HEADER: &str = "x-served-by";
/// Most replicas one `POST /admin/replicas {"add": N}` starts.
pub const MAX_ADD_REPLICAS: u8 = 5;
/// Most replicas a lab scaled live runs (`POST /admin/replicas` refuses to go past it).
pub const MAX_REPLICAS: usize = 9;
/// Largest request body any replica or the balancer accepts.
pub const MAX_BODY: usize = 16 * 1024;

/// A closed set of names on the wire. Each variant's text is written once, here, and is what
/// `as_str`, `Display`, `FromStr` and serde all use, so code branches on variants while curl
/// sees the same strings as ever; an unknown name is refused with the list of known ones.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($noun:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                // `pad`, not `write_str`: `{:<8}` lines up like the strings these were.
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $( $text => Ok($name::$variant), )+
                    // What the client sent, cut short: a 15 KB name costs a short reason.
                    other => Err(format!(
                        "unknown {} {:?}: expected {}",
                        $noun,
                        bounded(other, 40),
                        one_of(&[$($text),+])
                    )),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Name;
                impl serde::de::Visitor<'_> for Name {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "a {} ({})", $noun, one_of(&[$($text),+]))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        v.parse().map_err(E::custom)
                    }
                }
                d.deserialize_str(Name)
            }
        }
    };
}

/// `a, b or c`.
fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

wire_enum! {
    /// Who sent a request, as told by [`SOURCE_HEADER`]. Anything else counts as the learner.
    pub enum Source("source") {
        Learner = "learner",
        Attacker = "attacker",
        Console = "console",
        Grader = "grader",
        Lab = "lab",
        /// `forgetful load`'s simulated users (believed with the key, like `lab`).
        Load = "load",
    }
}

impl Source {
    /// The learner's own clients: anyone may claim these tags, and the checks count their
    /// requests as the learner's work.
    pub fn is_learner(self) -> bool {
        matches!(self, Source::Learner | Source::Console)
    }
}

wire_enum! {
    /// The credential a request carried, or the kind the attacker stole.
    pub enum CredentialKind("credential kind") {
        Cookie = "cookie",
        Bearer = "bearer",
        None = "none",
    }
}

wire_enum! {
    /// What a control entry in the journal records. The checks find their evidence by these.
    pub enum Event("event") {
        LabStarted = "lab-started",
        ModeChanged = "mode-changed",
        PolicyChanged = "policy-changed",
        ReplicaRestarted = "replica-restarted",
        ReplicaStopped = "replica-stopped",
        ReplicaStarted = "replica-started",
        JwksFetched = "jwks-fetched",
        JwksFetchFailed = "jwks-fetch-failed",
        Revoke = "revoke",
        DenylistChanged = "denylist-changed",
        AttackerStarted = "attacker-started",
        AttackerStopped = "attacker-stopped",
        RoleChanged = "role-changed",
        TokenTtlChanged = "token-ttl-changed",
        /// A refresh token was presented a second time: its whole family is revoked.
        RefreshReused = "refresh-reused",
        KeyRotated = "key-rotated",
        /// A weak verifier was turned on or off.
        WeaknessChanged = "weakness-changed",
        CsrfChanged = "csrf-changed",
        ReplicaAdded = "replica-added",
        ReplicaRemoved = "replica-removed",
    }
}

wire_enum! {
    /// What `POST /admin/replicas/{name}/{action}` does to a replica.
    pub enum ReplicaAction("action") {
        Restart = "restart",
        Stop = "stop",
        Start = "start",
    }
}

wire_enum! {
    /// How logins are remembered.
    pub enum Mode("mode") {
        /// Each replica keeps sessions in its own memory (the classic bug).
        Local = "local",
        /// Sessions live in a store every replica reaches.
        Shared = "shared",
        /// Signed tokens; nothing per user on any replica.
        Token = "token",
    }
}

wire_enum! {
    /// What a user may do: the user table keeps one, a token carries the one it was signed with.
    pub enum Role("role") {
        Customer = "customer",
        /// May read every customer's orders (`GET /orders/all`).
        Admin = "admin",
    }
}

wire_enum! {
    /// A way a real JWT library once verified tokens wrongly, which the lab can imitate on
    /// every replica for a learner to break (`POST /admin/weakness`). Off unless turned on.
    pub enum Weakness("weakness") {
        /// Accept an unsigned token whose header says `alg: none`.
        AlgNone = "alg-none",
        /// Accept HS256 signed with the public key's bytes as the HMAC secret (key confusion).
        Hs256PublicKey = "hs256-public-key",
        /// Take the `kid` as a file path under the key directory, unchecked: `../../dev/null`
        /// names an empty file, so an empty HMAC key.
        KidPath = "kid-path",
        /// Accept tokens without `exp`, or past it.
        NoExp = "no-exp",
    }
}

wire_enum! {
    /// How the balancer picks a replica.
    pub enum Policy("policy") {
        RoundRobin = "round-robin",
        /// Pins a session cookie to the replica that set it.
        Sticky = "sticky",
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
    /// Whether the session store answered when this state was read (within the store's
    /// 500 ms limit): a Redis outage shows here and in `/readyz`.
    #[serde(default = "reachable")]
    pub store_reachable: bool,
    pub denylist: bool,
    pub attacker: AttackerStatus,
    pub replicas: Vec<ReplicaStatus>,
    /// Id of the newest journal entry (0 when empty).
    pub journal_head: u64,
    /// How soon after a revoke every attacker request must be refused for the logout-now
    /// check to count the cut-off. The lab's config sets it, so tests can shorten it.
    #[serde(default = "default_revoke_grace_ms")]
    pub revoke_grace_ms: u64,
}

/// What `GET /admin/state` (and every `/admin` route that answers with the state) sends:
/// [`LabState`] and [`LabSecurity`] side by side in one flat JSON object. They are two structs
/// so that code building a `LabState` by hand keeps compiling as the lab gains settings; a
/// client that wants only the first reads the same JSON as a `LabState`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullLabState {
    #[serde(flatten)]
    pub lab: LabState,
    #[serde(flatten)]
    pub security: LabSecurity,
}

/// The lab's token and browser settings, as `/admin/state` shows them. Every field has a
/// default, so the state of a lab from before a field existed still reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabSecurity {
    /// Lifetime of an access token, in seconds (`--token-ttl`, `POST /admin/token-ttl`).
    #[serde(default = "default_token_ttl_secs")]
    pub token_ttl_secs: u64,
    /// Lifetime of a refresh token, in seconds.
    #[serde(default = "default_refresh_ttl_secs")]
    pub refresh_ttl_secs: u64,
    /// The kid of the key that signs new tokens.
    #[serde(default)]
    pub signing_kid: String,
    /// Every kid the issuer's JWKS lists, newest first: the signing key, and retired keys
    /// until the last token each signed has expired.
    #[serde(default)]
    pub jwks_kids: Vec<String>,
    /// The weak verifiers every replica imitates now (none unless a learner turned one on).
    #[serde(default)]
    pub weaknesses: Vec<Weakness>,
    /// Whether `POST /admin/weakness` may turn one on (not on a room's lab started with
    /// `--admin-token`, unless `--allow-weaknesses`).
    #[serde(default = "yes")]
    pub weaknesses_allowed: bool,
    /// Whether replicas refuse a cookie-carrying `POST /orders` or `POST /logout` whose
    /// `Origin` is another site's (`POST /admin/csrf`).
    #[serde(default = "yes")]
    pub csrf: bool,
}

fn yes() -> bool {
    true
}

impl Default for LabSecurity {
    fn default() -> Self {
        LabSecurity {
            token_ttl_secs: default_token_ttl_secs(),
            refresh_ttl_secs: default_refresh_ttl_secs(),
            signing_kid: String::new(),
            jwks_kids: Vec::new(),
            weaknesses: Vec::new(),
            weaknesses_allowed: true,
            csrf: true,
        }
    }
}

/// An access token's lifetime unless configured otherwise: 15 minutes.
pub const DEFAULT_TOKEN_TTL_SECS: u64 = 15 * 60;
/// The shortest and longest access-token lifetime the lab takes.
pub const TOKEN_TTL_RANGE: std::ops::RangeInclusive<u64> = 5..=86_400;
/// A refresh token's lifetime: a working day. Each refresh hands out a new one.
pub const REFRESH_TTL_SECS: u64 = 8 * 3600;

fn default_token_ttl_secs() -> u64 {
    DEFAULT_TOKEN_TTL_SECS
}

fn default_refresh_ttl_secs() -> u64 {
    REFRESH_TTL_SECS
}

/// The revoke grace unless the lab is configured otherwise: the problem says "within a second".
pub const DEFAULT_REVOKE_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// A state from a lab that did not publish its grace was graded with the default.
fn default_revoke_grace_ms() -> u64 {
    DEFAULT_REVOKE_GRACE.as_millis() as u64
}

/// A state from a lab that does not say is taken to have a reachable store.
fn reachable() -> bool {
    true
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
    pub credential_kind: Option<CredentialKind>,
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
    /// `cookie` or `bearer`.
    pub kind: CredentialKind,
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
    pub source: Source,
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
    pub credential: CredentialKind,
    /// Short hash prefix of the credential the request carried.
    pub fingerprint: Option<String>,
    /// Fingerprint of a credential this response handed out (a login).
    pub issued: Option<String>,
    /// The `jti` claim of a bearer token the request carried (read without trusting it),
    /// or of the token a login issued.
    pub token_jti: Option<String>,
    /// Control events only.
    pub event: Option<Event>,
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
                self.event.map_or("event", Event::as_str),
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

/// Course text (lessons, statements, hints) names the lab as [`DEFAULT_LAB_URL`]; shown to
/// a learner whose lab listens elsewhere, it names that lab instead.
pub fn at_lab(text: &str, url: Option<&str>) -> String {
    match url.map(|u| u.trim_end_matches('/')) {
        Some(u) if u != DEFAULT_LAB_URL && !u.is_empty() => {
            let text = text.replace(DEFAULT_LAB_URL, u);
            // Prose names the port too ("the balancer on port 7878").
            match u.rsplit_once(':').map(|(_, p)| p) {
                Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => {
                    text.replace("port 7878", &format!("port {port}"))
                }
                _ => text,
            }
        }
        _ => text.to_string(),
    }
}

/// Course text's `forgetful check …` (and the other commands that read the data dir) as
/// the learner must type it to reach this app's lab and record: with `flags` (say
/// `--data-dir /tmp/walk`) when the app was started with a data dir of its own.
pub fn with_flags(text: &str, flags: Option<&str>) -> String {
    static COMMAND: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\bforgetful (check|load|hint|answer|progress|report)\b")
            .expect("a valid pattern")
    });
    match flags {
        Some(f) if !f.is_empty() => COMMAND
            .replace_all(text, |c: &regex::Captures| {
                format!("forgetful {f} {}", &c[1])
            })
            .into_owned(),
        _ => text.to_string(),
    }
}

/// How long a client keeps an idle keep-alive connection to the lab for reuse: well under the
/// lab's 10 s header-read timeout, after which the lab closes it. A client that kept it longer
/// would sometimes send on a connection the lab was closing at that moment, and fail.
pub const CLIENT_IDLE: std::time::Duration = std::time::Duration::from_secs(5);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn course_text_names_the_apps_own_lab_port_and_data_dir() {
        let text = "The balancer on port 7878: curl http://127.0.0.1:7878/me, then run \
                    `forgetful check disappearing-login`; forgetful checks nothing else.";
        let here = with_flags(
            &at_lab(text, Some("http://127.0.0.1:7931")),
            Some("--data-dir /tmp/walk"),
        );
        assert!(here.contains("port 7931"), "{here}");
        assert!(here.contains("curl http://127.0.0.1:7931/me"), "{here}");
        assert!(
            here.contains("`forgetful --data-dir /tmp/walk check disappearing-login`"),
            "{here}"
        );
        assert!(
            here.contains("forgetful checks nothing"),
            "only the command: {here}"
        );
        // The default lab and data dir: the text as written.
        assert_eq!(with_flags(&at_lab(text, Some(DEFAULT_LAB_URL)), None), text);
    }

    /// Every name on the wire, as curl users and older clients have always seen it: typing
    /// these enums must not change a single string.
    fn check<T>(names: &[&str])
    where
        T: Copy + PartialEq + std::fmt::Debug + std::fmt::Display + std::str::FromStr,
        T: Serialize + serde::de::DeserializeOwned,
    {
        for name in names {
            let v: T = serde_json::from_str(&format!("{name:?}")).unwrap();
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("{name:?}"));
            assert_eq!(v.to_string(), *name);
            assert!(name.parse::<T>().ok() == Some(v), "{name}");
        }
    }

    #[test]
    fn wire_names_are_the_strings_they_always_were() {
        check::<Source>(&["learner", "attacker", "console", "grader", "lab", "load"]);
        check::<CredentialKind>(&["cookie", "bearer", "none"]);
        check::<Mode>(&["local", "shared", "token"]);
        check::<Policy>(&["round-robin", "sticky"]);
        check::<ReplicaAction>(&["restart", "stop", "start"]);
        check::<Role>(&["customer", "admin"]);
        check::<Weakness>(&["alg-none", "hs256-public-key", "kid-path", "no-exp"]);
        let events = [
            "lab-started",
            "mode-changed",
            "policy-changed",
            "replica-restarted",
            "replica-stopped",
            "replica-started",
            "jwks-fetched",
            "jwks-fetch-failed",
            "revoke",
            "denylist-changed",
            "attacker-started",
            "attacker-stopped",
            "role-changed",
            "token-ttl-changed",
            "refresh-reused",
            "key-rotated",
            "weakness-changed",
            "csrf-changed",
            "replica-added",
            "replica-removed",
        ];
        check::<Event>(&events);
        // A new variant must be added above too, so its string is a decision, not an accident.
        assert_eq!(Event::ALL.len(), events.len());
        assert_eq!(Source::ALL.len(), 6);
        assert_eq!(CredentialKind::ALL.len(), 3);
    }

    #[test]
    fn a_journal_entry_reads_and_writes_the_same_json_as_before() {
        let text = r#"{"id":7,"time":"2025-01-01T10:00:00.000Z","ts_ms":1735725600000,"kind":"control","source":"attacker","method":"","path":"","status":0,"replica":null,"mode":"token","user":"alice","reason":"gave up","latency_ms":0.0,"credential":"bearer","fingerprint":null,"issued":null,"token_jti":null,"event":"attacker-stopped"}"#;
        let e: JournalEntry = serde_json::from_str(text).unwrap();
        assert_eq!(e.source, Source::Attacker);
        assert_eq!(e.credential, CredentialKind::Bearer);
        assert_eq!(e.event, Some(Event::AttackerStopped));
        assert_eq!(serde_json::to_string(&e).unwrap(), text);

        let stolen = r#"{"kind":"cookie","value":"s3cret","fingerprint":"abcd1234"}"#;
        let s: StolenCredential = serde_json::from_str(stolen).unwrap();
        assert_eq!(s.kind, CredentialKind::Cookie);
        assert_eq!(serde_json::to_string(&s).unwrap(), stolen);
    }

    /// `/admin/state` is one flat object: a client that knows only `LabState` reads it, and a
    /// state from a lab older than the settings reads as the defaults.
    #[test]
    fn the_full_state_is_flat_and_reads_both_ways() {
        let lab = LabState {
            run_id: "r".into(),
            started_at: "t".into(),
            balancer_url: "http://127.0.0.1:7878".into(),
            mode: Mode::Token,
            policy: Policy::RoundRobin,
            store: "memory".into(),
            store_reachable: true,
            denylist: false,
            attacker: AttackerStatus::default(),
            replicas: Vec::new(),
            journal_head: 3,
            revoke_grace_ms: 1000,
        };
        let full = FullLabState {
            lab: lab.clone(),
            security: LabSecurity {
                token_ttl_secs: 30,
                ..LabSecurity::default()
            },
        };
        let text = serde_json::to_string(&full).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["token_ttl_secs"], 30);
        assert_eq!(v["mode"], "token");
        assert_eq!(serde_json::from_str::<LabState>(&text).unwrap(), lab);
        assert_eq!(serde_json::from_str::<FullLabState>(&text).unwrap(), full);
        let old = serde_json::to_string(&lab).unwrap();
        let read: FullLabState = serde_json::from_str(&old).unwrap();
        assert_eq!(read.security, LabSecurity::default());
    }

    #[test]
    fn unknown_names_are_refused_with_the_known_ones() {
        assert_eq!(
            "psychic".parse::<Mode>().unwrap_err(),
            r#"unknown mode "psychic": expected local, shared or token"#
        );
        let e = serde_json::from_str::<Policy>(r#""random""#).unwrap_err();
        assert!(
            e.to_string()
                .contains(r#"unknown policy "random": expected round-robin or sticky"#),
            "{e}"
        );
        let long = format!("{:?}", "x".repeat(20_000));
        let e = serde_json::from_str::<Mode>(&long).unwrap_err().to_string();
        assert!(e.len() < 200 && e.contains("(20000 bytes)"), "{e}");
        let e = serde_json::from_str::<Source>("3").unwrap_err();
        assert!(
            e.to_string()
                .contains("expected a source (learner, attacker, console, grader, lab or load)"),
            "{e}"
        );
    }
}
