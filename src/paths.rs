//! Where forgetful keeps its files: one data directory, XDG_DATA_HOME respected.

use std::path::PathBuf;

/// The file in the data dir that names the running lab's balancer URL, so that
/// `forgetful check` (and every command) finds the app's lab on whatever port it got.
pub const LAB_URL_FILE: &str = "lab.url";

/// Says where this process's lab listens (best effort: a failure only costs the lookup).
pub fn publish_lab_url(data_dir: &std::path::Path, url: &str) {
    if let Err(e) = std::fs::write(data_dir.join(LAB_URL_FILE), format!("{url}\n")) {
        tracing::warn!(
            "could not publish the lab's URL in {}: {e}",
            data_dir.display()
        );
    }
}

/// The file beside `lab.url` holding the lab's source key (readable by this user only).
pub const LAB_KEY_FILE: &str = "lab.key";

/// Lets `forgetful check`, run by the same user, tag its probes `grader` believably.
pub fn publish_lab_key(data_dir: &std::path::Path, key: &str) {
    let path = data_dir.join(LAB_KEY_FILE);
    let written = (|| {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        opts.open(&path)?.write_all(key.as_bytes())
    })();
    if let Err(e) = written {
        tracing::warn!(
            "could not publish the lab's key in {}: {e}",
            data_dir.display()
        );
    }
}

/// The key the lab at `url` published in this data dir, if it is that lab's.
pub fn published_lab_key(data_dir: &std::path::Path, url: &str) -> Option<String> {
    (published_lab_url(data_dir).as_deref() == Some(url))
        .then(|| std::fs::read_to_string(data_dir.join(LAB_KEY_FILE)).ok())
        .flatten()
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

/// The URL a running app or `serve` published, if any.
pub fn published_lab_url(data_dir: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(data_dir.join(LAB_URL_FILE)).ok()?;
    let url = text.trim();
    url.starts_with("http://").then(|| url.to_string())
}

/// Takes the URL back on the way out, unless another lab has published its own since.
pub fn unpublish_lab_url(data_dir: &std::path::Path, url: &str) {
    if published_lab_url(data_dir).as_deref() == Some(url) {
        let _ = std::fs::remove_file(data_dir.join(LAB_URL_FILE));
        let _ = std::fs::remove_file(data_dir.join(LAB_KEY_FILE));
    }
}

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
