//! `forgetful load` against a lab on loopback: the scenarios and the outcome the lessons
//! claim. Each run is short (2 s) and gentle (200 requests a second): these test what
//! happens, not how fast; the speed is in benches/load.sh.

use std::collections::BTreeSet;
use std::time::Duration;

use forgetful::api::{Mode, Policy};
use forgetful::load::{self, Drive, LoadArgs, LoadError, Scenario, Summary, Update};
use forgetful::store::StoreSpec;

use crate::common;

fn args(scenario: Scenario) -> LoadArgs {
    LoadArgs {
        users: 30,
        drive: Drive::Rate {
            rate: 200,
            connections: 6,
        },
        duration: Duration::from_secs(2),
        scenario,
        ..LoadArgs::default()
    }
}

async fn run_on(lab: &common::TestLab, a: &LoadArgs, restore: bool) -> (Summary, Vec<String>) {
    let mut lines = Vec::new();
    let summary = load::run(a, &lab.url, Some(lab.key()), restore, &mut |u| {
        if let Update::Line(l) = u {
            lines.push(l);
        }
    })
    .await
    .unwrap_or_else(|e| panic!("load run failed: {e}"));
    (summary, lines)
}

fn event_time(s: &Summary, what: &str) -> f64 {
    s.events
        .iter()
        .find(|e| e.what.contains(what))
        .unwrap_or_else(|| panic!("no event {what:?} in {:?}", s.events))
        .t
}

fn logged_out(s: &Summary) -> BTreeSet<String> {
    s.logged_out.iter().map(|u| u.user.clone()).collect()
}

/// The lesson's claim, in local mode: under the sticky policy, stopping a replica logs out
/// every user whose session it held, and nobody else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_one_in_local_mode_logs_out_exactly_the_users_pinned_to_the_killed_replica() {
    let lab = common::start(Mode::Local).await;
    let (s, lines) = run_on(&lab, &args(Scenario::KillOne), false).await;
    assert_eq!(s.policy, Policy::Sticky);
    let killed_at = event_time(&s, "stopped replica b");
    let b = s.replicas.iter().find(|r| r.name == "b").unwrap();
    assert!(b.users_logged_in > 0, "{:?}", s.replicas);
    assert_eq!(
        b.users_logged_out, b.users_logged_in,
        "every user who logged in on b is logged out: {:?}",
        s.replicas
    );
    assert!(
        s.logged_out.iter().all(|u| u.login_replica == "b"),
        "and nobody else: {:?}",
        s.logged_out
    );
    assert_eq!(s.users_logged_out, b.users_logged_in);
    assert_eq!(logged_out(&s).len(), b.users_logged_in);
    for u in &s.logged_out {
        assert!(
            u.first_401_s >= killed_at - 0.2,
            "{u:?} logged out before the kill at {killed_at}"
        );
    }
    assert!(s.unauthorized > 0);
    assert_eq!(s.failed, 0, "{:?}", s.status);
    assert!(s.verdict.contains("logged in on b"), "{}", s.verdict);
    // A line a second, and the event on its own line.
    assert!(
        lines.iter().any(|l| l.contains("▸ stopped replica b")),
        "{lines:?}"
    );
    assert!(
        lines.iter().filter(|l| l.contains("req/s")).count() >= 2,
        "{lines:?}"
    );
    lab.shutdown().await;
}

