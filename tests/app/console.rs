//! End to end: the request console in the real binary, in tmux at 80x24. Every wait polls
//! the screen against a deadline.

use std::time::Duration;

use crate::common::tmux::{App, skip};

const DEADLINE: Duration = Duration::from_secs(20);

#[test]
fn console_sends_lesson_blocks_in_tmux() {
    if skip() {
        return;
    }
    let app = App::start("forgetful-console", 80, 24, DEADLINE);
    let (s, dir) = (&app.session, app.dir.path());
    s.wait_for("the lab", |t| t.contains("a✓ b✓ c✓"));

    // Lesson 3, the login block (the second request block), opened in the console.
    s.keys(&["n", "n"]);
    s.wait_for("lesson 3", |t| t.contains("Proving Who You Are"));
    s.keys(&["Tab", "Tab"]);
    s.wait_for("the login block focused", |t| {
        t.contains("▶ request 2: POST /login")
    });
    s.keys(&["Enter"]);
    s.wait_for("the console, filled in", |t| {
        t.contains("Request ·") && t.contains("POST /login") && t.contains("wonderland")
    });
    s.keys(&["C-s"]);
    s.wait_for("200 and X-Served-By", |t| {
        t.contains("Response 200") && t.contains("x-served-by:") && t.contains("jar alice: sid=…")
    });

    // Back to the reader, the /orders block, repeated: some replicas do not know us.
    s.keys(&["Escape"]);
    s.wait_for("the reader again", |t| t.contains("Proving Who You Are"));
    s.keys(&["Tab"]);
    s.wait_for("the orders block focused", |t| {
        t.contains("▶ request 3: GET /orders")
    });
    // Predict, then run: the card's prediction comes first; 2 picks "a refusal".
    s.keys(&["Enter"]);
    s.wait_for("the prediction", |t| {
        t.contains("Predict") && t.contains("what comes back?")
    });
    s.keys(&["2"]);
    // After Enter the pick opens the card (a card may need filling in first); Ctrl-S sends
    // it, and the lab's answer settles the pick, in a box of its own.
    s.wait_for("the card open after the pick", |t| {
        t.contains("request GET /orders") && t.contains("you picked 2")
    });
    s.keys(&["C-s"]);
    s.wait_for("the prediction's outcome", |t| {
        t.contains("Prediction") && t.contains("Why:")
    });
    s.keys(&["Escape"]);
    s.wait_for("the console with GET /orders", |t| {
        t.contains("request GET /orders") && !t.contains("Why:")
    });
    s.keys(&["R"]);
    s.wait_for("a tally with a 401 unknown to a replica", |t| {
        t.contains("×6:") && t.contains("401") && t.contains("unknown to replica")
    });
    // The first answer settled the prediction; it is in the progress file once saved.

    // The history is on disk.
    let history = std::fs::read_to_string(dir.join("console-history.json"))
        .expect("console-history.json in the data dir");
    assert!(
        history.contains("/login") && history.contains("/orders"),
        "{history}"
    );
    s.keys(&["Escape", "q"]);
    // Wait for the app to finish writing its files before the data dir is removed.
    assert_eq!(s.wait_exit(&app.exit).as_deref(), Some("EXIT=0"));
    let progress = std::fs::read_to_string(dir.join("progress.json")).expect("progress.json");
    assert!(
        progress.contains("03-proving-who-you-are#")
            && progress.contains("\"picked\": \"a refusal\""),
        "{progress}"
    );
}
