//! Where the grader gets problems and lesson names from.
//!
//! A stand-in until `course::Course::load` lands: everything that reads course files goes
//! through the functions here, so switching to the course loader is a change in one place.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::course::problem::Problem;

/// The course folder: `--course DIR`, else the one shipped with the crate.
fn course_root(course: Option<&Path>) -> PathBuf {
    course.map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        Path::to_path_buf,
    )
}

/// Load `problems/<id>.toml` and check its rubric patterns compile.
pub fn load_problem(course: Option<&Path>, id: &str) -> anyhow::Result<Problem> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        anyhow::bail!(
            "`{id}` is not a problem id (letters, digits and dashes, e.g. disappearing-login)"
        );
    }
    let dir = course_root(course).join("problems");
    let path = dir.join(format!("{id}.toml"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let known = problem_ids(course).unwrap_or_default().join(", ");
            anyhow::bail!("no problem `{id}` in {} (known: {known})", dir.display());
        }
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    let mut problem: Problem =
        toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    problem.id = id.to_string();
    let errors = super::rubric::check_patterns(&problem.rubric);
    if let Some(first) = errors.first() {
        anyhow::bail!(
            "{}: {first} ({} bad pattern(s) in all)",
            path.display(),
            errors.len()
        );
    }
    Ok(problem)
}

/// Ids of every problem in the course, sorted.
pub fn problem_ids(course: Option<&Path>) -> anyhow::Result<Vec<String>> {
    stems(&course_root(course).join("problems"), "toml")
}

/// Every problem in the course, in id order.
pub fn load_problems(course: Option<&Path>) -> anyhow::Result<Vec<Problem>> {
    problem_ids(course)?
        .iter()
        .map(|id| load_problem(course, id))
        .collect()
}

/// Lesson file stems, sorted; empty when the course has no lessons folder yet.
pub fn lesson_ids(course: Option<&Path>) -> Vec<String> {
    stems(&course_root(course).join("lessons"), "md").unwrap_or_default()
}

fn stems(dir: &Path, ext: &str) -> anyhow::Result<Vec<String>> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == ext)
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            out.push(stem.to_string());
        }
    }
    out.sort();
    Ok(out)
}
