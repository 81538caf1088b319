//! The live journal tail: one line per request or control event, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::lab::status_style;
use super::{clean, fg, fit};
use crate::api::{EntryKind, JournalEntry, Source};
use crate::tui::state::State;

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    if area.height == 0 {
        return;
    }
    let title = if s.journal_back > 0 {
        format!(" journal (back {}) ", s.journal_back)
    } else {
        " journal ".to_string()
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .title(title)
        .border_style(fg(s.color, Color::DarkGray));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let h = usize::from(inner.height);
    let w = usize::from(inner.width);
    let end = s.journal.len().saturating_sub(s.journal_back);
    let start = end.saturating_sub(h);
    let lines: Vec<Line> = s
        .journal
        .range(start..end)
        .map(|e| line(s.color, e, w))
        .collect();
    if lines.is_empty() {
        let hint = "requests to the lab show here (curl it from another terminal)";
        f.render_widget(
            Paragraph::new(fit(hint, w)).style(Style::default().add_modifier(Modifier::DIM)),
            inner,
        );
    } else {
        f.render_widget(Paragraph::new(lines), inner);
    }
}

/// `source method path status replica reason`, coloured by outcome. Every field but the
/// status may carry what a client sent (a path, a username in a reason), so each goes
/// through [`clean`] before it reaches the screen.
pub fn line(color: bool, e: &JournalEntry, w: usize) -> Line<'static> {
    let c = |t: &str| clean(t).into_owned();
    match e.kind {
        EntryKind::Control => {
            let text = format!(
                "{:<8} {} {}",
                e.source,
                e.event.map_or("event", |v| v.as_str()),
                c(e.reason.as_deref().unwrap_or(""))
            );
            Line::from(Span::styled(fit(&text, w), fg(color, Color::Cyan)))
        }
        EntryKind::Request => {
            let reason = e
                .reason
                .as_deref()
                .map(|r| format!(" {}", c(r)))
                .unwrap_or_default();
            let text = format!(
                "{:<8} {:<6} {:<14} {} {}{reason}",
                e.source,
                c(&e.method),
                c(&e.path),
                e.status,
                c(e.replica.as_deref().unwrap_or("-")),
            );
            let mut style = status_style(color, e.status);
            if e.source == Source::Attacker {
                style = style.add_modifier(Modifier::ITALIC);
            }
            Line::from(Span::styled(fit(&text, w), style))
        }
    }
}
