//! The load balancer: a real reverse proxy (keep-alive connections to the replicas, each
//! polled by the request using it), round-robin or sticky, and the `/admin` control plane
//! answered by itself.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Core;
use super::error::ApiError;
use super::replica::ReplicaSlot;
use super::sessions::{self, Credential};
use crate::api::{Policy, SERVED_BY_HEADER};

pub(super) const REPLICA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// The Host a client sent the balancer, as the replicas receive it.
pub const FORWARDED_HOST: &str = "x-forwarded-host";
pub(super) static FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// What the balancer sends a replica: the client's body, read whole (at most 16 KiB).
type UpstreamBody = http_body_util::Full<axum::body::Bytes>;

pub struct Balancer {
    pub core: Arc<Core>,
    /// Keep-alive connections to the replicas that no request is using (hyper's client).
    idle: Upstreams<Upstream>,
    /// The same, for the hand-written path ([`super::relay`]).
    pub(super) raw_idle: Upstreams<super::relay::RawUpstream>,
    next: AtomicUsize,
    /// Session fingerprint → replica that set it. Used only under the sticky policy.
    pins: Mutex<HashMap<String, String>>,
    pub admin_token: Option<String>,
    /// A host name the instructor lets browsers use (`--public-host`), besides IP literals
    /// and `localhost`.
    pub public_host: Option<String>,
}

impl Balancer {
    pub fn new(core: Arc<Core>, admin_token: Option<String>, public_host: Option<String>) -> Self {
        Balancer {
            core,
            idle: Upstreams::default(),
            raw_idle: Upstreams::default(),
            next: AtomicUsize::new(0),
            pins: Mutex::new(HashMap::new()),
            admin_token,
            public_host,
        }
    }

    /// Up replicas in the order to try them: the pinned one first (sticky), else round-robin.
    /// A snapshot of the set: a replica added or removed meanwhile shows from the next request.
    /// `credential` is read only under the sticky policy.
    pub(super) fn candidates(
        &self,
        credential: impl FnOnce() -> Credential,
    ) -> Vec<Arc<ReplicaSlot>> {
        let mut up: Vec<Arc<ReplicaSlot>> = self
            .core
            .replicas()
            .iter()
            .filter(|r| r.is_up())
            .cloned()
            .collect();
        if up.is_empty() {
            return up;
        }
        let start = self.next.fetch_add(1, Ordering::Relaxed) % up.len();
        up.rotate_left(start);
        let mut order = up;
        // Only the sticky policy needs to look at the cookie.
        if self.core.policy() == Policy::Sticky
            && let Credential::Cookie(sid) = credential()
        {
            let pinned = self
                .pins
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&sessions::fingerprint(&sid))
                .cloned();
            if let Some(name) = pinned
                && let Some(i) = order.iter().position(|r| r.name == name)
            {
                let r = order.remove(i);
                order.insert(0, r);
            }
        }
        order
    }

    pub(super) fn pin(&self, sid: &str, replica: &str) {
        let mut pins = self.pins.lock().unwrap_or_else(|p| p.into_inner());
        if pins.len() > 10_000 {
            pins.clear();
        }
        pins.insert(sessions::fingerprint(sid), replica.to_string());
    }
}

/// The balancer as its server calls it: a request the router would hand to [`forward`] goes
/// there directly, the rest (the control plane) through the router. On the hot path this
/// skips axum's route lookup, its middleware and the futures each boxes.
#[derive(Clone)]
pub struct App {
    router: Router,
    b: Arc<Balancer>,
}

impl App {
    pub fn new(b: Arc<Balancer>) -> App {
        App {
            router: router(b.clone()),
            b,
        }
    }
}

impl tower::Service<Request> for App {
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::BoxFuture<'static, Result<Response, Self::Error>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        use tower::ServiceExt;
        // Only `/admin` has routes; HEAD and CONNECT answers are trimmed by axum's router.
        let direct = !req.uri().path().starts_with("/admin")
            && !matches!(
                *req.method(),
                axum::http::Method::HEAD | axum::http::Method::CONNECT
            );
        let peer = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0);
        match (direct, peer) {
            (true, Some(peer)) => {
                let b = self.b.clone();
                Box::pin(async move {
                    let mut resp = match refuse_web(&b, &req) {
                        Some(refusal) => refusal,
                        None => forward(State(b), ConnectInfo(peer), req).await,
                    };
                    // As axum's router does for every answer.
                    if !resp.headers().contains_key(header::CONTENT_LENGTH)
                        && let Some(n) = axum::body::HttpBody::size_hint(resp.body()).exact()
                    {
                        resp.headers_mut()
                            .insert(header::CONTENT_LENGTH, HeaderValue::from(n));
                    }
                    Ok(resp)
                })
            }
            _ => Box::pin(self.router.clone().oneshot(req)),
        }
    }
}

