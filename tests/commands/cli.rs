//! The real binary: answer, hint, progress, reset, report, with a temporary data dir.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::common::{TempDir, file_names};

const GOOD: &str = "In local mode each replica keeps its sessions in its own memory, so only replica a \
knew my login. The balancer sent the next request to replica b, which had never seen the sid and \
answered 401. Shared mode fixes it because the session lives in one store that every replica reads.";

fn run(data: &TempDir, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .arg("--data-dir")
        .arg(data.path())
        .args(args)
        .env_remove("FORGETFUL_DATA_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run forgetful");
    let mut pipe = child.stdin.take().unwrap();
    // The command may exit before reading (an unknown problem): a broken pipe is fine.
    let _ = pipe.write_all(stdin.unwrap_or("").as_bytes());
    drop(pipe);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn progress_json(data: &TempDir) -> serde_json::Value {
    let o = run(data, &["progress", "--json"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).expect("progress --json is JSON")
}

#[test]
fn answer_passes_from_stdin_and_is_recorded() {
    let data = TempDir::new("cli-answer");
    let o = run(
        &data,
        &["answer", "disappearing-login", "--file", "-"],
        Some(GOOD),
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("Pass"), "{out}");
    assert!(out.contains("A model answer"), "{out}");
    let p = progress_json(&data);
    let answer = &p["problems"]["disappearing-login"]["answer"];
    assert_eq!(answer["last"]["outcome"], "pass");
    assert_eq!(answer["last"]["text"], GOOD);
    assert!(answer["passed_at"].is_string());
}

#[test]
fn answer_not_yet_exits_1_and_shows_the_way_not_the_answer() {
    let data = TempDir::new("cli-notyet");
    let file = data.path().join("answer.txt");
    std::fs::write(&file, "The cookie expired after the first request, so the next one was refused with a 401 by the server.").unwrap();
    let o = run(
        &data,
        &[
            "answer",
            "disappearing-login",
            "--file",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.starts_with("Not yet"), "{out}");
    assert!(
        out.contains("The cookie did not expire"),
        "misconception feedback: {out}"
    );
    assert!(
        out.contains("Who decides which replica answers"),
        "missing concept as a question: {out}"
    );
    assert!(!out.contains("model answer"), "{out}");
    assert_eq!(
        progress_json(&data)["problems"]["disappearing-login"]["answer"]["last"]["outcome"],
        "not-yet"
    );
}

#[test]
fn answer_to_unknown_problem_fails_clearly() {
    let data = TempDir::new("cli-unknown");
    let o = run(
        &data,
        &["answer", "no-such-problem", "--file", "-"],
        Some("x"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no problem `no-such-problem`"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("logout-now"),
        "lists the known ones: {}",
        stderr(&o)
    );
}

#[test]
fn hints_are_numbered_recorded_and_repeat_the_last() {
    let data = TempDir::new("cli-hint");
    for n in 1..=4 {
        let o = run(&data, &["hint", "logout-now"], None);
        assert_eq!(o.status.code(), Some(0));
        assert!(
            stdout(&o).contains(&format!("hint {n} of 4")),
            "{}",
            stdout(&o)
        );
    }
    let o = run(&data, &["hint", "logout-now"], None);
    let out = stdout(&o);
    assert!(
        out.contains("seen all 4 hints") && out.contains("hint 4 of 4"),
        "{out}"
    );
    assert_eq!(
        progress_json(&data)["problems"]["logout-now"]["hints_used"],
        4
    );
}

#[test]
fn progress_summary_shows_each_half() {
    let data = TempDir::new("cli-progress");
    run(
        &data,
        &["answer", "disappearing-login", "--file", "-"],
        Some(GOOD),
    );
    run(&data, &["hint", "where-state-goes"], None);
    let o = run(&data, &["progress"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let line = |id: &str| {
        out.lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} in {out}"))
            .to_string()
    };
    assert!(
        line("disappearing-login").contains("service ✗  answer ✓"),
        "{out}"
    );
    assert!(line("where-state-goes").contains("hints 1/4"), "{out}");
    assert!(line("logout-now").contains("answer -"), "{out}");
}

#[test]
fn reset_one_problem_asks_first() {
    let data = TempDir::new("cli-reset-one");
    run(&data, &["hint", "logout-now"], None);
    run(&data, &["hint", "where-state-goes"], None);
    let o = run(&data, &["reset", "logout-now"], Some("no\n"));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("Type yes"), "{}", stderr(&o));
    assert_eq!(
        progress_json(&data)["problems"]["logout-now"]["hints_used"],
        1
    );
    let o = run(&data, &["reset", "logout-now"], Some("yes\n"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let p = progress_json(&data);
    assert!(p["problems"].get("logout-now").is_none());
    assert_eq!(p["problems"]["where-state-goes"]["hints_used"], 1);
}

#[test]
fn reset_of_an_unknown_problem_fails_and_lists_the_known_ones() {
    let data = TempDir::new("cli-reset-unknown");
    run(&data, &["hint", "logout-now"], None);
    let o = run(&data, &["reset", "nope", "--yes"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    // The course's own list, in order (it grows as problems are added).
    let known = forgetful::course::problem_ids(None).unwrap();
    assert_eq!(
        &known[..3],
        ["disappearing-login", "where-state-goes", "logout-now"]
    );
    assert_eq!(
        stderr(&o),
        format!(
            "forgetful: no problem `nope` (known: {})\n",
            known.join(", ")
        )
    );
    assert_eq!(stdout(&o), "");
    assert_eq!(
        progress_json(&data)["problems"]["logout-now"]["hints_used"],
        1
    );

    // A known problem with nothing recorded is not an error.
    let o = run(&data, &["reset", "where-state-goes", "--yes"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), "Nothing was recorded for where-state-goes.\n");
}

#[test]
fn reset_everything_keeps_a_backup() {
    let data = TempDir::new("cli-reset-all");
    run(&data, &["hint", "logout-now"], None);
    let before = std::fs::read_to_string(data.path().join("progress.json")).unwrap();
    let o = run(&data, &["reset", "--yes"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let names = file_names(data.path());
    let backup = names
        .iter()
        .find(|n| n.starts_with("progress.json.backup-"))
        .expect("backup kept");
    assert_eq!(
        std::fs::read_to_string(data.path().join(backup)).unwrap(),
        before
    );
    assert_eq!(progress_json(&data)["problems"], serde_json::json!({}));
}

#[test]
fn report_md_and_json() {
    let data = TempDir::new("cli-report");
    run(
        &data,
        &["answer", "disappearing-login", "--file", "-"],
        Some(GOOD),
    );
    run(&data, &["hint", "logout-now"], None);
    let o = run(&data, &["report"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(
        md.contains("## The disappearing login (`disappearing-login`)"),
        "{md}"
    );
    assert!(md.contains("> In local mode each replica"), "{md}");
    assert!(
        md.contains("- [x] the login lived only in the memory"),
        "{md}"
    );
    assert!(md.contains("Hints used: 1 of 4."), "{md}");

    // The pass comes first, with the answer that passed and all its boxes ticked.
    let written = md
        .split("### Written answer")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    assert!(written.starts_with("\n\n**Passed** at "), "{written}");
    assert!(
        written.contains("The passing answer:\n\n> In local mode"),
        "{written}"
    );
    assert!(!written.contains("Latest submission"), "{written}");

    let out = data.path().join("report.json");
    let o = run(
        &data,
        &["report", "--format", "json", "--out", out.to_str().unwrap()],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(
        problems.len(),
        forgetful::course::problem_ids(None).unwrap().len()
    );
    let dl = problems
        .iter()
        .find(|p| p["id"] == "disappearing-login")
        .unwrap();
    assert_eq!(dl["answer"]["outcome"], "pass");
    assert!(dl["service"].is_null());
}

/// A partly right answer after the pass does not make the report read as not passed.
#[test]
fn report_states_the_pass_before_a_later_weaker_answer() {
    let data = TempDir::new("cli-report-later");
    run(
        &data,
        &["answer", "disappearing-login", "--file", "-"],
        Some(GOOD),
    );
    let later = "Each replica keeps its sessions in its own memory, so the other replicas \
                 did not know about my login at all here.";
    let o = run(
        &data,
        &["answer", "disappearing-login", "--file", "-"],
        Some(later),
    );
    assert!(stdout(&o).starts_with("Partly right"), "{}", stdout(&o));
    let md = stdout(&run(&data, &["report"], None));
    let written = md
        .split("### Written answer")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let pass = written.find("**Passed** at ").expect("states the pass");
    let passing = written
        .find("> In local mode each replica")
        .expect("passing answer");
    let latest = written
        .find("#### Latest submission (after passing)")
        .expect("labels the later answer");
    let later_text = written.find("> Each replica keeps").expect("later answer");
    assert!(
        pass < passing && passing < latest && latest < later_text,
        "{written}"
    );
    assert!(written.contains("the pass above stands"), "{written}");
    assert!(
        written[..latest].contains(
            "- [x] the balancer sends later requests to replicas that have no record of it"
        ),
        "{written}"
    );

    let o = run(&data, &["report", "--format", "json"], None);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let dl = &json["problems"][0];
    assert_eq!(dl["id"], "disappearing-login");
    assert_eq!(dl["answer_passed"]["outcome"], "pass");
    assert_eq!(dl["answer"]["outcome"], "partial");
}

#[test]
fn a_newer_progress_file_is_refused_by_commands() {
    let data = TempDir::new("cli-newer");
    let path = data.path().join("progress.json");
    std::fs::write(&path, "{\"version\": 99}").unwrap();
    let o = run(&data, &["hint", "logout-now"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("newer forgetful"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"version\": 99}");
}

#[test]
fn a_corrupt_progress_file_warns_and_is_kept() {
    let data = TempDir::new("cli-corrupt");
    std::fs::write(data.path().join("progress.json"), "not json at all").unwrap();
    let o = run(&data, &["hint", "logout-now"], None);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("warning") && stderr(&o).contains("progress.json.corrupt-"),
        "{}",
        stderr(&o)
    );
    let names = file_names(data.path());
    let sidecar = names
        .iter()
        .find(|n| n.starts_with("progress.json.corrupt-"))
        .expect("sidecar");
    assert_eq!(
        std::fs::read_to_string(data.path().join(sidecar)).unwrap(),
        "not json at all"
    );
}

/// `answer --json` prints the verdict as JSON; after two tries that do not pass the text
/// output compares with the model answer, and `--mine` records a self-assessment that
/// `progress` and `report` show as such, never as a pass.
#[test]
fn answer_json_and_self_assessment() {
    let data = TempDir::new("cli-self");
    let wrong = "The cookie expired after the first request, so the next one was refused with a 401 by the server.";
    let o = run(
        &data,
        &["answer", "disappearing-login", "--json", "--file", "-"],
        Some(wrong),
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON verdict");
    assert_eq!(v["outcome"], "not-yet");
    assert_eq!(v["misconceptions"][0]["id"], "cookie-expired");
    // Which rubric line fired, as the author wrote it in the problem's TOML.
    let line = v["misconceptions"][0]["matched_by"]
        .as_str()
        .unwrap_or_default();
    assert!(
        line.starts_with("match[") && line.contains("expire"),
        "{line}"
    );
    assert!(
        v["concepts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["found"].is_boolean())
    );

    // Too soon: one try.
    let o = run(&data, &["answer", "disappearing-login", "--mine"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("after 2 tries"),
        "{o:?}"
    );

    let o = run(
        &data,
        &["answer", "disappearing-login", "--file", "-"],
        Some(wrong),
    );
    let out = stdout(&o);
    assert!(
        out.contains("Compare your answer with the model answer"),
        "{out}"
    );
    assert!(
        out.contains("forgetful answer disappearing-login --mine"),
        "{out}"
    );

    let o = run(&data, &["answer", "disappearing-login", "--mine"], None);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let answer = &progress_json(&data)["problems"]["disappearing-login"]["answer"];
    assert!(answer["passed_at"].is_null(), "never a grader pass");
    assert_eq!(answer["self_assessed"]["text"], wrong);
    assert!(stdout(&run(&data, &["progress"], None)).contains("self"));
    let md = stdout(&run(&data, &["report"], None));
    assert!(md.contains("**Self-assessed** at"), "{md}");
    assert!(md.contains("The model answer:"), "{md}");
}

// The app published its lab on another port (lab.url in the data dir): `read` and `hint`
// print commands for that lab, as the app's own lesson view does, not the default 7878.
#[test]
fn read_and_hint_name_the_published_lab() {
    let data = TempDir::new("cli-lab-url");
    std::fs::write(data.path().join("lab.url"), "http://127.0.0.1:45999\n").unwrap();
    let o = run(&data, &["read", "12", "--width", "80"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("B=http://127.0.0.1:45999"), "{out}");
    assert!(!out.contains("7878"), "{out}");
    for _ in 0..5 {
        let o = run(&data, &["hint", "stale-role"], None);
        let out = stdout(&o);
        assert!(!out.contains("127.0.0.1:7878"), "{out}");
        if out.contains("http://") {
            assert!(out.contains("http://127.0.0.1:45999/"), "{out}");
        }
    }
    // --url wins over the published address.
    let o = run(
        &data,
        &[
            "--url",
            "http://127.0.0.1:41000",
            "read",
            "12",
            "--width",
            "80",
        ],
        None,
    );
    assert!(
        stdout(&o).contains("B=http://127.0.0.1:41000"),
        "{}",
        stdout(&o)
    );
}
