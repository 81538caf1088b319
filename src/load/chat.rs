//! `--chat K`: K WebSocket chat clients (`GET /ws/chat` through the balancer) held open for
//! the run. Each one says something once a second; when its replica drops it (a restart, a
//! stop), it counts a drop and connects again, landing wherever the balancer sends it, and
//! counts a reconnect. The stateless traffic beside it shows what the same event costs a
//! request that carries its own state.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_util::sync::CancellationToken;

use super::stats::ChatSecond;

/// A client that could not connect tries again after this long.
const RETRY: Duration = Duration::from_millis(100);

/// What every chat client adds to.
#[derive(Default)]
pub struct Counts {
    pub connected: AtomicU64,
    pub drops: AtomicU64,
    pub reconnects: AtomicU64,
}

impl Counts {
    /// The second just ended, given the totals at the end of the one before.
    pub fn second(&self, before: &mut (u64, u64)) -> ChatSecond {
        let drops_total = self.drops.load(Ordering::Relaxed);
        let reconnects_total = self.reconnects.load(Ordering::Relaxed);
        let s = ChatSecond {
            connected: self.connected.load(Ordering::Relaxed),
            drops: drops_total - before.0,
            reconnects: reconnects_total - before.1,
            drops_total,
            reconnects_total,
        };
        *before = (drops_total, reconnects_total);
        s
    }
}

/// Where and as whom the clients connect.
#[derive(Clone)]
pub struct Target {
    pub addr: std::net::SocketAddr,
    /// Headers on the handshake: the source tag and, when known, the lab's key.
    pub tags: Vec<(axum::http::HeaderName, axum::http::HeaderValue)>,
}

/// Holds client `i` open until `deadline` or `stop`.
pub async fn hold(
    target: Target,
    i: u32,
    counts: Arc<Counts>,
    deadline: Instant,
    stop: CancellationToken,
) {
    let url = format!("ws://{}/ws/chat?name=load-{}", target.addr, i + 1);
    let mut connected_before = false;
    loop {
        if Instant::now() >= deadline || stop.is_cancelled() {
            return;
        }
        let Ok(mut req) = url.as_str().into_client_request() else {
            return;
        };
        for (k, v) in &target.tags {
            req.headers_mut().insert(k.clone(), v.clone());
        }
        let attempt = async {
            let stream = tokio::net::TcpStream::connect(target.addr).await.ok()?;
            let _ = stream.set_nodelay(true);
            tokio_tungstenite::client_async(req, stream).await.ok()
        };
        let ws = tokio::select! {
            ws = tokio::time::timeout(Duration::from_secs(2), attempt) => ws.ok().flatten(),
            _ = tokio::time::sleep_until(deadline) => return,
            _ = stop.cancelled() => return,
        };
        let Some((mut ws, _)) = ws else {
            tokio::time::sleep(RETRY).await;
            continue;
        };
        if connected_before {
            counts.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        connected_before = true;
        counts.connected.fetch_add(1, Ordering::Relaxed);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let ended_by_us = loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break true,
                _ = stop.cancelled() => break true,
                _ = tick.tick() => {
                    if ws.send(Message::Text("still here".into())).await.is_err() {
                        break false;
                    }
                }
                got = ws.next() => match got {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break false,
                    Some(Ok(_)) => {}
                },
            }
        };
        counts.connected.fetch_sub(1, Ordering::Relaxed);
        if ended_by_us {
            let _ = tokio::time::timeout(Duration::from_millis(500), ws.close(None)).await;
            return;
        }
        counts.drops.fetch_add(1, Ordering::Relaxed);
    }
}