pub fn router(b: Arc<Balancer>) -> Router {
    Router::new()
        .nest(
            "/admin",
            super::admin::router(b.clone()).merge(super::scale::router(b.clone())),
        )
        .fallback(forward)
        .layer(axum::middleware::from_fn_with_state(b.clone(), web_guard))
        .with_state(b)
}

/// Is `host` (a Host header or an Origin's host, port included or not) one a browser may
/// use to reach the lab? IP literals and `localhost` cannot be rebound by a hostile DNS
/// server; any other name must be the one the instructor named with `--public-host`.
pub(super) fn host_allowed(host: &str, public: Option<&str>) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        }),
    };
    name.parse::<std::net::IpAddr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || public.is_some_and(|p| name.eq_ignore_ascii_case(p))
}

/// Routes that change state or hand out credentials take JSON bodies only: a web page can
/// send `text/plain` or a form across sites without asking, but not `application/json`.
pub(super) fn json_only(path: &str) -> bool {
    path.starts_with("/admin/")
        || matches!(path, "/login" | "/logout")
        || path.starts_with("/token")
}

/// What keeps other web pages out: a `Host` that is not this lab's is refused (403, against
/// DNS rebinding), so is a foreign `Origin` on `/admin/*` (the control plane, the stolen
/// credential), and a body on a route that takes JSON must be JSON (415). The shop's own
/// routes are left to the replicas, whose CSRF check is part of the lesson: a foreign page
/// must be able to reach `POST /orders` to show it refused, and then not.
pub async fn web_guard(State(b): State<Arc<Balancer>>, req: Request, next: Next) -> Response {
    match refuse_web(&b, &req) {
        Some(refusal) => refusal,
        None => next.run(req).await,
    }
}

/// The refusal `web_guard` sends, if any (a plain function: nothing borrowed across an await).
fn refuse_web(b: &Balancer, req: &Request) -> Option<Response> {
    let header_str = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let public = b.public_host.as_deref();
    if let Some(host) = header_str(header::HOST)
        && !host_allowed(host, public)
    {
        return Some(served_by_balancer(
            ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "Host {} is not this lab's address (use 127.0.0.1 or localhost, or start the lab with --public-host NAME)",
                    crate::api::bounded(host, 64)
                ),
            )
            .into_response(),
        ));
    }
    if let Some(origin) = header_str(header::ORIGIN)
        && req.uri().path().starts_with("/admin")
    {
        let host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if !host_allowed(host, public) {
            return Some(served_by_balancer(
                ApiError::new(
                    StatusCode::FORBIDDEN,
                    "forbidden",
                    format!(
                        "requests from the web page {} are refused: the lab takes requests from curl, the app and its own clients",
                        crate::api::bounded(origin, 64)
                    ),
                )
                .into_response(),
            ));
        }
    }
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|n| n.trim() != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    if has_body && json_only(req.uri().path()) {
        let ct = header_str(header::CONTENT_TYPE).unwrap_or("");
        let json = ct
            .split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return Some(served_by_balancer(
                ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported media type",
                    format!(
                        "{} takes a JSON body: send Content-Type: application/json (got {})",
                        crate::api::bounded(req.uri().path(), 64),
                        if ct.is_empty() {
                            "none".to_string()
                        } else {
                            crate::api::bounded(ct, 64)
                        }
                    ),
                )
                .into_response(),
            ));
        }
    }
    None
}

pub(super) fn served_by_balancer(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(SERVED_BY_HEADER, HeaderValue::from_static("balancer"));
    resp
}

/// Forwards to a replica. Answers the balancer makes itself (400, 408, 413, 502, 503) are
/// journaled here, since no replica saw them; the happy path does no journal work at all.
async fn forward(
    State(b): State<Arc<Balancer>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let started = std::time::Instant::now();
    let (mut parts, body) = req.into_parts();
    let answer = if is_upgrade(&parts.headers) {
        upgrade(&b, peer, &mut parts).await
    } else {
        proxy(&b, peer, &mut parts, body).await
    };
    match answer {
        Ok(resp) => resp,
        Err(err) => failed(
            &b,
            started,
            &parts.method,
            parts.uri.path(),
            &parts.headers,
            err,
        ),
    }
}

