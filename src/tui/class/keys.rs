//! The class view's keys, in one table (the app's [`Binding`] pattern): it maps keys, fills
//! the footer and lists the help. The mouse maps through the same layout `view` draws with.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEventKind};
use ratatui::layout::{Position, Rect};

use super::view;
use super::{ClassAction, ClassState, Screen};
use crate::tui::keymap::{
    Binding, Ctx, FooterKey, Section, action_in, bind, ctrl, footer_in, help_in,
};

use ClassAction as A;
use Ctx::{ClassDetail as CD, ClassList as CL};
use KeyCode::*;
use Section::Class as S;

pub static CLASS: &[Binding<ClassAction>] = &[
    bind(
        &[Char('j'), Down],
        |_| A::Move(1),
        S,
        Some(("j k ↓ ↑", "next / previous learner; on a learner, problem")),
        &[(CL, 0, 1, "j/k", "learner"), (CD, 0, 1, "j/k", "problem")],
    ),
    bind(&[Char('k'), Up], |_| A::Move(-1), S, None, &[]),
    bind(
        &[Char('g'), Home],
        |_| A::Top,
        S,
        Some(("g G", "first / last")),
        &[],
    ),
    bind(&[Char('G'), End], |_| A::Bottom, S, None, &[]),
    bind(
        &[Enter],
        |_| A::Open,
        S,
        Some((
            "Enter",
            "open the learner: answers, rubric, journal (on a learner: read again)",
        )),
        &[(CL, 1, 2, "Enter", "open")],
    ),
    bind(
        &[Char('a')],
        |_| A::Review(true),
        S,
        Some(("a r", "accept / reject the selected self-assessed answer")),
        &[(CD, 1, 2, "a/r", "accept/reject")],
    ),
    bind(&[Char('r')], |_| A::Review(false), S, None, &[]),
    bind(
        &[PageDown, Char(' ')],
        |_| A::PageAnswer(1),
        S,
        Some((
            "space PgDn PgUp b",
            "scroll the answer a page (wheel: 3 lines)",
        )),
        &[(CD, 2, 3, "PgDn/PgUp", "answer")],
    ),
    bind(&[PageUp, Char('b')], |_| A::PageAnswer(-1), S, None, &[]),
    bind(
        &[Esc],
        |_| A::Back,
        S,
        Some(("Esc", "back to the class; closes the help")),
        &[(CD, 3, 0, "Esc", "back")],
    ),
    bind(
        &[Char('?')],
        |_| A::ToggleHelp,
        S,
        Some(("?", "this help")),
        &[(CL, 20, 0, "?", "help"), (CD, 20, 0, "?", "help")],
    ),
    bind(
        &[Char('q')],
        |_| A::Quit,
        S,
        Some(("q Ctrl-C", "quit")),
        &[(CL, 21, 3, "q", "quit"), (CD, 21, 4, "q", "quit")],
    ),
    ctrl(bind(&[Char('c')], |_| A::Quit, S, None, &[])),
];

/// Rows of the help that are not keys.
const NOTES: &[(&str, &str)] = &[
    ("", "Mouse"),
    (
        "click",
        "select a learner or problem; click it again to open",
    ),
    ("wheel", "move through learners, or scroll the answer"),
    ("", "Marks (lab · answer)"),
    ("✓ ✗", "passed / not yet"),
    ("self", "self-assessed by the learner, not reviewed yet"),
    ("acc rej", "self-assessed, and you accepted / rejected it"),
    ("part -", "the grader found part of it / nothing submitted"),
];

/// The help's rows, built once.
pub static HELP: std::sync::LazyLock<Vec<(&'static str, &'static str)>> =
    std::sync::LazyLock::new(|| {
        let mut rows = help_in(CLASS, &[(Section::Class, "Class view")]);
        rows.extend_from_slice(NOTES);
        rows
    });

