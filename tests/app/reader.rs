//! End to end: the real binary in tmux at 80x24, driven with send-keys and read with
//! capture-pane. Every wait polls the screen against a deadline.

use std::time::Duration;

use crate::common::tmux::{App, http_get, skip, tmux};

const DEADLINE: Duration = Duration::from_secs(20);

#[test]
fn app_in_tmux() {
    if skip() {
        return;
    }
    let app = App::start("forgetful-test", 80, 24, DEADLINE);
    let (s, dir, port) = (&app.session, app.dir.path(), app.port);

    // First screen: outline, a lesson, the replicas.
    s.wait_for("outline, lesson and replicas", |t| {
        t.contains("Lessons") && t.contains("The Server Forgets You") && t.contains("a✓ b✓ c✓")
    });

    // Help opens and closes.
    s.keys(&["?"]);
    s.wait_for("help", |t| {
        t.contains("Keys · Esc closes") && t.contains("mode: local")
    });
    // At 80x24 the list scrolls: its last line is a `G` away.
    s.keys(&["G"]);
    s.wait_for("the end of the help", |t| {
        t.contains("Outline: · unread ✓ read") && t.contains("↑ more")
    });
    s.keys(&["Escape"]);
    s.wait_for("help closed", |t| !t.contains("Keys · Esc closes"));

    // A request from outside the app shows in the journal tail.
    s.keys(&["l"]);
    s.wait_for("lab panel", |t| {
        t.contains("journal") && t.contains("mode local")
    });
    let status = http_get(port, "/orders?from=tmux-test");
    assert!(status.starts_with("HTTP/1.1 401"), "{status}");
    s.wait_for("the request in the journal", |t| {
        t.lines()
            .any(|l| l.contains("GET") && l.contains("/orders") && l.contains("401"))
    });

    // Restart replica b from the keyboard.
    s.keys(&["2", "r"]);
    s.wait_for("replica b restarted", |t| {
        t.contains("replica b restarted") && t.contains("replica-restarted")
    });

    // Narrow, then back.
    s.resize(50, 15);
    s.wait_for("50x15 screen", |t| {
        t.lines().count() <= 15 && t.contains("Lab") && t.lines().all(|l| l.chars().count() <= 50)
    });
    s.resize(80, 24);
    s.wait_for("80x24 again", |t| {
        t.contains("Lessons") && t.contains("journal")
    });

    // Quit: exit status 0.
    s.keys(&["q"]);
    assert_eq!(app.wait_exit().as_deref(), Some("EXIT=0"));
    assert!(
        dir.join("forgetful.log").exists(),
        "logs go to the data dir"
    );
    let progress = std::fs::read_to_string(dir.join("progress.json"))
        .expect("quitting saves progress.json in the data dir");
    assert!(progress.contains("last_lesson"), "{progress}");
}

#[test]
fn ctrl_c_quits_cleanly_and_gives_the_terminal_back() {
    if skip() {
        return;
    }
    let app = App::start("forgetful-ctrlc", 80, 24, DEADLINE);
    let s = &app.session;
    // Keep the pane after the app exits, to read what the terminal shows then.
    tmux(&["set-option", "-t", &s.name, "remain-on-exit", "on"]);
    s.wait_for("the app with the lab up", |t| {
        t.contains("Lessons") && t.contains("a✓ b✓ c✓")
    });
    // Move somewhere, so there is a position worth saving.
    s.keys(&["n"]);
    s.wait_for("lesson 2", |t| t.contains("2 · "));
    s.keys(&["C-c"]);
    assert_eq!(app.wait_exit().as_deref(), Some("EXIT=0"));
    // The alternate screen is gone: the pane is back to the shell's (empty) screen.
    let after = s.wait_for("the app's screen gone", |t| !t.contains("Lessons"));
    assert!(!after.contains('│'), "no TUI left on the screen:\n{after}");
    // And the process is really gone (not left running in the background).
    let tty = tmux(&["display-message", "-p", "-t", &s.name, "#{pane_dead}"]);
    assert_eq!(tty.trim(), "1", "the app's process has ended");
    let progress = std::fs::read_to_string(app.dir.path().join("progress.json"))
        .expect("Ctrl-C saves progress too");
    assert!(progress.contains("02-"), "{progress}");
}
