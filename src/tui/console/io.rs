//! Carries out `ConsoleEffect`s: requests over HTTP with the console's `LabClient`, the JWKS
//! fetch, the OSC 52 clipboard, and the history file (written atomically).

use std::io::Write;
use std::path::Path;

use base64::Engine;

use super::{ConsoleAction, ConsoleEffect, HISTORY_CAP, HISTORY_FILE, SavedRequest};
use crate::client::LabClient;
use crate::tui::action::Action;
use crate::tui::state::State;

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
            // The system clipboard may talk to an X server: off the event loop.
            tokio::task::spawn_blocking(move || {
                let note = match copy_to_system_clipboard(&text) {
                    Ok(()) => "copied as curl to the system clipboard".to_string(),
                    Err(why) => {
                        copy_with_osc52(&text);
                        format!(
                            "copied as curl through the terminal (OSC 52; no system clipboard: \
                             {why}); if pasting gives nothing, your terminal does not allow it"
                        )
                    }
                };
                send(Action::Console(ConsoleAction::Copied(note)));
            });
        }
        ConsoleEffect::FetchJwks => {
            let offset = state.inspector.offset_secs;
            send(Action::Inspector(
                crate::tui::inspector::InspectorAction::Clock {
                    now: unix_now(),
                    offset_secs: offset,
                },
            ));
            let Some(c) = client.cloned() else {
                send(Action::Inspector(
                    crate::tui::inspector::InspectorAction::Jwks(Err(
                        "the lab is not reachable yet".into(),
                    )),
                ));
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
                send(Action::Inspector(
                    crate::tui::inspector::InspectorAction::Jwks(r),
                ));
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

/// The system clipboard, kept open for the life of the app: on X11 the copied text is served
/// by this process, so dropping the handle would lose it.
fn copy_to_system_clipboard(text: &str) -> Result<(), String> {
    static CLIPBOARD: std::sync::Mutex<Option<arboard::Clipboard>> = std::sync::Mutex::new(None);
    let mut slot = CLIPBOARD.lock().unwrap_or_else(|p| p.into_inner());
    if slot.is_none() {
        *slot = Some(arboard::Clipboard::new().map_err(|e| short_reason(&e))?);
    }
    let board = slot.as_mut().ok_or("no clipboard")?;
    board.set_text(text).map_err(|e| short_reason(&e))
}

fn short_reason(e: &arboard::Error) -> String {
    match e {
        arboard::Error::ClipboardNotSupported => "not supported here".into(),
        arboard::Error::ClipboardOccupied => "busy".into(),
        _ => "none reachable".into(),
    }
}

/// OSC 52: the terminal puts the text on the clipboard, also across ssh and tmux (when
/// allowed); the only way when there is no display server.
fn copy_with_osc52(text: &str) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = std::io::stdout();
    let _ = write!(out, "\x1b]52;c;{b64}\x07");
    let _ = out.flush();
}
