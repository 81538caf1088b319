//! Service checks against a real lab over loopback: a scripted learner who does nothing,
//! then part of the work, then the wrong thing, then the right thing.

use forgetful::api::Mode;
use forgetful::client::{LabClient, ReplicaAction};
use forgetful::course::problem::CheckKind;
use forgetful::grade::checks::{self, Report};
use forgetful::store::StoreSpec;
use serde_json::json;

use crate::common::{Cred, TestLab};

async fn check(lab: &TestLab, name: &str, claim: Option<&str>) -> Report {
    let client = LabClient::new(&lab.url, "grader").with_key(Some(lab.key()));
    let kind = CheckKind::parse(name).expect("a built-in check");
    checks::run(kind, &client, 0, claim).await.unwrap()
}

fn done(r: &Report) -> Vec<(&str, bool)> {
    r.steps.iter().map(|s| (s.id.as_str(), s.done)).collect()
}

/// Hints name steps (`step = "fixed"`) and `course check` validates them against
/// `CheckKind::steps`: every check must report exactly those steps, in that order.
#[tokio::test]
async fn every_check_reports_exactly_the_steps_it_declares() {
    let lab = crate::common::start(Mode::Local).await;
    for kind in CheckKind::ALL {
        let r = check(&lab, kind.name(), None).await;
        let ids: Vec<&str> = r.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, kind.steps(), "{kind}");
        assert_eq!(r.check, kind);
        assert_eq!(CheckKind::parse(kind.name()), Some(kind));
    }
}

#[tokio::test]
async fn disappearing_login_nothing_partial_sticky_then_fixed() {
    let lab = crate::common::start(Mode::Local).await;
    let r = check(&lab, "disappearing-login", None).await;
    assert_eq!(done(&r), [("reproduced", false), ("fixed", false)]);
    assert!(
        r.steps[0]
            .next
            .iter()
            .any(|n| n.contains("log in as alice")),
        "says what to do"
    );
    // What to achieve, never the command: commands live in the hints.
    assert!(
        r.steps
            .iter()
            .flat_map(|s| &s.next)
            .all(|n| !n.contains("curl")),
        "{:?}",
        r.steps
    );

    // Partly: logged in, but only hit the same replica so far.
    let (login, cred) = lab.alice().await;
    let r = check(&lab, "disappearing-login", None).await;
    assert!(!r.passed());
    assert!(r.steps[0].next.iter().any(|n| n.contains("GET /orders")));

    // Reproduced: another replica refuses the session.
    for _ in 0..3 {
        lab.get("/orders", Some(&cred)).await;
    }
    let r = check(&lab, "disappearing-login", None).await;
    assert_eq!(done(&r), [("reproduced", true), ("fixed", false)]);
    assert!(
        r.steps[0]
            .evidence
            .iter()
            .any(|e| e.starts_with("POST /login → 200"))
    );
    assert!(
        r.steps[0]
            .evidence
            .iter()
            .any(|e| e.contains("→ 401") && e.contains("unknown to replica"))
    );
    assert!(
        !r.steps[0]
            .evidence
            .iter()
            .any(|e| e.contains(&format!("({}, session", login.served_by)))
    );

    // Wrong fix: sticky in local mode.
    lab.admin("/policy", json!({"policy": "sticky"})).await;
    let (_, cred) = lab.alice().await;
    for _ in 0..3 {
        assert_eq!(lab.get("/orders", Some(&cred)).await.status, 200);
    }
    let r = check(&lab, "disappearing-login", None).await;
    assert!(!r.passed());
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("sticky") && n.contains("restart")),
        "{:?}",
        r.notes
    );

    // Right: shared mode, a new login, accepted by a, b and c.
    lab.admin("/policy", json!({"policy": "round-robin"})).await;
    lab.admin("/mode", json!({"mode": "shared"})).await;
    let (_, cred) = lab.alice().await;
    for _ in 0..2 {
        lab.get("/orders", Some(&cred)).await;
    }
    let r = check(&lab, "disappearing-login", None).await;
    assert!(
        !r.passed(),
        "two requests cannot reach three replicas after the login"
    );
    lab.get("/orders", Some(&cred)).await;
    let r = check(&lab, "disappearing-login", None).await;
    assert!(r.passed(), "{}", checks::render(&r, "t", &|_| None));
    lab.shutdown().await;
}

