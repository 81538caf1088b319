//! Grading: the service checks against the lab and the rubric for written answers.
use std::io::Read;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;

/// What `forgetful check` was asked for (the URL is resolved by the caller).
#[derive(Debug, Clone, Default)]
pub struct CheckArgs {
    pub problem: String,
    /// A claim value read from a token (where-state-goes: the badge).
    pub claim: Option<String>,
    /// Count only evidence from now on.
    pub restart: bool,
}

/// What `forgetful answer` was asked for.
#[derive(Debug, Clone, Default)]
pub struct AnswerArgs {
    pub problem: String,
    /// The answer's file, or `-` (or none) for standard input.
    pub file: Option<std::path::PathBuf>,
    pub json: bool,
    /// Record a self-assessment instead of grading.
    pub mine: bool,
}
use crate::progress::Progress;

pub mod checks;
pub mod feedback;
pub mod hints;
pub mod language;
pub mod measure;
pub mod report;
pub mod rubric;

pub use crate::course::{load_problem, load_problems};
pub use hints::{HintArgs, hint_command, hint_for_step};
pub use report::{ReportArgs, ReportFormat, report_command};

/// Check the lab half of a problem against the running lab. Exit 0 passed, 1 not yet,
/// 2 when the lab cannot be reached.
pub fn check_command(
    args: &CheckArgs,
    url: &str,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let problem = load_problem(course, &args.problem)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async {
        let client = crate::client::LabClient::new(url, "grader")
            .with_key(crate::paths::published_lab_key(data_dir, url));
        let state = match client.state().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("could not check {}: {e}", problem.id);
                match e {
                    crate::client::ClientError::Refused { status: 403, .. } => eprintln!(
                        "this lab wants an admin token: set FORGETFUL_ADMIN_TOKEN to the lab's --admin-token and run this again"
                    ),
                    _ => eprintln!(
                        "if the app is open, give this command the same --data-dir (or --url) the app was started with; otherwise start the lab in another terminal with `forgetful serve` (or open the app with `forgetful`) and run this again"
                    ),
                }
                return Ok(2);
            }
        };
        if args.restart {
            Progress::update(data_dir, |p| {
                p.set_check_mark(&problem.id, &state.run_id, state.journal_head)
            })?;
            writeln!(
                std::io::stdout(),
                "fresh start: only what happens after journal entry {} counts for {}",
                state.journal_head,
                problem.id
            )?;
        }
        let since = Progress::load(data_dir)?
            .check_mark(&problem.id, &state.run_id)
            .unwrap_or(0);
        let report = match checks::run(problem.check, &client, since, args.claim.as_deref()).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("could not check {}: {e}", problem.id);
                return Ok(2);
            }
        };
        // A pass is recorded before it is printed: a reader that closes the pipe early
        // (`forgetful check … | head -1`) must not lose it.
        if report.passed() {
            Progress::update(data_dir, |p| p.record_service_pass(&problem.id, report.evidence()))?;
        }
        let title = format!("{}: {}", problem.id, problem.title);
        let hint = |step: &str| hint_for_step(&problem, step).map(|(n, _)| n);
        write!(std::io::stdout(), "{}", checks::render(&report, &title, &hint))?;
        Ok(if report.passed() { 0 } else { 1 })
    })
}

/// Grade a written answer, record it, print the feedback (or the verdict as JSON).
/// Exit 0 on a pass, 1 otherwise. With `--mine`, record a self-assessment instead.
pub fn answer_command(
    args: &AnswerArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let problem = load_problem(course, &args.problem)?;
    if args.mine {
        let result = Progress::update(data_dir, |p| {
            p.self_assess(&problem.id, &problem.model_answer)
        })?;
        return match result {
            Ok(()) => {
                writeln!(
                    std::io::stdout(),
                    "Recorded: you judged that your last answer to {} says what the model answer says.\n\
                     It shows as self-assessed in `forgetful progress` and `forgetful report`, with both texts, \
                     for an instructor to read; it is not a grader pass.",
                    problem.id
                )?;
                Ok(0)
            }
            Err(e) => {
                eprintln!(
                    "forgetful: cannot mark {} as self-assessed: {e}",
                    problem.id
                );
                Ok(1)
            }
        };
    }
    let file = args.file.as_deref().unwrap_or(Path::new("-"));
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading the answer from standard input")?;
        s
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    let verdict = rubric::grade(&problem, &text);
    let passed = verdict.passed();
    let answer = Progress::update(data_dir, |p| {
        p.record_answer(
            &problem.id,
            &text,
            verdict.record_outcome(),
            &verdict.message,
        );
        p.problem(&problem.id)
            .map(|pp| pp.answer.clone())
            .unwrap_or_default()
    })?;
    if args.json {
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&verdict)?
        )?;
    } else {
        write!(
            std::io::stdout(),
            "{}",
            feedback::render(&verdict, &problem.model_answer)
        )?;
        if answer.may_self_assess() {
            write!(std::io::stdout(), "{}", feedback::compare(&problem, &text))?;
            writeln!(
                std::io::stdout(),
                "\nIf your answer says all of this in other words, record that with\n  forgetful answer {} --mine\n\
                 It is kept as self-assessed, with both texts, for an instructor to see.",
                problem.id
            )?;
        }
    }
    Ok(if passed { 0 } else { 1 })
}

