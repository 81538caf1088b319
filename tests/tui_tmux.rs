//! End to end: the real binary in tmux at 80x24, driven with send-keys and read with
//! capture-pane. Every wait polls the screen against a deadline.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
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
    let d = std::env::temp_dir().join(format!("forgetful-tui-tmux-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// A plain HTTP/1.1 request, as curl would send it; returns the status line.
fn http_get(port: u16, path: &str) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to the lab");
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.lines().next().unwrap_or_default().to_string()
}

fn read_exit(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

#[test]
fn app_in_tmux() {
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
    let exit = dir.join("exit");
    let name = format!("forgetful-test-{}", std::process::id());
    let cmd = format!(
        "{bin} --data-dir {} --port {port}; echo EXIT=$? > {}",
        dir.display(),
        exit.display()
    );
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

    // First screen: outline, a lesson, the replicas.
    s.wait_for("outline, lesson and replicas", |t| {
        t.contains("Lessons") && t.contains("The Server Forgets You") && t.contains("a✓ b✓ c✓")
    });

    // Help opens and closes.
    s.keys(&["?"]);
    s.wait_for("help", |t| {
        t.contains("Keys · Esc closes") && t.contains("revoke alice")
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
    tmux(&["resize-window", "-t", &s.0, "-x", "50", "-y", "15"]);
    s.wait_for("50x15 screen", |t| {
        t.lines().count() <= 15 && t.contains("Lab") && t.lines().all(|l| l.chars().count() <= 50)
    });
    tmux(&["resize-window", "-t", &s.0, "-x", "80", "-y", "24"]);
    s.wait_for("80x24 again", |t| {
        t.contains("Lessons") && t.contains("journal")
    });

    // Quit: exit status 0.
    s.keys(&["q"]);
    let start = Instant::now();
    while read_exit(&exit).is_none() {
        assert!(
            start.elapsed() < DEADLINE,
            "the app did not exit; screen:\n{}",
            s.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(read_exit(&exit).as_deref(), Some("EXIT=0"));
    assert!(
        dir.join("forgetful.log").exists(),
        "logs go to the data dir"
    );
    let progress = std::fs::read_to_string(dir.join("progress.json"))
        .expect("quitting saves progress.json in the data dir");
    assert!(progress.contains("last_lesson"), "{progress}");
    let _ = std::fs::remove_dir_all(&dir);
}
