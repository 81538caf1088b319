//! `forgetful report`: the learner's record for an instructor, as markdown or JSON.

use std::path::Path;

use serde::Serialize;

use crate::cli::{ReportArgs, ReportFormat};
use crate::course::problem::Problem;
use crate::progress::{Progress, ServicePass, Submission};

#[derive(Debug, Serialize)]
pub struct Report {
    pub generated_at: String,
    pub lessons_read: Vec<String>,
    /// Lessons in the course (0 when the course has none yet).
    pub lessons_total: usize,
    pub problems: Vec<ProblemReport>,
}

#[derive(Debug, Serialize)]
pub struct ProblemReport {
    pub id: String,
    pub title: String,
    pub service: Option<ServicePass>,
    pub answer: Option<Submission>,
    pub answer_passed_at: Option<String>,
    pub hints_used: usize,
    pub hints_total: usize,
}

pub fn build(progress: &Progress, problems: &[Problem], lessons_total: usize) -> Report {
    Report {
        generated_at: crate::progress::now(),
        lessons_read: progress.lessons_read.iter().cloned().collect(),
        lessons_total,
        problems: problems
            .iter()
            .map(|p| {
                let record = progress.problem(&p.id).cloned().unwrap_or_default();
                ProblemReport {
                    id: p.id.clone(),
                    title: p.title.clone(),
                    service: record.service,
                    answer: record.answer.last,
                    answer_passed_at: record.answer.passed_at,
                    hints_used: record.hints_used,
                    hints_total: p.hints.len(),
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
        match &p.answer {
            Some(a) => {
                if let Some(at) = &p.answer_passed_at {
                    out.push_str(&format!("First passed at {at}.\n\n"));
                }
                out.push_str(&format!("Last submitted at {}:\n\n", a.at));
                for line in a.text.trim().lines() {
                    out.push_str(&format!("> {line}\n"));
                }
                out.push_str(&format!("\n{}\n\n", a.verdict.message));
                for c in &a.verdict.concepts {
                    let mark = if c.found { "x" } else { " " };
                    let optional = if c.required { "" } else { " (bonus)" };
                    out.push_str(&format!("- [{mark}] {}{optional}\n", c.label));
                }
                for m in &a.verdict.misconceptions {
                    out.push_str(&format!("- misconception `{}`: “{}”\n", m.id, m.evidence));
                }
            }
            None => out.push_str("No answer submitted.\n"),
        }
    }
    out
}

pub fn report_command(
    args: &ReportArgs,
    data_dir: &Path,
    course: Option<&Path>,
) -> anyhow::Result<i32> {
    let progress = Progress::load(data_dir)?;
    let problems = super::source::load_problems(course)?;
    let report = build(
        &progress,
        &problems,
        super::source::lesson_ids(course).len(),
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
        None => print!("{text}"),
    }
    Ok(0)
}
