use std::time::{Duration, Instant};

use axum::body::Bytes;
use forgetful::api::{CredentialKind, Event, JournalEntry, Mode, Source};
use forgetful::client::{LabClient, ReplicaAction};
use futures_util::StreamExt;
use http_body_util::{BodyExt, Empty};
use serde_json::json;

use crate::common;

#[tokio::test]
async fn stopped_replicas_refuse_and_the_balancer_routes_around_them() {
    let lab = common::start(Mode::Shared).await;
    let client = LabClient::new(&lab.url, "grader");
    let b_url = lab.replica_url("b");
    let state = client.replica("b", ReplicaAction::Stop).await.unwrap();
    assert!(!state.replicas.iter().find(|r| r.name == "b").unwrap().up);
    assert!(
        lab.http
            .get(format!("{b_url}/healthz"))
            .send()
            .await
            .is_err(),
        "a stopped replica refuses connections"
    );
    let (_, cred) = lab.alice().await;
    for _ in 0..6 {
        let a = lab.get("/orders", Some(&cred)).await;
        assert_eq!(a.status, 200);
        assert_ne!(a.served_by, "b");
    }
    client.replica("a", ReplicaAction::Stop).await.unwrap();
    client.replica("c", ReplicaAction::Stop).await.unwrap();
    let a = lab.get("/orders", Some(&cred)).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.served_by, "balancer");
    assert!(a.reason().contains("no replica is up"));
    let last = client.journal(0).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.status, last.replica.as_deref()),
        (503, Some("balancer"))
    );
    client.replica("b", ReplicaAction::Start).await.unwrap();
    let a = lab.get("/orders", Some(&cred)).await;
    assert_eq!((a.status, a.served_by.as_str()), (200, "b"));
    assert_eq!(
        lab.replica_url("b"),
        b_url,
        "a restarted replica re-binds its port"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn restart_drops_local_memory() {
    let lab = common::start(Mode::Local).await;
    let client = LabClient::new(&lab.url, "grader");
    let (login, _) = lab.alice().await;
    let before = client.state().await.unwrap();
    let held = before
        .replicas
        .iter()
        .find(|r| r.name == login.served_by)
        .unwrap();
    assert_eq!(held.local_sessions, 1);
    let after = client
        .replica(&login.served_by, ReplicaAction::Restart)
        .await
        .unwrap();
    let held = after
        .replicas
        .iter()
        .find(|r| r.name == login.served_by)
        .unwrap();
    assert_eq!(held.local_sessions, 0);
    assert!(held.up);
    assert!(held.served >= 1, "counters survive a restart");
    lab.shutdown().await;
}

/// One client connection kept open while replicas restart and stop: the balancer's idle
/// connections to a replica's earlier start are never used again, and every request on the
/// client connection is answered by a replica that is up.
#[tokio::test]
async fn a_kept_alive_client_connection_is_answered_across_restarts() {
    let lab = common::start(Mode::Shared).await;
    let client = LabClient::new(&lab.url, "grader");
    let (_, cred) = lab.alice().await;
    let common::Cred::Cookie(sid) = cred else {
        panic!("shared mode logs in with a cookie")
    };
    let addr = lab.url.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut conn, driver) = hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    // Ends only when the connection closes: every request below goes over this one.
    let driver = tokio::spawn(driver);
    // Who answered `n` GET /me on the kept connection (each must be a 200).
    async fn me(
        conn: &mut hyper::client::conn::http1::SendRequest<Empty<Bytes>>,
        addr: &str,
        sid: &str,
        n: usize,
    ) -> Vec<String> {
        let mut served = Vec::new();
        for _ in 0..n {
            let req = hyper::Request::get("/me")
                .header("host", addr)
                .header("cookie", format!("sid={sid}"))
                .body(Empty::new())
                .unwrap();
            let resp = conn
                .send_request(req)
                .await
                .expect("answered on the kept connection");
            let status = resp.status();
            let by = resp.headers()["x-served-by"].to_str().unwrap().to_string();
            let body = resp.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(status, 200, "{by}: {body:?}");
            served.push(by);
        }
        served.sort();
        served.dedup();
        served
    }
    // Round-robin: six requests reach all three, so a connection to each is left idle.
    assert_eq!(me(&mut conn, &addr, &sid, 6).await, ["a", "b", "c"]);
    for name in ["a", "b", "c"] {
        lab.restart(name).await;
    }
    assert_eq!(me(&mut conn, &addr, &sid, 6).await, ["a", "b", "c"]);
    client.replica("b", ReplicaAction::Stop).await.unwrap();
    assert_eq!(me(&mut conn, &addr, &sid, 6).await, ["a", "c"]);
    client.replica("b", ReplicaAction::Start).await.unwrap();
    assert_eq!(me(&mut conn, &addr, &sid, 6).await, ["a", "b", "c"]);
    assert!(!driver.is_finished(), "the client connection stayed open");
    lab.shutdown().await;
}

