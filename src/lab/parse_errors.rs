//! JSON bodies for the errors hyper answers itself. A request hyper cannot parse (a broken
//! request line or header, a target or head too large) never reaches the lab's handlers:
//! hyper writes a bare `400`, `414` or `431` with an empty body and closes. The README
//! promises JSON errors everywhere, and hyper has no hook for these, so the connection's
//! writer recognises exactly that response (one of those statuses, `connection: close` and
//! `content-length: 0`, which the lab's own handlers never send) and sends it with a JSON
//! body instead. Every other byte passes through untouched.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose writer swaps hyper's bare parse-error responses for JSON ones.
pub struct JsonParseErrors<T> {
    inner: T,
    /// A replacement being written, and how much of it has gone out.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> JsonParseErrors<T> {
    pub fn new(inner: T) -> Self {
        JsonParseErrors {
            inner,
            pending: None,
        }
    }
}

/// The JSON response for hyper's bare error response `head`, or `None` for anything else.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head).ok()?;
    let (status, reason) = match text.get(..13)? {
        "HTTP/1.1 400 " => (
            400,
            "the request could not be parsed as HTTP/1.1 (a broken request line or header)",
        ),
        "HTTP/1.1 414 " => (414, "the request target is too long"),
        "HTTP/1.1 431 " => (431, "the request's headers are too large"),
        _ => return None,
    };
    let bare = text.ends_with("\r\n\r\n")
        && text.contains("\r\nconnection: close\r\n")
        && text.contains("\r\ncontent-length: 0\r\n");
    if !bare {
        return None;
    }
    let error = match status {
        400 => "bad request",
        414 => "uri too long",
        _ => "request header fields too large",
    };
    let body = serde_json::json!({ "error": error, "reason": reason }).to_string();
    let status_line = text.split("\r\n").next()?;
    Some(
        format!(
            "{status_line}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonParseErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonParseErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.pending.is_none() {
            match replacement(buf) {
                Some(json) => this.pending = Some((json, 0)),
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        // hyper calls again with the same bytes until they are taken: finish the
        // replacement, then report the original bytes as written.
        while let Some((json, sent)) = &mut this.pending {
            if *sent == json.len() {
                this.pending = None;
                return Poll::Ready(Ok(buf.len()));
            }
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &json[*sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *sent += n;
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // Not vectored: hyper then writes each response head in one buffer, which is what
    // `replacement` recognises.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::replacement;

    #[test]
    fn only_hypers_bare_error_responses_are_replaced() {
        let bare = b"HTTP/1.1 431 Request Header Fields Too Large\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 30 Nov 2026 04:54:48 GMT\r\n\r\n";
        let json = String::from_utf8(replacement(bare).unwrap()).unwrap();
        assert!(json.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        let body = json.split("\r\n\r\n").nth(1).unwrap();
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"], "request header fields too large");
        assert!(json.contains(&format!("content-length: {}\r\n", body.len())));

        // The lab's own 400s carry JSON already; a 200 is never touched.
        let own = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 30\r\n\r\n";
        assert!(replacement(own).is_none());
        let ok = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(replacement(ok).is_none());
    }
}
