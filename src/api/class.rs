//! The workshop's wire format for the instructor: the class summary (`GET /workshop/class`),
//! one learner in detail (`GET /workshop/learners/{name}`) and a review of a self-assessed
//! answer (`POST /workshop/learners/{name}/review`). The workshop server answers with these
//! and `client::RoomClient` reads them; the field names are part of the contract.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::JournalEntry;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassSummary {
    /// RFC 3339, UTC: when the server made this summary.
    pub generated_at: String,
    /// Goes up each time something in the room changes (a join, a progress record, a review);
    /// `GET /workshop/class?after=N` waits for it to pass N.
    #[serde(default)]
    pub version: u64,
    pub lessons_total: usize,
    /// The course's problems, in order: each row has one entry per id, in this order.
    pub problems: Vec<String>,
    /// A learner not done who has made no progress for this long is stuck.
    pub stuck_after_minutes: u64,
    pub learners: Vec<LearnerRow>,
}

impl ClassSummary {
    /// The same summary with nothing that changes merely because time passed or because it
    /// was asked again: two summaries equal this way would draw the same screen.
    pub fn same_screen(&self, other: &ClassSummary) -> bool {
        let strip = |s: &ClassSummary| ClassSummary {
            generated_at: String::new(),
            version: 0,
            ..s.clone()
        };
        // "N min ago" is drawn from generated_at: equal only within the same minute.
        self.generated_at.get(..16) == other.generated_at.get(..16) && strip(self) == strip(other)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerRow {
    pub name: String,
    /// RFC 3339, UTC.
    pub joined_at: String,
    pub lessons_read: usize,
    pub predictions_answered: usize,
    pub predictions_right: usize,
    pub problems: Vec<ProblemRow>,
    /// Over every problem.
    pub hints_used: usize,
    /// RFC 3339, UTC: the latest change the learner sent (reading position included); none
    /// before the first.
    pub last_activity: Option<String>,
    /// Minutes since the latest change of progress (or since joining, before any).
    pub minutes_without_progress: u64,
    /// Set when the learner is not done and has made no progress for at least
    /// `stuck_after_minutes`: how many minutes.
    pub stuck_minutes: Option<u64>,
    /// Both halves of every problem done (a self-assessed answer counts unless the instructor
    /// rejected it).
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemRow {
    pub id: String,
    pub lab: LabHalf,
    pub answer: AnswerState,
    pub hints_used: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LabHalf {
    Passed,
    NotYet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnswerState {
    /// The grader passed an answer.
    Passed,
    /// Not passed by the grader; the learner judged it says what the model answer says, and
    /// the instructor has not reviewed it yet.
    SelfAssessed,
    /// Self-assessed, and the instructor accepted it: the written half is done.
    Accepted,
    /// Self-assessed, and the instructor rejected it: the learner has to write it again.
    Rejected,
    Partial,
    NotYet,
    /// Nothing submitted.
    None,
}

impl LabHalf {
    /// The mark in the markdown table and the live view.
    pub fn mark(self) -> &'static str {
        match self {
            LabHalf::Passed => "✓",
            LabHalf::NotYet => "✗",
        }
    }
    /// The word in CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            LabHalf::Passed => "passed",
            LabHalf::NotYet => "not-yet",
        }
    }
}

impl AnswerState {
    /// Whether the written half counts as done.
    pub fn done(self) -> bool {
        matches!(
            self,
            AnswerState::Passed | AnswerState::SelfAssessed | AnswerState::Accepted
        )
    }
    /// The mark in the markdown table and the live view.
    pub fn mark(self) -> &'static str {
        match self {
            AnswerState::Passed => "✓",
            AnswerState::SelfAssessed => "self",
            AnswerState::Accepted => "accepted",
            AnswerState::Rejected => "rejected",
            AnswerState::Partial => "partial",
            AnswerState::NotYet => "✗",
            AnswerState::None => "-",
        }
    }
    /// The word in CSV (the JSON name).
    pub fn as_str(self) -> &'static str {
        match self {
            AnswerState::Passed => "passed",
            AnswerState::SelfAssessed => "self-assessed",
            AnswerState::Accepted => "accepted",
            AnswerState::Rejected => "rejected",
            AnswerState::Partial => "partial",
            AnswerState::NotYet => "not-yet",
            AnswerState::None => "none",
        }
    }
}

/// The instructor's decision on a self-assessed answer. It holds for the self-assessment it
/// was made on (`of`, that self-assessment's time): a new one waits for a new review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub accept: bool,
    /// RFC 3339, UTC: when the instructor decided.
    pub at: String,
    /// The `at` of the self-assessment reviewed.
    pub of: String,
}

/// `POST /workshop/learners/{name}/review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    pub problem: String,
    pub accept: bool,
}

/// What the review route answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewAnswer {
    pub name: String,
    pub problem: String,
    pub review: Review,
    /// The answer's state in the class summary now.
    pub answer: AnswerState,
}

/// A learner's reviews, by problem: what a learner's progress sends are answered with.
pub type Reviews = BTreeMap<String, Review>;

/// `GET /workshop/learners/{name}`: one learner, for the live view's detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerDetail {
    pub row: LearnerRow,
    /// One per problem of the course, in its order.
    pub answers: Vec<AnswerDetail>,
    /// The newest entries of the learner's lab journal, oldest first.
    pub journal: Vec<JournalEntry>,
    /// Set when the learner's lab runs on another workshop server sharing the room (its URL):
    /// its journal is read there, so `journal` is empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lab_elsewhere: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerDetail {
    pub problem: String,
    /// The latest answer submitted, as the grader judged it then.
    pub latest: Option<SubmittedAnswer>,
    /// The learner's own judgement of their answer, when they made one.
    pub self_assessed: Option<SelfAssessed>,
    /// The instructor's decision on that self-assessment, when there is one.
    pub review: Option<Review>,
    /// The state the summary shows.
    pub state: AnswerState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmittedAnswer {
    pub text: String,
    /// `passed`, `partial` or `not-yet`.
    pub outcome: AnswerState,
    /// The grader's one-line feedback at the time.
    pub message: String,
    /// RFC 3339, UTC.
    pub at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfAssessed {
    pub text: String,
    /// RFC 3339, UTC: what a review names as `of`.
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(at: &str) -> ClassSummary {
        ClassSummary {
            generated_at: at.into(),
            version: 1,
            lessons_total: 15,
            problems: vec![],
            stuck_after_minutes: 10,
            learners: vec![],
        }
    }

    #[test]
    fn a_summary_asked_again_in_the_same_minute_draws_the_same_screen() {
        let a = summary("2026-01-01T10:00:01Z");
        let mut b = summary("2026-01-01T10:00:59Z");
        b.version = 7;
        assert!(a.same_screen(&b));
        assert!(!a.same_screen(&summary("2026-01-01T10:01:00Z")));
        b.lessons_total = 14;
        assert!(!a.same_screen(&b));
    }

    #[test]
    fn the_written_half_is_done_unless_rejected() {
        assert!(AnswerState::Accepted.done());
        assert!(AnswerState::SelfAssessed.done());
        assert!(!AnswerState::Rejected.done());
        assert_eq!(
            serde_json::to_string(&AnswerState::SelfAssessed).unwrap(),
            "\"self-assessed\""
        );
    }
}
