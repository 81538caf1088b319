//! The balancer's own HTTP/1.1 path for plain requests.
//!
//! hyper's server and client are general (any body, any framing, upgrades, trailers), and a
//! proxy built from the two pays for that on every request: the head parsed into a header
//! map, copied into a new request, encoded again, and the same on the way back. A plain
//! request needs none of it: its head is parsed in place (with httparse, hyper's own
//! parser), written to a kept connection to a replica with `Host` and `X-Forwarded-*`
//! rewritten, and the replica's answer copied back as it arrives, framed by its own
//! `Content-Length` or chunks. That is what nginx does, and what closes the distance to it.
//!
//! Plain means: HTTP/1.1, not `HEAD` or `CONNECT`, a path outside `/admin`, a `Host` the lab
//! takes, a body of known length of at most [`MAX_BODY`] (JSON where the route wants JSON),
//! and no `Connection` (but `keep-alive`), `Upgrade`, `Transfer-Encoding` or `Expect`. From
//! the first request that is not, the connection goes to hyper ([`Front`]) with the bytes
//! read so far, and is served as before: the control plane, WebSockets, the refusals, parse
//! errors, slow bodies.

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use bytes::{Buf, BytesMut};
use futures_util::FutureExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::balancer::{self, Balancer, Failed, Kept, REPLICA_TIMEOUT, Reusable, Try};
use super::replica::ReplicaSlot;
use super::serve::{Front, Limits, Rewound};
use super::sessions::{self, Credential};
use crate::api::MAX_BODY;

/// Headers a request may have on this path, at most (hyper takes 100; more go to it).
const MAX_HEADERS: usize = 48;
/// Headers a replica's answer may have, as hyper's client takes.
const MAX_ANSWER_HEADERS: usize = 100;
/// A head longer than this goes to hyper, which refuses one over its own limit with a 431.
const MAX_HEAD: usize = 16 * 1024;
/// Read at least this much at a time.
const READ_SIZE: usize = 4096;

/// The balancer's [`Front`]: serves plain requests itself, hands the rest to hyper.
pub struct Relay {
    b: Arc<Balancer>,
}

impl Relay {
    pub fn new(b: Arc<Balancer>) -> Relay {
        Relay { b }
    }
}

impl Front for Relay {
    fn serve(
        self: Arc<Self>,
        stream: TcpStream,
        peer: SocketAddr,
        limits: Limits,
    ) -> futures_util::future::BoxFuture<'static, Option<Rewound>> {
        Box::pin(async move { self.connection(stream, peer, limits).await })
    }
}

/// A keep-alive connection to a replica, and what it has read past the last answer (nothing,
/// between answers).
pub struct RawUpstream {
    stream: TcpStream,
    buf: BytesMut,
    /// The replica did not say it would close.
    open: bool,
}

impl Reusable for RawUpstream {
    fn reusable(&self) -> bool {
        self.open && self.buf.is_empty()
    }
}

