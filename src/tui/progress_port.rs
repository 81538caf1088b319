//! What the app needs from the learner's record, behind a small trait so the TUI does not
//! depend on how `progress` stores it. `MemoryProgress` serves tests and runs until the
//! real record is wired in (then only `open` changes).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::grade::rubric::Verdict;
use crate::progress::{PredictionRecord, Progress};

/// Where the reader was: which lesson and how far down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderPosition {
    pub lesson: String,
    pub scroll: usize,
}

pub trait ProgressPort: Send {
    fn load_reader_position(&self) -> Option<ReaderPosition>;
    fn save_reader_position(&mut self, pos: &ReaderPosition) -> anyhow::Result<()>;
    fn mark_read(&mut self, lesson: &str) -> anyhow::Result<()>;
    fn lessons_read(&self) -> HashSet<String>;
    /// (service check passed, written answer passed)
    fn problem_status(&self, problem: &str) -> (bool, bool);

    // The problem workspace (see `super::workspace`).
    /// Draft, hints taken and last graded answer of one problem.
    fn problem_record(&self, problem: &str) -> ProblemRecord;
    fn save_draft(&mut self, problem: &str, text: &str) -> anyhow::Result<()>;
    fn record_answer(&mut self, problem: &str, text: &str, verdict: Verdict) -> anyhow::Result<()>;
    fn record_service_pass(&mut self, problem: &str, evidence: Vec<String>) -> anyhow::Result<()>;
    /// Takes the next of `total` hints: its number (1-based) and whether it is new.
    fn use_hint(&mut self, problem: &str, total: usize) -> anyhow::Result<Option<(usize, bool)>>;
    /// First journal id that counts for `problem` in lab run `run_id` (`check --restart`).
    fn check_mark(&self, problem: &str, run_id: &str) -> Option<u64>;
    /// Starts `problem`'s check afresh: only journal entries after `journal_id` count.
    fn set_check_mark(
        &mut self,
        problem: &str,
        run_id: &str,
        journal_id: u64,
    ) -> anyhow::Result<()>;
    /// The learner marks their last answer as saying what the model answer says.
    fn self_assess(&mut self, problem: &str, model_answer: &str) -> anyhow::Result<()>;
    /// Predictions answered so far, by key (`lesson#n`): right or not.
    fn predictions(&self) -> HashMap<String, bool>;
    fn record_prediction(&mut self, key: &str, record: PredictionRecord) -> anyhow::Result<()>;
}

/// What the workspace reopens a problem with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemRecord {
    pub draft: Option<String>,
    pub hints_used: usize,
    /// The last graded answer (the workspace grades it again to show why).
    pub last_answer: Option<String>,
    /// Enough tries have not passed: the model answer may be shown beside the learner's.
    pub may_self_assess: bool,
    /// The learner judged their answer to say what the model answer says (and a workshop's
    /// instructor has not rejected that judgement).
    pub self_assessed: bool,
    /// A workshop instructor's review of the self-assessment: accepted (true) or rejected.
    pub reviewed: Option<bool>,
}

impl ProblemRecord {
    fn of(p: Option<&crate::progress::ProblemProgress>) -> Self {
        p.map_or_else(Self::default, |p| ProblemRecord {
            draft: p.answer.draft.clone(),
            hints_used: p.hints_used,
            last_answer: p.answer.last.as_ref().map(|s| s.text.clone()),
            may_self_assess: p.answer.may_self_assess(),
            self_assessed: p.answer.self_assessed.is_some()
                && p.answer.current_review().is_none_or(|r| r.accepted),
            reviewed: p.answer.current_review().map(|r| r.accepted),
        })
    }
}

/// Keeps everything in memory: nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryProgress {
    pub position: Option<ReaderPosition>,
    pub read: HashSet<String>,
    pub problems: HashMap<String, (bool, bool)>,
    /// The same record `progress.json` keeps, for the workspace.
    pub record: Progress,
}

impl ProgressPort for MemoryProgress {
    fn load_reader_position(&self) -> Option<ReaderPosition> {
        self.position.clone()
    }
    fn save_reader_position(&mut self, pos: &ReaderPosition) -> anyhow::Result<()> {
        self.position = Some(pos.clone());
        Ok(())
    }
    fn mark_read(&mut self, lesson: &str) -> anyhow::Result<()> {
        self.read.insert(lesson.to_string());
        Ok(())
    }
    fn lessons_read(&self) -> HashSet<String> {
        self.read.clone()
    }
    fn problem_status(&self, problem: &str) -> (bool, bool) {
        self.problems.get(problem).copied().unwrap_or_default()
    }
    fn problem_record(&self, problem: &str) -> ProblemRecord {
        ProblemRecord::of(self.record.problem(problem))
    }
    fn save_draft(&mut self, problem: &str, text: &str) -> anyhow::Result<()> {
        self.record.save_draft(problem, text);
        Ok(())
    }
    fn record_answer(&mut self, problem: &str, text: &str, verdict: Verdict) -> anyhow::Result<()> {
        let passed = verdict.passed();
        self.record
            .record_answer(problem, text, verdict.record_outcome(), &verdict.message);
        self.problems.entry(problem.to_string()).or_default().1 |= passed;
        Ok(())
    }
    fn record_service_pass(&mut self, problem: &str, evidence: Vec<String>) -> anyhow::Result<()> {
        self.record.record_service_pass(problem, evidence);
        self.problems.entry(problem.to_string()).or_default().0 = true;
        Ok(())
    }
    fn use_hint(&mut self, problem: &str, total: usize) -> anyhow::Result<Option<(usize, bool)>> {
        Ok(self.record.use_hint(problem, total))
    }
    fn check_mark(&self, problem: &str, run_id: &str) -> Option<u64> {
        self.record.check_mark(problem, run_id)
    }
    fn set_check_mark(
        &mut self,
        problem: &str,
        run_id: &str,
        journal_id: u64,
    ) -> anyhow::Result<()> {
        self.record.set_check_mark(problem, run_id, journal_id);
        Ok(())
    }
    fn self_assess(&mut self, problem: &str, model_answer: &str) -> anyhow::Result<()> {
        Ok(self.record.self_assess(problem, model_answer)?)
    }
    fn predictions(&self) -> HashMap<String, bool> {
        self.record
            .predictions
            .iter()
            .map(|(k, r)| (k.clone(), r.right))
            .collect()
    }
    fn record_prediction(&mut self, key: &str, record: PredictionRecord) -> anyhow::Result<()> {
        self.record.record_prediction(key, record);
        Ok(())
    }
}

