use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use forgetful::api::Mode;

use crate::common;

/// 64 concurrent clients for a few seconds through the balancer: no errors, no panics.
/// Bounded and on loopback; it asserts correctness, not speed (speed is in benches/).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_clients_see_no_errors() {
    let lab = common::start(Mode::Shared).await;
    let (_, cred) = lab.alice().await;
    let common::Cred::Cookie(sid) = cred else {
        panic!()
    };
    let ok = Arc::new(AtomicU64::new(0));
    let bad = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for i in 0..64 {
        let (url, sid, ok, bad) = (lab.url.clone(), sid.clone(), ok.clone(), bad.clone());
        let http = lab.http.clone();
        tasks.push(tokio::spawn(async move {
            // A fixed count, not a duration: the same work on a fast or a slow machine.
            for _ in 0..25 {
                let path = if i % 2 == 0 { "/orders" } else { "/me" };
                match http
                    .get(format!("{url}{path}"))
                    .header("cookie", format!("sid={sid}"))
                    .send()
                    .await
                {
                    Ok(r) if r.status() == 200 => ok.fetch_add(1, Ordering::Relaxed),
                    _ => bad.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    for t in tasks {
        t.await.expect("no client task panicked");
    }
    assert_eq!(bad.load(Ordering::Relaxed), 0);
    assert_eq!(ok.load(Ordering::Relaxed), 64 * 25);
    // Every replica is still healthy afterwards.
    for (name, url) in lab.lab().replica_urls() {
        assert_eq!(
            lab.get_at(&url, "/healthz", None).await.status,
            200,
            "{name}"
        );
    }
    lab.shutdown().await;
}