#[tokio::test]
async fn grader_probes_do_not_count_as_learner_work() {
    let lab = crate::common::start(Mode::Local).await;
    let grader = LabClient::new(&lab.url, "grader").with_key(Some(lab.key()));
    let login = grader
        .send(
            None,
            "POST",
            "/login",
            &[("content-type".into(), "application/json".into())],
            Some(r#"{"username":"alice","password":"wonderland"}"#.into()),
        )
        .await
        .unwrap();
    let sid = login
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    for _ in 0..3 {
        grader
            .send(
                None,
                "GET",
                "/orders",
                &[("cookie".into(), sid.clone())],
                None,
            )
            .await
            .unwrap();
    }
    let r = check(&lab, "disappearing-login", None).await;
    assert!(!r.steps[0].done);
    // Without the lab's key, a `grader` tag is not believed: the same work counts.
    let spoof = LabClient::new(&lab.url, "grader");
    let j = spoof
        .send(
            None,
            "GET",
            "/orders",
            &[("cookie".into(), sid.clone())],
            None,
        )
        .await
        .unwrap();
    assert!(j.status == 200 || j.status == 401);
    let entries = LabClient::new(&lab.url, "learner")
        .journal(0)
        .await
        .unwrap();
    let last = entries.iter().rev().find(|e| e.path == "/orders").unwrap();
    assert_eq!(
        last.source,
        forgetful::api::Source::Learner,
        "a spoofed grader tag counts as the learner"
    );
    lab.shutdown().await;
}

fn edit_payload(token: &str) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let p: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value = serde_json::from_slice(&B64.decode(p[1]).unwrap()).unwrap();
    claims["role"] = json!("admin");
    format!(
        "{}.{}.{}",
        p[0],
        B64.encode(serde_json::to_vec(&claims).unwrap()),
        p[2]
    )
}