/// The learner's record in `progress.json` (see `crate::progress`): every change is a
/// reread-change-write, so `forgetful check` running in another terminal is not undone.
pub struct FileProgress {
    data_dir: PathBuf,
    cached: Progress,
}

impl FileProgress {
    fn change(&mut self, f: impl FnOnce(&mut Progress)) -> anyhow::Result<()> {
        self.cached = Progress::update(&self.data_dir, |p| {
            f(p);
            p.clone()
        })?;
        Ok(())
    }
}

impl ProgressPort for FileProgress {
    fn load_reader_position(&self) -> Option<ReaderPosition> {
        self.cached.last_lesson.as_ref().map(|l| ReaderPosition {
            lesson: l.lesson.clone(),
            scroll: l.scroll as usize,
        })
    }
    fn save_reader_position(&mut self, pos: &ReaderPosition) -> anyhow::Result<()> {
        let scroll = u32::try_from(pos.scroll).unwrap_or(u32::MAX);
        self.change(|p| p.set_position(&pos.lesson, scroll))
    }
    fn mark_read(&mut self, lesson: &str) -> anyhow::Result<()> {
        self.change(|p| p.mark_read(lesson))
    }
    fn lessons_read(&self) -> HashSet<String> {
        self.cached.lessons_read.iter().cloned().collect()
    }
    fn problem_status(&self, problem: &str) -> (bool, bool) {
        self.cached.problem(problem).map_or((false, false), |p| {
            (p.service.is_some(), p.answer.passed_at.is_some())
        })
    }
    fn problem_record(&self, problem: &str) -> ProblemRecord {
        ProblemRecord::of(self.cached.problem(problem))
    }
    fn save_draft(&mut self, problem: &str, text: &str) -> anyhow::Result<()> {
        self.change(|p| p.save_draft(problem, text))
    }
    fn record_answer(&mut self, problem: &str, text: &str, verdict: Verdict) -> anyhow::Result<()> {
        self.change(|p| p.record_answer(problem, text, verdict.record_outcome(), &verdict.message))
    }
    fn record_service_pass(&mut self, problem: &str, evidence: Vec<String>) -> anyhow::Result<()> {
        self.change(|p| p.record_service_pass(problem, evidence))
    }
    fn use_hint(&mut self, problem: &str, total: usize) -> anyhow::Result<Option<(usize, bool)>> {
        let mut out = None;
        self.change(|p| out = p.use_hint(problem, total))?;
        Ok(out)
    }
    fn check_mark(&self, problem: &str, run_id: &str) -> Option<u64> {
        // Reread: `forgetful check --restart` in another terminal may have set it.
        Progress::load_recovering(&self.data_dir)
            .ok()
            .map_or_else(|| self.cached.clone(), |(p, _)| p)
            .check_mark(problem, run_id)
    }
    fn set_check_mark(
        &mut self,
        problem: &str,
        run_id: &str,
        journal_id: u64,
    ) -> anyhow::Result<()> {
        self.change(|p| p.set_check_mark(problem, run_id, journal_id))
    }
    fn self_assess(&mut self, problem: &str, model_answer: &str) -> anyhow::Result<()> {
        let mut result = Ok(());
        self.change(|p| result = p.self_assess(problem, model_answer))?;
        Ok(result?)
    }
    fn predictions(&self) -> HashMap<String, bool> {
        self.cached
            .predictions
            .iter()
            .map(|(k, r)| (k.clone(), r.right))
            .collect()
    }
    fn record_prediction(&mut self, key: &str, record: PredictionRecord) -> anyhow::Result<()> {
        self.change(|p| p.record_prediction(key, record))
    }
}

/// The learner's record under `data_dir`, and a warning to show if it had to be moved aside.
/// A file from a newer forgetful is an error: the app refuses to start rather than overwrite it.
pub fn open(data_dir: &Path) -> anyhow::Result<(Box<dyn ProgressPort>, Option<String>)> {
    let (cached, moved) = Progress::load_recovering(data_dir)?;
    let warning = moved.map(|m| {
        format!(
            "progress file was unreadable ({}); kept as {} and starting a new one",
            m.reason,
            m.to.display()
        )
    });
    Ok((
        Box::new(FileProgress {
            data_dir: data_dir.to_path_buf(),
            cached,
        }),
        warning,
    ))
}
