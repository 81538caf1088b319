//! `GET /ws/chat` through the balancer: a WebSocket whose connection and room live on one
//! replica. When that replica restarts its clients drop, while stateless token requests
//! carry on at the other replicas.

use std::time::Duration;

use forgetful::api::Mode;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::common::{self, Cred};

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(lab: &common::TestLab, name: &str) -> (Ws, Value) {
    let url = format!("{}/ws/chat?name={name}", lab.url.replacen("http", "ws", 1));
    let (mut ws, resp) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the WebSocket handshake goes through the balancer");
    assert_eq!(resp.status(), 101);
    let served_by = resp
        .headers()
        .get("x-served-by")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let welcome = next_json(&mut ws).await.expect("a welcome");
    assert_eq!(welcome["type"], "welcome", "{welcome}");
    assert_eq!(welcome["you"], name);
    assert_eq!(
        served_by.as_deref(),
        welcome["replica"].as_str(),
        "X-Served-By names the replica that holds the room"
    );
    (ws, welcome)
}

/// The next text message as JSON; `None` when the connection ended (a close frame, or none).
async fn next_json(ws: &mut Ws) -> Option<Value> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("the chat answers or closes within 10 s")
        {
            Some(Ok(Message::Text(t))) => return Some(serde_json::from_str(&t).unwrap()),
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
            Some(Ok(_)) => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_client_drops_when_its_replica_restarts_while_token_requests_carry_on() {
    let lab = common::start(Mode::Token).await;
    let (_, token) = lab.alice().await;
    assert!(matches!(token, Cred::Bearer(_)));

    let (mut ws, welcome) = connect(&lab, "ann").await;
    let home = welcome["replica"].as_str().unwrap().to_string();
    // The room works: a message comes back to its sender, from the same replica.
    ws.send(Message::Text("hello".into())).await.unwrap();
    let echoed = loop {
        let m = next_json(&mut ws).await.expect("still connected");
        if m["type"] == "message" {
            break m;
        }
    };
    assert_eq!(
        (echoed["from"].as_str(), echoed["text"].as_str()),
        (Some("ann"), Some("hello"))
    );
    assert_eq!(echoed["replica"], home.as_str());

    // Restart the chat's replica while token requests keep going through the balancer.
    let restart = async {
        lab.restart(&home).await;
    };
    let traffic = async {
        let mut statuses = Vec::new();
        for _ in 0..40 {
            statuses.push(lab.get("/me", Some(&token)).await.status);
        }
        statuses
    };
    let (_, statuses) = tokio::join!(restart, traffic);
    assert!(
        statuses.iter().all(|s| *s == 200),
        "stateless token requests all succeed across the restart: {statuses:?}"
    );

    // The chat client was dropped: its connection ends with a close (1012, service restart).
    let mut closed = None;
    for _ in 0..20 {
        match tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("the dropped connection ends within 10 s")
        {
            Some(Ok(Message::Close(frame))) => {
                closed = Some(frame);
                break;
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => break,
        }
    }
    let frame = closed.flatten().expect("a close frame from the replica");
    assert_eq!(u16::from(frame.code), 1012, "{frame:?}");
    assert!(frame.reason.contains("restarted"), "{frame:?}");

    // Reconnecting works, into a room that starts empty again: what the old one held is gone.
    let (_ws2, again) = connect(&lab, "ann").await;
    assert_eq!(again["members"], 1, "{again}");
    // And token requests still succeed after it all.
    assert_eq!(lab.get("/me", Some(&token)).await.status, 200);
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_get_of_the_chat_is_refused_and_no_replica_up_is_a_503() {
    let lab = common::start(Mode::Local).await;
    // Not a WebSocket handshake: the replica says so.
    let a = lab.get("/ws/chat", None).await;
    assert_eq!(a.status, 426, "{:?}", a.body);
    assert!(a.reason().contains("WebSocket"), "{:?}", a.body);
    for r in lab.replicas() {
        let x = lab.admin(&format!("/replicas/{r}/stop"), Value::Null).await;
        assert_eq!(x.status, 200);
    }
    let url = format!("{}/ws/chat", lab.url.replacen("http", "ws", 1));
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), 503)
        }
        other => panic!("expected a 503, got {:?}", other.map(|(_, r)| r.status())),
    }
    lab.shutdown().await;
}

/// An open WebSocket holds one of the balancer's connection slots until it closes (an
/// upgraded connection used to give its slot back at the handshake, so sockets were
/// unbounded): with a cap of 4, at most 4 sockets open, and closing one lets another in.
#[tokio::test]
async fn open_sockets_count_against_the_connection_cap() {
    let lab = common::start_configured(
        Mode::Token,
        forgetful::store::StoreSpec::Memory,
        None,
        |cfg| {
            cfg.limits = forgetful::lab::serve::Limits {
                max_connections: 4,
                ..cfg.limits
            }
        },
    )
    .await;
    let url = format!("{}/ws/chat", lab.url.replacen("http", "ws", 1));
    let mut open = Vec::new();
    for _ in 0..10 {
        match tokio::time::timeout(
            Duration::from_secs(2),
            tokio_tungstenite::connect_async(url.as_str()),
        )
        .await
        {
            Ok(Ok((ws, _))) => open.push(ws),
            _ => break,
        }
    }
    assert!(
        !open.is_empty() && open.len() <= 4,
        "{} sockets opened past a cap of 4",
        open.len()
    );
    let mut first = open.remove(0);
    first.close(None).await.unwrap();
    drop(first);
    common::eventually("a socket to open once one closed", async || {
        match tokio_tungstenite::connect_async(url.as_str()).await {
            Ok((ws, _)) => {
                open.push(ws);
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    lab.shutdown().await;
}
