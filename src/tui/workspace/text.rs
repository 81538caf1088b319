//! Word wrapping for the workspace's own lines (checklist, hints, feedback), so scrolling
//! counts the same lines the screen shows.

use textwrap::{Options, WordSplitter};

/// Wraps `text` to `width` columns: the first line starts with `first`, the others with
/// `rest` (usually spaces of the same width). Words longer than a line are cut; words are
/// never split at their hyphens (`round-robin`, `x-served-by` stay whole). Control
/// characters are shown escaped (checklist evidence quotes journal entries: see `style::clean`).
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| crate::tui::style::clean(w).into_owned())
        .collect();
    if words.is_empty() {
        return vec![first.to_string()];
    }
    let joined = words.join(" ");
    let options = Options::new(width.max(1))
        .initial_indent(first)
        .subsequent_indent(rest)
        .word_splitter(WordSplitter::NoHyphenation)
        .break_words(true);
    textwrap::wrap(&joined, options)
        .into_iter()
        .map(|l| l.into_owned())
        .collect()
}

/// Wraps every paragraph of a multi-line text (blank lines kept).
pub fn wrap_paragraphs(text: &str, width: usize, indent: &str) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.trim().split("\n\n") {
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(wrap(para, width, indent, indent));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn wraps_with_hanging_indent_and_cuts_long_words() {
        assert_eq!(
            wrap("one two three four", 10, "- ", "  "),
            vec!["- one two", "  three", "  four"]
        );
        let long = wrap("abcdefghijkl", 5, "", "");
        assert!(long.iter().all(|l| l.width() <= 5), "{long:?}");
        assert_eq!(long.concat(), "abcdefghijkl");
        assert_eq!(wrap("", 5, "> ", ""), vec!["> "]);
        // Degenerate widths never loop or panic.
        let _ = wrap("some words here", 0, "", "");
        let _ = wrap("some words here", 1, "ab", "ab");
    }
}
