//! The top line (app, lab, last message) and the footer (keys that matter here).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{bold, fg};
use crate::tui::keymap::{self, Ctx, FooterKey};
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
            fit_words(m, w.saturating_sub(used + 1), s.typing()),
            fg(s.color, Color::Yellow),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let keys: Vec<FooterKey> = if s.overlay.is_some() {
        if crate::tui::help::view_of(s).max_scroll > 0 {
            in_order(&[("j/k", "scroll"), ("Esc", "close"), ("q", "quit")])
        } else {
            in_order(&[("Esc", "close"), ("q", "quit")])
        }
    } else if s.load.open {
        in_order(&crate::tui::load::keys::FOOTER)
    } else if let Some(k) = crate::tui::console::footer_keys(s) {
        in_order(k)
    } else if s.pane == Pane::Lab {
        keymap::footer(if s.journal_back > 0 {
            Ctx::LabBack
        } else {
            Ctx::Lab
        })
    } else if let Some(k) = crate::tui::workspace::keys::footer(s) {
        in_order(k)
    } else {
        keymap::footer(if s.size.0 >= WIDE {
            Ctx::ReaderWide
        } else {
            Ctx::ReaderNarrow
        })
    };
    f.render_widget(Paragraph::new(keys_line(&keys, area.width, s.color)), area);
}

/// Keys of a list without a `keep` of their own: `?` and Esc always stay, the others go from
/// the end of the row.
pub fn in_order(keys: &[(&'static str, &'static str)]) -> Vec<FooterKey> {
    keys.iter()
        .enumerate()
        .map(|(i, &(k, d))| {
            let pinned = k == "?" || k.starts_with("Esc");
            (
                k,
                d,
                if pinned {
                    0
                } else {
                    u8::try_from(i + 1).unwrap_or(u8::MAX)
                },
            )
        })
        .collect()
}

/// The keys [`keys_line`] shows in `width` columns: taken by `keep` (lowest first, see
/// [`keymap::Foot`]) while each fits whole, and shown in their order. The first that does
/// not fit ends the choice, so a key never shows while a more important one is left out.
pub fn shown_keys(keys: &[FooterKey], width: u16) -> Vec<bool> {
    use unicode_width::UnicodeWidthStr;
    let mut by_keep: Vec<usize> = (0..keys.len()).collect();
    by_keep.sort_by_key(|&i| keys[i].2);
    let mut shown = vec![false; keys.len()];
    let mut used = 0;
    for i in by_keep {
        let (k, d, _) = keys[i];
        let w = k.width() + d.width() + 2;
        if used + w > usize::from(width) {
            break;
        }
        used += w;
        shown[i] = true;
    }
    shown
}

/// A footer row of keys and what they do, fitted to `width` (see [`shown_keys`]): each key
/// and its word shows whole or not at all. The class view draws its footer with it.
pub fn keys_line(keys: &[FooterKey], width: u16, color: bool) -> Line<'static> {
    let key = if color {
        Style::default()
            .fg(Color::Cyan)
            .add_modifier(Modifier::BOLD)
    } else {
        bold()
    };
    let mut spans = Vec::new();
    for (&(k, d, _), shown) in keys.iter().zip(shown_keys(keys, width)) {
        if shown {
            spans.push(Span::styled(k.to_string(), key));
            spans.push(Span::raw(format!(" {d} ")));
        }
    }
    Line::from(spans)
}

/// The status cut to `w` columns at a word boundary, never inside a word, with a pointer to
/// the message log (`:`) where it reads whole; just the pointer when not even a word fits.
/// While a text field has the keys, `:` is a character: the pointer says to leave it first.
fn fit_words(m: &str, w: usize, typing: bool) -> String {
    use unicode_width::UnicodeWidthStr;
    let m = &*super::clean(m);
    let (tail, pointer) = if typing {
        (" … (Esc, :)", "… (Esc, :)")
    } else {
        (" … (:)", "… (:)")
    };
    words_within(m, w, tail).unwrap_or_else(|| {
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

    // Whatever the width, what the footer leaves out is less important than all it shows:
    // a key shows only when every key that stays longer shows too, and `?` is always there
    // once its own width is.
    #[test]
    fn the_footer_drops_the_least_important_keys_first() {
        for ctx in [Ctx::ReaderWide, Ctx::ReaderNarrow, Ctx::Lab, Ctx::LabBack] {
            let keys = keymap::footer(ctx);
            for width in 0..200u16 {
                let shown = shown_keys(&keys, width);
                for (i, &(k, _, keep)) in keys.iter().enumerate() {
                    if !shown[i] {
                        continue;
                    }
                    for (j, &(k2, _, keep2)) in keys.iter().enumerate() {
                        assert!(
                            keep2 >= keep || shown[j],
                            "{ctx:?} at {width}: {k} shows but {k2} does not"
                        );
                    }
                }
                let help = keys
                    .iter()
                    .position(|x| x.0 == "?")
                    .expect("? in the footer");
                assert_eq!(shown[help], width >= 7, "{ctx:?} at {width}");
                // Never wider than the row.
                let line = keys_line(&keys, width, false);
                assert!(line.width() <= usize::from(width), "{ctx:?} at {width}");
            }
        }
    }

    #[test]
    fn the_status_is_cut_after_a_word_with_a_pointer_to_the_log() {
        let m = "request 1/2: POST /login · Enter opens · S sends";
        assert_eq!(fit_words(m, 60, false), m);
        assert_eq!(fit_words(m, 30, false), "request 1/2: POST /login … (:)");
        assert_eq!(fit_words(m, 29, false), "request 1/2: POST … (:)");
        assert_eq!(fit_words(m, 8, false), "… (:)");
        // In a text field `:` types a colon: the pointer says to leave the field first.
        assert_eq!(fit_words(m, 30, true), "request 1/2: POST … (Esc, :)");
        assert_eq!(fit_words(m, 3, false), "");
    }
}
