//! `course check` on fixture courses: the exact `file:line:col: field: message` lines.

use std::path::Path;
use std::process::Command;

use forgetful::course::Course;

const BROKEN: &str = "tests/fixtures/course-broken";
const GOOD: &str = "tests/fixtures/course-good";

#[test]
fn a_clean_course_has_no_diagnostics() {
    let found = Course::check(Some(Path::new(GOOD))).unwrap();
    assert!(found.is_empty(), "{found:#?}");
    let course = Course::load(Some(Path::new(GOOD))).unwrap();
    assert_eq!(course.lessons.len(), 3);
    assert_eq!(course.problem("sample-problem").unwrap().hints.len(), 2);
}

#[test]
fn lessons_are_found_by_stem_or_number() {
    let course = Course::load(Some(Path::new(GOOD))).unwrap();
    for key in ["2", "02", "02-diagrams", "02-diagrams.md"] {
        assert_eq!(
            course.lesson(key).map(|l| l.title.as_str()),
            Some("Diagrams"),
            "{key}"
        );
    }
    assert!(course.lesson("9").is_none());
}

#[test]
fn every_problem_in_a_broken_course_is_listed_with_its_position() {
    let found: Vec<String> = Course::check(Some(Path::new(BROKEN)))
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    let expected = [
        "lessons/01-broken.md:5:14: mermaid: expected an edge: `-->` or `-- text -->`",
        "lessons/01-broken.md:9:1: mermaid: `pie` is not supported: use `flowchart TD`, `flowchart LR` or `sequenceDiagram`",
        "lessons/01-broken.md:14:1: request: unknown method `FETCH` (expected one of GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)",
        "lessons/01-broken.md:19:1: request: malformed header: expected `Name: value`",
        "lessons/01-broken.md:22:5: link: links to lesson `07-missing`, which does not exist",
        "lessons/01-broken.md:25:1: predict: a prediction has 2 to 4 choices, not 1",
        "lessons/02-untitled.md:1:1: title: the lesson has no `# ` heading",
        "lessons/02-untitled.md:1:1: predict: the lesson has no prediction (a ```predict block before a request or an explanation)",
        "lessons/notes.md:1:1: file name: lesson files are named NN-slug.md (a number, a dash, a name)",
        "problems/bad-refs.toml:2:9: check: unknown check `forget-everything` (built-in: disappearing-login, where-state-goes, logout-now, stale-role)",
        "problems/bad-refs.toml:3:25: lessons[1]: no lesson `09-nowhere` in lessons/",
        "problems/bad-refs.toml:13:13: rubric.concepts[0].patterns[0]: pattern does not compile: unclosed group",
        "problems/bad-refs.toml:18:13: rubric.misconceptions[0].patterns[0]: pattern does not compile: invalid character class range, the start must be <= the end",
        "problems/bad-shape.toml:4:12: question: expected a string, found integer",
        "problems/bad-shape.toml:6:1: colour: unknown field (expected one of: title, check, lessons, statement, question, model_answer, hints, rubric)",
        "problems/bad-shape.toml:8:1: hints[0].text: missing field (expected a string)",
        "problems/bad-shape.toml:12:13: rubric.min_words: expected a whole number, found a negative integer",
        "problems/bad-step.toml:13:8: hints[1].step: `nonexistent-step` is not a step of check `disappearing-login` (its steps: reproduced, fixed)",
        "problems/bad-step.toml:17:1: rubric.concepts[0].match: nothing to match: give `match` (word groups) or `patterns`",
        "problems/bad-syntax.toml:1:18: toml: invalid basic string, expected `\"`",
        // An unknown field does not hide what else is wrong with the file.
        "problems/bad-unknown-field.toml:2:9: check: unknown check `remember-everything` (built-in: disappearing-login, where-state-goes, logout-now, stale-role)",
        "problems/bad-unknown-field.toml:3:1: difficulty: unknown field (expected one of: title, check, lessons, statement, question, model_answer, hints, rubric)",
        "problems/bad-unknown-field.toml:13:13: rubric.concepts[0].patterns[0]: pattern does not compile: unclosed group",
        "problems/bad-unknown-field.toml:15:1: rubric.concepts[0].hue: unknown field (expected one of: id, label, required, match, scope, not_with, span, phrases, patterns, ask)",
    ];
    let expected: Vec<String> = expected.iter().map(|e| format!("{BROKEN}/{e}")).collect();
    assert_eq!(found, expected);
}

#[test]
fn load_fails_on_the_first_broken_file() {
    let err = Course::load(Some(Path::new(BROKEN))).unwrap_err();
    assert!(err.to_string().starts_with(BROKEN), "{err}");
}

fn forgetful(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

/// The shipped course (lessons, problems, course.toml) copied into `to`, for an author's edits.
fn copy_course(to: &std::path::Path) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["lessons", "problems"] {
        std::fs::create_dir_all(to.join(dir)).unwrap();
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, to.join(dir).join(path.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(root.join("course.toml"), to.join("course.toml")).unwrap();
}

#[test]
fn the_check_command_exits_1_with_diagnostics_and_0_when_clean() {
    let out = forgetful(&["course", "check", "--course", BROKEN]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 25);
    assert_eq!(stdout.lines().last(), Some("course check: 24 errors"));

    let out = forgetful(&["course", "check", "--course", GOOD]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "course ok: 3 lessons, 1 problems\n"
    );
}

#[test]
fn read_prints_plain_text_into_a_pipe_within_the_width() {
    let out = forgetful(&["read", "1", "--width", "40", "--course", GOOD]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains('\x1b'));
    assert!(stdout.starts_with("Basics of the fixture course\n"));
    assert!(
        stdout
            .lines()
            .all(|l| unicode_width::UnicodeWidthStr::width(l) <= 40)
    );
}

#[test]
fn read_names_the_available_lessons_when_one_is_unknown() {
    let out = forgetful(&["read", "nope", "--course", GOOD]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        "forgetful: no lesson `nope`; available: 01-basics, 02-diagrams, 03-requests\n"
    );
}

/// A course folder names its format; a missing or newer one is refused with a clear error.
#[test]
fn course_folders_carry_a_format_version() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("lessons")).unwrap();
    let err = Course::load(Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains("format_version = 1"), "{err}");
    std::fs::write(dir.path().join("course.toml"), "format_version = 2\n").unwrap();
    let err = Course::load(Some(dir.path())).unwrap_err().to_string();
    assert!(err.contains("newer than this forgetful reads"), "{err}");
    std::fs::write(dir.path().join("course.toml"), "format_version = 1\n").unwrap();
    assert!(Course::load(Some(dir.path())).is_ok());
}

