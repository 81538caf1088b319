//! The request journal: one entry per request a replica answers, plus control events.
//! Bounded in memory, and broadcast live to `/admin/journal/stream` subscribers.

use std::collections::VecDeque;
use std::sync::Mutex;

use tokio::sync::broadcast;

use crate::api::{CredentialKind, EntryKind, Event, JournalEntry, Mode, Source};

/// Enough for a long workshop session; older entries fall off the front.
pub const CAPACITY: usize = 5000;
/// Control events, logins and refreshes are the evidence checks start from; they are kept this long
/// even after the busy request traffic (the attacker alone makes 4 a second) pushed them out.
pub const KEY_CAPACITY: usize = 2000;

pub struct Journal {
    inner: Mutex<Inner>,
    live: broadcast::Sender<JournalEntry>,
}

struct Inner {
    next_id: u64,
    entries: VecDeque<JournalEntry>,
    /// Copies of control events and logins, outliving their place in `entries`.
    key: VecDeque<JournalEntry>,
}

fn is_key(e: &JournalEntry) -> bool {
    e.kind == EntryKind::Control || e.path == "/login" || e.path == "/token/refresh"
}

impl Default for Journal {
    fn default() -> Self {
        Self::new()
    }
}

impl Journal {
    pub fn new() -> Self {
        let (live, _) = broadcast::channel(1024);
        Journal {
            inner: Mutex::new(Inner {
                next_id: 1,
                entries: VecDeque::with_capacity(256),
                key: VecDeque::new(),
            }),
            live,
        }
    }

    /// Assigns the id and time, stores and broadcasts the entry. Every text field is cut to
    /// a short escaped prefix first: what an outsider sent is never kept (or printed) whole.
    pub fn push(&self, mut entry: JournalEntry) -> JournalEntry {
        bound(&mut entry);
        let (ts_ms, time) = now();
        entry.ts_ms = ts_ms;
        entry.time = time;
        {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            entry.id = inner.next_id;
            inner.next_id += 1;
            if inner.entries.len() == CAPACITY {
                inner.entries.pop_front();
            }
            inner.entries.push_back(entry.clone());
            if is_key(&entry) {
                if inner.key.len() == KEY_CAPACITY {
                    inner.key.pop_front();
                }
                inner.key.push_back(entry.clone());
            }
        }
        // No subscribers is fine.
        let _ = self.live.send(entry.clone());
        entry
    }

    /// A control event (mode changed, replica restarted, ...).
    pub fn control(
        &self,
        event: Event,
        source: Source,
        mode: Mode,
        replica: Option<&str>,
        user: Option<&str>,
        detail: String,
    ) -> JournalEntry {
        self.push(JournalEntry {
            kind: EntryKind::Control,
            source,
            replica: replica.map(str::to_string),
            mode,
            user: user.map(str::to_string),
            reason: Some(detail),
            event: Some(event),
            ..blank(mode)
        })
    }

    /// Entries with id greater than `since`, oldest first, at most `limit`: the kept control
    /// events and logins older than the request window, then the window itself.
    pub fn since(&self, since: u64, limit: usize) -> Vec<JournalEntry> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .iter()
            .filter(|e| e.id > since)
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn head(&self) -> u64 {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.next_id - 1
    }

    pub fn subscribe(&self) -> broadcast::Receiver<JournalEntry> {
        self.live.subscribe()
    }

    /// Runs `f` over every stored entry (newest last) without cloning them all.
    pub fn scan<T>(&self, f: impl FnOnce(&mut dyn Iterator<Item = &JournalEntry>) -> T) -> T {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut inner.iter())
    }
}

impl Inner {
    /// Everything held, in id order: key entries that fell out of the window, then the window.
    fn iter(&self) -> impl Iterator<Item = &JournalEntry> {
        let first = self.entries.front().map_or(u64::MAX, |e| e.id);
        self.key
            .iter()
            .take_while(move |e| e.id < first)
            .chain(self.entries.iter())
    }
}

