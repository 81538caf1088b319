//! The grader against a catalog of false beliefs people really hold.
//!
//! `tests/answers/catalog/<problem>.json` lists, per problem, about forty beliefs a writer
//! who never saw the rubrics collected (what developers, students and operators believe),
//! each stated four ways in passing and paired with one true sentence close to it. Each
//! statement is graded appended to the problem's own model answer: the belief must sink
//! an otherwise right answer, and the true near miss must not.
//!
//! The catalog was split once by position: the even-numbered beliefs were named in the
//! rubrics (their lines were written from these sentences), the odd-numbered ones never
//! were, so they show how far named beliefs carry to beliefs nobody named.

use std::path::Path;

use forgetful::grade::measure::{Figures, Labelled, measure};
use serde::Deserialize;

#[derive(Deserialize)]
struct Belief {
    phrasings: Vec<String>,
    true_near_miss: String,
}

/// (named half, unnamed half) for every problem, summed.
fn figures() -> (Figures, Figures) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/answers/catalog");
    let course = forgetful::course::Course::load(None).expect("the embedded course loads");
    let (mut named, mut unnamed) = (Figures::default(), Figures::default());
    for problem in &course.problems {
        let path = root.join(format!("{}.json", problem.id));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let beliefs: Vec<Belief> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(beliefs.len() >= 30, "{}: {}", path.display(), beliefs.len());
        let answer = |id: String, said: &str, label: &str| Labelled {
            id,
            problem: problem.id.clone(),
            text: format!("{}\n\n{said}", problem.model_answer.trim()),
            label: label.into(),
            style: String::new(),
        };
        let (mut even, mut odd) = (Vec::new(), Vec::new());
        for (i, b) in beliefs.iter().enumerate() {
            let half = if i % 2 == 0 { &mut even } else { &mut odd };
            for (j, p) in b.phrasings.iter().enumerate() {
                half.push(answer(format!("{}-{i}-{j}", problem.id), p, "fail"));
            }
            half.push(answer(
                format!("{}-{i}-near", problem.id),
                &b.true_near_miss,
                "pass",
            ));
        }
        for (name, half, into) in [("named", even, &mut named), ("unnamed", odd, &mut unnamed)] {
            let f = measure(problem, &half);
            eprintln!("{name:<8} {:<20} {}", problem.id, f.summary());
            for d in &f.disagreements {
                eprintln!("         {} labelled {}", d.id, d.label);
            }
            into.add(f);
        }
    }
    eprintln!("named    all                  {}", named.summary());
    eprintln!("unnamed  all                  {}", unnamed.summary());
    (named, unnamed)
}

/// Named beliefs are refused and their true near misses still pass; beliefs nobody named
/// mostly pass (that is the measurement), and the floor keeps that count from growing.
#[test]
fn named_beliefs_are_refused_and_near_misses_pass() {
    let (named, unnamed) = figures();
    assert!(named.wrong >= 300, "{}", named.summary());
    assert!(named.wrong_passed <= 4, "{}", named.summary());
    assert!(
        named.correct_passed + 1 >= named.correct,
        "{}",
        named.summary()
    );
    assert!(unnamed.wrong_passed <= 233, "{}", unnamed.summary());
    assert!(
        unnamed.correct_passed + 5 >= unnamed.correct,
        "{}",
        unnamed.summary()
    );
}
