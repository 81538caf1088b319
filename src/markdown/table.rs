//! Tables drawn with box characters; columns shrink to fit and cell text wraps, never cut.

use pulldown_cmark::Alignment;
use ratatui::text::Span;

use super::theme::Theme;
use super::wrap::{Row, pad, push_text, row_width, wrap};

/// Cells as collected from the markdown; the first `header_rows` rows are the header.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub aligns: Vec<Alignment>,
    pub rows: Vec<Vec<Row>>,
    pub header_rows: usize,
}

/// Draws the table in at most `width` columns.
pub(crate) fn render(table: &Table, width: usize, theme: Theme) -> Vec<Row> {
    let cols = table.rows.iter().map(Vec::len).max().unwrap_or(0);
    if cols == 0 {
        return Vec::new();
    }
    // Borders and padding take 3 columns per cell plus one.
    let chrome = 3 * cols + 1;
    if width < chrome + cols {
        return stacked(table, width, theme);
    }
    let widths = fit_columns(table, cols, width - chrome);
    let border = |l: &str, m: &str, r: &str| {
        let mut row = Row::new();
        push_text(&mut row, l, theme.frame());
        for (i, w) in widths.iter().enumerate() {
            push_text(&mut row, &"─".repeat(w + 2), theme.frame());
            push_text(&mut row, if i + 1 == cols { r } else { m }, theme.frame());
        }
        row
    };
    let mut out = vec![border("┌", "┬", "┐")];
    for (r, cells) in table.rows.iter().enumerate() {
        let header = r < table.header_rows;
        let wrapped: Vec<Vec<Row>> = (0..cols)
            .map(|c| {
                let cell = cells.get(c).cloned().unwrap_or_default();
                let cell: Row = if header {
                    cell.into_iter()
                        .map(|s| s.patch_style(theme.table_header()))
                        .collect()
                } else {
                    cell
                };
                wrap(&cell, widths[c])
            })
            .collect();
        let height = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut row = Row::new();
            push_text(&mut row, "│", theme.frame());
            for (c, w) in widths.iter().enumerate() {
                let mut cell = wrapped[c].get(line).cloned().unwrap_or_default();
                align(&mut cell, *w, table.aligns.get(c).copied());
                row.push(Span::raw(" "));
                row.extend(cell);
                row.push(Span::raw(" "));
                push_text(&mut row, "│", theme.frame());
            }
            out.push(row);
        }
        if header && r + 1 == table.header_rows && table.rows.len() > table.header_rows {
            out.push(border("├", "┼", "┤"));
        }
    }
    out.push(border("└", "┴", "┘"));
    out
}

fn align(cell: &mut Row, width: usize, alignment: Option<Alignment>) {
    let slack = width.saturating_sub(row_width(cell));
    let left = match alignment {
        Some(Alignment::Right) => slack,
        Some(Alignment::Center) => slack / 2,
        _ => 0,
    };
    if left > 0 {
        cell.insert(0, Span::raw(" ".repeat(left)));
    }
    pad(cell, width);
}

/// Natural widths, then the widest column gives up a column at a time until the table fits.
fn fit_columns(table: &Table, cols: usize, budget: usize) -> Vec<usize> {
    let mut widths = vec![1; cols];
    for cells in &table.rows {
        for (c, cell) in cells.iter().enumerate() {
            widths[c] = widths[c].max(row_width(cell));
        }
    }
    let mut total: usize = widths.iter().sum();
    while total > budget {
        // Prefer the rightmost of equally wide columns so the first (usually a name) stays whole.
        let (widest, _) = widths
            .iter()
            .enumerate()
            .max_by_key(|&(i, w)| (*w, i))
            .expect("cols > 0");
        if widths[widest] == 1 {
            break;
        }
        widths[widest] -= 1;
        total -= 1;
    }
    widths
}

/// Too narrow for a grid: one `Header: value` record per row instead, so nothing is lost.
fn stacked(table: &Table, width: usize, theme: Theme) -> Vec<Row> {
    let header = table.rows.first().filter(|_| table.header_rows > 0);
    let mut out = Vec::new();
    for (r, cells) in table.rows.iter().enumerate().skip(table.header_rows) {
        if r > table.header_rows {
            let mut rule = Row::new();
            push_text(&mut rule, &"─".repeat(width.max(1)), theme.frame());
            out.push(rule);
        }
        for (c, cell) in cells.iter().enumerate() {
            let mut line = Row::new();
            if let Some(name) = header.and_then(|h| h.get(c)) {
                line.extend(
                    name.iter()
                        .map(|s| s.clone().patch_style(theme.table_header())),
                );
                push_text(&mut line, ": ", theme.table_header());
            }
            line.extend(cell.iter().cloned());
            out.extend(wrap(&line, width));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(s: &str) -> Row {
        vec![Span::raw(s.to_string())]
    }

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            aligns: vec![Alignment::None; rows[0].len()],
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| cell(c)).collect())
                .collect(),
            header_rows: 1,
        }
    }

    fn lines(rows: &[Row]) -> Vec<String> {
        rows.iter()
            .map(|r| r.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    /// The letters in the table, sorted: wrapping moves them between lines but must not drop any.
    fn letters(text: &[String]) -> Vec<char> {
        let mut chars: Vec<char> = text
            .concat()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        chars.sort_unstable();
        chars
    }

    #[test]
    fn draws_a_small_table_at_its_natural_size() {
        let t = table(&[&["Mode", "Where"], &["local", "replica"]]);
        let out = lines(&render(&t, 80, Theme { color: false }));
        assert_eq!(
            out,
            [
                "┌───────┬─────────┐",
                "│ Mode  │ Where   │",
                "├───────┼─────────┤",
                "│ local │ replica │",
                "└───────┴─────────┘",
            ]
        );
    }

    #[test]
    fn wraps_wide_cells_and_never_exceeds_the_width() {
        let long = "a session id lives in a cookie and the server looks it up on every request";
        let t = table(&[
            &["What", "Why"],
            &["cookie", long],
            &["token", "self-contained"],
        ]);
        for width in 12..80 {
            let out = render(&t, width, Theme { color: false });
            assert!(out.iter().all(|r| row_width(r) <= width), "width {width}");
            let text = lines(&out);
            assert_eq!(
                letters(&text),
                letters(&lines(&render(&t, 200, Theme { color: false })))
            );
        }
    }

    #[test]
    fn measures_cjk_and_emoji_by_display_width() {
        let t = table(&[&["名前", "🙂 emoji"], &["日本語のセル", "ok"]]);
        let out = render(&t, 40, Theme { color: false });
        let widths: Vec<usize> = out.iter().map(|r| row_width(r)).collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{widths:?}");
        let out = render(&t, 16, Theme { color: false });
        assert!(out.iter().all(|r| row_width(r) <= 16));
    }

    #[test]
    fn falls_back_to_records_when_too_narrow_for_a_grid() {
        let t = table(&[&["A", "B", "C"], &["1", "2", "3"]]);
        let out = lines(&render(&t, 8, Theme { color: false }));
        assert_eq!(out, ["A: 1", "B: 2", "C: 3"]);
    }
}
