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
        for color in [false, true] {
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
    for lesson in &course.lessons {
        assert_fits(&lesson.id, &lesson.source);
    }
}
