//! The request console (`c`) and the token inspector (`t`): their state, keys and pure
//! transitions. Sending, the clipboard, the JWKS fetch and the history file are `ConsoleEffect`s
//! the event loop hands to `io`; results come back as `ConsoleAction`s.

pub mod io;
pub mod jars;
pub mod parse;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::{CursorMove, TextArea};
use serde::{Deserialize, Serialize};

use crate::client::Exchange;
use crate::tui::action::{Action, Effect};
use crate::tui::course_adapter;
use crate::tui::inspector::InspField;
use crate::tui::state::State;

/// The other site requests claim to come from in `O`'s cross-site mode (a browser sets
/// `Origin` itself; a page cannot).
pub const CROSS_SITE_ORIGIN: &str = "http://evil.example";

/// Requests kept in `console-history.json`.
pub const HISTORY_CAP: usize = 100;
/// How many times `R` sends the request.
pub const REPEAT: usize = 6;
/// The history file in the data dir.
pub const HISTORY_FILE: &str = "console-history.json";

/// Which tool has the screen (the reader is underneath, Esc goes back to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Console,
    Inspector,
}

/// The console's editors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `METHOD /path`
    Line,
    Headers,
    Body,
}

/// A request as typed (and as saved in the history): no automatic cookie in it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SavedRequest {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Clone, Default)]
pub struct ConsoleState {
    pub line: TextArea<'static>,
    pub headers: TextArea<'static>,
    pub body: TextArea<'static>,
    /// The editor with the keyboard; `None`: console keys (send, repeat, jar...).
    pub focus: Option<Field>,
    /// Cookies and tokens per user the console logged in as.
    pub jars: jars::Jars,
    /// The last request exactly as sent (with the jar's cookie), for the "sent" view.
    pub sent: Option<Sent>,
    /// The answer pane shows the request as sent instead of the answer (`v`).
    pub show_sent: bool,
    /// Cross-site mode (`O`): while on, each request sent goes as a page on another site would
    /// send it, the jar's cookie riding along (a browser attaches it) with a foreign `Origin`.
    /// Lesson 12 forges a purchase this way.
    pub cross_site: bool,
    pub response: Option<Result<Exchange, String>>,
    pub resp_scroll: usize,
    /// "a 200" per answer of the current batch, when it sent more than one.
    pub tally: Vec<String>,
    /// Why answers of the current batch were refused, one line per replica and reason.
    pub refusals: Vec<String>,
    /// Numbers the sends; answers of an older batch still update the jar, not the tally.
    pub batch: u64,
    /// How many answers the current batch still waits for.
    pub pending: usize,
    pub history: Vec<SavedRequest>,
    /// Position while recalling with ↑/↓ (None: the draft).
    pub hist_pos: Option<usize>,
    pub draft: Option<SavedRequest>,
    pub history_path: Option<PathBuf>,
}

/// A request as it went out, and whom it logged in as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub batch: u64,
    pub req: SavedRequest,
    pub login_as: Option<String>,
}

/// The inspector's editors.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsoleAction {
    OpenConsole,
    OpenInspector,
    /// Back to the reader.
    Close,
    /// Fill the console from the reader's focused request block (and send it).
    OpenBlock {
        send: bool,
    },
    /// A key for the focused editor.
    Key(KeyEvent),
    Focus(Option<Field>),
    NextField,
    PrevField,
    Send,
    Repeat(usize),
    ClearJar,
    /// Switch to the next named jar (or none).
    NextJar,
    /// Show the request as sent, or the answer.
    ToggleSent,
    /// Where the curl command was copied to.
    Copied(String),
    /// Cross-site mode on or off: the requests sent while it is on go as a page on another
    /// site would send them (nothing is sent by the toggle itself).
    ToggleCrossSite,
    AttachBearer,
    CopyCurl,
    HistoryPrev,
    HistoryNext,
    ScrollResponse(i64),
    Answer {
        batch: u64,
        result: Result<Exchange, String>,
    },
}

/// What `io` carries out.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsoleEffect {
    /// Send `req` `times` times in a row, answers as `ConsoleAction::Answer`.
    Send {
        req: SavedRequest,
        times: usize,
        batch: u64,
    },
    SaveHistory {
        path: PathBuf,
        entries: Vec<SavedRequest>,
    },
    /// OSC 52 to the terminal.
    Clipboard(String),
    /// `GET /.well-known/jwks.json`, plus the clock for expiry.
    FetchJwks,
}

