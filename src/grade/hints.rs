//! Progressive hints: `forgetful hint`, and the hint a failed check step points at.

use std::io::Write as _;
use std::path::Path;

/// What `forgetful hint` was asked for.
#[derive(Debug, Clone, Default)]
pub struct HintArgs {
    pub problem: String,
    /// The running lab's address, put in place of the default one in the hint's commands.
    pub lab_url: Option<String>,
}
use crate::course::problem::{Hint, Problem};
use crate::progress::Progress;

/// The first hint written for a check step, with its number (1-based, as shown to the
/// learner: "hint 2 of 4").
pub fn hint_for_step<'p>(problem: &'p Problem, step: &str) -> Option<(usize, &'p Hint)> {
    problem
        .hints
        .iter()
        .enumerate()
        .find(|(_, h)| h.step.as_deref() == Some(step))
        .map(|(i, h)| (i + 1, h))
}

/// Take the next hint (recorded in progress) and return the text to show.
pub fn next_hint(
    problem: &Problem,
    data_dir: &Path,
    lab_url: Option<&str>,
) -> anyhow::Result<String> {
    let total = problem.hints.len();
    let Some((n, new)) = Progress::update(data_dir, |p| p.use_hint(&problem.id, total))? else {
        return Ok(format!("{} has no hints.\n", problem.id));
    };
    let hint = &problem.hints[n - 1];
    let mut out = String::new();
    if !new {
        out.push_str(&format!(
            "You have seen all {total} hints; here is the last one again.\n\n"
        ));
    }
    out.push_str(&format!("{}: hint {n} of {total}", problem.title));
    if let Some(step) = &hint.step {
        out.push_str(&format!(" (step: {step})"));
    }
    out.push_str("\n\n");
    let text = crate::api::at_lab(hint.text.trim(), lab_url);
    for line in crate::markdown::plain_text(&text, 80) {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

pub fn hint_command(
    args: &HintArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let problem = super::load_problem(course, &args.problem)?;
    write!(
        std::io::stdout(),
        "{}",
        next_hint(&problem, data_dir, args.lab_url.as_deref())?
    )?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_hints_point_at_the_first_hint_for_that_step() {
        let problem = crate::grade::load_problem(None, "where-state-goes").unwrap();
        let (n, hint) = hint_for_step(&problem, "restarts").unwrap();
        assert_eq!(problem.hints[n - 1], *hint);
        assert_eq!(hint.step.as_deref(), Some("restarts"));
        assert!(hint_for_step(&problem, "no-such-step").is_none());
    }

    #[test]
    fn every_check_step_has_a_hint() {
        for kind in crate::course::problem::CheckKind::ALL {
            let (id, steps) = (kind.name(), kind.steps());
            let problem = crate::grade::load_problem(None, id).unwrap();
            for step in steps {
                assert!(
                    hint_for_step(&problem, step).is_some(),
                    "{id}: no hint for step {step}"
                );
            }
        }
    }
}
