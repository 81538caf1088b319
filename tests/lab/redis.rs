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
