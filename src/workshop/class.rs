//! The class summary: one row per learner, as `GET /workshop/class` serves it (JSON) and as
//! `forgetful class` writes it (markdown, CSV or JSON).

use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::progress::{AnswerOutcome, ProblemProgress, Progress};

pub use crate::api::class::{
    AnswerState, ClassSummary, LabHalf, LearnerRow, ProblemRow, Review, Reviews,
};

/// The state of a problem's written half, with the instructor's review of a self-assessment
/// (a review of an earlier self-assessment does not count).
pub fn answer_state(p: &ProblemProgress, review: Option<&Review>) -> AnswerState {
    if p.answer.passed_at.is_some() {
        return AnswerState::Passed;
    }
    if let Some(sa) = &p.answer.self_assessed {
        return match review.filter(|r| r.of == sa.at) {
            Some(r) if r.accept => AnswerState::Accepted,
            Some(_) => AnswerState::Rejected,
            None => AnswerState::SelfAssessed,
        };
    }
    match p.answer.last.as_ref().map(|s| s.outcome) {
        Some(AnswerOutcome::Pass) => AnswerState::Passed,
        Some(AnswerOutcome::Partial) => AnswerState::Partial,
        Some(AnswerOutcome::NotYet) => AnswerState::NotYet,
        None => AnswerState::None,
    }
}

/// What the room holds of one learner, to make their row from.
pub struct Seen<'a> {
    pub name: &'a str,
    pub joined_at: OffsetDateTime,
    pub progress: Option<&'a Progress>,
    pub last_activity: Option<OffsetDateTime>,
    pub last_progress: Option<OffsetDateTime>,
    /// The instructor's reviews of self-assessed answers, by problem.
    pub reviews: &'a Reviews,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

