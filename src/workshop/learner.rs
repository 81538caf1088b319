//! The learner's side of a workshop: joining (`forgetful --join URL --name NAME`), the
//! `workshop.json` that remembers it, and the outbox that takes each progress change to the
//! room: a change is written to `workshop-outbox/` first, then sent; while the server cannot
//! be reached it waits there and goes with the next send that succeeds.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::class::Reviews;
use super::server::JoinAnswer;
use crate::progress::{InstructorReview, Progress};

pub const FILE: &str = "workshop.json";
pub const OUTBOX_DIR: &str = "workshop-outbox";

#[derive(Debug, thiserror::Error)]
pub enum LearnerError {
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
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a workshop record ({source}); `forgetful leave` forgets it")]
    Corrupt {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("--join needs --name NAME (1 to 32 of a-z, 0-9, - and _)")]
    NoName,
}

/// `workshop.json`: which workshop this data dir joined, as whom, and its lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Joined {
    /// The workshop server, as given to `--join`.
    pub server: String,
    pub name: String,
    pub learner_token: String,
    pub lab_url: String,
    #[serde(default)]
    pub lab_key: Option<String>,
    /// RFC 3339, UTC.
    pub joined_at: String,
}

impl Joined {
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE)
    }

    /// The workshop this data dir joined, if any.
    pub fn load(data_dir: &Path) -> Result<Option<Joined>, LearnerError> {
        let path = Self::path(data_dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|source| LearnerError::Corrupt { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(LearnerError::Io { path, source }),
        }
    }

    /// Written atomically, readable by this user only (it holds the learner token).
    pub fn save(&self, data_dir: &Path) -> Result<(), LearnerError> {
        let path = Self::path(data_dir);
        let mut bytes =
            serde_json::to_vec_pretty(self).map_err(|source| LearnerError::Corrupt {
                path: path.clone(),
                source,
            })?;
        bytes.push(b'\n');
        crate::progress::atomic::write(&path, &bytes)
            .and_then(|()| restrict(&path))
            .map_err(|source| LearnerError::Io { path, source })
    }

    /// Forgets the workshop (and whatever still waits in the outbox).
    pub fn forget(data_dir: &Path) -> Result<bool, LearnerError> {
        let path = Self::path(data_dir);
        let _ = std::fs::remove_dir_all(data_dir.join(OUTBOX_DIR));
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(LearnerError::Io { path, source }),
        }
    }
}

#[cfg(unix)]
fn restrict(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> std::io::Result<()> {
    Ok(())
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(crate::api::CLIENT_IDLE)
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(2))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a plain HTTP client always builds")
}

/// Why the server said no, from its JSON error (or the start of whatever it sent).
async fn refusal(resp: reqwest::Response) -> LearnerError {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    let reason = serde_json::from_str::<crate::api::ErrorBody>(&text)
        .map(|e| e.reason)
        .unwrap_or_else(|_| crate::api::bounded(&text, 200));
    LearnerError::Refused { status, reason }
}

/// `POST /workshop/join`: a seat for `name`, or back the seat it has when `token` is its own.
pub async fn join(
    server: &str,
    name: &str,
    token: Option<&str>,
) -> Result<JoinAnswer, LearnerError> {
    let base = server.trim_end_matches('/');
    let unreachable = |source| LearnerError::Unreachable {
        url: base.to_string(),
        source,
    };
    let mut rb = http()
        .post(format!("{base}/workshop/join"))
        .json(&serde_json::json!({ "name": name }));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    let resp = rb.send().await.map_err(unreachable)?;
    if !resp.status().is_success() {
        return Err(refusal(resp).await);
    }
    let text = resp.text().await.map_err(unreachable)?;
    serde_json::from_str(&text)
        .map_err(|e| LearnerError::Decode(format!("{e}: {}", crate::api::bounded(&text, 200))))
}