fn ca(a: ConsoleAction) -> Option<Action> {
    Some(Action::Console(a))
}

/// Keys for the console and the inspector, and the keys that open them from the reader.
/// `Some(x)`: handled here (`x` may be `None`: swallowed); `None`: the usual keys apply.
pub fn key(s: &State, k: &KeyEvent) -> Option<Option<Action>> {
    use ConsoleAction as C;
    use KeyCode::*;
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    let send_key = (ctrl && k.code == Char('s')) || (alt && k.code == Enter);
    match s.tool {
        None => Some(match k.code {
            _ if ctrl || alt => return None,
            Char('c') => ca(C::OpenConsole),
            Char('t') => ca(C::OpenInspector),
            Char('S') => ca(C::OpenBlock { send: true }),
            _ => return None,
        }),
        Some(Tool::Console) => Some(match (s.console.focus, k.code) {
            (_, Char('c')) if ctrl => Some(Action::Quit),
            (_, _) if send_key => ca(C::Send),
            (Some(_), Esc) => ca(C::Focus(None)),
            (Some(_), Tab) => ca(C::NextField),
            (Some(_), BackTab) => ca(C::PrevField),
            (Some(Field::Line), Up) => ca(C::HistoryPrev),
            (Some(Field::Line), Down) => ca(C::HistoryNext),
            (Some(Field::Line), Enter) => ca(C::Send),
            (Some(_), _) => ca(C::Key(*k)),
            (None, _) if ctrl => match k.code {
                Char('d') => ca(C::ScrollResponse(10)),
                Char('u') => ca(C::ScrollResponse(-10)),
                _ => None,
            },
            (None, Esc) => ca(C::Close),
            (None, Enter) => ca(C::Send),
            (None, Tab | Char('e') | Char('i')) => ca(C::Focus(Some(Field::Line))),
            (None, BackTab) => ca(C::Focus(Some(Field::Body))),
            (None, Char('R')) => ca(C::Repeat(REPEAT)),
            (None, Char('x')) => ca(C::ClearJar),
            (None, Char('J')) => ca(C::NextJar),
            (None, Char('v')) => ca(C::ToggleSent),
            (None, Char('O')) => ca(C::ToggleCrossSite),
            (None, Char('b')) => ca(C::AttachBearer),
            (None, Char('y')) => ca(C::CopyCurl),
            (None, Char('t')) => ca(C::OpenInspector),
            (None, Char('j') | Down) => ca(C::ScrollResponse(1)),
            (None, Char('k') | Up) => ca(C::ScrollResponse(-1)),
            (None, PageDown | Char(' ')) => ca(C::ScrollResponse(10)),
            (None, PageUp) => ca(C::ScrollResponse(-10)),
            (None, Char('g') | Home) => ca(C::ScrollResponse(i64::MIN / 2)),
            (None, Char('G') | End) => ca(C::ScrollResponse(i64::MAX / 2)),
            (None, Char('?')) => Some(Action::ToggleHelp),
            (None, Char('q')) => Some(Action::Quit),
            (None, _) => None,
        }),
        Some(Tool::Inspector) => Some(crate::tui::inspector::key(s, k)),
    }
}

/// For a key the open console or inspector swallows (no editor has the keyboard) that
/// means something in the reader: a status line saying where it works.
pub fn reader_key_hint(s: &State, k: &KeyEvent) -> Option<String> {
    let editing = match s.tool? {
        Tool::Console => s.console.focus.is_some(),
        Tool::Inspector => s.inspector.focus.is_some(),
    };
    let KeyCode::Char(c) = k.code else {
        return None;
    };
    if editing
        || k.modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    let what = match c {
        'm' => "mode",
        's' => "policy",
        '1'..='9' => "replica",
        'r' => "restart",
        'x' => "stop",
        'u' => "start",
        'd' => "denylist",
        'a' => "attacker",
        'R' => "revoke",
        'o' => "problem",
        'l' => "lab pane",
        'n' | 'p' => "lesson",
        _ => return None,
    };
    Some(format!("Esc first: {c} ({what}) is a reader key"))
}

