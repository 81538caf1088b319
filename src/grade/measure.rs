//! How well the grader agrees with a careful instructor, on labelled answers it was not
//! written beside: the figures `forgetful answer --measure` prints and the blind-corpus
//! test holds to its targets.
//!
//! A labelled answer is one JSON object per line:
//! `{"id":"dl-A-001","problem":"disappearing-login","text":"…","label":"pass"}`,
//! where `label` is the instructor's verdict (`pass` or `fail`); other fields (the
//! essential points `a`, `b`, `c`, `wrong_claim`, `style`) are kept for reading.

use serde::Deserialize;

use super::rubric::{Outcome, Verdict, grade};
use crate::course::problem::Problem;

#[derive(Debug, Clone, Deserialize)]
pub struct Labelled {
    pub id: String,
    pub problem: String,
    pub text: String,
    /// `pass` or `fail`.
    pub label: String,
    #[serde(default)]
    pub style: String,
}

/// Why a labelled-answer file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
}

/// Parse a JSON Lines corpus; blank lines are skipped.
pub fn parse(text: &str) -> Result<Vec<Labelled>, CorpusError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let a: Labelled = serde_json::from_str(line).map_err(|e| CorpusError::Line {
            line: i + 1,
            message: e.to_string(),
        })?;
        if a.label != "pass" && a.label != "fail" {
            return Err(CorpusError::Line {
                line: i + 1,
                message: format!("label must be \"pass\" or \"fail\", not {:?}", a.label),
            });
        }
        out.push(a);
    }
    Ok(out)
}

/// One answer where the grader and the label disagree.
#[derive(Debug, Clone)]
pub struct Disagreement {
    pub id: String,
    pub label: String,
    pub verdict: Verdict,
    pub text: String,
}

/// Agreement figures over a set of labelled answers.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    pub total: usize,
    pub agree: usize,
    /// Answers labelled pass, and how many of them the grader passed.
    pub correct: usize,
    pub correct_passed: usize,
    /// Answers labelled fail, and how many of them the grader passed (the worst error).
    pub wrong: usize,
    pub wrong_passed: usize,
    pub disagreements: Vec<Disagreement>,
}

impl Figures {
    pub fn agreement(&self) -> f64 {
        ratio(self.agree, self.total)
    }
    pub fn acceptance(&self) -> f64 {
        ratio(self.correct_passed, self.correct)
    }

    pub fn add(&mut self, other: Figures) {
        self.total += other.total;
        self.agree += other.agree;
        self.correct += other.correct;
        self.correct_passed += other.correct_passed;
        self.wrong += other.wrong;
        self.wrong_passed += other.wrong_passed;
        self.disagreements.extend(other.disagreements);
    }

    /// One line: `agreement 93.5% (172/184), correct accepted 91.0% (81/89), wrong passed 0/95`.
    pub fn summary(&self) -> String {
        format!(
            "agreement {:.1}% ({}/{}), correct accepted {:.1}% ({}/{}), wrong passed {}/{}",
            self.agreement() * 100.0,
            self.agree,
            self.total,
            self.acceptance() * 100.0,
            self.correct_passed,
            self.correct,
            self.wrong_passed,
            self.wrong
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// Grade every answer to `problem` in `answers` (others are skipped) and compare.
pub fn measure(problem: &Problem, answers: &[Labelled]) -> Figures {
    let mut f = Figures::default();
    for a in answers.iter().filter(|a| a.problem == problem.id) {
        let verdict = grade(problem, &a.text);
        let passed = verdict.outcome == Outcome::Pass;
        let want = a.label == "pass";
        f.total += 1;
        if want {
            f.correct += 1;
            f.correct_passed += usize::from(passed);
        } else {
            f.wrong += 1;
            f.wrong_passed += usize::from(passed);
        }
        if passed == want {
            f.agree += 1;
        } else {
            f.disagreements.push(Disagreement {
                id: a.id.clone(),
                label: a.label.clone(),
                verdict,
                text: a.text.clone(),
            });
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_named() {
        let err = parse("\n{\"id\":\"x\",\"problem\":\"p\",\"text\":\"t\",\"label\":\"maybe\"}\n")
            .unwrap_err();
        assert!(err.to_string().starts_with("line 2:"), "{err}");
        assert!(parse("{not json").is_err());
    }
}
