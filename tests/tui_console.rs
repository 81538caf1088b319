//! End to end: the request console in the real binary, in tmux at 80x24. Every wait polls
//! the screen against a deadline.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(20);

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("running tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Kills the tmux session even when an assertion fails.
struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

impl Session {
    fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.0])
    }
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.0];
        args.extend_from_slice(keys);
        tmux(&args);
    }
    /// Polls the screen until `pred` holds; panics with the last screen otherwise.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn temp_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("forgetful-tui-console-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn console_sends_lesson_blocks_in_tmux() {
    if !tmux_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "tmux is required on CI"
        );
        eprintln!("skipping: tmux is not installed");
        return;
    }
    let bin = env!("CARGO_BIN_EXE_forgetful");
    let dir = temp_dir();
    let port = free_port();
    let name = format!("forgetful-console-{}", std::process::id());
    let cmd = format!("{bin} --data-dir {} --port {port}", dir.display());
    tmux(&[
        "new-session",
        "-d",
        "-s",
        &name,
        "-x",
        "80",
        "-y",
        "24",
        &cmd,
    ]);
    let s = Session(name);
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
        t.contains("Response 200") && t.contains("x-served-by:") && t.contains("jar: sid=…")
    });

    // Back to the reader, the /orders block, repeated: some replicas do not know us.
    s.keys(&["Escape"]);
    s.wait_for("the reader again", |t| t.contains("Proving Who You Are"));
    s.keys(&["Tab"]);
    s.wait_for("the orders block focused", |t| {
        t.contains("▶ request 3: GET /orders")
    });
    s.keys(&["Enter"]);
    s.wait_for("the console with GET /orders", |t| {
        t.contains("request GET /orders")
    });
    s.keys(&["R"]);
    s.wait_for("a tally with a 401 unknown to a replica", |t| {
        t.contains("×6:") && t.contains("401") && t.contains("unknown to replica")
    });

    // The history is on disk.
    let history = std::fs::read_to_string(dir.join("console-history.json"))
        .expect("console-history.json in the data dir");
    assert!(
        history.contains("/login") && history.contains("/orders"),
        "{history}"
    );
    s.keys(&["Escape", "q"]);
    let _ = std::fs::remove_dir_all(&dir);
}
