//! `GET /ws/chat`: the stateful contrast. A WebSocket chat room that lives in one replica's
//! memory: the balancer hands each connection to one replica and it stays there, every
//! member of a room is connected to the same replica, and a restart of that replica ends
//! the room and drops every connection to it. Nothing about it is in the shared store: a
//! client that reconnects lands in another room (on whichever replica the balancer picks),
//! with no history. No login: the connection itself is the state.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast;
use tokio_util::sync::CancellationToken;

/// The largest message a client may send (bytes); a larger one ends its connection.
pub const MAX_MESSAGE: usize = 1024;
/// Text kept of a message when it is passed on (characters).
const MAX_TEXT: usize = 280;
/// The close code a dropped connection gets: 1012, "service restart".
pub const CLOSE_RESTART: u16 = 1012;

/// One replica's room: who is in it, and the channel its messages go round on.
pub struct ChatRoom {
    tx: broadcast::Sender<Utf8Bytes>,
    members: AtomicUsize,
    guests: AtomicU64,
    /// Cancelled when the replica stops: every connection closes.
    closed: CancellationToken,
}

impl Default for ChatRoom {
    fn default() -> Self {
        ChatRoom {
            tx: broadcast::channel(256).0,
            members: AtomicUsize::new(0),
            guests: AtomicU64::new(0),
            closed: CancellationToken::new(),
        }
    }
}

impl ChatRoom {
    pub fn members(&self) -> usize {
        self.members.load(Ordering::Relaxed)
    }

    /// The replica is going: every connection is closed (1012, service restart).
    pub fn close(&self) {
        self.closed.cancel();
    }
}

#[derive(Deserialize)]
pub struct ChatQuery {
    name: Option<String>,
}

/// A name as given when it is short and plain, else a guest number.
fn name_of(q: Option<String>, room: &ChatRoom) -> String {
    q.filter(|n| {
        (1..=32).contains(&n.len())
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '#')
    })
    .unwrap_or_else(|| format!("guest{}", room.guests.fetch_add(1, Ordering::Relaxed) + 1))
}

pub async fn upgrade(
    State(ctx): State<super::replica::Ctx>,
    q: Result<Query<ChatQuery>, axum::extract::rejection::QueryRejection>,
    permit: Option<axum::Extension<super::serve::ConnectionPermit>>,
    ws: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Result<Response, super::error::ApiError> {
    // Like every other refusal of the lab's, in JSON.
    let ws = ws.map_err(|e| {
        super::error::ApiError::new(
            axum::http::StatusCode::UPGRADE_REQUIRED,
            "upgrade required",
            format!(
                "GET /ws/chat is a WebSocket: connect with a WebSocket client (Connection: Upgrade, Upgrade: websocket) ({e})"
            ),
        )
    })?;
    let q = q.map(|Query(q)| q).unwrap_or(ChatQuery { name: None });
    let memory = ctx.memory.clone();
    let replica = ctx.slot.name.clone();
    let name = name_of(q.name, &memory.chat);
    Ok(ws
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| async move {
            // The socket counts against the replica's connection cap until it closes.
            let _permit = permit;
            session(socket, memory, replica, name).await
        }))
}

async fn session(
    mut socket: WebSocket,
    memory: std::sync::Arc<super::replica::Memory>,
    replica: String,
    name: String,
) {
    let room = &memory.chat;
    let mut rx = room.tx.subscribe();
    let members = room.members.fetch_add(1, Ordering::Relaxed) + 1;
    let welcome = json!({
        "type": "welcome",
        "replica": replica,
        "you": name,
        "members": members,
        "note": format!("this room lives in replica {replica}'s memory: only connections to {replica} are in it, and a restart of {replica} ends it"),
    });
    let _ = room.tx.send(
        json!({"type": "joined", "who": name, "replica": replica, "members": members})
            .to_string()
            .into(),
    );
    if socket
        .send(Message::Text(welcome.to_string().into()))
        .await
        .is_ok()
    {
        loop {
            tokio::select! {
                _ = room.closed.cancelled() => {
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code: CLOSE_RESTART,
                            reason: format!("replica {replica} restarted: its room is gone").into(),
                        })))
                        .await;
                    break;
                }
                got = socket.recv() => match got {
                    Some(Ok(Message::Text(t))) => {
                        let text: String = t.as_str().chars().take(MAX_TEXT).collect();
                        let line = json!({"type": "message", "from": name, "text": text, "replica": replica});
                        let _ = room.tx.send(line.to_string().into());
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                out = rx.recv() => match out {
                    Ok(line) => {
                        if socket.send(Message::Text(line)).await.is_err() {
                            break;
                        }
                    }
                    // A slow reader misses some messages rather than holding the room up.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
    }
    let left = room.members.fetch_sub(1, Ordering::Relaxed) - 1;
    let _ = room.tx.send(
        json!({"type": "left", "who": name, "replica": replica, "members": left})
            .to_string()
            .into(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_plain_or_a_guest_number() {
        let room = ChatRoom::default();
        assert_eq!(name_of(Some("load-3".into()), &room), "load-3");
        assert_eq!(name_of(None, &room), "guest1");
        assert_eq!(name_of(Some("<script>".into()), &room), "guest2");
        assert_eq!(name_of(Some("x".repeat(33)), &room), "guest3");
    }
}
