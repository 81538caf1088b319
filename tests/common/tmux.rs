//! Shared helpers for the end-to-end tests that run the real binary in tmux, drive it with
//! send-keys and read it with capture-pane. Every wait polls the screen against a deadline.

use std::io::{Read, Write};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs tmux with `args`; returns its stdout.
pub fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(args)
        .output()
        .expect("running tmux");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn tmux_available() -> bool {
    Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Skips without tmux, except on CI (`CI=true`) where tmux is required.
pub fn skip() -> bool {
    if tmux_available() {
        return false;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "tmux is required on CI"
    );
    eprintln!("skipping: tmux is not installed");
    true
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The shell command that runs the real binary on `port` with `dir` as its data dir, then
/// writes `EXIT=<status>` to `exit`.
pub fn app_command(dir: &Path, port: u16, exit: &Path) -> String {
    format!(
        // Written to a temporary name and renamed, so a reader never sees a half-written file.
        "{} --data-dir {} --port {port}; echo EXIT=$? > {exit}.tmp && mv {exit}.tmp {exit}",
        env!("CARGO_BIN_EXE_forgetful"),
        dir.display(),
        exit = exit.display()
    )
}

/// The `EXIT=<status>` line the shell wrote, once it is there.
pub fn read_exit(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// A detached tmux session; kills itself on drop, so even when an assertion fails.
pub struct Session {
    pub name: String,
    /// How long a wait may take.
    pub deadline: Duration,
    /// How often a wait reads the screen.
    pub poll: Duration,
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

impl Session {
    /// Runs `cmd` in a new detached session `name` of `width`x`height`. Waits give up after
    /// `deadline`, polling every 50 ms.
    pub fn start(name: &str, cmd: &str, width: u16, height: u16, deadline: Duration) -> Session {
        tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            cmd,
        ]);
        Session {
            name: name.to_string(),
            deadline,
            poll: Duration::from_millis(50),
        }
    }

    pub fn screen(&self) -> String {
        tmux(&["capture-pane", "-p", "-t", &self.name])
    }

    /// Sends tmux key names.
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        tmux(&args);
    }

    /// Types text literally (no key names).
    pub fn type_text(&self, text: &str) {
        tmux(&["send-keys", "-t", &self.name, "-l", text]);
    }

    pub fn resize(&self, width: u16, height: u16) {
        tmux(&[
            "resize-window",
            "-t",
            &self.name,
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
    }

    /// Polls the screen until `pred` holds; panics with the last screen otherwise.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(
                start.elapsed() < self.deadline,
                "timed out waiting for {what}; screen:\n{s}"
            );
            std::thread::sleep(self.poll);
        }
    }

    /// Waits for the shell to write the exit file (see [`app_command`]); returns its line.
    pub fn wait_exit(&self, exit: &Path) -> Option<String> {
        let start = Instant::now();
        while read_exit(exit).is_none() {
            assert!(
                start.elapsed() < self.deadline,
                "the app did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(self.poll);
        }
        read_exit(exit)
    }
}

/// The real binary in tmux session `{name}-{pid}` of `width`x`height`, on a free port, with
/// a fresh data dir. On drop the session is killed, then the data dir removed (fields drop in
/// declaration order).
pub struct App {
    pub session: Session,
    pub dir: tempfile::TempDir,
    pub port: u16,
    /// Where the shell writes `EXIT=<status>` when the app ends.
    pub exit: PathBuf,
}

impl App {
    pub fn start(name: &str, width: u16, height: u16, deadline: Duration) -> App {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()
            .expect("temp dir");
        let port = free_port();
        let exit = dir.path().join("exit");
        let cmd = app_command(dir.path(), port, &exit);
        let name = format!("{name}-{}", std::process::id());
        let session = Session::start(&name, &cmd, width, height, deadline);
        App {
            session,
            dir,
            port,
            exit,
        }
    }

    /// Waits for the app to end; returns the `EXIT=<status>` line.
    pub fn wait_exit(&self) -> Option<String> {
        self.session.wait_exit(&self.exit)
    }
}

impl Deref for App {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.session
    }
}

/// One plain HTTP/1.1 request, as curl would send it: (status line, `sid` cookie if set).
pub fn http(
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

/// A plain GET; returns the status line.
pub fn http_get(port: u16, path: &str) -> String {
    http(port, "GET", path, None, "").0
}
