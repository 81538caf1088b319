//! The learner's record: one JSON file, `progress.json`, in the data directory.
//!
//! Written atomically (see [`atomic`]). A file that cannot be read as progress is moved
//! aside to `progress.json.corrupt-<timestamp>` with a warning, never silently replaced.
//! A file written by a newer forgetful is refused and left untouched.
//!
//! Two processes may write it (the app and `forgetful check` in another terminal). Each
//! change should go through [`Progress::update`], which rereads the file just before
//! writing, so one does not undo the other's record.

pub mod atomic;
mod commands;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use commands::{ProgressArgs, ResetArgs, progress_command, reset_command};

/// The format this build writes. Bump it when a change would confuse an older reader.
pub const FORMAT_VERSION: u32 = 1;
pub const FILE_NAME: &str = "progress.json";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub version: u32,
    #[serde(default)]
    pub lessons_read: BTreeSet<String>,
    /// Where the reader was, to reopen the app at the same place.
    #[serde(default)]
    pub last_lesson: Option<LessonPosition>,
    #[serde(default)]
    pub problems: BTreeMap<String, ProblemProgress>,
    /// Predictions answered in lessons, by `lesson-id#n` (n counts from 1 in the lesson).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub predictions: BTreeMap<String, PredictionRecord>,
}

/// A prediction the learner committed to, and how it came out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionRecord {
    /// The question, as the lesson asked it.
    pub question: String,
    /// The choice picked (its text).
    pub picked: String,
    /// Whether the pick matched what the lab did (or the lesson's answer).
    pub right: bool,
    /// What settled it: the lab's response, or the lesson's answer.
    pub outcome: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// The progress key of the `n`-th prediction (0-based) of `lesson`.
pub fn prediction_key(lesson: &str, n: usize) -> String {
    format!("{lesson}#{}", n + 1)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonPosition {
    pub lesson: String,
    pub scroll: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProblemProgress {
    /// The lab half: set when the service check passed.
    #[serde(default)]
    pub service: Option<ServicePass>,
    /// The written half.
    #[serde(default)]
    pub answer: AnswerProgress,
    #[serde(default)]
    pub hints_used: usize,
    /// `check --restart` markers: run id -> first journal id that counts for that run.
    #[serde(default)]
    pub check_marks: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServicePass {
    /// RFC 3339, UTC.
    pub at: String,
    /// Journal lines that show the pass, for the report.
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerProgress {
    /// Unsubmitted text from the app's editor.
    #[serde(default)]
    pub draft: Option<String>,
    #[serde(default)]
    pub last: Option<Submission>,
    /// When an answer first passed; kept even if a later one does not.
    #[serde(default)]
    pub passed_at: Option<String>,
    /// The submission that first passed (at `passed_at`), for the report. Files written
    /// before it was kept have only `passed_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passed: Option<Submission>,
    /// Submissions that did not pass: from the second one on, the learner may compare
    /// their text with the model answer and mark it as saying the same.
    #[serde(default)]
    pub failed_tries: u32,
    /// The learner's own judgement that their answer says what the model answer says.
    /// Never a grader pass: `progress` and `report` show it as self-assessed, with both texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_assessed: Option<SelfAssessment>,
    /// A workshop instructor's decision on the self-assessment, as the room sent it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<InstructorReview>,
}

/// An instructor's accept or reject of a self-assessed answer (in a workshop). It speaks of
/// the self-assessment made at `of`; a later one has not been reviewed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstructorReview {
    pub accepted: bool,
    /// RFC 3339, UTC: when the instructor decided.
    pub at: String,
    /// The `at` of the self-assessment it speaks of.
    pub of: String,
}

/// Tries that did not pass before the learner may mark an answer as self-assessed.
pub const TRIES_BEFORE_SELF_ASSESSMENT: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfAssessment {
    /// The learner's answer, as last submitted.
    pub text: String,
    /// The model answer they compared it with.
    pub model_answer: String,
    /// RFC 3339, UTC.
    pub at: String,
}

/// Why an answer cannot be marked as self-assessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelfAssessError {
    #[error("submit an answer first")]
    NothingSubmitted,
    #[error("your answer already passed")]
    AlreadyPassed,
    #[error(
        "after {TRIES_BEFORE_SELF_ASSESSMENT} tries that do not pass ({0} so far), you may compare your answer with the model answer"
    )]
    TooSoon(u32),
}