fn badge_of(token: &str) -> String {
    use base64::Engine;
    let p: Vec<&str> = token.split('.').collect();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p[1])
            .unwrap(),
    )
    .unwrap();
    claims["badge"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn where_state_goes_nothing_wrong_badge_then_all_steps() {
    let lab = crate::common::start(Mode::Token).await;
    let r = check(&lab, "where-state-goes", None).await;
    assert_eq!(
        done(&r),
        [
            ("token", false),
            ("badge", false),
            ("restarts", false),
            ("tampered", false)
        ]
    );

    let (_, cred) = lab.alice().await;
    let Cred::Bearer(token) = cred.clone() else {
        panic!()
    };
    let r = check(&lab, "where-state-goes", Some("walrus-99")).await;
    assert_eq!(done(&r)[..2], [("token", true), ("badge", false)]);
    assert!(
        r.steps[1].next.iter().any(|n| n.contains("not the badge")),
        "{:?}",
        r.steps[1].next
    );

    let badge = badge_of(&token);
    // Restart only two replicas: not enough.
    let client = LabClient::new(&lab.url, "learner");
    client.replica("a", ReplicaAction::Restart).await.unwrap();
    client.replica("b", ReplicaAction::Restart).await.unwrap();
    lab.get("/orders", Some(&cred)).await;
    let r = check(&lab, "where-state-goes", Some(&badge)).await;
    assert_eq!(
        done(&r),
        [
            ("token", true),
            ("badge", true),
            ("restarts", false),
            ("tampered", false)
        ]
    );
    assert!(
        r.steps[2]
            .next
            .iter()
            .any(|n| n.contains("not yet restarted since your login: c"))
    );

    client.replica("c", ReplicaAction::Restart).await.unwrap();
    // A route that answers anyone proves nothing about the token.
    assert_eq!(lab.get("/healthz", Some(&cred)).await.status, 200);
    let r = check(&lab, "where-state-goes", Some(&badge)).await;
    assert!(
        !r.steps[2].done,
        "healthz must not count: {:?}",
        r.steps[2].evidence
    );
    assert_eq!(lab.get("/orders", Some(&cred)).await.status, 200);
    // A forged token with a different jti does not count; the edited copy of this one does.
    assert_eq!(
        lab.get("/orders", Some(&Cred::Bearer(edit_payload(&token))))
            .await
            .status,
        401
    );
    let r = check(&lab, "where-state-goes", Some(&badge)).await;
    assert!(r.passed(), "{}", checks::render(&r, "t", &|_| None));
    assert!(r.steps[3].evidence[0].contains("signature does not verify"));
    lab.shutdown().await;
}

#[tokio::test]
async fn logout_now_token_without_denylist_fails_with_a_reason_then_passes() {
    let lab = crate::common::start(Mode::Token).await;
    let client = LabClient::new(&lab.url, "learner");
    let r = check(&lab, "logout-now", None).await;
    assert!(!r.steps[0].done);
    assert!(r.steps[0].next[0].contains("start the attacker"));

    let (_, bob) = lab.login("bob", "builder").await;
    client.start_attacker("alice").await.unwrap();
    lab.attacker_got_in().await;
    client.revoke("alice").await.unwrap();
    lab.attacker_tried_after_revoke().await;
    let r = check(&lab, "logout-now", None).await;
    assert_eq!(done(&r)[..2], [("attacker", true), ("cut-off", false)]);
    assert!(
        r.notes.iter().any(|n| n.contains("denylist")),
        "{:?}",
        r.notes
    );

    client.set_denylist(true).await.unwrap();
    client.revoke("alice").await.unwrap();
    lab.attacker_tried_after_revoke().await;
    assert_eq!(lab.get("/orders", Some(&bob)).await.status, 200);
    // Cut off with tokens; the statement also asks for sessions, and the check says so.
    let r = check(&lab, "logout-now", None).await;
    assert!(!r.steps[1].done);
    assert!(
        r.steps[1]
            .next
            .iter()
            .any(|n| n.contains("now do it with sessions")),
        "{}",
        checks::render(&r, "t", &|_| None)
    );
    client.set_mode(Mode::Shared).await.unwrap();
    client.start_attacker("alice").await.unwrap();
    lab.attacker_got_in().await;
    client.revoke("alice").await.unwrap();
    lab.attacker_tried_after_revoke().await;
    let (_, bob) = lab.login("bob", "builder").await;
    assert_eq!(lab.get("/orders", Some(&bob)).await.status, 200);
    let r = check(&lab, "logout-now", None).await;
    assert!(r.passed(), "{}", checks::render(&r, "t", &|_| None));
    let cut = r.steps[1].evidence.join("\n");
    assert!(
        cut.contains("in token mode") && cut.contains("in shared mode"),
        "{cut}"
    );
    assert_eq!(
        r.steps[2].evidence.len(),
        3,
        "one grader replay per replica"
    );
    assert!(r.steps[3].evidence[0].contains("200"));
    lab.shutdown().await;
}

#[tokio::test]
async fn logout_now_in_shared_mode_takes_a_plain_revoke_then_tokens_too() {
    let lab = crate::common::start(Mode::Shared).await;
    let client = LabClient::new(&lab.url, "learner");
    client.start_attacker("alice").await.unwrap();
    lab.attacker_got_in().await;
    client.revoke("alice").await.unwrap();
    lab.attacker_tried_after_revoke().await;
    let r = check(&lab, "logout-now", None).await;
    assert!(!r.passed());
    assert!(
        r.steps[1]
            .next
            .iter()
            .any(|n| n.contains("now switch to token mode")),
        "{}",
        checks::render(&r, "t", &|_| None)
    );
    client.set_mode(Mode::Token).await.unwrap();
    client.set_denylist(true).await.unwrap();
    client.start_attacker("alice").await.unwrap();
    lab.attacker_got_in().await;
    client.revoke("alice").await.unwrap();
    lab.attacker_tried_after_revoke().await;
    let r = check(&lab, "logout-now", None).await;
    assert!(r.passed(), "{}", checks::render(&r, "t", &|_| None));
    lab.shutdown().await;
}

async fn cli_check(lab: &TestLab, data: &std::path::Path, extra: &[&str]) -> (i32, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_forgetful"));
    cmd.args([
        "check",
        "disappearing-login",
        "--url",
        &lab.url,
        "--data-dir",
    ])
    .arg(data)
    .args(extra);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap(), text)
}