/// The answer the balancer makes itself when a request goes no further (400, 408, 413, 502,
/// 503), journaled here, since no replica saw it.
pub(super) fn failed(
    b: &Balancer,
    started: std::time::Instant,
    method: &axum::http::Method,
    path: &str,
    headers: &axum::http::HeaderMap,
    err: ApiError,
) -> Response {
    let cred = Credential::from_headers(headers);
    let mut e = super::journal::blank(b.core.mode());
    e.source = super::replica::source_of(headers, &b.core.source_key);
    e.method = method.to_string();
    e.path = path.to_string();
    e.status = err.status.as_u16();
    e.replica = Some("balancer".into());
    e.reason = Some(err.reason.clone());
    e.latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    e.credential = cred.kind();
    e.fingerprint = cred.fingerprint();
    b.core.journal.push(e);
    served_by_balancer(err.into_response())
}

async fn proxy(
    b: &Balancer,
    peer: SocketAddr,
    parts: &mut axum::http::request::Parts,
    body: Body,
) -> Result<Response, ApiError> {
    let Some(path_q) = parts
        .uri
        .path_and_query()
        .filter(|p| p.path().starts_with('/'))
        .cloned()
    else {
        return Err(ApiError::bad_request(
            "the request target must be a path starting with /",
        ));
    };
    // Buffered (at most 16 KiB) so a request can be retried on the next replica; a client
    // that promises a body and never sends it does not hold a task forever.
    // Most requests (every GET) say they have no body: nothing to read or wait for.
    let empty = axum::body::HttpBody::size_hint(&body).exact() == Some(0);
    let body = if empty {
        axum::body::Bytes::new()
    } else {
        match tokio::time::timeout(REPLICA_TIMEOUT, super::body::read_limited(body)).await {
            Ok(read) => read?,
            Err(_) => return Err(body_late()),
        }
    };
    let candidates = b.candidates(|| Credential::from_headers(&parts.headers));
    if candidates.is_empty() {
        return Err(none_up());
    }
    // The Host the client used, for the replica's same-origin check (Host itself is
    // rewritten on the way). Whatever the client sent under this name is replaced.
    let host = parts.headers.get(header::HOST).cloned();
    parts.headers.retain_hop_by_hop();
    let forwarded_for = match parts.extensions.get::<ForwardedFor>() {
        Some(v) => Some(v.0.clone()),
        None => HeaderValue::from_str(&peer.ip().to_string()).ok(),
    };
    if let Some(v) = forwarded_for {
        parts.headers.insert(&FORWARDED_FOR, v);
    }
    match host {
        Some(h) => parts.headers.insert(FORWARDED_HOST, h),
        None => parts.headers.remove(FORWARDED_HOST),
    };
    // Which replicas were tried, and why each failed: the 502 names them.
    let mut tried: Vec<String> = Vec::new();
    let safe = parts.method.is_idempotent();
    for slot in candidates {
        let sent = send(b, &slot, parts, &path_q, &body);
        match try_replica(&slot, sent, safe, &mut tried).await {
            Try::Answered(resp) => {
                if let Some(sid) = sessions::issued_sid(resp.headers()) {
                    b.pin(&sid, &slot.name);
                }
                let (mut parts, body) = resp.into_parts();
                parts.headers.retain_hop_by_hop();
                return Ok(Response::from_parts(parts, body));
            }
            Try::Next => {}
            Try::Stop => break,
        }
    }
    Err(no_answer(&tried))
}

/// What one try of a request on a replica came to, for the loops that try them in turn
/// (hyper's path here, the hand-written one in [`super::relay`]).
pub(super) enum Try<T> {
    Answered(T),
    /// The next replica may take the request.
    Next,
    /// No other replica may: this one may have acted on it.
    Stop,
}

/// Waits (at most [`REPLICA_TIMEOUT`]) for one try on `slot` and judges it; a failure is
/// added to `tried`. A refused connection means the replica never saw the request: the next
/// one may take it. Any other failure may come after the replica acted, so only a `safe`
/// (idempotent) method goes on; and a slow replica may still act, so a timeout never does.
pub(super) async fn try_replica<T>(
    slot: &ReplicaSlot,
    sent: impl std::future::Future<Output = Result<T, Failed>>,
    safe: bool,
    tried: &mut Vec<String>,
) -> Try<T> {
    match tokio::time::timeout(REPLICA_TIMEOUT, sent).await {
        Err(_) => {
            tried.push(format!(
                "{}: no answer within {REPLICA_TIMEOUT:?}",
                slot.name
            ));
            Try::Stop
        }
        Ok(Ok(answer)) => Try::Answered(answer),
        Ok(Err(failed)) => {
            tried.push(format!("{}: {}", slot.name, failed.reason));
            if failed.unseen || safe {
                Try::Next
            } else {
                Try::Stop
            }
        }
    }
}

/// The 408 for a request whose body did not arrive in time.
pub(super) fn body_late() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "request timeout",
        format!("the body did not arrive within {REPLICA_TIMEOUT:?}"),
    )
}

