//! The lesson, pre-wrapped by the renderer; we only slice the visible lines and
//! highlight the focused request block.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};

use super::pane_border;
use crate::tui::state::{Pane, State};

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let title = s
        .lesson()
        .map(|l| format!(" {} · {} ", l.number, l.title))
        .unwrap_or_else(|| " no lessons ".into());
    let total = s.line_count();
    let mut block = Block::bordered()
        .title(super::title(
            &title,
            usize::from(area.width.saturating_sub(4)),
        ))
        .border_style(pane_border(s.color, s.pane == Pane::Reader));
    let h = usize::from(area.height.saturating_sub(2)).max(1);
    if let Some(pct) = ((s.scroll + h).min(total) * 100).checked_div(total) {
        block = block.title_bottom(Line::from(format!(" {pct}% ")).right_aligned());
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(r) = &s.rendered else { return };
    let focused_line = s.focused_request.and_then(|i| r.requests.get(i)).copied();
    let lines: Vec<Line> = r
        .text
        .lines
        .iter()
        .enumerate()
        .skip(s.scroll)
        .take(usize::from(inner.height))
        .map(|(i, l)| {
            let mut l = l.clone();
            if Some(i) == focused_line {
                // The focused runnable request: reverse video works with and without colour.
                l = l
                    .patch_style(ratatui::style::Style::default().add_modifier(Modifier::REVERSED));
            }
            l
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
