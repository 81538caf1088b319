//! End to end: each practice problem solved from inside the app alone, with keys only, in
//! the real binary under tmux at 80x24. No HTTP from the test: the lab half goes through
//! the reader's request blocks, the console, the inspector and the lab keys; the written
//! half through the workspace's editor. Every wait polls the screen against a deadline.
//!
//! After `Esc` the test waits for the screen to change before the next key: a terminal
//! reads `Esc` followed at once by a key as Alt+key.

use std::ops::Deref;
use std::time::Duration;

use crate::common::tmux::{self, skip};

const DEADLINE: Duration = Duration::from_secs(15);

/// Passes the rubric (checked with `forgetful answer disappearing-login --file -`).
const ANSWER: &str = "The login lived only in the memory of replica a, and the balancer sent \
the next requests to b and c, which had never seen it. In shared mode every replica reads \
the same store, so any of them finds the session.";

const READER: &str = "n/p lesson Tab request P predict";
const CONSOLE: &str = "┌ Request ·";

/// The app in a tmux session, polled every 40 ms.
struct App(tmux::App);

/// `wait_exit`, and through it the session's `screen`, `keys`, `type_text` and `wait_for`.
impl Deref for App {
    type Target = tmux::App;

    fn deref(&self) -> &tmux::App {
        &self.0
    }
}

impl App {
    fn start(test: &str) -> App {
        let mut app = tmux::App::start(&format!("forgetful-solve-{test}"), 80, 24, DEADLINE);
        app.session.poll = Duration::from_millis(40);
        let app = App(app);
        app.wait_for("the app with the lab up", |t| {
            t.contains("Lessons") && t.contains("local · round-robin · a✓ b✓ c✓")
        });
        app
    }

    fn top(&self) -> String {
        self.screen().lines().next().unwrap_or_default().to_string()
    }

    /// Sends one key (a tmux key name).
    fn key(&self, key: &str) {
        self.keys(&[key]);
    }

    /// A key, then wait for what it should show.
    fn press(&self, key: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
        self.key(key);
        self.wait_for(what, pred)
    }

    /// `Esc` out of the console, inspector or workspace editor.
    fn esc_to(&self, what: &str, pred: impl Fn(&str) -> bool) {
        self.press("Escape", what, pred);
    }

    /// `n n`: lesson 3, whose request blocks are the admin/mode, login and /orders ones.
    fn open_lesson_3(&self) {
        self.press("n", "lesson 2", |t| t.contains("2 · Why Forget"));
        self.press("n", "lesson 3", |t| t.contains("3 · Proving Who You Are"));
    }

    /// Tab / Shift-Tab until the status line names `block` as the focused request.
    fn focus_block(&self, key: &str, block: &str) {
        for _ in 0..6 {
            let before = self.top();
            self.key(key);
            let top = self.wait_for("the focus to move", |t| {
                let first = t.lines().next().unwrap_or_default();
                first != before && first.contains("request ")
            });
            if top.lines().next().unwrap_or_default().contains(block) {
                return;
            }
        }
        panic!("{key} never reached {block}; screen:\n{}", self.screen());
    }

    /// In the reader: focus `block`, Enter opens it in the console, Ctrl-S sends it; waits
    /// for the answer.
    fn send_block(&self, key: &str, block: &str, answered: impl Fn(&str) -> bool) -> String {
        self.focus_block(key, block);
        let line = format!("request {}", block.split(": ").nth(1).unwrap_or(block));
        self.enter_block(&line);
        self.press("C-s", "the answer", |t| answered(t))
    }