/// The 503 for a request when every replica is down.
pub(super) fn none_up() -> ApiError {
    ApiError::unavailable(
        "no replica is up: start one from the lab panel or POST /admin/replicas/a/start",
    )
}

/// The 502 for a request no replica answered; `tried` says, in order, which were tried and
/// why each failed ("c: connection reset"), so one failure never reads as if all had been.
pub(super) fn no_answer(tried: &[String]) -> ApiError {
    let last = tried.last().map_or("?", String::as_str);
    ApiError::new(
        StatusCode::BAD_GATEWAY,
        "bad gateway",
        if tried.len() == 1 {
            format!(
                "replica {} failed and the request was not retried elsewhere ({last}): it may have acted on it",
                last.split(':').next().unwrap_or("?"),
            )
        } else {
            format!("no replica answered (tried {})", tried.join("; "))
        },
    )
}

/// Why one replica gave no answer.
pub(super) struct Failed {
    pub(super) reason: String,
    /// The replica cannot have seen the request (the connection was refused).
    pub(super) unseen: bool,
}

/// One try of the request on `slot`, over an idle connection to it or a new one.
async fn send(
    b: &Balancer,
    slot: &Arc<ReplicaSlot>,
    parts: &axum::http::request::Parts,
    path_q: &axum::http::uri::PathAndQuery,
    body: &axum::body::Bytes,
) -> Result<Response, Failed> {
    let started = slot.started.load(Ordering::Acquire);
    let port = slot.port.load(Ordering::Relaxed);
    let request = |host: HeaderValue| {
        let mut out = axum::http::Request::new(UpstreamBody::new(body.clone()));
        *out.method_mut() = parts.method.clone();
        *out.uri_mut() = axum::http::Uri::from(path_q.clone());
        let headers = out.headers_mut();
        *headers = parts.headers.clone();
        headers.insert(header::HOST, host);
        out
    };
    loop {
        // One the replica closed while it sat idle (its keep-alive timeout) is dropped here.
        let idle = b.idle.take(slot, started, port);
        let (mut up, reused) = match idle.and_then(|mut up| up.link.ready().then_some(up)) {
            Some(up) => (up, true),
            None => {
                let up = Upstream::open(slot, started, port)
                    .await
                    .map_err(|e| Failed {
                        reason: e.to_string(),
                        unseen: true,
                    })?;
                // A replica restarting on its old port listens before it has the issuer's
                // keys and is marked up: a connection that reached it then goes nowhere.
                if !slot.is_up() {
                    return Err(Failed {
                        reason: "restarting".into(),
                        unseen: true,
                    });
                }
                (up, false)
            }
        };
        match up.link.send(request(up.link.host.clone())).await {
            Ok(resp) => {
                let (parts, body) = resp.into_parts();
                let body = KeptBody {
                    body,
                    up: Some(up),
                    home: b.idle.clone(),
                    ended: false,
                };
                return Ok(Response::from_parts(parts, Body::new(body)));
            }
            // A kept connection that failed under the request was most likely closed by the
            // replica as it was sent: again (on another) if it was never written, or if it is
            // safe to repeat.
            Err(e) if reused && (e.message().is_some() || parts.method.is_idempotent()) => {}
            Err(e) => {
                return Err(Failed {
                    // Never written: the replica cannot have seen it.
                    unseen: e.message().is_some(),
                    reason: e.into_error().to_string(),
                });
            }
        }
    }
}

fn host_header(port: u16) -> HeaderValue {
    HeaderValue::from_str(&format!("127.0.0.1:{port}")).unwrap_or(HeaderValue::from_static(""))
}

/// The client's address as `X-Forwarded-For`, formatted once per client connection (the
/// balancer's server gives each request on it this).
#[derive(Clone)]
pub struct ForwardedFor(HeaderValue);

impl ForwardedFor {
    pub fn new(peer: SocketAddr) -> ForwardedFor {
        let ip = peer.ip().to_string();
        ForwardedFor(HeaderValue::from_str(&ip).unwrap_or(HeaderValue::from_static("")))
    }
}

/// Keep-alive connections to the replicas that no request is using. A request takes one
/// out and polls it itself, in its own task, and the answer's body puts it back once read
/// whole: the connections are not tasks of their own, so a request wakes no other task (and
/// is woken by none) on its way through, as in nginx's one event loop. The most recently
/// used goes first; one idle longer than `CLIENT_IDLE` goes, before the replica's own idle
/// timeout (10 s) can close it under a request. `T` is the connection: hyper's client
/// ([`Upstream`]) or the hand-written path's socket ([`super::relay`]).
// Boxed for the moves in and out (see `Upstream::open`), not for the list.
#[allow(clippy::vec_box)]
pub(super) struct Upstreams<T>(Arc<Mutex<Vec<Box<Kept<T>>>>>);

