//! The walk over markdown events: containers (quotes, lists) give each line its prefix,
//! inline text gathers until its block ends, then is wrapped and emitted.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};

use super::predict::{self, Prediction};
use super::request::{self, RequestBlock};
use super::table::{self, Table};
use super::theme::{Callout, Theme};
use super::wrap::{
    CUT, Row, SHELL_CONTINUES, ShellState, code_pieces, hard_wrap, push_text, row_width, slice_row,
    str_width, wrap,
};
use super::{Link, Rendered, diagram, highlight};

enum Container {
    Quote(Option<Callout>),
    List(Option<u64>),
    Item { marker: String, shown: bool },
}

pub(crate) struct Renderer {
    width: usize,
    theme: Theme,
    lines: Vec<Line<'static>>,
    containers: Vec<Container>,
    /// Inline text of the block being read, one span per event (link text is sliced from it).
    inline: Row,
    styles: Vec<Style>,
    links: Vec<Link>,
    open_links: Vec<(String, usize)>,
    requests: Vec<RequestBlock>,
    predictions: Vec<Prediction>,
    heading: Option<usize>,
    code: Option<(String, String)>,
    table: Option<Table>,
    /// A blank line is owed before the next block.
    gap: bool,
    /// The block after the one ending now is a runnable request card (a prediction just
    /// before it goes with it).
    card_next: bool,
}

/// Is the block starting at `events[i]` a runnable request card?
fn card_at(events: &[Event<'_>], i: usize) -> bool {
    let Some(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))) = events.get(i) else {
        return false;
    };
    if info.split_whitespace().next() != Some("http") {
        return false;
    }
    let body: String = events[i + 1..]
        .iter()
        .map_while(|e| match e {
            Event::Text(t) => Some(t.as_ref()),
            _ => None,
        })
        .collect();
    request::parse(&body).is_ok()
}

