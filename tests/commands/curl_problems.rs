//! Each problem solved with curl alone, following its statement and hints: the real
//! `forgetful serve`, the shell commands the hints give (every one is checked to be in the
//! problem file, so the text and this test cannot drift apart), then `forgetful check`.
//! Needs bash, curl, jq and base64 (`.ci/run` installs jq).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const DEFAULT: &str = "http://127.0.0.1:7878";

struct Serve {
    child: std::process::Child,
    url: String,
    dir: tempfile::TempDir,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(mode: &str) -> Serve {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args([
            "serve",
            "--port",
            "0",
            "--store",
            "memory",
            "--mode",
            mode,
            "--data-dir",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("serve printed its balancer URL");
        if line.trim_start().starts_with("balancer") {
            break line.split_whitespace().last().unwrap().to_string();
        }
    };
    Serve { child, url, dir }
}

fn tools_missing() -> bool {
    let missing = ["bash", "curl", "jq", "base64"].iter().any(|t| {
        Command::new("sh")
            .args(["-c", &format!("command -v {t}")])
            .output()
            .map_or(true, |o| !o.status.success())
    });
    if missing && std::env::var_os("CI").is_some() {
        panic!("bash, curl, jq and base64 are needed (CI installs them)");
    }
    missing
}

/// Every command of the script (lines not starting with `#`) must appear in the problem's
/// file as written (with the default address), then runs with the lab's real address.
fn run_script(s: &Serve, problem: &str, script: &str) -> String {
    let file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("problems/{problem}.toml")),
    )
    .unwrap();
    for line in script.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // "restart a (then b and c)": the hint spells out replica a's command.
        let as_given = line
            .replace("/replicas/b/", "/replicas/a/")
            .replace("/replicas/c/", "/replicas/a/");
        assert!(
            file.contains(&as_given),
            "{problem}: the test runs a command the problem's hints do not give:\n{line}"
        );
    }
    let out = Command::new("bash")
        // As typed at a prompt: `base64 -d` complains about missing padding and exits 1
        // after printing the JSON, which a learner simply reads past.
        .args(["-u", "-c", &script.replace(DEFAULT, &s.url)])
        .current_dir(s.dir.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{problem} script failed:\n{text}");
    text
}

