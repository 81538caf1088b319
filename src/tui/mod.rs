//! The terminal app (placeholder until it lands).
use std::path::Path;

pub fn run(
    _lab: &crate::cli::LabArgs,
    _url: Option<&str>,
    _data_dir: &Path,
    _course: Option<&Path>,
) -> anyhow::Result<i32> {
    anyhow::bail!("the terminal app is not built yet; try `forgetful serve`")
}
