//! The workspace from fixed data: a hand-built `Report` and `Verdict`, no lab.

use std::sync::Arc;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;

use super::*;
use crate::grade::checks::Step;
use crate::grade::rubric::{ConceptResult, MisconceptionHit, Outcome};
use crate::tui::action::{Action, update};
use crate::tui::state::ProblemItem;
use crate::tui::tests::{fake, screen};

const DL: &str = "disappearing-login";

/// The app's fake state with the real problem definitions, nothing done yet.
fn state(w: u16, h: u16) -> State {
    let mut s = fake(w, h);
    s.problems = ["disappearing-login", "where-state-goes", "logout-now"]
        .into_iter()
        .map(|id| {
            let p = crate::grade::load_problem(None, id).expect("built-in problem");
            let item = ProblemItem {
                id: p.id.clone(),
                title: p.title.clone(),
                ..Default::default()
            };
            s.work.defs.push(Arc::new(p));
            item
        })
        .collect();
    s
}

fn work(s: &mut State, a: WorkAction) -> Vec<Effect> {
    update(s, Action::Work(a))
}

fn ws(s: &State) -> &Workspace {
    s.work.open.as_ref().expect("a workspace is open")
}

fn step(id: &str, title: &str, done: bool, evidence: &[&str], next: &[&str]) -> Step {
    Step {
        id: id.into(),
        title: title.into(),
        done,
        evidence: evidence.iter().map(|s| s.to_string()).collect(),
        next: next.iter().map(|s| s.to_string()).collect(),
    }
}

fn report(reproduced: bool, fixed: bool) -> Report {
    let url = "http://127.0.0.1:7878";
    let login = format!(
        "curl -i -c jar -H 'content-type: application/json' -d '{{\"username\":\"alice\",\"password\":\"wonderland\"}}' {url}/login"
    );
    let first = if reproduced {
        step(
            "reproduced",
            "reproduce it: log in (local mode), then see another replica refuse that session",
            true,
            &[
                "POST /login → 200 (a)",
                "GET /orders → 401 (b, session sid=…z0LM unknown to replica b (local memory))",
            ],
            &[],
        )
    } else {
        step(
            "reproduced",
            "reproduce it: log in (local mode), then see another replica refuse that session",
            false,
            &[],
            &["log in, keeping the cookie:", &login],
        )
    };
    let second = if fixed {
        step(
            "fixed",
            "fix it: switch to shared or token, log in again, and be accepted by every replica",
            true,
            &[
                "POST /login → 200 (b)",
                "GET /orders → 200 (a)",
                "GET /orders → 200 (b)",
                "GET /orders → 200 (c)",
            ],
            &[],
        )
    } else {
        step(
            "fixed",
            "fix it: switch to shared or token, log in again, and be accepted by every replica",
            false,
            &[],
            &[
                "move the session out of the replicas: curl -s -X POST http://127.0.0.1:7878/admin/mode -d '{\"mode\":\"shared\"}'",
            ],
        )
    };
    Report {
        check: crate::course::problem::CheckKind::DisappearingLogin,
        lab: "http://127.0.0.1:7878".into(),
        run_id: "abc".into(),
        steps: vec![first, second],
        notes: vec![],
    }
}

fn concept(id: &str, label: &str, found: Option<&str>, ask: &str) -> ConceptResult {
    ConceptResult {
        id: id.into(),
        label: label.into(),
        found: found.is_some(),
        required: true,
        evidence: found.map(Into::into),
        matched_by: None,
        ask: ask.into(),
        unsure: None,
    }
}

const ANSWER_PARTIAL: &str = "The login was stored in the memory of replica a. \
The cookie expired when the request went to b.";
const ANSWER_PASS: &str = "The login lived in replica a's memory only, and the balancer \
sent the next requests to b and c, which had never seen it. In shared mode every replica \
reads the same store, so any of them finds it.";

