//! Where the room lives: in SQLite a restarted server still knows every learner (names, tokens,
//! records) and starts a returning learner's lab again; in Redis two servers share one room,
//! each takes learners, and the class summary of either shows both. The Redis test runs when
//! FORGETFUL_TEST_REDIS points at a redis-server, and skips otherwise.

use std::time::Duration;

use forgetful::store::room::RoomSpec;
use forgetful::workshop::{self, WorkshopConfig, WorkshopHandle};
use serde_json::{Value, json};

async fn start(dir: &std::path::Path, admin: &str, room: RoomSpec) -> WorkshopHandle {
    let mut cfg = WorkshopConfig::ephemeral(dir, admin);
    cfg.lessons = forgetful::course::lesson_ids(None);
    cfg.problems = forgetful::course::problem_ids(None).unwrap();
    cfg.room = room;
    workshop::start(cfg).await.expect("the workshop starts")
}

async fn call(rb: reqwest::RequestBuilder) -> (u16, Value) {
    let resp = rb.send().await.expect("the server answers");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn join(url: &str, name: &str, token: Option<&str>) -> (u16, Value) {
    let mut rb = reqwest::Client::new()
        .post(format!("{url}/workshop/join"))
        .json(&json!({ "name": name }));
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    call(rb).await
}

async fn class(url: &str, admin: &str, after: Option<u64>) -> Value {
    let path = match after {
        Some(v) => format!("{url}/workshop/class?after={v}"),
        None => format!("{url}/workshop/class"),
    };
    let (status, body) = call(reqwest::Client::new().get(path).bearer_auth(admin)).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn names(class: &Value) -> Vec<String> {
    class["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect()
}

fn learner<'a>(class: &'a Value, name: &str) -> &'a Value {
    class["learners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {class}"))
}

async fn send_progress(url: &str, token: &str, record: &Value) -> (u16, Value) {
    call(
        reqwest::Client::new()
            .post(format!("{url}/workshop/progress"))
            .bearer_auth(token)
            .json(record),
    )
    .await
}

fn with_hints(n: usize) -> Value {
    json!({"version": 1, "lessons_read": ["01-the-server-forgets"],
           "problems": {"logout-now": {"hints_used": n}}})
}

async fn lab_up(lab_url: &str) -> bool {
    reqwest::get(format!("{lab_url}/healthz"))
        .await
        .is_ok_and(|r| r.status().is_success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_keeps_the_room_in_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "restart-secret";
    let room = RoomSpec::Sqlite(dir.path().join(workshop::ROOM_FILE));
    let ws = start(dir.path(), admin, room.clone()).await;
    let (status, ann) = join(&ws.url, "ann", None).await;
    assert_eq!(status, 201, "{ann}");
    let token = ann["learner_token"].as_str().unwrap().to_string();
    let (status, _) = send_progress(&ws.url, &token, &with_hints(1)).await;
    assert_eq!(status, 200);
    ws.shutdown().await;

    // Same data dir, a new process's worth of server: the room is still there.
    let ws = start(dir.path(), admin, room).await;
    let c = class(&ws.url, admin, None).await;
    assert_eq!(names(&c), ["ann"]);
    assert_eq!(learner(&c, "ann")["hints_used"], 1);
    // Her token still sends progress, and still holds her name.
    let (status, _) = send_progress(&ws.url, &token, &with_hints(2)).await;
    assert_eq!(status, 200);
    let (status, _) = join(&ws.url, "ann", None).await;
    assert_eq!(status, 409, "the name is still hers");
    // Rejoining with it starts her lab again, here.
    let (status, back) = join(&ws.url, "ann", Some(&token)).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["new"], false);
    assert_eq!(back["learner_token"], token.as_str());
    assert!(lab_up(back["lab_url"].as_str().unwrap()).await, "{back}");
    let c = class(&ws.url, admin, None).await;
    assert_eq!(learner(&c, "ann")["hints_used"], 2);
    ws.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_redis_share_the_room() {
    let Some(redis) = crate::common::redis_url() else {
        return;
    };
    // A room of its own in a Redis that other tests use: the room is named by the admin token.
    let admin = format!("two-servers-{}", hex_id());
    let room = RoomSpec::Redis {
        url: redis,
        room: forgetful::workshop::room_name(&admin),
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = start(dir_a.path(), &admin, room.clone()).await;
    let b = start(dir_b.path(), &admin, room).await;

    // Each server takes a learner; a name is the room's, whichever server is asked.
    let (status, ann) = join(&a.url, "ann", None).await;
    assert_eq!(status, 201, "{ann}");
    let (status, bob) = join(&b.url, "bob", None).await;
    assert_eq!(status, 201, "{bob}");
    let (status, taken) = join(&b.url, "ann", None).await;
    assert_eq!(status, 409, "{taken}");
    let bob_token = bob["learner_token"].as_str().unwrap().to_string();
    let ann_token = ann["learner_token"].as_str().unwrap().to_string();

    // Both summaries show both learners.
    let from_a = class(&a.url, &admin, None).await;
    let from_b = class(&b.url, &admin, None).await;
    assert_eq!(names(&from_a), ["ann", "bob"]);
    assert_eq!(names(&from_b), ["ann", "bob"]);

    // A summary waiting on A wakes for a change sent to B.
    let version = from_a["version"].as_u64().unwrap();
    let waiting = tokio::spawn({
        let (url, admin) = (a.url.clone(), admin.clone());
        async move { class(&url, &admin, Some(version)).await }
    });
    let (status, _) = send_progress(&b.url, &bob_token, &with_hints(3)).await;
    assert_eq!(status, 200);
    let woke = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("A's waiting summary answers once B has the change")
        .unwrap();
    assert_eq!(learner(&woke, "bob")["hints_used"], 3, "{woke}");

    // Rejoining on the other server gets the lab that runs on the first, while it answers.
    let (status, back) = join(&b.url, "ann", Some(&ann_token)).await;
    assert_eq!(status, 200, "{back}");
    assert_eq!(back["lab_url"], ann["lab_url"]);
    // B reads ann's answers, and says her journal is read on A.
    let (status, detail) = call(
        reqwest::Client::new()
            .get(format!("{}/workshop/learners/ann", b.url))
            .bearer_auth(&admin),
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["lab_elsewhere"], ann["lab_url"]);
    let (_, detail) = call(
        reqwest::Client::new()
            .get(format!("{}/workshop/learners/ann", a.url))
            .bearer_auth(&admin),
    )
    .await;
    assert!(detail.get("lab_elsewhere").is_none(), "{detail}");

    // A stops: ann's lab goes with it, and rejoining on B starts her a new one there.
    a.shutdown().await;
    let (status, moved) = join(&b.url, "ann", Some(&ann_token)).await;
    assert_eq!(status, 200, "{moved}");
    assert_ne!(moved["lab_url"], ann["lab_url"]);
    assert!(lab_up(moved["lab_url"].as_str().unwrap()).await);
    b.shutdown().await;
}

/// A short random id, so each run gets a room of its own.
fn hex_id() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{:x}-{}", nanos, std::process::id())
}
