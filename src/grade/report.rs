//! `forgetful report`: the learner's record for an instructor, as markdown or JSON.

use std::path::Path;

use serde::Serialize;

/// The report's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    #[default]
    Md,
    Json,
}

/// What `forgetful report` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ReportArgs {
    pub format: ReportFormat,
    /// Write here instead of standard output.
    pub out: Option<std::path::PathBuf>,
}
use crate::course::problem::Problem;
use crate::progress::{Progress, ServicePass, Submission};

#[derive(Debug, Serialize)]
pub struct Report {
    pub generated_at: String,
    pub lessons_read: Vec<String>,
    /// Lessons in the course (0 when the course has none yet).
    pub lessons_total: usize,
    pub problems: Vec<ProblemReport>,
    /// Predictions answered in lessons, by `lesson#n`.
    pub predictions: std::collections::BTreeMap<String, crate::progress::PredictionRecord>,
}

#[derive(Debug, Serialize)]
pub struct ProblemReport {
    pub id: String,
    pub title: String,
    pub service: Option<ServicePass>,
    /// The latest submission, which may come after the pass and be worse.
    pub answer: Option<Submission>,
    /// When an answer first passed.
    pub answer_passed_at: Option<String>,
    /// The submission that passed (absent when the record predates keeping it).
    pub answer_passed: Option<Submission>,
    /// The learner's own judgement that their answer says what the model answer says
    /// (offered after tries that did not pass); never a grader pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_assessed: Option<crate::progress::SelfAssessment>,
    /// A workshop instructor's accept or reject of that self-assessment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::progress::InstructorReview>,
    pub hints_used: usize,
    pub hints_total: usize,
    /// The record keeps each answer's outcome, not its checklist: the report grades the
    /// texts again to list which ideas each one shows.
    #[serde(skip)]
    pub problem: Problem,
}

pub fn build(progress: &Progress, problems: &[Problem], lessons_total: usize) -> Report {
    Report {
        generated_at: crate::progress::now(),
        lessons_read: progress.lessons_read.iter().cloned().collect(),
        lessons_total,
        predictions: progress.predictions.clone(),
        problems: problems
            .iter()
            .map(|p| {
                let record = progress.problem(&p.id).cloned().unwrap_or_default();
                let answer = record.answer;
                let review = answer.current_review().cloned();
                // Older records kept only the latest submission: it is the passing one
                // when it was made at the moment of the pass.
                let passed = answer.passed.or_else(|| {
                    answer
                        .last
                        .clone()
                        .filter(|last| answer.passed_at.as_ref() == Some(&last.at))
                });
                ProblemReport {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    service: record.service,
                    answer: answer.last,
                    answer_passed_at: answer.passed_at,
                    answer_passed: passed,
                    self_assessed: answer.self_assessed,
                    review,
                    hints_used: record.hints_used,
                    hints_total: p.hints.len(),
                    problem: p.clone(),
                }
            })
            .collect(),
    }
}

pub fn markdown(report: &Report) -> String {
    let mut out = String::from("# forgetful: course report\n\n");
    out.push_str(&format!(
        "Generated {}.\n\n## Lessons\n\n",
        report.generated_at
    ));
    let total = if report.lessons_total > 0 {
        format!("/{}", report.lessons_total)
    } else {
        String::new()
    };
    out.push_str(&format!("Read {}{total}", report.lessons_read.len()));
    if report.lessons_read.is_empty() {
        out.push_str(".\n");
    } else {
        out.push_str(&format!(": {}.\n", report.lessons_read.join(", ")));
    }
    if !report.predictions.is_empty() {
        let right = report.predictions.values().filter(|r| r.right).count();
        out.push_str(&format!(
            "\n## Predictions\n\n{} answered before running, {right} right.\n\n",
            report.predictions.len()
        ));
        for (key, r) in &report.predictions {
            out.push_str(&format!(
                "- {} `{key}` {}: picked “{}”; {}\n",
                if r.right { "✓" } else { "✗" },
                r.question,
                r.picked,
                r.outcome
            ));
        }
    }
    for p in &report.problems {
        out.push_str(&format!("\n## {} (`{}`)\n\n", p.title, p.id));
        out.push_str(&format!(
            "Hints used: {} of {}.\n\n",
            p.hints_used, p.hints_total
        ));
        out.push_str("### Lab\n\n");
        match &p.service {
            Some(s) => {
                out.push_str(&format!("Passed at {}. Evidence:\n\n```\n", s.at));
                for line in &s.evidence {
                    out.push_str(line);
                    out.push('\n');
                }
                out.push_str("```\n");
            }
            None => out.push_str("Not passed yet.\n"),
        }
        out.push_str("\n### Written answer\n\n");
        written_answer(&mut out, p);
    }
    out
}

