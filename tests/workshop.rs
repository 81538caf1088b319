//! The workshop over real HTTP on loopback: joining, each learner's own lab behind their
//! token, progress to the room, the class summary.

use std::time::Duration;

use forgetful::workshop::{self, WorkshopConfig, WorkshopHandle};
use serde_json::{Value, json};

const ADMIN: &str = "instructor-secret";

async fn start(dir: &std::path::Path, tweak: impl FnOnce(&mut WorkshopConfig)) -> WorkshopHandle {
    let mut cfg = WorkshopConfig::ephemeral(dir, ADMIN);
    cfg.lessons = forgetful::course::lesson_ids(None);
    cfg.problems = forgetful::course::problem_ids(None).unwrap();
    tweak(&mut cfg);
    workshop::start(cfg).await.expect("the workshop starts")
}

struct Reply {
    status: u16,
    body: Value,
}

impl Reply {
    fn reason(&self) -> &str {
        self.body["reason"].as_str().unwrap_or("")
    }
    fn s(&self, field: &str) -> String {
        self.body[field].as_str().unwrap_or_default().to_string()
    }
}

async fn send(rb: reqwest::RequestBuilder) -> Reply {
    let resp = rb.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("every answer is JSON; got {status} {text:?}"));
    Reply { status, body }
}

async fn join(url: &str, name: &str, token: Option<&str>) -> Reply {
    let mut rb = reqwest::Client::new()
        .post(format!("{url}/workshop/join"))
        .json(&json!({ "name": name }));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    send(rb).await
}

