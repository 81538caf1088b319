//! The top line (app, lab, last message) and the footer (keys that matter here).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{bold, fg};
use crate::tui::keymap::{self, Ctx};
use crate::tui::layout::WIDE;
use crate::tui::state::{Pane, State};
use crate::tui::style::words_within;

pub fn draw_top(s: &State, f: &mut Frame, area: Rect) {
    let w = usize::from(area.width);
    let mut spans = vec![Span::styled(
        " forgetful ",
        bold().add_modifier(Modifier::REVERSED),
    )];
    if let Some(st) = &s.lab.state {
        // The replicas stay visible here even when the lab panel is not on screen.
        spans.push(Span::raw(format!(" {} · {} ·", st.mode, st.policy)));
        for (i, r) in st.replicas.iter().enumerate() {
            let (mark, c) = if r.up {
                ("✓", Color::Green)
            } else {
                ("✗", Color::Red)
            };
            let mut style = fg(s.color, c);
            if i == s.selected_replica {
                style = style.add_modifier(Modifier::UNDERLINED);
            }
            spans.push(Span::raw(" "));
            spans.push(Span::styled(format!("{}{mark}", r.name), style));
        }
        spans.push(Span::raw("  "));
    } else if s.lab.error.is_some() {
        spans.push(Span::styled(" lab unreachable  ", fg(s.color, Color::Red)));
    } else {
        spans.push(Span::raw(" starting the lab…  "));
    }
    let used: usize = spans.iter().map(|s| s.width()).sum();
    if let Some(m) = &s.status {
        spans.push(Span::styled(
            fit_words(m, w.saturating_sub(used + 1)),
            fg(s.color, Color::Yellow),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let owned;
    let keys: &[(&str, &str)] = if s.overlay.is_some() {
        if crate::tui::help::view_of(s).max_scroll > 0 {
            &[("j/k", "scroll"), ("Esc", "close"), ("q", "quit")]
        } else {
            &[("Esc", "close"), ("q", "quit")]
        }
    } else if s.load.open {
        &crate::tui::load::keys::FOOTER
    } else if let Some(k) = crate::tui::console::footer_keys(s) {
        k
    } else if s.pane == Pane::Lab {
        let ctx = if s.journal_back > 0 {
            Ctx::LabBack
        } else {
            Ctx::Lab
        };
        owned = keymap::footer(ctx);
        &owned
    } else if let Some(k) = crate::tui::workspace::keys::footer(s) {
        k
    } else {
        let ctx = if s.size.0 >= WIDE {
            Ctx::ReaderWide
        } else {
            Ctx::ReaderNarrow
        };
        owned = keymap::footer(ctx);
        &owned
    };
    f.render_widget(Paragraph::new(keys_line(keys, area.width, s.color)), area);
}

/// A footer row of keys and what they do, fitted to `width`: `?` and `Esc` always stay, the
/// others fill the row in order while they fit whole. The class view draws its footer with it.
pub fn keys_line(keys: &[(&str, &str)], width: u16, color: bool) -> Line<'static> {
    let key = if color {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    } else {
        bold()
    };
    let mut spans = Vec::new();
    // `?` (and Esc) are kept whatever the width: they lead to everything else. The rest
    // fill the row in order while they fit whole.
    let pinned = |k: &str| k == "?" || k.starts_with("Esc");
    let wdt = |k: &str, d: &str| k.chars().count() + d.chars().count() + 2;
    let budget = usize::from(width).saturating_sub(
        keys.iter()
            .filter(|(k, _)| pinned(k))
            .map(|(k, d)| wdt(k, d))
            .sum(),
    );
    let mut used = 0;
    let mut shown = vec![false; keys.len()];
    for (i, (k, d)) in keys.iter().enumerate() {
        if pinned(k) {
            shown[i] = true;
        } else if used + wdt(k, d) <= budget {
            used += wdt(k, d);
            shown[i] = true;
        } else {
            // Later ones may be shorter, but skipping one would read as a gap in the list.
            break;
        }
    }
    for (i, (k, d)) in keys.iter().enumerate() {
        if shown[i] || pinned(k) {
            spans.push(Span::styled(k.to_string(), key));
            spans.push(Span::raw(format!(" {d} ")));
        }
    }
    Line::from(spans)
}

/// The status cut to `w` columns at a word boundary, never inside a word, with a pointer to
/// the message log (`:`) where it reads whole; just the pointer when not even a word fits.
fn fit_words(m: &str, w: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let m = &*super::clean(m);
    words_within(m, w, " … (:)").unwrap_or_else(|| {
        let pointer = "… (:)";
        if pointer.width() <= w {
            pointer.to_string()
        } else {
            String::new()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_is_cut_after_a_word_with_a_pointer_to_the_log() {
        let m = "request 1/2: POST /login · Enter opens · S sends";
        assert_eq!(fit_words(m, 60), m);
        assert_eq!(fit_words(m, 30), "request 1/2: POST /login … (:)");
        assert_eq!(fit_words(m, 29), "request 1/2: POST … (:)");
        assert_eq!(fit_words(m, 8), "… (:)");
        assert_eq!(fit_words(m, 3), "");
    }
}