    /// Enter on the focused block: the console opens, after the card's prediction when it
    /// has one not yet answered (picked with 1, as a learner would pick something). After
    /// Enter the pick opens the card without sending it; Ctrl-S sends it, and its answer
    /// settles the pick (the outcome shows until a key).
    fn enter_block(&self, line: &str) {
        let t = self.press("Enter", "the console or the card's prediction", |t| {
            (t.contains(CONSOLE) && t.contains(line)) || t.contains("┌ Predict")
        });
        if t.contains("┌ Predict") {
            self.press("1", "the card open after the pick", |t| {
                t.contains(CONSOLE) && t.contains(line) && t.contains("you picked 1")
            });
            self.press("C-s", "the prediction's outcome", |t| t.contains("Why:"));
            self.press("Escape", "the console after the prediction", |t| {
                t.contains(CONSOLE) && t.contains(line) && !t.contains("Why:")
            });
        }
    }

    /// The open workspace's Checklist tab, whichever tab it opened on: a problem whose lab
    /// half is under way moves there by itself when its first checklist comes in, a fresh
    /// one stays on its statement (then `Tab`). Waits for that first checklist, then `pred`.
    fn checklist(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let counted = |t: &str| {
            t.split("Checklist ")
                .skip(1)
                .any(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        };
        let t = self.wait_for("the first checklist", counted);
        if !(t.contains("✓ 1. ") || t.contains("✗ 1. ")) {
            self.key("Tab");
        }
        self.wait_for(what, pred)
    }

    /// Quits with `q` and waits for the exit status.
    fn quit(&self) -> serde_json::Value {
        self.key("q");
        assert_eq!(self.wait_exit().as_deref(), Some("EXIT=0"));
        let text =
            std::fs::read_to_string(self.dir.path().join("progress.json")).expect("progress.json");
        serde_json::from_str(&text).expect("progress is JSON")
    }
}

/// The console's `R` tally (`a 200`, `b 401`, ...) once all six answers are in.
fn tally(screen: &str) -> Option<Vec<String>> {
    let line = screen.lines().find(|l| l.contains("×6: "))?;
    let list = line.split("×6: ").nth(1)?.trim_end_matches(['│', ' ']);
    let items: Vec<String> = list.split(" · ").map(|s| s.trim().to_string()).collect();
    (items.len() == 6).then_some(items)
}

/// `R` in the console: six sends; returns the tally. A tally still on screen is cleared
/// first with a single send (Enter), so the one read is the new batch's.
fn repeat(app: &App) -> Vec<String> {
    if tally(&app.screen()).is_some() {
        app.press("Enter", "a single send", |t| !t.contains("×6: "));
    }
    // The console opens with the cursor in the request line; R is a key once Esc leaves it.
    if app.screen().contains("Esc stop editing") {
        app.press("Escape", "the console's keys", |t| t.contains("R ×6"));
    }
    let screen = app.press("R", "six answers", |t| tally(t).is_some());
    tally(&screen).unwrap()
}

fn service_passed(progress: &serde_json::Value, problem: &str) -> bool {
    progress["problems"][problem]["service"]["evidence"]
        .as_array()
        .is_some_and(|e| !e.is_empty())
}

#[test]
fn disappearing_login_with_keys_only() {
    if skip() {
        return;
    }
    let app = App::start("login");
    app.open_lesson_3();

    // Reproduce: log in from the lesson's block, then send /orders until another replica
    // refuses the session.
    let login = app.send_block("Tab", "2/4: POST /login", |t| {
        t.contains("Response 200") && t.contains("alice: sid=")
    });
    let home = login
        .lines()
        .find_map(|l| l.split("\"replica\": \"").nth(1))
        .and_then(|r| r.chars().next())
        .expect("the replica that took the login");
    app.esc_to("the reader", |t| t.contains(READER));
    app.focus_block("Tab", "3/4: GET /orders");
    app.enter_block("request GET /orders");
    let refused = (0..3).any(|_| {
        repeat(&app)
            .iter()
            .any(|a| a.ends_with(" 401") && !a.starts_with(home))
    });
    assert!(
        refused,
        "no 401 from another replica; screen:\n{}",
        app.screen()
    );
    app.wait_for("why it was refused", |t| {
        t.contains("unknown to replica") && t.contains("(local memory)")
    });

    // Fix: Esc out of the console, `m` to shared, log in again, /orders on every replica.
    app.esc_to("the reader", |t| t.contains(READER));
    app.press("m", "shared mode", |t| t.contains("shared · round-robin"));
    app.send_block("BTab", "2/4: POST /login", |t| {
        t.contains("Response 200") && t.contains("\"mode\": \"shared\"")
    });
    app.esc_to("the reader", |t| t.contains(READER));
    app.focus_block("Tab", "3/4: GET /orders");
    app.enter_block("request GET /orders");
    let answers = repeat(&app);
    for r in ["a 200", "b 200", "c 200"] {
        assert!(answers.iter().any(|a| a == r), "{answers:?}");
    }

    // The workspace: `o` opens disappearing-login; its checklist is already 2/2.
    app.esc_to("the reader", |t| t.contains(READER));
    app.press("o", "the workspace", |t| {
        t.contains("The disappearing login") && t.contains(" Problem │ Checklist")
    });
    app.checklist("the checklist at 2/2", |t| {
        t.contains("Checklist 2/2") && t.contains("✓ 1. reproduce it") && t.contains("✓ 2. fix it")
    });
    app.wait_for("the lab half recorded", |t| {
        t.contains("lab ✓") && t.contains("✓· The disappearing")
    });

    // The written half: `e`, type, Ctrl-S.
    app.press("e", "the editor focused", |t| t.contains("Esc done"));
    app.type_text(ANSWER);
    app.wait_for("the answer typed", |t| t.contains("any of them finds"));
    let passed = app.press("C-s", "the pass and ✓✓ in the outline", |t| {
        t.contains("Answer ✓") && t.contains("✓✓ The disappearing")
    });
    assert!(passed.contains("Pass: every key idea is there"), "{passed}");
    app.esc_to("the editor left", |t| !t.contains("Esc done"));

    let progress = app.quit();
    let p = &progress["problems"]["disappearing-login"];
    assert!(
        service_passed(&progress, "disappearing-login"),
        "{progress}"
    );
    let evidence = p["service"]["evidence"].to_string();
    assert!(evidence.contains("GET /orders → 401"), "{evidence}");
    assert!(p["answer"]["passed_at"].is_string(), "{progress}");
    assert_eq!(p["answer"]["last"]["text"].as_str(), Some(ANSWER));
}

#[test]
fn where_state_goes_with_keys_only() {
    if skip() {
        return;
    }
    let app = App::start("where");
    app.open_lesson_3();

    // `m m`: local → shared → token.
    app.press("m", "shared mode", |t| t.contains("shared · round-robin"));
    app.press("m", "token mode", |t| t.contains("token · round-robin"));

    // Log in from the lesson's block: the console keeps the token.
    app.send_block("Tab", "2/4: POST /login", |t| {
        t.contains("Response 200") && t.contains("· token: …")
    });

    // `t`: the inspector reads the badge out of the token, no key needed.
    let insp = app.press("t", "the inspector with the badge", |t| {
        t.contains("Token inspector") && t.contains("verifies against the lab's JWKS")
    });
    let badge = insp
        .lines()
        .find_map(|l| l.split("badge ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the badge line")
        .to_string();
    assert!(badge.contains('-'), "badge {badge:?}");

    // Restart every replica from the reader: `1 r`, `2 r`, `3 r`.
    app.esc_to("the reader", |t| t.contains(READER));
    for (n, name) in [("1", "a"), ("2", "b"), ("3", "c")] {
        app.press(n, "the replica selected", |t| {
            t.contains(&format!("replica {name} selected"))
        });
        app.press("r", "the restart", |t| {
            t.contains(&format!("replica {name} restarted"))
        });
    }

    // The same token after the restarts: /orders with `b` (Authorization: Bearer).
    app.focus_block("Tab", "3/4: GET /orders");
    app.enter_block("request GET /orders");
    app.press("b", "the bearer attached", |t| {
        t.contains("headers Authorization: Bearer ey")
    });
    app.press("Enter", "the token accepted", |t| {
        t.contains("Response 200") && t.contains("\"orders\"")
    });

    // The inspector: edit the role, keep the signature, send it: refused.
    app.press("t", "the inspector", |t| t.contains("Token inspector"));
    app.press("e", "the payload editor", |t| {
        t.contains("payload · edit a claim")
    });
    // The payload is pretty JSON with sorted keys: `{`, aud, badge, exp, iat, iss, jti, role.
    for _ in 0..7 {
        app.key("Down");
    }
    app.key("End");
    app.key("Left");
    app.key("Left");
    for _ in 0.."customer".len() {
        app.key("BSpace");
    }
    app.type_text("admin");
    app.wait_for("the role edited", |t| t.contains("\"role\": \"admin\","));
    app.esc_to("the edited token", |t| {
        t.contains("NOT re-signed") && t.contains("signature does not match")
    });
    app.press("s", "the edited token refused", |t| {
        t.contains("Response 401") && t.contains("token signature does not verify")
    });

    // The workspace: `o` opens the first unfinished problem, `n` the next one.
    app.esc_to("the reader", |t| t.contains(READER));
    app.press("o", "the workspace", |t| {
        t.contains("The disappearing login")
    });
    app.press("n", "where-state-goes", |t| {
        t.contains("Where did the state go?")
    });
    // The badge is typed by the learner: `b` focuses the field, Enter checks with it.
    app.press("b", "the badge field", |t| t.contains("Enter"));
    app.type_text(&badge);
    app.key("Enter");
    let field = format!("badge claim (b edits) › {badge}");
    app.checklist("the checklist at 4/4", |t| {
        t.contains(&field) && t.contains("Checklist 4/4") && t.contains("lab ✓")
    });

    let progress = app.quit();
    assert!(service_passed(&progress, "where-state-goes"), "{progress}");
}

#[test]
fn logout_now_with_keys_only() {
    if skip() {
        return;
    }
    let app = App::start("logout");

    // The workspace first (`o`, then `n n`), so the checklist is watched live.
    app.press("o", "the workspace", |t| {
        t.contains("The disappearing login")
    });
    app.press("n", "where-state-goes", |t| {
        t.contains("Where did the state go?")
    });
    app.press("n", "logout-now", |t| t.contains("┌ Log out, now"));
    app.checklist("its checklist", |t| {
        t.contains("Checklist 0/4") && t.contains("✗ 1. start the attacker")
    });

    // Lab keys work from the workspace: `m` shared, `a` the attacker, `R` revoke alice.
    app.press("m", "shared mode", |t| t.contains("shared · round-robin"));
    app.press("a", "the attacker started", |t| {
        t.contains("attacker started")
    });
    app.wait_for("the attacker getting in", |t| {
        t.contains("✓ 1. start the attacker") && t.contains("GET /orders → 200")
    });
    app.press("R", "the revoke", |t| t.contains("revoked alice"));
    // Sessions done; the statement asks for tokens too, and the checklist says so.
    app.wait_for("the cut-off with sessions", |t| {
        t.contains("now switch to token")
    });
    // Tokens: `m` to token mode, `d` the denylist, `a` the attacker again, `R` revoke.
    app.press("m", "token mode", |t| t.contains("token · round-robin"));
    // `a` toggles: it stops an attacker still running from the shared-mode round, so the
    // status line (the first line) says which it did.
    let top = |t: &str| t.lines().next().unwrap_or_default().to_string();
    // Wait for the lab's answer on the status line itself (the checklist names the denylist
    // too): a later answer would overwrite the attacker's status below.
    app.press("d", "the denylist on", |t| top(t).contains("denylist on"));
    let started = app.press("a", "the attacker toggled", |t| {
        top(t).contains("attacker started") || top(t).contains("attacker stopped")
    });
    if !top(&started).contains("attacker started") {
        app.press("a", "the attacker started", |t| {
            top(t).contains("attacker started")
        });
    }
    app.wait_for("the attacker getting in with a token", |t| {
        t.contains("GET /orders → 200")
    });
    app.press("R", "the revoke", |t| t.contains("revoked alice"));
    let done = app.wait_for("the checklist at 4/4", |t| {
        t.contains("Checklist 4/4") && t.contains("lab ✓")
    });
    assert!(done.contains("✓ 2. cut it off"), "{done}");

    let progress = app.quit();
    assert!(service_passed(&progress, "logout-now"), "{progress}");
}

/// stale-role from inside the app: the console's request line takes each request as one
/// line (`POST /login {…}`), the jar keeps bob's token, `b` attaches it, the history brings
/// the old request back, `d` turns the denylist on; the workspace's `C` checks it.
#[test]
fn stale_role_with_the_console() {
    if skip() {
        return;
    }
    let app = App::start("stale");
    app.press("m", "shared mode", |t| t.contains("shared · round-robin"));
    app.press("m", "token mode", |t| t.contains("token · round-robin"));

    // Log bob in from the request line; his jar gets the token.
    app.press("c", "the console, typing", |t| {
        t.contains(CONSOLE) && t.contains("Esc stop editing")
    });
    app.type_text(r#"POST /login {"username":"bob","password":"builder"}"#);
    app.press("Enter", "bob logged in", |t| {
        t.contains("Response 200") && t.contains("jar bob")
    });
    // The admin door, with his token as Bearer.
    let send_line = |line: &str, then: &str, pred: &dyn Fn(&str) -> bool| {
        app.press("e", "the request line", |t| t.contains("Esc stop editing"));
        app.key("C-l");
        app.type_text(line);
        app.wait_for("the line typed", |t| t.contains(line));
        app.press("Enter", then, pred);
    };
    send_line("/orders/all", "the answer", &|t| t.contains("Response"));
    app.press("b", "the bearer attached", |t| {
        t.contains("headers Authorization: Bearer ey")
    });
    app.press("Enter", "the admin door open", |t| {
        t.contains("Response 200") && t.contains("\"orders\"")
    });

    // Demote him, then the same token again: still admin.
    send_line(
        r#"POST /admin/users/bob/role {"role":"customer"}"#,
        "the demotion",
        &|t| t.contains("Response 200") && t.contains("is now customer"),
    );
    app.press("e", "the request line", |t| t.contains("Esc stop editing"));
    app.press("Up", "the old request back", |t| {
        t.contains("request GET /orders/all")
    });
    app.press("Enter", "the stale role", |t| {
        t.contains("Response 200") && t.contains("\"orders\"")
    });

    // Make it bite: the denylist (`d` from the reader), then revoke bob.
    app.esc_to("the reader", |t| t.contains(READER));
    app.press("d", "the denylist on", |t| {
        t.lines().next().unwrap_or_default().contains("denylist on")
    });
    app.press("c", "the console, typing", |t| {
        t.contains("Esc stop editing")
    });
    app.key("C-l");
    app.type_text(r#"POST /admin/revoke {"user":"bob"}"#);
    app.press("Enter", "bob revoked", |t| t.contains("Response 200"));
    app.press("e", "the request line", |t| t.contains("Esc stop editing"));
    app.press("Up", "the old request back", |t| {
        t.contains("request GET /orders/all")
    });
    app.press("Enter", "the old token refused", |t| {
        t.contains("Response 401")
    });

    // The workspace: the fourth problem, checked.
    app.esc_to("the reader", |t| t.contains(READER));
    app.press("o", "the workspace", |t| {
        t.contains("The disappearing login")
    });
    for title in [
        "Where did the state go?",
        "Log out, now",
        "The role that would not leave",
    ] {
        app.press("n", title, |t| t.contains(title));
    }
    // Opening a problem checks the lab at once; C checks again.
    app.checklist("all five steps", |t| {
        t.contains("Checklist 5/5") && t.contains("lab ✓")
    });
}
