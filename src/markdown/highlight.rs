//! Light, hand-rolled highlighting for the languages lessons use most: http, json and bash.

use super::theme::Theme;
use super::wrap::{Row, push_text};

/// Highlights one line of code in `lang`; unknown languages come back plain.
pub(crate) fn line(lang: &str, text: &str, theme: Theme) -> Row {
    match lang {
        "json" => json(text, theme),
        l if is_shell(l) => bash(text, theme),
        _ => plain(text, theme),
    }
}

/// The languages whose code blocks are shell commands (their long lines break with ` \`).
pub(crate) fn is_shell(lang: &str) -> bool {
    matches!(lang, "bash" | "sh" | "shell" | "console")
}

fn plain(text: &str, theme: Theme) -> Row {
    let mut row = Row::new();
    push_text(&mut row, text, theme.plain());
    row
}

/// The request line of an http block: method, then the rest.
pub(crate) fn http_request_line(text: &str, theme: Theme) -> Row {
    let mut row = Row::new();
    let (method, rest) = text.split_at(text.find(' ').unwrap_or(text.len()));
    push_text(&mut row, method, theme.keyword());
    push_text(&mut row, rest, theme.plain());
    row
}

/// A header line of an http block: name coloured, value plain.
pub(crate) fn http_header(text: &str, theme: Theme) -> Row {
    let mut row = Row::new();
    match text.split_once(':') {
        Some((name, value)) => {
            push_text(&mut row, name, theme.name());
            push_text(&mut row, ":", theme.plain());
            push_text(&mut row, value, theme.plain());
        }
        None => push_text(&mut row, text, theme.plain()),
    }
    row
}

fn json(text: &str, theme: Theme) -> Row {
    let mut row = Row::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        let style = if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
            // A string followed by a colon is a key.
            let rest: String = chars[i..].iter().collect();
            if rest.trim_start().starts_with(':') {
                theme.name()
            } else {
                theme.string()
            }
        } else if c.is_ascii_digit() || c == '-' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || ".-+".contains(chars[i]))
            {
                i += 1;
            }
            theme.number()
        } else if c.is_ascii_alphabetic() {
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            theme.keyword()
        } else {
            i += 1;
            theme.plain()
        };
        let piece: String = chars[start..i].iter().collect();
        push_text(&mut row, &piece, style);
    }
    row
}

fn bash(text: &str, theme: Theme) -> Row {
    let mut row = Row::new();
    let (prompt, rest) = match text.strip_prefix("$ ") {
        Some(rest) => ("$ ", rest),
        None => ("", text),
    };
    push_text(&mut row, prompt, theme.comment());
    if rest.trim_start().starts_with('#') {
        push_text(&mut row, rest, theme.comment());
        return row;
    }
    let mut first = true;
    let mut quote: Option<char> = None;
    let mut word = String::new();
    let flush = |row: &mut Row, word: &mut String, first: &mut bool| {
        if word.is_empty() {
            return;
        }
        let style = if word.starts_with(['"', '\'']) {
            theme.string()
        } else if *first {
            theme.keyword()
        } else if word.starts_with('-') {
            theme.name()
        } else {
            theme.plain()
        };
        push_text(row, word, style);
        *first = false;
        word.clear();
    };
    for c in rest.chars() {
        match quote {
            Some(q) => {
                word.push(c);
                if c == q {
                    quote = None;
                    flush(&mut row, &mut word, &mut first);
                }
            }
            None if c == '"' || c == '\'' => {
                flush(&mut row, &mut word, &mut first);
                quote = Some(c);
                word.push(c);
            }
            None if c.is_whitespace() || c == '|' => {
                flush(&mut row, &mut word, &mut first);
                push_text(&mut row, &c.to_string(), theme.plain());
                // The command after a pipe is a command again.
                if c == '|' {
                    first = true;
                }
            }
            None => word.push(c),
        }
    }
    flush(&mut row, &mut word, &mut first);
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(row: &Row) -> String {
        row.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn highlighting_keeps_every_character() {
        let theme = Theme { color: true };
        for (lang, src) in [
            (
                "json",
                r#"{"user": "ada", "n": -1.5e3, "ok": true, "s": "a\"b"}"#,
            ),
            (
                "bash",
                r#"$ curl -s -H 'Cookie: sid=1' "http://x" | jq .  # note"#,
            ),
            ("bash", "# a comment"),
            ("rust", "fn main() {}"),
        ] {
            assert_eq!(text(&line(lang, src, theme)), src);
        }
    }

    #[test]
    fn json_keys_and_values_differ() {
        let theme = Theme { color: true };
        let row = json(r#"{"k": "v"}"#, theme);
        let key = row.iter().find(|s| s.content == "\"k\"").unwrap();
        let value = row.iter().find(|s| s.content == "\"v\"").unwrap();
        assert_ne!(key.style, value.style);
    }
}
