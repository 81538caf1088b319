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
    // An answered prediction says so where its "(in the app: P opens it…)" line was, so the
    // reader sees at a glance which ones are still open for `P`.
    let id = s.lesson().map(|l| l.id.as_str()).unwrap_or("");
    let plain = |i: usize| -> String {
        r.text.lines.get(i).map_or(String::new(), |l| {
            l.spans.iter().map(|sp| sp.content.as_ref()).collect()
        })
    };
    let answered: std::collections::HashMap<usize, bool> = r
        .predictions
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let right = *s.predicted.get(&crate::progress::prediction_key(id, i))?;
            let hint = (p.line..p.line + 24)
                .find(|&j| plain(j).trim_start().starts_with("(in the app:"))?;
            Some((hint, right))
        })
        .collect();
    // A hint wrapped over more lines: its continuation goes with it.
    let continued: std::collections::HashSet<usize> = answered
        .keys()
        .flat_map(|&h| {
            let end = (h..h + 4)
                .find(|&j| plain(j).trim_end().ends_with(')'))
                .unwrap_or(h);
            h + 1..=end
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
            if continued.contains(&i) {
                l = Line::default();
            }
            if let Some(&right) = answered.get(&i) {
                let mark = if right {
                    "  ✓ answered: your pick was right"
                } else {
                    "  ✗ answered: not what happened"
                };
                l = Line::from(Span::styled(
                    crate::tui::views::fit(mark, width),
                    ratatui::style::Style::default().add_modifier(Modifier::DIM),
                ));
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
