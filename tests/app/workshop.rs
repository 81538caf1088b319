//! A room on loopback: a workshop server, two learners and the instructor. Ann runs the app
//! (the real binary in tmux) joined to the workshop and solves disappearing-login in her own
//! lab; Bob joins and does nothing. The instructor watches the live class view (`forgetful
//! class --url`, the real binary in a second tmux session) from before Ann starts: only Ann's
//! lab half passes, the view shows it on its own, and so does the class summary
//! `forgetful class --format md` writes.

use std::process::Command;
use std::time::Duration;

use crate::common::tmux::{Session, read_exit, skip};
use serde_json::{Value, json};

const ADMIN: &str = "room-secret";

fn forgetful(data: &std::path::Path, args: &[&str], admin: bool) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_forgetful"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("FORGETFUL_DATA_DIR")
        .env_remove("FORGETFUL_ADMIN_TOKEN");
    if admin {
        cmd.env("FORGETFUL_ADMIN_TOKEN", ADMIN);
    }
    cmd.output().expect("run forgetful")
}

async fn class(url: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{url}/workshop/class"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn lab_half(class: &Value, name: &str) -> String {
    class["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .map(|l| {
            l["problems"][0]["lab"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .unwrap_or_default()
}

#[test]
fn one_learner_solves_in_the_app_the_other_does_nothing_and_the_class_shows_it() {
    if skip() {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let ws = rt.block_on(async {
        let mut cfg = forgetful::workshop::WorkshopConfig::ephemeral(server_dir.path(), ADMIN);
        cfg.lessons = forgetful::course::lesson_ids(None);
        cfg.problems = forgetful::course::problem_ids(None).unwrap();
        forgetful::workshop::start(cfg).await.unwrap()
    });
    let (ann, bob) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    // Bob joins from the command line and does nothing more.
    let o = forgetful(
        bob.path(),
        &["--join", &ws.url, "--name", "bob", "progress"],
        false,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // The instructor's live view, open before Ann has done anything.
    let view_exit = bob.path().join("view-exit");
    let view_cmd = format!(
        "FORGETFUL_ADMIN_TOKEN={ADMIN} {} --data-dir {} class --url {}; echo EXIT=$? > {exit}.tmp && mv {exit}.tmp {exit}",
        env!("CARGO_BIN_EXE_forgetful"),
        server_dir.path().join("instructor").display(),
        ws.url,
        exit = view_exit.display()
    );
    let view = Session::start(
        &format!("forgetful-class-{}", std::process::id()),
        &view_cmd,
        80,
        24,
        Duration::from_secs(20),
    );
    let row_of = |screen: &str, name: &str| -> String {
        screen
            .lines()
            .find(|l| l.starts_with(&format!("│{name} ")))
            .unwrap_or_default()
            .to_string()
    };
    view.wait_for("the live view with bob's row, nothing passed", |t| {
        row_of(t, "bob").contains("0/15    ✗ -")
    });

    // Ann opens the app joined to the workshop: it talks to her lab, with her token.
    let exit = ann.path().join("exit");
    let cmd = format!(
        "{} --data-dir {} --join {} --name ann; echo EXIT=$? > {exit}.tmp && mv {exit}.tmp {exit}",
        env!("CARGO_BIN_EXE_forgetful"),
        ann.path().display(),
        ws.url,
        exit = exit.display()
    );
    let app = Session::start(
        &format!("forgetful-room-{}", std::process::id()),
        &cmd,
        80,
        24,
        Duration::from_secs(20),
    );
    app.wait_for("the app on ann's lab, its state read with her token", |t| {
        t.contains("local · round-robin · a✓ b✓ c✓")
    });
    let joined: Value =
        serde_json::from_str(&std::fs::read_to_string(ann.path().join("workshop.json")).unwrap())
            .unwrap();
    let lab = joined["lab_url"].as_str().unwrap().to_string();

    // Her requests (as curl from another terminal would send them), her lab's controls from the app.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let send = |method: &str, path: &str| {
        let rb = match method {
            "POST" => http
                .post(format!("{lab}{path}"))
                .json(&json!({"username": "alice", "password": "wonderland"})),
            _ => http.get(format!("{lab}{path}")),
        };
        rt.block_on(async { rb.send().await.unwrap().status().as_u16() })
    };
    assert_eq!(send("POST", "/login"), 200);
    let refused = (0..3).filter(|_| send("GET", "/orders") == 401).count();
    assert!(refused > 0, "another replica refuses a local-mode session");
    app.keys(&["m"]);
    app.wait_for("shared mode, switched from the app", |t| {
        t.contains("shared · round-robin")
    });
    assert_eq!(send("POST", "/login"), 200);
    for _ in 0..3 {
        assert_eq!(send("GET", "/orders"), 200);
    }

    // The workspace checks her lab and records the pass; the change goes to the room.
    app.keys(&["o"]);
    app.wait_for("the lab half passed in the app", |t| {
        t.contains("The disappearing login") && t.contains("lab ✓")
    });
    let c = rt.block_on(crate::common::eventually(
        "ann's pass in the room",
        async || {
            let c = class(&ws.url).await;
            if lab_half(&c, "ann") == "passed" {
                Ok(c)
            } else {
                Err(c.to_string())
            }
        },
    ));
    assert_eq!(lab_half(&c, "bob"), "not-yet", "{c}");

    // The live view shows it on its own: ann's lab half passed, bob's row unchanged.
    let screen = view.wait_for("ann's pass on the live view", |t| {
        row_of(t, "ann").contains("✓ -")
    });
    let bob_row = row_of(&screen, "bob");
    assert!(
        bob_row.contains("✗ -") && !bob_row.contains('✓'),
        "{screen}"
    );
    assert!(screen.contains("2 learners · 0 done"), "{screen}");
    // Enter on ann (the selection stayed on bob, the first to join): her lab's journal, with
    // her requests in it.
    view.keys(&["k", "Enter"]);
    view.wait_for("ann's detail with her journal", |t| {
        t.contains("ann's lab · journal") && t.contains("/orders")
    });
    view.keys(&["Escape"]);
    view.wait_for("back on the class", |t| t.contains("j/k learner"));
    view.keys(&["q"]);
    view.wait_exit(&view_exit);
    assert_eq!(read_exit(&view_exit).as_deref(), Some("EXIT=0"));

    // The instructor's summary says the same.
    let o = forgetful(
        bob.path(),
        &["class", "--url", &ws.url, "--format", "md"],
        true,
    );
    let md = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{md}");
    let row = |name: &str| {
        md.lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("{name} in {md}"))
            .to_string()
    };
    assert!(row("ann").contains("| ✓ · - |"), "{md}");
    assert!(row("bob").contains("| ✗ · - |"), "{md}");
    assert!(!row("bob").contains('✓'), "{md}");

    app.keys(&["q"]);
    app.wait_exit(&exit);
    assert_eq!(read_exit(&exit).as_deref(), Some("EXIT=0"));
    rt.block_on(ws.shutdown());
}
