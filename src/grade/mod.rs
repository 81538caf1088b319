//! Grading: the service checks against the lab and the rubric for written answers.
use std::io::Read;
use std::path::Path;

use anyhow::Context;

use crate::cli::{AnswerArgs, CheckArgs};
use crate::progress::Progress;

pub mod feedback;
pub mod hints;
pub mod negation;
pub mod report;
pub mod rubric;
pub mod source;
pub mod text;

pub use hints::{hint_command, hint_for_step};
pub use report::report_command;
pub use source::load_problem;

pub fn check_command(_a: &CheckArgs, _d: &Path, _c: Option<&Path>) -> anyhow::Result<i32> {
    anyhow::bail!("`forgetful check` is not built yet")
}

/// Grade a written answer, record it, print the feedback. Exit 0 on a pass, 1 otherwise.
pub fn answer_command(
    args: &AnswerArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let problem = load_problem(course, &args.problem)?;
    let text = if args.file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the answer from standard input")?;
        s
    } else {
        std::fs::read_to_string(&args.file)
            .with_context(|| format!("reading {}", args.file.display()))?
    };
    let verdict = rubric::grade(&problem.rubric, &problem.question, &text);
    print!("{}", feedback::render(&verdict, &problem.model_answer));
    let passed = verdict.passed();
    Progress::update(data_dir, |p| p.record_answer(&problem.id, &text, verdict))?;
    Ok(if passed { 0 } else { 1 })
}
