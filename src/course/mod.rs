//! Lessons and problems as data: `lessons/NN-slug.md` and `problems/<id>.toml`.
//!
//! The default course is embedded in the binary; `--course DIR` reads a folder of the same
//! shape. [`Course::load`] gives a usable course or the first broken file;
//! [`Course::check`] lists everything wrong, for `forgetful course check`.

mod commands;
mod diagnostic;
mod lookup;
pub mod problem;
pub mod rubric;
mod schema;
mod source;
mod validate;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub use commands::{ReadArgs, check_command, read_command};
pub use diagnostic::Diagnostic;
pub use lookup::{lesson_ids, load_problem, load_problems, problem_ids};
use problem::Problem;
use source::SourceFile;

/// Why a course could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error("{0} is not a course folder (it has no lessons/ folder)")]
    NotACourse(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0} is not UTF-8 text")]
    NotUtf8(PathBuf),
    #[error(
        "{0} is missing or has no `format_version`: a course folder has a course.toml with `format_version = 1`"
    )]
    NoFormatVersion(PathBuf),
    #[error(
        "{path} is format_version {found}, newer than this forgetful reads ({supported}): update forgetful"
    )]
    NewerFormat {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// A broken file: names the file, line and field.
    #[error("{0}")]
    Invalid(Diagnostic),
}

/// A lesson file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// The file stem, e.g. `01-the-server-forgets`.
    pub id: String,
    /// The leading number of the file name.
    pub number: u32,
    /// The first `# ` heading (the id when there is none; `course check` reports that).
    pub title: String,
    /// The markdown, for [`crate::markdown::render`].
    pub source: String,
    /// Where it was read from (`lessons/…` when embedded).
    pub path: PathBuf,
}

/// Lessons in file-name order, and problems in file-name order.
#[derive(Debug, Clone)]
pub struct Course {
    pub lessons: Vec<Lesson>,
    pub problems: Vec<Problem>,
    /// The text each problem was parsed from, for positions in diagnostics.
    problem_files: Vec<SourceFile>,
}

/// The text of the first `# ` heading outside code fences.
pub(crate) fn title_of(source: &str) -> Option<String> {
    let mut fenced = false;
    for line in source.lines() {
        let line = line.trim_start();
        if line.starts_with("```") || line.starts_with("~~~") {
            fenced = !fenced;
        } else if !fenced && let Some(title) = line.strip_prefix("# ") {
            return Some(title.trim().to_string());
        }
    }
    None
}

impl Course {
    /// Loads the embedded course (`None`) or the folder `dir`; fails on the first broken file.
    pub fn load(dir: Option<&Path>) -> Result<Course, CourseError> {
        // The embedded course cannot change while the process runs: compile it once.
        static EMBEDDED: std::sync::OnceLock<Course> = std::sync::OnceLock::new();
        if dir.is_none()
            && let Some(course) = EMBEDDED.get()
        {
            return Ok(course.clone());
        }
        let course = Self::load_fresh(dir)?;
        if dir.is_none() {
            let _ = EMBEDDED.set(course.clone());
        }
        Ok(course)
    }

    /// Reads, parses and compiles the course every time ([`Course::load`] keeps the
    /// embedded one); what the loading benchmark measures.
    pub fn load_fresh(dir: Option<&Path>) -> Result<Course, CourseError> {
        let (course, mut problems) = Self::load_lenient(dir)?;
        match problems.drain(..).next() {
            Some(first) => Err(CourseError::Invalid(first)),
            None => Ok(course),
        }
    }

    /// Everything wrong with a course, in file order; empty when it is clean.
    pub fn check(dir: Option<&Path>) -> Result<Vec<Diagnostic>, CourseError> {
        let (course, mut diagnostics) = Self::load_lenient(dir)?;
        diagnostics.extend(course.validate());
        diagnostics.sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
        Ok(diagnostics)
    }

