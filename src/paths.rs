//! Where forgetful keeps its files: one data directory, XDG_DATA_HOME respected.

use std::path::PathBuf;

/// `--data-dir`, else `$FORGETFUL_DATA_DIR`, else the platform data dir
/// (`$XDG_DATA_HOME/forgetful` or `~/.local/share/forgetful` on Linux).
pub fn data_dir(explicit: Option<&std::path::Path>) -> PathBuf {
    if let Some(p) = explicit {
        return p.to_path_buf();
    }
    if let Some(p) = std::env::var_os("FORGETFUL_DATA_DIR").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("", "", "forgetful")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".forgetful"))
}
