//! `?`: what the help overlay lists for what is on screen, wrapped to the overlay, where the
//! overlay sits and how far it scrolls. `update` reads it to scroll and page; `views::help`
//! draws it. Long lists scroll (j k, arrows, PgUp/PgDn, the wheel) and long descriptions
//! wrap, so every entry is reachable at 50x15.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::style::bold;
use crate::tui::console::{self, Tool};
use crate::tui::state::State;
use crate::tui::workspace::text::wrap;

/// A list of (keys, what they do); an empty key starts a section.
pub type Keys = &'static [(&'static str, &'static str)];

/// Widest key column.
const KEY_W: usize = 18;
/// Widest overlay.
const MAX_W: u16 = 64;

/// The lists for what is on screen, its own first: the console or inspector (with the
/// other one, which is a key away), else the problem workspace, else the reader and lab.
pub fn sections(s: &State) -> Vec<Keys> {
    if s.load.open {
        return vec![
            &crate::tui::load::keys::HELP[..],
            &crate::tui::keymap::HELP[..],
        ];
    }
    match s.tool {
        Some(Tool::Console) => vec![
            console::CONSOLE_HELP,
            crate::tui::inspector::INSPECTOR_HELP,
            console::TOOLS_HELP,
        ],
        Some(Tool::Inspector) => vec![
            crate::tui::inspector::INSPECTOR_HELP,
            console::CONSOLE_HELP,
            console::TOOLS_HELP,
        ],
        None => vec![crate::tui::workspace::keys::help(s).unwrap_or(&crate::tui::keymap::HELP[..])],
    }
}

/// Every line of the list at inner width `iw`: descriptions wrap under their column, a
/// blank line before each section but the first.
pub fn lines(s: &State, iw: usize) -> Vec<Line<'static>> {
    lines_for(&sections(s), iw)
}

/// [`lines`] for any lists of keys (the class view has its own).
pub fn lines_for(sections: &[Keys], iw: usize) -> Vec<Line<'static>> {
    // The key column, and a space after it.
    let kw = (KEY_W + 1).min(iw / 2);
    let dw = iw.saturating_sub(kw).max(1);
    let mut out: Vec<Line<'static>> = Vec::new();
    for (k, d) in sections.iter().copied().flatten() {
        if k.is_empty() {
            if !out.is_empty() {
                out.push(Line::default());
            }
            out.extend(
                wrap(d, iw.max(1), "", "")
                    .into_iter()
                    .map(|l| Line::from(Span::styled(l, bold()))),
            );
            continue;
        }
        for (i, l) in wrap(d, dw, "", "").into_iter().enumerate() {
            let key = if i == 0 {
                super::style::fit(k, kw.saturating_sub(1))
            } else {
                String::new()
            };
            out.push(Line::from(vec![
                Span::styled(format!("{key:<kw$}"), bold()),
                Span::raw(l),
            ]));
        }
    }
    out
}

/// Where the overlay goes on a screen `area`, its lines, and how far they scroll.
pub struct View {
    pub popup: Rect,
    pub lines: Vec<Line<'static>>,
    /// Lines that fit inside the border.
    pub height: usize,
    pub max_scroll: usize,
}

pub fn view(s: &State, area: Rect) -> View {
    view_for(&sections(s), area)
}

/// [`view`] for any lists of keys.
pub fn view_for(sections: &[Keys], area: Rect) -> View {
    let w = area.width.saturating_sub(4).min(MAX_W);
    let lines = lines_for(sections, usize::from(w.saturating_sub(2)));
    let h = area
        .height
        .saturating_sub(2)
        .min(u16::try_from(lines.len() + 2).unwrap_or(u16::MAX));
    let height = usize::from(h.saturating_sub(2));
    View {
        popup: Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        ),
        max_scroll: lines.len().saturating_sub(height),
        height,
        lines,
    }
}

/// The overlay as it is on the state's screen size (for `update` and the key mapping).
pub fn view_of(s: &State) -> View {
    view(s, Rect::new(0, 0, s.size.0, s.size.1))
}

/// How far PgDn/PgUp move: a page less a line of context.
pub fn page(s: &State) -> i64 {
    view_of(s).height.saturating_sub(1).max(1) as i64
}