impl<T> Clone for Upstreams<T> {
    fn clone(&self) -> Self {
        Upstreams(self.0.clone())
    }
}

impl<T> Default for Upstreams<T> {
    fn default() -> Self {
        Upstreams(Arc::default())
    }
}

/// A connection to one start of one replica, and when it last went idle.
pub(super) struct Kept<T> {
    slot: Weak<ReplicaSlot>,
    started: u64,
    port: u16,
    idle_since: std::time::Instant,
    pub link: T,
}

impl<T> Kept<T> {
    pub(super) fn new(slot: &Arc<ReplicaSlot>, started: u64, port: u16, link: T) -> Box<Kept<T>> {
        Box::new(Kept {
            slot: Arc::downgrade(slot),
            started,
            port,
            idle_since: std::time::Instant::now(),
            link,
        })
    }
}

/// A connection that may go back to the idle ones: open, between exchanges.
pub(super) trait Reusable {
    fn reusable(&self) -> bool;
}

/// As many idle connections to one replica are kept, at most.
const MAX_IDLE_PER_REPLICA: usize = 64;

impl<T> Upstreams<T> {
    /// How many connections are idle (for tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl<T: Reusable> Upstreams<T> {
    /// An idle connection to this start of `slot` on this port. Those to an earlier start
    /// (or port), or idle too long, found on the way go.
    pub(super) fn take(
        &self,
        slot: &Arc<ReplicaSlot>,
        started: u64,
        port: u16,
    ) -> Option<Box<Kept<T>>> {
        let now = std::time::Instant::now();
        let mut list = self.0.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(i) = list
            .iter()
            .rposition(|u| std::ptr::eq(u.slot.as_ptr(), Arc::as_ptr(slot)))
        {
            let up = list.remove(i);
            if up.started == started
                && up.port == port
                && now.duration_since(up.idle_since) < crate::api::CLIENT_IDLE
            {
                return Some(up);
            }
        }
        None
    }

    pub(super) fn put(&self, mut up: Box<Kept<T>>) {
        if !up.link.reusable() {
            return;
        }
        let now = std::time::Instant::now();
        up.idle_since = now;
        let mut list = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // The list is in the order connections came back, so those idle too long are at its
        // front (found without a clock reading each); those to a replica removed since are
        // never taken and age out the same way.
        let expired =
            list.partition_point(|u| now.duration_since(u.idle_since) >= crate::api::CLIENT_IDLE);
        list.drain(..expired);
        let same = list
            .iter()
            .filter(|u| Weak::ptr_eq(&u.slot, &up.slot))
            .count();
        if same < MAX_IDLE_PER_REPLICA {
            list.push(up);
        }
    }
}

type UpstreamConn = hyper::client::conn::http1::Connection<
    hyper_util::rt::TokioIo<tokio::net::TcpStream>,
    UpstreamBody,
>;

/// One hyper client connection to a replica.
pub struct Upstream {
    host: HeaderValue,
    sender: hyper::client::conn::http1::SendRequest<UpstreamBody>,
    /// Never spawned: polled by whoever uses it; `None` once it has ended.
    conn: Option<UpstreamConn>,
}

impl Reusable for Upstream {
    fn reusable(&self) -> bool {
        self.conn.is_some() && !self.sender.is_closed()
    }
}

