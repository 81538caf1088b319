//! Drawing the `?` overlay that `tui::help` lays out.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::tui::help::{Keys, sections, view_for};
use crate::tui::state::State;

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    draw_for(&sections(s), s.help_scroll, f, area);
}

/// The overlay for any lists of keys, scrolled `scroll` lines (clamped here).
pub fn draw_for(sections: &[Keys], scroll: usize, f: &mut Frame, area: Rect) {
    let v = view_for(sections, area);
    let scroll = scroll.min(v.max_scroll);
    f.render_widget(Clear, v.popup);
    let title = if v.max_scroll > 0 {
        " Keys · Esc closes · j k scrolls "
    } else {
        " Keys · Esc closes "
    };
    let mut block = Block::bordered().title(super::title(
        title,
        usize::from(v.popup.width.saturating_sub(3)),
    ));
    if scroll < v.max_scroll {
        block = block.title_bottom(Line::from(" ↓ more ").alignment(Alignment::Right));
    } else if scroll > 0 {
        block = block.title_bottom(Line::from(" ↑ more ").alignment(Alignment::Right));
    }
    let inner = block.inner(v.popup);
    f.render_widget(block, v.popup);
    let shown: Vec<Line> = v.lines.into_iter().skip(scroll).take(v.height).collect();
    f.render_widget(Paragraph::new(shown), inner);
}
