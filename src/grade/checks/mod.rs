//! Service checks: did the learner reproduce and fix the behaviour in the lab?
//!
//! Each built-in check reads the lab's journal and state through `client::LabClient` (the same
//! HTTP interface curl uses), may probe replicas itself (tagged `grader`), and returns a checklist.
//! Problems name a check in their TOML (`check = "..."`), read as a `CheckKind`; `run` matches
//! every kind, so a new check cannot be left undispatched.

mod disappearing_login;
mod logout_now;
mod stale_role;
mod where_state_goes;

use serde::{Deserialize, Serialize};

use crate::api::{Event, JournalEntry, LabState};
use crate::client::{ClientError, LabClient};
use crate::course::problem::CheckKind;

/// One line of a checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Stable id; a problem's hints can point at it (`step = "fixed"`).
    pub id: String,
    pub title: String,
    pub done: bool,
    /// What the grader found: `METHOD path → status (replica, reason)` lines and events.
    pub evidence: Vec<String>,
    /// When not done: what to try next (words, then curl lines).
    pub next: Vec<String>,
}

/// An open step with nothing found yet.
pub fn step(id: &str, title: &str) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        done: false,
        evidence: Vec::new(),
        next: Vec::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub check: CheckKind,
    pub lab: String,
    pub run_id: String,
    pub steps: Vec<Step>,
    /// Explanations that are not steps: why sticky is not a fix, why a token outlived a revoke.
    pub notes: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        !self.steps.is_empty() && self.steps.iter().all(|s| s.done)
    }

    /// Evidence of every step, for the progress record.
    pub fn evidence(&self) -> Vec<String> {
        self.steps
            .iter()
            .flat_map(|s| {
                std::iter::once(format!("{}: {}", s.id, s.title))
                    .chain(s.evidence.iter().map(|e| format!("  {e}")))
            })
            .collect()
    }
}

/// What a check reads: the lab's state, the journal of this run after the learner's mark,
/// and the `--claim` the learner reported.
pub struct Evidence<'a> {
    pub state: &'a LabState,
    pub entries: &'a [JournalEntry],
    pub claim: Option<&'a str>,
    pub url: &'a str,
}

impl Evidence<'_> {
    /// Requests the learner made (any client but the grader and the attacker).
    pub fn learner_requests(&self) -> impl Iterator<Item = &JournalEntry> {
        self.entries
            .iter()
            .filter(|e| e.is_request() && e.source.is_learner())
    }

    pub fn events(&self, event: Event) -> impl Iterator<Item = &JournalEntry> {
        self.entries.iter().filter(move |e| e.event == Some(event))
    }

    pub fn up_replicas(&self) -> Vec<&str> {
        self.state
            .replicas
            .iter()
            .filter(|r| r.up)
            .map(|r| r.name.as_str())
            .collect()
    }
}

/// A request a replica accepted *because of its credential*: it succeeded and the replica
/// knew who sent it. `/healthz` or the JWKS answer 200 to anyone, so they prove nothing.
pub fn accepted(e: &JournalEntry) -> bool {
    e.ok() && e.user.is_some() && e.path != "/login"
}

/// Runs the check `kind` against the lab at `client`, counting journal entries after `since`.
pub async fn run(
    kind: CheckKind,
    client: &LabClient,
    since: u64,
    claim: Option<&str>,
) -> Result<Report, ClientError> {
    let state = client.state().await?;
    let entries = client.journal(since).await?;
    let ev = Evidence {
        state: &state,
        entries: &entries,
        claim,
        url: client.base(),
    };
    let (steps, notes) = match kind {
        CheckKind::DisappearingLogin => disappearing_login::evaluate(&ev),
        CheckKind::WhereStateGoes => where_state_goes::evaluate(&ev, client).await?,
        CheckKind::StaleRole => stale_role::evaluate(&ev, client).await?,
        CheckKind::LogoutNow => logout_now::evaluate(&ev, client).await?,
    };
    Ok(Report {
        check: kind,
        lab: client.base().to_string(),
        run_id: state.run_id.clone(),
        steps,
        notes,
    })
}

/// Prints a report as the checklist `forgetful check` shows.
pub fn render(
    report: &Report,
    title: &str,
    hint_for_step: &dyn Fn(&str) -> Option<usize>,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{title}  ({}, run {})", report.lab, report.run_id);
    for (i, s) in report.steps.iter().enumerate() {
        let mark = if s.done { "✓" } else { "✗" };
        let _ = writeln!(out, " {mark} {}. {}", i + 1, s.title);
        for e in &s.evidence {
            let _ = writeln!(out, "      {e}");
        }
        if !s.done {
            for n in &s.next {
                let _ = writeln!(out, "      → {n}");
            }
            if let Some(h) = hint_for_step(&s.id) {
                let _ = writeln!(
                    out,
                    "      → stuck? hint {h} is about this step: forgetful hint {}",
                    report.check
                );
            }
        }
    }
    for n in &report.notes {
        let _ = writeln!(out, " ! {n}");
    }
    let done = report.steps.iter().filter(|s| s.done).count();
    if report.passed() {
        let _ = writeln!(
            out,
            "passed: all {} steps done in the lab",
            report.steps.len()
        );
    } else {
        let _ = writeln!(out, "not yet: {done} of {} steps done", report.steps.len());
    }
    out
}
