//! `forgetful load` as a user runs it: the real binary, with the lab it starts in-process.

use std::process::{Command, Output};

fn load(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .arg("--data-dir")
        .arg(dir)
        .arg("load")
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn load_runs_on_its_own_lab_prints_json_and_writes_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    // A lab.url left behind by a lab that is gone: load says so and starts its own.
    std::fs::write(dir.path().join("lab.url"), "http://127.0.0.1:9\n").unwrap();
    let chart = dir.path().join("run.svg");
    let o = load(
        dir.path(),
        &[
            "--duration",
            "2s",
            "--users",
            "6",
            "--rate",
            "40",
            "--connections",
            "2",
            "--scenario",
            "kill-one",
            "--json",
            "--plot",
            chart.to_str().unwrap(),
        ],
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(o.status.code(), Some(0), "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains("does not answer; starting one in-process"),
        "{err}"
    );
    // With --json, stdout is the summary alone and the lines go to stderr.
    let json: serde_json::Value = serde_json::from_str(&out).expect("stdout is JSON");
    assert_eq!(json["scenario"], "kill-one");
    assert_eq!(json["mode"], "local");
    assert_eq!(json["policy"], "sticky");
    assert_eq!(json["users"], 6);
    assert!(json["requests"].as_u64().unwrap() > 20, "{json}");
    assert!(err.contains("req/s"), "{err}");
    assert!(err.contains("▸ stopped replica b"), "{err}");
    let svg = std::fs::read_to_string(&chart).expect("the chart is written");
    assert!(svg.starts_with("<svg") && svg.contains("stopped replica b"));
}

#[test]
fn load_prints_a_table_and_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let o = load(
        dir.path(),
        &[
            "--duration",
            "1s",
            "--users",
            "2",
            "--rate",
            "20",
            "--mode",
            "token",
        ],
    );
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", text(&o.stderr));
    for want in [
        "req/s",
        "scenario steady · mode token",
        "replica ",
        "logins",
        "no user was logged out",
    ] {
        assert!(out.contains(want), "{want:?} missing from:\n{out}");
    }

    let o = load(
        dir.path(),
        &["--duration", "1s", "--scenario", "redis-outage"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("redis-outage pauses the lab's Redis") && err.contains("--store redis://"),
        "{err}"
    );

    for bad in [
        &["--duration", "0.5s"][..],
        &["--scenario", "meteor"],
        &["--rate", "0"],
        &["--route", "GET me"],
        &["--replicas", "12"],
    ] {
        let o = load(dir.path(), bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", text(&o.stderr));
        assert!(!text(&o.stderr).is_empty());
    }
}

/// The lessons' claim from the command line, over loopback: kill-one under sticky sessions
/// logs out, in local mode, exactly the users whose login replica b was stopped, and in
/// shared and token modes nobody. Each run is the real binary with the lab it starts.
#[test]
fn kill_one_from_the_command_line_logs_out_the_pinned_users_in_local_mode_only() {
    // The three runs are independent labs: run them at once.
    let runs: Vec<(&str, Output)> = std::thread::scope(|scope| {
        let jobs: Vec<_> = ["local", "shared", "token"]
            .into_iter()
            .map(|mode| {
                scope.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    let o = load(
                        dir.path(),
                        &[
                            "--duration",
                            "2s",
                            "--users",
                            "18",
                            "--rate",
                            "90",
                            "--connections",
                            "3",
                            "--scenario",
                            "kill-one",
                            "--mode",
                            mode,
                            "--json",
                        ],
                    );
                    (mode, o)
                })
            })
            .collect();
        jobs.into_iter().map(|j| j.join().unwrap()).collect()
    });
    for (mode, o) in runs {
        let (out, err) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(
            o.status.code(),
            Some(0),
            "{mode}: stdout:\n{out}\nstderr:\n{err}"
        );
        let json: serde_json::Value = serde_json::from_str(&out).expect("stdout is JSON");
        assert_eq!(json["mode"], mode);
        assert_eq!(json["policy"], "sticky");
        let b = json["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "b")
            .expect("b in the summary")
            .clone();
        let pinned = b["users_logged_in"].as_u64().unwrap();
        assert!(pinned > 0, "{mode}: some users logged in on b: {json}");
        let out_users = json["users_logged_out"].as_u64().unwrap();
        if mode == "local" {
            assert_eq!(out_users, pinned, "{mode}: every user pinned to b: {json}");
            assert_eq!(b["users_logged_out"].as_u64(), Some(pinned));
            assert!(
                json["logged_out"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|u| u["login_replica"] == "b"),
                "{mode}: and nobody else: {}",
                json["logged_out"]
            );
        } else {
            assert_eq!(out_users, 0, "{mode}: nobody: {}", json["logged_out"]);
            assert_eq!(json["unauthorized"].as_u64(), Some(0), "{mode}");
        }
        assert_eq!(
            json["failed"].as_u64(),
            Some(0),
            "{mode}: {}",
            json["status"]
        );
    }
}
