//! Rendered text as strings: plain for pipes and NO_COLOR, ANSI escapes for a terminal.

use std::fmt::Write;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Text;

/// Each line as plain text, trailing spaces removed.
pub fn plain_lines(text: &Text<'_>) -> Vec<String> {
    text.lines
        .iter()
        .map(|line| {
            let s: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            s.trim_end().to_string()
        })
        .collect()
}

/// Each line with SGR escapes for its styles, reset at the end of every styled span.
pub fn ansi_lines(text: &Text<'_>) -> Vec<String> {
    text.lines
        .iter()
        .map(|line| {
            let mut out = String::new();
            for span in &line.spans {
                let sgr = sgr(span.style);
                if sgr.is_empty() {
                    out.push_str(&span.content);
                } else {
                    let _ = write!(out, "\x1b[{sgr}m{}\x1b[0m", span.content);
                }
            }
            out.trim_end().to_string()
        })
        .collect()
}

fn sgr(style: Style) -> String {
    let mut codes: Vec<String> = Vec::new();
    for (m, code) in [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::REVERSED, "7"),
        (Modifier::CROSSED_OUT, "9"),
    ] {
        if style.add_modifier.contains(m) {
            codes.push(code.into());
        }
    }
    if let Some(fg) = style.fg.and_then(color_code) {
        codes.push(fg.to_string());
    }
    codes.join(";")
}

fn color_code(color: Color) -> Option<u8> {
    Some(match color {
        Color::Black => 30,
        Color::Red => 31,
        Color::Green => 32,
        Color::Yellow => 33,
        Color::Blue => 34,
        Color::Magenta => 35,
        Color::Cyan => 36,
        Color::Gray => 37,
        Color::DarkGray => 90,
        Color::White => 97,
        _ => return None,
    })
}