async fn class(url: &str) -> Value {
    let r = send(
        reqwest::Client::new()
            .get(format!("{url}/workshop/class"))
            .bearer_auth(ADMIN),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn learner<'a>(class: &'a Value, name: &str) -> &'a Value {
    class["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("{name} is in the class: {class}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_learner_gets_a_lab_of_their_own_behind_their_token() {
    let dir = tempfile::tempdir().unwrap();
    let ws = start(dir.path(), |c| c.max_learners = 2).await;
    let http = reqwest::Client::new();

    let ann = join(&ws.url, "ann", None).await;
    assert_eq!(ann.status, 201, "{}", ann.body);
    let bob = join(&ws.url, "bob", None).await;
    assert_eq!(bob.status, 201);
    let (ann_lab, ann_token) = (ann.s("lab_url"), ann.s("learner_token"));
    let (bob_lab, bob_token) = (bob.s("lab_url"), bob.s("learner_token"));
    assert_ne!(ann_lab, bob_lab);
    assert_ne!(ann_token, bob_token);
    assert!(ann_lab.starts_with("http://127.0.0.1:"), "{ann_lab}");
    assert_eq!(ann_token.len(), 64);

    // The lab is up, and its /admin answers its own learner only.
    let health = http.get(format!("{ann_lab}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    for (token, want) in [
        (None, 403),
        (Some(&bob_token), 403),
        (Some(&ann_token), 200),
    ] {
        let mut rb = http.get(format!("{ann_lab}/admin/state"));
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        let r = send(rb).await;
        assert_eq!(r.status, want, "{token:?}: {}", r.body);
    }
    let r = send(
        http.post(format!("{bob_lab}/admin/mode"))
            .bearer_auth(&ann_token)
            .json(&json!({"mode": "shared"})),
    )
    .await;
    assert_eq!(r.status, 403, "ann cannot drive bob's lab");

    // Nothing is shared: ann's login is in ann's journal, not bob's, and does not work on bob's lab.
    let login = http
        .post(format!("{ann_lab}/login"))
        .json(&json!({"username": "alice", "password": "wonderland"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let journal = |lab: String, token: String| {
        let http = http.clone();
        async move {
            let r = send(http.get(format!("{lab}/admin/journal")).bearer_auth(token)).await;
            r.body
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["path"] == "/login")
                .count()
        }
    };
    assert_eq!(journal(ann_lab.clone(), ann_token.clone()).await, 1);
    assert_eq!(journal(bob_lab.clone(), bob_token.clone()).await, 0);

    // Rejoining: the name is taken without its token, refused with another's, the same lab with its own.
    let r = join(&ws.url, "ann", None).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.s("error"), "conflict");
    assert!(r.reason().contains("learner token"), "{}", r.reason());
    let r = join(&ws.url, "ann", Some(&bob_token)).await;
    assert_eq!(r.status, 409);
    assert!(r.reason().contains("not ann's"), "{}", r.reason());
    let r = join(&ws.url, "ann", Some(&ann_token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.s("lab_url"), ann_lab);
    assert_eq!(r.s("learner_token"), ann_token);
    assert_eq!(r.body["new"], false);

    // The cap: a third learner is refused, clearly.
    let r = join(&ws.url, "cem", None).await;
    assert_eq!(r.status, 503);
    assert!(r.reason().contains("at most 2 learners"), "{}", r.reason());

    // Bad names: 400 with a reason that quotes at most a short, escaped prefix.
    for bad in ["Ann", "", "a b", "../etc", &"x".repeat(33), "ann\u{1b}[2J"] {
        let r = join(&ws.url, bad, None).await;
        assert_eq!(r.status, 400, "{bad:?}");
        assert_eq!(r.s("error"), "bad request");
        assert!(!r.reason().contains('\u{1b}'), "{}", r.reason());
    }
    let long = "y".repeat(10_000);
    let r = join(&ws.url, &long, None).await;
    assert_eq!(r.status, 400);
    assert!(r.reason().len() < 200, "not echoed whole");
    let r = join(&ws.url, &"y".repeat(100_000), None).await;
    assert_eq!(r.status, 413, "bodies over 16 KiB are refused unread");

    // Not JSON, a web page, a rebound host name, an unknown route: JSON errors.
    let r = send(
        http.post(format!("{}/workshop/join", ws.url))
            .header("content-type", "text/plain")
            .body(r#"{"name":"dan"}"#),
    )
    .await;
    assert_eq!(r.status, 415);
    let r = send(
        http.post(format!("{}/workshop/join", ws.url))
            .header("origin", "http://evil.example")
            .json(&json!({"name": "dan"})),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = send(
        http.get(format!("{}/workshop/healthz", ws.url))
            .header("host", "evil.example"),
    )
    .await;
    assert_eq!(r.status, 403);
    let r = send(
        http.post(format!("{}/workshop/join", ws.url))
            .json(&json!({"nom": 1})),
    )
    .await;
    assert_eq!(r.status, 400);
    let r = send(http.get(format!("{}/nothing", ws.url))).await;
    assert_eq!(r.status, 404);
    let r = send(http.get(format!("{}/workshop/join", ws.url))).await;
    assert_eq!(r.status, 405);
    ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_goes_to_the_room_and_the_class_summary_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    // Stuck after no time at all, so a learner with nothing done is stuck at once.
    let ws = start(dir.path(), |c| c.stuck_after = Duration::ZERO).await;
    let http = reqwest::Client::new();
    let ann = join(&ws.url, "ann", None).await.s("learner_token");
    join(&ws.url, "bob", None).await;
    let post = |token: Option<&str>, query: &str, body: String| {
        let mut rb = http
            .post(format!("{}/workshop/progress{query}", ws.url))
            .header("content-type", "application/json")
            .body(body);
        if let Some(t) = token {
            rb = rb.bearer_auth(t);
        }
        send(rb)
    };

    let mut record = forgetful::progress::Progress::default();
    record.mark_read("01-the-server-forgets");
    record.record_service_pass("disappearing-login", vec!["POST /login → 200 (a)".into()]);
    record.use_hint("logout-now", 4);
    let text = serde_json::to_string(&record).unwrap();

    assert_eq!(post(None, "", text.clone()).await.status, 401);
    assert_eq!(post(Some(ADMIN), "", text.clone()).await.status, 401);
    let r = post(Some(&ann), "", r#"{"not":"progress"}"#.into()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let huge = format!(
        r#"{{"version":1,"lessons_read":["{}"]}}"#,
        "x".repeat(300 * 1024)
    );
    assert_eq!(post(Some(&ann), "", huge).await.status, 413);
    let newer = r#"{"version":99}"#.to_string();
    assert_eq!(post(Some(&ann), "", newer).await.status, 400);
    let r = post(Some(&ann), "?changed_at=2000&age_ms=0", text).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["kept"], true);
    // A record changed before the one held (a late send from another terminal) is not kept.
    let older = serde_json::to_string(&forgetful::progress::Progress::default()).unwrap();
    let r = post(Some(&ann), "?changed_at=1000", older).await;
    assert_eq!(r.body["kept"], false);

    // The summary: admin token only.
    let r = send(http.get(format!("{}/workshop/class", ws.url))).await;
    assert_eq!(r.status, 401);
    let r = send(
        http.get(format!("{}/workshop/class", ws.url))
            .bearer_auth(&ann),
    )
    .await;
    assert_eq!(r.status, 401, "a learner token is not the admin token");
    let c = class(&ws.url).await;
    assert_eq!(c["problems"][0], "disappearing-login");
    assert_eq!(c["lessons_total"], 15);
    let a = learner(&c, "ann");
    assert_eq!(a["lessons_read"], 1);
    assert_eq!(a["hints_used"], 1);
    assert_eq!(a["problems"][0]["lab"], "passed");
    assert_eq!(a["problems"][0]["answer"], "none");
    assert!(a["last_activity"].is_string());
    let b = learner(&c, "bob");
    assert_eq!(b["lessons_read"], 0);
    assert!(b["last_activity"].is_null());
    assert_eq!(b["stuck_minutes"], 0, "stuck at once with a zero threshold");
    assert_eq!(b["done"], false);
    ws.shutdown().await;
}
