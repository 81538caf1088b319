//! The lab service (placeholder).
use std::path::Path;
pub fn serve_command(_a: &crate::cli::LabArgs, _d: &Path) -> anyhow::Result<i32> {
    anyhow::bail!("not yet")
}
