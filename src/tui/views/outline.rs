//! The course outline: lessons (unread · / read ✓) and problems (service and answer marks).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{bold, fg, fit, pane_border};
use crate::tui::layout;
use crate::tui::state::State;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Header(&'static str),
    Lesson(usize),
    Problem(usize),
    Blank,
}

pub fn rows(s: &State) -> Vec<Row> {
    let mut v = vec![Row::Header("Lessons")];
    v.extend((0..s.lessons.len()).map(Row::Lesson));
    if !s.problems.is_empty() {
        v.push(Row::Blank);
        v.push(Row::Header("Problems"));
        v.extend((0..s.problems.len()).map(Row::Problem));
    }
    v
}

/// First row shown: enough to keep the current lesson on screen.
fn offset(s: &State, height: usize) -> usize {
    let cur = s.current + 1;
    (cur + 1).saturating_sub(height)
}

/// Which row is at screen line `y` (for mouse clicks).
pub fn row_at(s: &State, area: Rect, y: u16) -> Option<Row> {
    let inner = layout::inner(area);
    if y < inner.y || y >= inner.bottom() {
        return None;
    }
    let i = usize::from(y - inner.y) + offset(s, usize::from(inner.height));
    rows(s).get(i).copied()
}

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let block = Block::bordered()
        .title(" Course ")
        .border_style(pane_border(s.color, false));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let h = usize::from(inner.height);
    let lines: Vec<Line> = rows(s)
        .into_iter()
        .skip(offset(s, h))
        .take(h)
        .map(|row| match row {
            Row::Header(t) => Line::from(Span::styled(fit(t, w), bold())),
            Row::Blank => Line::default(),
            Row::Lesson(i) => {
                let l = &s.lessons[i];
                let read = s.read.contains(&l.id);
                let mark = if read { "✓" } else { "·" };
                let text = fit(&format!("{mark} {:>2} {}", l.number, l.title), w);
                let mut style = if read {
                    fg(s.color, Color::Green)
                } else {
                    Style::default()
                };
                if i == s.current {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                Line::from(Span::styled(format!("{text:<w$}"), style))
            }
            Row::Problem(i) => {
                let p = &s.problems[i];
                let m = |ok| if ok { "✓" } else { "·" };
                let text = format!("{}{} {}", m(p.service_ok), m(p.answer_ok), p.title);
                let mut style = if p.service_ok && p.answer_ok {
                    fg(s.color, Color::Green)
                } else {
                    Style::default()
                };
                let open = s.work.open.as_ref().is_some_and(|ws| ws.index == i);
                if open {
                    style = style.add_modifier(Modifier::REVERSED);
                }
                Line::from(Span::styled(format!("{:<w$}", fit(&text, w)), style))
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
