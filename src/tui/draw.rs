//! The whole screen from the state. Pure: tests call it with a `TestBackend`.

use ratatui::Frame;

use super::layout;
use super::state::{Overlay, State};
use super::views::{console, footer, help, lab, outline, reader};

pub fn draw(s: &State, f: &mut Frame) {
    let size = f.area();
    let a = layout::areas(size.width, size.height, s.pane);
    // Anything smaller than a bordered pane with one line in it has nothing useful to show.
    let usable = |r: ratatui::layout::Rect| r.width >= 3 && r.height >= 3;
    footer::draw_top(s, f, a.top);
    if let Some(r) = a.outline.filter(|r| usable(*r)) {
        outline::draw(s, f, r);
    }
    if let Some(r) = a.reader.filter(|r| usable(*r)) {
        if s.work.open.is_some() {
            super::workspace::view::draw(s, f, r);
        } else {
            reader::draw(s, f, r);
        }
    }
    if let Some(r) = a.lab.filter(|r| usable(*r)) {
        lab::draw(s, f, r);
    }
    // The request console or token inspector covers the panes (`views::console`).
    console::draw_tool(s, f, a.top, a.footer);
    super::views::load::draw_pane(s, f, a.top, a.footer);
    footer::draw(s, f, a.footer);
    match s.overlay {
        Some(Overlay::Predict(i)) if size.width >= 10 && size.height >= 5 => {
            super::views::predict::draw(s, f, size, i)
        }
        Some(Overlay::Messages) if size.width >= 10 && size.height >= 5 => {
            super::views::predict::draw_messages(s, f, size)
        }
        Some(Overlay::PredictResult) if size.width >= 10 && size.height >= 5 => {
            super::views::predict::draw_result(s, f, size)
        }
        Some(Overlay::Help) if size.width >= 10 && size.height >= 5 => help::draw(s, f, size),
        _ => {}
    }
}
