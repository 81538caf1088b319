//! Short-lived access tokens renewed with refresh tokens: rotation, reuse detection, the
//! role read again at each refresh, the lifetime set by flag and live.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use forgetful::api::{Event, Mode};
use forgetful::store::StoreSpec;
use serde_json::{Value, json};

use crate::common::{self, Answer, Cred, TestLab};

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap()
}

fn lifetime(token: &str) -> i64 {
    let c = claims(token);
    c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap()
}

async fn refresh(lab: &TestLab, refresh_token: &str) -> Answer {
    lab.post(
        "/token/refresh",
        json!({"refresh_token": refresh_token}),
        None,
    )
    .await
}

fn pair(a: &Answer) -> (Cred, String) {
    assert_eq!(a.status, 200, "{:?}", a.body);
    (
        Cred::Bearer(a.body["token"].as_str().unwrap().to_string()),
        a.body["refresh_token"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn a_refresh_rotates_both_tokens_on_any_replica() {
    let dir = tempfile::tempdir().unwrap();
    let lab = common::start_with(Mode::Token, StoreSpec::Sqlite, Some(dir)).await;
    let (login, cred) = lab.alice().await;
    assert_eq!(login.body["expires_in"], 900);
    assert_eq!(login.body["refresh_expires_in"], 8 * 3600);
    let mut refresh_token = login.body["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(refresh_token.len(), 43, "256 random bits");
    let Cred::Bearer(first) = &cred else { panic!() };
    let mut seen_jti = vec![claims(first)["jti"].clone()];
    let mut served = Vec::new();
    // Round-robin: consecutive refreshes land on different replicas, which all see the store.
    for _ in 0..4 {
        let a = refresh(&lab, &refresh_token).await;
        served.push(a.served_by.clone());
        let (cred, next) = pair(&a);
        assert_ne!(next, refresh_token, "a refresh token is used once");
        let Cred::Bearer(t) = &cred else { panic!() };
        assert!(!seen_jti.contains(&claims(t)["jti"]), "a new access token");
        seen_jti.push(claims(t)["jti"].clone());
        for (name, a) in lab.on_each("/me", &cred).await {
            assert_eq!(a.status, 200, "{name}: {:?}", a.body);
            assert_eq!(a.body["user"], "alice");
        }
        refresh_token = next;
    }
    served.sort();
    served.dedup();
    assert!(served.len() >= 2, "refreshed on {served:?}");

    // The store keeps hashes: the token itself is nowhere in the file.
    let db = lab.dir.path().join("sessions.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let hashes: Vec<String> = conn
        .prepare("SELECT hash FROM refresh_tokens")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(hashes.len(), 5, "one per login or refresh");
    assert!(hashes.contains(&forgetful::lab::sessions::hash_id(&refresh_token)));
    let raw = std::fs::read(&db).unwrap();
    assert!(
        !raw.windows(refresh_token.len())
            .any(|w| w == refresh_token.as_bytes()),
        "a refresh token is stored in the clear"
    );
    // Refreshes are in the journal with the access token they issued.
    let j = lab
        .journal_when("four refreshes", |j| {
            j.iter()
                .filter(|e| e.path == "/token/refresh" && e.status == 200)
                .count()
                == 4
        })
        .await;
    let e = j.iter().rfind(|e| e.path == "/token/refresh").unwrap();
    assert_eq!(e.user.as_deref(), Some("alice"));
    assert!(e.issued.is_some() && e.token_jti.is_some());
    lab.shutdown().await;
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_family() {
    let lab = common::start(Mode::Token).await;
    let (login, _) = lab.alice().await;
    let stolen = login.body["refresh_token"].as_str().unwrap().to_string();
    let (_, bob_login) = {
        let (a, _) = lab.login("bob", "builder").await;
        (
            a.clone(),
            a.body["refresh_token"].as_str().unwrap().to_string(),
        )
    };
    // The rightful holder refreshes first...
    let (_, current) = pair(&refresh(&lab, &stolen).await);
    // ...then the copy is presented: refused, and the family with it.
    let a = refresh(&lab, &stolen).await;
    assert_eq!(a.status, 401, "{:?}", a.body);
    assert!(
        a.reason().starts_with("refresh token already used"),
        "{}",
        a.reason()
    );
    let a = refresh(&lab, &current).await;
    assert_eq!(a.status, 401, "the family is revoked: {:?}", a.body);
    assert!(a.reason().contains("family"), "{}", a.reason());
    assert!(a.reason().contains("revoked"), "{}", a.reason());

    let j = lab
        .journal_when("the reuse in the journal", |j| {
            common::last_event(j, Event::RefreshReused).is_some()
        })
        .await;
    let e = common::last_event(&j, Event::RefreshReused).unwrap();
    assert_eq!(e.user.as_deref(), Some("alice"));
    assert!(e.reason.as_deref().unwrap().contains("revoked"), "{e:?}");
    let refused = j
        .iter()
        .filter(|e| e.path == "/token/refresh" && e.status == 401)
        .count();
    assert_eq!(refused, 2);

    // Another login is another family; bob's family was never touched.
    let (login, _) = lab.alice().await;
    pair(&refresh(&lab, login.body["refresh_token"].as_str().unwrap()).await);
    pair(&refresh(&lab, &bob_login).await);
    lab.shutdown().await;
}

/// Two refreshes with one token at the same moment: exactly one wins (the store marks a
/// token used atomically), and the loser counts as a reuse.
#[tokio::test]
async fn two_refreshes_at_once_have_one_winner() {
    let lab = common::start(Mode::Token).await;
    for _ in 0..3 {
        let (login, _) = lab.alice().await;
        let token = login.body["refresh_token"].as_str().unwrap().to_string();
        let (a, b) = tokio::join!(refresh(&lab, &token), refresh(&lab, &token));
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 401], "{:?} / {:?}", a.body, b.body);
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn a_refresh_reads_the_role_again() {
    let lab = common::start(Mode::Token).await;
    let (login, bob) = lab.login("bob", "builder").await;
    lab.admin("/users/bob/role", json!({"role": "customer"}))
        .await;
    assert_eq!(
        lab.get("/orders/all", Some(&bob)).await.status,
        200,
        "the old token still says admin"
    );
    let a = refresh(&lab, login.body["refresh_token"].as_str().unwrap()).await;
    let (fresh, _) = pair(&a);
    assert_eq!(a.body["role"], "customer");
    let a = lab.get("/orders/all", Some(&fresh)).await;
    assert_eq!(a.status, 403, "{:?}", a.body);
    lab.shutdown().await;
}

#[tokio::test]
async fn refresh_refusals_say_why() {
    let lab = common::start(Mode::Token).await;
    let a = refresh(&lab, "not-a-token-this-lab-issued").await;
    assert_eq!(a.status, 401);
    assert!(
        a.reason().starts_with("refresh token unknown"),
        "{}",
        a.reason()
    );
    // What the client sent is hashed, never echoed.
    let huge = "r".repeat(15_000);
    let a = refresh(&lab, &huge).await;
    assert_eq!(a.status, 401);
    assert!(a.reason().len() < 200);
    let a = lab.post("/token/refresh", json!({}), None).await;
    assert_eq!(a.status, 400);
    assert!(
        a.reason().contains("missing field `refresh_token`"),
        "{}",
        a.reason()
    );
    let a = common::answer(
        lab.http
            .post(format!("{}/token/refresh", lab.url))
            .header("content-type", "text/plain")
            .body(r#"{"refresh_token":"x"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 415);

    // A revoke reaches refresh tokens whatever the denylist says: they live server side.
    let (login, _) = lab.alice().await;
    let r = login.body["refresh_token"].as_str().unwrap().to_string();
    let (other, _) = lab.login("bob", "builder").await;
    lab.admin("/revoke", json!({"user": "alice"})).await;
    let a = refresh(&lab, &r).await;
    assert_eq!(a.status, 401);
    assert!(
        a.reason()
            .contains("every refresh token of alice issued before the revoke"),
        "{}",
        a.reason()
    );
    pair(&refresh(&lab, other.body["refresh_token"].as_str().unwrap()).await);
    let (login, _) = lab.alice().await;
    pair(&refresh(&lab, login.body["refresh_token"].as_str().unwrap()).await);

    // In the other modes there is nothing to refresh.
    lab.admin("/mode", json!({"mode": "shared"})).await;
    let a = refresh(&lab, &r).await;
    assert_eq!(a.status, 401);
    assert!(a.reason().starts_with("shared mode"), "{}", a.reason());
    lab.shutdown().await;
}

#[tokio::test]
async fn the_token_lifetime_comes_from_the_config_and_the_admin_route() {
    let lab = common::start_configured(Mode::Token, StoreSpec::Memory, None, |cfg| {
        cfg.token_ttl_secs = 60
    })
    .await;
    let state = lab.json("/admin/state").await;
    assert_eq!(state["token_ttl_secs"], 60);
    let (login, cred) = lab.alice().await;
    assert_eq!(login.body["expires_in"], 60);
    let Cred::Bearer(t) = &cred else { panic!() };
    assert_eq!(lifetime(t), 60);

    let a = lab.admin("/token-ttl", json!({"seconds": 30})).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["token_ttl_secs"], 30);
    let a = refresh(&lab, login.body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(a.body["expires_in"], 30);
    assert_eq!(lifetime(a.body["token"].as_str().unwrap()), 30);
    // The token issued before the change keeps its exp.
    assert_eq!(lab.get("/me", Some(&cred)).await.status, 200);

    for (body, why) in [
        (json!({"seconds": 4}), "seconds must be 5 to 86400"),
        (json!({"seconds": 86_401}), "seconds must be 5 to 86400"),
        (json!({"seconds": -1}), "malformed JSON"),
        (json!({"seconds": "ten"}), "malformed JSON"),
        (json!({}), "missing field `seconds`"),
    ] {
        let a = lab.admin("/token-ttl", body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {:?}", a.body);
        assert!(a.reason().contains(why), "{body}: {}", a.reason());
    }
    assert_eq!(lab.json("/admin/state").await["token_ttl_secs"], 30);
    let j = lab
        .journal_when("the lifetime change", |j| {
            common::last_event(j, Event::TokenTtlChanged).is_some()
        })
        .await;
    let e = common::last_event(&j, Event::TokenTtlChanged).unwrap();
    assert!(e.reason.as_deref().unwrap().contains("30 s (were 60 s)"));
    lab.shutdown().await;

    // A lifetime outside the bounds does not start a lab at all.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = forgetful::lab::LabConfig::ephemeral(dir.path());
    cfg.token_ttl_secs = 2;
    match forgetful::lab::start(cfg).await {
        Err(e) => assert!(e.to_string().contains("token lifetime 2 s"), "{e}"),
        Ok(_) => panic!("a 2 s token lifetime was taken"),
    }
}

/// Logging out in token mode can retire the refresh token with the login: its family is
/// revoked, so the access token lives out its minutes and cannot be renewed.
#[tokio::test]
async fn logout_with_a_refresh_token_revokes_its_family() {
    let lab = common::start(Mode::Token).await;
    let (login, alice) = lab.alice().await;
    let mine = login.body["refresh_token"].as_str().unwrap().to_string();
    let (bob_login, _) = lab.login("bob", "builder").await;
    let bobs = bob_login.body["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();

    let a = lab
        .post("/logout", json!({"refresh_token": bobs}), Some(&alice))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["refresh_family_revoked"], false);
    assert!(
        a.body["note"]
            .as_str()
            .unwrap()
            .contains("not one of yours")
    );

    let a = lab
        .post("/logout", json!({"refresh_token": mine}), Some(&alice))
        .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["refresh_family_revoked"], true);
    let a = refresh(&lab, &mine).await;
    assert_eq!(a.status, 401);
    assert!(a.reason().contains("revoked"), "{}", a.reason());
    let a = lab.post("/logout", json!("nope"), Some(&alice)).await;
    assert_eq!(a.status, 400, "{:?}", a.body);
    // Bob's refresh token, shown to alice's logout, still works.
    pair(&refresh(&lab, &bobs).await);
    lab.shutdown().await;
}
