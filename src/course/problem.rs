//! A practice problem, as a course author writes it in `problems/<id>.toml`.
//!
//! Field names are the file format; the grader and the TUI read these types.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::rubric::{CompiledRubric, Scope};

/// Built-in service checks a problem may name in `check` (the names in [`CHECK_STEPS`]).
pub const BUILTIN_CHECKS: [&str; 4] = {
    let mut names = [""; 4];
    let mut i = 0;
    while i < names.len() {
        names[i] = CHECK_STEPS[i].0;
        i += 1;
    }
    names
};

/// The step ids each built-in check reports, in order: a hint's `step` must be one of its
/// problem's check. `tests/checks.rs` runs every check to keep this table in step with them.
pub const CHECK_STEPS: [(&str, &[&str]); 4] = [
    ("disappearing-login", &["reproduced", "fixed"]),
    (
        "where-state-goes",
        &["token", "badge", "restarts", "tampered"],
    ),
    ("logout-now", &["attacker", "cut-off", "replay", "others"]),
    (
        "stale-role",
        &["admin-door", "demoted", "stale", "fixed", "others"],
    ),
];

/// The step ids of the built-in check `check`, or `None` when there is no such check.
pub fn check_steps(check: &str) -> Option<&'static [&'static str]> {
    CHECK_STEPS
        .iter()
        .find(|(name, _)| *name == check)
        .map(|(_, steps)| *steps)
}

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
    /// `rubric`, compiled when the course loads; what the grader matches answers against.
    #[serde(skip)]
    pub compiled: Arc<CompiledRubric>,
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
    /// Named word groups (`replica = "replica | server | node"`), used as `@replica`.
    #[serde(default)]
    pub words: BTreeMap<String, String>,
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
    /// Ways to say it: word groups joined by `+` that must meet in one clause, with `|`
    /// between alternatives (see [`super::rubric`]).
    #[serde(default, rename = "match")]
    pub matches: Vec<String>,
    /// How far apart the groups may be (default: one clause).
    #[serde(default)]
    pub scope: Option<Scope>,
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
    /// The wrong claim as word groups, like a concept's `match`.
    #[serde(default, rename = "match")]
    pub matches: Vec<String>,
    /// How far apart the groups may be (default: one phrase, between commas).
    #[serde(default)]
    pub scope: Option<Scope>,
    #[serde(default)]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    /// What the learner is told when the answer says this.
    pub feedback: String,
}
