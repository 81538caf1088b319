//! End to end: the problem workspace in the real binary under tmux at 80x24. The lab half
//! is done from here with plain HTTP while the checklist turns ✓ ✓ on screen; the answer
//! is typed into the editor and submitted; progress.json keeps both halves.

use std::time::Duration;

use crate::common::tmux::{App, http, skip};

const DEADLINE: Duration = Duration::from_secs(30);

const ANSWER: &str = "The login lived only in the memory of replica a, and the balancer sent \
the next requests to b and c, which had never seen it. In shared mode every replica reads \
the same store, so any of them finds the session.";

fn login(port: u16) -> String {
    let (status, sid) = http(
        port,
        "POST",
        "/login",
        None,
        r#"{"username":"alice","password":"wonderland"}"#,
    );
    assert!(status.contains(" 200"), "login: {status}");
    sid.expect("the login sets a sid cookie")
}

#[test]
fn workspace_in_tmux() {
    if skip() {
        return;
    }
    let app = App::start("forgetful-ws-test", 80, 24, DEADLINE);
    let (s, dir, port) = (&app.session, app.dir.path(), app.port);
    s.wait_for("the app with the lab up", |t| {
        t.contains("Lessons") && t.contains("a✓ b✓ c✓")
    });

    // `o` opens the first unfinished problem; its checklist comes from the lab.
    s.keys(&["o"]);
    s.wait_for("the disappearing-login workspace", |t| {
        t.contains("The disappearing login") && t.contains("Checklist 0/2")
    });
    s.keys(&["Tab"]);
    s.wait_for("the checklist", |t| t.contains("✗ 1. reproduce it"));

    // The lab half, from outside the app: log in, be refused elsewhere, fix, be accepted.
    let sid = login(port);
    for _ in 0..3 {
        http(port, "GET", "/orders", Some(&sid), "");
    }
    s.wait_for("step 1 ticked live", |t| {
        t.contains("✓ 1. reproduce it") && t.contains("Checklist 1/2")
    });
    let (status, _) = http(port, "POST", "/admin/mode", None, r#"{"mode":"shared"}"#);
    assert!(status.contains(" 200"), "mode: {status}");
    let sid = login(port);
    for _ in 0..3 {
        http(port, "GET", "/orders", Some(&sid), "");
    }
    s.wait_for("both steps ticked and the lab half recorded", |t| {
        t.contains("Checklist 2/2") && t.contains("lab ✓") && t.contains("✓· The disappearing")
    });

    // The written half: type, keys go to the editor (q does not quit), submit.
    s.keys(&["e"]);
    s.wait_for("the editor focused", |t| t.contains("Esc done"));
    s.type_text(ANSWER);
    s.wait_for("the answer typed", |t| t.contains("any of them finds"));
    s.keys(&["C-s"]);
    let screen = s.wait_for("the pass and ✓ ✓ in the outline", |t| {
        t.contains("Answer ✓") && t.contains("✓✓ The disappearing")
    });
    assert!(screen.contains("Pass: every key idea is there"), "{screen}");
    // The feedback is for reading: the editor was left on its own, so keys scroll it (the
    // model answer is further down) instead of typing into the answer.
    assert!(!screen.contains("Esc done"), "{screen}");
    s.keys(&["G"]);
    s.wait_for("the model answer", |t| {
        t.contains("answer ✓") && t.contains("one process and disappears")
    });

    // Quit; the record holds both halves.
    s.keys(&["q"]);
    assert_eq!(app.wait_exit().as_deref(), Some("EXIT=0"));
    let text = std::fs::read_to_string(dir.join("progress.json")).expect("progress.json");
    let progress: serde_json::Value = serde_json::from_str(&text).expect("progress is JSON");
    let p = &progress["problems"]["disappearing-login"];
    let evidence = p["service"]["evidence"].as_array().expect("a service pass");
    assert!(
        evidence
            .iter()
            .any(|e| e.as_str().is_some_and(|e| e.contains("GET /orders → 401"))),
        "{text}"
    );
    assert!(p["answer"]["passed_at"].is_string(), "{text}");
    assert_eq!(p["answer"]["last"]["text"].as_str(), Some(ANSWER), "{text}");
    assert_eq!(p["answer"]["draft"].as_str(), Some(ANSWER), "{text}");
}