impl RawUpstream {
    /// Whether a kept connection is still open: a close (or anything else) that arrived while
    /// it sat idle made it readable. One poll, no system call unless something arrived.
    fn still_open(&mut self) -> bool {
        if self.stream.readable().now_or_never().is_none() {
            return true;
        }
        let mut probe = [0u8; 1];
        matches!(self.stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }
}

/// Reads from `client` until `buf` holds `len` bytes; false if the client closed first.
async fn read_to(client: &mut TcpStream, buf: &mut BytesMut, len: usize) -> bool {
    while buf.len() < len {
        buf.reserve(len - buf.len());
        match client.read_buf(buf).await {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
    }
    true
}

/// What the connection's next bytes are.
enum Next {
    /// A plain request whose head has been read; its body (the buffer's first `len` bytes
    /// with the head) may still be on its way.
    Plain(Plain),
    /// Something for hyper.
    Other,
    /// The client closed (or the connection broke) between requests.
    Closed,
}

/// A plain request, as places in the buffer it was read into.
struct Plain {
    len: usize,
    head_len: usize,
    method: Range<usize>,
    target: Range<usize>,
    host: Range<usize>,
    /// Every header that goes on to the replica (all but the hop-by-hop ones, `Host` and
    /// `X-Forwarded-*`), as (name, value).
    headers: Vec<(Range<usize>, Range<usize>)>,
}

/// Where `part` (a slice of `buf`) lies in it.
fn place(buf: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - buf.as_ptr() as usize;
    start..start + part.len()
}

fn is(name: &str, names: &[&str]) -> bool {
    names.iter().any(|n| name.eq_ignore_ascii_case(n))
}

enum Parse {
    Partial,
    Other,
    Plain(Plain),
}

/// Reads the request at the start of `buf`, as far as it has arrived.
fn parse_request(buf: &[u8], public_host: Option<&str>) -> Parse {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let head_len = match req.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => return Parse::Partial,
        _ => return Parse::Other,
    };
    let (Some(method), Some(target), Some(1)) = (req.method, req.path, req.version) else {
        return Parse::Other;
    };
    // A target hyper would refuse (characters a URI may not hold) gets hyper's own 400.
    if matches!(method, "HEAD" | "CONNECT")
        || !target.starts_with('/')
        || axum::http::uri::PathAndQuery::try_from(target).is_err()
    {
        return Parse::Other;
    }
    if target.starts_with("/admin") {
        return Parse::Other;
    }
    let mut body = None;
    let mut host = None;
    let mut json = false;
    let mut seen_type = false;
    let mut kept = Vec::with_capacity(req.headers.len());
    for h in req.headers.iter() {
        let (name, value) = (h.name, h.value);
        if name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()))
                .and_then(|v| v.parse::<usize>().ok());
            match (body, n) {
                (None, Some(n)) if n <= MAX_BODY => body = Some(n),
                // Two lengths, an unreadable one or a body too large: hyper's answer.
                _ => return Parse::Other,
            }
        } else if name.eq_ignore_ascii_case("host") {
            match std::str::from_utf8(value) {
                Ok(v) if host.is_none() && balancer::host_allowed(v, public_host) => {
                    host = Some(place(buf, value));
                    continue;
                }
                _ => return Parse::Other,
            }
        } else if name.eq_ignore_ascii_case("connection") {
            if !value.eq_ignore_ascii_case(b"keep-alive") {
                return Parse::Other;
            }
            continue;
        } else if is(name, &["upgrade", "transfer-encoding", "expect"]) {
            return Parse::Other;
        } else if hop_by_hop(name)
            || is(
                name,
                &[balancer::FORWARDED_FOR.as_str(), balancer::FORWARDED_HOST],
            )
        {
            // Set by the balancer, whatever the client sent under these names.
            continue;
        } else if name.eq_ignore_ascii_case("content-type") {
            // The replica reads the first; two are hyper's to judge.
            if seen_type {
                return Parse::Other;
            }
            seen_type = true;
            json = std::str::from_utf8(value).is_ok_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
            });
        }
        kept.push((place(buf, name.as_bytes()), place(buf, value)));
    }
    let body = body.unwrap_or(0);
    let Some(host) = host else {
        return Parse::Other;
    };
    // The route is the path alone: "/login?x" is /login.
    let path = target.split(['?', '#']).next().unwrap_or(target);
    if body > 0 && balancer::json_only(path) && !json {
        return Parse::Other;
    }
    Parse::Plain(Plain {
        len: head_len + body,
        head_len,
        method: place(buf, method.as_bytes()),
        target: place(buf, target.as_bytes()),
        host,
        headers: kept,
    })
}

/// How an answer's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(usize),
    Chunked,
    /// Until the replica closes (an answer with neither length nor chunks).
    Close,
}

/// A replica's answer head, parsed.
struct Answer {
    head_len: usize,
    framing: Framing,
    /// The replica will close the connection after it.
    closes: bool,
    /// The session id it issued, if any (for the sticky policy's pins).
    issued_sid: Option<String>,
    /// The head as the client gets it, hop-by-hop headers dropped; `None` when that is the
    /// replica's head as it came (the usual case: nothing to copy twice).
    head: Option<Vec<u8>>,
}

/// Headers that describe one connection, not the message, and so never pass the balancer
/// (Transfer-Encoding aside: this path passes an answer's chunks on as they are).
fn hop_by_hop(name: &str) -> bool {
    is(
        name,
        &[
            "connection",
            "keep-alive",
            "proxy-connection",
            "proxy-authenticate",
            "proxy-authorization",
            "te",
            "trailer",
            "upgrade",
        ],
    )
}

