//! Cross-site requests: a page on another site can make the learner's browser send the lab
//! a POST with the cookie attached. Replicas refuse it while CSRF protection is on; with it
//! off, the forged order goes through. The balancer lets the request reach them.

use forgetful::api::{Event, Mode};
use serde_json::{Value, json};

use crate::common::{self, Answer, Cred, TestLab, answer};

const EVIL: &str = "http://evil.example";

/// What a page on another site can send without asking: a simple POST (a text/plain body
/// for an order, none for a logout: the balancer takes only JSON bodies there), the cookie
/// attached by the browser, and the page's Origin.
async fn forged(lab: &TestLab, path: &str, sid: &str, origin: Option<&str>) -> Answer {
    let mut rb = lab
        .http
        .post(format!("{}{path}", lab.url))
        .header("cookie", format!("sid={sid}"));
    if path == "/orders" {
        rb = rb
            .header("content-type", "text/plain")
            .body(r#"{"item":"a forged order"}"#);
    }
    if let Some(o) = origin {
        rb = rb.header("origin", o);
    }
    answer(rb.send().await.unwrap()).await
}

fn items(a: &Answer) -> Vec<String> {
    a.body["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["item"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_cross_site_cookie_post_is_refused_until_protection_is_off() {
    let lab = common::start(Mode::Shared).await;
    let (_, cred) = lab.alice().await;
    let Cred::Cookie(sid) = &cred else { panic!() };
    assert_eq!(lab.json("/admin/state").await["csrf"], true);

    for (path, what) in [("/orders", "an order"), ("/logout", "a logout")] {
        for origin in [EVIL, "null", "http://127.0.0.1:1"] {
            let a = forged(&lab, path, sid, Some(origin)).await;
            assert_eq!(a.status, 403, "{what} from {origin}: {:?}", a.body);
            assert_ne!(
                a.served_by, "balancer",
                "the replica refuses, not the balancer"
            );
            assert_eq!(a.body["error"], "forbidden");
            assert!(
                a.reason().starts_with("cross-site request: Origin "),
                "{}",
                a.reason()
            );
            assert!(a.reason().contains(&lab.url), "names the lab's own origin");
        }
    }
    assert_eq!(
        lab.get("/me", Some(&cred)).await.status,
        200,
        "still logged in"
    );
    assert!(!items(&lab.get("/orders", Some(&cred)).await).contains(&"a forged order".into()));

    // The lab's own pages, and clients that send no Origin (curl, the app), are fine.
    assert_eq!(
        forged(&lab, "/orders", sid, Some(&lab.url)).await.status,
        201
    );
    let own_by_name = lab.url.replace("127.0.0.1", "localhost");
    let a = common::answer(
        lab.http
            .post(format!("{own_by_name}/orders"))
            .header("cookie", format!("sid={sid}"))
            .header("origin", &own_by_name)
            .json(&json!({"item": "from localhost"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        a.status, 201,
        "the Host the page used is its own: {:?}",
        a.body
    );
    assert_eq!(forged(&lab, "/orders", sid, None).await.status, 201);
    // Reading is not changing: a page cannot read the answer anyway (no CORS).
    let a = common::answer(
        lab.http
            .get(format!("{}/orders", lab.url))
            .header("cookie", format!("sid={sid}"))
            .header("origin", EVIL)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 200);

    // Protection off: the same forged request goes through, and the journal says how.
    let a = lab.admin("/csrf", json!({"enabled": false})).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(a.body["csrf"], false);
    let a = forged(&lab, "/orders", sid, Some(EVIL)).await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    assert!(items(&lab.get("/orders", Some(&cred)).await).contains(&"a forged order".into()));
    let j = lab
        .journal_when("the forged order", |j| {
            j.iter()
                .any(|e| e.path == "/orders" && e.status == 201 && e.reason.is_some())
        })
        .await;
    let e = j
        .iter()
        .rfind(|e| e.path == "/orders" && e.status == 201)
        .unwrap();
    assert_eq!(e.user.as_deref(), Some("alice"));
    assert_eq!(
        e.reason.as_deref(),
        Some("cross-site request from http://evil.example allowed: CSRF protection is off")
    );
    let a = forged(&lab, "/logout", sid, Some(EVIL)).await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert_eq!(
        lab.get("/me", Some(&cred)).await.status,
        401,
        "logged out by another site"
    );

    // And on again.
    let (_, cred) = lab.alice().await;
    let Cred::Cookie(sid) = &cred else { panic!() };
    lab.admin("/csrf", json!({"enabled": true})).await;
    assert_eq!(forged(&lab, "/orders", sid, Some(EVIL)).await.status, 403);
    let j = lab
        .journal_when("two csrf changes", |j| {
            j.iter()
                .filter(|e| e.event == Some(Event::CsrfChanged))
                .count()
                == 2
        })
        .await;
    let e = common::last_event(&j, Event::CsrfChanged).unwrap();
    assert!(
        e.reason
            .as_deref()
            .unwrap()
            .starts_with("CSRF protection on")
    );
    lab.shutdown().await;
}

/// A bearer token is attached by the lab's own code, never by the browser: a foreign Origin
/// with one is no forgery. In local mode the check comes before the session lookup, so
/// every replica refuses a forged request alike.
#[tokio::test]
async fn bearer_tokens_need_no_check_and_local_mode_refuses_on_every_replica() {
    let lab = common::start(Mode::Token).await;
    let (_, cred) = lab.alice().await;
    let Cred::Bearer(t) = &cred else { panic!() };
    let a = common::answer(
        lab.http
            .post(format!("{}/orders", lab.url))
            .bearer_auth(t)
            .header("origin", EVIL)
            .json(&json!({"item": "with a token"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 201, "{:?}", a.body);
    lab.shutdown().await;

    let lab = common::start(Mode::Local).await;
    let (_, cred) = lab.alice().await;
    let Cred::Cookie(sid) = &cred else { panic!() };
    for _ in lab.replicas() {
        let a = forged(&lab, "/orders", sid, Some(EVIL)).await;
        assert_eq!(a.status, 403, "{}: {:?}", a.served_by, a.body);
    }
    for (body, why) in [
        (json!({"enabled": "no"}), "malformed JSON"),
        (json!({}), "missing field `enabled`"),
        (Value::Null, "malformed JSON"),
    ] {
        let a = lab.admin("/csrf", body.clone()).await;
        assert_eq!(a.status, 400, "{body}: {:?}", a.body);
        assert!(a.reason().contains(why), "{body}: {}", a.reason());
    }
    // The control plane still refuses any web page, whatever the shop does.
    let a = common::answer(
        lab.http
            .post(format!("{}/admin/csrf", lab.url))
            .header("origin", EVIL)
            .json(&json!({"enabled": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((a.status, a.served_by.as_str()), (403, "balancer"));
    assert_eq!(lab.json("/admin/state").await["csrf"], true);
    lab.shutdown().await;
}
