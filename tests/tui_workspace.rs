//! End to end: the problem workspace in the real binary under tmux at 80x24. The lab half
//! is done from here with plain HTTP while the checklist turns ✓ ✓ on screen; the answer
//! is typed into the editor and submitted; progress.json keeps both halves.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

const ANSWER: &str = "The login lived only in the memory of replica a, and the balancer sent \
the next requests to b and c, which had never seen it. In shared mode every replica reads \
the same store, so any of them finds the session.";

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
    /// Types text literally (no key names).
    fn type_text(&self, text: &str) {
        tmux(&["send-keys", "-t", &self.0, "-l", text]);
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
    let d = std::env::temp_dir().join(format!("forgetful-tui-ws-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// One plain HTTP/1.1 request, as curl would send it: (status line, `sid` cookie if set).
fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: Option<&str>,
    body: &str,
) -> (String, Option<String>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect to the lab");
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(c) = cookie {
        req.push_str(&format!("Cookie: {c}\r\n"));
    }
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("send");
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let status = out.lines().next().unwrap_or_default().to_string();
    let sid = out
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("set-cookie").then(|| v.trim())
        })
        .find(|v| v.starts_with("sid="))
        .map(|v| v.split(';').next().unwrap_or(v).to_string());
    (status, sid)
}

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

fn read_exit(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

#[test]
fn workspace_in_tmux() {
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
    let name = format!("forgetful-ws-test-{}", std::process::id());
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
    // Leave the editor; the model answer is further down the feedback.
    s.keys(&["Escape"]);
    s.wait_for("editor left", |t| !t.contains("Esc done"));
    s.keys(&["G"]);
    s.wait_for("the model answer", |t| {
        t.contains("answer ✓") && t.contains("in one process and disappears")
    });

    // Quit; the record holds both halves.
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
    let _ = std::fs::remove_dir_all(&dir);
}