/// Reads the answer head at the start of `buf`: `Ok(None)` until it has arrived whole.
fn parse_answer(buf: &[u8]) -> Result<Option<Answer>, String> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_ANSWER_HEADERS];
    let mut resp = httparse::Response::new(&mut headers);
    let head_len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) if buf.len() <= MAX_HEAD => return Ok(None),
        Ok(httparse::Status::Partial) => return Err("an answer head too large".into()),
        Err(e) => return Err(format!("an answer that is not HTTP/1.1 ({e})")),
    };
    let code = resp.code.unwrap_or(0);
    if code < 200 {
        return Err(format!("an unexpected {code} answer"));
    }
    let mut length = None;
    let mut dropped = false;
    let mut chunked = false;
    let mut closes = resp.version == Some(0);
    let mut cookies = HeaderMap::new();
    for h in resp.headers.iter() {
        let (name, value) = (h.name, h.value);
        if name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(value)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok());
            match (length, n) {
                (None, Some(n)) => length = Some(n),
                _ => return Err("an answer with a broken Content-Length".into()),
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            // Passed on as it is: the chunks are copied, not decoded.
            chunked = std::str::from_utf8(value).is_ok_and(|v| {
                v.rsplit(',')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("chunked"))
            });
            if !chunked {
                return Err("an answer in a transfer coding other than chunked".into());
            }
        } else if hop_by_hop(name) {
            dropped = true;
            closes |= name.eq_ignore_ascii_case("connection")
                && std::str::from_utf8(value)
                    .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")));
        } else if name.eq_ignore_ascii_case("set-cookie")
            && let Ok(v) = HeaderValue::from_bytes(value)
        {
            cookies.append(axum::http::header::SET_COOKIE, v);
        }
    }
    let framing = if code == 204 || code == 304 {
        Framing::Empty
    } else if chunked {
        Framing::Chunked
    } else if let Some(n) = length {
        Framing::Length(n)
    } else {
        Framing::Close
    };
    let head = (dropped || framing == Framing::Close || resp.version != Some(1)).then(|| {
        let mut head = Vec::with_capacity(head_len + 32);
        head.extend_from_slice(format!("HTTP/1.1 {code} ").as_bytes());
        head.extend_from_slice(resp.reason.unwrap_or("").as_bytes());
        head.extend_from_slice(b"\r\n");
        for h in resp.headers.iter().filter(|h| !hop_by_hop(h.name)) {
            head.extend_from_slice(h.name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(h.value);
            head.extend_from_slice(b"\r\n");
        }
        if framing == Framing::Close {
            // The client learns the end of this body only from the close.
            head.extend_from_slice(b"connection: close\r\n");
        }
        head.extend_from_slice(b"\r\n");
        head
    });
    Ok(Some(Answer {
        head_len,
        framing,
        closes: closes || framing == Framing::Close,
        issued_sid: if cookies.is_empty() {
            None
        } else {
            sessions::issued_sid(&cookies)
        },
        head,
    }))
}

/// Where a chunked body ends, found as its bytes go by (they are copied as they are).
#[derive(Debug, Default)]
enum Chunks {
    /// Reading a chunk's size line: the size so far, and whether an extension began.
    #[default]
    Size,
    SizeDigits(usize, bool),
    /// The bytes of a chunk still to come, and its closing CRLF.
    Data(usize),
    /// Trailer lines after the last chunk: how long the current one is so far.
    Trailer(usize),
    Done,
}

impl Chunks {
    /// Goes through `data`; how many of its bytes belong to the body (all, until the end is
    /// among them), or an error for a body that is not chunked after all.
    fn scan(&mut self, data: &[u8]) -> Result<usize, &'static str> {
        let mut i = 0;
        while i < data.len() {
            let c = data[i];
            *self = match *self {
                Chunks::Done => return Ok(i),
                Chunks::Size => match (c as char).to_digit(16) {
                    Some(d) => Chunks::SizeDigits(d as usize, false),
                    None => return Err("a chunk size that is not hexadecimal"),
                },
                Chunks::SizeDigits(n, ext) => match (c, ext) {
                    (b'\n', _) if n == 0 => Chunks::Trailer(0),
                    (b'\n', _) => Chunks::Data(n + 2),
                    (b'\r', _) | (_, true) => Chunks::SizeDigits(n, ext),
                    (b';' | b' ' | b'\t', false) => Chunks::SizeDigits(n, true),
                    _ => match (c as char).to_digit(16) {
                        Some(d) if n < usize::MAX >> 8 => {
                            Chunks::SizeDigits(n * 16 + d as usize, false)
                        }
                        _ => return Err("a chunk size that is not hexadecimal"),
                    },
                },
                Chunks::Data(left) => {
                    let take = left.min(data.len() - i);
                    i += take;
                    *self = if take == left {
                        Chunks::Size
                    } else {
                        Chunks::Data(left - take)
                    };
                    continue;
                }
                Chunks::Trailer(len) => match c {
                    b'\n' if len == 0 => Chunks::Done,
                    b'\n' => Chunks::Trailer(0),
                    b'\r' => Chunks::Trailer(len),
                    _ => Chunks::Trailer(len + 1),
                },
            };
            i += 1;
        }
        Ok(i)
    }

    fn done(&self) -> bool {
        matches!(self, Chunks::Done)
    }
}

/// How an answer's copying to the client ended.
enum Copied {
    /// Whole: the client connection can take the next request.
    Whole,
    /// The client is gone, or the answer ended with a close: so does the connection.
    Close,
}

