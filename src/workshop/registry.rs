//! Who is in the room: one seat per learner name, with its token (kept as a hash), its lab,
//! and the latest progress record it sent.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::class::{Review, Reviews};
use super::{LEARNERS_DIR, LearnerStore, WorkshopConfig};
use crate::lab::{LabConfig, LabHandle};
use crate::progress::Progress;
use crate::store::StoreSpec;

/// Where the template shop's lab runs, inside the data dir.
const TEMPLATE_DIR: &str = "workshop/template";
/// The shop's file, as `lab` names it.
const SHOP_FILE: &str = "shop.db";

/// The longest learner name.
pub const MAX_NAME: usize = 32;

/// Why a name cannot be a learner's.
pub fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the name is empty: pick 1 to 32 characters from a-z, 0-9, - and _".into());
    }
    if name.chars().count() > MAX_NAME {
        return Err(format!(
            "the name \"{}\" is {} characters long: at most {MAX_NAME}",
            crate::api::bounded(name, MAX_NAME),
            name.chars().count()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !matches!(c, 'a'..='z' | '0'..='9' | '-' | '_'))
    {
        return Err(format!(
            "the name \"{}\" may have only lower-case letters a-z, digits, - and _ (it has \"{}\")",
            crate::api::bounded(name, MAX_NAME),
            crate::api::bounded(&bad.to_string(), 4)
        ));
    }
    Ok(())
}

pub type TokenHash = [u8; 32];

pub fn token_hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

fn same_hash(a: &TokenHash, b: &TokenHash) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// A learner's lab, once it is up.
pub struct SeatLab {
    pub port: u16,
    pub key: String,
    handle: Mutex<Option<LabHandle>>,
}

impl SeatLab {
    /// The newest `n` entries of the lab's journal, oldest first (none once it is stopped).
    pub fn journal_tail(&self, n: usize) -> Vec<crate::api::JournalEntry> {
        self.handle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|h| h.journal_tail(n))
            .unwrap_or_default()
    }
}

/// What the room knows of a learner's progress.
#[derive(Default)]
pub struct Record {
    pub progress: Option<Progress>,
    /// The learner's own clock (unix ms) at the change the stored record shows: a record
    /// changed earlier than the stored one (a late send from another terminal) is not kept.
    pub changed_at_ms: Option<i64>,
    /// Latest change of any kind (the reader's position included).
    pub last_activity: Option<OffsetDateTime>,
    /// Latest change to what counts as progress (lessons, predictions, checks, answers, hints).
    pub last_progress: Option<OffsetDateTime>,
    /// The instructor's reviews of self-assessed answers, by problem.
    pub reviews: Reviews,
    fingerprint: Option<[u8; 32]>,
}

pub struct Seat {
    pub name: String,
    token: TokenHash,
    pub joined_at: OffsetDateTime,
    pub lab: tokio::sync::OnceCell<Arc<SeatLab>>,
    pub record: Mutex<Record>,
}

/// Why a join was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinRefused {
    #[error("{0}")]
    BadName(String),
    #[error(
        "the name {0} is taken: rejoin with its learner token (Authorization: Bearer <learner_token>; `forgetful --join` sends the one it keeps), or pick another name"
    )]
    NameTaken(String),
    #[error(
        "the learner token given is not {0}'s: rejoin with the token this name was given, or pick another name"
    )]
    WrongToken(String),
    #[error(
        "the workshop is full: it takes at most {0} learners (the instructor can raise --max-learners)"
    )]
    Full(usize),
    #[error("{0}'s lab is still starting: try again in a moment")]
    Starting(String),
    #[error("{name}'s lab did not start: {reason}")]
    LabFailed { name: String, reason: String },
}

/// Why a review was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefused {
    #[error("{0}")]
    UnknownProblem(String),
    #[error("{0}")]
    NothingToReview(String),
}

/// A seat given out: what the learner is told.
pub struct Joined {
    pub seat: Arc<Seat>,
    pub lab: Arc<SeatLab>,
    /// Set when the seat is new: the token, which the room never shows again.
    pub new_token: Option<String>,
}

