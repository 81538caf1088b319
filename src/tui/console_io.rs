//! Carries out `ConsoleEffect`s: requests over HTTP with the console's `LabClient`, the JWKS
//! fetch, the OSC 52 clipboard, and the history file (written atomically).

use std::io::Write;
use std::path::Path;

use base64::Engine;

use super::action::Action;
use super::console::{ConsoleAction, ConsoleEffect, HISTORY_CAP, HISTORY_FILE, SavedRequest};
use super::state::State;
use crate::client::LabClient;

/// Loads `console-history.json` from the data dir (a missing or broken file is an empty
/// history) and remembers where to save it.
pub fn init(state: &mut State, data_dir: &Path) {
    let path = data_dir.join(HISTORY_FILE);
    let mut history: Vec<SavedRequest> = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let extra = history.len().saturating_sub(HISTORY_CAP);
    history.drain(..extra);
    state.console.history = history;
    state.console.history_path = Some(path);
    state.inspector.offset_secs = local_offset();
}

/// The local UTC offset; only knowable before the runtime starts threads (else UTC).
pub fn local_offset() -> i32 {
    time::UtcOffset::current_local_offset().map_or(0, |o| o.whole_seconds())
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs one effect; `send` delivers the resulting actions to the event loop.
pub fn run(
    e: ConsoleEffect,
    state: &State,
    client: Option<&LabClient>,
    send: impl Fn(Action) + Send + Sync + 'static,
) {
    match e {
        ConsoleEffect::SaveHistory { path, entries } => {
            let res = serde_json::to_vec_pretty(&entries)
                .map_err(std::io::Error::other)
                .and_then(|b| crate::progress::atomic::write(&path, &b));
            if let Err(err) = res {
                tracing::warn!("saving {}: {err}", path.display());
            }
        }
        ConsoleEffect::Clipboard(text) => {
            let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            let mut out = std::io::stdout();
            let _ = write!(out, "\x1b]52;c;{b64}\x07");
            let _ = out.flush();
        }
        ConsoleEffect::FetchJwks => {
            let offset = state.inspector.offset_secs;
            send(Action::Console(ConsoleAction::Clock {
                now: unix_now(),
                offset_secs: offset,
            }));
            let Some(c) = client.cloned() else {
                send(Action::Console(ConsoleAction::Jwks(Err(
                    "the lab is not reachable yet".into(),
                ))));
                return;
            };
            tokio::spawn(async move {
                let r = match c
                    .send(None, "GET", "/.well-known/jwks.json", &[], None)
                    .await
                {
                    Ok(x) if x.status == 200 => Ok(x.body),
                    Ok(x) => Err(format!("GET /.well-known/jwks.json answered {}", x.status)),
                    Err(e) => Err(e.to_string()),
                };
                send(Action::Console(ConsoleAction::Jwks(r)));
            });
        }
        ConsoleEffect::Send { req, times, batch } => {
            let Some(c) = client.cloned() else {
                send(Action::Console(ConsoleAction::Answer {
                    batch,
                    result: Err("the lab is not reachable yet".into()),
                }));
                return;
            };
            tokio::spawn(async move {
                // One after another, so the balancer's choices show in order.
                for _ in 0..times {
                    let body = (!req.body.is_empty()).then(|| req.body.clone());
                    let result = c
                        .send(None, &req.method, &req.path, &req.headers, body)
                        .await
                        .map_err(|e| e.to_string());
                    send(Action::Console(ConsoleAction::Answer { batch, result }));
                }
            });
        }
    }
}
