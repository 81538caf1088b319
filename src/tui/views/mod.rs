//! One module per part of the screen; each draws from `&State` only.

pub mod console;
pub mod footer;
pub mod help;
pub mod inspector;
pub mod journal;
pub mod lab;
pub mod load;
pub mod outline;
pub mod predict;
pub mod reader;

pub use super::style::{bold, clean, fg, fit, pane_border};

/// A pane's title (` Name · more `) in `w` columns: whole, or cut after a word with a space
/// kept before the border.
pub fn title(t: &str, w: usize) -> String {
    let t = t.trim_end();
    let cut = fit(t, w.saturating_sub(1));
    if cut.is_empty() {
        cut
    } else {
        format!("{cut} ")
    }
}

/// `spans` on one row of `w` columns: those that fit whole, then the next cut after a whole
/// word (see [`fit`]), and nothing after it.
pub fn fit_line(
    spans: Vec<ratatui::text::Span<'static>>,
    w: usize,
) -> ratatui::text::Line<'static> {
    let mut out = Vec::new();
    let mut used = 0;
    for sp in spans {
        let sw = sp.width();
        if used + sw <= w {
            used += sw;
            out.push(sp);
            continue;
        }
        let cut = fit(&sp.content, w - used);
        if !cut.is_empty() {
            out.push(ratatui::text::Span::styled(cut, sp.style));
        }
        break;
    }
    ratatui::text::Line::from(out)
}
