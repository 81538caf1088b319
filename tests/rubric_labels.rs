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
            let v = grade(&problem.rubric, &problem.question, &a.text);
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