fn verdict(pass: bool) -> Verdict {
    let memory = concept(
        "local-memory",
        "the login lived only in the memory of the replica that handled it",
        Some("The login was stored in the memory of replica a."),
        "Where was the login written down?",
    );
    if pass {
        return Verdict {
            outcome: Outcome::Pass,
            concepts: vec![
                memory,
                concept(
                    "balancer-spreads",
                    "the balancer sends requests to other replicas",
                    Some("the balancer sent the next requests to b and c"),
                    "Who decides which replica answers?",
                ),
                concept(
                    "state-moved-out",
                    "the fix takes the login out of the replica",
                    Some("In shared mode every replica reads the same store"),
                    "Where could the login live?",
                ),
            ],
            misconceptions: vec![],
            message: "Pass: every key idea is there.".into(),
            screen: None,
        };
    }
    Verdict {
        outcome: Outcome::NotYet,
        concepts: vec![
            memory,
            concept(
                "balancer-spreads",
                "the balancer sends requests to other replicas",
                None,
                "Who decides which replica answers each request, and does it know which replica you logged in on?",
            ),
        ],
        misconceptions: vec![MisconceptionHit {
            id: "cookie-expired".into(),
            feedback: "The cookie did not expire or change: the journal shows the same `sid` arriving on every request.".into(),
            evidence: "The cookie expired when the request went to b.".into(),
            matched_by: None,
        }],
        message: "Not yet: the answer says something that is not so.".into(),
        screen: None,
    }
}

/// The grader's verdict on the disappearing-login answer comes back.
fn graded(s: &mut State, pass: bool) {
    work(
        s,
        WorkAction::Graded {
            problem: DL.into(),
            verdict: verdict(pass),
            may_self_assess: false,
        },
    );
}

fn type_text(s: &mut State, text: &str) -> Vec<Effect> {
    let mut fx = Vec::new();
    for c in text.chars() {
        let k = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
        fx.extend(work(s, WorkAction::Input(k.into())));
    }
    fx
}

fn key(s: &State, code: KeyCode, m: KeyModifiers) -> Option<Action> {
    crate::tui::event::map(s, &Event::Key(KeyEvent::new(code, m)))
}

/// Opened, the check answered with `r`.
fn opened(w: u16, h: u16, r: Report) -> State {
    let mut s = state(w, h);
    work(&mut s, WorkAction::Open(0));
    work(
        &mut s,
        WorkAction::Checked {
            problem: DL.into(),
            result: Ok(r),
        },
    );
    s
}

#[test]
fn workspace_before() {
    let mut s = opened(80, 24, report(false, false));
    assert_snapshot!("before_problem", screen(&s));
    work(&mut s, WorkAction::NextTab);
    assert_snapshot!("before_checklist", screen(&s));
    work(&mut s, WorkAction::NextTab);
    assert_snapshot!("before_answer", screen(&s));
}

#[test]
fn workspace_partial() {
    let mut s = opened(80, 24, report(true, false));
    work(&mut s, WorkAction::Hint);
    assert_snapshot!("partial_checklist", screen(&s));
    work(&mut s, WorkAction::FocusEditor);
    type_text(&mut s, ANSWER_PARTIAL);
    work(&mut s, WorkAction::Submit);
    graded(&mut s, false);
    work(&mut s, WorkAction::Blur);
    assert_snapshot!("partial_answer", screen(&s));
}

#[test]
fn workspace_passed() {
    let mut s = opened(80, 24, report(true, true));
    work(&mut s, WorkAction::FocusEditor);
    type_text(&mut s, ANSWER_PASS);
    work(&mut s, WorkAction::Submit);
    graded(&mut s, true);
    work(&mut s, WorkAction::Blur);
    assert_snapshot!("passed_answer", screen(&s));
    work(&mut s, WorkAction::Bottom);
    assert_snapshot!("passed_model_answer", screen(&s));
}

#[test]
fn workspace_120x40() {
    // Step 1 done: it opens on the checklist.
    let mut s = opened(120, 40, report(true, false));
    assert_eq!(ws(&s).tab, Tab::Checklist);
    work(&mut s, WorkAction::FocusEditor);
    type_text(&mut s, ANSWER_PARTIAL);
    graded(&mut s, false);
    work(&mut s, WorkAction::Blur);
    assert_snapshot!("partial_120x40", screen(&s));
}

