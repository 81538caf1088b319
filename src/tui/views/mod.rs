//! One module per part of the screen; each draws from `&State` only.

pub mod console;
pub mod footer;
pub mod help;
pub mod inspector;
pub mod journal;
pub mod lab;
pub mod load;
pub mod outline;
pub mod predict;
pub mod reader;

use std::borrow::Cow;

use ratatui::style::{Color, Modifier, Style};

/// A colour, or nothing under NO_COLOR.
pub fn fg(color: bool, c: Color) -> Style {
    if color {
        Style::default().fg(c)
    } else {
        Style::default()
    }
}

pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// Border style of a pane: brighter when it has the keyboard.
pub fn pane_border(color: bool, focused: bool) -> Style {
    match (focused, color) {
        (true, true) => Style::default().fg(Color::Cyan),
        (true, false) => bold(),
        (false, true) => Style::default().fg(Color::DarkGray),
        (false, false) => Style::default(),
    }
}

/// Text from outside the app (journal entries: a failed login's username, a path, a
/// reason; lab answers) made safe to draw: control characters (ESC, BEL, C1 controls, line
/// breaks) and bidi overrides are shown escaped, as `\u{1b}`, so what a client sent can
/// neither drive the terminal nor hide or reorder text. Everything drawn from the journal,
/// the lab's state or a response goes through here (`fit` and the workspace's wrapping too).
pub fn clean(s: &str) -> Cow<'_, str> {
    crate::api::printable(s)
}

/// Cuts `s` to at most `w` display columns, with an ellipsis when cut (control characters
/// escaped first: see [`clean`]).
pub fn fit(s: &str, w: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let s = &*clean(s);
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    if w > 0 {
        out.push('…');
    }
    out
}
