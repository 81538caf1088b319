//! One connection's worth of traffic: a kept-alive HTTP/1 connection to the balancer (hyper's
//! client connection directly, no pool in between), sending a request as soon as the last
//! answer is read (closed loop) or on a fixed schedule (open loop, latency counted from when
//! the request was due, so a stall shows as latency rather than as fewer requests).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::time::Instant;

use super::stats::Window;
use crate::api::SERVED_BY_HEADER;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A closed loop whose connection is refused waits this long before trying again.
const RECONNECT_PAUSE: Duration = Duration::from_millis(50);

/// One simulated user: a login of their own (a session cookie or a token).
pub struct User {
    /// e.g. `alice#3`: the third login, as alice.
    pub name: String,
    pub header: HeaderName,
    pub value: HeaderValue,
    /// The replica that answered the login (in local mode, the only one that knows it).
    pub login_replica: String,
    pub ok: AtomicU64,
    pub unauthorized: AtomicU64,
    /// Milliseconds after traffic started of the first 401 (`u64::MAX`: none yet).
    pub first_401_ms: AtomicU64,
}

impl User {
    pub fn new(
        name: String,
        header: HeaderName,
        value: HeaderValue,
        login_replica: String,
    ) -> Self {
        User {
            name,
            header,
            value,
            login_replica,
            ok: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            first_401_ms: AtomicU64::new(u64::MAX),
        }
    }

    pub fn first_401(&self) -> Option<Duration> {
        match self.first_401_ms.load(Ordering::Relaxed) {
            u64::MAX => None,
            ms => Some(Duration::from_millis(ms)),
        }
    }
}

/// What every connection shares: where to send, what, as whom.
pub struct Plan {
    pub addr: SocketAddr,
    pub host: HeaderValue,
    pub method: Method,
    pub path: axum::http::uri::PathAndQuery,
    pub body: Option<Bytes>,
    /// Extra headers on every request: the source tag and, when known, the lab's key.
    pub tags: Vec<(HeaderName, HeaderValue)>,
    pub users: Vec<User>,
    pub next_user: AtomicUsize,
    /// When traffic started (the zero of every time in the run).
    pub started: Instant,
    pub deadline: Instant,
    /// Cancelled when the run is stopped early.
    pub stop: tokio_util::sync::CancellationToken,
}

/// Closed loop, or one request every `interval` from `first` on.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    Closed,
    Every { first: Instant, interval: Duration },
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Option<Sender> {
    let stream = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr))
        .await
        .ok()?
        .ok()?;
    let _ = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Some(sender)
}

impl Plan {
    fn request(&self, user: &User) -> Request<Full<Bytes>> {
        let body = self.body.clone().unwrap_or_default();
        let has_body = self.body.is_some();
        let mut req = Request::new(Full::new(body));
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = axum::http::Uri::from(self.path.clone());
        let h = req.headers_mut();
        h.insert(header::HOST, self.host.clone());
        h.insert(user.header.clone(), user.value.clone());
        if has_body {
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        for (k, v) in &self.tags {
            h.insert(k.clone(), v.clone());
        }
        req
    }

    fn user(&self) -> &User {
        let i = self.next_user.fetch_add(1, Ordering::Relaxed) % self.users.len();
        &self.users[i]
    }

    fn settle(&self, user: &User, status: u16) {
        if (200..300).contains(&status) {
            user.ok.fetch_add(1, Ordering::Relaxed);
        } else if status == 401 {
            user.unauthorized.fetch_add(1, Ordering::Relaxed);
            let ms = self.started.elapsed().as_millis() as u64;
            let _ = user.first_401_ms.compare_exchange(
                u64::MAX,
                ms,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }
}

fn with(window: &Mutex<Window>, f: impl FnOnce(&mut Window)) {
    f(&mut window.lock().unwrap_or_else(|p| p.into_inner()));
}

fn micros(since: Instant) -> u64 {
    since.elapsed().as_micros() as u64
}

/// Sends requests until the plan's deadline, counting into `window`.
pub async fn run(plan: Arc<Plan>, window: Arc<Mutex<Window>>, pace: Pace) {
    let deadline = plan.deadline;
    tokio::select! {
        _ = tokio::time::sleep_until(deadline) => {}
        _ = plan.stop.cancelled() => {}
        _ = drive(&plan, &window, pace) => {}
    }
}

async fn drive(plan: &Plan, window: &Mutex<Window>, pace: Pace) {
    let mut conn: Option<Sender> = None;
    let mut k: u32 = 0;
    loop {
        let due = match pace {
            Pace::Closed => Instant::now(),
            Pace::Every { first, interval } => {
                let at = first + interval * k;
                k = k.saturating_add(1);
                tokio::time::sleep_until(at).await;
                at
            }
        };
        if conn.as_ref().is_none_or(|c| c.is_closed()) {
            conn = connect(plan.addr).await;
        }
        let Some(sender) = conn.as_mut() else {
            with(window, |w| w.failed(micros(due)));
            if matches!(pace, Pace::Closed) {
                tokio::time::sleep(RECONNECT_PAUSE).await;
            }
            continue;
        };
        let user = plan.user();
        let req = plan.request(user);
        // No timer per request (it costs a timer-wheel entry each time): the balancer answers
        // 502 for a replica that hangs (10 s), and the run's deadline ends any request still out.
        let answer = async {
            sender.ready().await.ok()?;
            let resp = sender.send_request(req).await.ok()?;
            let status = resp.status().as_u16();
            let served_by = resp.headers().get(SERVED_BY_HEADER).cloned();
            // Read the whole body, so the connection is ready for the next request.
            let mut body = resp.into_body();
            while let Some(frame) = body.frame().await {
                frame.ok()?;
            }
            Some((status, served_by))
        }
        .await;
        match answer {
            Some((status, served_by)) => {
                let took = micros(due);
                plan.settle(user, status);
                with(window, |w| {
                    w.answer(status, served_by.as_ref().map(|v| v.as_bytes()), took)
                });
            }
            None => {
                let took = micros(due);
                with(window, |w| w.failed(took));
                conn = None;
            }
        }
    }
}
