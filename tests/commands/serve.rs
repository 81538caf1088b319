//! `forgetful serve` as a user runs it: the real binary, its start banner, a journal line per
//! request, and a clean exit on Ctrl-C (SIGINT).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// `forgetful serve` on a free port with its data in `dir`, stdout and stderr piped.
fn serve(args: &[&str], dir: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn spawn(args: &[&str], dir: &std::path::Path) -> (std::process::Child, mpsc::Receiver<String>) {
    let mut child = serve(args, dir);
    let (tx, rx) = mpsc::channel();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
    }
    (child, rx)
}

fn wait_for(
    rx: &mpsc::Receiver<String>,
    seen: &mut Vec<String>,
    pred: impl Fn(&str) -> bool,
) -> String {
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("timed out; output so far:\n{}", seen.join("\n")));
        seen.push(line.clone());
        if pred(&line) {
            return line;
        }
    }
}

fn interrupt(child: &std::process::Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn serve_prints_urls_journals_requests_and_stops_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, rx) = spawn(&["--mode", "shared", "--store", "memory"], dir.path());
    let mut seen = Vec::new();
    let balancer = wait_for(&rx, &mut seen, |l| l.trim_start().starts_with("balancer"));
    let url = balancer.split_whitespace().last().unwrap().to_string();
    for want in [
        "replica a",
        "replica b",
        "replica c",
        "mode      shared",
        "store     memory",
        "curl -i -c jar",
    ] {
        wait_for(&rx, &mut seen, |l| l.contains(want));
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::get(format!("{url}/healthz"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    wait_for(&rx, &mut seen, |l| {
        l.contains("GET") && l.contains("/healthz") && l.contains("200")
    });
    interrupt(&child);
    wait_for(&rx, &mut seen, |l| l.contains("stopping the lab"));
    let code = child.wait().unwrap();
    assert!(code.success(), "exit status {code:?}");
}

/// Runs `forgetful serve ARGS` with its stdout closed before the banner is written, so the
/// very first write fails, and returns how it ended (or fails after 20 s of running on).
fn serve_into_a_closed_pipe(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    let args: Vec<&str> = ["--store", "memory"].iter().chain(args).copied().collect();
    let mut child = serve(&args, dir);
    drop(child.stdout.take());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("it kept running with nobody reading its output")
        .unwrap()
}

/// `forgetful serve | head -3`: once nobody reads the journal, the lab stops as it would on
/// Ctrl-C (exit 0, its published address withdrawn), rather than panicking on a print; and
/// so does a workshop server.
#[test]
fn serve_stops_cleanly_when_its_output_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let out = serve_into_a_closed_pipe(&[], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !dir.path().join("lab.url").exists(),
        "the stopped lab's address is still published"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = serve_into_a_closed_pipe(
        &["--workshop", "--admin-token", "t0k3n-long-enough"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, rx) = spawn(&["--store", "memory"], dir.path());
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, |l| l.contains("Ctrl-C stops the lab"));
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    wait_for(&rx, &mut seen, |l| l.contains("stopping the lab"));
    assert!(child.wait().unwrap().success());
}

#[test]
fn serve_warns_when_bound_beyond_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, rx) = spawn(&["--bind", "0.0.0.0", "--store", "memory"], dir.path());
    let mut seen = Vec::new();
    wait_for(&rx, &mut seen, |l| {
        l.starts_with("warning:") && l.contains("0.0.0.0")
    });
    wait_for(&rx, &mut seen, |l| l.contains("Ctrl-C stops the lab"));
    interrupt(&child);
    assert!(child.wait().unwrap().success());
}

#[test]
fn serve_explains_a_port_in_use_and_a_bad_store() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args(["serve", "--store", "memory", "--port", &port, "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&port) && err.to_lowercase().contains("in use"),
        "{err}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args([
            "serve",
            "--port",
            "0",
            "--store",
            "postgres://x",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("expected sqlite, memory or redis://HOST:PORT")
    );
}

/// `serve` (like the app) publishes its URL in the data dir, so `forgetful check` finds it on
/// whatever port it got without `--url`; `--url` also works before the subcommand.
#[test]
fn check_finds_the_running_lab_without_url() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, rx) = spawn(&["--store", "memory"], dir.path());
    let mut seen = Vec::new();
    let balancer = wait_for(&rx, &mut seen, |l| l.trim_start().starts_with("balancer"));
    let url = balancer.split_whitespace().last().unwrap().to_string();
    let check = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_forgetful"))
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    // Not passed yet (1), not unreachable (2): it found the lab.
    let out = check(&["check", "disappearing-login"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains(&url));
    let out = check(&["--url", &url, "check", "disappearing-login"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    interrupt(&child);
    wait_for(&rx, &mut seen, |l| l.contains("stopping the lab"));
    assert!(child.wait().unwrap().success());
    assert!(
        !dir.path().join("lab.url").exists(),
        "the published URL is taken back on exit"
    );
}
