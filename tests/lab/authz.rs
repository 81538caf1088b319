//! Authorization: who may do what, on top of who you are. `GET /orders/all` is for admins;
//! roles live in the user table, which sessions read at every request and tokens do not.

use forgetful::api::{Event, Mode};
use serde_json::{Value, json};

use crate::common::{self, Answer, TestLab};

/// Where a login's credential works: the replica that holds it in local mode, else the balancer.
fn home(lab: &TestLab, mode: Mode, login: &Answer) -> String {
    match mode {
        Mode::Local => lab.replica_url(&login.served_by),
        _ => lab.url.clone(),
    }
}

fn users_in(a: &Answer) -> Vec<String> {
    let mut users: Vec<String> = a.body["orders"]
        .as_array()
        .unwrap_or_else(|| panic!("no orders: {:?}", a.body))
        .iter()
        .map(|o| o["user"].as_str().unwrap().to_string())
        .collect();
    users.sort();
    users.dedup();
    users
}

#[tokio::test]
async fn every_order_is_for_admins_only_in_every_mode() {
    for mode in [Mode::Local, Mode::Shared, Mode::Token] {
        let lab = common::start(mode).await;
        let (login, bob) = lab.login("bob", "builder").await;
        let a = lab
            .get_at(&home(&lab, mode, &login), "/orders/all", Some(&bob))
            .await;
        assert_eq!(a.status, 200, "{mode}: {:?}", a.body);
        assert_eq!(users_in(&a), ["alice", "bob"], "{mode}");
        assert_eq!(a.body["role"], "admin");

        let (login, alice) = lab.alice().await;
        let a = lab
            .get_at(&home(&lab, mode, &login), "/orders/all", Some(&alice))
            .await;
        assert_eq!(a.status, 403, "{mode}: {:?}", a.body);
        assert_eq!(a.body["error"], "forbidden");
        assert!(
            a.reason().starts_with("alice has role customer")
                && a.reason().contains("for role admin"),
            "{mode}: {}",
            a.reason()
        );

        let a = lab.get("/orders/all", None).await;
        assert_eq!(a.status, 401, "{mode}: {:?}", a.body);
        assert_eq!(a.body["error"], "unauthorized");

        // The refusal is in the journal, with who was refused and why.
        let j = lab
            .journal_when("the 403 in the journal", |j| {
                j.iter().any(|e| e.path == "/orders/all" && e.status == 403)
            })
            .await;
        let e = j.iter().find(|e| e.status == 403).unwrap();
        assert_eq!(e.user.as_deref(), Some("alice"));
        assert!(e.reason.as_deref().unwrap().contains("role admin"));
        lab.shutdown().await;
    }
}

#[tokio::test]
async fn sessions_see_a_role_change_at_their_next_request() {
    for mode in [Mode::Local, Mode::Shared] {
        let lab = common::start(mode).await;
        let (login, alice) = lab.alice().await;
        let at = home(&lab, mode, &login);
        assert_eq!(
            lab.get_at(&at, "/orders/all", Some(&alice)).await.status,
            403
        );
        let r = lab
            .admin("/users/alice/role", json!({"role": "admin"}))
            .await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(
            (r.body["role"].clone(), r.body["previous"].clone()),
            (json!("admin"), json!("customer"))
        );
        let a = lab.get_at(&at, "/orders/all", Some(&alice)).await;
        assert_eq!(
            a.status, 200,
            "{mode}: the same session, now an admin: {:?}",
            a.body
        );
        let me = lab.get_at(&at, "/me", Some(&alice)).await;
        assert_eq!(me.body["role"], "admin");
        assert!(
            me.body["role_from"]
                .as_str()
                .unwrap()
                .contains("user table")
        );

        lab.admin("/users/alice/role", json!({"role": "customer"}))
            .await;
        assert_eq!(
            lab.get_at(&at, "/orders/all", Some(&alice)).await.status,
            403,
            "{mode}: demoted at once"
        );
        let j = lab
            .journal_when("two role changes", |j| {
                j.iter()
                    .filter(|e| e.event == Some(Event::RoleChanged))
                    .count()
                    == 2
            })
            .await;
        let e = common::last_event(&j, Event::RoleChanged).unwrap();
        assert_eq!(e.user.as_deref(), Some("alice"));
        assert!(
            e.reason
                .as_deref()
                .unwrap()
                .contains("alice is now customer (was admin)")
        );
        lab.shutdown().await;
    }
}

#[tokio::test]
async fn a_token_keeps_the_role_it_was_signed_with() {
    let lab = common::start(Mode::Token).await;
    let (_, bob) = lab.login("bob", "builder").await;
    let r = lab
        .admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    // The old token still says admin, and every replica believes it: the stale role.
    for (name, a) in lab.on_each("/orders/all", &bob).await {
        assert_eq!(a.status, 200, "{name}: {:?}", a.body);
    }
    // A new login is signed with the role the table holds now.
    let (_, fresh) = lab.login("bob", "builder").await;
    let a = lab.get("/orders/all", Some(&fresh)).await;
    assert_eq!(a.status, 403, "{:?}", a.body);
    assert!(
        a.reason().contains("the token's role claim"),
        "{}",
        a.reason()
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn a_role_change_refuses_unknown_users_and_roles() {
    let lab = common::start(Mode::Shared).await;
    let a = lab
        .admin("/users/nobody/role", json!({"role": "admin"}))
        .await;
    assert_eq!(a.status, 404, "{:?}", a.body);
    assert_eq!(a.body["error"], "not found");
    assert!(
        a.reason().contains("no user named nobody"),
        "{}",
        a.reason()
    );

    let long = "n".repeat(5000);
    let a = lab
        .admin(&format!("/users/{long}/role"), json!({"role": "admin"}))
        .await;
    assert_eq!(a.status, 404);
    assert!(a.reason().len() < 300, "echoed {} bytes", a.reason().len());

    for (body, why) in [
        (
            json!({"role": "root"}),
            r#"unknown role "root": expected customer or admin"#,
        ),
        (json!({"role": 7}), "expected a role"),
        (json!({}), "missing field `role`"),
        (Value::Null, "malformed JSON"),
    ] {
        let a = lab.admin("/users/alice/role", body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {:?}", a.body);
        assert_eq!(a.body["error"], "bad request");
        assert!(a.reason().contains(why), "{body}: {}", a.reason());
    }
    // Nothing changed.
    let (_, alice) = lab.alice().await;
    assert_eq!(lab.get("/orders/all", Some(&alice)).await.status, 403);
    lab.shutdown().await;
}
