//! The learner's record (placeholder until grading lands).
use std::path::Path;

use crate::cli::{ProgressArgs, ResetArgs};

pub fn progress_command(_a: &ProgressArgs, _d: &Path, _c: Option<&Path>) -> anyhow::Result<i32> {
    anyhow::bail!("`forgetful progress` is not built yet")
}
pub fn reset_command(_a: &ResetArgs, _d: &Path) -> anyhow::Result<i32> {
    anyhow::bail!("`forgetful reset` is not built yet")
}