impl Relay {
    async fn connection(
        &self,
        mut client: TcpStream,
        peer: SocketAddr,
        limits: Limits,
    ) -> Option<Rewound> {
        let forwarded_for = peer.ip().to_string();
        let mut buf = BytesMut::with_capacity(READ_SIZE);
        let mut out = Vec::with_capacity(READ_SIZE);
        loop {
            let next = tokio::time::timeout(limits.header_read, self.next(&mut client, &mut buf));
            let plain = match next.await {
                // No whole head in time: closed, as hyper's header-read timeout closes it.
                Err(_) | Ok(Next::Closed) => return None,
                Ok(Next::Other) => return Some(Rewound::new(client, buf.freeze())),
                Ok(Next::Plain(plain)) => plain,
            };
            // The body, given as long as the hyper path gives it.
            if buf.len() < plain.len {
                let started = std::time::Instant::now();
                let body = read_to(&mut client, &mut buf, plain.len);
                match tokio::time::timeout(REPLICA_TIMEOUT, body).await {
                    Ok(true) => {}
                    Ok(false) => return None,
                    Err(_) => {
                        let head = buf.clone().freeze();
                        let err = balancer::body_late();
                        let refused =
                            self.refuse(&mut client, &head, &plain, &forwarded_for, started, err);
                        let _ = refused.await;
                        // The rest of the body may still come: nothing after it can be read.
                        return None;
                    }
                }
            }
            let request = buf.split_to(plain.len).freeze();
            match self
                .exchange(&mut client, &request, &plain, &forwarded_for, &mut out)
                .await
            {
                Copied::Whole => {}
                Copied::Close => return None,
            }
        }
    }

    /// Reads until the buffer starts with a plain request's whole head, or with something
    /// else.
    async fn next(&self, client: &mut TcpStream, buf: &mut BytesMut) -> Next {
        loop {
            if !buf.is_empty() {
                match parse_request(buf, self.b.public_host.as_deref()) {
                    Parse::Other => return Next::Other,
                    Parse::Plain(p) => return Next::Plain(p),
                    Parse::Partial => {}
                }
            }
            buf.reserve(READ_SIZE);
            match client.read_buf(buf).await {
                Ok(0) if buf.is_empty() => return Next::Closed,
                // Closed mid-request: hyper answers that as it always has.
                Ok(0) => return Next::Other,
                Ok(_) => {}
                Err(_) => return Next::Closed,
            }
        }
    }

    /// Sends one plain request to a replica (the next if one cannot take it) and copies the
    /// answer back; answers with the balancer's own error when none can.
    async fn exchange(
        &self,
        client: &mut TcpStream,
        request: &[u8],
        plain: &Plain,
        forwarded_for: &str,
        out: &mut Vec<u8>,
    ) -> Copied {
        let started = std::time::Instant::now();
        let method = &request[plain.method.clone()];
        let idempotent = matches!(method, b"GET" | b"PUT" | b"DELETE" | b"OPTIONS" | b"TRACE");
        let slots = self
            .b
            .candidates(|| Credential::from_headers(&header_map(request, plain, forwarded_for)));
        if slots.is_empty() {
            return self
                .refuse(
                    client,
                    request,
                    plain,
                    forwarded_for,
                    started,
                    balancer::none_up(),
                )
                .await;
        }
        upstream_head(request, plain, forwarded_for, out);
        let common = out.len();
        let mut tried: Vec<String> = Vec::new();
        for slot in slots {
            let started_at = slot.started.load(Ordering::Acquire);
            let port = slot.port.load(Ordering::Relaxed);
            out.truncate(common);
            // Formatted in place: `write!` to a Vec cannot fail.
            let _ = std::io::Write::write_fmt(out, format_args!("{port}\r\n\r\n"));
            out.extend_from_slice(&request[plain.head_len..]);
            let sent = self.send(&slot, started_at, port, out, idempotent);
            match balancer::try_replica(&slot, sent, idempotent, &mut tried).await {
                Try::Answered((up, answer)) => {
                    if let Some(sid) = &answer.issued_sid {
                        self.b.pin(sid, &slot.name);
                    }
                    return self.copy_answer(client, up, answer, out).await;
                }
                Try::Next => {}
                Try::Stop => break,
            }
        }
        self.refuse(
            client,
            request,
            plain,
            forwarded_for,
            started,
            balancer::no_answer(&tried),
        )
        .await
    }

