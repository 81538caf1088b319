//! `forgetful read` and `forgetful course check`.

use std::io::{IsTerminal, Write};
use std::path::Path;

use super::Course;
/// What `forgetful read` was asked for.
#[derive(Debug, Clone, Default)]
pub struct ReadArgs {
    /// A file stem or a number.
    pub lesson: String,
    /// Columns; the terminal's width (or 80 in a pipe) when not given.
    pub width: Option<u16>,
    /// The running lab's address, put in place of the default one in the lesson's commands.
    pub lab_url: Option<String>,
}
use crate::markdown::{self, RenderOptions};

/// Prints a lesson: ANSI styles on a terminal, plain text into a pipe or with NO_COLOR.
pub fn read_command(args: &ReadArgs, course: Option<&Path>) -> anyhow::Result<i32> {
    let course = Course::load(course)?;
    let Some(lesson) = course.lesson(&args.lesson) else {
        let available: Vec<&str> = course.lessons.iter().map(|l| l.id.as_str()).collect();
        let available = if available.is_empty() {
            "none".to_string()
        } else {
            available.join(", ")
        };
        eprintln!(
            "forgetful: no lesson `{}`; available: {available}",
            args.lesson
        );
        return Ok(2);
    };
    let terminal = std::io::stdout().is_terminal();
    let styled = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let width = args.width.unwrap_or_else(|| {
        terminal
            .then(|| crossterm::terminal::size().ok().map(|(w, _)| w))
            .flatten()
            .unwrap_or(80)
    });
    let source = crate::api::at_lab(&lesson.source, args.lab_url.as_deref());
    let rendered = markdown::render(&source, width, &RenderOptions { color: styled });
    let lines = if styled {
        markdown::ansi_lines(&rendered.text)
    } else {
        markdown::plain_lines(&rendered.text)
    };
    let mut out = std::io::stdout().lock();
    for line in lines {
        writeln!(out, "{line}")?;
    }
    Ok(0)
}

/// Lists every problem in the course as `file:line:col: field: message`; exit 1 if any.
pub fn check_command(course: Option<&Path>) -> anyhow::Result<i32> {
    let diagnostics = Course::check(course)?;
    let loaded = Course::load(course).ok();
    let mut out = std::io::stdout().lock();
    for d in &diagnostics {
        writeln!(out, "{d}")?;
    }
    if diagnostics.is_empty() {
        let (lessons, problems) = loaded.map_or((0, 0), |c| (c.lessons.len(), c.problems.len()));
        writeln!(out, "course ok: {lessons} lessons, {problems} problems")?;
        Ok(0)
    } else {
        let n = diagnostics.len();
        writeln!(
            out,
            "course check: {n} error{}",
            if n == 1 { "" } else { "s" }
        )?;
        Ok(1)
    }
}