#[test]
fn workspace_wide_columns() {
    let mut s = opened(200, 44, report(true, true));
    s.pane = Pane::Reader;
    work(&mut s, WorkAction::FocusEditor);
    type_text(&mut s, ANSWER_PASS);
    graded(&mut s, true);
    assert_snapshot!("passed_200x44", screen(&s));
}

#[test]
fn opening_a_problem_loads_it_and_checks() {
    let mut s = state(80, 24);
    update(&mut s, Action::ToggleLab);
    let fx = work(&mut s, WorkAction::Open(0));
    assert_eq!(ws(&s).id(), DL);
    assert_eq!(s.pane, Pane::Reader, "the workspace comes on screen");
    assert_eq!(
        fx,
        vec![
            Effect::Work(WorkEffect::Load(DL.into())),
            Effect::Work(WorkEffect::RunCheck {
                problem: DL.into(),
                check: crate::course::problem::CheckKind::DisappearingLogin,
                claim: None,
            }),
        ]
    );
    // The record fills the editor with the draft and shows the hints taken.
    work(
        &mut s,
        WorkAction::Loaded {
            problem: DL.into(),
            record: ProblemRecord {
                draft: Some("half an answer".into()),
                hints_used: 2,
                last_answer: None,
                may_self_assess: false,
                self_assessed: false,
                reviewed: None,
            },
            verdict: None,
        },
    );
    assert_eq!(ws(&s).answer_text(), "half an answer");
    assert_eq!(ws(&s).hints_shown, 2);
    // `o` opens the first problem not done in both halves; Esc closes.
    s.problems[0].service_ok = true;
    s.problems[0].answer_ok = true;
    assert_eq!(
        key(&s, KeyCode::Char('o'), KeyModifiers::NONE),
        None,
        "o is taken while a workspace is open"
    );
    work(&mut s, WorkAction::Close);
    assert!(s.work.open.is_none());
    assert_eq!(
        key(&s, KeyCode::Char('o'), KeyModifiers::NONE),
        Some(Action::Work(WorkAction::OpenNext))
    );
    work(&mut s, WorkAction::OpenNext);
    assert_eq!(ws(&s).id(), "where-state-goes");
}

#[test]
fn click_on_a_problem_opens_it() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let s = state(80, 24);
    // Top bar, border, "Lessons", 11 lessons, blank, "Problems": the first problem is row 16.
    let click = Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 16,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(
        crate::tui::event::map(&s, &click),
        Some(Action::Work(WorkAction::Open(0)))
    );
}

#[test]
fn hints_come_one_at_a_time_and_are_recorded() {
    let mut s = opened(80, 24, report(false, false));
    let total = ws(&s).problem.hints.len();
    assert!(total >= 2);
    for n in 1..=total {
        let fx = work(&mut s, WorkAction::Hint);
        assert_eq!(ws(&s).hints_shown, n);
        assert_eq!(ws(&s).tab, Tab::Checklist);
        assert_eq!(
            fx,
            vec![Effect::Work(WorkEffect::UseHint {
                problem: DL.into(),
                total
            })]
        );
    }
    assert!(work(&mut s, WorkAction::Hint).is_empty(), "no more to take");
    assert_eq!(ws(&s).hints_shown, total);
    assert!(s.status.as_deref().unwrap_or("").contains("seen all"));
    // The header sits above the hints; scroll back up to it.
    let header = format!("Hints: all {total} shown");
    let mut seen = screen(&s).contains(&header);
    for _ in 0..40 {
        if seen {
            break;
        }
        work(&mut s, WorkAction::Scroll(-1));
        seen = screen(&s).contains(&header);
    }
    assert!(seen, "{}", screen(&s));
}