/// The wheel scrolls the answer or the inspector; clicks do nothing (the panes are hidden).
pub fn mouse(s: &State, m: &crossterm::event::MouseEvent) -> Option<Action> {
    use crossterm::event::MouseEventKind as K;
    let n = match m.kind {
        K::ScrollDown => 3,
        K::ScrollUp => -3,
        _ => return None,
    };
    match s.tool? {
        Tool::Console => ca(ConsoleAction::ScrollResponse(n)),
        Tool::Inspector => Some(Action::Inspector(
            crate::tui::inspector::InspectorAction::Scroll(n),
        )),
    }
}

fn fx(e: ConsoleEffect) -> Effect {
    Effect::Console(e)
}

pub fn update(s: &mut State, a: ConsoleAction) -> Vec<Effect> {
    use ConsoleAction as C;
    let mut out = Vec::new();
    match a {
        C::OpenConsole => {
            // Always the same start: the cursor in the request line (Esc leaves editing).
            s.tool = Some(Tool::Console);
            s.overlay = None;
            s.console.focus = Some(Field::Line);
            s.console.line.move_cursor(CursorMove::End);
        }
        C::OpenInspector => {
            s.tool = Some(Tool::Inspector);
            s.overlay = None;
            s.inspector.scroll = 0;
            out.push(fx(ConsoleEffect::FetchJwks));
        }
        C::Close => {
            s.tool = None;
            s.console.focus = None;
            s.inspector.focus = None;
        }
        C::OpenBlock { send } => {
            let block = s
                .lesson()
                .zip(s.focused_request)
                .and_then(|(l, i)| course_adapter::request_blocks(&l.source).into_iter().nth(i));
            let Some(b) = block else {
                s.status = Some("no request block selected: Tab moves to the next one".into());
                return out;
            };
            // Predict, then run: a card with an unanswered prediction asks it first. A pick
            // still waiting for another card is dropped (that one asks again when sent).
            let card = s.focused_request;
            if s.pending_prediction
                .as_ref()
                .is_some_and(|p| Some(p.request) != card)
            {
                s.pending_prediction = None;
            }
            if s.pending_prediction.is_none()
                && let Some(i) =
                    card.and_then(|r| crate::tui::predict::unanswered_for_request(s, r))
            {
                s.overlay = Some(crate::tui::state::Overlay::Predict(i));
                s.pending_send = Some(send);
                return out;
            }
            let mut req = SavedRequest {
                method: b.method,
                path: b.path,
                headers: b.headers,
                body: b.body,
            };
            // In token mode a lesson's card for the shop goes out as a client holding a
            // token would send it: with the current jar's token as Bearer (a card that names
            // its own Authorization keeps it). Without this, a card sent straight from its
            // prediction would carry no credential and settle the prediction wrongly. Only
            // the current jar's own token: never another user's, and never on a login, a
            // refresh (the refresh token in the body is the credential there) or /admin.
            let token_mode = s
                .lab
                .state
                .as_ref()
                .is_some_and(|st| st.mode == crate::api::Mode::Token);
            let token = s.console.jars.token().map(str::to_string);
            let attached = match token {
                Some(t)
                    if token_mode
                        && takes_bearer(&req.path)
                        && !has_header(&req, "authorization") =>
                {
                    req.headers
                        .push(("Authorization".into(), format!("Bearer {t}")));
                    true
                }
                _ => false,
            };
            fill(&mut s.console, &req);
            s.console.hist_pos = None;
            s.console.focus = Some(Field::Line);
            s.tool = Some(Tool::Console);
            if send {
                out.extend(send_current(s, 1));
            } else if attached {
                s.status = Some("your token is attached as Bearer · Enter sends it".into());
            } else {
                s.status = Some("Enter sends it".into());
            }
        }
        C::Key(k) => match s.tool {
            Some(Tool::Console) => {
                if let Some(f) = s.console.focus {
                    crate::tui::readline::input(editor(&mut s.console, f), k.into());
                }
            }
            // The inspector's editors take their keys in `inspector::update`.
            Some(Tool::Inspector) | None => {}
        },
        C::Focus(f) => s.console.focus = f,
        C::NextField | C::PrevField => {
            let order = [Field::Line, Field::Headers, Field::Body];
            let i = s
                .console
                .focus
                .and_then(|f| order.iter().position(|&o| o == f))
                .unwrap_or(0);
            let n = if a == C::NextField { i + 1 } else { i + 2 } % 3;
            s.console.focus = Some(order[n % 3]);
        }
        C::Send => out.extend(send_current(s, 1)),
        C::Repeat(n) => out.extend(send_current(s, n.max(1))),
        C::ClearJar => s.status = Some(s.console.jars.clear_current()),
        C::NextJar => s.status = Some(s.console.jars.cycle()),
        C::Copied(note) => s.status = Some(note),
        C::ToggleCrossSite => {
            s.console.cross_site = !s.console.cross_site;
            // A mode, not a send: say what the next sends will carry and how to leave it.
            s.status = Some(if s.console.cross_site {
                format!(
                    "cross-site mode on: each request you send now (Enter, or S on a card) goes as a page on {CROSS_SITE_ORIGIN} would send it, your cookie and its Origin; O again turns it off"
                )
            } else {
                "cross-site mode off: requests go out as your own again".into()
            });
        }
        C::ToggleSent => {
            s.console.show_sent = !s.console.show_sent && s.console.sent.is_some();
            s.console.resp_scroll = 0;
            if s.console.sent.is_none() {
                s.status = Some("nothing sent yet: Enter sends the request".into());
            }
        }
        C::AttachBearer => match s.console.jars.token().map(str::to_string) {
            Some(t) => {
                set_header(&mut s.console, "Authorization", &format!("Bearer {t}"));
                let jar = s.console.jars.current().map(|j| j.name.clone());
                s.status = Some(format!(
                    "Authorization: Bearer attached (jar {}'s token)",
                    jar.unwrap_or_default()
                ));
            }
            None => {
                s.status = Some(match s.console.jars.current() {
                    Some(j) => format!(
                        "jar {} holds no token: log in as {} in token mode (J switches jars)",
                        j.name, j.name
                    ),
                    None => "no token yet: in token mode, POST /login answers with a `token` field"
                        .into(),
                });
            }
        },
        C::CopyCurl => match compose(&s.console) {
            Ok(r) => {
                let base = s
                    .lab
                    .url
                    .clone()
                    .unwrap_or_else(|| crate::api::DEFAULT_LAB_URL.into());
                let cmd = curl(&base, &with_jar(&r, &s.console.jars));
                out.push(fx(ConsoleEffect::Clipboard(cmd)));
                s.status = Some("copying as curl…".into());
            }
            Err(e) => s.status = Some(e),
        },
        C::HistoryPrev => history_prev(&mut s.console),
        C::HistoryNext => history_next(&mut s.console),
        C::ScrollResponse(n) => {
            let max = response_lines(&s.console).saturating_sub(1) as i64;
            s.console.resp_scroll = (s.console.resp_scroll as i64)
                .saturating_add(n)
                .clamp(0, max) as usize;
        }
        C::Answer { batch, result } => {
            let settled = match &result {
                Ok(x) if batch == s.console.batch => crate::tui::predict::on_answer(s, x),
                _ => Vec::new(),
            };
            // The prediction's verdict outranks the plain status line.
            let verdict = (!settled.is_empty()).then(|| s.status.clone()).flatten();
            answer(s, batch, result);
            if let Some(v) = verdict {
                s.status = Some(v);
            }
            out.extend(settled);
        }
    }
    out
}

