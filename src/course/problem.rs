//! A practice problem, as a course author writes it in `problems/<id>.toml`.
//!
//! Field names are the file format; the grader and the TUI read these types.

use serde::{Deserialize, Serialize};

/// Built-in service checks a problem may name in `check`.
pub const BUILTIN_CHECKS: [&str; 3] = ["disappearing-login", "where-state-goes", "logout-now"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// The file stem; not written in the file.
    #[serde(skip)]
    pub id: String,
    pub title: String,
    /// Which built-in service check grades the lab half (one of [`BUILTIN_CHECKS`]).
    pub check: String,
    /// Lessons (file stems) worth reading first.
    #[serde(default)]
    pub lessons: Vec<String>,
    /// The scenario, in markdown.
    pub statement: String,
    /// What the written answer must explain.
    pub question: String,
    /// Shown after the answer passes.
    pub model_answer: String,
    /// Progressive hints, shown one at a time.
    #[serde(default)]
    pub hints: Vec<Hint>,
    pub rubric: Rubric,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hint {
    pub text: String,
    /// The check step this hint helps with (a failed step points at it).
    #[serde(default)]
    pub step: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Fewer words than this is not an answer yet.
    #[serde(default = "default_min_words")]
    pub min_words: usize,
    pub concepts: Vec<Concept>,
    #[serde(default)]
    pub misconceptions: Vec<Misconception>,
}

fn default_min_words() -> usize {
    12
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Concept {
    pub id: String,
    /// What the concept is, shown when found.
    pub label: String,
    #[serde(default = "yes")]
    pub required: bool,
    /// Words or phrases (case-insensitive) that express it; synonyms go here.
    #[serde(default)]
    pub phrases: Vec<String>,
    /// Regular expressions (case-insensitive) that express it.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// A question that points the way when the concept is missing (never the answer).
    pub ask: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Misconception {
    pub id: String,
    #[serde(default)]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    /// What the learner is told when the answer says this.
    pub feedback: String,
}