impl AnswerProgress {
    /// The instructor's review of the current self-assessment, if it has one.
    pub fn current_review(&self) -> Option<&InstructorReview> {
        let sa = self.self_assessed.as_ref()?;
        self.review.as_ref().filter(|r| r.of == sa.at)
    }

    /// The written half is done: passed by the grader, or self-assessed and not rejected.
    pub fn done(&self) -> bool {
        self.passed_at.is_some()
            || (self.self_assessed.is_some() && self.current_review().is_none_or(|r| r.accepted))
    }

    /// The model answer may be shown beside the learner's text, and self-assessment offered.
    pub fn may_self_assess(&self) -> bool {
        self.passed_at.is_none() && self.failed_tries >= TRIES_BEFORE_SELF_ASSESSMENT
    }
}

/// How a written answer was graded, as the record keeps it (the grader's full verdict is not
/// kept: it is recomputed from the text whenever it is shown, by the rubric of the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerOutcome {
    Pass,
    Partial,
    NotYet,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "SubmissionFile")]
pub struct Submission {
    pub text: String,
    pub outcome: AnswerOutcome,
    /// The grader's one-line feedback at the time.
    pub message: String,
    /// RFC 3339, UTC.
    pub at: String,
}

impl Submission {
    pub fn passed(&self) -> bool {
        self.outcome == AnswerOutcome::Pass
    }
}

/// A submission as files hold it: files written before 0.2 kept the grader's whole verdict
/// under `verdict`; its outcome and message are all that is read from it now.
#[derive(Deserialize)]
struct SubmissionFile {
    text: String,
    at: String,
    outcome: Option<AnswerOutcome>,
    message: Option<String>,
    verdict: Option<VerdictFile>,
}

#[derive(Deserialize)]
struct VerdictFile {
    outcome: AnswerOutcome,
    #[serde(default)]
    message: String,
}

impl From<SubmissionFile> for Submission {
    fn from(f: SubmissionFile) -> Self {
        let (old_outcome, old_message) = f
            .verdict
            .map_or((None, None), |v| (Some(v.outcome), Some(v.message)));
        Submission {
            text: f.text,
            outcome: f.outcome.or(old_outcome).unwrap_or(AnswerOutcome::NotYet),
            message: f.message.or(old_message).unwrap_or_default(),
            at: f.at,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} was written by a newer forgetful (format {found}; this one reads up to {supported}). \
         Upgrade forgetful, or point --data-dir elsewhere; the file was left as it is"
    )]
    NewerVersion {
        path: PathBuf,
        found: u64,
        supported: u32,
    },
    #[error(
        "{path} is not valid progress ({reason}) and could not be moved aside to {sidecar}: {source}"
    )]
    MoveAside {
        path: PathBuf,
        sidecar: PathBuf,
        reason: String,
        source: std::io::Error,
    },
    #[error("encoding progress: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A progress file that could not be read and was moved aside.
#[derive(Debug, Clone, PartialEq)]
pub struct MovedAside {
    pub to: PathBuf,
    pub reason: String,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            version: FORMAT_VERSION,
            lessons_read: BTreeSet::new(),
            last_lesson: None,
            problems: BTreeMap::new(),
            predictions: BTreeMap::new(),
        }
    }
}

/// Now, as RFC 3339 in UTC: the timestamp format of every record.
pub fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "unknown".into())
}

