//! The one place the TUI touches the course loader and the markdown renderer, so the
//! rest of the app works on its own small types (`LessonItem`, `ProblemItem`).

use std::path::Path;
use std::sync::Arc;

use ratatui::text::Text;

use super::state::{LessonItem, ProblemItem};
use crate::course::Course;
use crate::course::problem::Problem;
use crate::markdown::{RenderOptions, render};

/// The course as the app needs it: lessons, the outline's problem items, and the full
/// problem definitions the workspace grades against.
pub struct Loaded {
    pub lessons: Vec<LessonItem>,
    pub problems: Vec<ProblemItem>,
    pub defs: Vec<Arc<Problem>>,
}

/// Loads the course once: from `course/` if given, else the built-in course.
pub fn load_course(course: Option<&Path>) -> anyhow::Result<Loaded> {
    let c = Course::load(course)?;
    let defs = c.problems.iter().cloned().map(Arc::new).collect();
    let lessons = c
        .lessons
        .into_iter()
        .map(|l| LessonItem {
            id: l.id,
            number: l.number,
            title: l.title,
            source: l.source,
        })
        .collect();
    let problems = c
        .problems
        .into_iter()
        .map(|p| ProblemItem {
            id: p.id,
            title: p.title,
            ..Default::default()
        })
        .collect();
    Ok(Loaded {
        lessons,
        problems,
        defs,
    })
}

/// Renders a lesson to `width` columns; returns the text, the line index of each runnable
/// request block, and its predictions.
pub fn render_lesson(
    src: &str,
    width: u16,
    color: bool,
) -> (Text<'static>, Vec<usize>, Vec<crate::markdown::Prediction>) {
    let r = render(src, width, &RenderOptions { color });
    (
        r.text,
        r.requests.iter().map(|b| b.line).collect(),
        r.predictions,
    )
}

/// A lesson's runnable request blocks, in order (as `render_lesson` numbers them).
pub fn request_blocks(src: &str) -> Vec<crate::markdown::RequestBlock> {
    render(src, 80, &RenderOptions { color: false }).requests
}