/// An entry with every optional field empty; callers fill in what they know.
pub fn blank(mode: Mode) -> JournalEntry {
    JournalEntry {
        id: 0,
        time: String::new(),
        ts_ms: 0,
        kind: EntryKind::Request,
        source: Source::Learner,
        method: String::new(),
        path: String::new(),
        status: 0,
        replica: None,
        mode,
        user: None,
        reason: None,
        latency_ms: 0.0,
        credential: CredentialKind::None,
        fingerprint: None,
        issued: None,
        token_jti: None,
        event: None,
    }
}

fn now() -> (u64, String) {
    let t = time::OffsetDateTime::now_utc();
    let ms = (t.unix_timestamp_nanos() / 1_000_000) as u64;
    let s = t
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
        ))
        .unwrap_or_default();
    (ms, s)
}

/// The short line `forgetful serve` prints for each entry.
/// Longest text kept per field, in characters.
const FIELD_MAX: usize = 200;

fn bound(e: &mut JournalEntry) {
    use crate::api::bounded;
    let cut = |s: &mut String, max: usize| {
        if s.len() > max || s.chars().any(char::is_control) {
            *s = bounded(s, max);
        }
    };
    cut(&mut e.method, 16);
    cut(&mut e.path, FIELD_MAX);
    for field in [
        &mut e.replica,
        &mut e.user,
        &mut e.reason,
        &mut e.fingerprint,
        &mut e.issued,
        &mut e.token_jti,
    ]
    .into_iter()
    .flatten()
    {
        cut(field, FIELD_MAX);
    }
}

pub fn print_line(e: &JournalEntry) -> String {
    crate::api::printable(&raw_line(e)).into_owned()
}

fn raw_line(e: &JournalEntry) -> String {
    let clock = e.time.get(11..19).unwrap_or("");
    match e.kind {
        EntryKind::Control => format!(
            "{clock} {:<8} ** {}: {}",
            e.source,
            e.event.map_or("event", Event::as_str),
            e.reason.as_deref().unwrap_or("")
        ),
        EntryKind::Request => {
            let user = e
                .user
                .as_deref()
                .map(|u| format!(" [{u}]"))
                .unwrap_or_default();
            format!(
                "{clock} {:<8} {:<6} {:<22} {} {} {:>6.1}ms{user}{}",
                e.source,
                e.method,
                e.path,
                e.status,
                e.replica.as_deref().unwrap_or("-"),
                e.latency_ms,
                e.reason
                    .as_deref()
                    .map(|r| format!(" - {r}"))
                    .unwrap_or_default()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> JournalEntry {
        JournalEntry {
            path: path.into(),
            method: "GET".into(),
            ..blank(Mode::Local)
        }
    }

    #[test]
    fn logins_and_events_outlive_the_request_window() {
        let j = Journal::new();
        let login = j.push(request("/login"));
        let event = j.control(
            Event::Revoke,
            Source::Learner,
            Mode::Local,
            None,
            Some("alice"),
            "x".into(),
        );
        for _ in 0..CAPACITY + 10 {
            j.push(request("/orders"));
        }
        let all = j.since(0, usize::MAX);
        assert_eq!(all.len(), CAPACITY + 2);
        assert_eq!(all[0].id, login.id);
        assert_eq!(all[1].id, event.id);
        assert!(
            all.windows(2).all(|w| w[0].id < w[1].id),
            "ids stay in order"
        );
        assert_eq!(j.since(event.id, usize::MAX).len(), CAPACITY);
        let seen = j.scan(|it| it.filter(|e| e.path == "/login").count());
        assert_eq!(seen, 1);
    }

    #[test]
    fn printed_lines_carry_no_control_characters() {
        let mut e = request("/login");
        e.user = Some("x\u{1b}[31mRED\u{1b}]0;pwned\u{7}".into());
        let line = print_line(&e);
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert!(line.contains("\\u{1b}[31mRED"), "{line}");
    }
}