/// Now, compact and safe in a file name.
fn file_stamp() -> String {
    let t = OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `base.<kind>-<timestamp>`, with a counter if that name is taken.
pub(crate) fn sidecar(path: &Path, kind: &str) -> PathBuf {
    let base = format!("{}.{kind}-{}", path.display(), file_stamp());
    let mut candidate = PathBuf::from(&base);
    let mut n = 1;
    while candidate.exists() {
        candidate = PathBuf::from(format!("{base}-{n}"));
        n += 1;
    }
    candidate
}

/// An exclusive advisory lock on `progress.lock` beside the record, released on drop.
fn lock(data_dir: &Path) -> Result<std::fs::File, ProgressError> {
    let path = data_dir.join("progress.lock");
    let write_err = |source| ProgressError::Write {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(data_dir).map_err(write_err)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(write_err)?;
    file.lock().map_err(write_err)?;
    Ok(file)
}

/// Called after each change to the record is written, with the data dir and the record as
/// written. The command line sets one when the learner has joined a workshop, so each change
/// goes to the room; this module itself knows nothing of where it goes.
pub type ChangeHook = Box<dyn Fn(&Path, &Progress) + Send + Sync>;

static CHANGE_HOOK: std::sync::RwLock<Option<ChangeHook>> = std::sync::RwLock::new(None);

/// Sets (or with `None`, removes) the hook every written change is handed to.
pub fn set_change_hook(hook: Option<ChangeHook>) {
    *CHANGE_HOOK.write().unwrap_or_else(|p| p.into_inner()) = hook;
}

/// Hands a written record to the change hook, if one is set.
pub(crate) fn changed(data_dir: &Path, progress: &Progress) {
    if let Some(hook) = CHANGE_HOOK
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .as_ref()
    {
        hook(data_dir, progress);
    }
}

pub fn file_path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

impl Progress {
    /// Load the record; a missing file is a fresh start. A corrupt file is moved aside
    /// with a warning on stderr (use [`Progress::load_recovering`] to show it elsewhere).
    pub fn load(data_dir: &Path) -> Result<Progress, ProgressError> {
        let (progress, moved) = Self::load_recovering(data_dir)?;
        if let Some(m) = moved {
            eprintln!(
                "forgetful: warning: {} could not be read ({}); it was kept as {} and progress starts afresh",
                file_path(data_dir).display(),
                m.reason,
                m.to.display()
            );
        }
        Ok(progress)
    }

    /// Like [`Progress::load`], but reports a moved-aside file to the caller instead of
    /// printing (the app shows it in its own status line).
    pub fn load_recovering(
        data_dir: &Path,
    ) -> Result<(Progress, Option<MovedAside>), ProgressError> {
        let path = file_path(data_dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Progress::default(), None));
            }
            // Not UTF-8 is corruption, not an I/O failure.
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Self::move_aside(&path, "not UTF-8 text".into());
            }
            Err(source) => return Err(ProgressError::Read { path, source }),
        };
        match parse(&text) {
            Ok(p) => Ok((p, None)),
            Err(Parse::Newer(found)) => Err(ProgressError::NewerVersion {
                path,
                found,
                supported: FORMAT_VERSION,
            }),
            Err(Parse::Corrupt(reason)) => Self::move_aside(&path, reason),
        }
    }

    fn move_aside(
        path: &Path,
        reason: String,
    ) -> Result<(Progress, Option<MovedAside>), ProgressError> {
        let to = sidecar(path, "corrupt");
        match std::fs::rename(path, &to) {
            Ok(()) => Ok((Progress::default(), Some(MovedAside { to, reason }))),
            Err(source) => Err(ProgressError::MoveAside {
                path: path.to_path_buf(),
                sidecar: to,
                reason,
                source,
            }),
        }
    }

    /// Write the record atomically.
    pub fn save(&self, data_dir: &Path) -> Result<(), ProgressError> {
        let path = file_path(data_dir);
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        atomic::write(&path, &bytes).map_err(|source| ProgressError::Write { path, source })
    }

    /// Reads a record someone sent (a workshop server receiving a learner's progress): the
    /// same JSON as `progress.json`, refused when it is not progress or is from a newer format.
    pub fn from_json(text: &str) -> Result<Progress, String> {
        parse(text).map_err(|e| match e {
            Parse::Newer(found) => format!(
                "progress format {found} is newer than this forgetful reads ({FORMAT_VERSION})"
            ),
            Parse::Corrupt(reason) => reason,
        })
    }

    /// Reread the file, apply one change, write it back; returns what the change returned.
    /// The change hook (see [`set_change_hook`]) then sees the record as written.
    pub fn update<T>(
        data_dir: &Path,
        change: impl FnOnce(&mut Progress) -> T,
    ) -> Result<T, ProgressError> {
        // The app and `forgetful check` in another terminal may both write: hold an exclusive
        // lock from read to rename so neither undoes the other's change.
        let _held = lock(data_dir)?;
        let mut progress = Progress::load(data_dir)?;
        let out = change(&mut progress);
        progress.save(data_dir)?;
        changed(data_dir, &progress);
        Ok(out)
    }

    pub fn problem(&self, id: &str) -> Option<&ProblemProgress> {
        self.problems.get(id)
    }

    fn problem_mut(&mut self, id: &str) -> &mut ProblemProgress {
        self.problems.entry(id.to_string()).or_default()
    }

    pub fn mark_read(&mut self, lesson: &str) {
        self.lessons_read.insert(lesson.to_string());
    }

    pub fn set_position(&mut self, lesson: &str, scroll: u32) {
        self.last_lesson = Some(LessonPosition {
            lesson: lesson.to_string(),
            scroll,
        });
    }

    /// The lab half passed; the latest pass and its evidence replace any earlier one.
    pub fn record_service_pass(&mut self, problem: &str, evidence: Vec<String>) {
        self.problem_mut(problem).service = Some(ServicePass {
            at: now(),
            evidence,
        });
    }

    /// Records a prediction; the first answer stands (predicting again after seeing the
    /// result would prove nothing).
    pub fn record_prediction(&mut self, key: &str, record: PredictionRecord) {
        self.predictions.entry(key.to_string()).or_insert(record);
    }

    pub fn save_draft(&mut self, problem: &str, text: &str) {
        self.problem_mut(problem).answer.draft = Some(text.to_string());
    }

    /// A graded submission. The first pass is remembered even if a later answer is worse.
    pub fn record_answer(
        &mut self,
        problem: &str,
        text: &str,
        outcome: AnswerOutcome,
        message: &str,
    ) {
        let at = now();
        let answer = &mut self.problem_mut(problem).answer;
        let submission = Submission {
            text: text.to_string(),
            outcome,
            message: message.to_string(),
            at,
        };
        if submission.passed() && answer.passed_at.is_none() {
            answer.passed_at = Some(submission.at.clone());
            answer.passed = Some(submission.clone());
        }
        if !submission.passed() {
            answer.failed_tries += 1;
        }
        answer.last = Some(submission);
    }

    /// The learner marks their last answer as saying what `model_answer` says.
    pub fn self_assess(
        &mut self,
        problem: &str,
        model_answer: &str,
    ) -> Result<(), SelfAssessError> {
        let answer = &mut self.problem_mut(problem).answer;
        let Some(last) = &answer.last else {
            return Err(SelfAssessError::NothingSubmitted);
        };
        if answer.passed_at.is_some() {
            return Err(SelfAssessError::AlreadyPassed);
        }
        if !answer.may_self_assess() {
            return Err(SelfAssessError::TooSoon(answer.failed_tries));
        }
        answer.self_assessed = Some(SelfAssessment {
            text: last.text.clone(),
            model_answer: model_answer.to_string(),
            at: now(),
        });
        Ok(())
    }

    /// Take the next of `total` hints; returns its number (1-based) and whether it is new.
    /// Once all are used it keeps returning the last one.
    pub fn use_hint(&mut self, problem: &str, total: usize) -> Option<(usize, bool)> {
        if total == 0 {
            return None;
        }
        let p = self.problem_mut(problem);
        if p.hints_used >= total {
            return Some((total, false));
        }
        p.hints_used += 1;
        Some((p.hints_used, true))
    }

    pub fn set_check_mark(&mut self, problem: &str, run_id: &str, journal_id: u64) {
        self.problem_mut(problem)
            .check_marks
            .insert(run_id.to_string(), journal_id);
    }

    pub fn check_mark(&self, problem: &str, run_id: &str) -> Option<u64> {
        self.problem(problem)?.check_marks.get(run_id).copied()
    }

    /// Forget one problem; returns whether there was anything to forget.
    pub fn reset_problem(&mut self, problem: &str) -> bool {
        self.problems.remove(problem).is_some()
    }
}

enum Parse {
    Newer(u64),
    Corrupt(String),
}

/// Read the version first, so a newer file is refused rather than mistaken for a corrupt one.
fn parse(text: &str) -> Result<Progress, Parse> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Parse::Corrupt(format!("not JSON: {e}")))?;
    let version = value
        .get("version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| Parse::Corrupt("no format version".into()))?;
    if version > u64::from(FORMAT_VERSION) {
        return Err(Parse::Newer(version));
    }
    serde_json::from_value(value).map_err(|e| Parse::Corrupt(e.to_string()))
}