    /// Loads what can be loaded; files that cannot be are left out and reported.
    fn load_lenient(dir: Option<&Path>) -> Result<(Course, Vec<Diagnostic>), CourseError> {
        let (lesson_files, problem_files) = source::read(dir)?;
        let mut diagnostics = Vec::new();
        let mut lessons = Vec::new();
        for file in lesson_files {
            let id = file
                .path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let number = id.split_once('-').and_then(|(n, _)| n.parse::<u32>().ok());
            let Some(number) = number else {
                let message = "lesson files are named NN-slug.md (a number, a dash, a name)";
                diagnostics.push(Diagnostic::at(&file.path, "", 0, "file name", message));
                continue;
            };
            lessons.push(Lesson {
                title: title_of(&file.text).unwrap_or_else(|| id.clone()),
                id,
                number,
                source: file.text,
                path: file.path,
            });
        }
        let mut problems = Vec::new();
        let mut parsed_files = Vec::new();
        let parsed = parse_problems(&problem_files);
        for (file, parsed) in problem_files.into_iter().zip(parsed) {
            match parsed {
                Ok(problem) => {
                    problems.push(problem);
                    parsed_files.push(file);
                }
                Err(rejected) => {
                    diagnostics.extend(rejected.diagnostics);
                    // Still checked for dangling names and bad patterns; `load` fails anyway.
                    if let Some(problem) = rejected.salvaged {
                        problems.push(*problem);
                        parsed_files.push(file);
                    }
                }
            }
        }
        // Problems follow the course: ordered by the first lesson each lists (its main one).
        let first_lesson = |p: &Problem| {
            p.lessons
                .first()
                .and_then(|id| lessons.iter().find(|l| &l.id == id))
                .map_or(u32::MAX, |l| l.number)
        };
        let mut paired: Vec<_> = problems.into_iter().zip(parsed_files).collect();
        paired.sort_by(|(a, _), (b, _)| (first_lesson(a), &a.id).cmp(&(first_lesson(b), &b.id)));
        let (problems, problem_files) = paired.into_iter().unzip();
        let course = Course {
            lessons,
            problems,
            problem_files,
        };
        Ok((course, diagnostics))
    }

    /// What `course check` reports beyond broken files: dangling names, bad patterns,
    /// diagrams outside the subset, malformed request blocks, links to missing lessons.
    pub fn validate(&self) -> Vec<Diagnostic> {
        let stems: HashSet<&str> = self.lessons.iter().map(|l| l.id.as_str()).collect();
        let mut out = Vec::new();
        for (i, lesson) in self.lessons.iter().enumerate() {
            if let Some(other) = self.lessons[..i].iter().find(|l| l.number == lesson.number) {
                let message = format!(
                    "lesson number {} is also used by {}",
                    lesson.number, other.id
                );
                out.push(Diagnostic::at(&lesson.path, "", 0, "file name", message));
            }
            out.extend(validate::lesson(lesson, &stems));
        }
        for (problem, file) in self.problems.iter().zip(&self.problem_files) {
            out.extend(validate::problem(problem, &file.path, &file.text, &stems));
        }
        out
    }

    /// A lesson by file stem (`01-the-server-forgets`, `.md` optional) or number (`1`, `01`).
    pub fn lesson(&self, key: &str) -> Option<&Lesson> {
        let key = key.strip_suffix(".md").unwrap_or(key);
        self.lessons.iter().find(|l| l.id == key).or_else(|| {
            let number: u32 = key.parse().ok()?;
            self.lessons.iter().find(|l| l.number == number)
        })
    }

    /// A problem by id (its file stem).
    pub fn problem(&self, id: &str) -> Option<&Problem> {
        self.problems.iter().find(|p| p.id == id)
    }
}

/// Every problem file parsed and its rubric compiled, in order. Each is independent of the
/// others and compiling rubrics is most of a course's load, so the files are shared out
/// among the machine's cores: this thread and up to one more a core, each taking the next
/// file. A thread the system will not start leaves its share to the others.
fn parse_problems(files: &[SourceFile]) -> Vec<Result<Problem, schema::Rejected>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let helpers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(files.len())
        .saturating_sub(1);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(f) = files.get(i) else { break done };
            done.push((i, schema::parse_problem(&f.path, &f.text)));
        }
    };
    let mut parsed: Vec<(usize, Result<Problem, schema::Rejected>)> = std::thread::scope(|s| {
        let started: Vec<_> = (0..helpers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
        let mut parsed = work();
        for helper in started {
            parsed.extend(
                helper
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            );
        }
        parsed
    });
    parsed.sort_by_key(|(i, _)| *i);
    parsed.into_iter().map(|(_, p)| p).collect()
}