#[tokio::test]
async fn attacker_is_cut_off_by_revoke_in_shared_mode() {
    let lab = common::start(Mode::Shared).await;
    let client = LabClient::new(&lab.url, "learner");
    let status = client.start_attacker("alice").await.unwrap();
    assert!(status.running);
    assert_eq!(status.credential_kind, Some(CredentialKind::Cookie));
    let s = lab
        .state_when("two attacker requests", |s| s.attacker.requests >= 2)
        .await
        .attacker;
    assert_eq!(s.refused, 0, "{s:?}");
    client.revoke("alice").await.unwrap();
    let revoked_at = Instant::now();
    // Every attacker request after the revoke is refused; it gives up after 20 in a row.
    let s = lab
        .state_when("the attacker to give up", |s| !s.attacker.running)
        .await
        .attacker;
    assert!(s.stopped.unwrap().contains("gave up"));
    // 20 replays, one a period: not all at once. (Its timer catches up on late ticks, so
    // a few periods' slack.)
    let period = common::test_limits().attacker_period;
    assert!(
        revoked_at.elapsed() >= period * 15,
        "20 refusals in {:?}",
        revoked_at.elapsed()
    );
    let journal = client.journal(0).await.unwrap();
    let revoke_id = journal
        .iter()
        .find(|e| e.event == Some(Event::Revoke))
        .unwrap()
        .id;
    let after: Vec<&JournalEntry> = journal
        .iter()
        .filter(|e| e.id > revoke_id && e.source == Source::Attacker && e.is_request())
        .collect();
    assert!(after.len() >= 20);
    assert!(after.iter().all(|e| e.status == 401), "{after:?}");
    // The stolen credential is refused by every replica when replayed directly.
    let stolen = client.stolen_credential().await.unwrap();
    let cred = common::Cred::Cookie(stolen.value);
    for (name, a) in lab.on_each("/orders", &cred).await {
        assert_eq!(a.status, 401, "{name}");
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn attacker_with_a_token_survives_revoke_unless_the_denylist_is_on() {
    let lab = common::start(Mode::Token).await;
    let client = LabClient::new(&lab.url, "learner");
    client.start_attacker("alice").await.unwrap();
    client.revoke("alice").await.unwrap();
    let grace = client.state().await.unwrap().revoke_grace_ms;
    // The attacker's requests from `grace` after the latest revoke on, once there are three.
    let after_revoke = |j: &[JournalEntry]| -> Vec<JournalEntry> {
        let revoke = common::last_event(j, Event::Revoke).unwrap();
        j.iter()
            .filter(|e| e.source == Source::Attacker && e.is_request())
            .filter(|e| e.ts_ms > revoke.ts_ms + grace)
            .cloned()
            .collect()
    };
    lab.journal_when("three attacker requests after the revoke", |j| {
        after_revoke(j).len() >= 3
    })
    .await;
    let s = client.state().await.unwrap().attacker;
    assert!(
        s.running && s.refused == 0,
        "denylist off: the token keeps working {s:?}"
    );
    client.set_denylist(true).await.unwrap();
    client.revoke("alice").await.unwrap();
    let journal = lab
        .journal_when("three attacker requests after the revoke", |j| {
            after_revoke(j).len() >= 3
        })
        .await;
    let later = after_revoke(&journal);
    assert!(
        later
            .iter()
            .all(|e| e.status == 401 && e.reason.as_deref().unwrap_or("").contains("revoked")),
        "{later:?}"
    );
    client.stop_attacker().await.unwrap();
    lab.shutdown().await;
}

#[tokio::test]
async fn journal_records_requests_with_source_and_credential_fingerprints() {
    let lab = common::start(Mode::Local).await;
    let client = LabClient::new(&lab.url, "grader");
    let mut stream = Box::pin(
        client
            .journal_stream(client.state().await.unwrap().journal_head)
            .await
            .unwrap(),
    );
    let (login, cred) = lab.alice().await;
    let _ = lab.get("/orders", Some(&cred)).await;
    let console = LabClient::new(&lab.url, "console");
    console
        .send(None, "GET", "/healthz", &[], None)
        .await
        .unwrap();
    let mut got = Vec::new();
    while got.len() < 3 {
        let e = tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .expect("stream delivers within 5 s")
            .unwrap()
            .unwrap();
        got.push(e);
    }
    let sid = login.sid.unwrap();
    let fp = forgetful::lab::sessions::fingerprint(&sid);
    assert_eq!(got[0].path, "/login");
    assert_eq!(got[0].issued.as_deref(), Some(fp.as_str()));
    assert_eq!(got[0].user.as_deref(), Some("alice"));
    assert_eq!(got[1].path, "/orders");
    assert_eq!(got[1].credential, CredentialKind::Cookie);
    assert_eq!(got[1].fingerprint.as_deref(), Some(fp.as_str()));
    assert_eq!(got[1].source, Source::Learner);
    assert_eq!(got[2].source, Source::Console);
    // The secret never appears in the journal.
    let all = serde_json::to_string(&client.journal(0).await.unwrap()).unwrap();
    assert!(!all.contains(&sid));
    // since= filters.
    let tail = client.journal(got[1].id).await.unwrap();
    assert_eq!(tail.first().unwrap().id, got[2].id);
    lab.shutdown().await;
}

#[tokio::test]
async fn control_events_are_journaled() {
    let lab = common::start(Mode::Local).await;
    let client = LabClient::new(&lab.url, "learner");
    client.set_mode(Mode::Token).await.unwrap();
    client
        .set_policy(forgetful::api::Policy::Sticky)
        .await
        .unwrap();
    client.replica("c", ReplicaAction::Restart).await.unwrap();
    client.set_denylist(true).await.unwrap();
    let events: Vec<Event> = client
        .journal(0)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.event)
        .collect();
    for want in [
        Event::LabStarted,
        Event::ModeChanged,
        Event::PolicyChanged,
        Event::ReplicaRestarted,
        Event::JwksFetched,
        Event::DenylistChanged,
    ] {
        assert!(events.contains(&want), "{want} missing from {events:?}");
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn admin_errors_are_json() {
    let lab = common::start(Mode::Local).await;
    let a = lab.admin("/mode", json!({"mode": "psychic"})).await;
    assert_eq!(a.status, 400);
    assert!(a.reason().contains("expected local, shared or token"));
    let a = lab.admin("/replicas/z/restart", json!(null)).await;
    assert_eq!(a.status, 404);
    let a = lab.admin("/replicas/a/explode", json!(null)).await;
    assert_eq!(a.status, 404);
    let a = lab.admin("/attacker", json!({"user": "nobody"})).await;
    assert_eq!(a.status, 400);
    let a = lab.get("/admin/attacker/credential", None).await;
    assert_eq!(a.status, 404);
    let a = lab.get("/admin/nothing", None).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.served_by, "balancer");
    assert!(a.reason().contains("/admin/nothing") && a.reason().contains("/admin/state"));
    for bad in [
        "/admin/journal?since=abc",
        "/admin/journal?limit=-1",
        "/admin/journal/stream?since=x",
    ] {
        let a = lab.get(bad, None).await;
        assert_eq!(a.status, 400, "{bad}");
        assert!(
            a.reason().contains("whole numbers"),
            "{bad}: {}",
            a.reason()
        );
    }
    let a = lab.admin("/replicas/%FF/restart", json!(null)).await;
    assert_eq!(a.status, 400, "{:?}", a.body);
    lab.shutdown().await;
}

#[tokio::test]
async fn admin_token_is_required_when_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = forgetful::lab::LabConfig::ephemeral(dir.path());
    cfg.admin_token = Some("s3cret".into());
    let lab = forgetful::lab::start(cfg).await.unwrap();
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{}/admin/state", lab.balancer_url))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let r = http
            .get(format!("{}/admin/state", lab.balancer_url))
            .header("authorization", format!("{scheme} s3cret"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
    let r = http
        .get(format!("{}/admin/state", lab.balancer_url))
        .bearer_auth("S3CRET")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "the token itself is case-sensitive");
    lab.shutdown().await;
}

#[tokio::test]
async fn concurrent_restarts_of_one_replica_all_succeed() {
    let lab = common::start(Mode::Local).await;
    let client = LabClient::new(&lab.url, "learner");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            c.replica("a", ReplicaAction::Restart).await
        }));
    }
    for t in tasks {
        let state = t.await.unwrap().expect("every restart answers 200");
        assert!(state.replicas.iter().find(|r| r.name == "a").unwrap().up);
    }
    assert_eq!(
        lab.get_at(&lab.replica_url("a"), "/healthz", None)
            .await
            .status,
        200
    );
    lab.shutdown().await;
}

