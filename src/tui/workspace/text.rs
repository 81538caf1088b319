//! Word wrapping for the workspace's own lines (checklist, hints, feedback), so scrolling
//! counts the same lines the screen shows.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Wraps `text` to `width` columns: the first line starts with `first`, the others with
/// `rest` (usually spaces of the same width). Words longer than a line are cut. Control
/// characters are shown escaped (checklist evidence quotes journal entries: see `views::clean`).
pub fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = first.to_string();
    let mut used = first.width();
    let mut empty = true;
    let indent = rest.width();
    for word in text.split_whitespace() {
        let word = &*crate::tui::views::clean(word);
        let ww = word.width();
        let sep = usize::from(!empty);
        if !empty && used + sep + ww > width {
            out.push(std::mem::take(&mut line));
            line = rest.to_string();
            used = indent;
            empty = true;
        }
        if !empty {
            line.push(' ');
            used += 1;
        }
        if used + ww <= width || width <= indent {
            line.push_str(word);
            used += ww;
        } else {
            // Too long for any line: cut it.
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width && used > indent {
                    out.push(std::mem::take(&mut line));
                    line = rest.to_string();
                    used = indent;
                }
                line.push(c);
                used += cw;
            }
        }
        empty = false;
    }
    out.push(line);
    out
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
