//! The request console and token inspector: screens from fixed data (no lab), and their
//! pure transitions.

use crate::tui::inspector::InspectorAction as I;
use std::time::Duration;

use crate::tui::tests::screen;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use ratatui_textarea::TextArea;

use crate::client::Exchange;
use crate::tui::action::{Action, Effect, update};
use crate::tui::console::{
    self, ConsoleAction as C, ConsoleEffect, ConsoleState, Field, HISTORY_CAP, InspField,
    SavedRequest, Tool,
};
use crate::tui::draw::draw;
use crate::tui::event;
use crate::tui::state::*;
use crate::tui::token;

const LESSON: &str = "# Sessions\n\nLog in:\n\n\
```http\nPOST /login\nContent-Type: application/json\n\n{\"username\": \"alice\", \"password\": \"wonderland\"}\n```\n\n\
Then:\n\n```http\nGET /orders\n```\n";

/// 2025-01-01 09:50:00 UTC.
const NOW: i64 = 1_735_725_000;
const KID: &str = "5eed0007";

fn state(w: u16, h: u16) -> State {
    let mut s = State {
        lessons: vec![LessonItem {
            id: "04-sessions".into(),
            number: 4,
            title: "Sessions".into(),
            source: LESSON.into(),
        }],
        color: false,
        ..State::default()
    };
    update(&mut s, Action::Resize(w, h));
    update(
        &mut s,
        Action::LabStarted {
            url: "http://127.0.0.1:7878".into(),
            note: None,
        },
    );
    s.inspector.now = NOW;
    s
}

fn login_answer() -> Exchange {
    Exchange {
        status: 200,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-served-by".into(), "a".into()),
            (
                "set-cookie".into(),
                "sid=Zm9vYmFyYmF6cXV4abcd; HttpOnly; Path=/; SameSite=Lax".into(),
            ),
            ("content-length".into(), "97".into()),
        ],
        body: r#"{"user":"alice","role":"customer","remembered_by":"replica a's memory (local mode)"}"#
            .into(),
        elapsed: Duration::from_millis(12),
    }
}

fn orders_answer(replica: &str, status: u16) -> Exchange {
    Exchange {
        status,
        headers: vec![("x-served-by".into(), replica.into())],
        body: if status == 200 {
            r#"{"orders":[]}"#.into()
        } else {
            format!(
                r#"{{"error":"unauthorized","reason":"session sid=…abcd unknown to replica {replica} (local memory)"}}"#
            )
        },
        elapsed: Duration::from_millis(3),
    }
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Runs a key through the mapping and the update, like the event loop.
fn press(s: &mut State, ev: Event) -> Vec<Effect> {
    match event::map(s, &ev) {
        Some(a) => update(s, a),
        None => vec![],
    }
}

fn send_effects(fx: &[Effect]) -> Vec<(SavedRequest, usize)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Console(ConsoleEffect::Send { req, times, .. }) => Some((req.clone(), *times)),
            _ => None,
        })
        .collect()
}

// ---- tokens built here, signed with a fixed key ----

fn signing() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn jwks() -> String {
    let x = URL_SAFE_NO_PAD.encode(signing().verifying_key().to_bytes());
    serde_json::json!({"keys": [{
        "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA", "kid": KID, "x": x,
    }]})
    .to_string()
}

fn make_token(iat: i64, exp: i64, kid: &str) -> String {
    let der = signing().to_pkcs8_der().unwrap();
    let key = jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(kid.into());
    let claims = serde_json::json!({
        "sub": "bob", "role": "user", "iat": iat, "exp": exp,
        "jti": "q1w2e3r4t5y6", "iss": "forgetful-lab", "badge": "kestrel-42",
    });
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

fn valid_token() -> String {
    make_token(NOW - 180, NOW + 720, KID)
}

fn inspector(token: &str) -> State {
    let mut s = state(80, 24);
    s.last_token = Some(token.into());
    update(&mut s, Action::Console(C::OpenInspector));
    update(&mut s, Action::Inspector(I::Jwks(Ok(jwks()))));
    update(
        &mut s,
        Action::Inspector(I::Clock {
            now: NOW,
            offset_secs: 0,
        }),
    );
    s
}

// ---- screens ----

#[test]
fn console_with_a_response() {
    let mut s = state(80, 24);
    s.focused_request = Some(0);
    update(&mut s, Action::SendRequest);
    let fx = update(&mut s, Action::Console(C::Send));
    assert_eq!(send_effects(&fx).len(), 1);
    let batch = s.console.batch;
    update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(login_answer()),
        }),
    );
    let text = screen(&s);
    assert_snapshot!(text);
    // X-Served-By and Set-Cookie stand out (reverse video without colour).
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| draw(&s, f)).unwrap();
    let buf = t.backend().buffer();
    let row = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle} on screen")) as u16
    };
    for needle in ["x-served-by: a", "set-cookie: sid=", "content-type"] {
        let y = row(needle);
        let x = text
            .lines()
            .nth(usize::from(y))
            .unwrap()
            .find(needle)
            .unwrap() as u16;
        let reversed = buf[(x, y)].modifier.contains(Modifier::REVERSED);
        assert_eq!(reversed, needle != "content-type", "{needle}");
    }
}

#[test]
fn inspector_valid_token() {
    let s = inspector(&valid_token());
    let text = screen(&s);
    assert!(text.contains("✓ verifies"), "{text}");
    assert!(text.contains("kestrel-42") && text.contains("NOT encrypted"));
    assert!(text.contains("expires in 12 min") && text.contains("issued 3 min ago"));
    assert_snapshot!(text);
}

#[test]
fn inspector_tampered_token() {
    let mut s = inspector(&valid_token());
    update(
        &mut s,
        Action::Inspector(I::Focus(Some(InspField::Payload))),
    );
    assert_eq!(s.inspector.focus, Some(InspField::Payload));
    let edited: Vec<String> = s
        .inspector
        .payload
        .lines()
        .iter()
        .map(|l| l.replace("\"user\"", "\"admin\""))
        .collect();
    s.inspector.payload = TextArea::from(edited);
    update(&mut s, Action::Inspector(I::ApplyEdit));
    let text = screen(&s);
    assert!(text.contains("✗ refused: tampered"), "{text}");
    assert!(text.contains("\"role\": \"admin\""), "{text}");
    assert_snapshot!(text);
}