/// The course the binary ships is checked like any other: CI fails on a broken lesson.
#[test]
fn the_embedded_course_checks_clean() {
    let found: Vec<String> = Course::check(None)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

// Lesson 13 quotes the lab's lifetimes: the refresh token's (`refresh_expires_in`) and the
// access token's default. They must be the lab's own numbers.
#[test]
fn lesson_13_quotes_the_labs_lifetimes() {
    let course = forgetful::course::Course::load(None).unwrap();
    let lesson = course
        .lesson("13-short-lived-tokens-and-refresh")
        .expect("lesson 13");
    let sec = forgetful::api::LabSecurity::default();
    assert!(
        lesson
            .source
            .contains(&format!("{} seconds", sec.refresh_ttl_secs)),
        "refresh_expires_in is {}",
        sec.refresh_ttl_secs
    );
    assert!(
        lesson
            .source
            .contains(&format!("lab: {} h", sec.refresh_ttl_secs / 3600))
    );
    assert!(
        lesson
            .source
            .contains(&format!("lab: {} s", sec.token_ttl_secs))
    );
}

#[test]
fn the_typos_command_lists_misspellings_read_as_rubric_words_and_not_real_words() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("answers.jsonl");
    let line = |id: &str, text: &str| {
        format!(
            "{{\"id\":\"{id}\",\"problem\":\"disappearing-login\",\"text\":\"{text}\",\"label\":\"pass\"}}\n"
        )
    };
    std::fs::write(
        &corpus,
        line("t-1", "The sesion sat in one replcia's memory.")
            + &line(
                "t-2",
                "The sesion was gone. After restart it was lost; were the replicas told?",
            )
            // "office" is another word than the rubric's "officer", read through their
            // shared stem; "stored" is only a form of "store".
            + &line("t-3", "The main office stored it."),
    )
    .unwrap();
    let out = forgetful(&["course", "typos", corpus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.starts_with("disappearing-login\n"), "{stdout}");
    assert!(stdout.contains("    2  sesion -> session"), "{stdout}");
    assert!(stdout.contains("replcia -> replica"), "{stdout}");
    // Everyday words are read as themselves, never as a rubric word one edit away.
    assert!(
        !stdout.contains("after ->") && !stdout.contains("were ->"),
        "{stdout}"
    );
    assert!(stdout.contains("`real_words` under [rubric]"), "{stdout}");
    assert!(stdout.contains("same stem, another word:"), "{stdout}");
    assert!(stdout.contains("    1  office => officer"), "{stdout}");
    assert!(!stdout.contains("stored =>"), "{stdout}");

    // An author keeps a word as itself in the problem's own file, no rebuild: a copy of
    // the course whose disappearing-login lists "sesion" no longer reads it as "session".
    let course = dir.path().join("course");
    copy_course(&course);
    let file = course.join("problems/disappearing-login.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    // Added to the problem's list of real words, or as a new list if it has none.
    let text = if text.contains("real_words = [") {
        text.replacen("real_words = [", "real_words = [\"sesion\", ", 1)
    } else {
        text.replacen(
            "[rubric.words]",
            "real_words = [\"sesion\"]\n\n[rubric.words]",
            1,
        )
    };
    assert!(
        text.contains("\"sesion\""),
        "the problem file took \"sesion\" as a real word"
    );
    std::fs::write(&file, text).unwrap();
    let out = forgetful(&[
        "--course",
        course.to_str().unwrap(),
        "course",
        "typos",
        corpus.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains("sesion ->"), "{stdout}");
    assert!(stdout.contains("replcia -> replica"), "{stdout}");
}

/// `forgetful answer … --json | head -c 50`: a reader that stops early closes the pipe, and
/// the grader must not panic on its output; the exit code still says pass or not.
#[test]
fn an_answer_printed_into_a_closed_pipe_does_not_panic() {
    use std::io::Write;
    use std::process::Stdio;
    let data = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args(["answer", "logout-now", "--file", "-", "--json"])
        .env("FORGETFUL_DATA_DIR", data.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reading end is gone before the answer is even sent, so the first write fails.
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"tokens are harder to log out").unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?} {stderr}",
        out.status
    );
}

/// `forgetful progress --json | head -1`, `forgetful report | head`: the same for the
/// commands that print a learner's record, which once printed with `println!` and panicked.
#[test]
fn progress_and_report_printed_into_a_closed_pipe_do_not_panic() {
    use std::process::Stdio;
    let data = tempfile::tempdir().unwrap();
    for args in [
        &["progress", "--json"][..],
        &["progress"],
        &["report"],
        &["report", "--format", "json"],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_forgetful"))
            .args(args)
            .env("FORGETFUL_DATA_DIR", data.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}
