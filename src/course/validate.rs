//! Checks beyond the file shapes: names that must exist, patterns that must compile,
//! diagrams inside the supported subset, request blocks that can be sent.

use std::collections::HashSet;
use std::path::Path;
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use regex::Regex;

use super::diagnostic::{Diagnostic, line_col};
use super::problem::Problem;
use super::schema::field_offset;
use super::{Lesson, title_of};
use crate::markdown::{check_subset, predict, request};

/// A link to another lesson: `NN-slug.md`, optionally with `./` and an anchor.
static LESSON_LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\./)?(\d+-[^/#?]+)\.md(?:#.*)?$").expect("valid regex"));

pub(crate) fn lesson(lesson: &Lesson, stems: &HashSet<&str>) -> Vec<Diagnostic> {
    let (path, text) = (lesson.path.as_path(), lesson.source.as_str());
    let mut out = Vec::new();
    if title_of(text).is_none() {
        out.push(Diagnostic::at(
            path,
            text,
            0,
            "title",
            "the lesson has no `# ` heading",
        ));
    }
    let mut code: Option<(String, usize, String)> = None;
    let mut predictions = 0;
    for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
        match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let lang = info.split_whitespace().next().unwrap_or("").to_string();
                code = Some((lang, line_col(text, range.start).0 + 1, String::new()));
            }
            Event::Text(t) => {
                if let Some((_, _, body)) = &mut code {
                    body.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, first_line, body)) = code.take() {
                    predictions += usize::from(lang == "predict");
                    code_block(path, &lang, first_line, &body, &mut out);
                }
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some(m) = LESSON_LINK.captures(&dest_url)
                    && !stems.contains(&m[1])
                {
                    let message = format!("links to lesson `{}`, which does not exist", &m[1]);
                    out.push(Diagnostic::at(path, text, range.start, "link", message));
                }
            }
            _ => {}
        }
    }
    // Every lesson asks the learner to commit before they look.
    if predictions == 0 {
        out.push(Diagnostic::at(
            path,
            text,
            0,
            "predict",
            "the lesson has no prediction (a ```predict block before a request or an explanation)",
        ));
    }
    out
}

fn code_block(path: &Path, lang: &str, first_line: usize, body: &str, out: &mut Vec<Diagnostic>) {
    let at = |line: usize, col: usize, field: &str, message: String| Diagnostic {
        file: path.to_path_buf(),
        line: first_line + line,
        col: col + 1,
        field: field.into(),
        message,
    };
    match lang {
        "mermaid" => {
            out.extend(
                check_subset(body)
                    .into_iter()
                    .map(|e| at(e.line, e.col, "mermaid", e.message)),
            );
        }
        "http" => {
            if let Err(e) = request::parse(body) {
                out.push(at(e.line, e.col, "request", e.message));
            }
        }
        "predict" => {
            if let Err(e) = predict::parse(body) {
                out.push(at(e.line, e.col, "predict", e.message));
            }
        }
        _ => {}
    }
}

pub(crate) fn problem(
    problem: &Problem,
    path: &Path,
    text: &str,
    stems: &HashSet<&str>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut report = |field: String, message: String| {
        let offset = field_offset(text, &field).unwrap_or(0);
        out.push(Diagnostic::at(path, text, offset, field, message));
    };
    let steps = problem.check.steps();
    for (i, hint) in problem.hints.iter().enumerate() {
        if let Some(step) = &hint.step
            && !steps.contains(&step.as_str())
        {
            let message = format!(
                "`{step}` is not a step of check `{}` (its steps: {})",
                problem.check,
                steps.join(", ")
            );
            report(format!("hints[{i}].step"), message);
        }
    }
    for e in problem
        .compiled
        .build_patterns()
        .into_iter()
        .chain(problem.compiled.never_matching())
    {
        report(e.field, e.message);
    }
    for (i, name) in problem.lessons.iter().enumerate() {
        if !stems.contains(name.as_str()) {
            report(
                format!("lessons[{i}]"),
                format!("no lesson `{name}` in lessons/"),
            );
        }
    }
    out
}