/// The same run in shared and token modes: the users pinned to b carry on elsewhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_one_in_shared_and_token_modes_logs_out_nobody() {
    // Two independent labs, run at once.
    let runs = futures_util::future::join_all([Mode::Shared, Mode::Token].map(|mode| async move {
        let lab = common::start(mode).await;
        let (s, _) = run_on(&lab, &args(Scenario::KillOne), false).await;
        lab.shutdown().await;
        (mode, s)
    }))
    .await;
    for (mode, s) in runs {
        let killed_at = event_time(&s, "stopped replica b");
        assert_eq!(s.users_logged_out, 0, "{mode}: {:?}", s.logged_out);
        assert_eq!(s.unauthorized, 0, "{mode}: {:?}", s.status);
        assert_eq!(s.failed, 0, "{mode}: {:?}", s.status);
        // Traffic carried on after the kill (how much depends on the machine, not the lab).
        let after: u64 = s
            .seconds
            .iter()
            .filter(|x| x.t > killed_at)
            .flat_map(|x| x.by_replica.values())
            .sum();
        assert!(
            after > 0,
            "{mode}: nothing served after the kill: {:?}",
            s.seconds
        );
        assert!(
            s.replicas
                .iter()
                .any(|r| r.name == "b" && r.users_logged_in > 0),
            "{mode}: some users logged in on b: {:?}",
            s.replicas
        );
        // After the kill, b serves nothing.
        for sec in s.seconds.iter().filter(|x| x.t - 1.0 > killed_at) {
            assert!(!sec.by_replica.contains_key("b"), "{mode}: {sec:?}");
        }
        assert!(
            s.verdict.starts_with("no user was logged out"),
            "{}",
            s.verdict
        );
    }
}

/// Restarting every replica in turn: local mode loses every login, shared mode none, and
/// no request goes unanswered in either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolling_restart_loses_every_local_login_and_no_shared_one() {
    let runs = futures_util::future::join_all([(Mode::Local, true), (Mode::Shared, false)].map(
        |(mode, all_out)| async move {
            let lab = common::start(mode).await;
            let (s, _) = run_on(&lab, &args(Scenario::RollingRestart), false).await;
            lab.shutdown().await;
            (mode, all_out, s)
        },
    ))
    .await;
    for (mode, all_out, s) in runs {
        let restarts: Vec<&str> = s.events.iter().map(|e| e.what.as_str()).collect();
        assert_eq!(
            restarts,
            [
                "restarted replica a",
                "restarted replica b",
                "restarted replica c"
            ],
            "{mode}"
        );
        let expected = if all_out { s.users } else { 0 };
        assert_eq!(s.users_logged_out, expected, "{mode}: {:?}", s.logged_out);
        assert_eq!(s.failed, 0, "{mode}: {:?}", s.status);
    }
}

/// A replica added mid-run takes its share (tokens are not pinned), and the run takes it
/// away again afterwards, with the policy it changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_out_adds_a_replica_that_takes_traffic_and_restore_removes_it() {
    let lab = common::start(Mode::Token).await;
    let (s, _) = run_on(&lab, &args(Scenario::ScaleOut), true).await;
    let added_at = event_time(&s, "added replica d");
    let d = s
        .replicas
        .iter()
        .find(|r| r.name == "d")
        .expect("d in the summary");
    assert!(d.requests > 20, "{:?}", s.replicas);
    assert!(
        s.seconds
            .iter()
            .filter(|x| x.t <= added_at)
            .all(|x| !x.by_replica.contains_key("d")),
        "d served nothing before it was added"
    );
    assert_eq!(s.failed + s.unauthorized, 0, "{:?}", s.status);
    assert!(
        s.restored.iter().any(|r| r == "removed replica d again"),
        "{:?}",
        s.restored
    );
    assert!(
        s.restored
            .iter()
            .any(|r| r.contains("policy back to round-robin"))
    );
    let state = forgetful::client::LabClient::new(&lab.url, "grader")
        .state()
        .await
        .unwrap();
    let names: Vec<&str> = state.replicas.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(state.policy, Policy::RoundRobin);
    lab.shutdown().await;
}

