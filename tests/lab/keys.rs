//! Key rotation: a new signing key, both keys in the JWKS, old tokens verifying until they
//! expire; replicas learn the new key by fetching the JWKS again, never from the token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use forgetful::api::{Event, JournalEntry, Mode};
use forgetful::lab::tokens::Issuer;
use forgetful::store::StoreSpec;
use futures_util::FutureExt;
use serde_json::{Value, json};

use crate::common::{self, Cred, TestLab};

fn kid_of(token: &str) -> String {
    let head = token.split('.').next().unwrap();
    let h: Value = serde_json::from_slice(&B64.decode(head).unwrap()).unwrap();
    h["kid"].as_str().unwrap().to_string()
}

fn bearer(c: &Cred) -> &str {
    match c {
        Cred::Bearer(t) => t,
        Cred::Cookie(_) => panic!("a cookie in token mode"),
    }
}

async fn jwks_kids(lab: &TestLab) -> Vec<String> {
    lab.json("/.well-known/jwks.json").await["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

fn fetches(j: &[JournalEntry], replica: &str) -> usize {
    j.iter()
        .filter(|e| e.event == Some(Event::JwksFetched) && e.replica.as_deref() == Some(replica))
        .count()
}

#[tokio::test]
async fn a_rotated_key_signs_new_tokens_and_old_tokens_verify_until_they_expire() {
    let lab = common::start(Mode::Token).await;
    let (_, old) = lab.alice().await;
    let old_kid = kid_of(bearer(&old));
    assert_eq!(jwks_kids(&lab).await, vec![old_kid.clone()]);

    let r = lab.admin("/rotate-key", Value::Null).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let new_kid = r.body["signing_kid"].as_str().unwrap().to_string();
    assert_ne!(new_kid, old_kid);
    assert_eq!(r.body["jwks_kids"], json!([new_kid, old_kid]));
    assert_eq!(jwks_kids(&lab).await, [new_kid.clone(), old_kid.clone()]);

    let (_, new) = lab.alice().await;
    assert_eq!(kid_of(bearer(&new)), new_kid);
    // The login alone makes no replica fetch (lesson 15 says so): the issuer signs, and a
    // replica learns of the new kid only from a request that carries it.
    let j = lab
        .journal_when("the rotation and the login", |j| {
            common::last_event(j, Event::KeyRotated).is_some()
                && j.iter().any(|e| e.path == "/login")
        })
        .await;
    let rotated = common::last_event(&j, Event::KeyRotated).unwrap().id;
    assert!(
        !j.iter()
            .any(|e| e.id > rotated && e.event == Some(Event::JwksFetched)),
        "{j:#?}"
    );
    // Each replica meets the new kid, fetches the JWKS again (at most once a second) and
    // then accepts it.
    for (name, url) in lab.lab().replica_urls() {
        common::eventually(
            &format!("replica {name} to accept the new key"),
            async || {
                let a = lab.get_at(&url, "/me", Some(&new)).await;
                if a.status == 200 {
                    Ok(())
                } else {
                    Err(format!("{} {}", a.status, a.reason()))
                }
            },
        )
        .await;
    }
    for (name, a) in lab.on_each("/me", &old).await {
        assert_eq!(a.status, 200, "{name}: the old key's token still verifies");
    }
    let j = lab
        .journal_when("the rotation and the refetches", |j| {
            common::last_event(j, Event::KeyRotated).is_some()
        })
        .await;
    let e = common::last_event(&j, Event::KeyRotated).unwrap();
    let why = e.reason.as_deref().unwrap();
    assert!(why.contains(&format!("{old_kid} → {new_kid}")), "{why}");
    let rotated = e.id;
    for name in lab.replicas() {
        let after = j
            .iter()
            .filter(|e| e.id > rotated && e.event == Some(Event::JwksFetched))
            .filter(|e| e.replica.as_deref() == Some(name.as_str()))
            .collect::<Vec<_>>();
        let last = after
            .last()
            .unwrap_or_else(|| panic!("{name} did not refetch"));
        assert!(
            last.reason.as_deref().unwrap().contains(&new_kid),
            "{last:?}"
        );
    }

    // The seed file holds the new key: a restarted lab signs with it.
    let dir = lab.shutdown().await;
    let lab = common::start_with(Mode::Token, StoreSpec::Memory, Some(dir)).await;
    let (_, again) = lab.alice().await;
    assert_eq!(kid_of(bearer(&again)), new_kid);
    lab.shutdown().await;
}

/// However many unknown kids arrive at once, a replica fetches at most once a second, from
/// the issuer's own address: a `jku` in the token (a URL naming other keys) is never fetched.
#[tokio::test]
async fn unknown_kids_at_once_make_one_fetch_and_a_jku_is_never_followed() {
    let lab = common::start(Mode::Token).await;
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jku = format!("http://{}/jwks.json", trap.local_addr().unwrap());
    let stranger = Issuer::from_seed([9u8; 32]).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let (t, _) = stranger.issue("alice", "admin", now).unwrap();
    let mut parts = t.split('.');
    let mut head: Value =
        serde_json::from_slice(&B64.decode(parts.next().unwrap()).unwrap()).unwrap();
    head["jku"] = json!(jku);
    let forged = format!(
        "{}.{}.{}",
        B64.encode(serde_json::to_vec(&head).unwrap()),
        parts.next().unwrap(),
        parts.next().unwrap()
    );
    let cred = Cred::Bearer(forged);
    let url_b = lab.replica_url("b");
    // Let the start-up fetch age past the refetch gap, so the burst below may fetch once.
    let client = forgetful::client::LabClient::new(&lab.url, "learner");
    let before = common::eventually(
        "replica b's start-up fetch to be a second old",
        async || {
            let j = client.journal(0).await.map_err(|e| e.to_string())?;
            let last = j
                .iter()
                .rfind(|e| e.event == Some(Event::JwksFetched) && e.replica.as_deref() == Some("b"))
                .ok_or("no fetch yet")?;
            let age = now_ms() - last.ts_ms;
            if age > 1100 {
                Ok(fetches(&j, "b"))
            } else {
                Err(format!("{age} ms"))
            }
        },
    )
    .await;
    let burst = (0..20).map(|_| lab.get_at(&url_b, "/orders/all", Some(&cred)));
    for a in futures_util::future::join_all(burst).await {
        assert_eq!(a.status, 401);
        assert!(a.reason().contains("unknown kid"), "{}", a.reason());
    }
    let j = client.journal(0).await.unwrap();
    assert_eq!(fetches(&j, "b") - before, 1, "20 unknown kids at once");
    let last = j
        .iter()
        .rfind(|e| e.event == Some(Event::JwksFetched))
        .unwrap();
    assert!(
        last.reason
            .as_deref()
            .unwrap()
            .contains("/.well-known/jwks.json")
            && !last.reason.as_deref().unwrap().contains(&jku),
        "{last:?}"
    );
    // Every request has been answered, so any fetch from the jku would have connected by now.
    assert!(
        trap.accept().now_or_never().is_none(),
        "a replica followed the token's jku"
    );
    lab.shutdown().await;
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}