#[tokio::test]
async fn check_command_exit_codes_progress_and_restart_mark() {
    let lab = crate::common::start(Mode::Local).await;
    let data = tempfile::tempdir().unwrap();
    let (code, out) = cli_check(&lab, data.path(), &[]).await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("✗ 1.") && out.contains("log in as alice") && !out.contains("curl"),
        "{out}"
    );

    // Work done before the first check still counts.
    let (_, cred) = lab.alice().await;
    for _ in 0..3 {
        lab.get("/orders", Some(&cred)).await;
    }
    lab.admin("/mode", json!({"mode": "token"})).await;
    let (_, token) = lab.alice().await;
    for _ in 0..3 {
        lab.get("/orders", Some(&token)).await;
    }
    let (code, out) = cli_check(&lab, data.path(), &[]).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("✓ 1.") && out.contains("✓ 2.") && out.contains("passed"),
        "{out}"
    );
    let progress = std::fs::read_to_string(data.path().join("progress.json")).unwrap();
    assert!(
        progress.contains("unknown to replica"),
        "evidence recorded: {progress}"
    );

    // --restart: only later evidence counts.
    let (code, out) = cli_check(&lab, data.path(), &["--restart"]).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("fresh start"), "{out}");

    // Unreachable lab: exit 2 with how to start it.
    let dir = lab.shutdown().await;
    drop(dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_forgetful"))
        .args([
            "check",
            "logout-now",
            "--url",
            "http://127.0.0.1:9",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("forgetful serve"));
}

#[tokio::test]
async fn logout_now_is_not_passed_by_stopping_replicas_or_switching_modes() {
    // After the mode switch every replay is refused, and at 20 refusals in a row the attacker
    // gives up; a slower one is surely still running for the second wrong fix.
    let lab = crate::common::start_configured(Mode::Token, StoreSpec::Memory, None, |cfg| {
        cfg.limits.attacker_period = std::time::Duration::from_millis(100)
    })
    .await;
    let client = LabClient::new(&lab.url, "learner");
    client.start_attacker("alice").await.unwrap();
    lab.attacker_got_in().await;
    client.revoke("alice").await.unwrap(); // denylist off: useless

    // Wrong fix 1: switch modes, so the token is merely the wrong kind of credential.
    client.set_mode(Mode::Shared).await.unwrap();
    lab.attacker_tried_after_revoke().await;
    let r = check(&lab, "logout-now", None).await;
    assert!(!r.steps[1].done, "a mode switch is not a logout");
    assert!(
        r.notes.iter().any(|n| n.contains("mode changed")),
        "{:?}",
        r.notes
    );

    // Wrong fix 2: back to token mode, then stop every replica.
    client.set_mode(Mode::Token).await.unwrap();
    client.revoke("alice").await.unwrap();
    for name in ["a", "b", "c"] {
        client.replica(name, ReplicaAction::Stop).await.unwrap();
    }
    lab.attacker_tried_after_revoke().await;
    let r = check(&lab, "logout-now", None).await;
    assert!(!r.passed(), "{}", checks::render(&r, "t", &|_| None));
    assert!(!r.steps[1].done);
    assert!(
        r.notes.iter().any(|n| n.contains("stopping replicas")),
        "{:?}",
        r.notes
    );
    client.stop_attacker().await.unwrap();
    lab.shutdown().await;
}

#[tokio::test]
async fn logout_now_does_not_blame_the_revoke_for_local_mode_misses() {
    let lab = crate::common::start(Mode::Local).await;
    let client = LabClient::new(&lab.url, "learner");
    let (_, bob) = lab.login("bob", "builder").await;
    client.start_attacker("alice").await.unwrap();
    lab.attacker_got_in().await;
    client.revoke("alice").await.unwrap();
    lab.attacker_tried_after_revoke().await;
    // Bob's cookie lives on one replica; the other two refuse it, as local mode always does.
    // The attacker's replays share the balancer's rotation, so three in a row may skip bob's
    // replica: ask until both answers have come (round-robin reaches it within a few).
    let mut statuses: Vec<u16> = Vec::new();
    while statuses.len() < 30 && !(statuses.contains(&401) && statuses.contains(&200)) {
        statuses.push(lab.get("/orders", Some(&bob)).await.status);
    }
    assert!(
        statuses.contains(&401) && statuses.contains(&200),
        "{statuses:?}"
    );
    let r = check(&lab, "logout-now", None).await;
    assert!(r.steps[3].done, "{}", checks::render(&r, "t", &|_| None));
    lab.shutdown().await;
}

#[tokio::test]
async fn disappearing_login_with_sticky_left_on_says_how_to_finish() {
    let lab = crate::common::start(Mode::Local).await;
    lab.admin("/policy", json!({"policy": "sticky"})).await;
    lab.admin("/mode", json!({"mode": "shared"})).await;
    let (_, cred) = lab.alice().await;
    for _ in 0..4 {
        lab.get("/orders", Some(&cred)).await;
    }
    let r = check(&lab, "disappearing-login", None).await;
    assert!(!r.steps[1].done);
    assert!(
        r.steps[1]
            .next
            .iter()
            .any(|n| n.contains("sticky") && n.contains("round-robin")),
        "{:?}",
        r.steps[1].next
    );
    // Asking each replica directly finishes it, sticky or not.
    for (_, a) in lab.on_each("/orders", &cred).await {
        assert_eq!(a.status, 200);
    }
    let r = check(&lab, "disappearing-login", None).await;
    assert!(r.steps[1].done, "{}", checks::render(&r, "t", &|_| None));
    lab.shutdown().await;
}

// stale-role, as a learner does it: bob's admin token opens /orders/all, he is demoted, the
// same token still gets in, the denylist and a revoke make it bite; alice is left alone.
#[tokio::test]
async fn stale_role_from_the_admin_door_to_the_demotion_biting() {
    let lab = crate::common::start(Mode::Token).await;
    let client = LabClient::new(&lab.url, "learner");
    let r = check(&lab, "stale-role", None).await;
    assert!(!r.steps[0].done);

    let (_, bob) = lab.login("bob", "builder").await;
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 200);
    let r = check(&lab, "stale-role", None).await;
    assert_eq!(done(&r)[..2], [("admin-door", true), ("demoted", false)]);

    let demote = lab
        .admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert_eq!(demote.status, 200, "{:?}", demote.body);
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 200);
    let r = check(&lab, "stale-role", None).await;
    assert_eq!(
        done(&r),
        [
            ("admin-door", true),
            ("demoted", true),
            ("stale", true),
            ("fixed", false),
            ("others", false)
        ]
    );

    client.set_denylist(true).await.unwrap();
    client.revoke("bob").await.unwrap();
    let refused = lab.get("/orders/all", Some(&bob)).await;
    assert_eq!(refused.status, 401, "{:?}", refused.body);
    let r = check(&lab, "stale-role", None).await;
    assert!(r.passed(), "{}", checks::render(&r, "t", &|_| None));
    // Nobody else sent anything: the check logged alice in itself, and says so.
    assert!(
        r.steps[4].evidence[0].contains("the check logged alice in itself"),
        "{:?}",
        r.steps[4].evidence
    );
    lab.shutdown().await;
}