/// The pass first (when and with what answer), then any later submission, labelled as such.
fn written_answer(out: &mut String, p: &ProblemReport) {
    let later = |passing: &Submission| {
        p.answer
            .as_ref()
            .filter(|last| last.at != passing.at || last.text != passing.text)
    };
    match (&p.answer_passed_at, &p.answer_passed, &p.answer) {
        (Some(at), Some(passing), _) => {
            out.push_str(&format!("**Passed** at {at}. The passing answer:\n\n"));
            submission(out, &p.problem, passing);
            if let Some(last) = later(passing) {
                out.push_str("\n#### Latest submission (after passing)\n\n");
                out.push_str(&format!(
                    "Submitted at {}; the pass above stands.\n\n",
                    last.at
                ));
                submission(out, &p.problem, last);
            }
        }
        (Some(at), None, last) => {
            out.push_str(&format!("**Passed** at {at}."));
            match last {
                Some(last) => {
                    out.push_str(
                        " The passing answer was not kept; this record has only a later one.\n",
                    );
                    out.push_str("\n#### Latest submission (after passing)\n\n");
                    out.push_str(&format!(
                        "Submitted at {}; the pass above stands.\n\n",
                        last.at
                    ));
                    submission(out, &p.problem, last);
                }
                None => out.push('\n'),
            }
        }
        (None, _, Some(last)) => {
            match &p.self_assessed {
                Some(sa) => {
                    out.push_str(&format!(
                        "Not passed by the grader. **Self-assessed** at {}: the learner judged that \
                         their answer says what the model answer says. Both texts are below, for \
                         an instructor to decide.\n\n",
                        sa.at
                    ));
                    out.push_str("The learner's answer:\n\n");
                    for line in sa.text.trim().lines() {
                        out.push_str(&format!("> {line}\n"));
                    }
                    out.push_str("\nThe model answer:\n\n");
                    for line in sa.model_answer.trim().lines() {
                        out.push_str(&format!("> {line}\n"));
                    }
                    out.push('\n');
                    if let Some(r) = &p.review {
                        out.push_str(&format!(
                            "The workshop's instructor **{}** it at {}.\n\n",
                            if r.accepted { "accepted" } else { "rejected" },
                            r.at
                        ));
                    }
                }
                None => out.push_str("Not passed yet.\n\n"),
            }
            out.push_str(&format!("Latest submission, at {}:\n\n", last.at));
            submission(out, &p.problem, last);
        }
        (None, _, None) => out.push_str("No answer submitted.\n"),
    }
}

/// A submission: the text quoted, the verdict, and the rubric's checklist.
fn submission(out: &mut String, problem: &Problem, a: &Submission) {
    for line in a.text.trim().lines() {
        out.push_str(&format!("> {line}\n"));
    }
    out.push_str(&format!("\n{}\n\n", a.message));
    let verdict = super::rubric::grade(problem, &a.text);
    for c in &verdict.concepts {
        let mark = if c.found { "x" } else { " " };
        let optional = if c.required { "" } else { " (bonus)" };
        out.push_str(&format!("- [{mark}] {}{optional}\n", c.label));
    }
    for m in &verdict.misconceptions {
        out.push_str(&format!("- misconception `{}`: “{}”\n", m.id, m.evidence));
    }
}

