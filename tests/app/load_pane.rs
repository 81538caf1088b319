//! End to end: a scenario run from the app's load pane, in the real binary in tmux at 80x24.
//! Every wait polls the screen (or the app's log) against a deadline: no fixed sleeps.

use std::time::{Duration, Instant};

use crate::common::tmux::{App, skip};

const DEADLINE: Duration = Duration::from_secs(40);

#[test]
fn kill_one_from_the_load_pane_logs_out_the_users_on_b_and_draws_at_most_4_frames_a_second() {
    if skip() {
        return;
    }
    let app = App::start("forgetful-load-pane", 80, 24, DEADLINE);
    let s = &app.session;
    s.wait_for("the lab up", |t| t.contains("a✓ b✓ c✓"));

    s.keys(&["L"]);
    s.wait_for("the load pane", |t| {
        t.contains("Load lab") && t.contains("Enter start/stop") && !t.contains("L load")
    });
    // kill-one is picked; the shortest run (15 → 10 → 5 s).
    s.keys(&["2", "-", "-"]);
    s.wait_for("a 5 s run", |t| t.contains("5 s each"));
    s.keys(&["Enter"]);
    s.wait_for("the run under way", |t| {
        t.contains("local mode ·") && t.contains("of 5 s")
    });
    // A resize mid-run redraws at the new size and back.
    s.resize(100, 30);
    s.wait_for("100x30", |t| {
        t.lines().count() >= 29 && t.contains("requests/s:")
    });
    s.resize(80, 24);
    let done = s.wait_for("the verdict", |t| t.contains("who logged in on"));
    assert!(done.contains("b stopped"), "the kill is marked:\n{done}");
    assert!(done.contains("logged out"), "{done}");
    assert!(done.contains("401 login lost"), "{done}");
    for line in done.lines() {
        assert!(line.chars().count() <= 80, "{line}");
    }
    // The run put the lab back: b is up again.
    s.wait_for("b started again", |t| t.contains("a✓ b✓ c✓"));

    // The app logged how many frames it drew during the run: at most 4 a second (and one
    // for the resize that may fall outside the rate), read once the run has ended.
    let log = app.dir.path().join("forgetful.log");
    let start = Instant::now();
    let line = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(l) = text
            .lines()
            .find(|l| l.contains("load pane: frames drawn during the run"))
        {
            break l.to_string();
        }
        assert!(
            start.elapsed() < DEADLINE,
            "no frame count in the log:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let field = |name: &str| -> f64 {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.trim_matches('"').parse().ok())
            .unwrap_or_else(|| panic!("{name} in {line}"))
    };
    let (frames, seconds) = (field("frames"), field("seconds"));
    assert!(seconds >= 5.0, "{line}");
    assert!(
        frames <= 4.0 * seconds + 2.0,
        "at most 4 frames a second: {line}"
    );
    assert!(frames >= seconds, "a frame a second at least: {line}");

    s.keys(&["Escape"]);
    s.wait_for("back to the reader", |t| {
        !t.contains("Load lab") && t.contains("L load")
    });
    s.keys(&["q"]);
    app.wait_exit();
}
