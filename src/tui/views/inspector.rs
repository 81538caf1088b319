//! The token inspector: what a JWT says (anyone can read it), whether the lab's JWKS
//! vouches for it, and an editor for its payload.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{bold, fg, fit, fit_line, pane_border};
use crate::tui::inspector::{InspField, current_token};
use crate::tui::state::State;
use crate::tui::token;
use crate::tui::workspace::text::wrap;
use unicode_width::UnicodeWidthStr;

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
    // Every row fits `w` whole or cut after a word: prose wraps, labelled rows are fitted.
    let mut lines: Vec<Line> = wrap(PLAIN_WARNING, w, "", "")
        .into_iter()
        .map(|l| Line::styled(l, fg(s.color, Color::Yellow).add_modifier(Modifier::BOLD)))
        .collect();
    // Rows kept in view above the payload editor: the warning, token, badge and verdict.
    let head = lines.len() + 3;

    let current = current_token(s);
    let Some((tok, source)) = current else {
        lines.push(Line::raw(""));
        lines.extend(
            wrap(
                "No token yet. Switch the lab to token mode (m), log in from the console \
                 (POST /login as bob / builder); its `token` lands here. Or paste one: p.",
                w,
                "",
                "",
            )
            .into_iter()
            .map(Line::raw),
        );
        draw_body(s, f, inner, lines, head);
        return;
    };
    // The token, cut (it is one long word; the whole is in the console and the editor), and
    // where it came from, which says whether it is forged: that goes under it when the row
    // is too narrow for both.
    let from = format!("({source})");
    let tok_w = w.saturating_sub(10 + 1 + from.len());
    if tok_w >= 12 {
        lines.push(Line::from(vec![
            label("token"),
            Span::raw(fit(&tok, tok_w)),
            Span::styled(format!(" {from}"), dim),
        ]));
    } else {
        lines.push(fit_line(
            vec![label("token"), Span::raw(fit(&tok, w.saturating_sub(10)))],
            w,
        ));
        lines.extend(
            wrap(&from, w, "          ", "          ")
                .into_iter()
                .map(|l| Line::styled(l, dim)),
        );
    }
    match token::decode(&tok) {
        Err(e) => {
            lines.push(fit_line(
                vec![
                    label("verdict"),
                    Span::styled(format!("✗ {e}"), fg(s.color, Color::Red)),
                ],
                w,
            ));
        }
        Ok(d) => {
            let badge = d.claim_str("badge").unwrap_or("(no badge claim)");
            lines.push(fit_line(
                vec![
                    label("badge"),
                    Span::styled(
                        format!(" {badge} "),
                        bold().add_modifier(Modifier::REVERSED),
                    ),
                    Span::styled("  the `badge` claim, read without any key", dim),
                ],
                w,
            ));
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
            lines.push(fit_line(vec![label("verdict"), verdict], w));
            lines.push(fit_line(
                vec![label("header"), Span::raw(compact(&d.header))],
                w,
            ));
            lines.push(fit_line(
                vec![
                    label("signature"),
                    Span::raw(format!(
                        "{} bytes: {}",
                        d.signature.len(),
                        token::signature_preview(&d.signature, 8)
                    )),
                ],
                w,
            ));
            lines.push(Line::from(label("payload")));
            let pretty = serde_json::to_string_pretty(&d.payload).unwrap_or_default();
            for l in pretty.lines() {
                let mut spans = vec![Span::raw(fit(l, w))];
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
                // When the claim is a time, what it means: beside it, or under it when the
                // row is too narrow.
                let mut under = None;
                if let Some((t, rel)) = when {
                    let note = format!("← {}, {rel}", token::local_time(t, i.offset_secs));
                    let style = fg(s.color, Color::Cyan);
                    if l.width() + 2 + note.width() <= w {
                        spans.push(Span::styled(format!("  {note}"), style));
                    } else {
                        under = Some(
                            wrap(&note, w, "    ", "      ")
                                .into_iter()
                                .map(move |x| Line::styled(x, style)),
                        );
                    }
                }
                if key == "\"badge\"" {
                    spans[0].style = bold();
                }
                lines.push(Line::from(spans));
                lines.extend(under.into_iter().flatten());
            }
        }
    }
    draw_body(s, f, inner, lines, head);
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

/// The lines, scrolled, with the paste field or payload editor when one is focused (the
/// first `head` rows stay in view above the payload editor).
fn draw_body(s: &State, f: &mut Frame, inner: Rect, lines: Vec<Line>, head: usize) {
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
            let top = u16::try_from(head)
                .unwrap_or(u16::MAX)
                .min(inner.height - 3);
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
