//! Rendered fixture lessons as plain-text snapshots, and the width promise on every lesson.

use std::path::Path;

use forgetful::course::Course;
use forgetful::markdown::{RenderOptions, plain_lines, render};
use unicode_width::UnicodeWidthStr;

fn fixture_lessons(course: &str) -> Vec<(String, String)> {
    let dir = Path::new("tests/fixtures").join(course).join("lessons");
    let mut lessons: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
            (stem, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    lessons.sort();
    lessons
}

#[test]
fn fixture_lessons_match_their_snapshots() {
    for (stem, source) in fixture_lessons("course-good") {
        for width in [40u16, 60, 80, 100] {
            let text =
                plain_lines(&render(&source, width, &RenderOptions::default()).text).join("\n");
            insta::assert_snapshot!(format!("{stem}-{width}"), text);
        }
    }
}

/// Widths to try: every one near the narrow end, where wrapping breaks first, then a
/// spread up to 120 (every width costs a full render of the lesson).
fn widths() -> impl Iterator<Item = u16> {
    (20u16..=40)
        .chain((41..=120).step_by(7))
        .chain([80, 100, 119, 120])
}

fn assert_fits(name: &str, source: &str) {
    for width in widths() {
        // Colour changes spans, not where lines break: a few widths keep it honest.
        let colors: &[bool] = if [20, 33, 80, 120].contains(&width) {
            &[false, true]
        } else {
            &[false]
        };
        for &color in colors {
            let rendered = render(source, width, &RenderOptions { color });
            for (i, line) in plain_lines(&rendered.text).iter().enumerate() {
                let w = line.width();
                assert!(
                    w <= usize::from(width),
                    "{name} at {width}: line {i} is {w} wide: {line}"
                );
            }
        }
    }
}

#[test]
fn every_line_fits_from_20_to_120_columns() {
    for course in ["course-good", "course-broken"] {
        for (stem, source) in fixture_lessons(course) {
            assert_fits(&stem, &source);
        }
    }
}

/// The embedded course (the real lessons, once they land) keeps the same promise.
#[test]
fn embedded_lessons_fit_every_width() {
    let course = Course::load(None).unwrap();
    // One thread a lesson: the renders are independent, and this is the slowest test here.
    std::thread::scope(|scope| {
        for lesson in &course.lessons {
            scope.spawn(|| assert_fits(&lesson.id, &lesson.source));
        }
    });
}

/// The fenced blocks of a lesson: (language, body).
fn fenced_blocks(source: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in source.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(lang)) => open = Some((lang.trim().to_string(), String::new())),
            (Some(_), Some(_)) => out.extend(open.take()),
            (Some((_, body)), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    out
}

/// The boxes of rendered code: (language, the lines behind the bar). A request card is
/// `http`; a code box names its language on its top line.
fn shown_blocks(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut bar: Option<&str> = None;
    for line in lines {
        match bar {
            None if line.starts_with("╭─") => {
                bar = Some("│ ");
                out.push((line.trim_start_matches("╭─").trim().to_string(), Vec::new()));
            }
            None if line.starts_with("┏━ ▶ request") => {
                bar = Some("┃ ");
                out.push(("http".into(), Vec::new()));
            }
            Some(_) if line.starts_with("╰─") || line.starts_with("┗━") => bar = None,
            Some(b) => {
                if let Some(rest) = line.strip_prefix(b) {
                    out.last_mut().unwrap().1.push(rest.to_string());
                }
            }
            None => {}
        }
    }
    out
}

/// Words of code as a shell reads them: ` \` line continuations joined, whitespace runs as
/// one space.
fn words(text: &str, shell: bool) -> Vec<String> {
    let text = if shell {
        text.replace("\\\n", " ")
    } else {
        text.to_string()
    };
    text.split_whitespace().map(str::to_string).collect()
}

/// Code is copied off the screen, so no lesson's code is ever broken inside a word: at 80
/// and 60 columns (`forgetful read N --width …`) and in the app's reader at 80x24, a long
/// line breaks only between words (a shell line with a ` \` continuation, so the copy runs
/// as written). Only a request card, which the app sends itself, may cut a word too wide
/// for any line (a token), and then marks the cut with `…`.
#[test]
fn code_lines_are_never_broken_inside_a_word() {
    use forgetful::tui::{layout, state::Pane};
    let course = Course::load(None).unwrap();
    let app = layout::reader_text(80, 24, Pane::Reader).width;
    for lesson in &course.lessons {
        let source = fenced_blocks(&lesson.source);
        for width in [80, 60, app] {
            let lines = plain_lines(&render(&lesson.source, width, &RenderOptions::default()).text);
            let mut pending = source.iter();
            for (lang, shown) in shown_blocks(&lines) {
                let (_, body) = pending
                    .by_ref()
                    .find(|(l, _)| *l == lang)
                    .unwrap_or_else(|| {
                        panic!("{} at {width}: a {lang} box with no source", lesson.id)
                    });
                let shell = lang == "bash";
                let want = words(body, shell);
                let got = words(&(shown.join("\n") + "\n"), shell);
                let cut_ok = |g: &String, w: &String| {
                    lang == "http" && g.strip_suffix('…').is_some_and(|p| w.starts_with(p))
                };
                let same = want.len() == got.len()
                    && want.iter().zip(&got).all(|(w, g)| g == w || cut_ok(g, w));
                assert!(
                    same,
                    "{} at {width} columns: a {lang} block is broken inside a word or cut:\n{}\n---\nsource:\n{body}",
                    lesson.id,
                    shown.join("\n")
                );
            }
        }
    }
}