#[test]
fn a_focused_editor_takes_every_key() {
    let mut s = opened(80, 24, report(false, false));
    let none = KeyModifiers::NONE;
    assert_eq!(
        key(&s, KeyCode::Char('q'), none),
        Some(Action::Quit),
        "q quits"
    );
    assert_eq!(
        key(&s, KeyCode::Char('e'), none),
        Some(Action::Work(WorkAction::FocusEditor))
    );
    work(&mut s, WorkAction::FocusEditor);
    for c in ['q', 'm', 'r', '?', 'l', 'h', 'o', 'n'] {
        assert!(
            matches!(
                key(&s, KeyCode::Char(c), none),
                Some(Action::Work(WorkAction::Input(_)))
            ),
            "{c} goes to the editor"
        );
    }
    assert!(matches!(
        key(&s, KeyCode::Enter, none),
        Some(Action::Work(WorkAction::Input(_)))
    ));
    assert_eq!(
        key(&s, KeyCode::Char('s'), KeyModifiers::CONTROL),
        Some(Action::Work(WorkAction::Submit))
    );
    assert_eq!(
        key(&s, KeyCode::Enter, KeyModifiers::ALT),
        Some(Action::Work(WorkAction::Submit))
    );
    assert_eq!(
        key(&s, KeyCode::Char('c'), KeyModifiers::CONTROL),
        Some(Action::Quit)
    );
    // Typing edits the answer; a pause saves the draft, and so does leaving the editor.
    let fx = type_text(&mut s, "qm r");
    assert_eq!(ws(&s).answer_text(), "qm r");
    assert!(s.lab.state.as_ref().unwrap().mode == crate::api::Mode::Local);
    assert!(
        fx.iter()
            .all(|f| matches!(f, Effect::Work(WorkEffect::After(d, _)) if *d == DRAFT_PAUSE))
    );
    let Some(Effect::Work(WorkEffect::After(_, last))) = fx.last() else {
        panic!("a timer")
    };
    let save = vec![Effect::Work(WorkEffect::SaveDraft {
        problem: DL.into(),
        text: "qm r".into(),
    })];
    assert!(
        work(&mut s, WorkAction::DraftDue(1)).is_empty(),
        "an old timer does nothing"
    );
    assert_eq!(work(&mut s, (**last).clone()), save);
    assert!(work(&mut s, (**last).clone()).is_empty(), "saved once");
    type_text(&mut s, "x");
    assert_eq!(
        key(&s, KeyCode::Esc, none),
        Some(Action::Work(WorkAction::Blur))
    );
    let fx = work(&mut s, WorkAction::Blur);
    assert_eq!(
        fx,
        vec![Effect::Work(WorkEffect::SaveDraft {
            problem: DL.into(),
            text: "qm rx".into(),
        })]
    );
    assert_eq!(key(&s, KeyCode::Char('q'), none), Some(Action::Quit));
    // Long typing saves every DRAFT_EVERY edits even without a pause.
    work(&mut s, WorkAction::FocusEditor);
    let fx = type_text(&mut s, &"y".repeat(DRAFT_EVERY as usize));
    assert!(
        fx.iter()
            .any(|f| matches!(f, Effect::Work(WorkEffect::SaveDraft { .. })))
    );
    // Quitting saves what is unsaved.
    type_text(&mut s, "z");
    let fx = update(&mut s, Action::Quit);
    assert!(matches!(
        fx.first(),
        Some(Effect::Work(WorkEffect::SaveDraft { text, .. })) if text.ends_with('z')
    ));
}

#[test]
fn submitting_grades_the_answer() {
    let mut s = opened(80, 24, report(false, false));
    work(&mut s, WorkAction::FocusEditor);
    type_text(&mut s, "my answer");
    let fx = work(&mut s, WorkAction::Submit);
    assert_eq!(
        fx.last(),
        Some(&Effect::Work(WorkEffect::Grade {
            problem: DL.into(),
            text: "my answer".into()
        }))
    );
    assert!(ws(&s).grading);
    assert!(work(&mut s, WorkAction::Submit).is_empty(), "one at a time");
    graded(&mut s, false);
    assert!(!ws(&s).grading);
    assert!(!s.problems[0].answer_ok);
}