/// The course's problems and the labelled answers in `files`, each answer to one of them.
fn labelled_answers(
    files: &[std::path::PathBuf],
    course: Option<&Path>,
) -> anyhow::Result<(Vec<crate::course::problem::Problem>, Vec<measure::Labelled>)> {
    let problems = load_problems(course)?;
    let mut answers = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(f).with_context(|| format!("reading {}", f.display()))?;
        answers.extend(measure::parse(&text).with_context(|| format!("in {}", f.display()))?);
    }
    if let Some(a) = answers
        .iter()
        .find(|a| !problems.iter().any(|p| p.id == a.problem))
    {
        anyhow::bail!(
            "answer {} names problem `{}`, which the course does not have",
            a.id,
            a.problem
        );
    }
    Ok((problems, answers))
}

/// `forgetful course typos FILE…`: for each problem, the answer words its rubric reads as
/// misspellings of its own, then those it reads as its own through a shared stem though they
/// are other words, with how often and as which word.
pub fn typos_command(
    files: &[std::path::PathBuf],
    top: usize,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let (problems, answers) = labelled_answers(files, course)?;
    let mut listed = false;
    for p in &problems {
        type Counts = std::collections::BTreeMap<(String, String), usize>;
        let (mut typos, mut stems) = (Counts::new(), Counts::new());
        for a in answers.iter().filter(|a| a.problem == p.id) {
            for w in crate::course::rubric::text::words(&a.text) {
                if let Some(r) = p.compiled.read_as_typo_of(&w) {
                    *typos.entry((w, r.to_string())).or_default() += 1;
                } else if let Some(r) = p.compiled.read_by_stem_as(&w) {
                    *stems.entry((w, r.to_string())).or_default() += 1;
                }
            }
        }
        if typos.is_empty() && stems.is_empty() {
            continue;
        }
        writeln!(std::io::stdout(), "{}", p.id)?;
        let show = |counts: Counts, arrow: &str| -> std::io::Result<()> {
            let mut rows: Vec<_> = counts.into_iter().collect();
            rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            for ((word, read_as), n) in rows.into_iter().take(top) {
                writeln!(std::io::stdout(), "  {n:>5}  {word} {arrow} {read_as}")?;
            }
            Ok(())
        };
        show(typos, "->")?;
        if !stems.is_empty() {
            writeln!(std::io::stdout(), "  same stem, another word:")?;
            show(stems, "=>")?;
        }
        listed = true;
    }
    if listed {
        writeln!(
            std::io::stdout(),
            "A real word above is kept as itself by listing it in `real_words` under [rubric] \
             in that problem's file. A word read through a shared stem (=>) is met by every \
             rubric line using its stem: where it means something else, write the rubric's \
             word in phrases (\"my identity\", not \"identity\")."
        )?;
    }
    Ok(0)
}

/// `forgetful course measure FILE…`: grade labelled answers and print agreement figures.
pub fn measure_command(
    files: &[std::path::PathBuf],
    show_disagreements: bool,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let (problems, answers) = labelled_answers(files, course)?;
    let mut all = measure::Figures::default();
    for p in &problems {
        let f = measure::measure(p, &answers);
        if f.total == 0 {
            continue;
        }
        writeln!(std::io::stdout(), "{:<20} {}", p.id, f.summary())?;
        if show_disagreements {
            for d in &f.disagreements {
                let found: Vec<&str> = d
                    .verdict
                    .concepts
                    .iter()
                    .filter(|c| c.found)
                    .map(|c| c.id.as_str())
                    .collect();
                let wrong: Vec<&str> = d
                    .verdict
                    .misconceptions
                    .iter()
                    .map(|m| m.id.as_str())
                    .collect();
                writeln!(
                    std::io::stdout(),
                    "  {} want {} got {:?} found={found:?} wrong={wrong:?} screen={:?}\n    {}",
                    d.id,
                    d.label,
                    d.verdict.outcome,
                    d.verdict.screen,
                    d.text.replace('\n', " ")
                )?;
            }
        }
        all.add(f);
    }
    writeln!(std::io::stdout(), "{:<20} {}", "all", all.summary())?;
    Ok(0)
}
