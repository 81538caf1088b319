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

/// Check the lab half of a problem against the running lab. Exit 0 passed, 1 not yet,
/// 2 when the lab cannot be reached.
pub fn check_command(
    args: &CheckArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let problem = load_problem(course, &args.problem)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let client = crate::client::LabClient::new(&args.url, "grader");
        let state = match client.state().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("could not check {}: {e}", problem.id);
                match e {
                    crate::client::ClientError::Refused { status: 403, .. } => eprintln!(
                        "this lab wants an admin token: set FORGETFUL_ADMIN_TOKEN to the lab's --admin-token and run this again"
                    ),
                    _ => eprintln!(
                        "start the lab in another terminal with `forgetful serve` (or open the app with `forgetful`), then run this again; use --url if it listens elsewhere"
                    ),
                }
                return Ok(2);
            }
        };
        if args.restart {
            Progress::update(data_dir, |p| {
                p.set_check_mark(&problem.id, &state.run_id, state.journal_head)
            })?;
            println!(
                "fresh start: only what happens after journal entry {} counts for {}",
                state.journal_head, problem.id
            );
        }
        let since = Progress::load(data_dir)?
            .check_mark(&problem.id, &state.run_id)
            .unwrap_or(0);
        let report = match checks::run(&problem.check, &client, since, args.claim.as_deref()).await {
            Ok(r) => r,
            Err(checks::CheckError::Lab(e)) => {
                eprintln!("could not check {}: {e}", problem.id);
                return Ok(2);
            }
            Err(e) => return Err(e.into()),
        };
        let title = format!("{}: {}", problem.id, problem.title);
        print!(
            "{}",
            checks::render(&report, &title, &|step| hint_for_step(&problem, step).map(|(n, _)| n))
        );
        if report.passed() {
            Progress::update(data_dir, |p| p.record_service_pass(&problem.id, report.evidence()))?;
            Ok(0)
        } else {
            Ok(1)
        }
    })
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
pub mod checks;