#[test]
fn inspector_expired_token() {
    let s = inspector(&make_token(NOW - 1080, NOW - 180, KID));
    let text = screen(&s);
    assert!(text.contains("✗ refused: expired 3 min ago"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn tools_at_tiny_sizes_do_not_panic() {
    for (w, h) in [(1, 1), (20, 5), (2, 2), (5, 40), (300, 3), (40, 8), (60, 6)] {
        for tool in [C::OpenConsole, C::OpenInspector] {
            let mut s = inspector(&valid_token());
            update(&mut s, Action::Console(tool));
            s.size = (w, h);
            s.console.response = Some(Ok(login_answer()));
            s.console.tally = vec!["a 200".into(), "b 401".into()];
            let _ = screen(&s);
            update(
                &mut s,
                Action::Inspector(I::Focus(Some(InspField::Payload))),
            );
            let _ = screen(&s);
            update(&mut s, Action::Inspector(I::Focus(Some(InspField::Paste))));
            let _ = screen(&s);
            update(&mut s, Action::ToggleHelp);
            let _ = screen(&s);
        }
    }
}

// ---- transitions ----

#[test]
fn jar_keeps_sid_until_cleared_or_logged_out() {
    let mut s = state(80, 24);
    s.console.batch = 1;
    update(
        &mut s,
        Action::Console(C::Answer {
            batch: 1,
            result: Ok(login_answer()),
        }),
    );
    assert_eq!(s.console.jars.sid_for(None), Some("Zm9vYmFyYmF6cXV4abcd"));
    assert!(
        screen(&{
            let mut t = s.clone();
            t.tool = Some(Tool::Console);
            t
        })
        .contains("jar: sid=…abcd")
    );
    // Attached unless the request sets its own cookie.
    let r = SavedRequest {
        method: "GET".into(),
        path: "/orders".into(),
        ..Default::default()
    };
    let sent = console::with_jar(&r, &s.console.jars);
    assert_eq!(
        sent.headers,
        [("Cookie".to_string(), "sid=Zm9vYmFyYmF6cXV4abcd".to_string())]
    );
    let own = SavedRequest {
        headers: vec![("cookie".into(), "sid=mine".into())],
        ..r.clone()
    };
    assert_eq!(
        console::with_jar(&own, &s.console.jars).headers,
        own.headers
    );
    update(&mut s, Action::Console(C::ClearJar));
    assert_eq!(s.console.jars.sid_for(None), None);
}

// Logging in as bob from the console fills bob's own jar: alice's sid never goes along
// with bob's requests, and J switches back to her.
#[test]
fn a_second_login_gets_its_own_jar() {
    let mut s = state(80, 24);
    s.lab.url = Some("http://127.0.0.1:7878".into());
    s.tool = Some(Tool::Console);
    let login = |s: &mut State, who: &str, sid: &str| {
        console::fill(
            &mut s.console,
            &SavedRequest {
                method: "POST".into(),
                path: "/login".into(),
                body: format!(r#"{{"username":"{who}","password":"pw"}}"#),
                ..Default::default()
            },
        );
        update(s, Action::Console(C::Send));
        let batch = s.console.batch;
        let answer = Exchange {
            headers: vec![("set-cookie".into(), format!("sid={sid}; Path=/"))],
            ..orders_answer("a", 200)
        };
        update(
            s,
            Action::Console(C::Answer {
                batch,
                result: Ok(answer),
            }),
        );
    };
    login(&mut s, "alice", "ALICE1");
    login(&mut s, "bob", "BOB2");
    // bob's login itself carried no cookie: he had no jar yet.
    let sent = s.console.sent.clone().unwrap();
    assert!(
        !sent.req.headers.iter().any(|(k, _)| k == "Cookie"),
        "{:?}",
        sent.req.headers
    );
    assert_eq!(s.console.jars.current().unwrap().name, "bob");
    assert_eq!(s.console.jars.sid_for(None), Some("BOB2"));
    assert!(screen(&s).contains("jar bob"), "{}", screen(&s));
    update(&mut s, Action::Console(C::NextJar));
    update(&mut s, Action::Console(C::NextJar));
    assert_eq!(s.console.jars.sid_for(None), Some("ALICE1"));
    // v shows the request exactly as it went out.
    update(&mut s, Action::Console(C::ToggleSent));
    let shown = screen(&s);
    assert!(shown.contains("> POST /login HTTP/1.1"), "{shown}");
    assert!(shown.contains(r#"> {"username":"bob""#), "{shown}");
}

// Typed as people type: the body on the request line, or a whole curl pasted in. The line
// stays as typed (so the next request starts clean); `v` shows what it was read as.
#[test]
fn request_line_shorthand_and_pasted_curl_fill_the_fields() {
    let mut s = state(80, 24);
    s.lab.url = Some("http://127.0.0.1:7878".into());
    update(&mut s, Action::Console(C::OpenConsole));
    assert_eq!(s.console.focus, Some(Field::Line));
    s.console.line = TextArea::from([
        r#"curl -s -X POST http://127.0.0.1:7878/login -H 'Content-Type: application/json' -d '{"username":"alice","password":"wonderland"}'"#,
    ]);
    let fx = update(&mut s, Action::Console(C::Send));
    let (req, _) = send_effects(&fx)[0].clone();
    assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/login"));
    assert_eq!(
        req.headers,
        [("Content-Type".to_string(), "application/json".to_string())]
    );
    assert_eq!(req.body, r#"{"username":"alice","password":"wonderland"}"#);
    assert!(s.console.body.is_empty() && s.console.headers.is_empty());
    update(&mut s, Action::Console(C::ToggleSent));
    assert!(screen(&s).contains("> Content-Type: application/json"));
    // A JSON body on the line gets its Content-Type, as with httpie or curl --json.
    s.console.line = TextArea::from([r#"/login {"username":"bob","password":"builder"}"#]);
    let fx = update(&mut s, Action::Console(C::Send));
    let (req, _) = send_effects(&fx)[0].clone();
    assert_eq!(req.method, "POST");
    assert!(
        req.headers
            .contains(&("Content-Type".into(), "application/json".into()))
    );
    s.console.body = TextArea::from([r#"{"username":"alice"}"#]);
    // A bare path with a body is a POST; with a body in the field too, it asks to keep one.
    s.console.line = TextArea::from([r#"/login {"username":"bob"}"#]);
    update(&mut s, Action::Console(C::Send));
    assert_eq!(
        s.status.as_deref(),
        Some("two bodies: one on the request line and one in the body field; keep one")
    );
}

#[test]
fn history_recalls_within_bounds_and_is_capped() {
    let mut c = ConsoleState::default();
    for p in ["/a", "/b", "/c"] {
        console::push_history(
            &mut c,
            SavedRequest {
                method: "GET".into(),
                path: p.into(),
                ..Default::default()
            },
        );
    }
    console::fill(
        &mut c,
        &SavedRequest {
            method: "POST".into(),
            path: "/draft".into(),
            ..Default::default()
        },
    );
    let line = |c: &ConsoleState| c.line.lines()[0].clone();
    console::history_prev(&mut c);
    assert_eq!(line(&c), "GET /c");
    for _ in 0..5 {
        console::history_prev(&mut c);
    }
    assert_eq!((line(&c), c.hist_pos), ("GET /a".into(), Some(0)));
    console::history_next(&mut c);
    console::history_next(&mut c);
    assert_eq!(line(&c), "GET /c");
    console::history_next(&mut c);
    assert_eq!((line(&c), c.hist_pos), ("POST /draft".into(), None));
    console::history_next(&mut c);
    assert_eq!(
        line(&c),
        "POST /draft",
        "past the newest stays on the draft"
    );
    // Re-sending moves an entry to the end instead of duplicating it; the cap holds.
    console::push_history(
        &mut c,
        SavedRequest {
            method: "GET".into(),
            path: "/a".into(),
            ..Default::default()
        },
    );
    assert_eq!(c.history.len(), 3);
    assert_eq!(c.history[2].path, "/a");
    for i in 0..150 {
        console::push_history(
            &mut c,
            SavedRequest {
                method: "GET".into(),
                path: format!("/{i}"),
                ..Default::default()
            },
        );
    }
    assert_eq!(c.history.len(), HISTORY_CAP);
    assert_eq!(c.history.last().unwrap().path, "/149");
}

#[test]
fn repeat_sends_n_times_and_tallies_each_answer() {
    let mut s = state(80, 24);
    console::fill(
        &mut s.console,
        &SavedRequest {
            method: "GET".into(),
            path: "/orders".into(),
            ..Default::default()
        },
    );
    s.tool = Some(Tool::Console);
    let fx = press(&mut s, key(KeyCode::Char('R')));
    let sends = send_effects(&fx);
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].1, console::REPEAT);
    let batch = s.console.batch;
    for (r, st) in [("a", 200), ("b", 401), ("c", 401), ("a", 200)] {
        update(
            &mut s,
            Action::Console(C::Answer {
                batch,
                result: Ok(orders_answer(r, st)),
            }),
        );
    }
    assert_eq!(s.console.tally, ["a 200", "b 401", "c 401", "a 200"]);
    assert_eq!(
        s.console.refusals,
        [
            "b 401: session sid=…abcd unknown to replica b (local memory)",
            "c 401: session sid=…abcd unknown to replica c (local memory)"
        ]
    );
    assert_eq!(s.console.pending, 2);
    let text = screen(&s);
    assert!(
        text.contains("×6: a 200 · b 401 · c 401 · a 200 …"),
        "{text}"
    );
    // An answer from an older batch does not join this tally.
    update(
        &mut s,
        Action::Console(C::Answer {
            batch: batch - 1,
            result: Ok(orders_answer("b", 200)),
        }),
    );
    assert_eq!(s.console.tally.len(), 4);
}

#[test]
fn claim_edit_keeps_header_and_signature() {
    let t = valid_token();
    let d = token::decode(&t).unwrap();
    let mut payload = d.payload.clone();
    payload["role"] = "admin".into();
    let forged = token::forge(&t, &payload.to_string()).unwrap();
    let f = token::decode(&forged).unwrap();
    assert_eq!(f.parts[0], d.parts[0], "same header bytes");
    assert_eq!(f.parts[2], d.parts[2], "same signature");
    assert_ne!(f.parts[1], d.parts[1]);
    assert_eq!(f.claim_str("role"), Some("admin"));
    assert!(
        token::verify(&forged, &jwks(), NOW)
            .unwrap_err()
            .starts_with("tampered")
    );
    // Through the inspector: s sends the edited token on GET /orders.
    let mut s = inspector(&t);
    s.inspector.edited = Some(forged.clone());
    let fx = update(&mut s, Action::Inspector(I::SendToken));
    let sends = send_effects(&fx);
    assert_eq!(s.tool, Some(Tool::Console));
    assert_eq!(sends[0].0.path, "/orders");
    assert!(
        sends[0]
            .0
            .headers
            .contains(&("Authorization".into(), format!("Bearer {forged}")))
    );
}

#[test]
fn verify_explains_every_refusal() {
    let good = valid_token();
    assert_eq!(token::verify(&good, &jwks(), NOW), Ok(KID.to_string()));
    let unknown = make_token(NOW, NOW + 600, "feedf00d");
    assert!(
        token::verify(&unknown, &jwks(), NOW)
            .unwrap_err()
            .starts_with("unknown kid \"feedf00d\"")
    );
    let rest = good.split_once('.').unwrap().1;
    let none = format!("{}.{rest}", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#));
    assert!(
        token::verify(&none, &jwks(), NOW)
            .unwrap_err()
            .starts_with("alg none is not accepted")
    );
    let hs = format!(
        "{}.{rest}",
        URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","kid":"{KID}"}}"#))
    );
    assert!(
        token::verify(&hs, &jwks(), NOW)
            .unwrap_err()
            .starts_with("alg HS256 is not accepted")
    );
    assert_eq!(
        token::verify("hello", &jwks(), NOW).unwrap_err(),
        token::NOT_A_JWT
    );
    assert!(
        token::verify(&good, &jwks(), NOW + 721)
            .unwrap_err()
            .starts_with("expired")
    );
}

// In token mode a card goes out with the token the console's login got: sent straight from
// its prediction, it would otherwise carry nothing and settle the prediction wrongly.
#[test]
fn in_token_mode_a_card_carries_the_jar_token() {
    let mut s = state(80, 24);
    let mut st = crate::tui::tests::lab_state();
    st.mode = crate::api::Mode::Token;
    update(&mut s, Action::LabState(Box::new(st)));
    s.console.batch = 1;
    s.console.sent = Some(console::Sent {
        batch: 1,
        req: SavedRequest::default(),
        login_as: Some("alice".into()),
    });
    update(
        &mut s,
        Action::Console(C::Answer {
            batch: 1,
            result: Ok(Exchange {
                body: r#"{"token":"aaa.bbb.ccc"}"#.into(),
                ..orders_answer("a", 200)
            }),
        }),
    );
    // The GET /orders card (a login card never carries a token).
    update(&mut s, Action::NextRequest);
    update(&mut s, Action::NextRequest);
    let fx = press(&mut s, key(KeyCode::Char('S')));
    let (req, _) = send_effects(&fx)[0].clone();
    assert!(
        req.headers
            .contains(&("Authorization".into(), "Bearer aaa.bbb.ccc".into())),
        "{:?}",
        req.headers
    );
}

#[test]
fn request_block_prefills_the_console_and_s_sends_it() {
    let mut s = state(80, 24);
    update(&mut s, Action::NextRequest);
    assert_eq!(s.focused_request, Some(0));
    let fx = press(&mut s, key(KeyCode::Char('S')));
    assert_eq!(s.tool, Some(Tool::Console));
    assert_eq!(s.console.line.lines(), ["POST /login"]);
    assert_eq!(
        s.console.headers.lines(),
        ["Content-Type: application/json"]
    );
    let sends = send_effects(&fx);
    assert_eq!(
        sends,
        [(
            SavedRequest {
                method: "POST".into(),
                path: "/login".into(),
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: r#"{"username": "alice", "password": "wonderland"}"#.into(),
            },
            1
        )]
    );
}

#[test]
fn editors_take_the_keys_until_esc() {
    let mut s = state(80, 24);
    press(&mut s, key(KeyCode::Char('c')));
    assert_eq!(s.tool, Some(Tool::Console));
    assert_eq!(
        s.console.focus,
        Some(Field::Line),
        "an empty console starts editing"
    );
    for ch in "GET /me q".chars() {
        press(&mut s, key(KeyCode::Char(ch)));
    }
    assert!(!s.quit, "q is typed, not quit");
    assert_eq!(s.console.line.lines(), ["GET /me q"]);
    press(&mut s, key(KeyCode::Backspace));
    press(&mut s, key(KeyCode::Backspace));
    press(&mut s, key(KeyCode::Tab));
    assert_eq!(s.console.focus, Some(Field::Headers));
    let fx = press(&mut s, ctrl('s'));
    assert_eq!(send_effects(&fx)[0].0.path, "/me");
    assert_eq!(s.console.focus, None);
    press(&mut s, key(KeyCode::Char('t')));
    assert_eq!(s.tool, Some(Tool::Inspector));
    press(&mut s, key(KeyCode::Esc));
    assert_eq!(s.tool, None, "Esc goes back to the reader");
}

#[test]
fn reader_keys_in_a_tool_say_where_they_work() {
    let mut s = state(80, 24);
    update(&mut s, Action::NextRequest);
    update(&mut s, Action::NextRequest);
    press(&mut s, key(KeyCode::Enter));
    assert_eq!(s.tool, Some(Tool::Console));
    // Opening puts the cursor in the request line, always; Esc leaves editing.
    assert_eq!(s.console.focus, Some(Field::Line));
    press(&mut s, key(KeyCode::Esc));
    assert_eq!(s.console.focus, None);
    // `m` and `o` mean nothing in the console: no lab call, but the status line says why.
    for (c, what) in [('m', "mode"), ('o', "problem"), ('1', "replica")] {
        let fx = press(&mut s, key(KeyCode::Char(c)));
        assert!(fx.is_empty(), "{c}: {fx:?}");
        assert_eq!(s.tool, Some(Tool::Console), "{c} leaves the console open");
        assert_eq!(
            s.status.as_deref(),
            Some(format!("Esc first: {c} ({what}) is a reader key").as_str())
        );
    }
    // The console's own keys are untouched: R repeats, it does not revoke.
    let fx = press(&mut s, key(KeyCode::Char('R')));
    assert_eq!(send_effects(&fx).len(), 1);
    assert_eq!(send_effects(&fx)[0].1, console::REPEAT);
    // While an editor has the keyboard, a letter is typing, not a hint.
    press(&mut s, key(KeyCode::Tab));
    s.status = None;
    press(&mut s, key(KeyCode::Char('m')));
    assert_eq!(s.status, None);
    assert!(s.console.line.lines()[0].ends_with('m'));
    // In the inspector `r` re-verifies (its own key); `a` is the reader's attacker.
    press(&mut s, key(KeyCode::Esc));
    press(&mut s, key(KeyCode::Char('t')));
    assert_eq!(s.tool, Some(Tool::Inspector));
    let fx = press(&mut s, key(KeyCode::Char('r')));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Console(ConsoleEffect::FetchJwks)))
    );
    press(&mut s, key(KeyCode::Char('a')));
    assert_eq!(
        s.status.as_deref(),
        Some("Esc first: a (attacker) is a reader key")
    );
}

#[test]
fn a_response_with_control_characters_is_drawn_escaped() {
    let mut s = state(80, 24);
    s.focused_request = Some(0);
    update(&mut s, Action::SendRequest);
    update(&mut s, Action::Console(C::Send));
    let batch = s.console.batch;
    let answer = Exchange {
        status: 401,
        headers: vec![("x-note".into(), "a\u{9b}31m".into())],
        // Not JSON: printed as it came.
        body: "unknown user x\u{1b}[31mRED\u{1b}]0;pwned\u{7}".into(),
        elapsed: Duration::from_millis(2),
    };
    update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(answer),
        }),
    );
    let text = screen(&s);
    assert!(!text.contains(['\u{1b}', '\u{7}', '\u{9b}']), "{text}");
    assert!(text.contains(r"x-note: a\u{9b}31m"), "{text}");
    assert!(
        text.contains(r"unknown user x\u{1b}[31mRED\u{1b}]0;pwned\u{7}"),
        "{text}"
    );
}

#[test]
fn an_empty_request_line_sends_nothing_and_says_so() {
    let mut s = state(80, 24);
    s.lab.state = Some(crate::tui::tests::fake(80, 24).lab.state.unwrap());
    press(&mut s, key(KeyCode::Char('c')));
    assert_eq!(s.tool, Some(Tool::Console));
    // The dim placeholder reads as an example, not as a request.
    let text = screen(&s);
    assert!(text.contains("▶request  e.g. GET /me"), "{text}");
    // Enter while editing, Ctrl-S, and Enter after Esc: nothing is sent, each time a
    // complete message on the top line at 80 columns.
    for (i, ev) in [
        key(KeyCode::Enter),
        ctrl('s'),
        key(KeyCode::Esc),
        key(KeyCode::Enter),
    ]
    .into_iter()
    .enumerate()
    {
        s.status = None;
        let fx = press(&mut s, ev);
        assert!(send_effects(&fx).is_empty(), "key {i}: {fx:?}");
        if i == 2 {
            continue;
        }
        let top = screen(&s).lines().next().unwrap().to_string();
        assert!(
            top.ends_with("empty request: type e.g. GET /me"),
            "key {i}: {top}"
        );
        assert_eq!(
            s.console.focus,
            Some(Field::Line),
            "back to the request line"
        );
    }
    // A method alone says what is missing, as briefly.
    s.console.line = TextArea::from(["GET"]);
    press(&mut s, key(KeyCode::Enter));
    let top = screen(&s).lines().next().unwrap().to_string();
    assert!(top.ends_with("no path: type e.g. GET /me"), "{top}");
}

const PREDICTING: &str = "# Sessions\n\nLog in, then ask again.\n\n\
```predict\nWhich replica answers the next GET /orders?\n- [replica=a] a, where you logged in\n- [replica=b] b, the next in turn\n- [status=401] none of them\nanswer: 2\nwhy: The balancer deals requests in turn.\n```\n\n\
```http\nGET /orders\n```\n\n\
```predict\nIs HTTP itself keeping your login?\n- yes\n- no\nanswer: 2\nwhy: Each request stands alone.\n```\n";

/// Predict, then run: sending a card with an unanswered prediction asks it first; the pick
/// sends the request, and the lab's answer settles it and is recorded.
#[test]
fn a_prediction_comes_before_its_request_and_the_lab_settles_it() {
    let mut s = state(100, 30);
    s.lessons[0].source = PREDICTING.into();
    s.rendered = None;
    update(&mut s, Action::Resize(100, 30));
    assert_eq!(s.rendered.as_ref().unwrap().predictions.len(), 2);
    update(&mut s, Action::NextRequest);
    // S (send) on the card opens its prediction instead of sending.
    let fx = press(&mut s, key(KeyCode::Char('S')));
    assert!(fx.is_empty(), "{fx:?}");
    assert_eq!(s.overlay, Some(Overlay::Predict(0)));
    let shown = screen(&s);
    assert!(shown.contains("Which replica answers"), "{shown}");
    assert!(
        !shown.contains("deals requests in turn"),
        "the why waits: {shown}"
    );
    // 2 picks "b" and sends the request.
    let fx = press(&mut s, key(KeyCode::Char('2')));
    assert_eq!(s.overlay, None);
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::Console(ConsoleEffect::Send { .. }))),
        "{fx:?}"
    );
    // The lab answers from c with a 401: the pick was wrong, and it is recorded.
    let batch = s.console.batch;
    let fx = update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(orders_answer("c", 401)),
        }),
    );
    let status = s.status.clone().unwrap_or_default();
    assert!(
        status.contains("✗") && status.contains("401 from c"),
        "{status}"
    );
    assert!(status.contains("deals requests in turn"), "{status}");
    // The whole verdict shows in its own box, wrapped, until a key.
    assert_eq!(s.overlay, Some(Overlay::PredictResult));
    let shown = screen(&s);
    assert!(
        shown.contains("Not this time") && shown.contains("deals requests in"),
        "{shown}"
    );
    let recorded = fx.iter().find_map(|e| match e {
        Effect::RecordPrediction(k, r) => Some((k.clone(), r.clone())),
        _ => None,
    });
    let (k, r) = recorded.expect("recorded");
    assert_eq!(k, "04-sessions#1");
    assert!(!r.right);
    // The card can now be sent without asking again.
    let fx = press(&mut s, key(KeyCode::Esc));
    let _ = fx;
    // P answers the one without a request: settled by the lesson's answer.
    update(&mut s, Action::Console(C::Close));
    update(&mut s, Action::Predict);
    assert_eq!(s.overlay, Some(Overlay::Predict(1)));
    let fx = update(&mut s, Action::PredictChoose(1));
    assert!(
        s.status.as_deref().unwrap_or("").starts_with("✓ right"),
        "{:?}",
        s.status
    );
    // Every prediction of the lesson answered: it counts as read, unscrolled.
    assert!(
        matches!(&fx[..], [Effect::RecordPrediction(k, r), Effect::MarkRead(l)] if k == "04-sessions#2" && r.right && l == "04-sessions"),
        "{fx:?}"
    );
    assert!(s.read.contains("04-sessions"));
    assert_eq!(s.overlay, Some(Overlay::PredictResult));
    update(&mut s, Action::CloseOverlay);
    update(&mut s, Action::Predict);
    assert_eq!(s.overlay, None, "nothing left to predict");
}

