//! Grading (placeholder until grading lands).
use std::path::Path;

use crate::cli::{AnswerArgs, CheckArgs, HintArgs, ReportArgs};

pub fn check_command(_a: &CheckArgs, _d: &Path, _c: Option<&Path>) -> anyhow::Result<i32> {
    anyhow::bail!("`forgetful check` is not built yet")
}
pub fn answer_command(_a: &AnswerArgs, _d: &Path, _c: Option<&Path>) -> anyhow::Result<i32> {
    anyhow::bail!("`forgetful answer` is not built yet")
}
pub fn hint_command(_a: &HintArgs, _d: &Path, _c: Option<&Path>) -> anyhow::Result<i32> {
    anyhow::bail!("`forgetful hint` is not built yet")
}
pub fn report_command(_a: &ReportArgs, _d: &Path, _c: Option<&Path>) -> anyhow::Result<i32> {
    anyhow::bail!("`forgetful report` is not built yet")
}
pub mod checks;
