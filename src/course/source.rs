//! Where course files come from: embedded in the binary, or a folder given with `--course`.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::CourseError;

static LESSONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/lessons");
static PROBLEMS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/problems");
static COURSE_TOML: &str = include_str!("../../course.toml");

/// The course format this build reads (`format_version` in a folder's `course.toml`).
pub const FORMAT_VERSION: u32 = 1;

#[derive(serde::Deserialize)]
struct CourseFile {
    format_version: u32,
}

/// A course folder says which format it is written in; a newer one is refused, clearly.
fn check_version(path: &Path, text: Option<&str>) -> Result<(), CourseError> {
    let missing = || CourseError::NoFormatVersion(path.to_path_buf());
    let text = text.ok_or_else(missing)?;
    let file: CourseFile = toml::from_str(text).map_err(|_| missing())?;
    if file.format_version > FORMAT_VERSION {
        return Err(CourseError::NewerFormat {
            path: path.to_path_buf(),
            found: file.format_version,
            supported: FORMAT_VERSION,
        });
    }
    Ok(())
}

/// A course file's path (as shown in messages) and text.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

/// Lesson (`.md`) and problem (`.toml`) files, each list sorted by file name.
pub(crate) fn read(dir: Option<&Path>) -> Result<(Vec<SourceFile>, Vec<SourceFile>), CourseError> {
    match dir {
        None => {
            check_version(Path::new("course.toml"), Some(COURSE_TOML))?;
            Ok((
                embedded(&LESSONS, "lessons", "md")?,
                embedded(&PROBLEMS, "problems", "toml")?,
            ))
        }
        Some(dir) => {
            if !dir.join("lessons").is_dir() {
                return Err(CourseError::NotACourse(dir.to_path_buf()));
            }
            let path = dir.join("course.toml");
            check_version(&path, std::fs::read_to_string(&path).ok().as_deref())?;
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
