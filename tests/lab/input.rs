use forgetful::api::Mode;

use crate::common::{self, answer};

#[tokio::test]
async fn bad_input_gets_json_errors_with_the_right_status() {
    let lab = common::start(Mode::Local).await;
    let targets = {
        let mut t = vec![lab.url.clone()];
        t.push(lab.replica_url("a"));
        t
    };
    for base in &targets {
        let h = &lab.http;
        let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
            (
                h.post(format!("{base}/login"))
                    .header("content-type", "application/json")
                    .body("{not json"),
                400,
                "malformed JSON",
            ),
            (
                h.post(format!("{base}/login"))
                    .header("content-type", "application/json")
                    .body(""),
                400,
                "empty body",
            ),
            (
                h.post(format!("{base}/login"))
                    .header("content-type", "application/json")
                    .body(r#"{"username":"alice"}"#),
                400,
                "missing field",
            ),
            (
                h.post(format!("{base}/login"))
                    .header("content-type", "application/json")
                    .body(r#"[1,2]"#),
                400,
                "malformed JSON",
            ),
            (
                h.post(format!("{base}/login"))
                    .header("content-type", "application/json")
                    .body(vec![0xff, 0xfe, 0x00]),
                400,
                "malformed JSON",
            ),
            (
                h.post(format!("{base}/login"))
                    .header("content-type", "application/json")
                    .body("x".repeat(17 * 1024)),
                413,
                "16 KiB",
            ),
            (h.get(format!("{base}/nowhere")), 404, "no route"),
            (
                h.delete(format!("{base}/orders")),
                405,
                "does not accept DELETE",
            ),
            (h.get(format!("{base}/login")), 405, "does not accept GET"),
            (h.get(format!("{base}/orders")), 401, "no session cookie"),
            (
                h.get(format!("{base}/me")).header("cookie", "sid="),
                401,
                "no session cookie",
            ),
            (
                h.get(format!("{base}/me"))
                    .header("authorization", "Bearer abc"),
                401,
                "bearer tokens are not accepted",
            ),
            (
                h.post(format!("{base}/orders")).body("{}"),
                401,
                "no session cookie",
            ),
        ];
        for (rb, status, reason) in cases {
            let a = answer(rb.send().await.unwrap()).await;
            assert_eq!(a.status, status, "{base}: {:?}", a.body);
            assert!(a.body["error"].is_string());
            assert!(
                a.reason().contains(reason),
                "{base}: {:?} lacks {reason:?}",
                a.reason()
            );
        }
    }
    // Order validation needs a login.
    let (_, cred) = lab.alice().await;
    let common::Cred::Cookie(sid) = cred else {
        panic!()
    };
    let a = answer(
        lab.http
            .post(format!("{}/orders", lab.replica_url("a")))
            .header("cookie", format!("sid={sid}"))
            .body(r#"{"item": ""}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(a.status == 400 || a.status == 401, "{:?}", a.body);
    lab.shutdown().await;
}

#[tokio::test]
async fn raw_garbage_on_the_socket_does_not_hang_or_kill_a_replica() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let lab = common::start(Mode::Local).await;
    let addr = lab
        .replica_url("b")
        .trim_start_matches("http://")
        .to_string();
    // Each gets its answer at once: a 100 MB Content-Length is refused before its bytes.
    for (junk, status) in [
        (&b"\x00\x01\x02garbage\r\n\r\n"[..], "400"),
        (b"GET / HTTP/9.9\r\n\r\n", "400"),
        (
            b"POST /login HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nabc",
            "413",
        ),
    ] {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(junk).await.unwrap();
        let mut buf = vec![0u8; 1024];
        let n = tokio::time::timeout(std::time::Duration::from_secs(3), s.read(&mut buf))
            .await
            .expect("an answer within 3 s")
            .unwrap();
        let head = String::from_utf8_lossy(&buf[..n]);
        assert!(head.starts_with(&format!("HTTP/1.1 {status}")), "{head}");
        assert!(head.contains("application/json"), "{head}");
    }
    let a = lab.get_at(&lab.replica_url("b"), "/healthz", None).await;
    assert_eq!(a.status, 200);

    // The asterisk form through the balancer is a 400, not a failed proxy attempt.
    let addr = lab.url.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(b"OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        s.read_to_string(&mut out),
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 400"), "{out}");
    assert!(out.contains("must be a path"), "{out}");
    lab.shutdown().await;
}

/// Requests hyper refuses before any handler sees them (a broken header, a head or target
/// too large) still get a JSON error, on the balancer and on a replica.
#[tokio::test]
async fn unparseable_requests_get_json_errors_too() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let lab = common::start(Mode::Local).await;
    let big_header = format!(
        "GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nX: {}\r\n\r\n",
        "a".repeat(500_000)
    );
    // Under hyper's default limit (~400 KiB) this head was read whole and served; the lab's
    // own limit (128 KiB) refuses it, however its bytes arrive.
    let mid_header = format!(
        "GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nX: {}\r\n\r\n",
        "a".repeat(300_000)
    );
    let long_target = format!(
        "GET /{} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "a".repeat(70_000)
    );
    let cases = [
        (
            "GET /me HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n".to_string(),
            400,
            "bad request",
        ),
        (big_header, 431, "request header fields too large"),
        (mid_header, 431, "request header fields too large"),
        (long_target, 414, "uri too long"),
    ];
    for base in [lab.url.clone(), lab.replica_url("a")] {
        let addr = base.trim_start_matches("http://").to_string();
        for (raw, status, error) in &cases {
            let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
            // hyper may answer and close before it has read everything we send.
            let _ = s.write_all(raw.as_bytes()).await;
            let mut out = Vec::new();
            let _ =
                tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut out))
                    .await;
            let out = String::from_utf8_lossy(&out);
            assert!(
                out.starts_with(&format!("HTTP/1.1 {status} ")),
                "{base}: {out}"
            );
            let (head, body) = out.split_once("\r\n\r\n").unwrap();
            assert!(head.contains("content-type: application/json"), "{head}");
            let v: serde_json::Value = serde_json::from_str(body).unwrap();
            assert_eq!(v["error"], *error, "{base}: {body}");
            assert!(v["reason"].is_string());
        }
    }
    lab.shutdown().await;
}

