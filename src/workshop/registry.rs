//! Who is in the room: one seat per learner name, with its token (kept as a hash), where its
//! lab runs, the latest progress record it sent and the instructor's reviews. The room lives
//! in a [`RoomStore`] (SQLite for one server, Redis for several); the labs this server runs
//! live here, in memory.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::class::{Review, Reviews};
use super::{LEARNERS_DIR, LearnerStore, WorkshopConfig};
use crate::lab::{LabConfig, LabHandle};
use crate::progress::Progress;
use crate::store::StoreSpec;
use crate::store::room::{RoomSeat, RoomStore};

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

/// The room's name in a shared store: servers started with the same admin token share it.
pub fn room_name(admin_token: &str) -> String {
    hex::encode(&token_hash(&format!("forgetful room {admin_token}"))[..8])
}

fn same_hash(a: &TokenHash, b: &TokenHash) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// A lab this server runs for a learner.
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

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn parse_time(s: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s?, &Rfc3339).ok()
}

/// What the room knows of a learner's progress, as the store keeps it (JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Record {
    pub progress: Option<Progress>,
    /// The learner's own clock (unix ms) at the change the stored record shows: a record
    /// changed earlier than the stored one (a late send from another terminal) is not kept.
    pub changed_at_ms: Option<i64>,
    /// RFC 3339: the latest change of any kind (the reader's position included).
    last_activity: Option<String>,
    /// RFC 3339: the latest change to what counts as progress (lessons, predictions, checks,
    /// answers, hints).
    last_progress: Option<String>,
    /// Hex hash of what counts as progress in the record.
    fingerprint: Option<String>,
}

impl Record {
    pub fn last_activity(&self) -> Option<OffsetDateTime> {
        parse_time(self.last_activity.as_deref())
    }
    pub fn last_progress(&self) -> Option<OffsetDateTime> {
        parse_time(self.last_progress.as_deref())
    }
}

/// A learner's seat, as the room keeps it.
#[derive(Debug, Clone)]
pub struct Seat {
    pub name: String,
    pub joined_at: OffsetDateTime,
    /// The lab's URL as the learner was last given it.
    pub lab_url: String,
}

impl Seat {
    fn of(stored: RoomSeat) -> Self {
        Seat {
            name: stored.name.clone(),
            joined_at: parse_time(Some(&stored.joined_at)).unwrap_or(OffsetDateTime::UNIX_EPOCH),
            lab_url: stored.lab_url,
        }
    }
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
        "this workshop server is full: it runs at most {0} learners' labs (the instructor can raise --max-learners, or start another server on the same Redis)"
    )]
    Full(usize),
    #[error("{0}'s lab is still starting: try again in a moment")]
    Starting(String),
    #[error("{name}'s lab did not start: {reason}")]
    LabFailed { name: String, reason: String },
    #[error("the room's store did not answer: {0}")]
    Store(String),
}

/// Why a review was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefused {
    #[error("{0}")]
    UnknownProblem(String),
    #[error("{0}")]
    NothingToReview(String),
    #[error("the room's store did not answer: {0}")]
    Store(String),
}

/// A seat given out: what the learner is told.
pub struct Joined {
    pub seat: Seat,
    pub lab_url: String,
    pub lab_key: String,
    /// Set when the seat is new: the token, which the room never shows again.
    pub new_token: Option<String>,
}

/// The room as it stands: every seat with its record and reviews.
pub struct Room {
    pub version: u64,
    pub seats: Vec<(Seat, Record, Reviews)>,
}

