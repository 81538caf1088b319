//! The course looked up by id, for the commands that need one problem or the list of ids
//! (`answer`, `hint`, `progress`, `report`): the embedded course, or `--course DIR`.

use std::path::Path;

use anyhow::Context;

use super::Course;
use super::problem::Problem;

fn load(course: Option<&Path>) -> anyhow::Result<Course> {
    Course::load(course).context("loading the course")
}

/// The problem `id`, its rubric compiled (loading the course compiles every rubric).
pub fn load_problem(course: Option<&Path>, id: &str) -> anyhow::Result<Problem> {
    let c = load(course)?;
    let Some(problem) = c.problem(id) else {
        let known: Vec<&str> = c.problems.iter().map(|p| p.id.as_str()).collect();
        anyhow::bail!("no problem `{id}` (known: {})", known.join(", "));
    };
    Ok(problem.clone())
}

/// Ids of every problem, in course order.
pub fn problem_ids(course: Option<&Path>) -> anyhow::Result<Vec<String>> {
    Ok(load(course)?
        .problems
        .iter()
        .map(|p| p.id.clone())
        .collect())
}

/// Every problem, in course order.
pub fn load_problems(course: Option<&Path>) -> anyhow::Result<Vec<Problem>> {
    Ok(load(course)?.problems)
}

/// Lesson ids (file stems), in course order; empty if the course cannot be loaded.
pub fn lesson_ids(course: Option<&Path>) -> Vec<String> {
    load(course)
        .map(|c| c.lessons.iter().map(|l| l.id.clone()).collect())
        .unwrap_or_default()
}