/// `G` in the lab pane goes to the newest journal entry; it never scrolls the hidden reader
/// to the bottom, which would mark a lesson read that nobody saw.
#[test]
fn bottom_in_the_lab_pane_does_not_mark_the_hidden_lesson_read() {
    let mut s = state(80, 24);
    update(&mut s, Action::ToggleLab);
    let fx = press(&mut s, key(KeyCode::Char('G')));
    assert!(
        !fx.iter().any(|e| matches!(e, Effect::MarkRead(_))),
        "{fx:?}"
    );
    assert!(s.read.is_empty());
    assert_eq!(s.journal_back, 0, "G follows the newest entry");
}

/// A message too long for the top line is cut there, but `:` shows it whole, wrapped.
#[test]
fn the_message_log_keeps_every_message_whole() {
    let mut s = state(80, 24);
    let long = "revoked alice: 1 shared session(s) and 0 local session(s) deleted; every token issued to them until now is refused on every replica (denylist on)";
    update(&mut s, Action::Status(long.into()));
    let top = screen(&s).lines().next().unwrap_or_default().to_string();
    assert!(
        top.trim_end().ends_with("… (:)"),
        "cut between words: {top}"
    );
    press(&mut s, key(KeyCode::Char(':')));
    assert_eq!(s.overlay, Some(Overlay::Messages));
    let shown = screen(&s);
    assert!(
        shown.contains("(denylist on)") && shown.contains("token issued to them until now"),
        "{shown}"
    );
    press(&mut s, key(KeyCode::Char('x')));
    assert_eq!(s.overlay, None);
}

