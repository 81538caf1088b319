use forgetful::api::Mode;
use forgetful::store::StoreSpec;
use serde_json::json;

use crate::common::{self, Cred};

#[tokio::test]
async fn local_mode_loses_the_login_on_other_replicas() {
    let lab = common::start(Mode::Local).await;
    let (login, cred) = lab.alice().await;
    let home = login.served_by.clone();
    assert!(login.sid.as_ref().unwrap().len() >= 43, "256-bit id");
    for (name, a) in lab.on_each("/me", &cred).await {
        if name == home {
            assert_eq!(a.status, 200, "{name}: {:?}", a.body);
            assert_eq!(a.body["user"], "alice");
        } else {
            assert_eq!(a.status, 401, "{name}");
            assert_eq!(a.served_by, name);
            let tail: String = login
                .sid
                .as_ref()
                .unwrap()
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            assert_eq!(
                a.reason(),
                format!("session sid=…{tail} unknown to replica {name} (local memory)")
            );
        }
    }
    // Through the balancer, round-robin: the next two requests land elsewhere and fail.
    let next: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..3 {
            v.push(lab.get("/orders", Some(&cred)).await.status);
        }
        v
    };
    assert_eq!(next.iter().filter(|s| **s == 401).count(), 2, "{next:?}");
    lab.shutdown().await;
}

#[tokio::test]
async fn login_cookie_has_safe_attributes() {
    let lab = common::start(Mode::Local).await;
    let resp = lab
        .http
        .post(format!("{}/login", lab.url))
        .json(&json!({"username": "alice", "password": "wonderland"}))
        .send()
        .await
        .unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_string();
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn wrong_password_is_401_and_users_are_hashed() {
    let lab = common::start(Mode::Shared).await;
    let a = lab
        .post(
            "/login",
            json!({"username": "alice", "password": "nope"}),
            None,
        )
        .await;
    assert_eq!(a.status, 401);
    assert_eq!(a.reason(), "wrong username or password");
    let a = lab
        .post(
            "/login",
            json!({"username": "mallory", "password": "x"}),
            None,
        )
        .await;
    assert_eq!(a.status, 401);
    // The shop database holds an Argon2 hash, never the password.
    let db = rusqlite::Connection::open(lab.dir.path().join("shop.db")).unwrap();
    let hash: String = db
        .query_row(
            "SELECT password_hash FROM users WHERE name='alice'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(hash.starts_with("$argon2"), "{hash}");
    assert!(!hash.contains("wonderland"));
    lab.shutdown().await;
}

#[tokio::test]
async fn shared_mode_survives_every_replica_restart_and_a_lab_restart() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::start_with(Mode::Shared, StoreSpec::Sqlite, Some(dir)).await;
    let (_, cred) = lab.alice().await;
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 200, "{name}: {:?}", a.body);
    }
    for r in lab.replicas() {
        lab.restart(&r).await;
    }
    for (name, a) in lab.on_each("/orders", &cred).await {
        assert_eq!(a.status, 200, "after restarts, {name}: {:?}", a.body);
    }
    // Only a hash of the id is stored.
    let Cred::Cookie(sid) = &cred else { panic!() };
    let db = rusqlite::Connection::open(lab.dir.path().join("sessions.db")).unwrap();
    let stored: Vec<String> = db
        .prepare("SELECT sid_hash FROM sessions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored.len(), 1);
    assert_ne!(&stored[0], sid);
    assert_eq!(stored[0], forgetful::lab::sessions::hash_id(sid));
    drop(db);
    // A whole new `forgetful serve` on the same data dir still knows the session.
    let dir = lab.shutdown().await;
    let lab = common::start_with(Mode::Shared, StoreSpec::Sqlite, Some(dir)).await;
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 200, "after lab restart, {name}: {:?}", a.body);
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn sticky_hides_the_bug_until_the_pinned_replica_restarts() {
    let lab = common::start(Mode::Local).await;
    lab.admin("/policy", json!({"policy": "sticky"})).await;
    let (login, cred) = lab.alice().await;
    for _ in 0..6 {
        let a = lab.get("/orders", Some(&cred)).await;
        assert_eq!(a.status, 200, "sticky keeps it on {}", login.served_by);
        assert_eq!(a.served_by, login.served_by);
    }
    lab.restart(&login.served_by).await;
    let a = lab.get("/orders", Some(&cred)).await;
    assert_eq!(a.status, 401, "the pinned replica forgot: {:?}", a.body);
    assert!(a.reason().contains("local memory"));
    lab.shutdown().await;
}

#[tokio::test]
async fn orders_are_data_and_survive_mode_switches_and_restarts() {
    let lab = common::start(Mode::Shared).await;
    let (_, cred) = lab.alice().await;
    let a = lab
        .post("/orders", json!({"item": "a croquet mallet"}), Some(&cred))
        .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    lab.admin("/mode", json!({"mode": "token"})).await;
    for r in lab.replicas() {
        lab.restart(&r).await;
    }
    let (_, token) = lab.alice().await;
    let a = lab.get("/orders", Some(&token)).await;
    assert_eq!(a.status, 200);
    let items: Vec<&str> = a.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["item"].as_str().unwrap())
        .collect();
    assert!(items.contains(&"a croquet mallet"), "{items:?}");
    lab.shutdown().await;
}

#[tokio::test]
async fn logout_and_revoke_end_sessions_on_every_replica() {
    let lab = common::start(Mode::Shared).await;
    let (_, cred) = lab.alice().await;
    let a = lab.post("/logout", json!({}), Some(&cred)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["logged_out"], true);
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 401, "{name}");
        assert!(
            a.reason().contains("not found in the shared store"),
            "{}",
            a.reason()
        );
    }
    // Revoke ends alice's sessions but not bob's.
    let (_, alice) = lab.alice().await;
    let (_, bob) = lab.login("bob", "builder").await;
    let r = lab.admin("/revoke", json!({"user": "alice"})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["shared_sessions_deleted"], 1);
    for (name, a) in lab.on_each("/me", &alice).await {
        assert_eq!(a.status, 401, "{name}");
    }
    for (name, a) in lab.on_each("/me", &bob).await {
        assert_eq!(a.status, 200, "{name}");
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn revoke_in_local_mode_clears_every_replicas_memory() {
    let lab = common::start(Mode::Local).await;
    let (login, cred) = lab.alice().await;
    let r = lab.admin("/revoke", json!({"user": "alice"})).await;
    assert_eq!(r.body["local_sessions_deleted"], 1);
    let a = lab
        .get_at(&lab.replica_url(&login.served_by), "/me", Some(&cred))
        .await;
    assert_eq!(a.status, 401);
    lab.shutdown().await;
}
