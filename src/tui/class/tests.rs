//! The class view from fixed data: screens at 80x24 (rows, the stuck highlight, a learner's
//! detail), keys and mouse, and what update asks the server for.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use super::*;
use crate::api::class::{
    AnswerDetail, AnswerState, LabHalf, ProblemRow, Review, SelfAssessed, SubmittedAnswer,
};
use crate::api::{CredentialKind, EntryKind, JournalEntry, Mode, Source};

const NOW: &str = "2026-03-02T10:30:00Z";
const PROBLEMS: [&str; 4] = [
    "disappearing-login",
    "where-state-goes",
    "logout-now",
    "stale-role",
];

fn row(name: &str, lab: [bool; 4], answers: [AnswerState; 4], stuck: Option<u64>) -> LearnerRow {
    LearnerRow {
        name: name.into(),
        joined_at: "2026-03-02T10:00:00Z".into(),
        lessons_read: if stuck.is_some() { 1 } else { 4 },
        predictions_answered: 0,
        predictions_right: 0,
        problems: PROBLEMS
            .iter()
            .zip(lab.iter().zip(answers))
            .map(|(id, (&lab, answer))| ProblemRow {
                id: (*id).into(),
                lab: if lab {
                    LabHalf::Passed
                } else {
                    LabHalf::NotYet
                },
                answer,
                hints_used: 0,
            })
            .collect(),
        hints_used: if stuck.is_some() { 0 } else { 2 },
        last_activity: Some(if stuck.is_some() {
            "2026-03-02T10:16:00Z".into()
        } else {
            "2026-03-02T10:29:30Z".into()
        }),
        minutes_without_progress: stuck.unwrap_or(0),
        stuck_minutes: stuck,
        done: false,
    }
}

fn summary() -> ClassSummary {
    use AnswerState::*;
    ClassSummary {
        generated_at: NOW.into(),
        version: 5,
        lessons_total: 15,
        problems: PROBLEMS.iter().map(|p| (*p).into()).collect(),
        stuck_after_minutes: 10,
        learners: vec![
            row(
                "ann",
                [true, true, false, false],
                [SelfAssessed, Partial, None, None],
                Option::None,
            ),
            row("bob", [false; 4], [None; 4], Some(14)),
            row(
                "cleo",
                [true, false, false, false],
                [Passed, NotYet, None, None],
                Option::None,
            ),
        ],
    }
}

const ANN_ANSWER: &str = "The login lived in replica a's memory only, so b and c did not know \
the session and answered 401. Keeping sessions in a shared store that every replica reads \
fixed it.";

fn entry(id: u64, method: &str, path: &str, status: u16, replica: &str) -> JournalEntry {
    JournalEntry {
        id,
        time: format!("2026-03-02T10:2{id}:00.000Z"),
        ts_ms: 0,
        kind: EntryKind::Request,
        source: Source::Learner,
        method: method.into(),
        path: path.into(),
        status,
        replica: Some(replica.into()),
        mode: Mode::Local,
        user: Some("alice".into()),
        reason: (status == 401).then(|| "session unknown to this replica".into()),
        latency_ms: 1.0,
        credential: CredentialKind::Cookie,
        fingerprint: None,
        issued: None,
        token_jti: None,
        event: None,
    }
}

fn ann_detail(review: Option<bool>) -> LearnerDetail {
    let sum = summary();
    let mut answers: Vec<AnswerDetail> = PROBLEMS
        .iter()
        .map(|p| AnswerDetail {
            problem: (*p).into(),
            latest: None,
            self_assessed: None,
            review: None,
            state: AnswerState::None,
        })
        .collect();
    answers[0] = AnswerDetail {
        problem: PROBLEMS[0].into(),
        latest: Some(SubmittedAnswer {
            text: ANN_ANSWER.into(),
            outcome: AnswerState::Partial,
            message: "one idea is missing".into(),
            at: "2026-03-02T10:20:00Z".into(),
        }),
        self_assessed: Some(SelfAssessed {
            text: ANN_ANSWER.into(),
            at: "2026-03-02T10:25:00Z".into(),
        }),
        review: review.map(|accept| Review {
            accept,
            at: "2026-03-02T10:28:00Z".into(),
            of: "2026-03-02T10:25:00Z".into(),
        }),
        state: match review {
            Some(true) => AnswerState::Accepted,
            Some(false) => AnswerState::Rejected,
            None => AnswerState::SelfAssessed,
        },
    };
    LearnerDetail {
        row: sum.learners[0].clone(),
        answers,
        journal: vec![
            entry(1, "POST", "/login", 200, "a"),
            entry(2, "GET", "/orders", 401, "b"),
            entry(3, "GET", "/orders", 200, "a"),
        ],
        lab_elsewhere: None,
    }
}

