//! One client connection to the balancer, byte by byte: plain requests take the balancer's
//! hand-written path, anything else hyper's, and the client cannot tell which.

use std::time::Duration;

use forgetful::api::Mode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{self, Cred};

/// One answer as it came over the wire.
struct Raw {
    status: u16,
    head: String,
    body: String,
}

/// Reads one answer from `s` (`buf` keeps what arrived past it); `bodiless` for a HEAD.
async fn read_answer(s: &mut TcpStream, buf: &mut Vec<u8>, bodiless: bool) -> Option<Raw> {
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .expect("an answer within 5 s")
            .unwrap();
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec()).unwrap();
    let status = head[9..12].parse().unwrap();
    let len: usize = if bodiless {
        0
    } else {
        head.lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap())
            })
            .expect("a content-length")
    };
    while buf.len() < end + len {
        let n = s.read(&mut chunk).await.unwrap();
        assert!(n > 0, "closed mid-body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8(buf[end..end + len].to_vec()).unwrap();
    buf.drain(..end + len);
    Some(Raw { status, head, body })
}

async fn connect(lab: &common::TestLab) -> TcpStream {
    TcpStream::connect(lab.url.trim_start_matches("http://"))
        .await
        .unwrap()
}

#[tokio::test]
async fn pipelined_requests_are_answered_in_order_by_the_replicas_in_turn() {
    let lab = common::start(Mode::Shared).await;
    let (_, cred) = lab.alice().await;
    let Cred::Cookie(sid) = cred else { panic!() };
    let host = lab.url.trim_start_matches("http://").to_string();
    let me = format!("GET /me HTTP/1.1\r\nHost: {host}\r\nCookie: sid={sid}\r\n\r\n");
    let mut all = me.repeat(3);
    all.push_str(&format!("GET /nowhere HTTP/1.1\r\nHost: {host}\r\n\r\n"));
    let order = r#"{"item":"teapot"}"#;
    all.push_str(&format!(
        "POST /orders HTTP/1.1\r\nHost: {host}\r\nCookie: sid={sid}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{order}",
        order.len()
    ));
    let mut s = connect(&lab).await;
    s.write_all(all.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut served = Vec::new();
    for _ in 0..3 {
        let a = read_answer(&mut s, &mut buf, false).await.unwrap();
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(a.body.contains("\"user\":\"alice\""), "{}", a.body);
        let by = a
            .head
            .lines()
            .find_map(|l| l.strip_prefix("x-served-by: "))
            .unwrap()
            .to_string();
        served.push(by);
    }
    served.sort();
    served.dedup();
    assert_eq!(
        served.len(),
        3,
        "round-robin: each replica took one ({served:?})"
    );
    let nowhere = read_answer(&mut s, &mut buf, false).await.unwrap();
    assert_eq!(nowhere.status, 404);
    assert!(
        nowhere.body.contains("no route /nowhere"),
        "{}",
        nowhere.body
    );
    let order = read_answer(&mut s, &mut buf, false).await.unwrap();
    assert!(
        order.status == 201 || order.status == 200,
        "{} {}",
        order.status,
        order.body
    );
    assert!(order.body.contains("teapot"), "{}", order.body);
}

#[tokio::test]
async fn a_connection_hyper_takes_over_is_still_answered_until_it_asks_to_close() {
    let lab = common::start(Mode::Shared).await;
    let host = lab.url.trim_start_matches("http://").to_string();
    let mut s = connect(&lab).await;
    let mut buf = Vec::new();
    // Plain, then a HEAD (hyper's from here on), the control plane, plain again, a close.
    for (request, bodiless, status) in [
        ("GET /healthz", false, 200),
        ("HEAD /healthz", true, 200),
        ("GET /admin/state", false, 200),
        ("GET /me", false, 401),
    ] {
        let req = format!("{request} HTTP/1.1\r\nHost: {host}\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let a = read_answer(&mut s, &mut buf, bodiless).await.unwrap();
        assert_eq!(a.status, status, "{request}: {}", a.body);
    }
    let close = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(close.as_bytes()).await.unwrap();
    assert_eq!(
        read_answer(&mut s, &mut buf, false).await.unwrap().status,
        200
    );
    assert!(
        read_answer(&mut s, &mut buf, false).await.is_none(),
        "closed after"
    );
}

#[tokio::test]
async fn a_request_that_arrives_in_pieces_is_answered_once_whole() {
    let lab = common::start(Mode::Shared).await;
    let host = lab.url.trim_start_matches("http://").to_string();
    let mut s = connect(&lab).await;
    s.set_nodelay(true).unwrap();
    let body = r#"{"username":"alice","password":"wonderland"}"#;
    let login = format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    // A byte at a time through the head, then the body in two.
    let (head, rest) = login.split_at(login.len() - body.len() / 2);
    for b in head.bytes() {
        s.write_all(&[b]).await.unwrap();
        s.flush().await.unwrap();
    }
    s.write_all(rest.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let a = read_answer(&mut s, &mut buf, false).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.head.to_ascii_lowercase().contains("set-cookie: sid="),
        "{}",
        a.head
    );
}

#[tokio::test]
async fn with_every_replica_down_the_balancer_answers_itself_and_journals_it() {
    let lab = common::start(Mode::Shared).await;
    for name in lab.replicas() {
        let a = lab
            .admin(&format!("/replicas/{name}/stop"), serde_json::Value::Null)
            .await;
        assert_eq!(a.status, 200, "{:?}", a.body);
    }
    let host = lab.url.trim_start_matches("http://").to_string();
    let mut s = connect(&lab).await;
    let mut buf = Vec::new();
    for _ in 0..2 {
        let req = format!("GET /me?from=raw HTTP/1.1\r\nHost: {host}\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let a = read_answer(&mut s, &mut buf, false).await.unwrap();
        assert_eq!(a.status, 503, "{}", a.body);
        assert!(a.head.contains("x-served-by: balancer"), "{}", a.head);
        assert!(a.body.contains("no replica is up"), "{}", a.body);
    }
    // Journaled as the balancer's own answers (no replica saw them).
    lab.journal_when("the two refusals", |j| {
        j.iter()
            .filter(|e| e.path == "/me" && e.status == 503)
            .filter(|e| e.replica.as_deref() == Some("balancer"))
            .count()
            == 2
    })
    .await;
}

#[tokio::test]
async fn a_query_or_fragment_does_not_get_a_form_past_the_json_check() {
    let lab = common::start(Mode::Shared).await;
    let host = lab.url.trim_start_matches("http://").to_string();
    // A web page's text/plain form whose field builds valid JSON: refused on every spelling.
    let body = r#"{"username":"alice","password":"wonderland"}"#;
    for target in ["/login", "/login?x=1", "/login?", "/logout?next=/"] {
        let mut s = connect(&lab).await;
        let req = format!(
            "POST {target} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let a = read_answer(&mut s, &mut Vec::new(), false).await.unwrap();
        assert_eq!(a.status, 415, "{target}: {}", a.body);
        assert!(!a.head.contains("set-cookie"), "{target}: {}", a.head);
    }
}