impl Upstream {
    async fn open(
        slot: &Arc<ReplicaSlot>,
        started: u64,
        port: u16,
    ) -> std::io::Result<Box<Kept<Upstream>>> {
        let stream =
            tokio::net::TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        let _ = stream.set_nodelay(true);
        let (sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(std::io::Error::other)?;
        // Boxed: it is large, and moves in and out of the idle list.
        Ok(Kept::new(
            slot,
            started,
            port,
            Upstream {
                host: host_header(port),
                sender,
                conn: Some(conn),
            },
        ))
    }

    /// Lets the connection do whatever it can now (write, read, notice a close); whether it
    /// is still open.
    ///
    /// What only the connection can complete (the answer's head, its body) is then polled
    /// with a waker that does nothing while the connection is open: the connection was just
    /// polled with the task's waker, and whatever it waits for wakes that. hyper's channels
    /// wake the other end on every message, and here both ends are this task, so the task's
    /// own waker there would only make it poll itself again for nothing.
    fn drive(&mut self, cx: &mut Context<'_>) -> bool {
        if let Some(conn) = &mut self.conn
            && Pin::new(conn).poll(cx).is_ready()
        {
            self.conn = None;
        }
        self.conn.is_some()
    }

    /// Whether a kept connection takes a request: one poll reads a close that came while it
    /// was idle, or finishes the last exchange so that the next may start. A waker that
    /// does nothing will do: `send` polls it again at once, with the task's.
    fn ready(&mut self) -> bool {
        self.drive(&mut Context::from_waker(std::task::Waker::noop())) && self.sender.is_ready()
    }

    /// The answer's head; the body comes as the connection is polled again (see [`KeptBody`]).
    async fn send(
        &mut self,
        req: axum::http::Request<UpstreamBody>,
    ) -> Result<
        axum::http::Response<hyper::body::Incoming>,
        hyper::client::conn::TrySendError<axum::http::Request<UpstreamBody>>,
    > {
        let mut answer = std::pin::pin!(self.sender.try_send_request(req));
        std::future::poll_fn(|cx| {
            if self.drive(cx) {
                answer
                    .as_mut()
                    .poll(&mut Context::from_waker(std::task::Waker::noop()))
            } else {
                answer.as_mut().poll(cx)
            }
        })
        .await
    }
}

/// A replica's answer body on a kept connection: reading it polls the connection, and once
/// it has been read whole the connection goes back to the idle ones ([`Upstreams`]).
struct KeptBody {
    body: hyper::body::Incoming,
    up: Option<Box<Kept<Upstream>>>,
    home: Upstreams<Upstream>,
    ended: bool,
}

impl axum::body::HttpBody for KeptBody {
    type Data = axum::body::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        let frame = if let Some(up) = &mut this.up
            && up.link.drive(cx)
        {
            let mut quiet = Context::from_waker(std::task::Waker::noop());
            std::task::ready!(Pin::new(&mut this.body).poll_frame(&mut quiet))
        } else {
            std::task::ready!(Pin::new(&mut this.body).poll_frame(cx))
        };
        this.ended |= frame.is_none();
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.body.size_hint()
    }
}

impl Drop for KeptBody {
    fn drop(&mut self) {
        // An answer not read to its end leaves the connection mid-message: it closes.
        if let Some(up) = self.up.take()
            && (self.ended || axum::body::HttpBody::is_end_stream(&self.body))
        {
            self.home.put(up);
        }
    }
}

/// A WebSocket handshake (`Connection: Upgrade`, `Upgrade: websocket`).
fn is_upgrade(h: &axum::http::HeaderMap) -> bool {
    let has = |name, word: &str| {
        h.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(word)))
        })
    };
    has(header::CONNECTION, "upgrade") && has(header::UPGRADE, "websocket")
}

/// A WebSocket through the balancer (`GET /ws/chat`): the handshake goes to one replica on a
/// connection of its own, and once both sides have switched protocols the balancer copies
/// bytes both ways until either end closes. The connection, and whatever the replica keeps
/// for it, live on that one replica: when it restarts, the connection ends.
async fn upgrade(
    b: &Balancer,
    peer: SocketAddr,
    parts: &mut axum::http::request::Parts,
) -> Result<Response, ApiError> {
    use http_body_util::Empty;
    let Some(path_q) = parts.uri.path_and_query().cloned() else {
        return Err(ApiError::bad_request("the request target must be a path"));
    };
    let candidates = b.candidates(|| Credential::from_headers(&parts.headers));
    if candidates.is_empty() {
        return Err(none_up());
    }
    let client_side = parts.extensions.remove::<hyper::upgrade::OnUpgrade>();
    let parts_permit = parts
        .extensions
        .get::<super::serve::ConnectionPermit>()
        .cloned();
    let host = parts.headers.get(header::HOST).cloned();
    let mut tried = Vec::new();
    for slot in candidates {
        let addr = SocketAddr::from(([127, 0, 0, 1], slot.port.load(Ordering::Relaxed)));
        let connected = tokio::time::timeout(
            std::time::Duration::from_secs(2),
            tokio::net::TcpStream::connect(addr),
        )
        .await;
        let stream = match connected {
            Ok(Ok(s)) => s,
            // Refused (stopped, restarting): the replica never saw it, try the next one.
            Ok(Err(e)) => {
                tried.push(format!("{}: {e}", slot.name));
                continue;
            }
            Err(_) => {
                tried.push(format!("{}: no connection within 2 s", slot.name));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .map_err(|e| {
                    ApiError::new(StatusCode::BAD_GATEWAY, "bad gateway", e.to_string())
                })?;
        tokio::spawn(async move {
            let _ = conn.with_upgrades().await;
        });
        let mut out = axum::http::Request::new(Empty::<axum::body::Bytes>::new());
        *out.method_mut() = parts.method.clone();
        *out.uri_mut() = axum::http::Uri::from(path_q.clone());
        let headers = out.headers_mut();
        *headers = parts.headers.clone();
        headers.insert(
            header::HOST,
            HeaderValue::from_str(&addr.to_string()).unwrap_or(HeaderValue::from_static("")),
        );
        if let Ok(v) = HeaderValue::from_str(&peer.ip().to_string()) {
            headers.insert(&FORWARDED_FOR, v);
        }
        match &host {
            Some(h) => headers.insert(FORWARDED_HOST, h.clone()),
            None => headers.remove(FORWARDED_HOST),
        };
        let answer = tokio::time::timeout(REPLICA_TIMEOUT, sender.send_request(out)).await;
        let mut resp = match answer {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tried.push(format!("{}: {e}", slot.name));
                continue;
            }
            Err(_) => {
                tried.push(format!(
                    "{}: no answer within {REPLICA_TIMEOUT:?}",
                    slot.name
                ));
                break;
            }
        };
        if resp.status() != StatusCode::SWITCHING_PROTOCOLS {
            // Refused (not a valid handshake, say): its answer goes back as it is.
            let (parts, body) = resp.into_parts();
            return Ok(Response::from_parts(parts, Body::new(body)));
        }
        let replica_side = hyper::upgrade::on(&mut resp);
        let (parts, _) = resp.into_parts();
        if let Some(client_side) = client_side {
            // The tunnel counts against the balancer's connection cap until it closes.
            let permit = parts_permit.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let (Ok(c), Ok(r)) = tokio::join!(client_side, replica_side) else {
                    return;
                };
                let mut c = hyper_util::rt::TokioIo::new(c);
                let mut r = hyper_util::rt::TokioIo::new(r);
                let _ = tokio::io::copy_bidirectional(&mut c, &mut r).await;
            });
        }
        return Ok(Response::from_parts(parts, Body::empty()));
    }
    Err(ApiError::new(
        StatusCode::BAD_GATEWAY,
        "bad gateway",
        format!("no replica took the WebSocket (tried {})", tried.join("; ")),
    ))
}

