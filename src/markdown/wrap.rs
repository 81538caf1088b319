//! Fitting styled text into a column budget, measured in display width (CJK and emoji are 2).

use ratatui::style::Style;
use ratatui::text::Span;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// One rendered row before prefixes (quote bars, list markers) are added.
pub(crate) type Row = Vec<Span<'static>>;

pub(crate) fn str_width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

pub(crate) fn row_width(row: &[Span<'_>]) -> usize {
    row.iter().map(|s| str_width(&s.content)).sum()
}

/// Appends text to a row, merging with the last span when the style matches (fewer spans to draw).
pub(crate) fn push_text(row: &mut Row, text: &str, style: Style) {
    if text.is_empty() {
        return;
    }
    if let Some(last) = row.last_mut()
        && last.style == style
    {
        last.content.to_mut().push_str(text);
        return;
    }
    row.push(Span::styled(text.to_string(), style));
}

enum Token {
    Word(Row),
    Space,
    Break,
}

fn tokenize(spans: &[Span<'static>]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word: Row = Vec::new();
    for span in spans {
        for c in span.content.chars() {
            if c == '\n' || c.is_whitespace() {
                if !word.is_empty() {
                    tokens.push(Token::Word(std::mem::take(&mut word)));
                }
                if c == '\n' {
                    tokens.push(Token::Break);
                } else if !matches!(tokens.last(), Some(Token::Space)) {
                    tokens.push(Token::Space);
                }
            } else {
                let mut buf = [0u8; 4];
                push_text(&mut word, c.encode_utf8(&mut buf), span.style);
            }
        }
    }
    if !word.is_empty() {
        tokens.push(Token::Word(word));
    }
    tokens
}

/// Greedy word wrap; a word longer than the width is broken by characters, never cut.
/// `'\n'` in the text forces a line break.
pub(crate) fn wrap(spans: &[Span<'static>], width: usize) -> Vec<Row> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut cur: Row = Vec::new();
    let mut cur_w = 0;
    let mut space = false;
    for token in tokenize(spans) {
        match token {
            Token::Space => space = cur_w > 0,
            Token::Break => {
                rows.push(std::mem::take(&mut cur));
                cur_w = 0;
                space = false;
            }
            Token::Word(word) => {
                let ww = row_width(&word);
                let gap = usize::from(space);
                if cur_w + gap + ww <= width {
                    if space {
                        push_text(&mut cur, " ", Style::default());
                    }
                    cur_w += gap + ww;
                    append(&mut cur, word);
                } else {
                    if cur_w > 0 {
                        rows.push(std::mem::take(&mut cur));
                    }
                    let mut pieces = hard_wrap(&word, width);
                    let last = pieces.pop().unwrap_or_default();
                    rows.extend(pieces);
                    cur_w = row_width(&last);
                    cur = last;
                }
                space = false;
            }
        }
    }
    if cur_w > 0 || rows.is_empty() {
        rows.push(cur);
    }
    rows
}

fn append(row: &mut Row, spans: Row) {
    for s in spans {
        push_text(row, &s.content, s.style);
    }
}

/// Breaks a row into pieces of at most `width` columns by characters (code, diagrams, long words).
pub(crate) fn hard_wrap(row: &[Span<'static>], width: usize) -> Vec<Row> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut cur: Row = Vec::new();
    let mut cur_w = 0;
    for span in row {
        for c in span.content.chars() {
            let cw = char_width(c);
            if cur_w + cw > width && cur_w > 0 {
                rows.push(std::mem::take(&mut cur));
                cur_w = 0;
            }
            let mut buf = [0u8; 4];
            push_text(&mut cur, c.encode_utf8(&mut buf), span.style);
            cur_w += cw;
        }
    }
    if cur_w > 0 || rows.is_empty() {
        rows.push(cur);
    }
    rows
}

/// Pads a row with spaces to exactly `width` columns (table cells).
pub(crate) fn pad(row: &mut Row, width: usize) {
    let w = row_width(row);
    if w < width {
        row.push(Span::raw(" ".repeat(width - w)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wraps_words_by_display_width() {
        let rows = wrap(&[Span::raw("one two three four")], 9);
        assert_eq!(texts(&rows), ["one two", "three", "four"]);
    }

    #[test]
    fn breaks_long_words_without_losing_characters() {
        let rows = wrap(&[Span::raw("abcdefghij")], 4);
        assert_eq!(texts(&rows), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn counts_wide_characters_as_two_columns() {
        let rows = wrap(&[Span::raw("日本語のテキスト")], 5);
        assert!(rows.iter().all(|r| row_width(r) <= 5));
        assert_eq!(texts(&rows).concat(), "日本語のテキスト");
    }

    #[test]
    fn honours_forced_breaks() {
        let rows = wrap(&[Span::raw("a\nb")], 10);
        assert_eq!(texts(&rows), ["a", "b"]);
    }
}