/// `> **Note:** ...` opens a callout: look ahead at the quote's first words.
fn callout_at(events: &[Event<'_>], i: usize) -> Option<Callout> {
    match events.get(i + 1..i + 4)? {
        [
            Event::Start(Tag::Paragraph),
            Event::Start(Tag::Strong),
            Event::Text(label),
        ] => Callout::from_label(label),
        _ => None,
    }
}

fn heading_number(level: HeadingLevel) -> usize {
    level as usize
}

impl Renderer {
    pub(crate) fn new(width: usize, theme: Theme) -> Self {
        Self {
            width,
            theme,
            lines: Vec::new(),
            containers: Vec::new(),
            inline: Row::new(),
            styles: Vec::new(),
            links: Vec::new(),
            open_links: Vec::new(),
            requests: Vec::new(),
            predictions: Vec::new(),
            heading: None,
            code: None,
            table: None,
            gap: false,
            card_next: false,
        }
    }

    pub(crate) fn run(mut self, src: &str) -> Rendered {
        let options =
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
        let events: Vec<Event<'_>> = Parser::new_ext(src, options).collect();
        for (i, event) in events.iter().enumerate() {
            match event {
                Event::Start(tag) => self.start(tag, callout_at(&events, i)),
                Event::End(tag) => {
                    self.card_next = card_at(&events, i + 1);
                    self.end(*tag)
                }
                Event::Text(t) => match &mut self.code {
                    Some((_, body)) => body.push_str(t),
                    None => self.text(t),
                },
                Event::Code(t) => {
                    let style = self.style().patch(self.theme.inline_code());
                    self.inline.push(Span::styled(t.to_string(), style));
                }
                Event::InlineHtml(h) if h.trim().to_ascii_lowercase().starts_with("<br") => {
                    self.text("\n")
                }
                Event::Html(h) | Event::InlineHtml(h) => self.text(h),
                Event::SoftBreak => self.text(" "),
                Event::HardBreak => self.text("\n"),
                Event::Rule => {
                    self.block_start();
                    let rule = "─".repeat(self.avail());
                    self.emit_text(&rule, self.theme.rule());
                    self.gap = true;
                }
                Event::TaskListMarker(done) => self.text(if *done { "[x] " } else { "[ ] " }),
                Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
                Event::InlineMath(t) | Event::DisplayMath(t) => self.text(t),
            }
        }
        self.flush_inline();
        self.link_list();
        Rendered {
            text: Text::from(self.lines),
            predictions: {
                // A prediction goes with the next request card, if the lesson has one.
                let n = self.requests.len();
                self.predictions
                    .into_iter()
                    .map(|mut p| {
                        p.request = p.request.filter(|&i| i < n);
                        p
                    })
                    .collect()
            },
            requests: self.requests,
            links: self.links,
        }
    }

    fn start(&mut self, tag: &Tag<'_>, callout: Option<Callout>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.block_start(),
            Tag::Heading { level, .. } => {
                self.block_start();
                let level = heading_number(*level);
                self.heading = Some(level);
                self.styles.push(self.theme.heading(level));
            }
            Tag::BlockQuote(_) => {
                self.block_start();
                self.containers.push(Container::Quote(callout));
                let style = if callout.is_some() {
                    self.theme.plain()
                } else {
                    self.theme.quote_text()
                };
                self.styles.push(style);
            }
            Tag::CodeBlock(kind) => {
                self.block_start();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::List(start) => {
                self.flush_inline();
                if matches!(self.containers.last(), Some(Container::Item { .. })) {
                    // A nested list hugs its parent item.
                    self.gap = false;
                } else {
                    self.block_start();
                }
                self.containers.push(Container::List(*start));
            }
            Tag::Item => {
                self.flush_inline();
                self.gap = false;
                let depth = self
                    .containers
                    .iter()
                    .filter(|c| matches!(c, Container::List(_)))
                    .count();
                let marker = match self.containers.last_mut() {
                    Some(Container::List(Some(n))) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => ["• ", "◦ ", "▪ "][(depth.max(1) - 1).min(2)].to_string(),
                };
                self.containers.push(Container::Item {
                    marker,
                    shown: false,
                });
            }
            Tag::Table(aligns) => {
                self.block_start();
                self.table = Some(Table {
                    aligns: aligns.clone(),
                    ..Table::default()
                });
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::Emphasis => self.styles.push(Style::new().italic()),
            Tag::Strong => self.styles.push(Style::new().bold()),
            Tag::Strikethrough => self.styles.push(Style::new().crossed_out()),
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.open_links
                    .push((dest_url.to_string(), self.inline.len()));
                self.styles.push(self.theme.link());
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => {
                self.flush_inline();
                self.gap = true;
            }
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::BlockQuote(_) => {
                self.flush_inline();
                self.containers.pop();
                self.styles.pop();
                self.gap = true;
            }
            TagEnd::CodeBlock => {
                if let Some((lang, body)) = self.code.take() {
                    self.code_block(&lang, &body);
                }
                self.gap = true;
            }
            TagEnd::List(_) => {
                self.flush_inline();
                self.containers.pop();
                self.gap = true;
            }
            TagEnd::Item => {
                self.flush_inline();
                if let Some(Container::Item { shown: false, .. }) = self.containers.last() {
                    self.emit(Row::new());
                }
                self.containers.pop();
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.header_rows = t.rows.len();
                }
            }
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut self.inline);
                if let Some(row) = self.table.as_mut().and_then(|t| t.rows.last_mut()) {
                    row.push(cell);
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    for row in table::render(&t, self.avail(), self.theme) {
                        self.emit(row);
                    }
                }
                self.gap = true;
            }
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link | TagEnd::Image => self.end_link(),
            _ => {}
        }
    }

    fn style(&self) -> Style {
        self.styles
            .iter()
            .fold(Style::default(), |acc, s| acc.patch(*s))
    }

    fn text(&mut self, t: &str) {
        let style = self.style();
        self.inline.push(Span::styled(t.to_string(), style));
    }

    fn end_link(&mut self) {
        self.styles.pop();
        let Some((url, start)) = self.open_links.pop() else {
            return;
        };
        let text: String = self.inline[start.min(self.inline.len())..]
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        let number = match self.links.iter().find(|l| l.url == url) {
            Some(l) => l.number,
            None => {
                let number = self.links.len() + 1;
                self.links.push(Link { number, text, url });
                number
            }
        };
        self.inline
            .push(Span::styled(format!("[{number}]"), self.theme.link_ref()));
    }

    fn end_heading(&mut self) {
        self.styles.pop();
        let level = self.heading.take().unwrap_or(3);
        let rows = wrap(&std::mem::take(&mut self.inline), self.avail());
        let underline = rows.iter().map(|r| row_width(r)).max().unwrap_or(0);
        for row in rows {
            self.emit(row);
        }
        // Underlines keep headings visible in plain text, where bold is lost.
        let rule = match level {
            1 => "═",
            2 => "─",
            _ => "",
        };
        if !rule.is_empty() {
            self.emit_text(&rule.repeat(underline), self.theme.heading(level));
        }
        self.gap = true;
    }

    /// Columns left for content after the container prefix (at least one: narrow widths degrade).
    fn avail(&self) -> usize {
        self.width.saturating_sub(row_width(&self.prefix())).max(1)
    }

    fn prefix(&self) -> Row {
        let mut row = Row::new();
        for c in &self.containers {
            match c {
                Container::Quote(None) => push_text(&mut row, "│ ", self.theme.quote_bar()),
                Container::Quote(Some(kind)) => {
                    push_text(&mut row, "┃ ", self.theme.callout_bar(*kind))
                }
                Container::Item {
                    marker,
                    shown: false,
                } => push_text(&mut row, marker, self.theme.plain()),
                Container::Item {
                    marker,
                    shown: true,
                } => push_text(&mut row, &" ".repeat(str_width(marker)), self.theme.plain()),
                Container::List(_) => {}
            }
        }
        row
    }

    fn emit(&mut self, content: Row) {
        let mut line = self.prefix();
        for c in &mut self.containers {
            if let Container::Item { shown, .. } = c {
                *shown = true;
            }
        }
        line.extend(content);
        // Only a prefix wider than the screen gets here; wrap rather than overflow.
        for piece in hard_wrap(&line, self.width) {
            self.lines.push(Line::from(piece));
        }
    }

    fn emit_text(&mut self, text: &str, style: Style) {
        let mut row = Row::new();
        push_text(&mut row, text, style);
        self.emit(row);
    }

    fn emit_blank(&mut self) {
        let mut line = self.prefix();
        if let Some(last) = line.last_mut() {
            let trimmed = last.content.trim_end().to_string();
            last.content = trimmed.into();
        }
        self.lines.push(Line::from(line));
    }

    fn block_start(&mut self) {
        self.flush_inline();
        if self.gap && !self.lines.is_empty() {
            self.emit_blank();
        }
        self.gap = false;
    }

    fn flush_inline(&mut self) {
        if self.inline.iter().all(|s| s.content.trim().is_empty()) {
            self.inline.clear();
            return;
        }
        let rows = wrap(&std::mem::take(&mut self.inline), self.avail());
        for row in rows {
            self.emit(row);
        }
    }

    fn code_block(&mut self, lang: &str, body: &str) {
        match lang {
            "mermaid" => match diagram::draw(body, self.avail()) {
                Ok(drawn) => {
                    for line in drawn.lines() {
                        self.emit_text(line, self.theme.diagram());
                    }
                }
                Err(e) => {
                    self.note(&format!("Diagram shown as source: {e}."));
                    self.code_box(lang, body);
                }
            },
            "http" => match request::parse(body) {
                Ok(req) => self.request_card(req, body),
                Err(e) => {
                    self.note(&format!("Not a runnable request: {e}."));
                    self.code_box(lang, body);
                }
            },
            "predict" => match predict::parse(body) {
                Ok(p) => self.predict_card(p),
                Err(e) => {
                    self.note(&format!("Not a prediction: {e}."));
                    self.code_box(lang, body);
                }
            },
            _ => self.code_box(lang, body),
        }
    }

    /// `Predict: question`, then numbered choices; the answer stays hidden until the
    /// learner has committed (the app shows it, `read` never does).
    fn predict_card(&mut self, mut p: Prediction) {
        p.line = self.lines.len();
        // It goes with a request card only when the card comes straight after it; a
        // prediction followed by more text (or by a shell block) is answered with `P`.
        p.request = self.card_next.then_some(self.requests.len());
        let title = self.theme.request_title();
        for row in wrap(
            &[Span::styled(format!("Predict: {}", p.question), title)],
            self.avail(),
        ) {
            self.emit(row);
        }
        for (i, c) in p.choices.iter().enumerate() {
            let spans = [Span::raw(format!("  {}) {}", i + 1, c.text))];
            for row in wrap(&spans, self.avail()) {
                self.emit(row);
            }
        }
        let keys = if p.request.is_some() {
            format!(
                "  (in the app: P opens it, then 1-{} picks your answer, before you send the next request)",
                p.choices.len()
            )
        } else {
            format!(
                "  (in the app: no request answers this one; P opens it, 1-{} picks)",
                p.choices.len()
            )
        };
        let start = self.lines.len();
        for row in wrap(&[Span::styled(keys, self.theme.note())], self.avail()) {
            self.emit(row);
        }
        p.hint = start..self.lines.len();
        self.predictions.push(p);
    }

    fn note(&mut self, text: &str) {
        let style = self.theme.note();
        for row in wrap(&[Span::styled(text.to_string(), style)], self.avail()) {
            self.emit(row);
        }
    }

    /// A frame on the left only, so long lines wrap without a ragged right border.
    fn code_box(&mut self, lang: &str, body: &str) {
        let frame = self.theme.frame();
        let mut top = Row::new();
        push_text(&mut top, "╭─", frame);
        if !lang.is_empty() {
            push_text(&mut top, " ", frame);
            push_text(&mut top, lang, self.theme.label());
        }
        self.emit(top);
        let mut shell = highlight::is_shell(lang).then(ShellState::default);
        for line in body.trim_end_matches('\n').lines() {
            let text = line.replace('\t', "    ");
            let row = highlight::line(lang, &text, self.theme);
            self.framed(row, &text, shell.as_mut(), "│ ", frame);
        }
        self.emit_text("╰─", frame);
    }

    /// A code line behind its bar. Too long, it breaks between words, never inside one: a
    /// shell line only outside quotes and with a ` \` continuation, so a copy still runs;
    /// a word wider than the whole line is cut and marked.
    fn framed(
        &mut self,
        row: Row,
        text: &str,
        shell: Option<&mut ShellState>,
        bar: &str,
        style: Style,
    ) {
        let inner = self.avail().saturating_sub(str_width(bar)).max(1);
        let note = self.theme.note();
        for piece in code_pieces(text, inner, shell) {
            let mut line = Row::new();
            push_text(&mut line, bar, style);
            push_text(&mut line, &" ".repeat(piece.indent), Style::default());
            line.extend(slice_row(&row, piece.start, piece.end));
            if piece.cut {
                push_text(&mut line, CUT, note);
            }
            if piece.more {
                push_text(&mut line, SHELL_CONTINUES, style);
            }
            self.emit(line);
        }
    }

    fn request_card(&mut self, mut req: RequestBlock, body: &str) {
        let frame = self.theme.request_frame();
        req.line = self.lines.len();
        let number = self.requests.len() + 1;
        let mut title = Row::new();
        push_text(&mut title, "┏━ ", frame);
        // The card's first line shows the whole request line, so a title too wide for the
        // column drops the path (then the method) rather than wrap outside the frame.
        let titles = [
            format!("▶ request {number}: {} {}", req.method, req.path),
            format!("▶ request {number}: {}", req.method),
            format!("▶ request {number}"),
        ];
        let avail = self.avail().saturating_sub(3);
        let text = titles
            .iter()
            .find(|t| unicode_width::UnicodeWidthStr::width(t.as_str()) <= avail)
            .unwrap_or(&titles[2]);
        push_text(&mut title, text, self.theme.request_title());
        for piece in hard_wrap(&title, self.avail()) {
            self.emit(piece);
        }
        let mut in_body = false;
        for (i, line) in body.trim_end_matches('\n').lines().enumerate() {
            let line = line.replace('\t', "    ");
            let line = line.as_str();
            let row = if i == 0 {
                highlight::http_request_line(line, self.theme)
            } else if in_body {
                let lang = if req.body.trim_start().starts_with(['{', '[']) {
                    "json"
                } else {
                    ""
                };
                highlight::line(lang, line, self.theme)
            } else if line.trim().is_empty() {
                in_body = true;
                Row::new()
            } else {
                highlight::http_header(line, self.theme)
            };
            self.framed(row, line, None, "┃ ", frame);
        }
        self.emit_text("┗━", frame);
        self.requests.push(req);
    }

    fn link_list(&mut self) {
        if self.links.is_empty() {
            return;
        }
        self.containers.clear();
        self.gap = true;
        self.block_start();
        self.emit_text("Links", self.theme.heading(3));
        let links = self.links.clone();
        for link in links {
            let row = vec![
                Span::styled(format!("[{}] ", link.number), self.theme.link_ref()),
                Span::styled(link.url, self.theme.link()),
            ];
            // URLs have no spaces to wrap at: break them by characters, right after the number.
            for piece in hard_wrap(&row, self.width) {
                self.emit(piece);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::markdown::{RenderOptions, plain_lines, render};

    fn lines(src: &str, width: u16) -> Vec<String> {
        plain_lines(&render(src, width, &RenderOptions::default()).text)
    }

    // A long shell line breaks between words outside quotes, with ` \` (the copy runs);
    // a string spanning lines is never broken; a word too wide for any line is cut, marked.
    #[test]
    fn shell_lines_break_between_words_with_a_continuation() {
        let src = "```bash\ncurl -s -H \"$J\" -d '{\"a\": 1, \"b\": 2}' http://x/login; echo\nQ='one two\nthree four' five six seven\n```\n";
        assert_eq!(
            lines(src, 34),
            [
                "╭─ bash",
                "│ curl -s -H \"$J\" -d \\",
                "│   '{\"a\": 1, \"b\": 2}' \\",
                "│   http://x/login; echo",
                "│ Q='one two",
                "│ three four' five six seven",
                "╰─",
            ]
        );
        let long = "```bash\necho aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa end\n```\n";
        assert_eq!(
            lines(long, 24),
            [
                "╭─ bash",
                "│ echo \\",
                "│   aaaaaaaaaaaaaaaaa… \\",
                "│   end",
                "╰─"
            ]
        );
        // Other code breaks between words too, with no marker.
        let text = "```text\nsid=abc; HttpOnly; SameSite=Lax\n```\n";
        assert_eq!(
            lines(text, 20),
            ["╭─ text", "│ sid=abc; HttpOnly;", "│   SameSite=Lax", "╰─"]
        );
    }

    #[test]
    fn nests_lists_with_markers_and_hanging_indents() {
        let out = lines(
            "- one\n- two words here\n  - inner\n    1. deep\n    2. deeper\n- three\n",
            13,
        );
        assert_eq!(
            out,
            [
                "• one",
                "• two words",
                "  here",
                "  ◦ inner",
                "    1. deep",
                "    2. deeper",
                "• three"
            ]
        );
    }

    #[test]
    fn ordered_lists_keep_their_start_number() {
        assert_eq!(lines("3. c\n4. d\n", 20), ["3. c", "4. d"]);
    }

    #[test]
    fn callouts_differ_from_plain_quotes() {
        let out = lines("> plain\n\n> **Warning:** careful\n", 40);
        assert_eq!(out, ["│ plain", "", "┃ Warning: careful"]);
    }

    #[test]
    fn links_are_numbered_once_per_url_and_listed_at_the_end() {
        let r = render(
            "[a](http://a) [b](http://b) [again](http://a)",
            40,
            &RenderOptions::default(),
        );
        let out = plain_lines(&r.text);
        assert_eq!(out[0], "a[1] b[2] again[1]");
        assert_eq!(&out[out.len() - 2..], ["[1] http://a", "[2] http://b"]);
        assert_eq!(r.links.len(), 2);
        assert_eq!((r.links[1].number, r.links[1].text.as_str()), (2, "b"));
    }

    #[test]
    fn request_blocks_record_their_title_line() {
        let src = "Intro.\n\n```http\nPOST /login\nContent-Type: application/json\n\n{\"u\": 1}\n```\n\n```http\nGET /me\n```\n";
        let r = render(src, 40, &RenderOptions::default());
        let out = plain_lines(&r.text);
        assert_eq!(r.requests.len(), 2);
        assert_eq!(out[r.requests[0].line], "┏━ ▶ request 1: POST /login");
        assert_eq!(out[r.requests[1].line], "┏━ ▶ request 2: GET /me");
        assert_eq!(r.requests[0].body, "{\"u\": 1}");
    }

    #[test]
    fn a_request_title_too_wide_drops_its_path_instead_of_leaving_the_frame() {
        let src = "```http\nPOST /admin/replicas/b/start\n```\n";
        let out = lines(src, 36);
        assert_eq!(out[0], "┏━ ▶ request 1: POST");
        assert!(
            out[1].starts_with("┃ POST /admin/replicas/b/start"),
            "{out:?}"
        );
        let wide = lines(src, 60);
        assert_eq!(wide[0], "┏━ ▶ request 1: POST /admin/replicas/b/start");
    }

    #[test]
    fn malformed_request_blocks_render_as_code_with_a_note() {
        let r = render("```http\nGET me\n```\n", 60, &RenderOptions::default());
        assert!(r.requests.is_empty());
        let out = plain_lines(&r.text);
        assert_eq!(
            out[0],
            "Not a runnable request: path `me` must start with `/`."
        );
    }

    #[test]
    fn too_wide_diagrams_fall_back_to_source() {
        let src = "```mermaid\nflowchart LR\n  A[a long label for a box] --> B[another long label] --> C[third box label]\n```\n";
        let out = lines(src, 30);
        assert!(out[0].starts_with("Diagram shown as source"), "{out:?}");
        assert!(out.iter().any(|l| l == "│ flowchart LR"));
    }

    #[test]
    fn no_colour_means_no_colours() {
        let src = "# T\n\n**b** `c` [l](http://x)\n\n> **Note:** n\n\n```json\n{\"a\": 1}\n```\n";
        let r = render(src, 40, &RenderOptions { color: false });
        let styles = r
            .text
            .lines
            .iter()
            .flat_map(|l| l.spans.iter().map(|s| s.style));
        assert!(styles.clone().all(|s| s.fg.is_none() && s.bg.is_none()));
        let r = render(src, 40, &RenderOptions { color: true });
        assert!(
            r.text
                .lines
                .iter()
                .flat_map(|l| &l.spans)
                .any(|s| s.style.fg.is_some())
        );
    }

    #[test]
    fn tiny_widths_degrade_without_panicking() {
        let src = "# Title\n\n> - a list in a quote with `code` and a | table |\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```mermaid\nflowchart TD\n A --> B\n```\n";
        for width in 1..20 {
            let _ = render(src, width, &RenderOptions::default());
        }
    }
}
