//! The progress file: round trip, crash safety, corrupt and newer files.

use std::process::Command;
use std::time::Duration;

use crate::common::{TempDir, file_names};
use forgetful::grade::rubric::grade;
use forgetful::progress::{FORMAT_VERSION, Progress, ProgressError};

fn sample() -> Progress {
    let problem = forgetful::grade::load_problem(None, "logout-now").unwrap();
    let mut p = Progress::default();
    p.mark_read("04-sessions");
    p.set_position("05-tokens", 42);
    p.record_service_pass(
        "logout-now",
        vec!["12:00:01 c 401 GET /orders (attacker)".into()],
    );
    let verdict = grade(&problem, "Denylist.");
    p.record_answer(
        "logout-now",
        "Denylist.",
        verdict.record_outcome(),
        &verdict.message,
    );
    p.save_draft("logout-now", "half a thought");
    p.use_hint("logout-now", 4);
    p.set_check_mark("logout-now", "run-1", 17);
    p
}

// Files written before the record had its own answer type kept the grader's whole verdict;
// they still load, keeping its outcome and message.
#[test]
fn an_older_file_with_whole_verdicts_still_loads() {
    let dir = TempDir::new("oldverdict");
    let old = r#"{"version":1,"problems":{"logout-now":{"answer":{"last":{
        "text":"Denylist.","at":"2026-11-01T10:00:00Z",
        "verdict":{"outcome":"partial","concepts":[],"misconceptions":[],"message":"Partly right."}}}}}}"#;
    std::fs::write(dir.path().join("progress.json"), old).unwrap();
    let p = Progress::load(dir.path()).unwrap();
    let last = p
        .problem("logout-now")
        .unwrap()
        .answer
        .last
        .clone()
        .unwrap();
    assert_eq!(last.outcome, forgetful::progress::AnswerOutcome::Partial);
    assert_eq!(last.message, "Partly right.");
    assert_eq!(last.text, "Denylist.");
}

#[test]
fn round_trip() {
    let dir = TempDir::new("roundtrip");
    let p = sample();
    p.save(dir.path()).unwrap();
    let back = Progress::load(dir.path()).unwrap();
    assert_eq!(back, p);
    assert_eq!(back.check_mark("logout-now", "run-1"), Some(17));
    assert_eq!(back.problem("logout-now").unwrap().hints_used, 1);
}

#[test]
fn missing_file_is_a_fresh_start() {
    let dir = TempDir::new("missing");
    assert_eq!(Progress::load(dir.path()).unwrap(), Progress::default());
}

#[test]
fn corrupt_file_is_kept_aside_not_reset_silently() {
    let dir = TempDir::new("corrupt");
    let garbage = "{\"version\": 1, \"problems\": {\"x\": tru";
    std::fs::write(dir.path().join("progress.json"), garbage).unwrap();
    let (progress, moved) = Progress::load_recovering(dir.path()).unwrap();
    let moved = moved.expect("reported as moved aside");
    assert_eq!(progress, Progress::default());
    let name = moved.to.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("progress.json.corrupt-"), "{name}");
    assert_eq!(std::fs::read_to_string(&moved.to).unwrap(), garbage);
    assert_eq!(file_names(dir.path()), [name]);
}

#[test]
fn newer_version_is_refused_and_left_alone() {
    let dir = TempDir::new("newer");
    let path = dir.path().join("progress.json");
    let future = format!(
        "{{\"version\": {}, \"something_new\": [1, 2]}}",
        FORMAT_VERSION + 1
    );
    std::fs::write(&path, &future).unwrap();
    let err = Progress::load(dir.path()).unwrap_err();
    assert!(
        matches!(err, ProgressError::NewerVersion { found, .. } if found == u64::from(FORMAT_VERSION) + 1)
    );
    assert!(err.to_string().contains("newer forgetful"), "{err}");
    assert!(Progress::update(dir.path(), |p| p.mark_read("01")).is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), future);
    // Nothing written beside it either, apart from the writers' lock file.
    assert_eq!(file_names(dir.path()), ["progress.json", "progress.lock"]);
}

const CHILD_ENV: &str = "FORGETFUL_TEST_WRITER_DIR";

/// Two versions big enough that a write takes a while, so kills land mid-write.
fn version(n: usize) -> Progress {
    let mut p = Progress::default();
    p.save_draft("disappearing-login", &format!("{n}").repeat(400_000));
    p.mark_read(&format!("lesson-{n}"));
    p
}

/// Run by `killed_mid_write_leaves_old_or_new` in a child process: save forever.
#[test]
#[ignore = "a helper: runs only as the child of killed_mid_write_leaves_old_or_new"]
fn writer_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let (a, b) = (version(1), version(2));
    loop {
        a.save(&dir).unwrap();
        b.save(&dir).unwrap();
    }
}

#[test]
fn killed_mid_write_leaves_old_or_new() {
    let dir = TempDir::new("killed");
    version(1).save(dir.path()).unwrap();
    let (a, b) = (version(1), version(2));
    let path = dir.path().join("progress.json");
    for round in 0..6 {
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "progress_store::writer_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until the child has written once (an event, not a guess at how long it takes
        // to start under load), then let it run a little longer, more each round, so the
        // kill lands at different points of a write.
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::fs::metadata(&path).unwrap().modified().unwrap() == before {
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: the child never wrote within 20 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(7 * round));
        child.kill().unwrap(); // SIGKILL on Unix: no destructor, no cleanup
        child.wait().unwrap();
        let after = std::fs::metadata(&path).unwrap().modified().unwrap();
        assert_ne!(
            before, after,
            "round {round}: the child never wrote, so nothing was tested"
        );
        let (now, moved) = Progress::load_recovering(dir.path()).unwrap();
        assert!(moved.is_none(), "round {round}: the file was torn");
        assert!(
            now == a || now == b,
            "round {round}: neither the old nor the new version"
        );
    }
}

#[test]
fn concurrent_updates_are_not_lost() {
    // Four writers (as the app and `forgetful check` can be) each record 25 hints.
    let dir = TempDir::new("concurrent");
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let d = dir.path().to_path_buf();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    Progress::update(&d, |p| p.use_hint("disappearing-login", 1000)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let p = Progress::load(dir.path()).unwrap();
    assert_eq!(p.problem("disappearing-login").unwrap().hints_used, 100);
}
