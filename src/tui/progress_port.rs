//! What the app needs from the learner's record, behind a small trait so the TUI does not
//! depend on how `progress` stores it. `MemoryProgress` serves tests and runs until the
//! real record is wired in (then only `open` changes).

use std::collections::{HashMap, HashSet};
use std::path::Path;

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

/// The learner's record under `data_dir`.
// TODO(progress merge): return the `progress::Progress`-backed port here.
pub fn open(_data_dir: &Path) -> Box<dyn ProgressPort> {
    Box::new(MemoryProgress::default())
}