/// Joins (or rejoins, with the token kept from an earlier join of the same name to the same
/// server) and writes `workshop.json`. A join to another workshop empties the outbox: what
/// waits there belongs to the old one.
pub fn join_and_save(data_dir: &Path, server: &str, name: &str) -> Result<Joined, LearnerError> {
    let server = server.trim_end_matches('/').to_string();
    let previous = Joined::load(data_dir).ok().flatten();
    let same_seat = previous
        .as_ref()
        .filter(|p| p.server == server && p.name == name);
    let token = same_seat.map(|p| p.learner_token.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| LearnerError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
    let answer = rt.block_on(join(&server, name, token.as_deref()))?;
    if previous.is_some() && same_seat.is_none() {
        let _ = std::fs::remove_dir_all(data_dir.join(OUTBOX_DIR));
    }
    let joined = Joined {
        server,
        name: answer.name,
        learner_token: answer.learner_token,
        lab_url: answer.lab_url,
        lab_key: Some(answer.lab_key).filter(|k| !k.is_empty()),
        joined_at: crate::progress::now(),
    };
    joined.save(data_dir)?;
    // The room sees the record as it stands at once: work done before joining, or all of it
    // again when the server was restarted and the learner joins anew.
    if let Ok(progress) = Progress::load(data_dir) {
        let outbox = Outbox::new(data_dir);
        if outbox.push(&progress).is_ok()
            && let Err(e) = rt.block_on(outbox.flush(&joined, &http()))
        {
            tracing::warn!("workshop: progress not sent at joining: {e}");
        }
    }
    Ok(joined)
}

fn unix_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Queued changes kept at most (the newest; each holds the whole record).
const KEEP_QUEUED: usize = 16;

/// The changes not yet sent, in `workshop-outbox/` in the data dir: one file per change,
/// named by the time it was made, holding the whole record as written then.
#[derive(Debug, Clone)]
pub struct Outbox {
    dir: PathBuf,
}

/// One queued change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Queued {
    /// Unix ms, the learner's clock, when the change was made.
    changed_at: i64,
    progress: Progress,
}

impl Outbox {
    pub fn new(data_dir: &Path) -> Self {
        Outbox {
            dir: data_dir.join(OUTBOX_DIR),
        }
    }

    /// Queues the record as it now stands.
    pub fn push(&self, progress: &Progress) -> std::io::Result<()> {
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let changed_at = unix_ms();
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // Sorting the names sorts the changes: time, then this process's count, then its id.
        let name = format!("{changed_at:016}-{seq:08}-{}.json", std::process::id());
        let bytes = serde_json::to_vec(&Queued {
            changed_at,
            progress: progress.clone(),
        })
        .map_err(std::io::Error::other)?;
        crate::progress::atomic::write(&self.dir.join(name), &bytes)?;
        // Each entry holds the whole record, so the older ones say nothing the newest does not:
        // while offline (the app saves the reading position as you scroll), keep a few only.
        let pending = self.pending();
        for old in pending
            .iter()
            .take(pending.len().saturating_sub(KEEP_QUEUED))
        {
            let _ = std::fs::remove_file(old);
        }
        Ok(())
    }