/// The typed client (what the app and the grader use) drives every newer control and reads
/// the settings back from `/admin/state`.
#[tokio::test]
async fn the_client_drives_the_token_and_browser_settings() {
    use forgetful::api::{Role, Weakness};
    let lab = common::start(Mode::Token).await;
    let client = LabClient::new(&lab.url, "learner");
    let before = client.full_state().await.unwrap();
    assert_eq!(before.security.token_ttl_secs, 900);
    assert!(before.security.csrf && before.security.weaknesses.is_empty());
    let s = client.set_token_ttl(60).await.unwrap();
    assert_eq!(s.security.token_ttl_secs, 60);
    let s = client.rotate_key().await.unwrap();
    assert_ne!(s.security.signing_kid, before.security.signing_kid);
    let s = client.set_weakness(Weakness::NoExp, true).await.unwrap();
    assert_eq!(s.security.weaknesses, [Weakness::NoExp]);
    let s = client.set_csrf(false).await.unwrap();
    assert!(!s.security.csrf);
    let r = client.set_role("alice", Role::Admin).await.unwrap();
    assert_eq!(r["role"], "admin");
    match client.set_token_ttl(1).await {
        Err(forgetful::client::ClientError::Refused {
            status: 400,
            reason,
        }) => {
            assert!(reason.contains("5 to 86400"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // The plain state still reads, for clients that know only LabState.
    assert_eq!(client.state().await.unwrap().mode, Mode::Token);
    lab.shutdown().await;
}
