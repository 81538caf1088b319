//! Drawing the workspace in the reader's place, as `content` lays it out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::content::*;
use super::text::wrap;
use super::{Focus, Tab, Workspace};
use crate::tui::state::State;
use crate::tui::views::{bold, fg, fit, pane_border};

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let Some(ws) = &s.work.open else { return };
    let item = s.problems.get(ws.index);
    let (lab, ans) = item.map_or((false, false), |p| (p.service_ok, p.answer_ok));
    let title = format!(" {} ", ws.problem.title);
    let marks = format!(" lab {} answer {} ", mark(lab), mark(ans));
    let block = Block::bordered()
        .title(fit(
            &title,
            usize::from(area.width.saturating_sub(marks.len() as u16 + 4)),
        ))
        .title(Line::from(marks).right_aligned())
        .border_style(pane_border(s.color, true));
    f.render_widget(block, area);
    let p = parts(ws, area);
    if let Some(r) = p.tabs {
        draw_tabs(s, ws, f, r);
    }
    if let Some(r) = p.problem {
        section(s, ws, f, &p, r, Tab::Problem, "Problem");
    }
    if let Some(r) = p.checklist {
        section(s, ws, f, &p, r, Tab::Checklist, "Checklist");
        if ws.needs_claim() && r.height >= 3 {
            draw_claim(s, ws, f, r);
        }
    }
    if let Some(r) = p.answer {
        let h = header_h(&p);
        if h > 0 {
            header(s, ws, f, r, Tab::Answer, "Answer");
        }
        let inner = Rect {
            y: r.y + h.min(r.height),
            height: r.height.saturating_sub(h),
            ..r
        };
        draw_answer(s, ws, f, inner);
    }
}

fn tab_label(ws: &Workspace, t: Tab) -> String {
    match t {
        Tab::Problem => "Problem".into(),
        Tab::Checklist => match &ws.report {
            Some(r) => format!(
                "Checklist {}/{}",
                r.steps.iter().filter(|s| s.done).count(),
                r.steps.len()
            ),
            None => "Checklist".into(),
        },
        Tab::Answer => match &ws.verdict {
            Some(v) if v.passed() => "Answer ✓".into(),
            Some(_) => "Answer ✗".into(),
            None => "Answer".into(),
        },
    }
}

fn draw_tabs(s: &State, ws: &Workspace, f: &mut Frame, r: Rect) {
    let shown: &[Tab] = if r.width > 0 && parts(ws, frame(s)).arrange == Arrange::Stacked {
        &[Tab::Problem, Tab::Checklist]
    } else {
        &Tab::ALL
    };
    let current = if shown.len() == 2 && ws.tab == Tab::Answer {
        Tab::Checklist
    } else {
        ws.tab
    };
    let mut spans = Vec::new();
    for (i, t) in shown.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("│"));
        }
        let style = if *t == current {
            bold().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        spans.push(Span::styled(format!(" {} ", tab_label(ws, *t)), style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), r);
}

fn header(s: &State, ws: &Workspace, f: &mut Frame, r: Rect, t: Tab, name: &str) {
    let label = tab_label(ws, t);
    let label = if label.starts_with(name) {
        label
    } else {
        name.to_string()
    };
    let style = if ws.tab == t {
        bold().patch(fg(s.color, Color::Cyan))
    } else {
        bold()
    };
    let w = usize::from(r.width);
    let text = fit(&format!("── {label} "), w);
    let fill = w.saturating_sub(unicode_width::UnicodeWidthStr::width(text.as_str()));
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(text, style),
            Span::styled("─".repeat(fill), fg(s.color, Color::DarkGray)),
        ])),
        Rect {
            height: r.height.min(1),
            ..r
        },
    );
}

