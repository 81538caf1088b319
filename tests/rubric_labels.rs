//! The regression set: the 181 answers in `tests/answers/*.toml`, written beside the first
//! rubrics by the same hands (see `rubric_blind.rs` for answers written blind).
//!
//! They are kept to catch regressions, judged pass or not pass. Their labels were given
//! under the first rubric, whose where-state-goes concepts did not ask that the payload be
//! readable, so they are held to floors rather than to full agreement.

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

#[test]
fn regression_set_holds_its_floors() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut total, mut agree, mut wrong_passed) = (0, 0, 0);
    for id in PROBLEMS {
        let problem = forgetful::grade::load_problem(None, id).expect("problem loads");
        let path = root.join("tests/answers").join(format!("{id}.toml"));
        let labelled: Labelled =
            toml::from_str(&std::fs::read_to_string(&path).expect("answers file"))
                .expect("answers parse");
        for (i, a) in labelled.answer.iter().enumerate() {
            let want = match a.label.as_str() {
                "pass" => true,
                "partial" | "fail" => false,
                other => panic!("unknown label {other:?}"),
            };
            let v = grade(&problem, &a.text);
            let passed = v.outcome == Outcome::Pass;
            total += 1;
            if passed == want {
                agree += 1;
            } else {
                wrong_passed += usize::from(passed);
                eprintln!(
                    "{id} #{} ({}): labelled {}, graded {:?}",
                    i + 1,
                    a.kind,
                    a.label,
                    v.outcome
                );
            }
        }
    }
    let agreement = agree as f64 / total as f64;
    eprintln!(
        "regression set: agreement {:.1}% ({agree}/{total}), wrong passed {wrong_passed}",
        agreement * 100.0
    );
    assert_eq!(total, 181);
    assert!(
        agreement >= 0.85,
        "agreement fell to {:.1}%",
        agreement * 100.0
    );
    assert!(wrong_passed <= 5, "{wrong_passed} wrong answers passed");
}

/// Lesson 11's model answer explains the disappearing login; the grader must pass it as
/// written there (a model answer the course's own grader refused would teach distrust).
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

/// Every problem's own model answer, shown to a learner after a second miss, passes its
/// rubric (stale-role's had not: "signed" and "with the issuer's public key" met in one
/// sentence and read as the swapped-keys claim).
#[test]
fn every_model_answer_passes_its_own_rubric() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("problems")).expect("problems/") {
        let path = entry.expect("entry").path();
        let Some(id) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        let problem = forgetful::grade::load_problem(None, id).expect("problem loads");
        let v = grade(&problem, &problem.model_answer);
        assert_eq!(v.outcome, Outcome::Pass, "{id}: {v:#?}");
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} problems found");
}

/// A learner who says they cannot explain a point is not credited with it, and the verdict
/// names that point, not every point the admission's words touch ("b and c" belong to all
/// three of disappearing-login's ideas; the sentence was read as the balancer's).
#[test]
fn an_admission_withholds_the_point_it_is_about() {
    let problem = forgetful::grade::load_problem(None, "disappearing-login").expect("loads");
    let sure = "The login was kept in replica a's memory. Then 401 from b and c, because the \
                balancer sent my requests round to them. Fix: a shared session store read by \
                all replicas, now 200 everywhere.";
    assert_eq!(grade(&problem, sure).outcome, Outcome::Pass);
    let unsure = "The login was kept in replica a's memory. Then 401 from b and c, not sure \
                  why b and c were even involved tbh. Fix: a shared session store read by \
                  all replicas, now 200 everywhere.";
    let v = grade(&problem, unsure);
    assert_eq!(v.outcome, Outcome::Partial, "{v:?}");
    let doubted: Vec<&str> = v
        .concepts
        .iter()
        .filter(|c| c.unsure.is_some())
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(doubted, ["balancer-spreads"], "{v:?}");
    // Not knowing a detail the question does not ask about, said apart from the points,
    // takes nothing away.
    let aside = format!("{sure} I have no idea how Redis would keep those sessions on disk.");
    let v = grade(&problem, &aside);
    assert_eq!(v.outcome, Outcome::Pass, "{v:?}");
    // The same doubt, echoing the question, withholds the point it names.
    let problem = forgetful::grade::load_problem(None, "stale-role").expect("loads");
    let echo = "The admin role was written into bob's token and signed when he logged in; he \
                sends it on every request. Why the shop kept believing it I'm not sure, the \
                replicas only check the signature and expiry. The denylist works at once but \
                every replica has to check it on each request, which is server state again.";
    let v = grade(&problem, echo);
    assert_ne!(v.outcome, Outcome::Pass, "{v:?}");
    assert!(
        v.concepts.iter().any(|c| c.unsure.is_some()),
        "the admission is named: {v:?}"
    );
}