/// Any web page could otherwise drive the lab: a cross-site simple POST, a foreign Origin,
/// or a rebound DNS name in Host. Each is refused with its reason, as JSON.
#[tokio::test]
async fn web_pages_cannot_drive_the_lab() {
    let lab = common::start(Mode::Local).await;
    let h = &lab.http;
    let base = &lab.url;
    let port = base.rsplit(':').next().unwrap();
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            h.post(format!("{base}/admin/mode"))
                .header("content-type", "text/plain")
                .body(r#"{"mode":"shared"}"#),
            415,
            "takes a JSON body",
        ),
        (
            h.post(format!("{base}/login"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("username=alice&password=wonderland"),
            415,
            "takes a JSON body",
        ),
        (
            h.post(format!("{base}/admin/mode"))
                .header("content-type", "application/json")
                .header("origin", "http://evil.example")
                .body(r#"{"mode":"shared"}"#),
            403,
            "web page",
        ),
        (
            h.get(format!("{base}/admin/attacker/credential"))
                .header("host", format!("rebound.example:{port}")),
            403,
            "not this lab's address",
        ),
    ];
    for (rb, status, reason) in cases {
        let a = answer(rb.send().await.unwrap()).await;
        assert_eq!(a.status, status, "{:?}", a.body);
        assert!(
            a.reason().contains(reason),
            "{:?} lacks {reason:?}",
            a.reason()
        );
    }
    // None of them changed the mode; the same request from curl does.
    let state = answer(h.get(format!("{base}/admin/state")).send().await.unwrap()).await;
    assert_eq!(state.body["mode"], "local");
    let a = answer(
        h.post(format!("{base}/admin/mode"))
            .header("content-type", "application/json")
            .body(r#"{"mode":"shared"}"#)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    lab.shutdown().await;
}

/// A client that opens a connection and sends nothing, or half a request line, or goes
/// quiet after a response, is disconnected once the header-read timeout passes; a cap on
/// open connections keeps a flood from exhausting the process, and the lab keeps answering.
#[tokio::test]
async fn silent_and_slow_clients_are_disconnected_and_capped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let timeout = std::time::Duration::from_millis(300);
    let lab = common::start_configured(
        Mode::Local,
        forgetful::store::StoreSpec::Memory,
        None,
        |cfg| {
            cfg.limits = forgetful::lab::serve::Limits {
                header_read: timeout,
                max_connections: 16,
                ..cfg.limits
            }
        },
    )
    .await;
    let addr = lab.url.trim_start_matches("http://").to_string();
    // Closed (EOF or reset) within a bounded time: read returns, never hangs.
    async fn closed_soon(s: &mut tokio::net::TcpStream) -> bool {
        let mut buf = vec![0u8; 4096];
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => continue,
            }
        }
    }
    let mut silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    assert!(
        closed_soon(&mut silent).await,
        "a silent connection stayed open"
    );
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /healthz HT").await.unwrap();
    assert!(
        closed_soon(&mut half).await,
        "half a request line stayed open"
    );
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    assert!(
        closed_soon(&mut idle).await,
        "an idle keep-alive connection stayed open"
    );

    // A flood of silent connections past the cap: the lab still answers once they go.
    let mut flood = Vec::new();
    for _ in 0..40 {
        if let Ok(s) = tokio::net::TcpStream::connect(&addr).await {
            flood.push(s);
        }
    }
    drop(flood);
    common::eventually("the lab to answer again", async || {
        match lab.http.get(format!("{}/healthz", lab.url)).send().await {
            Ok(r) if r.status() == 200 => Ok(()),
            Ok(r) => Err(r.status().to_string()),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    lab.shutdown().await;
}