// Switching modes refuses bob's token too, and everyone else's: not a fix.
#[tokio::test]
async fn stale_role_is_not_fixed_by_switching_modes() {
    let lab = crate::common::start(Mode::Token).await;
    let client = LabClient::new(&lab.url, "learner");
    let (_, bob) = lab.login("bob", "builder").await;
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 200);
    lab.admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    client.set_mode(Mode::Shared).await.unwrap();
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 401);
    let r = check(&lab, "stale-role", None).await;
    assert!(!r.steps[3].done);
    assert!(
        r.steps[3].next.iter().any(|n| n.contains("mode switch")),
        "{:?}",
        r.steps[3]
    );
    lab.shutdown().await;
}

// A learner who follows lesson 14 first: bob's token opens /orders/all only after he was
// demoted, and setting customer again changes nothing ("was customer"). None of that is a
// demotion of an admin; a whole correct run afterwards passes, with no --restart.
#[tokio::test]
async fn stale_role_ignores_a_no_op_demotion_and_judges_the_latest_run() {
    let lab = crate::common::start(Mode::Token).await;
    let client = LabClient::new(&lab.url, "learner");
    let (_, first) = lab.login("bob", "builder").await;
    let demote = lab
        .admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert_eq!(demote.status, 200);
    assert_eq!(lab.get("/orders/all", Some(&first)).await.status, 200);
    let noop = lab
        .admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert!(
        noop.body.to_string().contains("was customer"),
        "{:?}",
        noop.body
    );
    let r = check(&lab, "stale-role", None).await;
    assert_eq!(done(&r)[..2], [("admin-door", true), ("demoted", false)]);
    assert!(
        r.steps[1]
            .next
            .iter()
            .any(|n| n.contains("already a customer")),
        "{:?}",
        r.steps[1]
    );

    // Now the whole thing, in order, from admin again.
    lab.admin("/users/bob/role", json!({"role": "admin"})).await;
    let (_, bob) = lab.login("bob", "builder").await;
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 200);
    lab.admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 200);
    let r = check(&lab, "stale-role", None).await;
    assert_eq!(
        done(&r)[..4],
        [
            ("admin-door", true),
            ("demoted", true),
            ("stale", true),
            ("fixed", false)
        ]
    );
    client.set_denylist(true).await.unwrap();
    client.revoke("bob").await.unwrap();
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 401);
    let r = check(&lab, "stale-role", None).await;
    assert!(r.passed(), "{}", checks::render(&r, "t", &|_| None));
    lab.shutdown().await;
}