fn editor(c: &mut ConsoleState, f: Field) -> &mut TextArea<'static> {
    match f {
        Field::Line => &mut c.line,
        Field::Headers => &mut c.headers,
        Field::Body => &mut c.body,
    }
}

/// Puts a request in the three editors.
pub fn fill(c: &mut ConsoleState, r: &SavedRequest) {
    c.line = TextArea::from([format!("{} {}", r.method, r.path)]);
    c.line.move_cursor(CursorMove::End);
    c.headers = TextArea::from(r.headers.iter().map(|(k, v)| format!("{k}: {v}")));
    c.body = TextArea::from(r.body.lines());
}

/// The request in the editors, checked. The request line may carry the body (`POST /login
/// {…}`) or be a whole curl command; either way the result is one request.
pub fn compose(c: &ConsoleState) -> Result<SavedRequest, String> {
    let line = parse::request_line(&c.line.lines().join(" "))?;
    let mut headers = line.headers;
    for l in c.headers.lines() {
        if l.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = l.split_once(':') else {
            return Err(format!(
                "header `{}` is not `Name: value`",
                crate::api::bounded(l, 40)
            ));
        };
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let field_body = c.body.lines().join("\n").trim_end().to_string();
    let body = match (line.body, field_body.is_empty()) {
        (Some(b), true) => b,
        (None, _) => field_body,
        (Some(_), false) => {
            return Err(
                "two bodies: one on the request line and one in the body field; keep one".into(),
            );
        }
    };
    // A JSON body with no Content-Type gets one, as httpie and `curl --json` do: the lab
    // refuses JSON routes without it (415), and `v` shows the header that went out.
    let looks_json = body.trim_start().starts_with(['{', '[']);
    if looks_json
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    Ok(SavedRequest {
        method: line.method,
        path: line.path,
        headers,
        body,
    })
}

/// Routes a lesson's card sends a token-mode Bearer on: the shop's own. Not a login (a
/// new login must not carry someone's token), not `/token/*` (the refresh token in the body
/// is the credential), not `/admin/*` or the public JWKS and health routes.
pub fn takes_bearer(path: &str) -> bool {
    let path = path.split('?').next().unwrap_or(path);
    !(path == "/login"
        || path.starts_with("/token/")
        || path.starts_with("/admin")
        || path.starts_with("/.well-known/")
        || path == "/healthz"
        || path == "/readyz")
}

fn has_header(r: &SavedRequest, name: &str) -> bool {
    r.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name))
}