// O sends as a page on another site: the jar's cookie and a foreign Origin, shown in the
// title; the lab's CSRF check is what refuses it.
#[test]
fn o_sends_as_another_site() {
    let mut s = state(80, 24);
    s.lab.url = Some("http://127.0.0.1:7878".into());
    s.tool = Some(Tool::Console);
    let fx = update(&mut s, Action::Console(C::ToggleCrossSite));
    assert!(fx.is_empty(), "O itself sends nothing");
    assert!(screen(&s).contains("from another site"), "{}", screen(&s));
    // The words say it is a mode and what sends (it once read like a request in flight).
    let status = s.status.clone().unwrap_or_default();
    assert!(
        status.starts_with("cross-site mode on")
            && status.contains("Enter")
            && !status.starts_with("sending"),
        "{status}"
    );
    let help: Vec<_> = console::CONSOLE_HELP
        .iter()
        .filter(|(k, _)| *k == "O")
        .collect();
    assert!(help[0].1.starts_with("cross-site mode"), "{help:?}");
    s.console.line = TextArea::from([r#"POST /orders {"item":"tea"}"#]);
    let fx = update(&mut s, Action::Console(C::Send));
    let (req, _) = send_effects(&fx)[0].clone();
    assert!(
        req.headers
            .contains(&("Origin".into(), console::CROSS_SITE_ORIGIN.into())),
        "{:?}",
        req.headers
    );
    // A refusal in the mode says how to leave it (an admin card sent with the mode still on
    // is refused as a web page's).
    let batch = s.console.batch;
    update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(orders_answer("b", 403)),
        }),
    );
    assert!(
        s.status.as_deref().unwrap().contains("O turns it off"),
        "{:?}",
        s.status
    );
    update(&mut s, Action::Console(C::ToggleCrossSite));
    s.console.line = TextArea::from(["GET /me"]);
    let fx = update(&mut s, Action::Console(C::Send));
    assert!(
        !send_effects(&fx)[0]
            .0
            .headers
            .iter()
            .any(|(k, _)| k == "Origin")
    );
}

