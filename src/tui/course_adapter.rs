//! The one place the TUI touches the course loader and the markdown renderer.
//!
//! TEMPORARY: until `course` and `markdown` land on main this reads lessons/*.md itself and
//! renders a small subset of markdown. After the merge, both functions call
//! `course::Course::load` and `markdown::render`; nothing else in the TUI changes.

use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use unicode_width::UnicodeWidthStr;

use super::state::{LessonItem, ProblemItem};

static LESSONS: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/lessons");

/// Lessons and problems: from `course/` if given, else the built-in course.
pub fn load_course(course: Option<&Path>) -> anyhow::Result<(Vec<LessonItem>, Vec<ProblemItem>)> {
    let mut files: Vec<(String, String)> = match course {
        Some(dir) => {
            let mut v = Vec::new();
            for entry in std::fs::read_dir(dir.join("lessons"))? {
                let path = entry?.path();
                if path.extension().is_some_and(|e| e == "md") {
                    let stem = path
                        .file_stem()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .to_string();
                    v.push((stem, std::fs::read_to_string(&path)?));
                }
            }
            v
        }
        None => LESSONS
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "md"))
            .map(|f| {
                let stem = f
                    .path()
                    .file_stem()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .to_string();
                (stem, f.contents_utf8().unwrap_or_default().to_string())
            })
            .collect(),
    };
    files.sort();
    let lessons = files
        .into_iter()
        .enumerate()
        .map(|(i, (id, source))| {
            let number = id
                .split('-')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(i as u32 + 1);
            let title = source
                .lines()
                .find_map(|l| l.strip_prefix("# "))
                .unwrap_or(&id)
                .trim()
                .to_string();
            LessonItem {
                id,
                number,
                title,
                source,
            }
        })
        .collect();
    let problems = load_problems(course.map(|c| c.join("problems")));
    Ok((lessons, problems))
}

fn load_problems(dir: Option<std::path::PathBuf>) -> Vec<ProblemItem> {
    let dir = dir.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("problems"));
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<ProblemItem> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .filter_map(|p| {
            let id = p.file_stem()?.to_string_lossy().to_string();
            let v: toml::Table = std::fs::read_to_string(&p).ok()?.parse().ok()?;
            let title = v.get("title")?.as_str()?.to_string();
            Some(ProblemItem {
                id,
                title,
                ..Default::default()
            })
        })
        .collect();
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// Renders a lesson to `width` columns; returns the text and the line index of each
/// runnable request block.
pub fn render_lesson(src: &str, width: u16, color: bool) -> (Text<'static>, Vec<usize>) {
    let width = usize::from(width.max(2));
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut requests = Vec::new();
    let mut fence: Option<String> = None;
    let mut fence_first = false;
    let mut para = String::new();
    let code_style = if color {
        Style::default().fg(Color::Cyan)
    } else {
        Style::default()
    };
    let heading = |lvl: usize| {
        let s = Style::default().add_modifier(Modifier::BOLD);
        match (color, lvl) {
            (true, 1) => s.fg(Color::Magenta),
            (true, _) => s.fg(Color::Blue),
            (false, 1) => s.add_modifier(Modifier::UNDERLINED),
            _ => s,
        }
    };
    let flush = |para: &mut String, lines: &mut Vec<Line<'static>>| {
        if !para.is_empty() {
            let (first_indent, rest_indent) = if para.starts_with("- ") {
                ("", "  ")
            } else {
                ("", "")
            };
            for l in wrap(para, width, first_indent, rest_indent) {
                lines.push(Line::from(l));
            }
            para.clear();
        }
    };
    for raw in src.lines() {
        if let Some(lang) = raw.trim_start().strip_prefix("```") {
            if fence.is_some() {
                fence = None;
            } else {
                flush(&mut para, &mut lines);
                fence = Some(lang.trim().to_string());
                fence_first = true;
            }
            continue;
        }
        if let Some(lang) = &fence {
            let first = std::mem::take(&mut fence_first);
            if first && lang == "http" && raw.split_whitespace().count() >= 2 {
                requests.push(lines.len());
            }
            let text: String = format!("  {raw}");
            lines.push(Line::from(Span::styled(truncate(&text, width), code_style)));
            continue;
        }
        let t = raw.trim_end();
        if t.is_empty() {
            flush(&mut para, &mut lines);
            if lines.last().is_some_and(|l| !l.spans.is_empty()) {
                lines.push(Line::default());
            }
        } else if let Some(h) = t.strip_prefix('#') {
            flush(&mut para, &mut lines);
            let lvl = 1 + h.chars().take_while(|c| *c == '#').count();
            let title = h.trim_start_matches('#').trim().to_string();
            for l in wrap(&title, width, "", "") {
                lines.push(Line::from(Span::styled(l, heading(lvl))));
            }
        } else {
            if t.starts_with("- ") || t.starts_with("> ") {
                flush(&mut para, &mut lines);
            }
            if !para.is_empty() {
                para.push(' ');
            }
            para.push_str(&t.replace("**", "").replace('`', ""));
        }
    }
    flush(&mut para, &mut lines);
    (Text::from(lines), requests)
}

fn truncate(s: &str, width: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if (out.as_str().width() + c.to_string().width()) > width {
            break;
        }
        out.push(c);
    }
    out
}

/// Greedy word wrap by display width; words longer than a line are cut.
fn wrap(s: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    // An indent as wide as the line would never make progress.
    let rest = if rest.width() + 1 >= width { "" } else { rest };
    let mut out = Vec::new();
    let mut cur = first.to_string();
    for word in s.split_whitespace() {
        let sep = usize::from(!cur.trim().is_empty());
        if cur.width() + sep + word.width() > width && !cur.trim().is_empty() {
            out.push(std::mem::replace(&mut cur, rest.to_string()));
        }
        if !cur.trim().is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
        while cur.width() > width {
            let head = truncate(&cur, width);
            if head.is_empty() {
                break;
            }
            let tail = cur[head.len()..].to_string();
            out.push(head);
            cur = format!("{rest}{tail}");
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}