/// The footer's keys for the screen that is up.
pub fn footer(s: &ClassState) -> Vec<FooterKey> {
    if s.help {
        return vec![("j/k", "scroll", 1), ("Esc", "close", 0), ("q", "quit", 2)];
    }
    footer_in(
        CLASS,
        match s.screen {
            Screen::List => Ctx::ClassList,
            Screen::Detail => Ctx::ClassDetail,
        },
    )
}

/// Keys, mouse and resizes → actions. Reads the state, never changes it.
pub fn map(s: &ClassState, ev: &Event) -> Option<ClassAction> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key(s, k),
        Event::Mouse(m) => mouse(s, m.kind, Position::new(m.column, m.row)),
        Event::Resize(w, h) => Some(A::Resize(*w, *h)),
        _ => None,
    }
}

fn key(s: &ClassState, k: &KeyEvent) -> Option<ClassAction> {
    if s.help {
        let page = view::help_page(s) as i64;
        if k.modifiers.contains(KeyModifiers::CONTROL) {
            return (k.code == Char('c')).then_some(A::Quit);
        }
        return Some(match k.code {
            Esc | Char('?') | Enter => A::ToggleHelp,
            Char('q') => A::Quit,
            Char('j') | Down => A::ScrollHelp(1),
            Char('k') | Up => A::ScrollHelp(-1),
            PageDown | Char(' ') => A::ScrollHelp(page),
            PageUp | Char('b') => A::ScrollHelp(-page),
            Char('g') | Home => A::ScrollHelp(i64::MIN / 2),
            Char('G') | End => A::ScrollHelp(i64::MAX / 2),
            _ => return None,
        });
    }
    action_in(CLASS, k, false)
}

fn mouse(s: &ClassState, kind: MouseEventKind, at: Position) -> Option<ClassAction> {
    if s.help {
        return match kind {
            MouseEventKind::ScrollDown => Some(A::ScrollHelp(3)),
            MouseEventKind::ScrollUp => Some(A::ScrollHelp(-3)),
            MouseEventKind::Down(_) => Some(A::ToggleHelp),
            _ => None,
        };
    }
    let inside = |r: Rect| r.contains(at);
    let a = view::areas(s);
    match s.screen {
        Screen::List => match kind {
            MouseEventKind::ScrollDown => Some(A::Move(1)),
            MouseEventKind::ScrollUp => Some(A::Move(-1)),
            MouseEventKind::Down(_) if inside(a.rows) => {
                let i = view::list_offset(s, a.rows.height) + usize::from(at.y - a.rows.y);
                (i < s.learners().len()).then_some(A::ClickLearner(i))
            }
            _ => None,
        },
        Screen::Detail => match kind {
            MouseEventKind::ScrollDown if inside(a.answer) => Some(A::ScrollAnswer(3)),
            MouseEventKind::ScrollUp if inside(a.answer) => Some(A::ScrollAnswer(-3)),
            MouseEventKind::ScrollDown => Some(A::Move(1)),
            MouseEventKind::ScrollUp => Some(A::Move(-1)),
            MouseEventKind::Down(_) if inside(a.rows) => {
                let d = s.detail.as_ref()?;
                let i = view::problem_offset(d, a.rows.height) + usize::from(at.y - a.rows.y);
                Some(A::ClickProblem(i))
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_class_key_is_bound_twice() {
        for (i, x) in CLASS.iter().enumerate() {
            for k in x.keys {
                assert!(
                    !CLASS[..i]
                        .iter()
                        .any(|y| y.ctrl == x.ctrl && y.keys.contains(k)),
                    "{k:?} is bound twice"
                );
            }
        }
    }

    #[test]
    fn every_footer_key_is_in_the_help() {
        for ctx in [Ctx::ClassList, Ctx::ClassDetail] {
            for (keys, ..) in footer_in(CLASS, ctx) {
                let first = keys.split(['/', ' ']).next().unwrap_or(keys);
                assert!(
                    HELP.iter().any(|(k, _)| k.contains(first)),
                    "{keys} in the {ctx:?} footer but not in the help"
                );
            }
        }
    }
}
