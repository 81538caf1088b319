//! The prediction overlay: the question and numbered choices, waiting for a pick. The
//! explanation is never shown here; it comes with the result.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::{bold, fg};
use crate::tui::state::State;
use crate::tui::workspace::text::wrap;

/// Widest overlay.
const MAX_W: u16 = 64;

pub fn draw(s: &State, f: &mut Frame, area: Rect, index: usize) {
    let Some(p) = s.rendered.as_ref().and_then(|r| r.predictions.get(index)) else {
        return;
    };
    let w = area.width.saturating_sub(4).min(MAX_W);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    for l in wrap(&p.question, inner, "", "") {
        lines.push(Line::from(Span::styled(l, bold())));
    }
    lines.push(Line::default());
    for (i, c) in p.choices.iter().enumerate() {
        let first = format!("{}) ", i + 1);
        for l in wrap(&c.text, inner, &first, "   ") {
            lines.push(Line::from(l));
        }
    }
    lines.push(Line::default());
    // What follows the pick: the card goes out (S, P), or opens to be filled in and sent
    // (Enter); a prediction with no card is settled by the lesson's answer at once.
    let n = p.choices.len();
    let how = match (p.request, s.pending_send) {
        (None, _) => format!("1-{n} picks. Esc: later"),
        (Some(_), Some(false)) => format!(
            "1-{n} picks; then the card opens, and its answer settles your pick when you send it. Esc: later"
        ),
        (Some(_), _) => format!(
            "1-{n} picks; then the request is sent and its answer settles your pick. Esc: later"
        ),
    };
    let dim = fg(s.color, ratatui::style::Color::DarkGray);
    for l in wrap(&how, inner, "", "") {
        lines.push(Line::from(Span::styled(l, dim)));
    }
    centred(f, area, w, lines, " Predict ");
}

/// How the prediction came out, wrapped: the pick, what the lab did, and why.
pub fn draw_result(s: &State, f: &mut Frame, area: Rect) {
    let Some((right, text)) = &s.prediction_result else {
        return;
    };
    let w = area.width.saturating_sub(4).min(MAX_W);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let mark = if *right {
        "✓ Right"
    } else {
        "✗ Not this time"
    };
    let colour = if *right {
        ratatui::style::Color::Green
    } else {
        ratatui::style::Color::Yellow
    };
    let mut lines: Vec<Line<'static>> = vec![Line::from(Span::styled(
        mark.to_string(),
        fg(s.color, colour).add_modifier(ratatui::style::Modifier::BOLD),
    ))];
    for para in text.split("\n\n") {
        lines.push(Line::default());
        lines.extend(wrap(para, inner, "", "").into_iter().map(Line::from));
    }
    lines.push(Line::default());
    let dim = fg(s.color, ratatui::style::Color::DarkGray);
    lines.push(Line::from(Span::styled("any key: back".to_string(), dim)));
    centred(f, area, w, lines, " Prediction ");
}

/// The message log: the newest messages that fit, each wrapped in full (never cut).
pub fn draw_messages(s: &State, f: &mut Frame, area: Rect) {
    let w = area.width.saturating_sub(4).min(MAX_W + 12);
    let inner = usize::from(w.saturating_sub(2)).max(1);
    let room = usize::from(area.height.saturating_sub(4)).max(1);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if s.messages.is_empty() {
        lines.push(Line::from("No messages yet."));
    }
    // Newest at the bottom; older ones drop off the top when the screen is short.
    for m in s.messages.iter().rev() {
        let mut block: Vec<Line<'static>> = wrap(m, inner, "· ", "  ")
            .into_iter()
            .map(Line::from)
            .collect();
        if lines.len() + block.len() > room {
            break;
        }
        block.append(&mut lines);
        lines = block;
    }
    centred(f, area, w, lines, " Messages · any key closes ");
}

/// `lines` in a bordered box `w` wide, centred on `area` and as tall as they need.
fn centred(f: &mut Frame, area: Rect, w: u16, lines: Vec<Line<'static>>, title: &str) {
    let h = (lines.len() as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title.to_string())),
        rect,
    );
}
