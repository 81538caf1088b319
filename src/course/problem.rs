//! A practice problem, as a course author writes it in `problems/<id>.toml`.
//!
//! Field names are the file format; the grader and the TUI read these types.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::rubric::{CompiledRubric, Scope};

/// The built-in service checks a problem may name in `check`. The file names them in
/// kebab case; a name that is none of these is refused when the course loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    DisappearingLogin,
    WhereStateGoes,
    LogoutNow,
    StaleRole,
}

impl CheckKind {
    pub const ALL: [CheckKind; 4] = [
        CheckKind::DisappearingLogin,
        CheckKind::WhereStateGoes,
        CheckKind::LogoutNow,
        CheckKind::StaleRole,
    ];

    /// The name a problem file uses.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::DisappearingLogin => "disappearing-login",
            CheckKind::WhereStateGoes => "where-state-goes",
            CheckKind::LogoutNow => "logout-now",
            CheckKind::StaleRole => "stale-role",
        }
    }

    /// The step ids this check reports, in order: a hint's `step` must be one of them.
    /// `tests/checks.rs` runs every check to keep this list in step with what it reports.
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            CheckKind::DisappearingLogin => &["reproduced", "fixed"],
            CheckKind::WhereStateGoes => &["token", "badge", "restarts", "tampered"],
            CheckKind::LogoutNow => &["attacker", "cut-off", "replay", "others"],
            CheckKind::StaleRole => &["admin-door", "demoted", "stale", "fixed", "others"],
        }
    }

    /// The check a file names, or `None` for a name that is not built in.
    pub fn parse(name: &str) -> Option<CheckKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Every built-in name, for messages.
    pub fn names() -> String {
        Self::ALL.map(CheckKind::name).join(", ")
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    /// The file stem; not written in the file.
    #[serde(skip)]
    pub id: String,
    pub title: String,
    /// Which built-in service check grades the lab half.
    pub check: CheckKind,
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
    /// Everyday words an answer uses that sit one or two letters from a rubric word and are
    /// read as themselves, never as its misspelling (`forgetful course typos` lists the
    /// candidates); added to the grader's own English list.
    #[serde(default)]
    pub real_words: Vec<String>,
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
    /// Other subjects, one group of alternatives each: a word of this concept's within a few
    /// words of one, in the same clause, is about that subject and counts for nothing
    /// ("denylist" for deleting a session).
    #[serde(default)]
    pub not_with: Vec<String>,
    /// At most how many words one match may spread over (default: no limit within its scope).
    #[serde(default)]
    pub span: Option<usize>,
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
    /// As a concept's `not_with`: words near one of these make no such claim.
    #[serde(default)]
    pub not_with: Vec<String>,
    /// As a concept's `span` (default: 30 words).
    #[serde(default)]
    pub span: Option<usize>,
    #[serde(default)]
    pub phrases: Vec<String>,
    #[serde(default)]
    pub patterns: Vec<String>,
    /// What the learner is told when the answer says this.
    pub feedback: String,
}