fn state(w: u16, h: u16, color: bool) -> ClassState {
    let defs = crate::tui::course_adapter::load_course(None)
        .expect("the built-in course")
        .defs;
    let mut s = ClassState::new("http://127.0.0.1:7878", defs, color);
    update(&mut s, ClassAction::Resize(w, h));
    update(&mut s, ClassAction::Summary(Box::new(summary())));
    s
}

fn terminal(s: &ClassState) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(s.size.0, s.size.1)).expect("test terminal");
    t.draw(|f| view::draw(s, f)).expect("draw");
    t
}

fn screen(s: &ClassState) -> String {
    let t = terminal(s);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..s.size.1 {
        let mut line = String::new();
        for x in 0..s.size.0 {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn key(s: &ClassState, code: KeyCode) -> Option<ClassAction> {
    keys::map(s, &Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Maps a key and applies it, as the loop does.
fn press(s: &mut ClassState, code: KeyCode) -> Vec<ClassEffect> {
    match key(s, code) {
        Some(a) => update(s, a),
        None => Vec::new(),
    }
}

fn open_ann(s: &mut ClassState, review: Option<bool>) {
    let fx = press(s, KeyCode::Enter);
    assert_eq!(fx, vec![ClassEffect::FetchDetail("ann".into())]);
    update(s, ClassAction::Detail(Box::new(ann_detail(review))));
}

#[test]
fn the_list_at_80x24_has_a_row_per_learner() {
    let s = state(80, 24, true);
    let text = screen(&s);
    assert_snapshot!(text);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("│{name} ")))
            .unwrap_or_else(|| panic!("{name} in\n{text}"))
    };
    assert!(line("ann").contains("4/15") && line("ann").contains("✓ self"));
    assert!(line("bob").contains("stuck 14m"), "{text}");
    assert!(line("cleo").contains("✓ ✓"));
    assert!(text.contains("3 learners · 0 done · 1 stuck"));
    // Problem ids too wide for their columns are numbered in the header and named whole
    // in a key, never cut inside a word.
    assert!(line("learner").contains("#1") && !line("learner").contains('…'));
    for id in [
        "disappearing-login",
        "where-state-goes",
        "logout-now",
        "stale-role",
    ] {
        assert!(text.contains(id), "{id} whole in\n{text}");
    }
}

#[test]
fn a_stuck_learner_is_highlighted_with_and_without_colour() {
    for color in [true, false] {
        let mut s = state(80, 24, color);
        // The selection (reversed) is on ann; bob's row is plain stuck.
        s.selected = 0;
        let t = terminal(&s);
        let buf = t.backend().buffer();
        let y = (0..24)
            .find(|&y| buf[(1, y)].symbol() == "b" && buf[(2, y)].symbol() == "o")
            .expect("bob's row");
        let cell = &buf[(1, y)];
        assert!(cell.modifier.contains(Modifier::BOLD), "color {color}");
        assert_eq!(cell.fg == Color::Red, color, "red only with colour");
        let ann = &buf[(1, y - 1)];
        assert!(!ann.modifier.contains(Modifier::BOLD));
        assert!(ann.modifier.contains(Modifier::REVERSED), "the selection");
    }
}

#[test]
fn enter_opens_the_detail_with_the_answer_its_rubric_and_the_journal() {
    let mut s = state(80, 24, true);
    open_ann(&mut s, None);
    let text = screen(&s);
    assert_snapshot!(text);
    assert!(text.contains("Self-assessed 5 min ago"), "{text}");
    assert!(text.contains("r rejects it"), "{text}");
    assert!(text.contains("Rubric now: pass"), "{text}");
    assert!(text.contains("POST   /login"), "{text}");
    assert!(text.contains("a/r accept/reject"), "{text}");
    // The rubric result is graded again in update, from the course.
    assert!(s.detail.as_ref().unwrap().verdicts[0].is_some());
}

#[test]
fn a_and_r_review_only_a_self_assessed_answer() {
    let mut s = state(80, 24, true);
    // From the list, a review needs a learner opened.
    assert!(press(&mut s, KeyCode::Char('a')).is_empty());
    assert!(s.status.as_deref().unwrap().contains("open a learner"));
    open_ann(&mut s, None);
    let fx = press(&mut s, KeyCode::Char('a'));
    assert_eq!(
        fx,
        vec![ClassEffect::Review {
            name: "ann".into(),
            problem: "disappearing-login".into(),
            accept: true
        }]
    );
    // One at a time.
    assert!(press(&mut s, KeyCode::Char('r')).is_empty());
    let answer = ReviewAnswer {
        name: "ann".into(),
        problem: "disappearing-login".into(),
        review: Review {
            accept: true,
            at: NOW.into(),
            of: "2026-03-02T10:25:00Z".into(),
        },
        answer: AnswerState::Accepted,
    };
    let fx = update(
        &mut s,
        ClassAction::Reviewed {
            name: "ann".into(),
            problem: "disappearing-login".into(),
            result: Ok(Box::new(answer)),
        },
    );
    assert_eq!(fx, vec![ClassEffect::FetchDetail("ann".into())]);
    update(
        &mut s,
        ClassAction::Detail(Box::new(ann_detail(Some(true)))),
    );
    assert!(screen(&s).contains("you accepted it 2 min ago"));
    // Accepting again says so; rejecting is the instructor's change of mind.
    assert!(press(&mut s, KeyCode::Char('a')).is_empty());
    assert_eq!(press(&mut s, KeyCode::Char('r')).len(), 1);
    // where-state-goes: partial, not self-assessed: nothing to review.
    update(
        &mut s,
        ClassAction::Reviewed {
            name: "ann".into(),
            problem: "disappearing-login".into(),
            result: Err("the workshop refused (409): nothing".into()),
        },
    );
    press(&mut s, KeyCode::Char('j'));
    assert!(press(&mut s, KeyCode::Char('a')).is_empty());
    assert!(
        s.status.as_deref().unwrap().contains("not self-assessed"),
        "{:?}",
        s.status
    );
    // Esc goes back to the list, where the selection stayed.
    press(&mut s, KeyCode::Esc);
    assert_eq!(s.screen, Screen::List);
    assert_eq!(s.selected_learner().unwrap().name, "ann");
}

#[test]
fn keys_move_and_the_selection_follows_its_learner() {
    let mut s = state(80, 24, true);
    press(&mut s, KeyCode::Char('j'));
    press(&mut s, KeyCode::Down);
    assert_eq!(s.selected, 2);
    press(&mut s, KeyCode::Char('j'));
    assert_eq!(s.selected, 2, "stops at the last");
    press(&mut s, KeyCode::Up);
    assert_eq!(s.selected_learner().unwrap().name, "bob");
    // A learner joining before bob does not move the selection off bob.
    let mut more = summary();
    more.learners
        .insert(0, row("aaron", [false; 4], [AnswerState::None; 4], None));
    update(&mut s, ClassAction::Summary(Box::new(more)));
    assert_eq!(s.selected_learner().unwrap().name, "bob");
    press(&mut s, KeyCode::Char('g'));
    assert_eq!(s.selected, 0);
    // ? shows the help, Esc closes it, q quits.
    press(&mut s, KeyCode::Char('?'));
    assert!(s.help);
    assert!(screen(&s).contains("accept / reject"));
    press(&mut s, KeyCode::Esc);
    assert!(!s.help);
    press(&mut s, KeyCode::Char('q'));
    assert!(s.quit);
}

#[test]
fn a_click_selects_a_learner_and_a_second_click_opens_it() {
    let mut s = state(80, 24, true);
    let click = |s: &ClassState, row: u16| {
        keys::map(
            s,
            &Event::Mouse(MouseEvent {
                kind: MouseEventKind::Down(MouseButton::Left),
                column: 5,
                row,
                modifiers: KeyModifiers::NONE,
            }),
        )
    };
    // Top line, block border, header: the learners start on row 3.
    assert_eq!(click(&s, 4), Some(ClassAction::ClickLearner(1)));
    assert_eq!(click(&s, 10), None, "below the last learner");
    update(&mut s, ClassAction::ClickLearner(1));
    assert_eq!(s.selected, 1);
    let fx = update(&mut s, ClassAction::ClickLearner(1));
    assert_eq!(fx, vec![ClassEffect::FetchDetail("bob".into())]);
    assert_eq!(s.screen, Screen::Detail);
}

#[test]
fn a_new_summary_for_the_learner_on_screen_reads_their_detail_again() {
    let mut s = state(80, 24, true);
    open_ann(&mut s, None);
    // Nothing changed for ann: no request.
    assert!(update(&mut s, ClassAction::Summary(Box::new(summary()))).is_empty());
    let mut changed = summary();
    changed.learners[0].hints_used = 3;
    assert_eq!(
        update(&mut s, ClassAction::Summary(Box::new(changed))),
        vec![ClassEffect::FetchDetail("ann".into())]
    );
}

#[test]
fn small_and_resized_screens_draw_without_panicking() {
    let mut s = state(80, 24, false);
    open_ann(&mut s, Some(false));
    for (w, h) in [(40, 10), (20, 5), (3, 2), (120, 40), (80, 24)] {
        update(&mut s, ClassAction::Resize(w, h));
        let text = screen(&s);
        assert_eq!(text.lines().count(), usize::from(h));
    }
    assert!(screen(&s).contains("you rejected it"));
    // Scrolling the answer stops at its end.
    for _ in 0..20 {
        press(&mut s, KeyCode::PageDown);
    }
    assert_eq!(
        s.detail.as_ref().unwrap().scroll,
        view::answer_max_scroll(&s)
    );
    update(&mut s, ClassAction::Back);
    update(&mut s, ClassAction::Resize(50, 15));
    assert!(screen(&s).contains("bob"));
}