/// The request as sent: with `Cookie: sid=...` from the current jar (for a login, from the
/// jar of the user it logs in as) unless it sets its own cookie.
pub fn with_jar(r: &SavedRequest, jars: &jars::Jars) -> SavedRequest {
    let mut r = r.clone();
    let login_as = jars::login_user(&r.method, &r.path, &r.body);
    if let Some(sid) = jars.sid_for(login_as.as_deref())
        && !has_header(&r, "cookie")
    {
        r.headers.push(("Cookie".into(), format!("sid={sid}")));
    }
    r
}

/// The header lines other than `name` (and blank ones).
fn headers_without(c: &ConsoleState, name: &str) -> Vec<String> {
    c.headers
        .lines()
        .iter()
        .filter(|l| {
            !l.split_once(':')
                .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case(name))
                && !l.trim().is_empty()
        })
        .cloned()
        .collect()
}

fn set_header(c: &mut ConsoleState, name: &str, value: &str) {
    let mut lines = headers_without(c, name);
    lines.push(format!("{name}: {value}"));
    c.headers = TextArea::from(lines);
}

/// A GET or HEAD left holding the body (and its Content-Type) of the request before it, as
/// after `POST /login {…}` and then typing `GET /orders`: the fields are emptied, so the
/// password does not ride along on every later request (nor into "copy as curl").
fn drop_stale_body(c: &mut ConsoleState) -> bool {
    let line = c.line.lines().join(" ");
    let method = line.split_whitespace().next().unwrap_or("");
    let bodiless = method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD");
    let has_body = c.body.lines().iter().any(|l| !l.trim().is_empty());
    if !(bodiless && has_body) {
        return false;
    }
    c.body = TextArea::default();
    c.headers = TextArea::from(headers_without(c, "content-type"));
    true
}

pub(crate) fn send_current(s: &mut State, times: usize) -> Vec<Effect> {
    let mut out = Vec::new();
    let dropped = drop_stale_body(&mut s.console);
    let req = match compose(&s.console) {
        Ok(r) => r,
        Err(e) => {
            s.status = Some(e);
            s.console.focus = Some(Field::Line);
            return out;
        }
    };
    if s.lab.url.is_none() {
        s.status = Some("the lab is not reachable yet".into());
        return out;
    }
    push_history(&mut s.console, req.clone());
    if let Some(path) = &s.console.history_path {
        out.push(fx(ConsoleEffect::SaveHistory {
            path: path.clone(),
            entries: s.console.history.clone(),
        }));
    }
    s.console.batch += 1;
    s.console.pending = times;
    s.console.tally.clear();
    s.console.refusals.clear();
    s.console.focus = None;
    let label = if times > 1 {
        format!("sending {} {} ×{times}…", req.method, req.path)
    } else {
        format!("sending {} {}…", req.method, req.path)
    };
    s.status = Some(if dropped {
        format!(
            "{label} ({} sends no body: the old body and its Content-Type were cleared)",
            req.method
        )
    } else {
        label
    });
    let mut sent = with_jar(&req, &s.console.jars);
    if s.console.cross_site && !has_header(&sent, "origin") {
        sent.headers
            .push(("Origin".into(), CROSS_SITE_ORIGIN.into()));
    }
    s.console.sent = Some(Sent {
        batch: s.console.batch,
        login_as: jars::login_user(&req.method, &req.path, &req.body),
        req: sent.clone(),
    });
    out.push(fx(ConsoleEffect::Send {
        req: sent,
        times,
        batch: s.console.batch,
    }));
    out
}