#[test]
fn both_halves_pass_and_the_outline_follows() {
    let mut s = state(80, 24);
    work(&mut s, WorkAction::Open(0));
    let pass = |s: &mut State| {
        work(
            s,
            WorkAction::Checked {
                problem: DL.into(),
                result: Ok(report(true, true)),
            },
        )
    };
    let fx = pass(&mut s);
    assert_eq!(
        fx,
        vec![Effect::Work(WorkEffect::RecordServicePass {
            problem: DL.into(),
            evidence: report(true, true).evidence(),
        })]
    );
    assert!(pass(&mut s).is_empty(), "the same pass is recorded once");
    assert!(s.problems[0].service_ok && !s.problems[0].answer_ok);
    assert!(screen(&s).contains("✓· The disappearing"));
    graded(&mut s, true);
    assert!(s.problems[0].answer_ok);
    assert!(s.status.as_deref().unwrap().contains("both halves"));
    let text = screen(&s);
    assert!(text.contains("✓✓ The disappearing"), "{text}");
    assert!(text.contains("Both halves done"), "{text}");
    // A result for a problem no longer open changes nothing.
    work(&mut s, WorkAction::Open(1));
    assert!(pass(&mut s).is_empty());
}

#[test]
fn journal_entries_recheck_but_the_graders_own_do_not() {
    let mut s = state(80, 24);
    let mut entry = crate::tui::tests::fake(80, 24)
        .journal
        .back()
        .unwrap()
        .clone();
    assert!(
        crate::tui::workspace::on_journal(&mut s, &entry).is_empty(),
        "no workspace, no check"
    );
    work(&mut s, WorkAction::Open(0));
    entry.source = crate::api::Source::Grader;
    let fx = update(&mut s, Action::Journal(Box::new(entry.clone())));
    assert!(!fx.iter().any(|f| matches!(f, Effect::Work(_))), "{fx:?}");
    entry.source = crate::api::Source::Learner;
    let fx = update(&mut s, Action::Journal(Box::new(entry.clone())));
    let due = fx
        .iter()
        .find_map(|f| match f {
            Effect::Work(WorkEffect::After(d, a)) if *d == CHECK_DEBOUNCE => Some((**a).clone()),
            _ => None,
        })
        .expect("a debounced check");
    let fx = update(&mut s, Action::Journal(Box::new(entry.clone())));
    assert!(
        !fx.iter().any(|f| matches!(f, Effect::Work(_))),
        "a burst costs one check"
    );
    // The first check (from opening) is still running: this one waits for it.
    assert!(work(&mut s, due).is_empty());
    let fx = work(
        &mut s,
        WorkAction::Checked {
            problem: DL.into(),
            result: Ok(report(false, false)),
        },
    );
    assert!(matches!(
        fx.as_slice(),
        [Effect::Work(WorkEffect::RunCheck { .. })]
    ));
}

/// A JWT-shaped token whose payload carries `badge`.
fn token(badge: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let part = |s: &str| URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.{}",
        part(r#"{"alg":"EdDSA","kid":"k1"}"#),
        part(&format!(r#"{{"sub":"alice","badge":"{badge}","jti":"x"}}"#)),
        part("sig")
    )
}

#[test]
fn the_badge_claim_is_never_filled_in_for_the_learner() {
    assert_eq!(
        badge_of(&token("amber-otter")).as_deref(),
        Some("amber-otter")
    );
    assert_eq!(badge_of("not a token"), None);
    let mut s = state(80, 24);
    s.last_token = Some(format!("Bearer {}", token("amber-otter")));
    let fx = work(&mut s, WorkAction::Open(1));
    // Reading the badge out of the token is the exercise: the field starts empty.
    assert_eq!(ws(&s).claim_text(), "");
    assert!(fx.contains(&Effect::Work(WorkEffect::RunCheck {
        problem: "where-state-goes".into(),
        check: crate::course::problem::CheckKind::WhereStateGoes,
        claim: None,
    })));
    // The learner types it: b focuses the field, Enter checks with that value.
    assert_eq!(
        key(&s, KeyCode::Char('b'), KeyModifiers::NONE),
        Some(Action::Work(WorkAction::FocusClaim))
    );
    work(&mut s, WorkAction::FocusClaim);
    for _ in 0..20 {
        work(
            &mut s,
            WorkAction::Input(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE).into()),
        );
    }
    type_text(&mut s, "basil-heron");
    work(
        &mut s,
        WorkAction::Checked {
            problem: "where-state-goes".into(),
            result: Err("lab down".into()),
        },
    );
    let fx = work(
        &mut s,
        WorkAction::Input(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE).into()),
    );
    assert_eq!(ws(&s).focus, Focus::None);
    assert_eq!(
        fx,
        vec![Effect::Work(WorkEffect::RunCheck {
            problem: "where-state-goes".into(),
            check: crate::course::problem::CheckKind::WhereStateGoes,
            claim: Some("basil-heron".into()),
        })]
    );
    assert!(screen(&s).contains("basil-heron"));
    // Problems without a claim have no field.
    work(&mut s, WorkAction::Open(0));
    assert!(!ws(&s).needs_claim());
}

