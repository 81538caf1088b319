//! `?`: every key, in one overlay.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{bold, fit};
use crate::tui::state::State;

/// (keys, what they do); an empty key starts a section.
pub const KEYS: &[(&str, &str)] = &[
    ("", "Reading"),
    ("j k ↓ ↑", "scroll a line (wheel: 3)"),
    ("space PgDn PgUp b", "scroll a page"),
    ("g G", "top / bottom"),
    ("n p", "next / previous lesson (or click)"),
    ("Tab ] Shift-Tab [", "next / previous request block"),
    ("Enter S", "open it in the console · send it now"),
    ("c t", "request console · token inspector"),
    ("o", "work on the next problem (or click one)"),
    ("", "Lab"),
    ("l", "lab pane ⇄ reader (keys, narrow screens)"),
    ("m", "mode: local → shared → token"),
    ("s", "policy: round-robin ⇄ sticky"),
    ("1-9 ← →", "select a replica (← → in lab pane)"),
    ("r x u", "restart / stop / start it"),
    ("d", "denylist on / off"),
    ("a", "attacker on alice: start / stop"),
    ("R", "revoke alice's credentials"),
    ("j k", "scroll the journal (lab pane)"),
    ("? Esc  q Ctrl-C", "help / close · quit"),
    ("", "Outline: · unread ✓ read; problems: service, answer"),
];

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let keys = if s.tool.is_some() {
        crate::tui::console::HELP_KEYS
    } else {
        crate::tui::workspace::keys::help(s).unwrap_or(KEYS)
    };
    let w = area.width.saturating_sub(4).min(58);
    let h = area.height.saturating_sub(2).min(keys.len() as u16 + 2);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    f.render_widget(Clear, r);
    let block = Block::bordered().title(" Keys · Esc closes ");
    let inner = block.inner(r);
    f.render_widget(block, r);
    let iw = usize::from(inner.width);
    let kw = 18.min(iw / 2);
    let lines: Vec<Line> = keys
        .iter()
        .map(|(k, d)| {
            if k.is_empty() {
                Line::from(Span::styled(fit(d, iw), bold()))
            } else {
                Line::from(vec![
                    Span::styled(format!("{:<kw$}", fit(k, kw)), bold()),
                    Span::raw(fit(d, iw.saturating_sub(kw))),
                ])
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