/// An answer: the jar and the token learn from it; the tally counts it.
fn answer(s: &mut State, batch: u64, result: Result<Exchange, String>) {
    if let Ok(x) = &result {
        let login_as = s
            .console
            .sent
            .as_ref()
            .filter(|sent| sent.batch == batch)
            .and_then(|sent| sent.login_as.clone());
        // The console's title names the jar now in use; no status line needed.
        let _switched = s.console.jars.learn(login_as.as_deref(), x);
        if let Some(t) = token_in(&x.body) {
            s.last_token = Some(t);
            s.inspector.edited = None;
        }
    }
    if batch != s.console.batch {
        return;
    }
    s.console.show_sent = false;
    s.console.pending = s.console.pending.saturating_sub(1);
    let repeat = s.console.pending > 0 || !s.console.tally.is_empty();
    if repeat {
        s.console.tally.push(match &result {
            Ok(x) => format!("{} {}", x.served_by().unwrap_or("?"), x.status),
            Err(_) => "error".into(),
        });
        if let Ok(x) = &result
            && x.status >= 400
        {
            let who = x.served_by().unwrap_or("?");
            let note = format!("{who} {}: {}", x.status, x.reason().unwrap_or_default());
            if !s.console.refusals.contains(&note) {
                s.console.refusals.push(note);
            }
        }
    }
    // A refusal while cross-site mode is on may be the mode's doing: say how to leave it.
    let mode_note = match &result {
        Ok(x) if x.status >= 400 && s.console.cross_site => {
            " · cross-site mode is on (O turns it off)"
        }
        _ => "",
    };
    s.status = Some(match &result {
        Ok(x) => format!(
            "{} · {} ms{}{mode_note}",
            x.status,
            x.elapsed.as_millis(),
            x.served_by()
                .map(|r| format!(" · served by {r}"))
                .unwrap_or_default()
        ),
        Err(e) => e.clone(),
    });
    s.console.response = Some(result);
    s.console.resp_scroll = 0;
}

/// The `token` field of a JSON answer.
pub fn token_in(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    v.get("token")?.as_str().map(str::to_string)
}

pub fn push_history(c: &mut ConsoleState, r: SavedRequest) {
    c.hist_pos = None;
    c.draft = None;
    c.history.retain(|h| *h != r);
    c.history.push(r);
    let extra = c.history.len().saturating_sub(HISTORY_CAP);
    c.history.drain(..extra);
}

/// ↑: an older request (the first ↑ keeps what was being typed, to come back to).
pub fn history_prev(c: &mut ConsoleState) {
    let n = c.history.len();
    if n == 0 {
        return;
    }
    let pos = match c.hist_pos {
        None => {
            let draft = compose(c).unwrap_or_default();
            // The newest entry is usually the request still in the editors (just sent):
            // the first ↑ skips it, so it always shows something new.
            let newest_is_here = c.history[n - 1] == draft;
            c.draft = Some(draft);
            if newest_is_here && n >= 2 {
                n - 2
            } else {
                n - 1
            }
        }
        Some(p) => p.saturating_sub(1),
    };
    c.hist_pos = Some(pos);
    let r = c.history[pos].clone();
    fill(c, &r);
}

/// ↓: a newer request, then back to the draft.
pub fn history_next(c: &mut ConsoleState) {
    let Some(p) = c.hist_pos else { return };
    if p + 1 < c.history.len() {
        c.hist_pos = Some(p + 1);
        let r = c.history[p + 1].clone();
        fill(c, &r);
    } else {
        c.hist_pos = None;
        let d = c.draft.take().unwrap_or_default();
        if d.method.is_empty() {
            *c = ConsoleState {
                line: TextArea::default(),
                headers: TextArea::default(),
                body: TextArea::default(),
                ..std::mem::take(c)
            };
        } else {
            fill(c, &d);
        }
    }
}