#[test]
fn small_sizes_do_not_panic() {
    for (w, h) in [
        (1, 1),
        (20, 5),
        (0, 0),
        (5, 40),
        (300, 3),
        (61, 8),
        (80, 10),
        (100, 12),
        (130, 30),
        (250, 80),
    ] {
        let mut s = opened(w.max(1), h.max(1), report(true, false));
        s.size = (w, h);
        for a in [
            WorkAction::Hint,
            WorkAction::Bottom,
            WorkAction::NextTab,
            WorkAction::Bottom,
            WorkAction::NextTab,
            WorkAction::FocusEditor,
            WorkAction::Blur,
            WorkAction::Open(1),
            WorkAction::FocusClaim,
            WorkAction::Scroll(5),
        ] {
            work(&mut s, a);
            let _ = screen(&s);
        }
        update(&mut s, Action::ToggleHelp);
        let _ = screen(&s);
    }
}

#[test]
fn a_problem_under_way_opens_on_its_checklist() {
    // Fresh: the statement first, and it stays there.
    let s = opened(80, 24, report(false, false));
    assert_eq!(ws(&s).tab, Tab::Problem);
    // A step done in the lab: the first checklist moves it to the Checklist tab.
    let mut s = state(80, 24);
    work(&mut s, WorkAction::Open(0));
    assert_eq!(ws(&s).tab, Tab::Problem, "nothing known before the check");
    let checked = |s: &mut State, r: Report| {
        work(
            s,
            WorkAction::Checked {
                problem: DL.into(),
                result: Ok(r),
            },
        )
    };
    checked(&mut s, report(true, false));
    assert_eq!(ws(&s).tab, Tab::Checklist);
    // Only the first checklist: later ones leave the learner's tab alone.
    work(&mut s, WorkAction::PrevTab);
    checked(&mut s, report(true, false));
    assert_eq!(ws(&s).tab, Tab::Problem);
    // Nor does it move a learner who already chose where to look.
    work(&mut s, WorkAction::Close);
    work(&mut s, WorkAction::Open(0));
    work(&mut s, WorkAction::Scroll(1));
    checked(&mut s, report(true, false));
    assert_eq!(ws(&s).tab, Tab::Problem);
    // The lab half recorded as passed: straight to the checklist.
    work(&mut s, WorkAction::Close);
    s.problems[0].service_ok = true;
    work(&mut s, WorkAction::Open(0));
    assert_eq!(ws(&s).tab, Tab::Checklist);
    checked(&mut s, report(false, false));
    assert_eq!(ws(&s).tab, Tab::Checklist);
}

#[test]
fn help_lists_the_workspace_keys() {
    use crate::tui::tests::{assert_lists, help_scrolled_through};
    let mut s = state(80, 24);
    work(&mut s, WorkAction::Open(0));
    update(&mut s, Action::ToggleHelp);
    assert_eq!(crate::tui::help::sections(&s), vec![keys::HELP]);
    let seen = help_scrolled_through(&mut s);
    assert_lists(&seen, keys::HELP);
}

