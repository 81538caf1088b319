//! The rubric grader must agree with every labelled answer in `tests/answers/`.
//!
//! Each file holds realistic answers to one problem with the verdict a teacher would
//! give. A disagreement is a grader or rubric bug; a wrong answer that passes is the worst.

use std::path::Path;

use forgetful::grade::rubric::{Outcome, grade};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    answer: Vec<Answer>,
}

#[derive(Deserialize)]
struct Answer {
    label: String,
    kind: String,
    text: String,
}

const PROBLEMS: [&str; 3] = ["disappearing-login", "where-state-goes", "logout-now"];

fn outcome(label: &str) -> Outcome {
    match label {
        "pass" => Outcome::Pass,
        "partial" => Outcome::Partial,
        "fail" => Outcome::NotYet,
        other => panic!("unknown label {other:?}"),
    }
}

#[test]
fn grader_agrees_with_every_label() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut disagreements = Vec::new();
    let mut total = 0;
    for id in PROBLEMS {
        let problem = forgetful::grade::load_problem(None, id).expect("problem loads");
        let path = root.join("tests/answers").join(format!("{id}.toml"));
        let labelled: Labelled =
            toml::from_str(&std::fs::read_to_string(&path).expect("answers file"))
                .expect("answers parse");
        assert!(
            labelled.answer.len() >= 15,
            "{id}: only {} labelled answers",
            labelled.answer.len()
        );
        for (i, a) in labelled.answer.iter().enumerate() {
            total += 1;
            let want = outcome(&a.label);
            let v = grade(&problem, &a.text);
            if v.outcome != want {
                let found: Vec<&str> = v
                    .concepts
                    .iter()
                    .filter(|c| c.found)
                    .map(|c| c.id.as_str())
                    .collect();
                let wrong: Vec<&str> = v.misconceptions.iter().map(|m| m.id.as_str()).collect();
                disagreements.push(format!(
                    "{id} #{} ({}): want {:?}, got {:?} [{}] found={found:?} misconceptions={wrong:?} screen={:?}\n    {}",
                    i + 1,
                    a.kind,
                    want,
                    v.outcome,
                    v.message,
                    v.screen,
                    a.text.trim().replace('\n', " "),
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {total} labelled answers disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
    eprintln!("all {total} labelled answers agree");
}

/// Lesson 11 suggests grading its spoken model answer with
/// `forgetful answer disappearing-login`; the grader must pass it as written there.
#[test]
fn lesson_eleven_model_answer_passes_disappearing_login() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lesson = std::fs::read_to_string(root.join("lessons/11-the-interview-answer.md"))
        .expect("lesson 11");
    let section = lesson
        .split("## A model answer")
        .nth(1)
        .expect("lesson 11 has a model answer section");
    let quote: String = section
        .lines()
        .skip_while(|l| !l.starts_with('>'))
        .take_while(|l| l.starts_with('>'))
        .map(|l| l.trim_start_matches('>').trim())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(quote.split_whitespace().count() > 100, "quote: {quote}");
    let problem = forgetful::grade::load_problem(None, "disappearing-login").expect("problem");
    let v = grade(&problem, &quote);
    assert_eq!(v.outcome, Outcome::Pass, "{v:#?}");
}