    /// One try of the request on `slot`, over an idle connection to it or a new one: the
    /// connection, with the answer's head read.
    async fn send(
        &self,
        slot: &Arc<ReplicaSlot>,
        started: u64,
        port: u16,
        request: &[u8],
        idempotent: bool,
    ) -> Result<(Box<Kept<RawUpstream>>, Answer), Failed> {
        let pool = &self.b.raw_idle;
        loop {
            let kept = std::iter::from_fn(|| pool.take(slot, started, port))
                .find_map(|mut up| up.link.still_open().then_some(up));
            let reused = kept.is_some();
            let mut up = match kept {
                Some(up) => up,
                None => {
                    let stream = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port)))
                        .await
                        .map_err(|e| Failed {
                            reason: e.to_string(),
                            unseen: true,
                        })?;
                    let _ = stream.set_nodelay(true);
                    // A replica restarting on its old port listens before it has the
                    // issuer's keys and is marked up: a connection then goes nowhere.
                    if !slot.is_up() {
                        return Err(Failed {
                            reason: "restarting".into(),
                            unseen: true,
                        });
                    }
                    let link = RawUpstream {
                        stream,
                        buf: BytesMut::with_capacity(READ_SIZE),
                        open: true,
                    };
                    Kept::new(slot, started, port, link)
                }
            };
            match up.link.round_trip(request).await {
                Ok(answer) => return Ok((up, answer)),
                // A kept connection the replica closed as the request went out: again, on a
                // new one, if it never reached the replica or is safe to repeat.
                Err((reason, unseen)) if reused && (unseen || idempotent) => {
                    tracing::debug!("balancer: a kept connection failed ({reason}); again");
                }
                Err((reason, unseen)) => return Err(Failed { reason, unseen }),
            }
        }
    }

    /// Copies the answer (its head read, its body arriving) to the client; the connection to
    /// the replica goes back to the idle ones once the body has been read whole.
    async fn copy_answer(
        &self,
        client: &mut TcpStream,
        mut up: Box<Kept<RawUpstream>>,
        answer: Answer,
        out: &mut Vec<u8>,
    ) -> Copied {
        let link = &mut up.link;
        out.clear();
        out.extend_from_slice(match &answer.head {
            Some(head) => head,
            None => &link.buf[..answer.head_len],
        });
        link.buf.advance(answer.head_len);
        let mut chunks = Chunks::default();
        let mut left = match answer.framing {
            Framing::Length(n) => n,
            _ => 0,
        };
        // Each turn: what has arrived of the body goes out, then more is read.
        let complete = loop {
            let available = match answer.framing {
                Framing::Empty => 0,
                Framing::Length(_) => left.min(link.buf.len()),
                Framing::Close => link.buf.len(),
                Framing::Chunked => match chunks.scan(&link.buf) {
                    Ok(n) => n,
                    Err(_) => break false,
                },
            };
            out.extend_from_slice(&link.buf[..available]);
            link.buf.advance(available);
            left -= available.min(left);
            if !out.is_empty() && client.write_all(out).await.is_err() {
                return Copied::Close;
            }
            out.clear();
            let done = match answer.framing {
                Framing::Empty => true,
                Framing::Length(_) => left == 0,
                Framing::Chunked => chunks.done(),
                Framing::Close => false,
            };
            if done {
                break true;
            }
            link.buf.reserve(READ_SIZE);
            match tokio::time::timeout(REPLICA_TIMEOUT, link.stream.read_buf(&mut link.buf)).await {
                Ok(Ok(0)) => break answer.framing == Framing::Close,
                Ok(Ok(_)) => {}
                _ => break false,
            }
        };
        if !complete {
            // The client saw part of an answer: only a close tells it nothing more comes.
            return Copied::Close;
        }
        link.open &= !answer.closes;
        self.b.raw_idle.put(up);
        if answer.framing == Framing::Close {
            Copied::Close
        } else {
            Copied::Whole
        }
    }

    /// Answers with the balancer's own error (journaled, as on the hyper path).
    async fn refuse(
        &self,
        client: &mut TcpStream,
        request: &[u8],
        plain: &Plain,
        forwarded_for: &str,
        started: std::time::Instant,
        err: super::error::ApiError,
    ) -> Copied {
        use http_body_util::BodyExt;
        let headers = header_map(request, plain, forwarded_for);
        let method = Method::from_bytes(&request[plain.method.clone()]).unwrap_or(Method::GET);
        let path = String::from_utf8_lossy(&request[plain.target.clone()]);
        let path = path.split('?').next().unwrap_or("");
        let resp = balancer::failed(&self.b, started, &method, path, &headers, err);
        let (parts, body) = resp.into_parts();
        let body = body
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let mut out = format!(
            "HTTP/1.1 {} {}\r\n",
            parts.status.as_u16(),
            parts.status.canonical_reason().unwrap_or("")
        )
        .into_bytes();
        for (name, value) in &parts.headers {
            if name != axum::http::header::CONTENT_LENGTH {
                out.extend_from_slice(name.as_str().as_bytes());
                out.extend_from_slice(b": ");
                out.extend_from_slice(value.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
        }
        // As hyper's server dates every answer it writes.
        let date = httpdate::fmt_http_date(std::time::SystemTime::now());
        out.extend_from_slice(
            format!("date: {date}\r\ncontent-length: {}\r\n\r\n", body.len()).as_bytes(),
        );
        out.extend_from_slice(&body);
        match client.write_all(&out).await {
            Ok(()) => Copied::Whole,
            Err(_) => Copied::Close,
        }
    }
}

impl RawUpstream {
    /// Writes the request and reads until the answer's head has arrived. An error says why,
    /// and whether the replica cannot have seen the request.
    async fn round_trip(&mut self, request: &[u8]) -> Result<Answer, (String, bool)> {
        if let Err(e) = self.stream.write_all(request).await {
            self.open = false;
            return Err((e.to_string(), false));
        }
        loop {
            self.buf.reserve(READ_SIZE);
            match self.stream.read_buf(&mut self.buf).await {
                Ok(0) => {
                    self.open = false;
                    return Err(("the replica closed the connection".into(), false));
                }
                Ok(_) => {}
                Err(e) => {
                    self.open = false;
                    return Err((e.to_string(), false));
                }
            }
            match parse_answer(&self.buf) {
                Ok(Some(answer)) => return Ok(answer),
                Ok(None) => {}
                Err(reason) => {
                    self.open = false;
                    return Err((reason, false));
                }
            }
        }
    }
}

/// The head every replica gets, up to its own address in `Host` (which comes last): the
/// client's headers but the hop-by-hop ones, and `X-Forwarded-*` set by the balancer.
fn upstream_head(request: &[u8], plain: &Plain, forwarded_for: &str, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&request[plain.method.clone()]);
    out.push(b' ');
    out.extend_from_slice(&request[plain.target.clone()]);
    out.extend_from_slice(b" HTTP/1.1\r\n");
    for (name, value) in &plain.headers {
        out.extend_from_slice(&request[name.clone()]);
        out.extend_from_slice(b": ");
        out.extend_from_slice(&request[value.clone()]);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"x-forwarded-for: ");
    out.extend_from_slice(forwarded_for.as_bytes());
    out.extend_from_slice(b"\r\nx-forwarded-host: ");
    out.extend_from_slice(&request[plain.host.clone()]);
    out.extend_from_slice(b"\r\nhost: 127.0.0.1:");
}

