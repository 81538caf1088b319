//! `forgetful progress` and `forgetful reset`.

use std::io::{BufRead, Write};
use std::path::Path;

use anyhow::Context;

use super::{ProblemProgress, Progress, file_path, sidecar};
/// What `forgetful progress` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ProgressArgs {
    pub json: bool,
}

/// What `forgetful reset` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ResetArgs {
    /// Only this problem; without it, everything.
    pub problem: Option<String>,
    /// Do not ask first.
    pub yes: bool,
}

use super::AnswerOutcome;
use crate::course as source;

pub fn progress_command(
    args: &ProgressArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let progress = Progress::load(data_dir)?;
    if args.json {
        crate::stdout::text(&(serde_json::to_string_pretty(&progress)? + "\n"))?;
        return Ok(0);
    }
    let lessons = source::lesson_ids(course);
    let problems = source::load_problems(course)?;
    crate::stdout::text(&summary(&progress, &lessons, &problems))?;
    Ok(0)
}

/// The human summary: lessons read, then one line per problem.
fn summary(
    progress: &Progress,
    lessons: &[String],
    problems: &[crate::course::problem::Problem],
) -> String {
    let mut out = String::new();
    let read = if lessons.is_empty() {
        format!("{} read", progress.lessons_read.len())
    } else {
        let n = lessons
            .iter()
            .filter(|l| progress.lessons_read.contains(*l))
            .count();
        format!("{n}/{}", lessons.len())
    };
    out.push_str(&format!("Lessons read: {read}"));
    if let Some(last) = &progress.last_lesson {
        out.push_str(&format!("  (last: {})", last.lesson));
    }
    if !progress.predictions.is_empty() {
        let right = progress.predictions.values().filter(|r| r.right).count();
        out.push_str(&format!(
            "\nPredictions: {} answered, {right} right",
            progress.predictions.len()
        ));
        for (key, r) in &progress.predictions {
            out.push_str(&format!(
                "\n  {} {key}: {}",
                if r.right { "✓" } else { "✗" },
                r.question
            ));
        }
    }
    out.push_str("\n\nProblems:\n");
    let width = problems.iter().map(|p| p.id.len()).max().unwrap_or(0);
    let empty = ProblemProgress::default();
    for p in problems {
        let record = progress.problem(&p.id).unwrap_or(&empty);
        out.push_str(&format!(
            "  {:width$}  service {}  answer {:8}  hints {}/{}   {}\n",
            p.id,
            if record.service.is_some() {
                "✓"
            } else {
                "✗"
            },
            answer_mark(record),
            record.hints_used,
            p.hints.len(),
            p.title,
        ));
    }
    if problems.iter().any(|p| {
        progress
            .problem(&p.id)
            .is_some_and(|r| r.answer.self_assessed.is_some() && r.answer.passed_at.is_none())
    }) {
        out.push_str(
            "\nanswer `self`: not passed by the grader; you judged that your answer says what the\n\
             model answer says. `forgetful report` shows both texts for an instructor.\n",
        );
    }
    let reviewed: Vec<(&str, bool)> = problems
        .iter()
        .filter_map(|p| {
            let r = progress.problem(&p.id)?.answer.current_review()?;
            Some((p.id.as_str(), r.accepted))
        })
        .collect();
    if !reviewed.is_empty() {
        out.push_str("\nYour instructor read your self-assessed answers:\n");
        for (id, accepted) in reviewed {
            out.push_str(&if accepted {
                format!("  {id}: accepted, the written half is done\n")
            } else {
                format!(
                    "  {id}: rejected; write it again (`forgetful answer {id} --file F`), or ask them why\n"
                )
            });
        }
    }
    out
}

/// ✓ once an answer has passed, `self` when the learner self-assessed it, else the last
/// verdict (partial / ✗), or - before any.
pub(crate) fn answer_mark(record: &ProblemProgress) -> &'static str {
    if record.answer.passed_at.is_some() {
        return "✓";
    }
    if record.answer.self_assessed.is_some() {
        return match record.answer.current_review() {
            Some(r) if r.accepted => "accepted",
            Some(_) => "rejected",
            None => "self",
        };
    }
    match record.answer.last.as_ref().map(|s| s.outcome) {
        Some(AnswerOutcome::Pass) => "✓",
        Some(AnswerOutcome::Partial) => "partial",
        Some(AnswerOutcome::NotYet) => "✗",
        None => "-",
    }
}

pub fn reset_command(
    args: &ResetArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    if let Some(problem) = &args.problem {
        // A mistyped id is an error, as for `hint` and `check`; a record of a problem the
        // course no longer has can still be forgotten.
        let known = source::problem_ids(course)?;
        if !known.contains(problem) && Progress::load(data_dir)?.problem(problem).is_none() {
            anyhow::bail!("no problem `{problem}` (known: {})", known.join(", "));
        }
    }
    let what = match &args.problem {
        Some(p) => format!("your progress on {p}"),
        None => "all your progress (lessons, checks, answers, hints)".to_string(),
    };
    if !args.yes && !confirm(&what)? {
        eprintln!("Nothing changed.");
        return Ok(1);
    }
    match &args.problem {
        Some(problem) => {
            if Progress::update(data_dir, |p| p.reset_problem(problem))? {
                crate::stdout::text(&format!("Forgot {problem}.\n"))?;
            } else {
                crate::stdout::text(&format!("Nothing was recorded for {problem}.\n"))?;
            }
        }
        None => {
            // Refuse a newer or unreadable file the same way every other command does.
            Progress::load(data_dir)?;
            let path = file_path(data_dir);
            if path.exists() {
                let backup = sidecar(&path, "backup");
                std::fs::rename(&path, &backup).with_context(|| {
                    format!("moving {} to {}", path.display(), backup.display())
                })?;
                super::changed(data_dir, &Progress::default());
                crate::stdout::text(&format!(
                    "Progress reset. The old record is kept as {}.\n",
                    backup.display()
                ))?;
            } else {
                crate::stdout::text("Nothing was recorded yet.\n")?;
            }
        }
    }
    Ok(0)
}

fn confirm(what: &str) -> anyhow::Result<bool> {
    eprint!("This forgets {what}. Type yes to continue: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}
