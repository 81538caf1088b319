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

/// Where the shell's reading of a code block stands at the end of a line: inside quotes,
/// inside `$( … )`. Carried from line to line, since a quoted string may span lines.
#[derive(Debug, Clone, Default)]
pub(crate) struct ShellState {
    /// Open quotes and command substitutions, innermost last.
    stack: Vec<Frame>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Single,
    Double,
    /// `$(` … `)`: a fresh command, unquoted inside.
    Subst,
}

impl ShellState {
    /// A line break may go here only outside every quote: a `\` newline inside double
    /// quotes still joins the lines, but the next line's indent would join the string.
    fn breakable(&self) -> bool {
        !self
            .stack
            .iter()
            .any(|f| matches!(f, Frame::Single | Frame::Double))
    }
}

/// The places a long code line may break: the whitespace runs between its words, as
/// (start, end) char ranges. For shell, only whitespace outside quotes and before any
/// comment; `shell` is updated to where the line leaves the shell's reading.
fn break_points(chars: &[char], shell: Option<&mut ShellState>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let Some(st) = shell else {
        let mut i = 0;
        while i < chars.len() {
            if chars[i].is_whitespace() {
                let start = i;
                while i < chars.len() && chars[i].is_whitespace() {
                    i += 1;
                }
                out.push((start, i));
            } else {
                i += 1;
            }
        }
        return out;
    };
    let mut i = 0;
    let mut comment = false;
    while i < chars.len() {
        let c = chars[i];
        let top = st.stack.last().copied();
        match top {
            Some(Frame::Single) => {
                if c == '\'' {
                    st.stack.pop();
                }
                i += 1;
            }
            Some(Frame::Double) => {
                match c {
                    '\\' => i += 1,
                    '"' => {
                        st.stack.pop();
                    }
                    '$' if chars.get(i + 1) == Some(&'(') => {
                        st.stack.push(Frame::Subst);
                        i += 1;
                    }
                    _ => {}
                }
                i += 1;
            }
            None | Some(Frame::Subst) => {
                if comment {
                    i += 1;
                    continue;
                }
                match c {
                    '\\' => i += 2,
                    '\'' => {
                        st.stack.push(Frame::Single);
                        i += 1;
                    }
                    '"' => {
                        st.stack.push(Frame::Double);
                        i += 1;
                    }
                    '$' if chars.get(i + 1) == Some(&'(') => {
                        st.stack.push(Frame::Subst);
                        i += 2;
                    }
                    ')' if top == Some(Frame::Subst) => {
                        st.stack.pop();
                        i += 1;
                    }
                    '#' if i == 0 || chars[i - 1].is_whitespace() => {
                        // The rest of the line is a comment: a `\` there continues nothing.
                        comment = true;
                        i += 1;
                    }
                    c if c.is_whitespace() => {
                        let start = i;
                        while i < chars.len() && chars[i].is_whitespace() {
                            i += 1;
                        }
                        if st.breakable() {
                            out.push((start, i));
                        }
                    }
                    _ => i += 1,
                }
            }
        }
    }
    out
}

/// One display line of a code line: the chars `start..end` of the original, after `indent`
/// columns of indentation; `more` when the line goes on below (shell: ends in ` \`); `cut`
/// when a single word was too wide for the line and its end is not shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodePiece {
    pub start: usize,
    pub end: usize,
    pub indent: usize,
    pub more: bool,
    pub cut: bool,
}

/// The marker a shell line gets where it goes on below: still a valid command when copied.
pub(crate) const SHELL_CONTINUES: &str = " \\";
/// The marker at the end of a word too wide for its line.
pub(crate) const CUT: &str = "…";

/// Splits one code line to fit `width` columns without ever breaking inside a word: long
/// lines break at whitespace (shell: only outside quotes, with a ` \` continuation, so a
/// copy still runs), continuation lines indented two more columns than the line; a single
/// word wider than its line is cut, with [`CUT`]. `shell` is `Some` for shell languages
/// and carries quotes open across lines.
pub(crate) fn code_pieces(
    text: &str,
    width: usize,
    shell: Option<&mut ShellState>,
) -> Vec<CodePiece> {
    let width = width.max(1);
    let chars: Vec<char> = text.chars().collect();
    let is_shell = shell.is_some();
    let breaks = break_points(&chars, shell);
    let cw = |a: usize, b: usize| chars[a..b].iter().map(|&c| char_width(c)).sum::<usize>();
    if cw(0, chars.len()) <= width {
        return vec![CodePiece {
            start: 0,
            end: chars.len(),
            indent: 0,
            more: false,
            cut: false,
        }];
    }
    let lead = chars.iter().take_while(|c| c.is_whitespace()).count();
    // Words: the runs between break points (the first keeps its indentation).
    let mut words = Vec::new();
    let mut at = 0;
    for &(s, e) in breaks.iter().filter(|(s, _)| *s > lead) {
        words.push((at, s));
        at = e;
    }
    words.push((at, chars.len()));
    let marker = if is_shell {
        str_width(SHELL_CONTINUES)
    } else {
        0
    };
    let cont_indent = cw(0, lead) + 2;
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let indent = if out.is_empty() { 0 } else { cont_indent };
        let room = width.saturating_sub(indent);
        let start = words[i].0;
        let mut j = i;
        // Take words while they fit, leaving room for the marker unless the line ends here.
        while j < words.len() {
            let w = cw(start, words[j].1);
            let last = j + 1 == words.len();
            if w + if last { 0 } else { marker } <= room {
                j += 1;
            } else {
                break;
            }
        }
        if j == i {
            // One word wider than the line: shown cut, never broken.
            let last = i + 1 == words.len();
            let keep = room.saturating_sub(str_width(CUT) + if last { 0 } else { marker });
            let mut end = start;
            let mut used = 0;
            while end < words[i].1 && used + char_width(chars[end]) <= keep {
                used += char_width(chars[end]);
                end += 1;
            }
            out.push(CodePiece {
                start,
                end,
                indent,
                more: !last && is_shell,
                cut: true,
            });
            i += 1;
            continue;
        }
        out.push(CodePiece {
            start,
            end: words[j - 1].1,
            indent,
            more: j < words.len() && is_shell,
            cut: false,
        });
        i = j;
    }
    out
}

/// The chars `start..end` of a row, styles kept.
pub(crate) fn slice_row(row: &[Span<'static>], start: usize, end: usize) -> Row {
    let mut out = Row::new();
    let mut at = 0;
    for span in row {
        for c in span.content.chars() {
            if at >= start && at < end {
                let mut buf = [0u8; 4];
                push_text(&mut out, c.encode_utf8(&mut buf), span.style);
            }
            at += 1;
        }
    }
    out
}