/// The same request as a curl command line.
pub fn curl(base: &str, r: &SavedRequest) -> String {
    // Quoted for a POSIX shell by `shlex`; a NUL byte cannot be quoted, so it is dropped.
    fn q(s: &str) -> String {
        let clean = s.replace('\0', "");
        shlex::try_quote(&clean)
            .map(|c| c.into_owned())
            .unwrap_or_default()
    }
    let mut out = String::from("curl -i");
    if r.method != "GET" || !r.body.is_empty() {
        out.push_str(&format!(" -X {}", r.method));
    }
    out.push_str(&format!(
        " {}",
        q(&format!("{}{}", base.trim_end_matches('/'), r.path))
    ));
    for (k, v) in &r.headers {
        out.push_str(&format!(" -H {}", q(&format!("{k}: {v}"))));
    }
    if !r.body.is_empty() {
        out.push_str(&format!(" --data {}", q(&r.body)));
    }
    out
}

/// The answer as lines: status, headers, a blank line, the body (pretty when JSON).
pub fn response_text(x: &Exchange) -> Vec<String> {
    let mut out: Vec<String> = x.headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    out.push(String::new());
    let body = serde_json::from_str::<serde_json::Value>(&x.body)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| x.body.clone());
    out.extend(body.lines().map(str::to_string));
    out
}

fn response_lines(c: &ConsoleState) -> usize {
    match &c.response {
        Some(Ok(x)) => response_text(x).len(),
        _ => 1,
    }
}

/// Footer keys while a tool has the screen.
pub fn footer_keys(s: &State) -> Option<&'static [(&'static str, &'static str)]> {
    Some(match (s.tool?, s.console.focus, s.inspector.focus) {
        (Tool::Console, Some(_), _) => &[
            ("Ctrl-S", "send"),
            ("Tab", "field"),
            ("↑↓", "history"),
            ("Esc", "stop editing"),
        ],
        (Tool::Console, None, _) => &[
            ("Enter", "send"),
            ("Tab", "edit"),
            ("R", "×6"),
            ("J", "jar"),
            ("b", "bearer"),
            ("v", "sent"),
            ("y", "curl"),
            ("t", "token"),
            ("Esc", "reader"),
            ("?", "help"),
        ],
        (Tool::Inspector, _, Some(InspField::Payload)) => {
            &[("Esc/Ctrl-S", "make the edited token")]
        }
        (Tool::Inspector, _, Some(InspField::Paste)) => &[("Enter/Esc", "done pasting")],
        (Tool::Inspector, _, None) => &[
            ("e", "edit claims"),
            ("s", "send it"),
            ("u", "undo edit"),
            ("p", "paste"),
            ("r", "re-verify"),
            ("c", "console"),
            ("Esc", "reader"),
            ("?", "help"),
        ],
    })
}

/// `?` in the request console (the inspector's and the shared keys follow it).
pub const CONSOLE_HELP: &[(&str, &str)] = &[
    ("", "Request console (c)"),
    ("Tab e · Esc", "edit the request · stop editing"),
    ("Tab Shift-Tab", "next / previous field, while editing"),
    (
        "Ctrl-U Ctrl-L",
        "clear to the line's start · clear the field",
    ),
    ("Ctrl-A Ctrl-E", "start · end of the line"),
    ("Ctrl-K Ctrl-W", "cut to the end · cut a word"),
    ("Enter Ctrl-S Alt-⏎", "send (Enter in the method/path line)"),
    ("↑ ↓", "history (in the method/path line)"),
    ("R", "send it 6 times: watch the balancer"),
    (
        "",
        "The request line takes GET /me, /me, POST /login {json}, or a pasted curl",
    ),
    ("J x", "next named jar (one per user logged in) · empty it"),
    ("b", "attach the jar's token as Bearer"),
    ("v", "the request exactly as sent · the answer"),
    (
        "O",
        "cross-site mode on / off: the requests you send then go as a page on another site's (cookie + foreign Origin)",
    ),
    ("y", "copy as curl (system clipboard, else OSC 52)"),
    ("j k PgDn PgUp g G", "scroll the response"),
    ("t", "token inspector"),
];

/// `?` in either tool, after its own keys.
pub const TOOLS_HELP: &[(&str, &str)] = &[
    ("", "Console and inspector"),
    ("Esc", "back to the reader (or the problem workspace)"),
    ("? q Ctrl-C", "help · quit"),
];
