//! Serving one of the lab's HTTP servers (balancer, replica, issuer) so that a slow or silent
//! client cannot take it down: a connection that sends no complete request head in time is
//! closed, idle keep-alive connections are closed, and there is a cap on open connections,
//! with a log line when it is hit. One helper for every server, with the shutdown they share.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, oneshot};
use tower::ServiceExt;

/// The lab's timings and caps: how long a client may take, how many may be connected at
/// once, and the clocks the attacker and the logout check run by. Tests shorten them, so
/// they wait on events rather than on production-length timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A connection that has not sent a complete request head this long after it opened
    /// (or after its previous response) is closed. hyper's header-read timer also runs while
    /// a kept-alive connection waits for its next request, so this bounds idle keep-alive.
    pub header_read: Duration,
    /// Open connections at most, per server.
    pub max_connections: usize,
    /// How often the attacker replays its stolen credential.
    pub attacker_period: Duration,
    /// How soon after a revoke every attacker request must be refused for logout-now to
    /// count the cut-off; published in `/admin/state` for the check to read.
    pub revoke_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read: Duration::from_secs(10),
            max_connections: 1024,
            attacker_period: Duration::from_millis(250),
            revoke_grace: crate::api::DEFAULT_REVOKE_GRACE,
        }
    }
}

/// Serves `app` on `listener` until `stop` fires; each request carries the peer's address
/// (`ConnectInfo`), as axum's own `serve` would give it.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    name: String,
    stop: oneshot::Receiver<()>,
) {
    serve_with(
        listener,
        app,
        limits,
        name,
        stop,
        None::<fn(SocketAddr) -> ()>,
        None,
    )
    .await
}

/// A part of a server that serves what it can of a new connection itself before hyper does
/// (the balancer's hand-written path for plain requests, [`super::relay`]). It hands the
/// connection back, with whatever it has read and not answered, at the first request it
/// leaves to hyper; `None` when the connection has ended.
pub trait Front: Send + Sync + 'static {
    fn serve(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        limits: Limits,
    ) -> futures_util::future::BoxFuture<'static, Option<Rewound>>;
}

/// [`serve`], with a value `per_connection` makes for each connection (from the peer's
/// address) and every request on it carries as an extension (the balancer's formatted
/// `X-Forwarded-For`, say), and a [`Front`] that sees each connection first.
pub async fn serve_with<S, L>(
    listener: TcpListener,
    app: S,
    limits: Limits,
    name: String,
    stop: oneshot::Receiver<()>,
    per_connection: Option<fn(SocketAddr) -> L>,
    front: Option<Arc<dyn Front>>,
) where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    L: Clone + Send + Sync + 'static,
{
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = tokio::task::JoinSet::new();
    let mut stop = std::pin::pin!(stop);
    let mut warned = false;
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!("{name}: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            if !warned {
                tracing::warn!(
                    "{name}: {} connections are open, the most it takes; refusing new ones until some close",
                    limits.max_connections
                );
                eprintln!(
                    "forgetful: {name} has {} open connections, its limit; new ones are refused until some close",
                    limits.max_connections
                );
                warned = true;
            }
            drop(stream);
            continue;
        };
        warned = false;
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        // Shared with each request: an upgraded connection (a WebSocket) outlives this task,
        // and the handler that takes it keeps the permit until the socket closes.
        let permit = ConnectionPermit(Arc::new(permit));
        let local = per_connection.map(|make| make(peer));
        let front = front.clone();
        connections.spawn(async move {
            let stream = match front {
                Some(front) => match front.serve(stream, peer, limits).await {
                    Some(rest) => rest,
                    None => return,
                },
                None => Rewound::new(stream, bytes::Bytes::new()),
            };
            let held = permit.clone();
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                    req.extensions_mut().insert(held.clone());
                    if let Some(local) = &local {
                        req.extensions_mut().insert(local.clone());
                    }
                    app.clone().oneshot(req.map(axum::body::Body::new))
                },
            );
            let mut builder = hyper::server::conn::http1::Builder::new();
            // hyper checks its buffer limit before each read, and one read may fill the
            // buffer's spare capacity past it: with the default (~400 KiB) a 500 KiB head was
            // sometimes read whole and served (seen once in CI, under load). At 128 KiB no
            // read reaches such a head, and a 70 KiB target still fits to get its 414.
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read)
                .max_buf_size(128 * 1024)
                .keep_alive(true);
            let _ = builder
                .serve_connection(
                    TokioIo::new(super::parse_errors::JsonParseErrors::new(stream)),
                    service,
                )
                .with_upgrades()
                .await;
            drop(permit);
        });
    }
    // Stopping closes every connection at once, as a process that exits would.
    connections.abort_all();
}

/// A connection with bytes already read from it (by a [`Front`]) that are read again first.
pub struct Rewound {
    unread: bytes::Bytes,
    stream: TcpStream,
}

impl Rewound {
    pub fn new(stream: TcpStream, unread: bytes::Bytes) -> Rewound {
        Rewound { unread, stream }
    }
}

impl AsyncRead for Rewound {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.unread.is_empty() {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        let n = this.unread.len().min(buf.remaining());
        buf.put_slice(&this.unread.split_to(n));
        // And whatever else has arrived, as one read of the connection would give: hyper
        // drains an unread body with a single read before it keeps a connection alive.
        if this.unread.is_empty() && buf.remaining() > 0 {
            let _ = Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Rewound {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// One of a server's connection slots (see `Limits::max_connections`), in every request's
/// extensions; whoever takes over an upgraded connection holds a clone while it lives.
#[derive(Clone)]
pub struct ConnectionPermit(#[allow(dead_code)] Arc<tokio::sync::OwnedSemaphorePermit>);

/// Ctrl-C and SIGTERM (what `kill` and service managers send), listened for from the moment
/// this is made, so a signal that arrives while a server is still starting stops it cleanly.
/// `forgetful serve` and `serve --workshop` both run until it fires.
pub struct StopSignal {
    interrupt: std::pin::Pin<Box<dyn std::future::Future<Output = std::io::Result<()>> + Send>>,
    terminate: tokio::signal::unix::Signal,
}

impl StopSignal {
    /// Call inside the runtime, before starting anything.
    pub fn listen() -> std::io::Result<StopSignal> {
        let mut interrupt = Box::pin(tokio::signal::ctrl_c());
        // Polled once so the Ctrl-C handler is installed now, not at the first await.
        let waker = std::task::Waker::noop();
        let _ = interrupt
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        Ok(StopSignal {
            interrupt,
            terminate,
        })
    }

    /// Resolves at the first Ctrl-C or SIGTERM.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = &mut self.interrupt => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Prints `banner`, then one line per item of `feed` (as `line` renders it), until Ctrl-C or
/// SIGTERM, the feed closing, or stdout going away (`forgetful serve | head -3`), which
/// stops the command as Ctrl-C would instead of panicking in `println!`.
pub async fn print_until_stopped<T: Clone>(
    stop: &mut StopSignal,
    banner: &str,
    feed: &mut tokio::sync::broadcast::Receiver<T>,
    line: impl Fn(&T) -> String,
    skipped: &str,
) -> crate::stdout::Lines {
    let mut out = crate::stdout::Lines::new();
    if !out.line(banner) {
        return out;
    }
    loop {
        let shown = tokio::select! {
            _ = stop.recv() => break,
            item = feed.recv() => match item {
                Ok(item) => out.line(&line(&item)),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    out.line(&format!("… {n} {skipped} skipped"))
                }
                Err(_) => break,
            },
        };
        if !shown {
            break;
        }
    }
    out
}
