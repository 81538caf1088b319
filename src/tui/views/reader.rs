//! The lesson, pre-wrapped by the renderer; we only slice the visible lines and
//! highlight the focused request block and mark each answered prediction.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
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
    // An answered prediction says so where its "(in the app: P opens it…)" note was, so the
    // reader sees at a glance which ones are still open for `P`: the note's first line
    // carries the mark, the rest of it goes.
    let id = s.lesson().map(|l| l.id.as_str()).unwrap_or("");
    let answered: Vec<(std::ops::Range<usize>, bool)> = r
        .predictions
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let right = *s.predicted.get(&crate::progress::prediction_key(id, i))?;
            Some((p.hint.clone(), right))
        })
        .collect();
    let width = usize::from(inner.width);
    let lines: Vec<Line> = r
        .text
        .lines
        .iter()
        .enumerate()
        .skip(s.scroll)
        .take(usize::from(inner.height))
        .map(|(i, l)| {
            let mut l = l.clone();
            if let Some((hint, right)) = answered.iter().find(|(h, _)| h.contains(&i)) {
                l = if i == hint.start {
                    let mark = if *right {
                        "  ✓ answered: your pick was right"
                    } else {
                        "  ✗ answered: not what happened"
                    };
                    Line::from(Span::styled(
                        crate::tui::views::fit(mark, width),
                        ratatui::style::Style::default().add_modifier(Modifier::DIM),
                    ))
                } else {
                    Line::default()
                };
            }
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