/// One learner's row, at `now`.
pub fn row(
    seen: &Seen<'_>,
    lessons: &[String],
    problems: &[String],
    stuck_after: Duration,
    now: OffsetDateTime,
) -> LearnerRow {
    let empty = Progress::default();
    let progress = seen.progress.unwrap_or(&empty);
    let none = ProblemProgress::default();
    let rows: Vec<ProblemRow> = problems
        .iter()
        .map(|id| {
            let p = progress.problem(id).unwrap_or(&none);
            ProblemRow {
                id: id.clone(),
                lab: if p.service.is_some() {
                    LabHalf::Passed
                } else {
                    LabHalf::NotYet
                },
                answer: answer_state(p, seen.reviews.get(id)),
                hints_used: p.hints_used,
            }
        })
        .collect();
    let done = !rows.is_empty()
        && rows
            .iter()
            .all(|r| r.lab == LabHalf::Passed && r.answer.done());
    let lessons_read = if lessons.is_empty() {
        progress.lessons_read.len()
    } else {
        lessons
            .iter()
            .filter(|l| progress.lessons_read.contains(*l))
            .count()
    };
    let since = seen.last_progress.unwrap_or(seen.joined_at);
    let minutes = ((now - since).whole_seconds().max(0) / 60) as u64;
    let stuck_minutes = stuck_after.as_secs().div_ceil(60);
    LearnerRow {
        name: seen.name.to_string(),
        joined_at: rfc3339(seen.joined_at),
        lessons_read,
        predictions_answered: progress.predictions.len(),
        predictions_right: progress.predictions.values().filter(|p| p.right).count(),
        hints_used: progress.problems.values().map(|p| p.hints_used).sum(),
        problems: rows,
        last_activity: seen.last_activity.map(rfc3339),
        minutes_without_progress: minutes,
        stuck_minutes: (!done && (now - since) >= stuck_after)
            .then_some(minutes.max(stuck_minutes)),
        done,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassFormat {
    Md,
    Csv,
    Json,
}

/// What `forgetful class` was asked for.
#[derive(Debug, Clone)]
pub struct ClassArgs {
    /// The workshop server.
    pub url: String,
    /// The instructor's token (`FORGETFUL_ADMIN_TOKEN`).
    pub admin_token: Option<String>,
    pub format: ClassFormat,
    pub out: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ClassError {
    #[error(
        "the class summary needs the workshop's admin token: set FORGETFUL_ADMIN_TOKEN to the --admin-token the workshop server was started with"
    )]
    NoToken,
    #[error(transparent)]
    Room(#[from] crate::client::RoomError),
}

/// Asks the workshop server for the class summary.
pub async fn fetch(url: &str, admin_token: &str) -> Result<ClassSummary, ClassError> {
    Ok(crate::client::RoomClient::new(url, admin_token)
        .class()
        .await?)
}

/// `forgetful class`: fetch the summary, write it in the format asked for.
pub fn class_command(args: &ClassArgs) -> anyhow::Result<i32> {
    use anyhow::Context;
    let Some(token) = args.admin_token.as_deref().filter(|t| !t.is_empty()) else {
        eprintln!("forgetful: {}", ClassError::NoToken);
        return Ok(2);
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let summary = match rt.block_on(fetch(&args.url, token)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("forgetful: {e}");
            return Ok(2);
        }
    };
    let text = match args.format {
        ClassFormat::Md => markdown(&summary),
        ClassFormat::Csv => csv(&summary),
        ClassFormat::Json => format!("{}\n", serde_json::to_string_pretty(&summary)?),
    };
    match &args.out {
        Some(path) => {
            crate::progress::atomic::write(path, text.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!(
                "wrote the class summary ({} learners) to {}",
                summary.learners.len(),
                path.display()
            );
        }
        None => crate::stdout::text(&text)?,
    }
    Ok(0)
}

/// "4 min ago", "just now", "never", measured at the summary's own time.
fn ago(summary: &ClassSummary, at: Option<&str>) -> String {
    let (Some(at), Ok(now)) = (at, OffsetDateTime::parse(&summary.generated_at, &Rfc3339)) else {
        return "never".into();
    };
    let Ok(at) = OffsetDateTime::parse(at, &Rfc3339) else {
        return "never".into();
    };
    match (now - at).whole_minutes() {
        m if m < 1 => "just now".into(),
        m => format!("{m} min ago"),
    }
}

/// The summary as a markdown table, with stuck learners in bold.
pub fn markdown(s: &ClassSummary) -> String {
    let mut out = format!(
        "# Class summary\n\n{} learners · {} done · {} stuck (no progress for {} min or more) · generated {}\n\n",
        s.learners.len(),
        s.learners.iter().filter(|l| l.done).count(),
        s.learners
            .iter()
            .filter(|l| l.stuck_minutes.is_some())
            .count(),
        s.stuck_after_minutes,
        s.generated_at
    );
    out.push_str("| learner | lessons |");
    for p in &s.problems {
        out.push_str(&format!(" {p} (lab · answer) |"));
    }
    out.push_str(" hints | last activity | stuck |\n|---|---|");
    for _ in &s.problems {
        out.push_str("---|");
    }
    out.push_str("---|---|---|\n");
    for l in &s.learners {
        let name = if l.stuck_minutes.is_some() {
            format!("**{}**", l.name)
        } else {
            l.name.clone()
        };
        out.push_str(&format!(
            "| {name} | {}/{} |",
            l.lessons_read, s.lessons_total
        ));
        for p in &l.problems {
            out.push_str(&format!(" {} · {} |", p.lab.mark(), p.answer.mark()));
        }
        let stuck = match l.stuck_minutes {
            Some(m) => format!("**stuck for {m} min**"),
            None if l.done => "done".into(),
            None => String::new(),
        };
        out.push_str(&format!(
            " {} | {} | {stuck} |\n",
            l.hints_used,
            ago(s, l.last_activity.as_deref())
        ));
    }
    if s.learners.is_empty() {
        out.push_str("\nNo learner has joined yet.\n");
    }
    out.push_str(
        "\nlab: ✓ the lab check passed, ✗ not yet. answer: ✓ passed by the grader, self = \
         self-assessed after two tries and not reviewed yet (read it in the live view or their \
         report), accepted / rejected = self-assessed and reviewed by the instructor, partial, \
         ✗ not passed, - none submitted.\n",
    );
    out
}

/// One CSV field, quoted when it must be (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The summary as CSV: one line per learner, two columns (lab, answer) and hints per problem.
pub fn csv(s: &ClassSummary) -> String {
    let mut head = vec![
        "learner".to_string(),
        "joined_at".into(),
        "lessons_read".into(),
        "lessons_total".into(),
        "predictions_answered".into(),
        "predictions_right".into(),
    ];
    for p in &s.problems {
        head.push(format!("{p} lab"));
        head.push(format!("{p} answer"));
        head.push(format!("{p} hints"));
    }
    head.extend(
        [
            "hints_used",
            "last_activity",
            "minutes_without_progress",
            "stuck_minutes",
            "done",
        ]
        .map(String::from),
    );
    let mut out = head.iter().map(|h| field(h)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for l in &s.learners {
        let mut row = vec![
            l.name.clone(),
            l.joined_at.clone(),
            l.lessons_read.to_string(),
            s.lessons_total.to_string(),
            l.predictions_answered.to_string(),
            l.predictions_right.to_string(),
        ];
        for p in &l.problems {
            row.push(p.lab.as_str().into());
            row.push(p.answer.as_str().into());
            row.push(p.hints_used.to_string());
        }
        row.push(l.hints_used.to_string());
        row.push(l.last_activity.clone().unwrap_or_default());
        row.push(l.minutes_without_progress.to_string());
        row.push(l.stuck_minutes.map(|m| m.to_string()).unwrap_or_default());
        row.push(l.done.to_string());
        out.push_str(&row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> OffsetDateTime {
        OffsetDateTime::parse(s, &Rfc3339).unwrap()
    }

    fn problems() -> Vec<String> {
        vec!["disappearing-login".into(), "logout-now".into()]
    }

    #[test]
    fn a_learner_with_no_progress_for_ten_minutes_is_stuck_until_done() {
        let joined = at("2026-01-01T10:00:00Z");
        let mut p = Progress::default();
        p.mark_read("01-a");
        p.use_hint("logout-now", 4);
        let seen = Seen {
            name: "bob",
            joined_at: joined,
            progress: Some(&p),
            last_activity: Some(at("2026-01-01T10:20:00Z")),
            last_progress: Some(at("2026-01-01T10:05:00Z")),
            reviews: &Reviews::new(),
        };
        let lessons = vec!["01-a".to_string(), "02-b".to_string()];
        let stuck = Duration::from_secs(600);
        let r = row(
            &seen,
            &lessons,
            &problems(),
            stuck,
            at("2026-01-01T10:14:59Z"),
        );
        assert_eq!(r.stuck_minutes, None, "9 min 59 s is not stuck");
        let r = row(
            &seen,
            &lessons,
            &problems(),
            stuck,
            at("2026-01-01T10:17:00Z"),
        );
        assert_eq!(r.stuck_minutes, Some(12));
        assert_eq!(r.lessons_read, 1);
        assert_eq!(r.hints_used, 1);
        assert_eq!(r.problems[1].hints_used, 1);
        assert_eq!(r.problems[0].answer, AnswerState::None);

        let mut p = p.clone();
        for id in problems() {
            p.record_service_pass(&id, vec![]);
            p.record_answer(&id, "text", AnswerOutcome::Pass, "ok");
        }
        let seen = Seen {
            progress: Some(&p),
            ..seen
        };
        let r = row(
            &seen,
            &lessons,
            &problems(),
            stuck,
            at("2026-01-01T11:00:00Z"),
        );
        assert!(r.done);
        assert_eq!(r.stuck_minutes, None, "done is never stuck");
        assert!(r.problems.iter().all(|p| p.lab == LabHalf::Passed));
    }

    #[test]
    fn formats_show_every_problem_and_quote_csv() {
        let joined = at("2026-01-01T10:00:00Z");
        let mut p = Progress::default();
        p.record_service_pass("disappearing-login", vec![]);
        p.record_answer("disappearing-login", "x", AnswerOutcome::Partial, "m");
        let seen = Seen {
            name: "ann",
            joined_at: joined,
            progress: Some(&p),
            last_activity: Some(at("2026-01-01T10:01:00Z")),
            last_progress: Some(at("2026-01-01T10:01:00Z")),
            reviews: &Reviews::new(),
        };
        let summary = ClassSummary {
            generated_at: "2026-01-01T10:04:00Z".into(),
            version: 1,
            lessons_total: 15,
            problems: problems(),
            stuck_after_minutes: 10,
            learners: vec![row(
                &seen,
                &[],
                &problems(),
                Duration::from_secs(600),
                at("2026-01-01T10:04:00Z"),
            )],
        };
        let md = markdown(&summary);
        assert!(
            md.contains("| ann | 0/15 | ✓ · partial | ✗ · - | 0 | 3 min ago |  |"),
            "{md}"
        );
        let csv = csv(&summary);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("learner,joined_at,lessons_read"));
        assert!(
            lines[1].contains(",passed,partial,0,not-yet,none,0,"),
            "{csv}"
        );
        assert_eq!(field("a,\"b\""), "\"a,\"\"b\"\"\"");
        let back: ClassSummary =
            serde_json::from_str(&serde_json::to_string(&summary).unwrap()).unwrap();
        assert_eq!(back, summary);
    }
}