/// Drops hop-by-hop headers: they describe one connection, not the request.
trait RetainHopByHop {
    fn retain_hop_by_hop(&mut self);
}

impl RetainHopByHop for axum::http::HeaderMap {
    fn retain_hop_by_hop(&mut self) {
        // Each removal hashes its name: look through the few headers there are first (by
        // their text, a length and a compare each), and remove only those present (usually
        // Host in a request, Content-Length in an answer).
        let mut present: Vec<HeaderName> = Vec::new();
        for name in self.keys() {
            if matches!(
                name.as_str(),
                "connection"
                    | "keep-alive"
                    | "proxy-authenticate"
                    | "proxy-authorization"
                    | "te"
                    | "trailer"
                    | "transfer-encoding"
                    | "upgrade"
                    | "host"
                    | "content-length"
            ) {
                present.push(name.clone());
            }
        }
        for name in present {
            self.remove(name);
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// What [`stand_in`] gives.
    pub(in crate::lab) type StandIn = (
        u16,
        Arc<AtomicUsize>,
        tokio::sync::mpsc::UnboundedReceiver<()>,
    );

    /// A stand-in replica on loopback: answers every request `ok`, and closes each connection
    /// after its first answer if `one_each`. Says how many connections it took, and sends on
    /// `closed` each time it closed one.
    pub(in crate::lab) async fn stand_in(one_each: bool) -> StandIn {
        stand_in_answering(
            one_each,
            &[b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"],
        )
        .await
    }

    /// [`stand_in`], answering each request with `answer`, written in these pieces.
    pub(in crate::lab) async fn stand_in_answering(
        one_each: bool,
        answer: &'static [&'static [u8]],
    ) -> StandIn {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (closed_tx, closed) = tokio::sync::mpsc::unbounded_channel();
        let count = accepted.clone();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                count.fetch_add(1, Ordering::Relaxed);
                let closed_tx = closed_tx.clone();
                tokio::spawn(async move {
                    let mut seen = Vec::new();
                    let mut buf = [0u8; 4096];
                    // Bodiless requests: one answer per blank line that ends a head.
                    while let Ok(n @ 1..) = s.read(&mut buf).await {
                        seen.extend_from_slice(&buf[..n]);
                        while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                            seen.drain(..end + 4);
                            let mut failed = false;
                            for piece in answer {
                                failed |= s.write_all(piece).await.is_err();
                            }
                            if failed || one_each {
                                drop(s);
                                let _ = closed_tx.send(());
                                return;
                            }
                        }
                    }
                });
            }
        });
        (port, accepted, closed)
    }

    /// GET /me to `slot` as `proxy` sends it; the answer read whole.
    async fn get(b: &Balancer, slot: &Arc<ReplicaSlot>) -> StatusCode {
        let (parts, ()) = axum::http::Request::get("/me")
            .body(())
            .unwrap()
            .into_parts();
        let path_q = axum::http::uri::PathAndQuery::from_static("/me");
        let Ok(resp) = send(b, slot, &parts, &path_q, &Default::default()).await else {
            panic!("no answer from the stand-in");
        };
        let status = resp.status();
        let body = axum::body::to_bytes(resp.into_body(), 64).await.unwrap();
        assert_eq!(&body[..], b"ok");
        status
    }

    pub(in crate::lab) async fn balancer() -> (Balancer, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let core = super::super::core(&super::super::LabConfig::ephemeral(dir.path()))
            .await
            .unwrap();
        (Balancer::new(core, None, None), dir)
    }

    pub(in crate::lab) fn slot_on(port: u16, started: u64) -> Arc<ReplicaSlot> {
        let slot = Arc::new(ReplicaSlot::new("a".into()));
        slot.port.store(port, Ordering::Relaxed);
        slot.started.store(started, Ordering::Relaxed);
        slot.mark_up();
        slot
    }

    #[tokio::test]
    async fn idle_connections_are_used_again_but_not_for_a_later_start() {
        let (b, _dir) = balancer().await;
        let (port, accepted, _closed) = stand_in(false).await;
        let slot = slot_on(port, 1);
        for _ in 0..3 {
            assert_eq!(get(&b, &slot).await, StatusCode::OK);
        }
        assert_eq!(accepted.load(Ordering::Relaxed), 1, "one connection, kept");
        // Two at once take two; both are kept.
        let (one, two) = tokio::join!(get(&b, &slot), get(&b, &slot));
        assert_eq!((one, two), (StatusCode::OK, StatusCode::OK));
        assert_eq!(accepted.load(Ordering::Relaxed), 2);
        assert_eq!(b.idle.0.lock().unwrap().len(), 2);
        // The replica restarted (on the same port): connections to its last start go.
        slot.started.store(2, Ordering::Relaxed);
        assert_eq!(get(&b, &slot).await, StatusCode::OK);
        assert_eq!(accepted.load(Ordering::Relaxed), 3);
        assert_eq!(b.idle.0.lock().unwrap().len(), 1);
        // Nor one idle past CLIENT_IDLE: its replica may close it as a request goes out.
        for up in b.idle.0.lock().unwrap().iter_mut() {
            up.idle_since -= crate::api::CLIENT_IDLE;
        }
        assert_eq!(get(&b, &slot).await, StatusCode::OK);
        assert_eq!(accepted.load(Ordering::Relaxed), 4);
        assert_eq!(b.idle.0.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_replica_listening_before_it_is_up_is_not_sent_the_request() {
        let (b, _dir) = balancer().await;
        let (port, _accepted, _closed) = stand_in(false).await;
        // Restarting on its old port: listening, still fetching the issuer's keys.
        let slot = Arc::new(ReplicaSlot::new("a".into()));
        slot.port.store(port, Ordering::Relaxed);
        let (parts, ()) = axum::http::Request::get("/me")
            .body(())
            .unwrap()
            .into_parts();
        let path_q = axum::http::uri::PathAndQuery::from_static("/me");
        let Err(failed) = send(&b, &slot, &parts, &path_q, &Default::default()).await else {
            panic!("a replica not yet up answered");
        };
        assert!(
            failed.unseen,
            "the next replica may take it: {}",
            failed.reason
        );
        assert!(
            b.idle.0.lock().unwrap().is_empty(),
            "nor is the connection kept"
        );
    }

    #[tokio::test]
    async fn a_kept_connection_the_replica_closed_is_opened_again() {
        let (b, _dir) = balancer().await;
        let (port, accepted, mut closed) = stand_in(true).await;
        let slot = slot_on(port, 1);
        for round in 1..=3 {
            assert_eq!(get(&b, &slot).await, StatusCode::OK);
            closed.recv().await.unwrap();
            assert_eq!(accepted.load(Ordering::Relaxed), round);
        }
    }

    #[test]
    fn only_addresses_localhost_and_the_named_host_are_a_browsers_way_in() {
        for ok in [
            "127.0.0.1:7878",
            "localhost:7878",
            "LOCALHOST",
            "[::1]:7878",
            "192.168.1.20:7878",
            "10.0.0.5",
        ] {
            assert!(host_allowed(ok, None), "{ok}");
        }
        for refused in [
            "evil.example",
            "rebound.example:7878",
            "127.0.0.1.nip.io:7878",
        ] {
            assert!(!host_allowed(refused, None), "{refused}");
        }
        assert!(host_allowed("lab.room:7878", Some("lab.room")));
        assert!(!host_allowed("other.room:7878", Some("lab.room")));
    }
}