pub struct Registry {
    pub cfg: WorkshopConfig,
    /// The shop (demo users with their password hashes, seed orders) every learner's lab
    /// starts from: made once by a lab of its own, so joining hashes no passwords.
    template: tokio::sync::OnceCell<PathBuf>,
    seats: Mutex<BTreeMap<String, Arc<Seat>>>,
    by_token: Mutex<HashMap<TokenHash, String>>,
    admin: TokenHash,
    events: tokio::sync::broadcast::Sender<String>,
    /// Goes up with every change the class summary would show (a seat, a record, a review);
    /// the live class view waits on it instead of asking again and again.
    version: tokio::sync::watch::Sender<u64>,
}

impl Registry {
    pub fn new(cfg: WorkshopConfig) -> Self {
        let admin = token_hash(&cfg.admin_token);
        Registry {
            cfg,
            template: tokio::sync::OnceCell::new(),
            seats: Mutex::new(BTreeMap::new()),
            by_token: Mutex::new(HashMap::new()),
            admin,
            events: tokio::sync::broadcast::channel(256).0,
            version: tokio::sync::watch::channel(1).0,
        }
    }

    /// The room's version: see [`Registry::changed`].
    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    fn bump(&self) {
        self.version.send_modify(|v| *v += 1);
    }

    /// Waits until the version passes `after`, at most `wait`; returns the version then.
    pub async fn changed(&self, after: u64, wait: Duration) -> u64 {
        let mut rx = self.version.subscribe();
        let _ = tokio::time::timeout(wait, rx.wait_for(|v| *v > after)).await;
        self.version()
    }

    /// The seat of `name`, if it has one.
    pub fn seat(&self, name: &str) -> Option<Arc<Seat>> {
        self.seats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    /// The instructor accepts or rejects the self-assessed answer `seat` holds for `problem`.
    pub fn review(
        &self,
        seat: &Seat,
        problem: &str,
        accept: bool,
    ) -> Result<Review, ReviewRefused> {
        if !self.cfg.problems.is_empty() && !self.cfg.problems.iter().any(|p| p == problem) {
            return Err(ReviewRefused::UnknownProblem(format!(
                "no problem {} in this course: one of {}",
                crate::api::bounded(problem, 40),
                self.cfg.problems.join(", ")
            )));
        }
        let review = {
            let mut record = seat.record.lock().unwrap_or_else(|p| p.into_inner());
            let answer = record
                .progress
                .as_ref()
                .and_then(|p| p.problem(problem))
                .map(|p| p.answer.clone())
                .unwrap_or_default();
            let Some(sa) = answer.self_assessed.as_ref() else {
                return Err(ReviewRefused::NothingToReview(format!(
                    "{} has no self-assessed answer to {}: there is nothing to accept or reject",
                    seat.name,
                    crate::api::bounded(problem, 40)
                )));
            };
            if answer.passed_at.is_some() {
                return Err(ReviewRefused::NothingToReview(format!(
                    "the grader passed {}'s answer to {}: it needs no review",
                    seat.name,
                    crate::api::bounded(problem, 40)
                )));
            }
            let review = Review {
                accept,
                at: crate::progress::now(),
                of: sa.at.clone(),
            };
            record.reviews.insert(problem.to_string(), review.clone());
            review
        };
        self.bump();
        self.say(format!(
            "{}  {}'s answer to {problem}",
            if accept { "accepted " } else { "rejected " },
            seat.name
        ));
        Ok(review)
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.events.subscribe()
    }

    pub fn say(&self, line: String) {
        let _ = self.events.send(line);
    }

    pub fn len(&self) -> usize {
        self.seats.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_admin(&self, token: &str) -> bool {
        same_hash(&token_hash(token), &self.admin)
    }

    /// The seat whose learner token this is.
    pub fn seat_of(&self, token: &str) -> Option<Arc<Seat>> {
        let name = self
            .by_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&token_hash(token))
            .cloned()?;
        self.seats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&name)
            .cloned()
    }

