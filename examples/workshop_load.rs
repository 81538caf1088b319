//! A simulated room for `benches/workshop.sh`: N learners join a workshop server at once, each
//! switches its own lab to token mode and logs in, then sends R requests a second (GET /me and
//! GET /orders with its token, in turn) to its own lab for S seconds. Then every lab's journal
//! is read with that learner's token: it must hold exactly that learner's requests, all with
//! that learner's credential (a request answered by another learner's lab would be missing
//! from one journal and present, under a foreign fingerprint, in another).
//!
//!   workshop_load --url URL [--learners 40] [--rate 5] [--seconds 60] [--admin-token T] [--server-pid PID]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Args {
    url: String,
    learners: usize,
    rate: u32,
    seconds: u64,
    admin_token: Option<String>,
    server_pid: Option<u32>,
}

fn args() -> Args {
    let mut a = Args {
        url: String::new(),
        learners: 40,
        rate: 5,
        seconds: 60,
        admin_token: None,
        server_pid: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = value(),
            "--learners" => a.learners = value().parse().expect("--learners N"),
            "--rate" => a.rate = value().parse().expect("--rate N"),
            "--seconds" => a.seconds = value().parse().expect("--seconds N"),
            "--admin-token" => a.admin_token = Some(value()),
            "--server-pid" => a.server_pid = Some(value().parse().expect("--server-pid PID")),
            other => panic!("unknown flag {other}"),
        }
    }
    assert!(!a.url.is_empty(), "--url is required");
    a
}

/// `VmRSS` and `VmHWM` of a process, in KiB (Linux).
fn rss_kib(pid: Option<u32>) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Learner {
    name: String,
    lab: String,
    token: String,
    bearer: String,
}

#[derive(Default)]
struct Tally {
    latencies: Vec<f64>,
    statuses: HashMap<u16, usize>,
    errors: usize,
    sent: usize,
}

