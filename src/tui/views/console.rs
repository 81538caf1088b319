//! The request console: the request's three editors, the jar and token line, the request as
//! curl, and the answer (status, headers with `X-Served-By` and `Set-Cookie` picked out,
//! JSON body pretty-printed), scrollable.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui_textarea::TextArea;

use super::{bold, clean, fg, fit, fit_line, pane_border};
use crate::tui::console::{self, Field, Tool};
use crate::tui::state::State;
use crate::tui::token;

/// Draws the console or the inspector over everything between the top line and the footer.
pub fn draw_tool(s: &State, f: &mut Frame, top: Rect, footer: Rect) {
    let Some(tool) = s.tool else { return };
    let y = top.bottom();
    let body = Rect::new(0, y, f.area().width, footer.y.saturating_sub(y));
    if body.width < 3 || body.height < 3 {
        return;
    }
    f.render_widget(Clear, body);
    match tool {
        Tool::Console => draw(s, f, body),
        Tool::Inspector => super::inspector::draw(s, f, body),
    }
}

/// The style that picks out a line: colour, or bold reverse under NO_COLOR.
pub fn highlight(color: bool) -> Style {
    if color {
        Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD)
    } else {
        bold().add_modifier(Modifier::REVERSED)
    }
}

fn status_style(color: bool, status: u16) -> Style {
    match status {
        200..=299 => fg(color, Color::Green).add_modifier(Modifier::BOLD),
        _ => fg(color, Color::Red).add_modifier(Modifier::BOLD),
    }
}

