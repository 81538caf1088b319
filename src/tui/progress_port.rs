//! What the app needs from the learner's record, behind a small trait so the TUI does not
//! depend on how `progress` stores it. `MemoryProgress` serves tests and runs until the
//! real record is wired in (then only `open` changes).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::progress::Progress;

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
}

/// Keeps everything in memory: nothing survives the process.
#[derive(Debug, Default)]
pub struct MemoryProgress {
    pub position: Option<ReaderPosition>,
    pub read: HashSet<String>,
    pub problems: HashMap<String, (bool, bool)>,
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