pub struct Registry {
    pub cfg: WorkshopConfig,
    /// The shop (demo users with their password hashes, seed orders) every learner's lab
    /// starts from: made once by a lab of its own, so joining hashes no passwords.
    template: tokio::sync::OnceCell<PathBuf>,
    room: Arc<dyn RoomStore>,
    /// This run's id: the seats whose labs run here name it.
    server: String,
    /// The labs this server runs, by learner name.
    labs: Mutex<BTreeMap<String, Arc<SeatLab>>>,
    /// Names whose lab is starting here.
    starting: Mutex<HashSet<String>>,
    /// Record and review changes are read, changed and written one at a time.
    writing: tokio::sync::Mutex<()>,
    admin: TokenHash,
    events: tokio::sync::broadcast::Sender<String>,
    /// The room's version as this server last saw it change: wakes the summaries waiting for
    /// a change at once (with a shared store, they also look at the store's version).
    version: tokio::sync::watch::Sender<u64>,
}

fn store_err(e: crate::store::StoreError) -> String {
    e.to_string()
}

/// How often a summary waiting for a change reads a shared store's version.
const SHARED_POLL: Duration = Duration::from_millis(250);

impl Registry {
    pub fn new(cfg: WorkshopConfig, room: Arc<dyn RoomStore>) -> Self {
        let admin = token_hash(&cfg.admin_token);
        Registry {
            cfg,
            template: tokio::sync::OnceCell::new(),
            room,
            server: hex::encode(crate::lab::sessions::random_bytes::<8>()),
            labs: Mutex::new(BTreeMap::new()),
            starting: Mutex::new(HashSet::new()),
            writing: tokio::sync::Mutex::new(()),
            admin,
            events: tokio::sync::broadcast::channel(256).0,
            version: tokio::sync::watch::channel(0).0,
        }
    }

    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.events.subscribe()
    }

    pub fn say(&self, line: String) {
        let _ = self.events.send(line);
    }

    /// How many learners' labs this server runs.
    pub fn len(&self) -> usize {
        self.labs.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    pub fn is_admin(&self, token: &str) -> bool {
        same_hash(&token_hash(token), &self.admin)
    }

    /// The lab this server runs for `name`, if it does.
    pub fn lab(&self, name: &str) -> Option<Arc<SeatLab>> {
        self.labs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
    }

    async fn bump(&self) {
        match self.room.bump().await {
            Ok(v) => {
                self.version.send_replace(v);
            }
            Err(e) => tracing::warn!("workshop: the room's version did not move: {e}"),
        }
    }

    /// The room's version now.
    pub async fn version(&self) -> u64 {
        self.room
            .version()
            .await
            .unwrap_or_else(|_| *self.version.borrow())
    }

    /// Waits until the room's version passes `after`, at most `wait`; returns the version.
    pub async fn changed(&self, after: u64, wait: Duration) -> u64 {
        let deadline = tokio::time::Instant::now() + wait;
        let mut rx = self.version.subscribe();
        loop {
            let v = self.version().await;
            let now = tokio::time::Instant::now();
            if v > after || now >= deadline {
                return v;
            }
            let mut nap = deadline - now;
            if self.room.shared() {
                nap = nap.min(SHARED_POLL);
            }
            tokio::select! {
                _ = rx.changed() => {}
                _ = tokio::time::sleep(nap) => {}
            }
        }
    }

    /// The seat of `name`, if it has one.
    pub async fn seat(&self, name: &str) -> Result<Option<Seat>, String> {
        Ok(self.room.seat(name).await.map_err(store_err)?.map(Seat::of))
    }

    /// The seat whose learner token this is.
    pub async fn seat_of(&self, token: &str) -> Result<Option<Seat>, String> {
        let hash = hex::encode(token_hash(token));
        Ok(self
            .room
            .seat_by_token(&hash)
            .await
            .map_err(store_err)?
            .map(Seat::of))
    }

    pub async fn record(&self, name: &str) -> Result<Record, String> {
        let json = self.room.record(name).await.map_err(store_err)?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    pub async fn reviews(&self, name: &str) -> Result<Reviews, String> {
        let json = self.room.reviews_of(name).await.map_err(store_err)?;
        Ok(json
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    /// Every seat with its record and reviews, by name.
    pub async fn room(&self) -> Result<Room, String> {
        let version = self.version().await;
        let seats = self.room.seats().await.map_err(store_err)?;
        let mut records = self.room.records().await.map_err(store_err)?;
        let mut reviews = self.room.reviews().await.map_err(store_err)?;
        let seats = seats
            .into_iter()
            .map(|s| {
                let record = records
                    .remove(&s.name)
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or_default();
                let review = reviews
                    .remove(&s.name)
                    .and_then(|j| serde_json::from_str(&j).ok())
                    .unwrap_or_default();
                (Seat::of(s), record, review)
            })
            .collect();
        Ok(Room { version, seats })
    }

    /// Gives `name` a seat and starts its lab, or gives back the seat it has when `token` is
    /// its learner token. `host` is how the learner reached this server: their lab's URL names
    /// it. A seat whose lab runs on another server sharing the room gets that lab back while
    /// it answers; one whose lab is gone (a restarted server, a server that stopped) gets a
    /// lab here.
    pub async fn join(
        &self,
        name: &str,
        token: Option<&str>,
        host: &str,
    ) -> Result<Joined, JoinRefused> {
        validate_name(name).map_err(JoinRefused::BadName)?;
        let store = |e: crate::store::StoreError| JoinRefused::Store(e.to_string());
        if let Some(stored) = self.room.seat(name).await.map_err(store)? {
            let Some(token) = token else {
                return Err(JoinRefused::NameTaken(name.to_string()));
            };
            if !same_hash(&token_hash(token), &hex_hash(&stored.token_hash)) {
                return Err(JoinRefused::WrongToken(name.to_string()));
            }
            if let Some(lab) = self.lab(name) {
                let seat = Seat::of(stored);
                return Ok(Joined {
                    lab_url: format!("http://{host}:{}", lab.port),
                    lab_key: lab.key.clone(),
                    seat,
                    new_token: None,
                });
            }
            if stored.server != self.server && lab_answers(&stored.lab_url).await {
                return Ok(Joined {
                    lab_url: stored.lab_url.clone(),
                    lab_key: stored.lab_key.clone(),
                    seat: Seat::of(stored),
                    new_token: None,
                });
            }
            // Its lab is not running anywhere: start it here.
            let (lab_url, lab_key) = self.start_seat_lab(name, token, host).await?;
            let moved = RoomSeat {
                server: self.server.clone(),
                lab_url: lab_url.clone(),
                lab_key: lab_key.clone(),
                ..stored
            };
            self.room.update_seat(&moved).await.map_err(store)?;
            self.bump().await;
            return Ok(Joined {
                seat: Seat::of(moved),
                lab_url,
                lab_key,
                new_token: None,
            });
        }
        if self.len() >= self.cfg.max_learners {
            return Err(JoinRefused::Full(self.cfg.max_learners));
        }
        let token = hex::encode(crate::lab::sessions::random_bytes::<32>());
        let claimed = RoomSeat {
            name: name.to_string(),
            token_hash: hex::encode(token_hash(&token)),
            joined_at: rfc3339(OffsetDateTime::now_utc()),
            server: self.server.clone(),
            lab_url: String::new(),
            lab_key: String::new(),
        };
        if !self.room.claim(&claimed).await.map_err(store)? {
            return Err(JoinRefused::NameTaken(name.to_string()));
        }
        let (lab_url, lab_key) = match self.start_seat_lab(name, &token, host).await {
            Ok(lab) => lab,
            Err(e) => {
                // Free the name, so the learner can try again.
                let _ = self.room.release(name).await;
                return Err(e);
            }
        };
        let seat = RoomSeat {
            lab_url: lab_url.clone(),
            lab_key: lab_key.clone(),
            ..claimed
        };
        self.room.update_seat(&seat).await.map_err(store)?;
        self.bump().await;
        Ok(Joined {
            seat: Seat::of(seat),
            lab_url,
            lab_key,
            new_token: Some(token),
        })
    }

    /// Starts `name`'s lab here, once at a time; its URL (at `host`) and key.
    async fn start_seat_lab(
        &self,
        name: &str,
        token: &str,
        host: &str,
    ) -> Result<(String, String), JoinRefused> {
        if !self
            .starting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string())
        {
            return Err(JoinRefused::Starting(name.to_string()));
        }
        let started = self.start_lab(name, token).await;
        self.starting
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name);
        let lab = Arc::new(started.map_err(|reason| JoinRefused::LabFailed {
            name: name.to_string(),
            reason,
        })?);
        self.labs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_string(), lab.clone());
        Ok((format!("http://{host}:{}", lab.port), lab.key.clone()))
    }

    /// The instructor accepts or rejects the self-assessed answer `seat` holds for `problem`.
    pub async fn review(
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
            let _one = self.writing.lock().await;
            let record = self
                .record(&seat.name)
                .await
                .map_err(ReviewRefused::Store)?;
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
            let mut reviews = self
                .reviews(&seat.name)
                .await
                .map_err(ReviewRefused::Store)?;
            reviews.insert(problem.to_string(), review.clone());
            let json = serde_json::to_string(&reviews).unwrap_or_default();
            self.room
                .put_reviews(&seat.name, &json)
                .await
                .map_err(|e| ReviewRefused::Store(e.to_string()))?;
            review
        };
        self.bump().await;
        self.say(format!(
            "{}  {}'s answer to {problem}",
            if accept { "accepted " } else { "rejected " },
            seat.name
        ));
        Ok(review)
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
    pub async fn record_progress(
        &self,
        seat: &Seat,
        progress: Progress,
        changed_at_ms: Option<i64>,
        age: Duration,
    ) -> Result<bool, String> {
        let now = OffsetDateTime::now_utc();
        let at = (now - age).max(seat.joined_at).min(now);
        {
            let _one = self.writing.lock().await;
            let mut record = self.record(&seat.name).await?;
            if let (Some(new), Some(held)) = (changed_at_ms, record.changed_at_ms)
                && new < held
            {
                return Ok(false);
            }
            let fingerprint = hex::encode(progress_fingerprint(&progress));
            if record.fingerprint.as_deref() != Some(fingerprint.as_str()) {
                record.fingerprint = Some(fingerprint);
                record.last_progress =
                    Some(rfc3339(record.last_progress().map_or(at, |t| t.max(at))));
            }
            record.last_activity = Some(rfc3339(record.last_activity().map_or(at, |t| t.max(at))));
            record.changed_at_ms = changed_at_ms.or(record.changed_at_ms);
            record.progress = Some(progress);
            let json = serde_json::to_string(&record).map_err(|e| e.to_string())?;
            self.room
                .put_record(&seat.name, &json)
                .await
                .map_err(store_err)?;
        }
        self.bump().await;
        Ok(true)
    }

    /// Stops every learner's lab this server runs.
    pub async fn shutdown(&self) {
        let labs: Vec<Arc<SeatLab>> = self
            .labs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect();
        for lab in labs {
            let handle = lab.handle.lock().unwrap_or_else(|p| p.into_inner()).take();
            if let Some(h) = handle {
                h.shutdown().await;
            }
        }
    }
}

/// A stored hex hash back to bytes (all zeros when it is not one, which matches no token).
fn hex_hash(h: &str) -> TokenHash {
    let mut out = [0u8; 32];
    if let Ok(bytes) = hex::decode(h)
        && bytes.len() == 32
    {
        out.copy_from_slice(&bytes);
    }
    out
}

/// Whether a lab answers at `url` (its balancer's health route), within a second.
async fn lab_answers(url: &str) -> bool {
    if url.is_empty() {
        return false;
    }
    let Ok(http) = reqwest::Client::builder()
        .timeout(Duration::from_secs(1))
        .build()
    else {
        return false;
    };
    http.get(format!("{}/healthz", url.trim_end_matches('/')))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
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