/// An editor as drawn: cursor only when focused, a placeholder when empty.
fn editor(
    ta: &TextArea<'static>,
    focused: bool,
    placeholder: &str,
    wrap: bool,
) -> TextArea<'static> {
    let mut t = ta.clone();
    if wrap {
        // A bearer token or a JSON body is longer than the box: wrapped, not cut. At the box's
        // edge, not at words: a header is one long word after its name.
        t.set_wrap_mode(ratatui_textarea::WrapMode::Glyph);
    }
    t.set_cursor_line_style(Style::default());
    if !focused {
        t.set_cursor_style(Style::default());
    }
    t.set_placeholder_text(placeholder);
    t.set_placeholder_style(Style::default().add_modifier(Modifier::DIM));
    t
}

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let c = &s.console;
    let w = usize::from(area.width);
    // Request box: 1 line for `METHOD /path`, up to 5 for headers and 5 for the body.
    // An editor shows as many rows as its wrapped lines take (5 at most; 3 while edited).
    // Rows a field takes once wrapped to the editor's width (the box less its label).
    let text_w = usize::from(area.width.saturating_sub(2 + 9)).max(1);
    let want = |f: Field, ta: &TextArea| {
        if c.focus == Some(f) {
            3
        } else {
            let rows: usize = ta
                .lines()
                .iter()
                .map(|l| {
                    unicode_width::UnicodeWidthStr::width(l.as_str())
                        .div_ceil(text_w)
                        .max(1)
                })
                .sum();
            rows.clamp(1, 5) as u16
        }
    };
    let room = area.height.saturating_sub(2 + 2 + 4);
    let hh = room
        .saturating_sub(1)
        .clamp(1, want(Field::Headers, &c.headers));
    let bh = room
        .saturating_sub(1 + hh)
        .clamp(1, want(Field::Body, &c.body));
    let req_h = (2 + 1 + hh + bh).min(area.height);
    let req = Rect {
        height: req_h,
        ..area
    };
    let jar_name = c
        .jars
        .current()
        .map_or_else(|| "no jar".to_string(), |j| format!("jar {}", j.name));
    let jar_name = if c.cross_site {
        format!("{jar_name} · from another site")
    } else {
        jar_name
    };
    // The key that sends from where the cursor is: Enter adds a line in headers and body.
    let title = match c.focus {
        Some(Field::Line) => format!(" Request · {jar_name} · Enter sends, Esc stops editing "),
        Some(_) => format!(" Request · {jar_name} · Ctrl-S sends, Esc stops editing "),
        None => format!(" Request · {jar_name} · Enter sends, Tab edits "),
    };
    let block = Block::bordered()
        .title(super::title(&title, w.saturating_sub(3)))
        .border_style(pane_border(s.color, c.focus.is_some()));
    let inner = block.inner(req);
    f.render_widget(block, req);
    let label_w = 9.min(inner.width);
    let rows = [
        (Field::Line, "request", 1, &c.line, "e.g. GET /me"),
        (
            Field::Headers,
            "headers",
            hh,
            &c.headers,
            "Name: value, one a line",
        ),
        (Field::Body, "body", bh, &c.body, "(no body)"),
    ];
    let mut y = inner.y;
    for (field, label, h, ta, ph) in rows {
        let h = h.min(inner.bottom().saturating_sub(y));
        if h == 0 {
            break;
        }
        let focused = c.focus == Some(field);
        let mark = if focused { "▶" } else { " " };
        let style = if focused {
            super::pane_border(s.color, true).add_modifier(Modifier::BOLD)
        } else {
            fg(s.color, Color::DarkGray)
        };
        f.render_widget(
            Paragraph::new(Span::styled(
                fit(&format!("{mark}{label}"), usize::from(label_w)),
                style,
            )),
            Rect::new(inner.x, y, label_w, 1),
        );
        let r = Rect::new(inner.x + label_w, y, inner.width.saturating_sub(label_w), h);
        f.render_widget(&editor(ta, focused, ph, field != Field::Line), r);
        y += h;
    }

    // Jar, token, curl.
    let info = Rect {
        y: req.bottom(),
        height: 2.min(area.bottom().saturating_sub(req.bottom())),
        ..area
    };
    let dim = fg(s.color, Color::DarkGray);
    let jar = c.jars.current();
    let sid = match jar.and_then(|j| j.sid.as_deref()) {
        Some(sid) => format!("sid={}", token::tail(sid, 4)),
        None => "no sid".into(),
    };
    // The jar's own token only: another user's never shows (or rides) here.
    let tok = match jar.and_then(|j| j.token.as_deref()) {
        Some(t) => format!("{} [b attaches]", token::tail(t, 4)),
        None => "none".into(),
    };
    let curl = console::compose(c)
        .map(|r| {
            let base = s.lab.url.as_deref().unwrap_or(crate::api::DEFAULT_LAB_URL);
            console::curl(base, &console::with_jar(&r, &c.jars))
        })
        .unwrap_or_default();
    let lines = vec![
        fit_line(
            vec![
                Span::styled(format!(" {jar_name}: "), dim),
                Span::raw(sid),
                Span::styled(" · token: ", dim),
                Span::raw(tok),
                Span::styled(
                    if c.jars.jars.is_empty() {
                        ""
                    } else {
                        " [J switches · x empties]"
                    },
                    dim,
                ),
            ],
            w,
        ),
        Line::from(vec![
            Span::styled(" $ ", dim),
            Span::raw(fit(&curl, w.saturating_sub(9))),
            Span::styled(if curl.is_empty() { "" } else { " [y]" }, dim),
        ]),
    ];
    f.render_widget(Paragraph::new(lines), info);

    // The answer.
    let resp = Rect {
        y: info.bottom(),
        height: area.bottom().saturating_sub(info.bottom()),
        ..area
    };
    if resp.height < 3 {
        return;
    }
    let mut title = vec![Span::raw(" Response ")];
    let mut body: Vec<Line> = Vec::new();
    if c.show_sent
        && let Some(sent) = &c.sent
    {
        // Like curl -v: the request line and headers exactly as they went out.
        let base = s.lab.url.as_deref().unwrap_or(crate::api::DEFAULT_LAB_URL);
        let host = base
            .split_once("://")
            .map_or(base, |(_, h)| h)
            .trim_end_matches('/');
        let mut lines = vec![
            format!("> {} {} HTTP/1.1", sent.req.method, sent.req.path),
            format!("> Host: {host}"),
        ];
        lines.extend(sent.req.headers.iter().map(|(k, v)| format!("> {k}: {v}")));
        if !sent.req.body.is_empty() {
            lines.push(">".into());
            lines.extend(sent.req.body.lines().map(|l| format!("> {l}")));
        }
        for l in lines.into_iter().skip(c.resp_scroll) {
            body.push(Line::raw(clean(&l).into_owned()));
        }
        let block = Block::bordered()
            .title(" Sent, exactly · v shows the answer ")
            .border_style(pane_border(s.color, c.focus.is_none()));
        let inner = block.inner(resp);
        f.render_widget(block, resp);
        f.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), inner);
        return;
    }
    if !c.tally.is_empty() {
        let more = if c.pending > 0 { " …" } else { "" };
        body.push(Line::from(vec![
            Span::styled(format!("×{}: ", c.tally.len() + c.pending), bold()),
            Span::raw(format!("{}{more}", clean(&c.tally.join(" · ")))),
        ]));
        for r in c.refusals.iter().take(2) {
            body.push(Line::styled(
                format!("  {}", clean(r)),
                fg(s.color, Color::Red),
            ));
        }
    }
    match &c.response {
        None if c.pending > 0 => body.push(Line::raw("waiting for the lab…")),
        None => body.push(Line::styled(
            "Not sent yet. Enter sends; in the reader, Tab picks a lesson's request.",
            dim,
        )),
        Some(Err(e)) => body.push(Line::styled(
            format!("error: {}", clean(e)),
            fg(s.color, Color::Red),
        )),
        Some(Ok(x)) => {
            title = vec![
                Span::raw(" Response "),
                Span::styled(x.status.to_string(), status_style(s.color, x.status)),
                Span::raw(format!(" · {} ms ", x.elapsed.as_millis())),
            ];
            if let Some(r) = x.served_by() {
                title.push(Span::raw("· served by "));
                title.push(Span::styled(clean(r).into_owned(), highlight(s.color)));
                title.push(Span::raw(" "));
            }
            let hl = highlight(s.color);
            // Headers and body are whatever the server sent (a body may echo a username).
            for l in console::response_text(x).into_iter().skip(c.resp_scroll) {
                let l = clean(&l).into_owned();
                let lower = l.to_ascii_lowercase();
                if lower.starts_with("x-served-by:") || lower.starts_with("set-cookie:") {
                    body.push(Line::styled(l, hl));
                } else {
                    body.push(Line::raw(l));
                }
            }
        }
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(pane_border(s.color, c.focus.is_none()));
    let inner = block.inner(resp);
    f.render_widget(block, resp);
    // Long header values and tokens wrap rather than vanish at the edge.
    f.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), inner);
}
