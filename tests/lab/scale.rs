//! Scaling live: `POST /admin/replicas {"add": N}` and `DELETE /admin/replicas/{name}`, with
//! traffic running through the balancer.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use forgetful::api::{Event, Mode};
use forgetful::client::{ClientError, LabClient, ReplicaAction};
use serde_json::json;

use crate::common::{self, eventually};

fn names(state: &forgetful::api::LabState) -> Vec<String> {
    state.replicas.iter().map(|r| r.name.clone()).collect()
}

fn refused(r: Result<forgetful::api::LabState, ClientError>) -> (u16, String) {
    match r {
        Err(ClientError::Refused { status, reason }) => (status, reason),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn added_replicas_are_named_on_and_take_traffic_and_removed_ones_stop() {
    let lab = common::start(Mode::Shared).await;
    let client = LabClient::new(&lab.url, "grader");
    let state = client.add_replicas(2).await.unwrap();
    assert_eq!(names(&state), ["a", "b", "c", "d", "e"]);
    assert!(state.replicas.iter().all(|r| r.up), "{state:?}");
    let (_, cred) = lab.alice().await;
    // The balancer spreads over the new ones too (it is round-robin: five requests in a row
    // visit five replicas, but other traffic may interleave, so poll).
    eventually("requests served by d and e", async || {
        let mut seen = BTreeSet::new();
        for _ in 0..10 {
            let a = lab.get("/me", Some(&cred)).await;
            if a.status != 200 {
                return Err(format!("{} {:?}", a.status, a.body));
            }
            seen.insert(a.served_by);
        }
        if seen.contains("d") && seen.contains("e") {
            Ok(())
        } else {
            Err(format!("served by {seen:?}"))
        }
    })
    .await;

    let d_url = lab.replica_url("d");
    let state = client.remove_replica("d").await.unwrap();
    assert_eq!(names(&state), ["a", "b", "c", "e"]);
    assert!(
        lab.http
            .get(format!("{d_url}/healthz"))
            .send()
            .await
            .is_err(),
        "a removed replica refuses connections"
    );
    for _ in 0..8 {
        let a = lab.get("/me", Some(&cred)).await;
        assert_eq!(a.status, 200);
        assert_ne!(a.served_by, "d");
    }
    // A removed name is not handed out again; a removed replica has no controls.
    assert_eq!(
        names(&client.add_replicas(1).await.unwrap()),
        ["a", "b", "c", "e", "f"]
    );
    let (status, reason) = refused(client.replica("d", ReplicaAction::Start).await);
    assert_eq!(status, 404, "{reason}");

    let journal = client.journal(0).await.unwrap();
    let events: Vec<(Event, String)> = journal
        .iter()
        .filter_map(|e| Some((e.event?, e.replica.clone()?)))
        .filter(|(e, _)| matches!(e, Event::ReplicaAdded | Event::ReplicaRemoved))
        .collect();
    assert_eq!(
        events,
        [
            (Event::ReplicaAdded, "d".into()),
            (Event::ReplicaAdded, "e".into()),
            (Event::ReplicaRemoved, "d".into()),
            (Event::ReplicaAdded, "f".into()),
        ]
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn scaling_refuses_what_it_cannot_do_with_json_reasons() {
    let lab = common::start(Mode::Local).await;
    let client = LabClient::new(&lab.url, "grader");
    for bad in [
        json!({"add": 0}),
        json!({"add": 6}),
        json!({"add": -1}),
        json!({"add": "two"}),
        json!({}),
    ] {
        let a = lab.admin("/replicas", bad.clone()).await;
        assert_eq!(a.status, 400, "{bad}: {:?}", a.body);
        assert_eq!(a.body["error"], "bad request");
        assert!(!a.reason().is_empty());
    }
    // At most nine: 3 + 5 = 8, then 2 more is one too many.
    assert_eq!(client.add_replicas(5).await.unwrap().replicas.len(), 8);
    let (status, reason) = refused(client.add_replicas(2).await);
    assert_eq!(status, 409);
    assert!(
        reason.contains("at most 9") && reason.contains("1 more"),
        "{reason}"
    );
    assert_eq!(client.add_replicas(1).await.unwrap().replicas.len(), 9);

    let (status, reason) = refused(client.remove_replica("zz").await);
    assert_eq!((status, reason.contains("no replica named")), (404, true));
    for name in ["a", "b", "c", "d", "e", "f", "g", "h"] {
        client.remove_replica(name).await.unwrap();
    }
    let (status, reason) = refused(client.remove_replica("i").await);
    assert_eq!(status, 409);
    assert!(reason.contains("last one"), "{reason}");

    // A wrong method on the new routes is a JSON 405 like every other route's.
    let resp = lab
        .http
        .get(format!("{}/admin/replicas", lab.url))
        .send()
        .await
        .unwrap();
    let a = common::answer(resp).await;
    assert_eq!(a.status, 405, "{:?}", a.body);
    assert_eq!(a.served_by, "balancer");
    lab.shutdown().await;
}

/// Requests keep getting answers while replicas come and go under them: a GET that was on
/// its way to a removed replica fails over like one sent to a stopped replica.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adding_and_removing_under_traffic_loses_no_request() {
    let lab = common::start(Mode::Shared).await;
    let client = LabClient::new(&lab.url, "grader");
    let (_, cred) = lab.alice().await;
    let common::Cred::Cookie(sid) = cred else {
        panic!()
    };
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (url, sid, stop, ok) = (lab.url.clone(), sid.clone(), stop.clone(), ok.clone());
        let http = lab.http.clone();
        tasks.push(tokio::spawn(async move {
            let mut bad = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let resp = http
                    .get(format!("{url}/me"))
                    .header("cookie", format!("sid={sid}"))
                    .send()
                    .await;
                match resp {
                    Ok(r) if r.status() == 200 => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => bad.push(format!("{} {}", r.status(), r.text().await.unwrap())),
                    Err(e) => bad.push(e.to_string()),
                }
            }
            bad
        }));
    }
    for round in 0..3 {
        let state = client.add_replicas(2).await.unwrap();
        let added: Vec<String> = names(&state).into_iter().skip(3).collect();
        let before = ok.load(Ordering::Relaxed);
        eventually("traffic after adding", async || {
            if ok.load(Ordering::Relaxed) > before + 50 {
                Ok(())
            } else {
                Err(format!("round {round}"))
            }
        })
        .await;
        for name in added {
            client.remove_replica(&name).await.unwrap();
        }
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let bad = t.await.unwrap();
        assert!(bad.is_empty(), "{bad:?}");
    }
    assert_eq!(names(&client.state().await.unwrap()), ["a", "b", "c"]);
    lab.shutdown().await;
}
