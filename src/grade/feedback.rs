//! A verdict as text for the terminal: what was found, what to think about, what is wrong.

use super::rubric::{Outcome, Verdict};

/// The verdict, concept by concept. Missing concepts show their guiding question, never
/// the label, so the feedback points the way without handing over the answer. The model
/// answer is shown only after a pass.
pub fn render(verdict: &Verdict, model_answer: &str) -> String {
    let mut out = format!("{}\n", verdict.message);
    if verdict.screen.is_none() || verdict.concepts.iter().any(|c| c.found) {
        out.push_str("\nKey ideas:\n");
        for c in &verdict.concepts {
            let optional = if c.required { "" } else { " (bonus)" };
            if c.found {
                out.push_str(&format!("  ✓ {}{optional}\n", c.label));
                if let Some(e) = &c.evidence {
                    out.push_str(&format!("      “{e}”\n"));
                }
            } else if c.required {
                out.push_str(&format!("  ✗ {}\n", c.ask));
                if let Some(u) = &c.unsure {
                    out.push_str(&format!("      you wrote you are not sure: “{u}”\n"));
                }
            }
        }
    }
    if !verdict.misconceptions.is_empty() {
        out.push_str("\nNot so:\n");
        for m in &verdict.misconceptions {
            out.push_str(&format!("  ✗ you wrote: “{}”\n", m.evidence));
            for line in m.feedback.trim().lines() {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    if verdict.outcome == Outcome::Pass {
        out.push_str("\nA model answer, to compare with yours:\n");
        for line in crate::markdown::plain_text(model_answer.trim(), 78) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

/// After tries that did not pass: the learner's text beside the model answer and the key
/// points, so they can judge for themselves whether theirs says the same.
pub fn compare(problem: &crate::course::problem::Problem, text: &str) -> String {
    let mut out = String::from("\nCompare your answer with the model answer.\n\nYours:\n");
    for line in text.trim().lines() {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str("\nThe model answer:\n");
    for line in crate::markdown::plain_text(problem.model_answer.trim(), 78) {
        out.push_str(&format!("  {line}\n"));
    }
    out.push_str("\nIts key points:\n");
    for c in problem.rubric.concepts.iter().filter(|c| c.required) {
        out.push_str(&format!("  • {}\n", c.label));
    }
    out
}
