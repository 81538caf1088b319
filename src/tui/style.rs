//! Small text helpers every part of the app shares: colours that respect NO_COLOR, and
//! outside text made safe and cut to a width. Both `update`-side code (content measured to
//! scroll) and the views use them, so they live in neither.

use std::borrow::Cow;

use ratatui::style::{Color, Modifier, Style};

/// A colour, or nothing under NO_COLOR.
pub fn fg(color: bool, c: Color) -> Style {
    if color {
        Style::default().fg(c)
    } else {
        Style::default()
    }
}

pub fn bold() -> Style {
    Style::default().add_modifier(Modifier::BOLD)
}

/// Border style of a pane: brighter when it has the keyboard.
pub fn pane_border(color: bool, focused: bool) -> Style {
    match (focused, color) {
        (true, true) => Style::default().fg(Color::Cyan),
        (true, false) => bold(),
        (false, true) => Style::default().fg(Color::DarkGray),
        (false, false) => Style::default(),
    }
}

/// Text from outside the app (journal entries: a failed login's username, a path, a
/// reason; lab answers) made safe to draw: control characters (ESC, BEL, C1 controls, line
/// breaks) and bidi overrides are shown escaped, as `\u{1b}`, so what a client sent can
/// neither drive the terminal nor hide or reorder text. Everything drawn from the journal,
/// the lab's state or a response goes through here (`fit` and the workspace's wrapping too).
pub fn clean(s: &str) -> Cow<'_, str> {
    crate::api::printable(s)
}

/// `s` in at most `w` display columns (control characters escaped first: see [`clean`]):
/// whole when it fits, else its whole words that fit and "…" right after the last (in the
/// outline's 20 columns a space there would cost a word). Only when not even the first word
/// fits is it cut inside one (a token, a long path).
pub fn fit(s: &str, w: usize) -> String {
    let s = &*clean(s);
    if let Some(out) = words_within(s, w, "…") {
        return out;
    }
    fit_chars(s, w)
}

/// `s` in at most `w` columns, cut only between words: whole if it fits, else whole words and
/// " …"; nothing when not even one word fits (rather than half a word).
pub fn fit_words(s: &str, w: usize) -> String {
    let s = &*clean(s);
    words_within(s, w, " …").unwrap_or_default()
}

/// `s` (already clean) whole if it is at most `w` columns wide; else its longest run of whole
/// words (cut at a space, separators " ·" "," ":" left off the end) followed by `tail` that
/// fits in `w`; `None` when not even the first word does.
pub fn words_within(s: &str, w: usize, tail: &str) -> Option<String> {
    use unicode_width::UnicodeWidthStr;
    if s.width() <= w {
        return Some(s.to_string());
    }
    let room = w.checked_sub(tail.width())?;
    let mut best: Option<&str> = None;
    for (i, _) in s.match_indices(' ') {
        let head = s[..i].trim_end_matches([' ', '·', ',', ';', ':', '-', '—', '(']);
        if head.is_empty() {
            continue;
        }
        if head.width() > room {
            break;
        }
        best = Some(head);
    }
    best.map(|head| format!("{head}{tail}"))
}

/// `s` cut to `w` columns inside a word, with "…" (a last resort: see [`fit`]).
fn fit_chars(s: &str, w: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= w {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw + 1 > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    if w > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_between_words() {
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("the quick brown fox", 12), "the quick…");
        assert_eq!(fit("✓· The disappearing login", 20), "✓· The disappearing…");
        // Separators are not left dangling before the ellipsis.
        assert_eq!(
            fit("·  4 Sessions: a Number to Remember", 15),
            "·  4 Sessions…"
        );
        assert_eq!(
            fit("mode local · round-robin · deny off", 18),
            "mode local…"
        );
        // One word longer than the room: cut inside it, the only way to show anything.
        assert_eq!(fit("abcdefgh", 4), "abc…");
        assert_eq!(fit_words("abcdefgh", 4), "");
        assert_eq!(fit_words("the quick brown fox", 12), "the quick …");
        assert_eq!(
            words_within("a long status message", 12, " … (:)"),
            Some("a long … (:)".into())
        );
        assert_eq!(fit("", 0), "");
        assert_eq!(fit("two words", 0), "");
    }
}