/// The request's headers as the replica would get them, as a map (for the sticky policy's
/// cookie and the journal's entry for an error: neither on the common path).
fn header_map(request: &[u8], plain: &Plain, forwarded_for: &str) -> HeaderMap {
    let mut map = HeaderMap::with_capacity(plain.headers.len() + 2);
    for (name, value) in &plain.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(&request[name.clone()]),
            HeaderValue::from_bytes(&request[value.clone()]),
        ) {
            map.append(n, v);
        }
    }
    if let Ok(v) = HeaderValue::from_str(forwarded_for) {
        map.insert(&balancer::FORWARDED_FOR, v);
    }
    if let Ok(v) = HeaderValue::from_bytes(&request[plain.host.clone()]) {
        map.insert(balancer::FORWARDED_HOST, v);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::balancer::tests::{balancer, slot_on, stand_in, stand_in_answering};

    fn plain(request: &str) -> Option<Plain> {
        match parse_request(request.as_bytes(), None) {
            Parse::Plain(p) => Some(p),
            _ => None,
        }
    }

    #[test]
    fn only_plain_requests_take_the_hand_written_path() {
        let p = plain("GET /me HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nCookie: sid=x\r\n\r\n").unwrap();
        assert_eq!(p.len, p.head_len);
        let body = "POST /login HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(plain(body).unwrap().len, body.len());
        // Keep-alive is the default; saying so changes nothing.
        assert!(
            plain("GET / HTTP/1.1\r\nhost: localhost\r\nconnection: Keep-Alive\r\n\r\n").is_some()
        );
        for other in [
            "HEAD /me HTTP/1.1\r\nhost: localhost\r\n\r\n",
            "GET /admin/state HTTP/1.1\r\nhost: localhost\r\n\r\n",
            "GET /me HTTP/1.0\r\nhost: localhost\r\n\r\n",
            "GET /me HTTP/1.1\r\n\r\n",
            "GET /me HTTP/1.1\r\nhost: evil.example\r\n\r\n",
            "GET /me HTTP/1.1\r\nhost: localhost\r\nhost: localhost\r\n\r\n",
            "GET /me HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n",
            "GET /ws/chat HTTP/1.1\r\nhost: localhost\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n",
            "POST /orders HTTP/1.1\r\nhost: localhost\r\ntransfer-encoding: chunked\r\n\r\n",
            "POST /orders HTTP/1.1\r\nhost: localhost\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n{}",
            "POST /orders HTTP/1.1\r\nhost: localhost\r\ncontent-length: 2\r\ncontent-length: 2\r\n\r\n{}",
            "POST /orders HTTP/1.1\r\nhost: localhost\r\ncontent-length: 99999\r\n\r\n",
            "POST /orders HTTP/1.1\r\nhost: localhost\r\ncontent-length: -1\r\n\r\n",
            // A form to a route that takes JSON: the balancer's 415 is hyper's path.
            "POST /login HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n{}",
            // The route is the path: a query or fragment does not make /login another route.
            "POST /login?x=1 HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n{}",
            "POST /logout#x HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n{}",
            // Two content types: which one counts is hyper's path's to say.
            "POST /login HTTP/1.1\r\nhost: localhost\r\ncontent-type: text/plain\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}",
            // A target hyper cannot read as a URI: its own 400.
            "GET /a|b^c`d HTTP/1.1\r\nhost: localhost\r\n\r\n",
            "\x00\x01garbage\r\n\r\n",
            "GET * HTTP/1.1\r\nhost: localhost\r\n\r\n",
        ] {
            assert!(plain(other).is_none(), "{other:?} took the plain path");
        }
        assert!(matches!(
            parse_request(b"GET /me HTTP/1.1\r\nhost: loc", None),
            Parse::Partial
        ));
        // A named host, once the instructor allows it.
        let named = b"GET /me HTTP/1.1\r\nhost: lab.room:8080\r\n\r\n";
        assert!(matches!(
            parse_request(named, Some("lab.room")),
            Parse::Plain(_)
        ));
    }

    #[test]
    fn the_replica_gets_the_clients_headers_but_hop_by_hop_and_forged_ones() {
        let request = "GET /me?x=1 HTTP/1.1\r\nhost: localhost:1\r\nx-forwarded-for: 6.6.6.6\r\nX-Forwarded-Host: evil\r\nkeep-alive: 5\r\nte: trailers\r\ncookie: sid=abc\r\nauthorization: Bearer t\r\n\r\n";
        let p = plain(request).unwrap();
        let mut head = Vec::new();
        upstream_head(request.as_bytes(), &p, "127.0.0.1", &mut head);
        assert_eq!(
            String::from_utf8(head).unwrap(),
            "GET /me?x=1 HTTP/1.1\r\ncookie: sid=abc\r\nauthorization: Bearer t\r\n\
             x-forwarded-for: 127.0.0.1\r\nx-forwarded-host: localhost:1\r\nhost: 127.0.0.1:"
        );
        // The same, as a map (for the sticky policy and the journal).
        let map = header_map(request.as_bytes(), &p, "127.0.0.1");
        assert_eq!(map["x-forwarded-for"], "127.0.0.1");
        assert_eq!(map["x-forwarded-host"], "localhost:1");
        assert_eq!(map["cookie"], "sid=abc");
        assert_eq!(map["authorization"], "Bearer t");
        for gone in ["keep-alive", "te", "host"] {
            assert!(!map.contains_key(gone), "{gone} was passed on");
        }
        assert_eq!(&request.as_bytes()[p.target.clone()], b"/me?x=1");
    }

    #[test]
    fn an_answer_head_keeps_its_framing_and_loses_what_was_for_one_connection() {
        let head = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\nkeep-alive: timeout=5\r\nset-cookie: sid=new; HttpOnly\r\n\r\nhello";
        let a = parse_answer(head).unwrap().unwrap();
        assert_eq!(a.framing, Framing::Length(5));
        assert!(a.closes);
        assert_eq!(a.issued_sid.as_deref(), Some("new"));
        let text = String::from_utf8(a.head.unwrap()).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nset-cookie: sid=new; HttpOnly\r\n\r\n"
        );
        assert!(
            parse_answer(b"HTTP/1.1 200 OK\r\ncontent-le")
                .unwrap()
                .is_none()
        );
        // Nothing to drop: the head goes as it came.
        let plain = parse_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        assert!(plain.unwrap().unwrap().head.is_none());
        let none = parse_answer(b"HTTP/1.1 204 No Content\r\n\r\n")
            .unwrap()
            .unwrap();
        assert_eq!(none.framing, Framing::Empty);
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assert_eq!(
            parse_answer(chunked).unwrap().unwrap().framing,
            Framing::Chunked
        );
        // Neither length nor chunks: the client learns the end from a close, and is told so.
        let until_close = parse_answer(b"HTTP/1.1 200 OK\r\n\r\n").unwrap().unwrap();
        assert_eq!(until_close.framing, Framing::Close);
        assert!(
            String::from_utf8(until_close.head.unwrap())
                .unwrap()
                .contains("connection: close")
        );
        for broken in [
            &b"HTTP/1.1 100 Continue\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n",
            b"SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            assert!(parse_answer(broken).is_err(), "{broken:?}");
        }
    }

    #[test]
    fn a_chunked_body_ends_where_its_last_chunk_and_trailers_do_however_it_arrives() {
        let body =
            b"5;name=v\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nx-trailer: 1\r\n\r\n";
        let next = b"HTTP/1.1 200 OK";
        let mut all = body.to_vec();
        all.extend_from_slice(next);
        // Every way of cutting it in two.
        for cut in 0..=all.len() {
            let mut chunks = Chunks::default();
            let first = chunks.scan(&all[..cut]).unwrap();
            assert_eq!(first, cut.min(body.len()), "cut at {cut}");
            let second = chunks.scan(&all[first..]).unwrap();
            assert_eq!(first + second, body.len(), "cut at {cut}");
            assert!(chunks.done());
        }
        let mut no_trailers = Chunks::default();
        assert_eq!(no_trailers.scan(b"0\r\n\r\n").unwrap(), 5);
        assert!(no_trailers.done());
        assert!(Chunks::default().scan(b"zz\r\n").is_err());
    }

    /// A client connection to the balancer, as its two ends.
    async fn client_pair() -> (TcpStream, TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let far = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (near, _) = listener.accept().await.unwrap();
        (near, far)
    }

    /// Sends GET / to `port` through the relay's path and copies the answer to a client: what
    /// the client read (until `len` bytes, or a close) and how the copy ended.
    async fn through(relay: &Relay, slot: &Arc<ReplicaSlot>, len: usize) -> (String, Copied) {
        use tokio::io::AsyncReadExt;
        let port = slot.port.load(Ordering::Relaxed);
        let (mut near, mut far) = client_pair().await;
        let (up, answer) = match relay
            .send(slot, 1, port, b"GET / HTTP/1.1\r\nhost: x\r\n\r\n", true)
            .await
        {
            Ok(sent) => sent,
            Err(f) => panic!("no answer: {}", f.reason),
        };
        let mut out = Vec::new();
        let copied = relay.copy_answer(&mut near, up, answer, &mut out).await;
        drop(near);
        let mut got = Vec::new();
        while got.len() < len {
            let mut buf = [0u8; 512];
            match far.read(&mut buf).await.unwrap() {
                0 => break,
                n => got.extend_from_slice(&buf[..n]),
            }
        }
        (String::from_utf8(got).unwrap(), copied)
    }

    #[tokio::test]
    async fn a_chunked_answer_is_copied_as_it_is_and_its_connection_kept() {
        let (b, _dir) = balancer().await;
        let b = Arc::new(b);
        let relay = Relay::new(b.clone());
        let (port, accepted, _closed) = stand_in_answering(
            false,
            &[
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhel",
                b"lo\r\n",
                b"6\r\n world\r\n0\r\n\r\n",
            ],
        )
        .await;
        let slot = slot_on(port, 1);
        let want = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
        for _ in 0..2 {
            let (got, copied) = through(&relay, &slot, want.len()).await;
            assert_eq!(got, want);
            assert!(matches!(copied, Copied::Whole));
        }
        assert_eq!(accepted.load(Ordering::Relaxed), 1, "one connection, kept");
        assert_eq!(b.raw_idle.len(), 1);
    }

    #[tokio::test]
    async fn an_answer_that_ends_with_a_close_closes_the_client_too() {
        let (b, _dir) = balancer().await;
        let relay = Relay::new(Arc::new(b));
        let (port, _accepted, _closed) =
            stand_in_answering(true, &[b"HTTP/1.1 200 OK\r\n\r\nuntil the end"]).await;
        let slot = slot_on(port, 1);
        let (got, copied) = through(&relay, &slot, usize::MAX).await;
        assert_eq!(
            got,
            "HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end"
        );
        assert!(matches!(copied, Copied::Close));
        assert_eq!(relay.b.raw_idle.len(), 0);
    }

    #[tokio::test]
    async fn a_kept_connection_the_replica_closed_is_not_used_again() {
        let (b, _dir) = balancer().await;
        let relay = Relay::new(Arc::new(b));
        // Closes each connection after its answer, without saying so in the answer.
        let (port, accepted, mut closed) = stand_in(true).await;
        let slot = slot_on(port, 1);
        let want = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
        for round in 1..=3 {
            let (got, copied) = through(&relay, &slot, want.len()).await;
            assert_eq!(got, want);
            assert!(matches!(copied, Copied::Whole));
            closed.recv().await.unwrap();
            assert_eq!(accepted.load(Ordering::Relaxed), round);
        }
    }
}