    /// The queued changes, oldest first.
    pub fn pending(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| {
                        p.extension().is_some_and(|x| x == "json")
                            && p.file_name()
                                .and_then(|n| n.to_str())
                                .is_some_and(|n| !n.starts_with('.'))
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }

    /// Sends what waits. Each queued change holds the whole record, so the newest says
    /// everything the older ones did: it is sent, and once the server has it, it and every
    /// older one are removed. Returns how many changes were delivered.
    pub async fn flush(
        &self,
        joined: &Joined,
        http: &reqwest::Client,
    ) -> Result<usize, LearnerError> {
        let pending = self.pending();
        let Some(newest) = pending.last() else {
            return Ok(0);
        };
        let text = std::fs::read_to_string(newest).map_err(|source| LearnerError::Io {
            path: newest.clone(),
            source,
        })?;
        let queued: Queued = match serde_json::from_str(&text) {
            Ok(q) => q,
            Err(source) => {
                // Unreadable (a disk fault): it can never be sent, so it must not block the rest.
                let _ = std::fs::remove_file(newest);
                return Err(LearnerError::Corrupt {
                    path: newest.clone(),
                    source,
                });
            }
        };
        let age = (unix_ms() - queued.changed_at).max(0);
        let base = joined.server.trim_end_matches('/');
        let resp = http
            .post(format!(
                "{base}/workshop/progress?changed_at={}&age_ms={age}",
                queued.changed_at
            ))
            .bearer_auth(&joined.learner_token)
            .json(&queued.progress)
            .send()
            .await
            .map_err(|source| LearnerError::Unreachable {
                url: base.to_string(),
                source,
            })?;
        let status = resp.status();
        // A record the server will never take (too big, not progress) is dropped rather than
        // retried for ever; anything else (a refused token, a server error) waits.
        if status.is_success() || status == 413 || status == 400 {
            for p in &pending {
                let _ = std::fs::remove_file(p);
            }
        }
        if !status.is_success() {
            return Err(refusal(resp).await);
        }
        // The answer carries the instructor's reviews: the learner's record takes them in.
        let reviews = resp
            .json::<ReviewsAnswer>()
            .await
            .map(|a| a.reviews)
            .unwrap_or_default();
        if let Some(data_dir) = self.dir.parent()
            && let Err(e) = apply_reviews(data_dir, &reviews)
        {
            tracing::warn!("workshop: the instructor's reviews not recorded: {e}");
        }
        Ok(pending.len())
    }
}

/// The part of the room's answers that carries the instructor's reviews.
#[derive(Deserialize)]
struct ReviewsAnswer {
    #[serde(default)]
    reviews: Reviews,
}

/// Writes the instructor's reviews into the learner's record, where `progress` and `report`
/// show them. Only a review of the self-assessment the record holds is taken, and the file is
/// written only when something changes (the write goes to the room in turn, and its answer
/// carries the same reviews: nothing new, so nothing more is written). Returns whether it
/// wrote.
pub fn apply_reviews(
    data_dir: &Path,
    reviews: &Reviews,
) -> Result<bool, crate::progress::ProgressError> {
    let pending = |p: &Progress| -> Vec<(String, InstructorReview)> {
        reviews
            .iter()
            .filter_map(|(id, r)| {
                let answer = &p.problem(id)?.answer;
                let sa = answer.self_assessed.as_ref()?;
                let mine = InstructorReview {
                    accepted: r.accept,
                    at: r.at.clone(),
                    of: r.of.clone(),
                };
                (sa.at == r.of && answer.review.as_ref() != Some(&mine)).then(|| (id.clone(), mine))
            })
            .collect()
    };
    if reviews.is_empty() || pending(&Progress::load(data_dir)?).is_empty() {
        return Ok(false);
    }
    Progress::update(data_dir, |p| {
        for (id, review) in pending(p) {
            if let Some(problem) = p.problems.get_mut(&id) {
                problem.answer.review = Some(review);
            }
        }
    })?;
    Ok(true)
}

/// `GET /workshop/reviews`: the instructor's reviews of this learner's self-assessed answers.
pub async fn fetch_reviews(joined: &Joined) -> Result<Reviews, LearnerError> {
    let base = joined.server.trim_end_matches('/');
    let resp = http()
        .get(format!("{base}/workshop/reviews"))
        .bearer_auth(&joined.learner_token)
        .send()
        .await
        .map_err(|source| LearnerError::Unreachable {
            url: base.to_string(),
            source,
        })?;
    if !resp.status().is_success() {
        return Err(refusal(resp).await);
    }
    resp.json::<ReviewsAnswer>()
        .await
        .map(|a| a.reviews)
        .map_err(|e| LearnerError::Decode(e.to_string()))
}

/// Asks the room for the instructor's reviews and writes any new one into the record (for
/// `forgetful progress` and `report`); a room out of reach is not an error worth stopping for.
pub fn refresh_reviews(data_dir: &Path, joined: &Joined) -> Result<bool, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let reviews = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(3), fetch_reviews(joined))
            .await
            .map_err(|_| "the workshop did not answer within 3 s".to_string())?
            .map_err(|e| e.to_string())
    })?;
    apply_reviews(data_dir, &reviews).map_err(|e| e.to_string())
}

enum Signal {
    Flush,
    Finish,
}

/// Sends queued changes from a thread of its own, so the app's event loop never waits on
/// the network: `notify` after a change, `finish` before the process exits.
pub struct Uplink {
    tx: mpsc::Sender<Signal>,
    done: mpsc::Receiver<Result<usize, String>>,
    thread: Option<std::thread::JoinHandle<()>>,
    outbox: Outbox,
}

/// How often queued changes are tried again while the server is unreachable.
const RETRY: Duration = Duration::from_secs(5);

