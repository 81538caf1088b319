//! Keys and mouse → actions. The mapping depends on what is on screen (help open,
//! which pane has the keyboard), so it reads the state but never changes it.

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind,
};
use ratatui::layout::{Position, Rect};

use super::action::Action;
use super::layout;
use super::state::State;
use super::views::outline;

pub fn map(s: &State, ev: &Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => key(s, k),
        Event::Mouse(m) => mouse(s, m),
        Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
        _ => None,
    }
}

/// An Esc typed just before a key reaches us glued to it, as Alt+key (that is how terminals
/// encode Alt). The app binds no Alt+letter outside text fields, so there it means "Esc, then
/// the key": returns the key alone, for the loop to handle after an Esc.
pub fn esc_prefixed(s: &State, ev: &Event) -> Option<Event> {
    let Event::Key(k) = ev else { return None };
    if k.modifiers != KeyModifiers::ALT {
        return None;
    }
    match k.code {
        // Two Escs in a row arrive as Alt+Esc: always two Escs.
        KeyCode::Esc => Some(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE))),
        KeyCode::Char(_) if !s.typing() => {
            Some(Event::Key(KeyEvent::new(k.code, KeyModifiers::NONE)))
        }
        _ => None,
    }
}

fn key(s: &State, k: &KeyEvent) -> Option<Action> {
    if let Some(super::state::Overlay::Predict(_)) = s.overlay {
        return predict_key(k);
    }
    // The prediction's outcome and the message log: any key puts them away (Ctrl-C quits).
    if let Some(super::state::Overlay::PredictResult | super::state::Overlay::Messages) = s.overlay
    {
        let quit = k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c');
        return Some(if quit {
            Action::Quit
        } else {
            Action::CloseOverlay
        });
    }
    if s.overlay.is_some() {
        return help_key(s, k);
    }
    // The load pane has the screen and every key while it is open.
    if s.load.open {
        return super::load::keys::map(s, k);
    }
    // An open console or inspector has the keyboard; then the problem workspace (its editor
    // swallows typing); then the keys that open the console from anywhere.
    if s.tool.is_some()
        && let Some(a) = super::console::key(s, k)
    {
        // A reader key the tool has no use for: say so rather than swallow it silently.
        return a.or_else(|| super::console::reader_key_hint(s, k).map(Action::Status));
    }
    if let Some(a) = super::workspace::keys::map(s, k) {
        return a;
    }
    if let Some(a) = super::console::key(s, k) {
        return a;
    }
    super::keymap::action(s, k)
}

/// A prediction waiting for a pick takes every key: 1-4 picks, Esc puts it off.
fn predict_key(k: &KeyEvent) -> Option<Action> {
    use KeyCode::*;
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return (k.code == Char('c')).then_some(Action::Quit);
    }
    Some(match k.code {
        Char(c @ '1'..='4') => Action::PredictChoose(c as usize - '1' as usize),
        Esc => Action::CloseOverlay,
        Char('q') => Action::Quit,
        _ => Action::Status("pick an answer with its number, or Esc to decide later".into()),
    })
}

/// The help overlay takes every key: it scrolls, closes, or quits; the rest waits.
fn help_key(s: &State, k: &KeyEvent) -> Option<Action> {
    use KeyCode::*;
    let page = super::help::page(s);
    if k.modifiers.contains(KeyModifiers::CONTROL) {
        return match k.code {
            Char('c') => Some(Action::Quit),
            Char('d') => Some(Action::ScrollHelp(page)),
            Char('u') => Some(Action::ScrollHelp(-page)),
            _ => None,
        };
    }
    Some(match k.code {
        Esc | Char('?') | Enter => Action::CloseOverlay,
        Char('q') => Action::Quit,
        Char('j') | Down => Action::ScrollHelp(1),
        Char('k') | Up => Action::ScrollHelp(-1),
        PageDown | Char(' ') => Action::ScrollHelp(page),
        PageUp | Char('b') => Action::ScrollHelp(-page),
        Char('g') | Home => Action::ScrollHelp(i64::MIN / 2),
        Char('G') | End => Action::ScrollHelp(i64::MAX / 2),
        _ => return None,
    })
}

fn mouse(s: &State, m: &MouseEvent) -> Option<Action> {
    // The help overlay is on top of everything: the wheel scrolls it, a click closes it.
    if s.overlay.is_some() {
        return match m.kind {
            MouseEventKind::ScrollDown => Some(Action::ScrollHelp(3)),
            MouseEventKind::ScrollUp => Some(Action::ScrollHelp(-3)),
            MouseEventKind::Down(_) => Some(Action::CloseOverlay),
            _ => None,
        };
    }
    if s.load.open {
        return None;
    }
    if s.tool.is_some() {
        return super::console::mouse(s, m);
    }
    let at = Position::new(m.column, m.row);
    let a = layout::areas(s.size.0, s.size.1, s.pane);
    let inside = |r: Option<Rect>| r.is_some_and(|r| r.contains(at));
    let journal = a.lab.map(|lab| layout::lab_areas(lab, s.replicas().len()));
    match m.kind {
        MouseEventKind::ScrollDown if inside(a.reader) => Some(Action::Scroll(3)),
        MouseEventKind::ScrollUp if inside(a.reader) => Some(Action::Scroll(-3)),
        MouseEventKind::ScrollDown if inside(journal.map(|j| j.journal)) => {
            Some(Action::ScrollJournal(-3))
        }
        MouseEventKind::ScrollUp if inside(journal.map(|j| j.journal)) => {
            Some(Action::ScrollJournal(3))
        }
        MouseEventKind::Down(_) if inside(a.outline) => {
            let row = outline::row_at(s, a.outline?, at.y)?;
            match row {
                outline::Row::Lesson(i) => Some(Action::OpenLesson(i)),
                outline::Row::Problem(i) => {
                    Some(Action::Work(super::workspace::WorkAction::Open(i)))
                }
                outline::Row::Header(_) | outline::Row::Blank | outline::Row::More(..) => None,
            }
        }
        MouseEventKind::Down(_) if inside(journal.map(|j| j.replicas)) => {
            let r = journal?.replicas;
            let (per_row, w) = layout::replica_grid(s.replicas().len(), r.width);
            let col = usize::from((at.x - r.x) / w.max(1));
            let row = usize::from((at.y - r.y) / layout::BOX_H);
            (col < per_row).then_some(Action::SelectReplica(row * per_row + col))
        }
        _ => None,
    }
}