    /// Every seat, by name.
    pub fn seats(&self) -> Vec<Arc<Seat>> {
        self.seats
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Gives `name` a seat and starts its lab, or gives back the seat it has when `token` is
    /// its learner token.
    pub async fn join(&self, name: &str, token: Option<&str>) -> Result<Joined, JoinRefused> {
        validate_name(name).map_err(JoinRefused::BadName)?;
        let (seat, new_token) = {
            let mut seats = self.seats.lock().unwrap_or_else(|p| p.into_inner());
            match seats.get(name) {
                Some(seat) => {
                    let Some(token) = token else {
                        return Err(JoinRefused::NameTaken(name.to_string()));
                    };
                    if !same_hash(&token_hash(token), &seat.token) {
                        return Err(JoinRefused::WrongToken(name.to_string()));
                    }
                    (seat.clone(), None)
                }
                None => {
                    if seats.len() >= self.cfg.max_learners {
                        return Err(JoinRefused::Full(self.cfg.max_learners));
                    }
                    let token = hex::encode(crate::lab::sessions::random_bytes::<32>());
                    let seat = Arc::new(Seat {
                        name: name.to_string(),
                        token: token_hash(&token),
                        joined_at: OffsetDateTime::now_utc(),
                        lab: tokio::sync::OnceCell::new(),
                        record: Mutex::new(Record::default()),
                    });
                    seats.insert(name.to_string(), seat.clone());
                    (seat, Some(token))
                }
            }
        };
        let Some(token) = new_token else {
            return match seat.lab.get() {
                Some(lab) => Ok(Joined {
                    lab: lab.clone(),
                    seat,
                    new_token: None,
                }),
                None => Err(JoinRefused::Starting(name.to_string())),
            };
        };
        match self.start_lab(name, &token).await {
            Ok(lab) => {
                let lab = Arc::new(lab);
                let _ = seat.lab.set(lab.clone());
                self.by_token
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(seat.token, name.to_string());
                self.bump();
                Ok(Joined {
                    seat,
                    lab,
                    new_token: Some(token),
                })
            }
            Err(reason) => {
                // Free the name, so the learner can try again.
                self.seats
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(name);
                Err(JoinRefused::LabFailed {
                    name: name.to_string(),
                    reason,
                })
            }
        }
    }

    /// The template shop's path, made on first use: a lab started and stopped in
    /// `workshop/template`, so the file is exactly what a lab makes.
    async fn template(&self) -> Result<&PathBuf, String> {
        self.template
            .get_or_try_init(|| async {
                let dir = self.cfg.data_dir.join(TEMPLATE_DIR);
                let mut cfg = LabConfig::ephemeral(&dir);
                cfg.replicas = 1;
                cfg.limits = self.cfg.lab.limits;
                let lab = crate::lab::start(cfg)
                    .await
                    .map_err(|e| format!("the template lab did not start: {e}"))?;
                lab.shutdown().await;
                Ok(dir.join(SHOP_FILE))
            })
            .await
    }

    /// Gives a new learner's folder its own copy of the template shop (`VACUUM INTO`: one
    /// consistent file, whatever the template's write-ahead log holds). A folder that has a
    /// shop already (the learner was here before the server restarted) keeps it.
    async fn seed_shop(&self, dir: &Path) -> Result<(), String> {
        let dest = dir.join(SHOP_FILE);
        if dest.exists() {
            return Ok(());
        }
        let template = self.template().await?.clone();
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let dest_text = dest.to_string_lossy().into_owned();
        rusqlite::Connection::open(&template)
            .and_then(|c| c.execute("VACUUM INTO ?1", [dest_text]))
            .map(|_| ())
            .map_err(|e| format!("copying the shop to {}: {e}", dest.display()))
    }

    /// A lab of the learner's own: its own folder under the data dir (session store, orders,
    /// issuer key), its own ports, and `/admin` behind the learner's token.
    async fn start_lab(&self, name: &str, token: &str) -> Result<SeatLab, String> {
        let dir = self.cfg.data_dir.join(LEARNERS_DIR).join(name);
        self.seed_shop(&dir).await?;
        let cfg = LabConfig {
            bind: self.cfg.bind,
            port: 0,
            replicas: self.cfg.lab.replicas,
            mode: self.cfg.lab.mode,
            store: match self.cfg.lab.store {
                LearnerStore::Sqlite => StoreSpec::Sqlite,
                LearnerStore::Memory => StoreSpec::Memory,
            },
            data_dir: dir,
            admin_token: Some(token.to_string()),
            public_host: self.cfg.public_host.clone(),
            limits: self.cfg.lab.limits,
            any_port_if_taken: false,
            token_ttl_secs: self.cfg.lab.token_ttl_secs,
            allow_weaknesses: self.cfg.lab.allow_weaknesses,
        };
        let lab = crate::lab::start(cfg).await.map_err(|e| e.to_string())?;
        Ok(SeatLab {
            port: lab.addr.port(),
            key: lab.source_key().to_string(),
            handle: Mutex::new(Some(lab)),
        })
    }

    /// Keeps `progress` as the learner's latest record. `age` is how long ago the learner
    /// made the change (it may have waited in their outbox); `changed_at_ms` is their clock
    /// at the change. Returns whether it was kept (an older record than the one held is not).
    pub fn record_progress(
        &self,
        seat: &Seat,
        progress: Progress,
        changed_at_ms: Option<i64>,
        age: Duration,
    ) -> bool {
        let now = OffsetDateTime::now_utc();
        let at = (now - age).max(seat.joined_at).min(now);
        let mut record = seat.record.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(new), Some(held)) = (changed_at_ms, record.changed_at_ms)
            && new < held
        {
            return false;
        }
        let fingerprint = progress_fingerprint(&progress);
        if record.fingerprint != Some(fingerprint) {
            record.fingerprint = Some(fingerprint);
            record.last_progress = Some(record.last_progress.map_or(at, |t| t.max(at)));
        }
        record.last_activity = Some(record.last_activity.map_or(at, |t| t.max(at)));
        record.changed_at_ms = changed_at_ms.or(record.changed_at_ms);
        record.progress = Some(progress);
        drop(record);
        self.bump();
        true
    }