// n forges the alg-none token lesson 15 asks for: the same payload, a header saying none,
// no signature; s would send it.
#[test]
fn n_forges_an_alg_none_token_from_the_inspected_one() {
    let mut s = state(80, 24);
    let t = valid_token();
    s.last_token = Some(t.clone());
    s.tool = Some(Tool::Inspector);
    update(
        &mut s,
        Action::Inspector(I::Forge(crate::tui::inspector::Forgery::AlgNone)),
    );
    let forged = s.inspector.edited.clone().expect("a forged token");
    let parts: Vec<&str> = forged.split('.').collect();
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[1], t.split('.').nth(1).unwrap(), "same payload");
    assert_eq!(parts[2], "", "no signature");
    let header = URL_SAFE_NO_PAD.decode(parts[0]).unwrap();
    assert_eq!(header, br#"{"alg":"none","typ":"JWT"}"#);
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .starts_with("forged: header alg none")
    );
}

// h and K make lesson 15's two HS256 forgeries: h needs the issuer's public key, so with no
// JWKS yet it fetches one and says to press again; K needs nothing.
#[test]
fn h_and_capital_k_forge_the_hs256_tokens() {
    let mut s = state(80, 24);
    let t = valid_token();
    s.last_token = Some(t.clone());
    s.tool = Some(Tool::Inspector);
    let header = |tok: &str| -> serde_json::Value {
        serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(tok.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap()
    };

    let fx = update(
        &mut s,
        Action::Inspector(I::Forge(crate::tui::inspector::Forgery::Hs256PublicKey)),
    );
    assert!(s.inspector.edited.is_none(), "nothing to sign with yet");
    assert!(format!("{fx:?}").contains("FetchJwks"), "{fx:?}");
    assert!(s.status.as_deref().unwrap().contains("press h again"));
    s.inspector.jwks = Some(Ok(jwks()));
    update(
        &mut s,
        Action::Inspector(I::Forge(crate::tui::inspector::Forgery::Hs256PublicKey)),
    );
    let forged = s.inspector.edited.clone().expect("an HS256 token");
    assert_eq!(header(&forged)["alg"], "HS256");
    assert_eq!(
        forged.split('.').nth(1),
        t.split('.').nth(1),
        "same payload"
    );

    s.inspector.edited = None;
    update(
        &mut s,
        Action::Inspector(I::Forge(crate::tui::inspector::Forgery::KidPath)),
    );
    let forged = s.inspector.edited.clone().expect("a kid-path token");
    assert_eq!(header(&forged)["kid"], crate::tui::token::KID_PATH_FORGERY);
    assert!(s.status.as_deref().unwrap().contains("kid-path"));
}

// Lesson 15: n forges the alg-none copy, then e edits *that* token: the none header and
// the empty signature stay, only the payload changes (it once went back to the signed one).
#[test]
fn e_after_n_edits_the_forged_token() {
    let t = valid_token();
    let mut s = inspector(&t);
    press(&mut s, key(KeyCode::Char('n')));
    let forged = s.inspector.edited.clone().expect("forged");
    press(&mut s, key(KeyCode::Char('e')));
    assert_eq!(s.inspector.focus, Some(InspField::Payload));
    let mut payload = token::decode(&forged).unwrap().payload;
    payload["sub"] = "bob".into();
    payload["role"] = "admin".into();
    let pretty = serde_json::to_string_pretty(&payload).unwrap();
    s.inspector.payload = TextArea::from(pretty.lines());
    press(&mut s, key(KeyCode::Esc));
    let edited = s.inspector.edited.clone().expect("an edited token");
    let d = token::decode(&edited).unwrap();
    let f = token::decode(&forged).unwrap();
    assert_eq!(d.parts[0], f.parts[0], "the none header stays");
    assert_eq!(d.parts[2], "", "the signature stays empty");
    assert_eq!(d.claim_str("sub"), Some("bob"));
    assert_eq!(d.claim_str("role"), Some("admin"));
    // Esc again without a change keeps the edit; s sends exactly it.
    press(&mut s, key(KeyCode::Char('e')));
    press(&mut s, key(KeyCode::Esc));
    assert_eq!(s.inspector.edited.as_deref(), Some(edited.as_str()));
    let fx = press(&mut s, key(KeyCode::Char('s')));
    assert!(
        send_effects(&fx)[0]
            .0
            .headers
            .contains(&("Authorization".into(), format!("Bearer {edited}")))
    );
}

const TOKEN_LESSON: &str = "# Refresh\n\nAsk first.\n\n\
```predict\nA minute after a 20-second token was issued, GET /orders with it?\n- 200: still fresh\n- 401: expired\nanswer: 2\nwhy: exp lies 20 s after iat.\n```\n\n\
```http\nGET /orders\n```\n\n\
```predict\nAn untagged question with prose after it?\n- yes\n- no\nanswer: 1\nwhy: Because.\n```\n\n\
Some prose.\n\n\
```http\nPOST /token/refresh\nContent-Type: application/json\n\n{\"refresh_token\": \"PASTE-YOUR-REFRESH-TOKEN\"}\n```\n";

// Lessons 13-15: in token mode a card whose prediction names no status (settled by the
// lesson's answer) still asks it before anything is sent, with a token in the jar too.
#[test]
fn an_untagged_prediction_comes_before_its_card_in_token_mode() {
    let mut s = state(80, 24);
    s.lessons[0].source = TOKEN_LESSON.into();
    s.rendered = None;
    update(&mut s, Action::Resize(80, 24));
    let mut st = crate::tui::tests::lab_state();
    st.mode = crate::api::Mode::Token;
    update(&mut s, Action::LabState(Box::new(st)));
    s.console.jars.learn(
        Some("alice"),
        &Exchange {
            body: r#"{"token":"aaa.bbb.ccc"}"#.into(),
            ..orders_answer("a", 200)
        },
    );
    let preds = &s.rendered.as_ref().unwrap().predictions;
    assert_eq!(preds[0].request, Some(0), "the card right after it");
    assert_eq!(preds[1].request, None, "prose between: P answers it");
    update(&mut s, Action::NextRequest);
    let fx = press(&mut s, key(KeyCode::Char('S')));
    assert!(send_effects(&fx).is_empty(), "nothing sent before the pick");
    assert_eq!(s.overlay, Some(Overlay::Predict(0)));
    // The pick sends the card, with the token.
    let fx = press(&mut s, key(KeyCode::Char('2')));
    let (req, _) = send_effects(&fx)[0].clone();
    assert!(req.headers.iter().any(|(k, _)| k == "Authorization"));
    let batch = s.console.batch;
    let fx = update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(orders_answer("b", 401)),
        }),
    );
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::RecordPrediction(k, r) if k == "04-sessions#1" && r.right)
        ),
        "{fx:?}"
    );
    assert!(
        s.status.as_deref().unwrap().contains("401 from b"),
        "{:?}",
        s.status
    );
}

