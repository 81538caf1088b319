//! Prediction blocks: a fenced `predict` block asks the learner to commit to an outcome
//! before they send the request card that follows it.
//!
//! Shape: the question on the first line; 2 to 4 choices as `- ` lines, each optionally
//! starting with a tag of what the lab would do if it came true (`[status=401]`,
//! `[replica=b]`, or both joined by a comma); `answer: N` (1-based); `why: …`.

use thiserror::Error;

/// What a choice says the lab will do with the next request card.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observation {
    pub status: Option<u16>,
    pub replica: Option<String>,
}

impl Observation {
    /// Does a response with `status`, answered by `replica`, bear the choice out?
    pub fn matches(&self, status: u16, replica: Option<&str>) -> bool {
        self.status.is_none_or(|s| s == status)
            && self.replica.as_deref().is_none_or(|r| Some(r) == replica)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub text: String,
    pub observe: Option<Observation>,
}

/// A parsed prediction; `line` is its first line in the rendered text, `hint` the rendered
/// lines of its "(in the app: …)" note, `request` the index of the request card that follows
/// it in the lesson (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub line: usize,
    pub hint: std::ops::Range<usize>,
    pub request: Option<usize>,
    pub question: String,
    pub choices: Vec<Choice>,
    /// 0-based index of the expected choice.
    pub answer: usize,
    pub why: String,
}

impl Prediction {
    /// Tagged predictions are settled by what the lab did, others by `answer`.
    pub fn observed(&self) -> bool {
        self.request.is_some() && self.choices.iter().any(|c| c.observe.is_some())
    }

    /// The choice the lab bore out for a response, when the prediction is settled by it.
    pub fn outcome(&self, status: u16, replica: Option<&str>) -> Option<usize> {
        self.choices.iter().position(|c| {
            c.observe
                .as_ref()
                .is_some_and(|o| o.matches(status, replica))
        })
    }
}

/// Why a block is not a prediction; `line` and `col` are 0-based within the block.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct PredictError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

fn err(line: usize, col: usize, message: impl Into<String>) -> PredictError {
    PredictError {
        line,
        col,
        message: message.into(),
    }
}

fn observation(tag: &str, line: usize) -> Result<Observation, PredictError> {
    let mut o = Observation::default();
    for part in tag.split(',') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| err(line, 2, format!("tag `{part}` is not `key=value`")))?;
        match k.trim() {
            "status" => {
                let s: u16 = v
                    .trim()
                    .parse()
                    .ok()
                    .filter(|s| (100..600).contains(s))
                    .ok_or_else(|| err(line, 2, format!("`{v}` is not an HTTP status")))?;
                o.status = Some(s);
            }
            "replica" => o.replica = Some(v.trim().to_string()),
            other => {
                return Err(err(
                    line,
                    2,
                    format!("unknown tag `{other}` (expected status or replica)"),
                ));
            }
        }
    }
    Ok(o)
}

/// Parses a block's source; `line` and `request` are left for the renderer to set.
pub fn parse(src: &str) -> Result<Prediction, PredictError> {
    let mut question = None;
    let mut choices = Vec::new();
    let mut answer = None;
    let mut why = None;
    for (i, raw) in src.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("- ") {
            let rest = rest.trim();
            let (observe, text) = match rest.strip_prefix('[') {
                Some(tagged) => {
                    let (tag, text) = tagged
                        .split_once(']')
                        .ok_or_else(|| err(i, 2, "a tag opened with `[` is not closed"))?;
                    (Some(observation(tag, i)?), text.trim())
                }
                None => (None, rest),
            };
            if text.is_empty() {
                return Err(err(i, 0, "a choice has no text"));
            }
            choices.push(Choice {
                text: text.to_string(),
                observe,
            });
        } else if let Some(n) = line.strip_prefix("answer:") {
            let n: usize = n
                .trim()
                .parse()
                .map_err(|_| err(i, 0, "`answer:` takes the number of a choice"))?;
            answer = Some((n, i));
        } else if let Some(w) = line.strip_prefix("why:") {
            why = Some(w.trim().to_string());
        } else if question.is_none() && choices.is_empty() {
            question = Some(line.to_string());
        } else {
            return Err(err(
                i,
                0,
                "expected a choice (`- `), `answer:` or `why:` after the question",
            ));
        }
    }
    let question = question.ok_or_else(|| err(0, 0, "the prediction has no question"))?;
    if !(2..=4).contains(&choices.len()) {
        return Err(err(
            0,
            0,
            format!("a prediction has 2 to 4 choices, not {}", choices.len()),
        ));
    }
    let (n, at) = answer.ok_or_else(|| err(0, 0, "missing `answer: N`"))?;
    if n == 0 || n > choices.len() {
        return Err(err(
            at,
            0,
            format!("`answer: {n}` is not one of the {} choices", choices.len()),
        ));
    }
    let why = why
        .filter(|w| !w.is_empty())
        .ok_or_else(|| err(0, 0, "missing `why:`, the one-line explanation"))?;
    Ok(Prediction {
        line: 0,
        hint: 0..0,
        request: None,
        question,
        choices,
        answer: n - 1,
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "Which replica answers?\n- [replica=a] a\n- [replica=b, status=200] b\n- [status=401] none\nanswer: 2\nwhy: Round robin.\n";

    #[test]
    fn parses_question_choices_tags_answer_and_why() {
        let p = parse(GOOD).unwrap();
        assert_eq!(p.question, "Which replica answers?");
        assert_eq!(p.choices.len(), 3);
        assert_eq!(p.answer, 1);
        assert_eq!(p.why, "Round robin.");
        assert_eq!(
            p.choices[1].observe,
            Some(Observation {
                status: Some(200),
                replica: Some("b".into())
            })
        );
    }

    #[test]
    fn the_lab_settles_tagged_predictions() {
        let mut p = parse(GOOD).unwrap();
        p.request = Some(0);
        assert!(p.observed());
        assert_eq!(p.outcome(200, Some("b")), Some(1));
        assert_eq!(p.outcome(401, Some("c")), Some(2));
        assert_eq!(p.outcome(500, Some("c")), None);
    }

    #[test]
    fn mistakes_are_named_with_their_line() {
        let e = parse("Q?\n- one\nanswer: 1\nwhy: w\n").unwrap_err();
        assert!(e.message.contains("2 to 4 choices"), "{e}");
        let e = parse("Q?\n- a\n- b\nanswer: 3\nwhy: w\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("Q?\n- [colour=red] a\n- b\nanswer: 1\nwhy: w\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("unknown tag"));
        let e = parse("Q?\n- a\n- b\nanswer: 1\n").unwrap_err();
        assert!(e.message.contains("why"));
    }
}
