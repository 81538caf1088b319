//! The token inspector: what a JWT says (anyone can read it), whether the lab's JWKS
//! vouches for it, and an editor for its payload.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{bold, fg, fit, pane_border};
use crate::tui::inspector::{InspField, current_token};
use crate::tui::state::State;
use crate::tui::token;

pub const PLAIN_WARNING: &str =
    "Encoded, NOT encrypted: anyone holding this token can read all of this.";

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let i = &s.inspector;
    let block = Block::bordered()
        .title(" Token inspector ")
        .border_style(pane_border(s.color, true));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = usize::from(inner.width);
    let dim = fg(s.color, Color::DarkGray);
    let label = |t: &str| Span::styled(format!("{t:<10}"), bold());
    let mut lines: Vec<Line> = vec![Line::styled(
        fit(PLAIN_WARNING, w),
        fg(s.color, Color::Yellow).add_modifier(Modifier::BOLD),
    )];

    let current = current_token(s);
    let Some((tok, source)) = current else {
        lines.push(Line::raw(""));
        lines.push(Line::raw(
            "No token yet. Switch the lab to token mode (m), log in from the console",
        ));
        lines.push(Line::raw(
            "(POST /login as bob / builder); its `token` lands here. Or paste one: p.",
        ));
        draw_body(s, f, inner, lines);
        return;
    };
    lines.push(Line::from(vec![
        label("token"),
        Span::raw(fit(&tok, w.saturating_sub(10 + source.len() + 3).max(8))),
        Span::styled(format!(" ({source})"), dim),
    ]));
    match token::decode(&tok) {
        Err(e) => {
            lines.push(Line::from(vec![
                label("verdict"),
                Span::styled(format!("✗ {e}"), fg(s.color, Color::Red)),
            ]));
        }
        Ok(d) => {
            let badge = d.claim_str("badge").unwrap_or("(no badge claim)");
            lines.push(Line::from(vec![
                label("badge"),
                Span::styled(
                    format!(" {badge} "),
                    bold().add_modifier(Modifier::REVERSED),
                ),
                Span::styled("  the `badge` claim, read without any key", dim),
            ]));
            let verdict = match &i.jwks {
                None => Span::styled("… fetching the lab's JWKS", dim),
                Some(Err(e)) => {
                    Span::styled(format!("? cannot check: {e}"), fg(s.color, Color::Yellow))
                }
                Some(Ok(jwks)) => match token::verify(&tok, jwks, i.now) {
                    Ok(kid) => Span::styled(
                        format!("✓ verifies against the lab's JWKS (kid {kid})"),
                        fg(s.color, Color::Green).add_modifier(Modifier::BOLD),
                    ),
                    Err(e) => Span::styled(
                        format!("✗ refused: {e}"),
                        fg(s.color, Color::Red).add_modifier(Modifier::BOLD),
                    ),
                },
            };
            lines.push(Line::from(vec![label("verdict"), verdict]));
            lines.push(Line::from(vec![
                label("header"),
                Span::raw(compact(&d.header)),
            ]));
            lines.push(Line::from(vec![
                label("signature"),
                Span::raw(format!(
                    "{} bytes: {}",
                    d.signature.len(),
                    token::signature_preview(&d.signature, 8)
                )),
            ]));
            lines.push(Line::from(label("payload")));
            let pretty = serde_json::to_string_pretty(&d.payload).unwrap_or_default();
            for l in pretty.lines() {
                let mut spans = vec![Span::raw(l.to_string())];
                let key = l.trim_start().split(':').next().unwrap_or("");
                let when = match key {
                    "\"exp\"" => d.claim_i64("exp").map(|t| {
                        let rel = token::relative(t, i.now);
                        let word = if t > i.now { "expires" } else { "expired" };
                        (t, format!("{word} {rel}"))
                    }),
                    "\"iat\"" => d
                        .claim_i64("iat")
                        .map(|t| (t, format!("issued {}", token::relative(t, i.now)))),
                    _ => None,
                };
                if let Some((t, rel)) = when {
                    spans.push(Span::styled(
                        format!("  ← {}, {rel}", token::local_time(t, i.offset_secs)),
                        fg(s.color, Color::Cyan),
                    ));
                }
                if key == "\"badge\"" {
                    spans[0].style = bold();
                }
                lines.push(Line::from(spans));
            }
        }
    }
    draw_body(s, f, inner, lines);
}

fn compact(v: &serde_json::Value) -> String {
    match v.as_object() {
        Some(m) => {
            let parts: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            format!("{{{}}}", parts.join(", "))
        }
        None => v.to_string(),
    }
}

/// The lines, scrolled, with the paste field or payload editor when one is focused.
fn draw_body(s: &State, f: &mut Frame, inner: Rect, lines: Vec<Line>) {
    let i = &s.inspector;
    let mut text = inner;
    match i.focus {
        Some(InspField::Paste) if inner.height >= 3 => {
            let r = Rect { height: 3, ..inner };
            let mut ta = i.paste.clone();
            ta.set_block(Block::bordered().title(" paste a token · Enter done "));
            ta.set_cursor_line_style(Style::default());
            f.render_widget(&ta, r);
            text = Rect {
                y: r.bottom(),
                height: inner.height - 3,
                ..inner
            };
        }
        Some(InspField::Payload) if inner.height >= 6 => {
            // Keep the warning, token, badge and verdict lines in view above the editor.
            let top = 4.min(inner.height - 3);
            let r = Rect {
                y: inner.y + top,
                height: inner.height - top,
                ..inner
            };
            let mut ta = i.payload.clone();
            ta.set_block(
                Block::bordered()
                    .title(" payload · edit a claim, Esc makes the token (same signature) ")
                    .border_style(pane_border(s.color, true)),
            );
            ta.set_cursor_line_style(Style::default());
            f.render_widget(&ta, r);
            text = Rect {
                height: top,
                ..inner
            };
            f.render_widget(Paragraph::new(lines), text);
            return;
        }
        _ => {}
    }
    let lines: Vec<Line> = lines.into_iter().skip(i.scroll).collect();
    f.render_widget(Paragraph::new(lines), text);
}