impl Uplink {
    /// Starts the sender; it tries whatever already waits at once.
    pub fn start(data_dir: &Path, joined: Joined) -> Self {
        let (tx, rx) = mpsc::channel::<Signal>();
        let (done_tx, done) = mpsc::channel();
        let outbox = Outbox::new(data_dir);
        let ob = outbox.clone();
        let thread = std::thread::Builder::new()
            .name("workshop-uplink".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                let http = http();
                let mut last: Result<usize, String> = Ok(0);
                let send = |last: &mut Result<usize, String>| {
                    if !ob.pending().is_empty() {
                        *last = rt
                            .block_on(ob.flush(&joined, &http))
                            .map_err(|e| e.to_string());
                        if let Err(e) = last {
                            tracing::warn!("workshop: progress not sent yet: {e}");
                        }
                    }
                };
                send(&mut last);
                loop {
                    let wait = if ob.pending().is_empty() {
                        Duration::from_secs(3600)
                    } else {
                        RETRY
                    };
                    match rx.recv_timeout(wait) {
                        Ok(Signal::Flush) | Err(mpsc::RecvTimeoutError::Timeout) => send(&mut last),
                        Ok(Signal::Finish) => {
                            send(&mut last);
                            let _ = done_tx.send(last);
                            return;
                        }
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            })
            .ok();
        Uplink {
            tx,
            done,
            thread,
            outbox,
        }
    }

    /// What queues changes for this sender: cheap to clone, safe to hand to the progress
    /// module's change hook.
    pub fn queue(&self) -> Queue {
        Queue {
            tx: self.tx.clone(),
            outbox: self.outbox.clone(),
        }
    }

    /// A last try at sending, waiting at most `within`; says how many changes still wait.
    pub fn finish(mut self, within: Duration) -> Finished {
        let _ = self.tx.send(Signal::Finish);
        let outcome = self.done.recv_timeout(within).ok();
        if outcome.is_some()
            && let Some(t) = self.thread.take()
        {
            let _ = t.join();
        }
        Finished {
            waiting: self.outbox.pending().len(),
            error: outcome.and_then(|r| r.err()),
        }
    }
}

/// Queues changes for an [`Uplink`].
#[derive(Clone)]
pub struct Queue {
    tx: mpsc::Sender<Signal>,
    outbox: Outbox,
}

impl Queue {
    /// Queues the record (quick: one small file) and wakes the sender.
    pub fn push(&self, progress: &Progress) {
        if let Err(e) = self.outbox.push(progress) {
            tracing::warn!("workshop: could not queue a progress change: {e}");
        }
        let _ = self.tx.send(Signal::Flush);
    }
}

/// What is left when the process stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Changes still in the outbox: they go with the next send that succeeds.
    pub waiting: usize,
    /// Why the last send failed, if it did.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_reaches_the_record_once_and_only_for_its_self_assessment() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Progress::default();
        for _ in 0..2 {
            p.record_answer(
                "disappearing-login",
                "short",
                crate::progress::AnswerOutcome::NotYet,
                "m",
            );
        }
        p.self_assess("disappearing-login", "model").unwrap();
        p.save(dir.path()).unwrap();
        let at = p
            .problem("disappearing-login")
            .unwrap()
            .answer
            .self_assessed
            .clone()
            .unwrap()
            .at;
        let review = |accept, of: &str| {
            Reviews::from([(
                "disappearing-login".to_string(),
                super::super::class::Review {
                    accept,
                    at: "2026-01-01T10:00:00Z".into(),
                    of: of.into(),
                },
            )])
        };
        // A review of an earlier self-assessment is not this one's.
        assert!(!apply_reviews(dir.path(), &review(true, "2025-01-01T00:00:00Z")).unwrap());
        assert!(apply_reviews(dir.path(), &review(false, &at)).unwrap());
        assert!(
            !apply_reviews(dir.path(), &review(false, &at)).unwrap(),
            "nothing new"
        );
        let answer = Progress::load(dir.path()).unwrap().problems["disappearing-login"]
            .answer
            .clone();
        assert_eq!(answer.current_review().map(|r| r.accepted), Some(false));
        assert!(!answer.done(), "rejected is not done");
        assert!(apply_reviews(dir.path(), &review(true, &at)).unwrap());
        assert!(
            Progress::load(dir.path()).unwrap().problems["disappearing-login"]
                .answer
                .done()
        );
    }

    #[test]
    fn the_outbox_keeps_changes_in_order_and_the_record_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path());
        let mut p = Progress::default();
        outbox.push(&p).unwrap();
        p.mark_read("01-a");
        outbox.push(&p).unwrap();
        let pending = outbox.pending();
        assert_eq!(pending.len(), 2);
        for _ in 0..40 {
            outbox.push(&p).unwrap();
        }
        assert_eq!(
            outbox.pending().len(),
            KEEP_QUEUED,
            "older snapshots are pruned"
        );
        let pending = outbox.pending();
        let newest: Queued =
            serde_json::from_str(&std::fs::read_to_string(pending.last().unwrap()).unwrap())
                .unwrap();
        assert!(newest.progress.lessons_read.contains("01-a"));

        let joined = Joined {
            server: "http://127.0.0.1:1".into(),
            name: "ann".into(),
            learner_token: "t".into(),
            lab_url: "http://127.0.0.1:2".into(),
            lab_key: None,
            joined_at: "now".into(),
        };
        joined.save(dir.path()).unwrap();
        assert_eq!(Joined::load(dir.path()).unwrap(), Some(joined));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(Joined::path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(Joined::forget(dir.path()).unwrap());
        assert_eq!(Joined::load(dir.path()).unwrap(), None);
        assert!(outbox.pending().is_empty());
    }
}