// Enter on a card with a prediction: the pick opens the card for editing (a refresh token
// to paste) instead of sending it; the card's own send settles the pick, another does not.
#[test]
fn enter_keeps_the_pick_until_the_card_itself_is_sent() {
    let mut s = state(80, 24);
    s.lessons[0].source = PREDICTING.into();
    s.rendered = None;
    update(&mut s, Action::Resize(80, 24));
    update(&mut s, Action::NextRequest);
    let fx = press(&mut s, key(KeyCode::Enter));
    assert!(fx.is_empty());
    assert_eq!(s.overlay, Some(Overlay::Predict(0)));
    let fx = press(&mut s, key(KeyCode::Char('3')));
    assert!(
        send_effects(&fx).is_empty(),
        "Enter opens, it does not send"
    );
    assert_eq!(s.tool, Some(Tool::Console));
    assert!(s.pending_prediction.is_some());
    // Something else typed and sent first does not settle it.
    s.console.line = TextArea::from(["GET /me"]);
    update(&mut s, Action::Console(C::Send));
    let batch = s.console.batch;
    let fx = update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(orders_answer("a", 401)),
        }),
    );
    assert!(!fx.iter().any(|e| matches!(e, Effect::RecordPrediction(..))));
    assert!(s.pending_prediction.is_some());
    // The card itself does.
    s.console.line = TextArea::from(["GET /orders"]);
    update(&mut s, Action::Console(C::Send));
    let batch = s.console.batch;
    let fx = update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(orders_answer("c", 401)),
        }),
    );
    assert!(
        fx.iter().any(
            |e| matches!(e, Effect::RecordPrediction(k, r) if k == "04-sessions#1" && r.right)
        ),
        "{fx:?}"
    );
}

