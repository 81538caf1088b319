//! Where course files come from: embedded in the binary, or a folder given with `--course`.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::CourseError;

static LESSONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/lessons");
static PROBLEMS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/problems");

/// A course file's path (as shown in messages) and text.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Lesson (`.md`) and problem (`.toml`) files, each list sorted by file name.
pub(crate) fn read(dir: Option<&Path>) -> Result<(Vec<SourceFile>, Vec<SourceFile>), CourseError> {
    match dir {
        None => Ok((
            embedded(&LESSONS, "lessons", "md")?,
            embedded(&PROBLEMS, "problems", "toml")?,
        )),
        Some(dir) => {
            if !dir.join("lessons").is_dir() {
                return Err(CourseError::NotACourse(dir.to_path_buf()));
            }
            Ok((
                from_disk(&dir.join("lessons"), "md")?,
                from_disk(&dir.join("problems"), "toml")?,
            ))
        }
    }
}

fn embedded(dir: &Dir<'static>, name: &str, ext: &str) -> Result<Vec<SourceFile>, CourseError> {
    let mut files = Vec::new();
    for file in dir.files() {
        if file.path().extension().is_some_and(|e| e == ext) {
            let path = Path::new(name).join(file.path());
            let text = file
                .contents_utf8()
                .ok_or_else(|| CourseError::NotUtf8(path.clone()))?
                .to_string();
            files.push(SourceFile { path, text });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// A missing folder is an empty one (a course may have no problems yet).
fn from_disk(dir: &Path, ext: &str) -> Result<Vec<SourceFile>, CourseError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(CourseError::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| CourseError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if path.is_file() && path.extension().is_some_and(|e| e == ext) {
            let bytes = std::fs::read(&path).map_err(|source| CourseError::Io {
                path: path.clone(),
                source,
            })?;
            let text = String::from_utf8(bytes).map_err(|_| CourseError::NotUtf8(path.clone()))?;
            files.push(SourceFile { path, text });
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