/// After two tries that do not pass, the Answer tab shows the model answer and its key
/// points beside the learner's text, and `M` records a self-assessment (never a pass).
#[test]
fn self_assessment_after_two_tries() {
    let mut s = opened(80, 24, report(true, false));
    work(&mut s, WorkAction::FocusEditor);
    type_text(&mut s, ANSWER_PARTIAL);
    work(&mut s, WorkAction::Submit);
    graded(&mut s, false);
    work(&mut s, WorkAction::Blur);
    // First try: no comparison yet, and M says when it will be offered.
    let a = key(&s, KeyCode::Char('M'), KeyModifiers::NONE).expect("M is mapped");
    assert!(update(&mut s, a).is_empty());
    assert!(
        s.status
            .as_deref()
            .unwrap_or("")
            .contains("after two tries"),
        "{:?}",
        s.status
    );
    // Second try comes back with the record saying self-assessment is allowed.
    work(
        &mut s,
        WorkAction::Graded {
            problem: DL.into(),
            verdict: verdict(false),
            may_self_assess: true,
        },
    );
    work(&mut s, WorkAction::Bottom);
    let shown = screen(&s);
    assert!(
        shown.contains("press M") && shown.contains("Its key points"),
        "{shown}"
    );
    assert!(shown.contains("M mine"), "the footer offers it: {shown}");
    let a = key(&s, KeyCode::Char('M'), KeyModifiers::NONE).expect("M is mapped");
    let fx = update(&mut s, a);
    assert!(
        fx.iter().any(|e| matches!(
            e,
            Effect::Work(WorkEffect::SelfAssess { problem, .. }) if problem == DL
        )),
        "{fx:?}"
    );
    work(&mut s, WorkAction::SelfAssessed { problem: DL.into() });
    assert!(ws(&s).self_assessed);
    assert!(!s.problems[0].answer_ok, "a self-assessment is not a pass");
    assert!(
        s.status.as_deref().unwrap_or("").contains("self-assessed"),
        "{:?}",
        s.status
    );
}

/// Ctrl-C in the answer editor with text in it asks once (saving the draft); the second
/// quits. Ctrl-U and Ctrl-L edit as at a shell prompt.
#[test]
fn ctrl_c_in_the_editor_asks_once_and_readline_keys_edit() {
    let mut s = opened(80, 24, report(false, false));
    work(&mut s, WorkAction::FocusEditor);
    type_text(&mut s, "half an answer");
    let ctrl = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    let a = key(&s, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(a, Some(Action::Work(WorkAction::ArmQuit)));
    let fx = update(&mut s, a.unwrap());
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Work(WorkEffect::SaveDraft { .. }))),
        "{fx:?}"
    );
    assert!(
        s.status
            .as_deref()
            .unwrap_or("")
            .contains("Ctrl-C again quits")
    );
    assert_eq!(
        key(&s, KeyCode::Char('c'), KeyModifiers::CONTROL),
        Some(Action::Quit)
    );
    // Typing disarms it; Ctrl-U clears to the line's start, Ctrl-L the whole field.
    work(&mut s, WorkAction::Input(ctrl('u').into()));
    assert_eq!(ws(&s).answer_text(), "");
    type_text(&mut s, "again");
    work(&mut s, WorkAction::Input(ctrl('l').into()));
    assert_eq!(ws(&s).answer_text(), "");
    assert!(!ws(&s).quit_armed);
}

/// `C` answers visibly: the checklist comes up, the top line says it is checking, then what
/// the check found.
#[test]
fn check_now_says_what_it_is_doing_and_what_it_found() {
    let mut s = opened(80, 24, report(false, false));
    let fx = work(&mut s, WorkAction::CheckNow);
    assert_eq!(s.status.as_deref(), Some("checking the lab…"));
    assert_eq!(ws(&s).tab, Tab::Checklist);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Work(WorkEffect::RunCheck { .. }))),
        "{fx:?}"
    );
    work(
        &mut s,
        WorkAction::Checked {
            problem: DL.into(),
            result: Ok(report(true, false)),
        },
    );
    assert_eq!(s.status.as_deref(), Some("checked: 1 of 2 steps done"));
}

