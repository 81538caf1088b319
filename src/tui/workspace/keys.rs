//! Keys in the workspace. A focused field takes every key but Ctrl-C, Ctrl-S, Alt-Enter and
//! Esc; otherwise the workspace's own keys come first and the rest (lab controls, help,
//! quit) fall through to the app's.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{Focus, WorkAction};
use crate::tui::action::Action;
use crate::tui::layout::WIDE;
use crate::tui::state::{Pane, State};

/// `Some(action or nothing)` when the workspace handles the key; `None` lets the app map it.
pub fn map(s: &State, k: &KeyEvent) -> Option<Option<Action>> {
    use KeyCode::*;
    let w = |a: WorkAction| Some(Some(Action::Work(a)));
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    if s.overlay.is_some() {
        return None;
    }
    let Some(ws) = &s.work.open else {
        // `o` opens the next unfinished problem from anywhere.
        return match k.code {
            Char('o') if !ctrl && !alt => w(WorkAction::OpenNext),
            _ => None,
        };
    };
    // Ctrl-C while writing an answer asks once: the draft is saved, the next Ctrl-C quits.
    if ctrl && k.code == Char('c') {
        return (ws.focus == Focus::Editor
            && !ws.quit_armed
            && !ws.answer_text().trim().is_empty())
        .then_some(Some(Action::Work(WorkAction::ArmQuit)));
    }
    if (ctrl && k.code == Char('s')) || (alt && k.code == Enter) {
        return w(WorkAction::Submit);
    }
    if ws.focus != Focus::None {
        return match k.code {
            Esc => w(WorkAction::Blur),
            // Tab leaves the one-line claim field; in the editor it is a key like any other.
            Tab | BackTab if ws.focus == Focus::Claim => w(WorkAction::Blur),
            _ => w(WorkAction::Input((*k).into())),
        };
    }
    // On a narrow screen with the lab pane showing, the lab keeps its keys.
    if s.pane == Pane::Lab && s.size.0 < WIDE {
        return match k.code {
            Char('o') if !ctrl => w(WorkAction::OpenNext),
            _ => None,
        };
    }
    if ctrl {
        return match k.code {
            Char('d') => w(WorkAction::Scroll(page(s))),
            Char('u') => w(WorkAction::Scroll(-page(s))),
            _ => None,
        };
    }
    match k.code {
        Esc => w(WorkAction::Close),
        Tab | Right => w(WorkAction::NextTab),
        BackTab | Left => w(WorkAction::PrevTab),
        Char('j') | Down => w(WorkAction::Scroll(1)),
        Char('k') | Up => w(WorkAction::Scroll(-1)),
        PageDown | Char(' ') => w(WorkAction::Scroll(page(s))),
        PageUp => w(WorkAction::Scroll(-page(s))),
        Char('g') | Home => w(WorkAction::Top),
        Char('G') | End => w(WorkAction::Bottom),
        Char('e') | Char('i') | Enter => w(WorkAction::FocusEditor),
        Char('b') if ws.needs_claim() => w(WorkAction::FocusClaim),
        Char('b') => w(WorkAction::Scroll(-page(s))),
        Char('h') => w(WorkAction::Hint),
        Char('C') => w(WorkAction::CheckNow),
        Char('f') => w(WorkAction::FreshStart),
        Char('M') => w(WorkAction::SelfAssess),
        Char('n') => w(WorkAction::NextProblem),
        Char('p') => w(WorkAction::PrevProblem),
        Char('o') => Some(None),
        // Reader keys that mean nothing here.
        Char('[') | Char(']') => Some(None),
        _ => None,
    }
}

fn page(s: &State) -> i64 {
    (i64::from(s.size.1) / 2 - 2).max(1)
}

/// Footer keys while the workspace is open (`None` when it is not on screen).
pub fn footer(s: &State) -> Option<&'static [(&'static str, &'static str)]> {
    let ws = s.work.open.as_ref()?;
    Some(match ws.focus {
        Focus::Editor => &[
            ("Ctrl-S", "submit"),
            ("Esc", "done typing"),
            ("Ctrl-L", "clear all"),
            ("Alt-Enter", "submit"),
            ("Ctrl-C", "quit"),
        ],
        Focus::Claim => &[
            ("Enter", "check with this claim"),
            ("Esc", "leave the field"),
            ("Ctrl-C", "quit"),
        ],
        Focus::None
            if ws.may_self_assess
                && !ws.self_assessed
                && !ws.verdict.as_ref().is_some_and(|v| v.passed()) =>
        {
            &[
                ("e", "write"),
                ("M", "mine"),
                ("Tab", "section"),
                ("h", "hint"),
                ("j/k", "scroll"),
                ("Esc", "close"),
                ("?", "help"),
                ("q", "quit"),
            ]
        }
        Focus::None if ws.needs_claim() => &[
            ("e", "write"),
            ("b", "badge claim"),
            ("Tab", "section"),
            ("h", "hint"),
            ("j/k", "scroll"),
            ("C", "check"),
            ("Esc", "close"),
            ("m", "mode"),
            ("?", "help"),
            ("q", "quit"),
        ],
        Focus::None => &[
            ("e", "write"),
            ("Tab", "section"),
            ("n/p", "problem"),
            ("h", "hint"),
            ("C", "check"),
            ("f", "afresh"),
            ("j/k", "scroll"),
            ("Esc", "close"),
            ("m", "mode"),
            ("?", "help"),
            ("q", "quit"),
        ],
    })
}

/// The help overlay's list while the workspace is open.
pub const HELP: &[(&str, &str)] = &[
    ("", "Problem workspace"),
    ("o  n p", "open next unfinished / next / previous problem"),
    ("Tab → Shift-Tab ←", "Problem · Checklist · Answer"),
    ("j k space PgUp g G", "scroll the section"),
    ("e i Enter", "write the answer (keys go to the editor)"),
    ("Ctrl-S Alt-Enter", "submit the answer for grading"),
    (
        "Ctrl-U Ctrl-L",
        "in the editor: clear to the line's start · clear it all",
    ),
    ("Esc", "leave the editor · close the workspace"),
    ("h", "next hint (recorded in your progress)"),
    ("C", "check the lab now (it re-checks by itself)"),
    (
        "f",
        "check afresh: only what happens from now counts (forgetful check PROBLEM --restart)",
    ),
    (
        "M",
        "after two tries: my answer says what the model answer says (self-assessed)",
    ),
    ("c t", "request console · token inspector"),
    ("b", "edit the badge claim (where-state-goes)"),
    ("", "Lab (as in the reader)"),
    ("m s", "mode · policy"),
    ("1-9 r x u", "replica: select, restart / stop / start"),
    ("d a R", "denylist · attacker · revoke alice"),
    ("l", "lab pane ⇄ workspace (narrow screens)"),
    ("? Esc  q Ctrl-C", "help / close · quit"),
];

/// Help keys for the current screen (`None`: the app's own list).
pub fn help(s: &State) -> Option<&'static [(&'static str, &'static str)]> {
    s.work.open.as_ref().map(|_| HELP)
}