fn section(s: &State, ws: &Workspace, f: &mut Frame, p: &Parts, r: Rect, t: Tab, name: &str) {
    if header_h(p) > 0 {
        header(s, ws, f, r, t, name);
    }
    let Some(area) = text_area(ws, p, t) else {
        return;
    };
    if area.width == 0 || area.height == 0 {
        return;
    }
    let all = lines(s, ws, t, area.width);
    let max = all.len().saturating_sub(usize::from(area.height));
    let top = ws.scroll[t.index()].min(max);
    let more = all.len() > top + usize::from(area.height);
    let shown: Vec<Line> = all
        .into_iter()
        .skip(top)
        .take(usize::from(area.height))
        .collect();
    f.render_widget(Paragraph::new(shown), area);
    if more && ws.tab == t {
        more_below(s, f, area);
    }
}

/// A mark in the bottom-right corner: there is more below (j scrolls).
fn more_below(s: &State, f: &mut Frame, r: Rect) {
    const MORE: &str = " ↓ j ";
    if r.width < 8 || r.height == 0 {
        return;
    }
    let at = Rect::new(r.right() - 5, r.bottom() - 1, 5, 1);
    f.render_widget(
        Paragraph::new(Span::styled(
            MORE,
            bold()
                .patch(fg(s.color, Color::Cyan))
                .add_modifier(Modifier::REVERSED),
        )),
        at,
    );
}

fn draw_claim(s: &State, ws: &Workspace, f: &mut Frame, r: Rect) {
    let y = r.bottom().saturating_sub(2);
    let focused = ws.focus == Focus::Claim;
    let label = if focused {
        "badge claim (Enter: check) › "
    } else {
        "badge claim (b edits) › "
    };
    let lw = (label.chars().count() as u16).min(r.width);
    let sep = Rect { y, height: 1, ..r };
    f.render_widget(
        Paragraph::new(Span::styled(
            "─".repeat(usize::from(r.width)),
            fg(s.color, Color::DarkGray),
        )),
        sep,
    );
    let line = Rect {
        y: y + 1,
        height: 1,
        ..r
    };
    f.render_widget(
        Paragraph::new(Span::styled(
            label,
            if focused {
                bold().patch(fg(s.color, Color::Cyan))
            } else {
                bold()
            },
        )),
        line,
    );
    let field = Rect {
        x: line.x + lw,
        width: line.width.saturating_sub(lw),
        ..line
    };
    if field.width > 0 {
        f.render_widget(&ws.claim, field);
    }
}

fn draw_answer(s: &State, ws: &Workspace, f: &mut Frame, r: Rect) {
    if r.width < 3 || r.height == 0 {
        return;
    }
    let (q, e, fb) = answer_parts(ws, r);
    let question = wrap(ws.problem.question.trim(), usize::from(r.width), "", "");
    f.render_widget(
        Paragraph::new(
            question
                .into_iter()
                .take(usize::from(q.height))
                .map(|l| Line::from(Span::styled(l, bold())))
                .collect::<Vec<_>>(),
        ),
        q,
    );
    let focused = ws.focus == Focus::Editor;
    let (top, bottom) = if focused {
        (" Your answer ", " Ctrl-S submit · Esc done ")
    } else {
        (" Your answer ", " e to write · Ctrl-S submit ")
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .title(top)
        .title_bottom(
            Line::from(fit(bottom, usize::from(e.width.saturating_sub(2)))).right_aligned(),
        )
        .border_style(pane_border(s.color, focused));
    let inner = block.inner(e);
    f.render_widget(block, e);
    if inner.width > 0 && inner.height > 0 {
        f.render_widget(&ws.editor, inner);
    }
    if fb.height > 0 {
        let all = feedback_lines(s, ws, fb.width);
        let max = all.len().saturating_sub(usize::from(fb.height));
        let top = ws.scroll[Tab::Answer.index()].min(max);
        let more = all.len() > top + usize::from(fb.height);
        let shown: Vec<Line> = all
            .into_iter()
            .skip(top)
            .take(usize::from(fb.height))
            .collect();
        f.render_widget(Paragraph::new(shown), fb);
        if more {
            more_below(s, f, fb);
        }
    }
}
