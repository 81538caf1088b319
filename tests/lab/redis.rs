use forgetful::api::Mode;
use forgetful::store::StoreSpec;
use serde_json::json;

use crate::common::{self, redis_url};

#[tokio::test]
async fn redis_store_keeps_sessions_across_restarts_and_revokes() {
    let Some(url) = redis_url() else { return };
    let lab = common::start_with(Mode::Shared, StoreSpec::Redis(url.clone()), None).await;
    assert_eq!(lab.lab().store(), url);
    let (_, cred) = lab.alice().await;
    for r in lab.replicas() {
        lab.restart(&r).await;
    }
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 200, "{name}: {:?}", a.body);
        assert!(a.body["remembered_by"].as_str().unwrap().contains("redis"));
    }
    // A new lab on the same Redis still knows it.
    lab.shutdown().await;
    let lab = common::start_with(Mode::Shared, StoreSpec::Redis(url.clone()), None).await;
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 200, "after lab restart {name}");
    }
    lab.admin("/revoke", json!({"user": "alice"})).await;
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 401, "{name}");
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn redis_denylist_refuses_revoked_tokens() {
    let Some(url) = redis_url() else { return };
    let lab = common::start_with(Mode::Token, StoreSpec::Redis(url), None).await;
    lab.admin("/denylist", json!({"enabled": true})).await;
    let (_, cred) = lab.login("bob", "builder").await;
    let a = lab.post("/logout", json!({}), Some(&cred)).await;
    assert_eq!(a.body["logged_out"], true);
    for (name, a) in lab.on_each("/me", &cred).await {
        assert_eq!(a.status, 401, "{name}");
        assert!(a.reason().contains("denylist"));
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn redis_keeps_refresh_tokens_and_catches_their_reuse() {
    let Some(url) = redis_url() else { return };
    let lab = common::start_with(Mode::Token, StoreSpec::Redis(url), None).await;
    let refresh = async |token: &str| {
        lab.post("/token/refresh", json!({"refresh_token": token}), None)
            .await
    };
    let (login, _) = lab.alice().await;
    let first = login.body["refresh_token"].as_str().unwrap().to_string();
    let a = refresh(&first).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    let second = a.body["refresh_token"].as_str().unwrap().to_string();
    let a = refresh(&first).await;
    assert_eq!(a.status, 401);
    assert!(
        a.reason().starts_with("refresh token already used"),
        "{}",
        a.reason()
    );
    let a = refresh(&second).await;
    assert_eq!(a.status, 401);
    assert!(a.reason().contains("revoked"), "{}", a.reason());
    // Two at once: never two winners. One is refused as a reuse; whether the other keeps
    // its new pair depends on timing, since that reuse revokes the whole family, the first
    // one's new refresh token included (so [401, 401] is a right answer too).
    let (login, _) = lab.alice().await;
    let t = login.body["refresh_token"].as_str().unwrap().to_string();
    let (a, b) = tokio::join!(refresh(&t), refresh(&t));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert!(
        statuses == [200, 401] || statuses == [401, 401],
        "{statuses:?}"
    );
    assert!(
        [&a, &b]
            .iter()
            .any(|x| x.status == 401 && x.reason().starts_with("refresh token already used")),
        "{:?} {:?}",
        a.body,
        b.body
    );
    lab.shutdown().await;
}

/// A redis-server of the test's own, so it can be restarted (or paused) under the lab.
pub(crate) struct OwnRedis {
    child: std::process::Child,
    pub(crate) port: u16,
}

impl OwnRedis {
    pub(crate) fn start(port: u16) -> Option<OwnRedis> {
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(OwnRedis { child, port });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn redis_store_reconnects_after_redis_restarts() {
    // Needs a redis-server binary; CI installs one (and sets FORGETFUL_TEST_REDIS).
    if redis_url().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis = OwnRedis::start(port).expect("redis-server starts");
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let lab = common::start_with(Mode::Shared, StoreSpec::Redis(url), None).await;
    lab.alice().await;
    drop(redis);
    // Redis down: a request gets a quick 503 with the store named, not a hang, and /readyz
    // says not ready (while /healthz still says the process is up).
    let started = std::time::Instant::now();
    let a = lab
        .post(
            "/login",
            json!({"username": "alice", "password": "wonderland"}),
            None,
        )
        .await;
    assert_eq!(a.status, 503, "{:?}", a.body);
    assert!(
        a.reason().contains("session store unreachable"),
        "{:?}",
        a.body
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "a dead Redis held the request for {:?}",
        started.elapsed()
    );
    assert_eq!(lab.get("/readyz", None).await.status, 503);
    assert_eq!(lab.get("/healthz", None).await.status, 200);
    // The lab's state (and so the app's lab panel) says the store is not answering.
    assert!(
        !lab.json("/admin/state").await["store_reachable"]
            .as_bool()
            .unwrap()
    );
    let _redis = OwnRedis::start(port).expect("redis-server starts again");
    // The first requests may fail while the connection is re-made; then logins work again.
    common::eventually("the store to reconnect", async || {
        let a = lab
            .post(
                "/login",
                json!({"username": "alice", "password": "wonderland"}),
                None,
            )
            .await;
        assert!(a.status == 200 || a.status == 503, "{:?}", a.body);
        if a.status == 200 {
            Ok(())
        } else {
            Err(format!("{:?}", a.body))
        }
    })
    .await;
    assert_eq!(lab.get("/readyz", None).await.status, 200);
    assert!(
        lab.json("/admin/state").await["store_reachable"]
            .as_bool()
            .unwrap()
    );
    lab.shutdown().await;
}