    /// Stops every learner's lab.
    pub async fn shutdown(&self) {
        for seat in self.seats() {
            let handle = seat
                .lab
                .get()
                .and_then(|l| l.handle.lock().unwrap_or_else(|p| p.into_inner()).take());
            if let Some(h) = handle {
                h.shutdown().await;
            }
        }
    }
}

/// A hash of what counts as progress: the record without the reader's position, answer
/// drafts and check markers, so scrolling or typing is activity but not progress.
fn progress_fingerprint(p: &Progress) -> [u8; 32] {
    let mut p = p.clone();
    p.last_lesson = None;
    for problem in p.problems.values_mut() {
        problem.answer.draft = None;
        // The instructor's review, echoed back by the learner, is not the learner's progress.
        problem.answer.review = None;
        problem.check_marks.clear();
    }
    p.problems
        .retain(|_, v| *v != crate::progress::ProblemProgress::default());
    let bytes = serde_json::to_vec(&p).unwrap_or_default();
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_lower_case_words() {
        for ok in ["alice", "a", "bob-2", "x_y", &"a".repeat(32)] {
            assert_eq!(validate_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "Alice",
            "a b",
            "é",
            "a/b",
            "../x",
            &"a".repeat(33),
            "a\u{1b}[2J",
        ] {
            let reason = validate_name(bad).unwrap_err();
            assert!(!reason.contains('\u{1b}'), "{reason}");
        }
        // A long name is cut in the reason, never echoed whole.
        let long = "A".repeat(10_000);
        assert!(validate_name(&long).unwrap_err().len() < 200);
    }

    #[test]
    fn scrolling_and_drafts_are_not_progress() {
        let mut p = Progress::default();
        let base = progress_fingerprint(&p);
        p.set_position("01-x", 40);
        p.save_draft("disappearing-login", "half a thought");
        assert_eq!(progress_fingerprint(&p), base);
        p.mark_read("01-x");
        assert_ne!(progress_fingerprint(&p), base);
    }
}