pub fn report_command(
    args: &ReportArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let progress = Progress::load(data_dir)?;
    let problems = crate::course::load_problems(course)?;
    let report = build(
        &progress,
        &problems,
        crate::course::lesson_ids(course).len(),
    );
    let text = match args.format {
        ReportFormat::Md => markdown(&report),
        ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
    };
    match &args.out {
        Some(path) => {
            crate::progress::atomic::write(path, text.as_bytes())
                .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            eprintln!("Report written to {}.", path.display());
        }
        None => crate::stdout::text(&text)?,
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::rubric::grade;

    const PASSING: &str = "In local mode each replica keeps its sessions in its own memory, so \
        only replica a knew my login. The balancer sent the next request to replica b, which \
        had never seen the sid and answered 401. Shared mode fixes it because the session \
        lives in one store that every replica reads.";
    const PARTIAL: &str = "Each replica keeps its sessions in its own memory, so the other \
        replicas did not know about my login at all here.";

    fn answered(texts: &[&str]) -> (Progress, Vec<Problem>) {
        let problem = crate::grade::load_problem(None, "disappearing-login").unwrap();
        let mut progress = Progress::default();
        for text in texts {
            let verdict = grade(&problem, text);
            progress.record_answer(
                &problem.id,
                text,
                verdict.record_outcome(),
                &verdict.message,
            );
        }
        (progress, vec![problem])
    }

    #[test]
    fn a_record_without_the_passing_answer_states_the_pass_and_labels_the_latest() {
        let (mut progress, problems) = answered(&[PASSING, PARTIAL]);
        // As written before the passing submission was kept.
        let answer = &mut progress
            .problems
            .get_mut("disappearing-login")
            .unwrap()
            .answer;
        answer.passed = None;
        let md = markdown(&build(&progress, &problems, 0));
        let written = md.split("### Written answer\n\n").nth(1).unwrap();
        assert!(written.starts_with("**Passed** at "), "{written}");
        let latest = written
            .find("#### Latest submission (after passing)")
            .unwrap();
        assert!(
            written[latest..].contains("> Each replica keeps"),
            "{written}"
        );
        assert!(!written.contains("> In local mode"), "{written}");
    }

    #[test]
    fn an_older_record_whose_latest_answer_passed_shows_it_as_the_passing_one() {
        let (mut progress, problems) = answered(&[PASSING]);
        let answer = &mut progress
            .problems
            .get_mut("disappearing-login")
            .unwrap()
            .answer;
        answer.passed = None;
        let report = build(&progress, &problems, 0);
        assert!(report.problems[0].answer_passed.is_some());
        let md = markdown(&report);
        assert!(
            md.contains("The passing answer:\n\n> In local mode"),
            "{md}"
        );
        assert!(!md.contains("Latest submission"), "{md}");
    }

    #[test]
    fn predictions_are_listed_with_how_they_came_out() {
        let (mut progress, problems) = answered(&[]);
        progress.record_prediction(
            "03-proving-who-you-are#1",
            crate::progress::PredictionRecord {
                question: "Which replica answers?".into(),
                picked: "b, the next in turn".into(),
                right: true,
                outcome: "the lab: 401 from b".into(),
                at: "t".into(),
            },
        );
        let md = markdown(&build(&progress, &problems, 11));
        assert!(
            md.contains("## Predictions\n\n1 answered before running, 1 right."),
            "{md}"
        );
        assert!(
            md.contains("✓ `03-proving-who-you-are#1` Which replica answers?"),
            "{md}"
        );
    }

    #[test]
    fn an_answer_that_has_not_passed_says_so_first() {
        let (progress, problems) = answered(&[PARTIAL]);
        let md = markdown(&build(&progress, &problems, 0));
        let written = md.split("### Written answer\n\n").nth(1).unwrap();
        assert!(
            written.starts_with("Not passed yet.\n\nLatest submission, at "),
            "{written}"
        );
    }
}