// `f` starts the check afresh from inside the app, as `forgetful check --restart` does:
// the mark is the newest journal entry seen, then the check runs again and counts only
// what follows. The footer and the help name it.
#[test]
fn f_starts_the_check_afresh() {
    let mut s = opened(80, 24, report(true, false));
    let newest = s.journal.back().map_or(0, |e| e.id);
    let a = key(&s, KeyCode::Char('f'), KeyModifiers::NONE);
    assert_eq!(a, Some(Action::Work(WorkAction::FreshStart)));
    let fx = update(&mut s, a.unwrap());
    let after = newest.max(6);
    assert_eq!(
        fx,
        vec![
            Effect::Work(WorkEffect::SetCheckMark {
                problem: DL.into(),
                run_id: "abc".into(),
                after,
            }),
            Effect::Work(WorkEffect::RunCheck {
                problem: DL.into(),
                check: crate::course::problem::CheckKind::DisappearingLogin,
                claim: None,
            }),
        ]
    );
    assert!(ws(&s).report.is_none(), "the old checklist is gone");
    assert!(
        s.status.as_deref().unwrap().starts_with("fresh start"),
        "{:?}",
        s.status
    );
    let shown = screen(&s);
    assert!(
        shown.lines().last().unwrap().contains("f afresh"),
        "{shown}"
    );
    assert!(
        keys::HELP
            .iter()
            .any(|(k, d)| *k == "f" && d.contains("--restart"))
    );
    // The mark reaches the record the next check reads.
    let mut p = crate::tui::progress_port::MemoryProgress::default();
    effects::run(
        WorkEffect::SetCheckMark {
            problem: DL.into(),
            run_id: "abc".into(),
            after,
        },
        effects::Needs {
            def: None,
            run_id: Some("abc".into()),
            client: None,
        },
        &mut p,
        |_| {},
    );
    assert_eq!(p.record.check_mark(DL, "abc"), Some(after));
}

// Hints name the default address; in the app they name the lab the app talks to, as the
// lesson view and the statement do.
#[test]
fn hints_name_the_apps_lab() {
    let mut s = opened(200, 60, report(false, false));
    s.lab.url = Some("http://127.0.0.1:7979".into());
    for _ in 0..3 {
        work(&mut s, WorkAction::Hint);
    }
    work(&mut s, WorkAction::Top);
    // (The hand-made checklist above still names 7878: only the hints are the course's.)
    let shown = screen(&s);
    assert!(
        shown.contains("http://127.0.0.1:7979/login, then curl"),
        "{shown}"
    );
}

/// An app with a data dir of its own shows the statement's `forgetful check` with that data
/// dir, so the command typed in another shell reaches this app's lab and record.
#[test]
fn the_statement_names_the_apps_data_dir_in_its_commands() {
    let mut s = opened(200, 60, report(false, false));
    s.command_flags = Some("--data-dir /tmp/walk".into());
    work(&mut s, WorkAction::Bottom);
    let text = screen(&s);
    assert!(
        text.contains("Run forgetful --data-dir /tmp/walk check"),
        "{text}"
    );
    s.command_flags = None;
    let text = screen(&s);
    assert!(
        text.contains("Run forgetful check") && !text.contains("--data-dir"),
        "{text}"
    );
}

/// A "not yet" that comes from a wrong claim says so on the status line; one that comes
/// only from a missing idea says that instead (a learner with every idea ticked went
/// looking for a missing one).
#[test]
fn the_status_after_grading_names_the_kind_of_not_yet() {
    let mut s = opened(80, 24, report(false, false));
    work(
        &mut s,
        WorkAction::Graded {
            problem: DL.into(),
            verdict: verdict(false),
            may_self_assess: false,
        },
    );
    assert!(
        s.status
            .as_deref()
            .unwrap_or("")
            .contains("what it reads as not so"),
        "{:?}",
        s.status
    );
    let mut missing = verdict(false);
    missing.misconceptions.clear();
    work(
        &mut s,
        WorkAction::Graded {
            problem: DL.into(),
            verdict: missing,
            may_self_assess: false,
        },
    );
    assert!(
        s.status
            .as_deref()
            .unwrap_or("")
            .contains("says what is missing"),
        "{:?}",
        s.status
    );
}

/// While writing, the footer names the key that empties the editor (a learner deleted a
/// 900-character answer key by key).
#[test]
fn the_editor_footer_names_clear_all() {
    let mut s = opened(80, 24, report(false, false));
    work(&mut s, WorkAction::FocusEditor);
    let text = screen(&s);
    let footer = text.lines().last().unwrap_or("");
    assert!(
        footer.contains("Ctrl-S submit") && footer.contains("Ctrl-L clear all"),
        "{text}"
    );
}