#[tokio::test]
async fn redis_outage_needs_redis_and_says_so() {
    let lab = common::start(Mode::Shared).await;
    let err = load::run(
        &args(Scenario::RedisOutage),
        &lab.url,
        None,
        true,
        &mut |_| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(err, LoadError::NeedsRedis { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("memory") && msg.contains("--store redis://"),
        "{msg}"
    );
    lab.shutdown().await;
}

/// With the lab's own Redis paused mid-run, shared-mode requests get 503 "session store
/// unreachable" for the pause and 200 again after it; nobody is logged out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_outage_costs_shared_mode_503s_for_the_pause_and_no_logins() {
    // Needs a redis-server binary; CI installs one (and sets FORGETFUL_TEST_REDIS).
    if common::redis_url().is_none() {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis = crate::redis::OwnRedis::start(port).expect("redis-server starts");
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let lab = common::start_with(Mode::Shared, StoreSpec::Redis(url), None).await;
    // 4.5 seconds: the pause is the middle 1.5, and the last (half) second starts a whole
    // second after it ends.
    let a = LoadArgs {
        duration: Duration::from_millis(4500),
        ..args(Scenario::RedisOutage)
    };
    let (s, _) = run_on(&lab, &a, false).await;
    assert!(
        s.events[0].what.starts_with("Redis paused"),
        "{:?}",
        s.events
    );
    let unavailable = s.status.get(&503).copied().unwrap_or(0);
    assert!(unavailable > 0, "{:?}", s.status);
    assert_eq!(s.users_logged_out, 0, "{:?}", s.logged_out);
    // The last second, after the pause, is all 200 again.
    let last = s.seconds.last().unwrap();
    assert_eq!(
        last.status.keys().copied().collect::<Vec<_>>(),
        [200],
        "{last:?}"
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn the_chart_shows_each_replica_the_errors_p99_and_the_events() {
    let lab = common::start(Mode::Local).await;
    let a = LoadArgs {
        users: 6,
        drive: Drive::Rate {
            rate: 60,
            connections: 2,
        },
        ..args(Scenario::KillOne)
    };
    let (s, _) = run_on(&lab, &a, false).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.svg");
    load::plot::write(&s, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
    for text in [
        "replica a",
        "replica b",
        "replica c",
        "401 logged out",
        "p99",
        "stopped replica b",
        "kill-one",
    ] {
        assert!(svg.contains(text), "the chart lacks {text:?}");
    }
    assert!(!svg.contains("chat"), "no chat clients, no chat series");
    // JSON for tooling: the same summary, with its series.
    let json: serde_json::Value = serde_json::to_value(&s).unwrap();
    assert_eq!(json["scenario"], "kill-one");
    assert_eq!(json["seconds"].as_array().unwrap().len(), 2);
    assert!(json["latency_ms"]["p99"].as_f64().unwrap() > 0.0);
    lab.shutdown().await;
}

/// The stateful contrast under a rolling restart in token mode: every chat client is dropped
/// at least once (its replica restarts) and reconnects, while not one stateless request fails
/// and nobody is logged out. The drops and reconnects are in each second and the summary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_clients_drop_and_reconnect_through_a_rolling_restart_while_tokens_carry_on() {
    let lab = common::start(Mode::Token).await;
    let a = LoadArgs {
        chat: 6,
        ..args(Scenario::RollingRestart)
    };
    let (s, lines) = run_on(&lab, &a, false).await;
    let chat = s.chat.clone().expect("a chat summary");
    assert_eq!(chat.clients, 6);
    assert!(chat.drops >= 6, "each client's replica restarted: {chat:?}");
    assert!(chat.reconnects >= 1, "{chat:?}");
    assert_eq!(s.failed + s.unauthorized, 0, "{:?}", s.status);
    assert_eq!(s.users_logged_out, 0);
    let per_second: u64 = s
        .seconds
        .iter()
        .map(|x| x.chat.as_ref().expect("chat in every second").drops)
        .sum();
    assert_eq!(per_second, chat.drops);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("chat ") && l.contains("drops")),
        "{lines:?}"
    );
    // The chart carries the drops beside the requests.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.svg");
    load::plot::write(&s, &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg.contains("chat connections dropped"),
        "the chart lacks the drops"
    );
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["chat"]["drops"].as_u64(), Some(chat.drops));
    assert!(json["seconds"][0]["chat"]["connected"].is_u64());
    lab.shutdown().await;
}