const BOB_LESSON: &str = "# Roles\n\n\
```http\nPOST /login\nContent-Type: application/json\n\n{\"username\": \"bob\", \"password\": \"builder\"}\n```\n\n\
```http\nGET /orders/all\n```\n\n\
```http\nPOST /token/refresh\nContent-Type: application/json\n\n{\"refresh_token\": \"PASTE-YOUR-REFRESH-TOKEN\"}\n```\n";

fn token_answer(token: &str) -> Exchange {
    Exchange {
        body: format!(r#"{{"token":"{token}","refresh_token":"r"}}"#),
        ..orders_answer("a", 200)
    }
}

// Lesson 14: bob's jar never shows or sends alice's token. His token-mode login goes out
// with no bearer at all, its answer fills his jar, and the next card carries his token.
#[test]
fn a_new_users_jar_never_carries_another_users_token() {
    let mut s = state(80, 24);
    s.lessons[0].source = BOB_LESSON.into();
    s.rendered = None;
    update(&mut s, Action::Resize(80, 24));
    let mut st = crate::tui::tests::lab_state();
    st.mode = crate::api::Mode::Token;
    update(&mut s, Action::LabState(Box::new(st)));
    // alice logged in with a token earlier (lesson 13); then bob in shared mode (a cookie).
    s.console
        .jars
        .learn(Some("alice"), &token_answer("alice.tok.en"));
    s.last_token = Some("alice.tok.en".into());
    s.console.jars.learn(Some("bob"), &login_answer());
    assert_eq!(s.console.jars.current().unwrap().name, "bob");
    s.tool = Some(Tool::Console);
    let shown = screen(&s);
    assert!(
        shown.contains("token: none"),
        "bob's jar has no token: {shown}"
    );
    assert!(
        !shown.contains("…n.en") && !shown.contains("tok.en"),
        "{shown}"
    );
    update(&mut s, Action::Console(C::AttachBearer));
    assert!(
        s.console
            .headers
            .lines()
            .iter()
            .all(|l| !l.contains("Bearer")),
        "b attaches nothing from another jar"
    );
    // His token-mode login: no Authorization header.
    update(&mut s, Action::Console(C::Close));
    update(&mut s, Action::NextRequest);
    let fx = press(&mut s, key(KeyCode::Char('S')));
    let (req, _) = send_effects(&fx)[0].clone();
    assert!(
        !req.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization")),
        "{:?}",
        req.headers
    );
    let batch = s.console.batch;
    update(
        &mut s,
        Action::Console(C::Answer {
            batch,
            result: Ok(token_answer("bob.tok.en")),
        }),
    );
    let bob = s.console.jars.current().unwrap();
    assert_eq!(
        (bob.name.as_str(), bob.token.as_deref()),
        ("bob", Some("bob.tok.en"))
    );
    assert_eq!(bob.sid, None, "a new login replaces the jar's old cookie");
    // The next card carries bob's token.
    update(&mut s, Action::Console(C::Close));
    update(&mut s, Action::NextRequest);
    let fx = press(&mut s, key(KeyCode::Char('S')));
    let (req, _) = send_effects(&fx)[0].clone();
    assert!(
        req.headers
            .contains(&("Authorization".into(), "Bearer bob.tok.en".into())),
        "{:?}",
        req.headers
    );
}

// Lesson 13: the refresh card goes to POST /token/refresh with the refresh token in its
// body and no bearer, even in token mode with an (expired) access token in the jar; and the
// title names the key that sends from the field being edited.
#[test]
fn the_refresh_card_carries_no_bearer_and_the_title_names_the_sending_key() {
    let mut s = state(80, 24);
    s.lessons[0].source = BOB_LESSON.into();
    s.rendered = None;
    update(&mut s, Action::Resize(80, 24));
    let mut st = crate::tui::tests::lab_state();
    st.mode = crate::api::Mode::Token;
    update(&mut s, Action::LabState(Box::new(st)));
    s.console
        .jars
        .learn(Some("alice"), &token_answer("alice.tok.en"));
    update(&mut s, Action::NextRequest);
    update(&mut s, Action::NextRequest);
    update(&mut s, Action::NextRequest);
    assert_eq!(s.focused_request, Some(2));
    press(&mut s, key(KeyCode::Enter));
    assert_eq!(s.tool, Some(Tool::Console));
    assert!(
        s.console
            .headers
            .lines()
            .iter()
            .all(|l| !l.contains("Bearer")),
        "{:?}",
        s.console.headers.lines()
    );
    let top = |s: &State| screen(s).lines().nth(1).unwrap_or_default().to_string();
    assert!(top(&s).contains("Enter sends"), "{}", top(&s));
    press(&mut s, key(KeyCode::BackTab));
    assert_eq!(s.console.focus, Some(Field::Body));
    assert!(top(&s).contains("Ctrl-S sends"), "{}", top(&s));
    assert!(!top(&s).contains("Enter sends"), "{}", top(&s));
    let fx = press(&mut s, ctrl('s'));
    let (req, _) = send_effects(&fx)[0].clone();
    assert_eq!(req.path, "/token/refresh");
    assert!(!req.headers.iter().any(|(k, _)| k == "Authorization"));
}

// A record from before the rule (every prediction answered, the end never reached) counts
// the lesson read at start; one prediction left open does not.
#[test]
fn a_lesson_with_every_prediction_answered_counts_as_read() {
    let lessons = vec![LessonItem {
        id: "04-sessions".into(),
        number: 4,
        title: "Sessions".into(),
        source: PREDICTING.into(),
    }];
    let read = std::collections::HashSet::new();
    let mut predicted = crate::tui::predict::Answered::new();
    predicted.insert("04-sessions#1".into(), true);
    assert!(crate::tui::predict::read_by_predictions(&lessons, &read, &predicted).is_empty());
    predicted.insert("04-sessions#2".into(), false);
    assert_eq!(
        crate::tui::predict::read_by_predictions(&lessons, &read, &predicted),
        ["04-sessions"]
    );
}

// A bearer token is longer than the headers box is wide: its lines wrap, so the end of
// the header is on screen rather than cut at the box's edge.
#[test]
fn a_long_header_wraps_instead_of_being_cut() {
    let mut s = state(80, 24);
    s.tool = Some(Tool::Console);
    let token = format!("{}TAILMARK", "a".repeat(140));
    console::fill(
        &mut s.console,
        &console::SavedRequest {
            method: "GET".into(),
            path: "/orders".into(),
            headers: vec![("Authorization".into(), format!("Bearer {token}"))],
            body: String::new(),
        },
    );
    s.console.focus = None;
    let shown = screen(&s);
    assert!(shown.contains("TAILMARK"), "{shown}");
}

// After `POST /login {…}`, typing `GET /orders` over the request line must not send the
// password along (nor keep it for "copy as curl"): a GET's stale body and its Content-Type
// are cleared, and the status says so.
#[test]
fn a_get_typed_after_a_login_does_not_carry_the_logins_body() {
    let mut s = state(80, 24);
    s.lab.url = Some("http://127.0.0.1:7878".into());
    s.tool = Some(Tool::Console);
    console::fill(
        &mut s.console,
        &SavedRequest {
            method: "POST".into(),
            path: "/login".into(),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-Trace".into(), "1".into()),
            ],
            body: r#"{"username":"alice","password":"wonderland"}"#.into(),
        },
    );
    s.console.line = TextArea::from(["GET /orders".to_string()]);
    let fx = update(&mut s, Action::Console(C::Send));
    let sent = send_effects(&fx);
    assert_eq!(sent.len(), 1, "{fx:?}");
    let (req, _) = &sent[0];
    assert_eq!((req.method.as_str(), req.path.as_str()), ("GET", "/orders"));
    assert!(req.body.is_empty(), "{req:?}");
    assert!(
        !req.headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type")),
        "{req:?}"
    );
    assert!(
        req.headers.iter().any(|(k, _)| k == "X-Trace"),
        "other headers stay"
    );
    assert!(s.console.body.lines().join("").is_empty());
    assert!(
        s.status.as_deref().unwrap_or("").contains("sends no body"),
        "{:?}",
        s.status
    );
    // A POST keeps its body.
    console::fill(
        &mut s.console,
        &SavedRequest {
            method: "POST".into(),
            path: "/login".into(),
            body: r#"{"username":"bob","password":"builder"}"#.into(),
            ..Default::default()
        },
    );
    let fx = update(&mut s, Action::Console(C::Send));
    assert!(send_effects(&fx)[0].0.body.contains("bob"));
}