fn check(s: &Serve, problem: &str, extra: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args(["--data-dir"])
        .arg(s.dir.path())
        .args(["check", problem, "--url", &s.url])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn where_state_goes_with_curl() {
    if tools_missing() {
        return;
    }
    let s = serve("token");
    let out = run_script(
        &s,
        "where-state-goes",
        r#"
TOKEN=$(curl -s -H 'content-type: application/json' -d '{"username":"alice","password":"wonderland"}' http://127.0.0.1:7878/login | jq -r .token)
echo "$TOKEN" | cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null; echo
curl -s -X POST http://127.0.0.1:7878/admin/replicas/a/restart
curl -s -X POST http://127.0.0.1:7878/admin/replicas/b/restart
curl -s -X POST http://127.0.0.1:7878/admin/replicas/c/restart
curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7878/orders
H=$(echo $TOKEN | cut -d. -f1); S=$(echo $TOKEN | cut -d. -f3)
P=$(echo $TOKEN | cut -d. -f2 | tr '_-' '/+' | base64 -d 2>/dev/null | sed 's/"role":"customer"/"role":"admin"/' | base64 -w0 | tr '/+' '_-' | tr -d '=')
curl -i -H "Authorization: Bearer $H.$P.$S" http://127.0.0.1:7878/orders
"#,
    );
    assert!(
        out.contains("\"role\":\"customer\""),
        "alice is a customer: {out}"
    );
    assert!(out.contains("401"), "the edited token is refused: {out}");
    let badge = out
        .split("\"badge\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the decoded payload shows the badge")
        .to_string();
    let (code, report) = check(&s, "where-state-goes", &["--claim", &badge]);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn logout_now_with_curl() {
    if tools_missing() {
        return;
    }
    let s = serve("shared");
    run_script(
        &s,
        "logout-now",
        "curl -s -H 'content-type: application/json' -d '{\"user\":\"alice\"}' http://127.0.0.1:7878/admin/attacker",
    );
    // Wait (on the journal, not the clock) until the attacker is getting in.
    eventually("the attacker gets in", || {
        let out = Command::new("curl")
            .args(["-s", &format!("{}/admin/journal", s.url)])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        text.contains("\"source\":\"attacker\"") && text.contains("\"status\":200")
    });
    run_script(
        &s,
        "logout-now",
        "curl -s -H 'content-type: application/json' -d '{\"user\":\"alice\"}' http://127.0.0.1:7878/admin/revoke",
    );
    // Shared mode is cut off; the check now asks for the same with tokens.
    eventually("the shared-mode cut-off", || {
        let (_, report) = check(&s, "logout-now", &[]);
        report.contains("now switch to token mode")
    });
    run_script(
        &s,
        "logout-now",
        r#"
curl -s -H 'content-type: application/json' -d '{"mode":"token"}' http://127.0.0.1:7878/admin/mode
curl -s -H 'content-type: application/json' -d '{"enabled":true}' http://127.0.0.1:7878/admin/denylist
curl -s -H 'content-type: application/json' -d '{"user":"alice"}' http://127.0.0.1:7878/admin/attacker
"#,
    );
    eventually("the token attacker gets in", || {
        let out = Command::new("curl")
            .args(["-s", &format!("{}/admin/journal?limit=1000", s.url)])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        text.contains("\"source\":\"attacker\"")
            && text.contains("\"mode\":\"token\",\"status\":200")
            || text.matches("stolen bearer").count() > 0 && text.contains("\"status\":200")
    });
    run_script(
        &s,
        "logout-now",
        "curl -s -H 'content-type: application/json' -d '{\"user\":\"alice\"}' http://127.0.0.1:7878/admin/revoke",
    );
    // The check passes once the attacker has been refused for a full second.
    let mut last = String::new();
    eventually("the check passes", || {
        let (code, report) = check(&s, "logout-now", &[]);
        last = report;
        code == 0
    });
    assert!(
        last.contains("check's own probe"),
        "bob was probed and said so: {last}"
    );
}

/// Polls `f` every 100 ms until it holds, for at most 15 s.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn disappearing_login_with_curl() {
    if tools_missing() {
        return;
    }
    let s = serve("local");
    // Reproduce in local mode, then fix in shared mode; commands as the hints give them.
    run_script(
        &s,
        "disappearing-login",
        r#"
curl -s -H 'content-type: application/json' -d '{"mode":"local"}' http://127.0.0.1:7878/admin/mode
curl -i -c jar.txt -H 'content-type: application/json' -d '{"username":"alice","password":"wonderland"}' http://127.0.0.1:7878/login
curl -i -b jar.txt http://127.0.0.1:7878/orders
curl -i -b jar.txt http://127.0.0.1:7878/orders
curl -i -b jar.txt http://127.0.0.1:7878/orders
curl -s -H 'content-type: application/json' -d '{"mode":"shared"}' http://127.0.0.1:7878/admin/mode
curl -i -c jar.txt -H 'content-type: application/json' -d '{"username":"alice","password":"wonderland"}' http://127.0.0.1:7878/login
curl -i -b jar.txt http://127.0.0.1:7878/orders
curl -i -b jar.txt http://127.0.0.1:7878/orders
curl -i -b jar.txt http://127.0.0.1:7878/orders
"#,
    );
    let (code, report) = check(&s, "disappearing-login", &[]);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn stale_role_with_curl() {
    if tools_missing() {
        return;
    }
    let s = serve("local");
    let out = run_script(
        &s,
        "stale-role",
        r#"
curl -s -H 'content-type: application/json' -d '{"mode":"token"}' http://127.0.0.1:7878/admin/mode
TOKEN=$(curl -s -H 'content-type: application/json' -d '{"username":"bob","password":"builder"}' http://127.0.0.1:7878/login | jq -r .token)
curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7878/orders/all
curl -s -H 'content-type: application/json' -d '{"role":"customer"}' http://127.0.0.1:7878/admin/users/bob/role
# The same token, after the demotion: still admin.
curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7878/orders/all
curl -s -H 'content-type: application/json' -d '{"enabled":true}' http://127.0.0.1:7878/admin/denylist
curl -s -H 'content-type: application/json' -d '{"user":"bob"}' http://127.0.0.1:7878/admin/revoke
curl -s -H "Authorization: Bearer $TOKEN" http://127.0.0.1:7878/orders/all
"#,
    );
    assert!(out.contains("\"error\""), "the last call is refused: {out}");
    let (code, report) = check(&s, "stale-role", &[]);
    assert_eq!(code, 0, "{report}");
}

/// The shell block of a lesson (the last `bash` block), as written.
fn lesson_shell(lesson: &str) -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("lessons/{lesson}.md")),
    )
    .unwrap();
    let start = text.rfind("```bash\n").expect("a bash block") + "```bash\n".len();
    let end = start + text[start..].find("```").unwrap();
    text[start..end].to_string()
}

// Lesson 14's terminal steps run after its app steps, which leave bob demoted: the block
// must still show 401 without a credential and the stale 200, wherever bob's role stands.
#[test]
fn lesson_14_shell_block_works_from_where_the_app_steps_left_bob() {
    if tools_missing() {
        return;
    }
    let script = lesson_shell("14-who-may-do-what");
    for start in ["customer", "admin"] {
        let s = serve("shared");
        let set = format!(
            "curl -s -H 'content-type: application/json' -d '{{\"role\":\"{start}\"}}' {}/admin/users/bob/role",
            s.url
        );
        let out = Command::new("bash").args(["-c", &set]).output().unwrap();
        assert!(out.status.success());
        let out = Command::new("bash")
            .args(["-u", "-c", &script.replace(DEFAULT, &s.url)])
            .current_dir(s.dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{text}");
        let codes: Vec<&str> = text
            .lines()
            .filter(|l| l.len() == 3 && l.chars().all(|c| c.is_ascii_digit()))
            .collect();
        assert_eq!(codes, ["401", "200"], "bob started as {start}:\n{text}");
        assert!(
            text.contains("bob is now customer (was admin)"),
            "a real demotion, bob started as {start}:\n{text}"
        );
    }
}

/// Every `bash` block of a lesson, in order, as one script.
fn lesson_shell_all(lesson: &str) -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("lessons/{lesson}.md")),
    )
    .unwrap();
    text.split("```bash\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").unwrap()])
        .collect()
}

// Lesson 15's terminal steps as written: forge an alg-none token claiming bob the admin,
// let it in with the weakness on, see it refused with the weakness off.
#[test]
fn lesson_15_shell_blocks_forge_and_are_refused_again() {
    if tools_missing() {
        return;
    }
    let s = serve("token");
    let script = lesson_shell_all("15-trusting-nothing-in-the-header");
    let out = Command::new("bash")
        .args(["-u", "-c", &script.replace(DEFAULT, &s.url)])
        .current_dir(s.dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}");
    assert!(
        text.lines().any(|l| l.contains("\"orders\":[")
            && l.contains("\"user\":\"bob\"")
            && l.contains("\"role\":\"admin\"")),
        "the forged admin token let in:\n{text}"
    );
    assert!(
        text.contains("alg none is not accepted") || text.contains("alg `none`"),
        "refused once mended:\n{text}"
    );
}
