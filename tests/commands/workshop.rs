//! The workshop over real HTTP on loopback: joining, each learner's own lab behind their
//! token, progress to the room, the class summary, and the real binary as a learner and as the
//! instructor.

use std::process::{Command, Output};
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

fn forgetful(data: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_forgetful"));
    cmd.arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("FORGETFUL_DATA_DIR")
        .env_remove("FORGETFUL_ADMIN_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run forgetful")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Polls the class summary until `done` holds for it (the learner's sender works on its own time).
async fn class_when(url: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    crate::common::eventually(what, async || {
        let c = class(url).await;
        if done(&c) { Ok(c) } else { Err(c.to_string()) }
    })
    .await
}

/// Two learners with the real binary: one solves disappearing-login in their own lab, the
/// other does nothing; only the first passes, and the class summary (as the instructor's
/// `forgetful class` writes it) shows it. Then the first goes offline: changes wait in the
/// outbox and reach the room with the next send that gets through.
#[test]
fn two_learners_one_solves_and_the_class_sees_only_that_one() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = rt.block_on(start(dir.path(), |_| {}));
    let (ann, bob) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());

    // Both join; the first command they run does it.
    let o = forgetful(
        ann.path(),
        &["--join", &ws.url, "--name", "ann", "progress"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("your lab is http://127.0.0.1:"),
        "{}",
        text(&o)
    );
    let o = forgetful(
        bob.path(),
        &["progress", "--join", &ws.url, "--name", "bob"],
        &[],
    );
    assert!(
        o.status.success(),
        "flags after the command work too: {}",
        text(&o)
    );
    let joined: Value =
        serde_json::from_str(&std::fs::read_to_string(ann.path().join("workshop.json")).unwrap())
            .unwrap();
    let lab = joined["lab_url"].as_str().unwrap().to_string();
    let token = joined["learner_token"].as_str().unwrap().to_string();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(ann.path().join("workshop.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // A name without its token is refused by the binary too, and says why.
    let other = tempfile::tempdir().unwrap();
    let o = forgetful(
        other.path(),
        &["--join", &ws.url, "--name", "ann", "progress"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("409") && text(&o).contains("taken"),
        "{}",
        text(&o)
    );
    let o = forgetful(
        other.path(),
        &["--join", &ws.url, "--name", "Ann!", "progress"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("400"), "{}", text(&o));

    // Ann solves it with plain HTTP in her lab (the learner token drives its /admin).
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let login = || {
            http.post(format!("{lab}/login"))
                .json(&json!({"username": "alice", "password": "wonderland"}))
                .send()
        };
        assert_eq!(login().await.unwrap().status(), 200);
        for _ in 0..3 {
            http.get(format!("{lab}/orders")).send().await.unwrap();
        }
        let r = http
            .post(format!("{lab}/admin/mode"))
            .bearer_auth(&token)
            .json(&json!({"mode": "shared"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(login().await.unwrap().status(), 200);
        for _ in 0..3 {
            let r = http.get(format!("{lab}/orders")).send().await.unwrap();
            assert_eq!(r.status(), 200);
        }
    });
    let o = forgetful(ann.path(), &["check", "disappearing-login"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains(&lab),
        "checks ann's own lab: {}",
        text(&o)
    );
    // Bob did nothing: his check reads his own journal, and ann's work is not in it.
    let o = forgetful(bob.path(), &["check", "disappearing-login"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));

    rt.block_on(class_when(&ws.url, "ann's pass to reach the room", |c| {
        learner(c, "ann")["problems"][0]["lab"] == "passed"
    }));
    let o = forgetful(
        ann.path(),
        &["class", "--url", &ws.url, "--format", "csv"],
        &[("FORGETFUL_ADMIN_TOKEN", ADMIN)],
    );
    assert!(o.status.success(), "{}", text(&o));
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    let row = |name: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("{name},")))
            .unwrap_or_else(|| panic!("{name} in {csv}"))
            .to_string()
    };
    assert!(row("ann").contains(",passed,none,0,"), "{csv}");
    assert!(!row("bob").contains(",passed,"), "{csv}");
    let out = ann.path().join("class.md");
    let o = forgetful(
        ann.path(),
        &["class", "--url", &ws.url, "--out", out.to_str().unwrap()],
        &[("FORGETFUL_ADMIN_TOKEN", ADMIN)],
    );
    assert!(o.status.success(), "{}", text(&o));
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.contains("| ann | 0/15 | ✓ · - |"), "{md}");
    // Without the admin token, or with a wrong one: refused, exit 2.
    let o = forgetful(ann.path(), &["class", "--url", &ws.url], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("FORGETFUL_ADMIN_TOKEN"), "{}", text(&o));
    let o = forgetful(
        ann.path(),
        &["class", "--url", &ws.url],
        &[("FORGETFUL_ADMIN_TOKEN", "wrong")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("401"), "{}", text(&o));

    // Offline: point ann's record at a port where nothing listens. A hint is taken and kept
    // locally; the change waits in the outbox.
    let path = ann.path().join("workshop.json");
    let real = std::fs::read_to_string(&path).unwrap();
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    std::fs::write(&path, real.replace(&ws.url, &dead)).unwrap();
    let o = forgetful(ann.path(), &["hint", "logout-now"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("waits in"), "{}", text(&o));
    let outbox = ann.path().join("workshop-outbox");
    assert_eq!(crate::common::file_names(&outbox).len(), 1);
    let c = rt.block_on(class(&ws.url));
    assert_eq!(learner(&c, "ann")["hints_used"], 0);

    // Back online: the next change goes, and takes the waiting one with it.
    std::fs::write(&path, &real).unwrap();
    let o = forgetful(ann.path(), &["hint", "disappearing-login"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    rt.block_on(class_when(&ws.url, "both hints to reach the room", |c| {
        learner(c, "ann")["hints_used"] == 2
    }));
    assert!(crate::common::file_names(&outbox).is_empty());

    // Leaving forgets the workshop: the next check is against a lab on this machine again.
    let o = forgetful(ann.path(), &["leave"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!path.exists());
    // An unreadable record stops a learner's commands with a way out, which works.
    std::fs::write(&path, "{not json").unwrap();
    let o = forgetful(ann.path(), &["hint", "logout-now"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("forgetful leave"), "{}", text(&o));
    let o = forgetful(ann.path(), &["leave"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!path.exists());
    rt.block_on(ws.shutdown());
}

/// A record with a self-assessed answer to disappearing-login, made `at` (its lab half passed).
fn self_assessed_record(at: &str) -> Value {
    json!({
        "version": 1,
        "lessons_read": ["01-the-server-forgets"],
        "problems": {"disappearing-login": {
            "service": {"at": "2026-01-01T10:00:00Z", "evidence": []},
            "answer": {
                "last": {"text": "the login stayed on one replica", "outcome": "partial",
                         "message": "one idea is missing", "at": "2026-01-01T10:01:00Z"},
                "failed_tries": 2,
                "self_assessed": {"text": "the login stayed on one replica",
                                  "model_answer": "m", "at": at}
            }
        }}
    })
}

async fn post_progress(url: &str, token: &str, record: &Value) -> Reply {
    send(
        reqwest::Client::new()
            .post(format!("{url}/workshop/progress"))
            .bearer_auth(token)
            .json(record),
    )
    .await
}

async fn review(url: &str, name: &str, token: Option<&str>, body: &str) -> Reply {
    let mut rb = reqwest::Client::new()
        .post(format!("{url}/workshop/learners/{name}/review"))
        .header("content-type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    send(rb).await
}

/// The instructor's review of a self-assessed answer: refused without the admin token (403),
/// for a learner who is not in the room (404), with a body that is not a review (400) and for
/// an answer that is not self-assessed (409); an accepted one shows in the class summary, in
/// the answer to the learner's next progress send and in their GET /workshop/reviews; a
/// rejected one is not done; a new self-assessment waits for a new review.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_review_route_accepts_or_rejects_a_self_assessed_answer() {
    let dir = tempfile::tempdir().unwrap();
    let ws = start(dir.path(), |_| {}).await;
    let ann = join(&ws.url, "ann", None).await;
    let bob = join(&ws.url, "bob", None).await;
    let ann_token = ann.s("learner_token");
    let accept = r#"{"problem": "disappearing-login", "accept": true}"#;

    let r = post_progress(
        &ws.url,
        &ann_token,
        &self_assessed_record("2026-01-01T10:02:00Z"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["reviews"], json!({}));

    // Who may review: the admin token only.
    for token in [None, Some("wrong"), Some(ann_token.as_str())] {
        let r = review(&ws.url, "ann", token, accept).await;
        assert_eq!(r.status, 403, "{token:?}: {}", r.body);
        assert!(r.reason().contains("admin token"), "{}", r.reason());
    }
    let r = review(&ws.url, "zed", Some(ADMIN), accept).await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(r.reason().contains("zed"), "{}", r.reason());
    // Bodies that are not a review.
    for bad in [
        "not json",
        r#"{"problem": "disappearing-login"}"#,
        r#"{"problem": "disappearing-login", "accept": "yes"}"#,
        r#"{"problem": "disappearing-login", "accept": true, "extra": 1}"#,
        r#"{"problem": "no-such-problem", "accept": true}"#,
    ] {
        let r = review(&ws.url, "ann", Some(ADMIN), bad).await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert_eq!(r.s("error"), "bad request");
    }
    // Bob has nothing self-assessed.
    let r = review(&ws.url, "bob", Some(ADMIN), accept).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(
        r.reason().contains("no self-assessed answer"),
        "{}",
        r.reason()
    );
    assert!(!bob.s("learner_token").is_empty());

    // Before the review: self-assessed. The detail shows the answer and the lab's journal.
    let c = class(&ws.url).await;
    assert_eq!(learner(&c, "ann")["problems"][0]["answer"], "self-assessed");
    let before = c["version"].as_u64().unwrap();
    let detail = send(
        reqwest::Client::new()
            .get(format!("{}/workshop/learners/ann", ws.url))
            .bearer_auth(ADMIN),
    )
    .await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["answers"][0]["state"], "self-assessed");
    assert_eq!(
        detail.body["answers"][0]["latest"]["message"],
        "one idea is missing"
    );
    assert!(
        !detail.body["journal"].as_array().unwrap().is_empty(),
        "the lab's start is in its journal: {}",
        detail.body
    );
    let r = send(reqwest::Client::new().get(format!("{}/workshop/learners/ann", ws.url))).await;
    assert_eq!(r.status, 403);

    // A summary asked for with `after` waits for the room to change, and the review changes it.
    let waiting = tokio::spawn({
        let url = ws.url.clone();
        async move {
            send(
                reqwest::Client::new()
                    .get(format!("{url}/workshop/class?after={before}"))
                    .bearer_auth(ADMIN),
            )
            .await
        }
    });
    let r = review(&ws.url, "ann", Some(ADMIN), accept).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["answer"], "accepted");
    assert_eq!(r.body["review"]["of"], "2026-01-01T10:02:00Z");
    let woke = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiting summary answers once the review is in")
        .unwrap();
    assert!(woke.body["version"].as_u64().unwrap() > before);
    assert_eq!(
        learner(&woke.body, "ann")["problems"][0]["answer"],
        "accepted"
    );

    // The learner hears of it: in the answer to their next send, and when they ask.
    let r = post_progress(
        &ws.url,
        &ann_token,
        &self_assessed_record("2026-01-01T10:02:00Z"),
    )
    .await;
    assert_eq!(
        r.body["reviews"]["disappearing-login"]["accept"], true,
        "{}",
        r.body
    );
    let mine = send(
        reqwest::Client::new()
            .get(format!("{}/workshop/reviews", ws.url))
            .bearer_auth(&ann_token),
    )
    .await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["reviews"]["disappearing-login"]["accept"], true);
    // `forgetful progress` on ann's laptop asks the room and shows it.
    let laptop = tempfile::tempdir().unwrap();
    let joined = json!({"server": ws.url, "name": "ann", "learner_token": ann_token,
                        "lab_url": ann.s("lab_url"), "joined_at": "2026-01-01T10:00:00Z"});
    std::fs::write(laptop.path().join("workshop.json"), joined.to_string()).unwrap();
    std::fs::write(
        laptop.path().join("progress.json"),
        self_assessed_record("2026-01-01T10:02:00Z").to_string(),
    )
    .unwrap();
    let dir = laptop.path().to_path_buf();
    let o = tokio::task::spawn_blocking(move || forgetful(&dir, &["progress"], &[]))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("disappearing-login: accepted, the written half is done"),
        "{}",
        text(&o)
    );
    let kept = std::fs::read_to_string(laptop.path().join("progress.json")).unwrap();
    assert!(kept.contains("\"accepted\": true"), "{kept}");

    // Rejected: not done. A new self-assessment waits for a new review.
    let r = review(
        &ws.url,
        "ann",
        Some(ADMIN),
        r#"{"problem": "disappearing-login", "accept": false}"#,
    )
    .await;
    assert_eq!(r.body["answer"], "rejected", "{}", r.body);
    let c = class(&ws.url).await;
    assert_eq!(learner(&c, "ann")["problems"][0]["answer"], "rejected");
    let r = post_progress(
        &ws.url,
        &ann_token,
        &self_assessed_record("2026-01-01T10:09:00Z"),
    )
    .await;
    assert_eq!(r.status, 200);
    let c = class(&ws.url).await;
    assert_eq!(learner(&c, "ann")["problems"][0]["answer"], "self-assessed");
    ws.shutdown().await;
}