/// `P` opens the first open prediction up to the bottom of the screen: one whose question
/// has just scrolled off the top comes before one further down.
#[test]
fn p_opens_the_prediction_just_scrolled_past_first() {
    let mut s = state(100, 30);
    s.lessons[0].source = PREDICTING.into();
    s.rendered = None;
    update(&mut s, Action::Resize(100, 30));
    let lines: Vec<usize> = s
        .rendered
        .as_ref()
        .unwrap()
        .predictions
        .iter()
        .map(|p| p.line)
        .collect();
    // The first question just above the top of the screen, the second in view.
    s.scroll = lines[0] + 1;
    assert!(lines[1] >= s.scroll);
    update(&mut s, Action::Predict);
    assert_eq!(s.overlay, Some(Overlay::Predict(0)));
}

/// An answered prediction says so in the reader (right or not); an open one does not.
#[test]
fn answered_predictions_are_marked_in_the_reader() {
    let mut s = state(100, 30);
    s.lessons[0].source = PREDICTING.into();
    s.rendered = None;
    update(&mut s, Action::Resize(100, 30));
    let id = s.lesson().unwrap().id.clone();
    s.predicted
        .insert(crate::progress::prediction_key(&id, 0), true);
    let text = screen(&s);
    let line = |q: &str| {
        text.lines()
            .find(|l| l.contains(q))
            .unwrap_or_else(|| panic!("{q} in\n{text}"))
            .to_string()
    };
    // The first one's "(in the app: …)" line now says it is answered; the second keeps it.
    assert!(line("✓ answered").contains("your pick was right"), "{text}");
    assert_eq!(text.matches("(in the app:").count(), 1, "{text}");
}

/// At a narrow width the "(in the app: …)" hint wraps; once answered, none of it is left.
#[test]
fn an_answered_predictions_wrapped_hint_goes_whole() {
    let mut s = state(60, 30);
    s.lessons[0].source = PREDICTING.into();
    s.rendered = None;
    update(&mut s, Action::Resize(60, 30));
    let id = s.lesson().unwrap().id.clone();
    s.predicted
        .insert(crate::progress::prediction_key(&id, 0), false);
    let text = screen(&s);
    assert!(text.contains("✗ answered"), "{text}");
    assert!(!text.contains("before you send"), "{text}");
}