#[tokio::main]
async fn main() {
    let a = args();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(8)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let base = rss_kib(a.server_pid);

    // Everyone joins at once.
    let started = Instant::now();
    let joins = (0..a.learners).map(|i| {
        let http = http.clone();
        let url = a.url.clone();
        async move {
            let name = format!("learner-{i:02}");
            let t = Instant::now();
            let r = http
                .post(format!("{url}/workshop/join"))
                .json(&json!({ "name": name }))
                .send()
                .await
                .expect("join answered");
            let status = r.status();
            let body: Value = r.json().await.expect("join JSON");
            assert!(status.is_success(), "{name}: {status} {body}");
            (
                name,
                body["lab_url"].as_str().unwrap().to_string(),
                body["learner_token"].as_str().unwrap().to_string(),
                ms(t.elapsed()),
            )
        }
    });
    let joined = futures_util::future::join_all(joins).await;
    let all_joined = started.elapsed();
    let mut join_ms: Vec<f64> = joined.iter().map(|j| j.3).collect();
    join_ms.sort_by(f64::total_cmp);
    let after_join = rss_kib(a.server_pid);

    // Each learner: token mode in its own lab, then one login.
    let setups = joined.into_iter().map(|(name, lab, token, _)| {
        let http = http.clone();
        async move {
            let r = http
                .post(format!("{lab}/admin/mode"))
                .bearer_auth(&token)
                .json(&json!({"mode": "token"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{name}: mode");
            let t = Instant::now();
            let r = http
                .post(format!("{lab}/login"))
                .json(&json!({"username": "alice", "password": "wonderland"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "{name}: login");
            let body: Value = r.json().await.unwrap();
            let login_ms = ms(t.elapsed());
            (
                Learner {
                    name,
                    lab,
                    token,
                    bearer: body["token"].as_str().unwrap().to_string(),
                },
                login_ms,
            )
        }
    });
    let ready = futures_util::future::join_all(setups).await;
    let mut login_ms: Vec<f64> = ready.iter().map(|r| r.1).collect();
    login_ms.sort_by(f64::total_cmp);
    let learners: Vec<Arc<Learner>> = ready.into_iter().map(|r| Arc::new(r.0)).collect();

    // The room at work: R requests a second each, for S seconds, phases spread over the period.
    let period = Duration::from_secs(1) / a.rate;
    let end = Instant::now() + Duration::from_secs(a.seconds);
    let n = learners.len() as u32;
    let tasks: Vec<_> = learners
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let l = l.clone();
            let http = http.clone();
            tokio::spawn(async move {
                tokio::time::sleep(period * i as u32 / n).await;
                let mut tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut tally = Tally::default();
                let mut k = 0usize;
                while Instant::now() < end {
                    tick.tick().await;
                    let path = if k.is_multiple_of(2) {
                        "/me"
                    } else {
                        "/orders"
                    };
                    k += 1;
                    let t = Instant::now();
                    tally.sent += 1;
                    match http
                        .get(format!("{}{path}", l.lab))
                        .bearer_auth(&l.bearer)
                        .send()
                        .await
                    {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            let _ = r.bytes().await;
                            tally.latencies.push(ms(t.elapsed()));
                            *tally.statuses.entry(status).or_default() += 1;
                        }
                        Err(_) => tally.errors += 1,
                    }
                }
                tally
            })
        })
        .collect();
    let mut all = Tally::default();
    let mut sent_by = Vec::new();
    for t in tasks {
        let t = t.await.unwrap();
        sent_by.push(t.sent);
        all.latencies.extend(t.latencies);
        for (s, c) in t.statuses {
            *all.statuses.entry(s).or_default() += c;
        }
        all.errors += t.errors;
        all.sent += t.sent;
    }
    all.latencies.sort_by(f64::total_cmp);
    let after_load = rss_kib(a.server_pid);

    // Every lab's journal: exactly its learner's requests, all under one fingerprint of its own.
    let mut fingerprints: HashMap<String, String> = HashMap::new();
    let mut cross = 0usize;
    let mut missing = 0usize;
    for (l, sent) in learners.iter().zip(&sent_by) {
        let mut after = 0u64;
        let mut mine = 0usize;
        let mut prints: HashMap<String, usize> = HashMap::new();
        loop {
            let page: Vec<Value> = http
                .get(format!("{}/admin/journal?after={after}&limit=1000", l.lab))
                .bearer_auth(&l.token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let full = page.len() == 1000;
            for e in &page {
                after = e["id"].as_u64().unwrap_or(after);
                if e["kind"] == "request" && matches!(e["path"].as_str(), Some("/me" | "/orders")) {
                    mine += 1;
                    let fp = e["fingerprint"].as_str().unwrap_or("none").to_string();
                    *prints.entry(fp).or_default() += 1;
                }
            }
            if !full {
                break;
            }
        }
        // The learner's own credential is the most common one; anything else came from elsewhere.
        let own = prints
            .iter()
            .max_by_key(|(_, c)| **c)
            .map(|(f, _)| f.clone())
            .unwrap_or_default();
        cross += prints
            .iter()
            .filter(|(f, _)| **f != own)
            .map(|(_, c)| c)
            .sum::<usize>();
        if let Some(other) = fingerprints.insert(own.clone(), l.name.clone()) {
            eprintln!(
                "{} and {other} share a credential fingerprint {own}",
                l.name
            );
            cross += 1;
        }
        missing += sent.abs_diff(mine);
    }

    // The class summary with the whole room in it, once each learner has sent a record.
    for l in &learners {
        let mut p = forgetful::progress::Progress::default();
        p.mark_read("01-the-server-forgets");
        let r = http
            .post(format!("{}/workshop/progress", a.url))
            .bearer_auth(&l.token)
            .json(&p)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    let class_ms = match &a.admin_token {
        Some(t) => {
            let start = Instant::now();
            let r = http
                .get(format!("{}/workshop/class", a.url))
                .bearer_auth(t)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            let c: Value = r.json().await.unwrap();
            let read = c["learners"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|l| l["lessons_read"] == 1)
                .count();
            assert_eq!(read, learners.len(), "every record is in the summary");
            Some(ms(start.elapsed()))
        }
        None => None,
    };

    let mut statuses: Vec<_> = all.statuses.iter().collect();
    statuses.sort();
    println!("learners                 {}", a.learners);
    println!(
        "all joined in            {:.0} ms (each join: median {:.0} ms, p99 {:.0} ms, max {:.0} ms)",
        ms(all_joined),
        percentile(&join_ms, 50.0),
        percentile(&join_ms, 99.0),
        join_ms.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "first login (argon2)     median {:.0} ms, max {:.0} ms",
        percentile(&login_ms, 50.0),
        login_ms.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "requests                 {} sent at {} a second each for {} s; statuses {:?}; transport errors {}",
        all.sent, a.rate, a.seconds, statuses, all.errors
    );
    println!(
        "latency                  p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&all.latencies, 50.0),
        percentile(&all.latencies, 90.0),
        percentile(&all.latencies, 99.0),
        all.latencies.last().copied().unwrap_or(f64::NAN)
    );
    println!(
        "cross-lab answers        {cross} (journal entries under another learner's credential)"
    );
    println!("requests not journalled  {missing} (sent minus found in the learner's own journal)");
    if let Some(c) = class_ms {
        println!(
            "class summary            {c:.1} ms for {} learners",
            learners.len()
        );
    }
    if let (Some((b, _)), Some((j, _)), Some((l, hwm))) = (base, after_join, after_load) {
        let per = |x: u64| (x.saturating_sub(b)) as f64 / 1024.0 / a.learners as f64;
        println!(
            "server RSS               {:.1} MB before joins, {:.1} MB after, {:.1} MB after the load (peak {:.1} MB)",
            b as f64 / 1024.0,
            j as f64 / 1024.0,
            l as f64 / 1024.0,
            hwm as f64 / 1024.0
        );
        println!(
            "per learner lab          {:.2} MB after joining, {:.2} MB after the load",
            per(j),
            per(l)
        );
    }
    if cross > 0 || missing > 0 || all.errors > 0 {
        std::process::exit(1);
    }
}
