//! The live journal tail: one entry per request or control event, newest at the bottom; a
//! long reason wraps onto the rows under its entry.

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
    if s.journal.is_empty() {
        let hint = "requests to the lab show here (curl it from another terminal)";
        let lines: Vec<Line> = fit_lines(hint, w, h, "")
            .into_iter()
            .map(Line::from)
            .collect();
        f.render_widget(
            Paragraph::new(lines).style(Style::default().add_modifier(Modifier::DIM)),
            inner,
        );
        return;
    }
    // The newest entries that fit whole, newest at the bottom; a long reason wraps.
    let end = s.journal.len().saturating_sub(s.journal_back);
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    let mut used = 0;
    for e in s.journal.range(..end).rev() {
        let block = lines(s.color, e, w, MAX_ROWS.min(h));
        if used + block.len() > h && !blocks.is_empty() {
            break;
        }
        used += block.len();
        blocks.push(block);
        if used >= h {
            break;
        }
    }
    let shown: Vec<Line> = blocks.into_iter().rev().flatten().take(h).collect();
    f.render_widget(Paragraph::new(shown), inner);
}

/// The most rows one entry takes; a longer one ends in " …" after a whole word.
const MAX_ROWS: usize = 4;

/// `text` wrapped at words to `w` columns, spaces inside a line kept (the journal's columns),
/// later rows starting with `indent`, in at most `max` rows: the last ends in " …" after a
/// whole word when the text is longer. A word wider than a row is cut.
fn fit_lines(text: &str, w: usize, max: usize, indent: &str) -> Vec<String> {
    if w == 0 || max == 0 {
        return Vec::new();
    }
    // First fit: as much on each row as fits (textwrap's default evens rows out, which would
    // move a replica's letter off the row its status is on); breaks at spaces only (not
    // inside an escaped `\u{1b}[31m`, a path or a URL).
    let options = textwrap::Options::new(w)
        .wrap_algorithm(textwrap::WrapAlgorithm::FirstFit)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .subsequent_indent(indent)
        .word_splitter(textwrap::WordSplitter::NoHyphenation)
        .break_words(true);
    let mut rows: Vec<String> = textwrap::wrap(text, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect();
    if rows.len() > max {
        rows.truncate(max);
        if let Some(last) = rows.last_mut() {
            let cut = fit(
                &format!("{} …", last.trim_start()),
                w.saturating_sub(indent.len()),
            );
            *last = if max > 1 {
                format!("{indent}{cut}")
            } else {
                cut
            };
        }
    }
    rows
}

/// The text of an entry.
fn text(e: &JournalEntry) -> String {
    let c = |t: &str| clean(t).into_owned();
    let reason = c(e.reason.as_deref().unwrap_or(""));
    let head = match e.kind {
        EntryKind::Control => format!(
            "{:<8} {} ",
            e.source,
            e.event.map_or("event", |v| v.as_str())
        ),
        EntryKind::Request => format!(
            "{:<8} {:<6} {:<14} {} {} ",
            e.source,
            c(&e.method),
            c(&e.path),
            e.status,
            c(e.replica.as_deref().unwrap_or("-")),
        ),
    };
    format!("{head}{reason}").trim_end().to_string()
}

fn style(color: bool, e: &JournalEntry) -> Style {
    match e.kind {
        EntryKind::Control => fg(color, Color::Cyan),
        EntryKind::Request => {
            let mut style = status_style(color, e.status);
            if e.source == Source::Attacker {
                style = style.add_modifier(Modifier::ITALIC);
            }
            style
        }
    }
}

/// `source method path status replica reason`, coloured by outcome, wrapped at words to `w`
/// columns in at most `max` rows: what does not fit goes on under the method column, the
/// source column left blank so the rows read as one entry (two columns in, in a narrow pane). Every field but the status may
/// carry what a client sent (a path, a username in a reason), so each goes through [`clean`].
pub fn lines(color: bool, e: &JournalEntry, w: usize, max: usize) -> Vec<Line<'static>> {
    let indent = if w >= 48 { "         " } else { "  " };
    let style = style(color, e);
    fit_lines(&text(e), w, max, indent)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, style)))
        .collect()
}

/// [`lines`] on one row: the entry cut after a whole word when it is longer.
pub fn line(color: bool, e: &JournalEntry, w: usize) -> Line<'static> {
    Line::from(Span::styled(fit(&text(e), w), style(color, e)))
}