// An attempt spoilt by a mode switch does not hold a later clean one back.
#[tokio::test]
async fn stale_role_a_spoilt_attempt_gives_way_to_a_later_clean_one() {
    let lab = crate::common::start(Mode::Token).await;
    let client = LabClient::new(&lab.url, "learner");
    let (_, first) = lab.login("bob", "builder").await;
    assert_eq!(lab.get("/orders/all", Some(&first)).await.status, 200);
    lab.admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert_eq!(lab.get("/orders/all", Some(&first)).await.status, 200);
    client.set_mode(Mode::Shared).await.unwrap();
    assert_eq!(lab.get("/orders/all", Some(&first)).await.status, 401);
    let r = check(&lab, "stale-role", None).await;
    assert!(!r.steps[3].done);

    client.set_mode(Mode::Token).await.unwrap();
    lab.admin("/users/bob/role", json!({"role": "admin"})).await;
    let (_, bob) = lab.login("bob", "builder").await;
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 200);
    lab.admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 200);
    client.set_denylist(true).await.unwrap();
    client.revoke("bob").await.unwrap();
    assert_eq!(lab.get("/orders/all", Some(&bob)).await.status, 401);
    let r = check(&lab, "stale-role", None).await;
    assert!(r.passed(), "{}", checks::render(&r, "t", &|_| None));
    assert!(
        r.steps[0].evidence.iter().all(|e| !e.is_empty()),
        "{:?}",
        r.steps[0]
    );
    lab.shutdown().await;
}
