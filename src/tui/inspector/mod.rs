//! The token inspector (`t`): its state, keys and `update`. What it does to a token (decode,
//! verify against the JWKS, edit, forge) is `tui::token`; drawing is `views::inspector`. It
//! shares the console's sending: `s` puts the token on `GET /orders` there and sends it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::tui::action::{Action, Effect};
use crate::tui::console::{self, ConsoleAction, ConsoleEffect, SavedRequest, Tool};
use crate::tui::state::State;
use crate::tui::token;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InspField {
    Paste,
    Payload,
}

#[derive(Debug, Clone, Default)]
pub struct InspectorState {
    /// A token pasted by the learner; when not empty it is the one inspected.
    pub paste: TextArea<'static>,
    /// The payload being edited.
    pub payload: TextArea<'static>,
    pub focus: Option<InspField>,
    /// The edited copy (new payload, original signature).
    pub edited: Option<String>,
    /// The lab's JWKS as fetched, or why it could not be.
    pub jwks: Option<Result<String, String>>,
    /// Unix time of the last refresh, for expiry and "in 12 min".
    pub now: i64,
    /// Local UTC offset in seconds, for showing `iat`/`exp`.
    pub offset_secs: i32,
    pub scroll: usize,
}

impl InspectorState {
    pub fn pasted(&self) -> Option<String> {
        let t: String = self.paste.lines().concat();
        let t = t.trim();
        (!t.is_empty()).then(|| t.to_string())
    }
}

/// The token the inspector shows, and where it came from.
pub fn current_token(s: &State) -> Option<(String, &'static str)> {
    if let Some(e) = &s.inspector.edited {
        // h and K sign their forgeries (HS256, with a key anyone has); n and e do not.
        let alg = token::decode(e).ok().and_then(|d| {
            d.header
                .get("alg")
                .and_then(|a| a.as_str().map(str::to_string))
        });
        let how = match alg.as_deref() {
            Some("HS256") => "forged here: HS256 with a key anyone has, not the issuer's",
            Some(a) if a.eq_ignore_ascii_case("none") => "forged here: alg none, no signature",
            _ => "edited here, NOT re-signed",
        };
        return Some((e.clone(), how));
    }
    if let Some(p) = s.inspector.pasted() {
        return Some((p, "pasted"));
    }
    s.last_token
        .clone()
        .map(|t| (t, "the last one the console received"))
}

#[derive(Debug, Clone, PartialEq)]
pub enum InspectorAction {
    /// A key for the focused editor (the paste box or the payload).
    Key(KeyEvent),
    Focus(Option<InspField>),
    /// Leave the payload editor and make the edited token from it.
    ApplyEdit,
    DropEdit,
    /// Re-head the inspected (or edited) token the way one weak verifier accepts.
    Forge(Forgery),
    ClearPaste,
    /// Put the inspected token on `GET /orders` in the console and send it.
    SendToken,
    Refetch,
    Scroll(i64),
    Jwks(Result<String, String>),
    Clock {
        now: i64,
        offset_secs: i32,
    },
}

fn ia(a: InspectorAction) -> Option<Action> {
    Some(Action::Inspector(a))
}

/// The inspector's keys while it is open (the console's `key` hands them over).
pub fn key(s: &State, k: &KeyEvent) -> Option<Action> {
    use InspectorAction as I;
    use KeyCode::*;
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    let send_key = (ctrl && k.code == Char('s')) || (alt && k.code == Enter);
    match (s.inspector.focus, k.code) {
        (_, Char('c')) if ctrl => Some(Action::Quit),
        (Some(InspField::Payload), _) if send_key => ia(I::ApplyEdit),
        (Some(InspField::Payload), Esc) => ia(I::ApplyEdit),
        (Some(InspField::Paste), Esc | Enter) => ia(I::Focus(None)),
        (Some(_), _) => ia(I::Key(*k)),
        (None, _) if send_key => ia(I::SendToken),
        (None, _) if ctrl => None,
        (None, Esc) => Some(Action::Console(ConsoleAction::Close)),
        (None, Char('p')) => ia(I::Focus(Some(InspField::Paste))),
        (None, Char('x')) => ia(I::ClearPaste),
        (None, Char('e')) => ia(I::Focus(Some(InspField::Payload))),
        (None, Char('u')) => ia(I::DropEdit),
        (None, Char('n')) => ia(I::Forge(Forgery::AlgNone)),
        (None, Char('h')) => ia(I::Forge(Forgery::Hs256PublicKey)),
        (None, Char('K')) => ia(I::Forge(Forgery::KidPath)),
        (None, Char('s')) => ia(I::SendToken),
        (None, Char('r')) => ia(I::Refetch),
        (None, Char('c')) => Some(Action::Console(ConsoleAction::OpenConsole)),
        (None, Char('j') | Down) => ia(I::Scroll(1)),
        (None, Char('k') | Up) => ia(I::Scroll(-1)),
        (None, PageDown | Char(' ')) => ia(I::Scroll(10)),
        (None, PageUp) => ia(I::Scroll(-10)),
        (None, Char('g') | Home) => ia(I::Scroll(i64::MIN / 2)),
        (None, Char('?')) => Some(Action::ToggleHelp),
        (None, Char('q')) => Some(Action::Quit),
        (None, _) => None,
    }
}

pub fn update(s: &mut State, a: InspectorAction) -> Vec<Effect> {
    use InspectorAction as I;
    let mut out = Vec::new();
    match a {
        I::Key(k) => match s.inspector.focus {
            Some(InspField::Paste) => {
                crate::tui::readline::input(&mut s.inspector.paste, k.into());
                s.inspector.edited = None;
            }
            Some(InspField::Payload) => {
                crate::tui::readline::input(&mut s.inspector.payload, k.into());
            }
            None => {}
        },
        I::Focus(f) => {
            if f == Some(InspField::Payload) {
                match current_token(s).map(|(t, _)| token::decode(&t)) {
                    Some(Ok(d)) => {
                        let pretty = serde_json::to_string_pretty(&d.payload).unwrap_or_default();
                        s.inspector.payload = TextArea::from(pretty.lines());
                    }
                    _ => {
                        s.status = Some(
                            "no token to edit: get one from the console or paste one (p)".into(),
                        );
                        return out;
                    }
                }
            }
            s.inspector.focus = f;
        }
        I::ApplyEdit => {
            s.inspector.focus = None;
            // Edit the token as the inspector shows it now: after `n`, the forged one, so
            // its none header and empty signature stay (lesson 15 edits that copy).
            let Some((base, _)) = current_token(s) else {
                return out;
            };
            match token::forge(&base, &s.inspector.payload.lines().join("\n")) {
                // Nothing changed: the token stays what it was (an earlier edit included).
                Ok(t) if t == base => {}
                Ok(t) => {
                    let none = token::decode(&t).is_ok_and(|d| {
                        d.header.get("alg").and_then(|a| a.as_str()) == Some("none")
                    });
                    s.inspector.edited = Some(t);
                    s.status = Some(if none {
                        "edited: the same none header and empty signature, new payload · s sends it"
                            .into()
                    } else {
                        "edited: same header, same signature, new payload · s sends it".into()
                    });
                }
                Err(e) => s.status = Some(e),
            }
        }
        I::DropEdit => s.inspector.edited = None,
        I::Forge(kind) => {
            let base = s
                .inspector
                .edited
                .clone()
                .or_else(|| s.inspector.pasted())
                .or_else(|| s.last_token.clone());
            let Some(base) = base else {
                s.status =
                    Some("no token to forge: get one from the console or paste one (p)".into());
                return out;
            };
            let forged = match kind {
                Forgery::AlgNone => token::forge_alg_none(&base),
                Forgery::KidPath => token::forge_kid_path(&base),
                Forgery::Hs256PublicKey => match &s.inspector.jwks {
                    Some(Ok(jwks)) => token::forge_hs256_public_key(&base, jwks),
                    _ => {
                        // The public key comes from the lab's JWKS, like anyone would get it.
                        out.push(fx(ConsoleEffect::FetchJwks));
                        s.status =
                            Some("fetching the JWKS for its public key: press h again".into());
                        return out;
                    }
                },
            };
            match forged {
                Ok(t) => {
                    s.inspector.edited = Some(t);
                    s.status = Some(kind.done().into());
                }
                Err(e) => s.status = Some(e),
            }
        }
        I::ClearPaste => {
            s.inspector.paste = TextArea::default();
            s.inspector.edited = None;
        }
        I::SendToken => match current_token(s) {
            Some((t, _)) => {
                console::fill(
                    &mut s.console,
                    &SavedRequest {
                        method: "GET".into(),
                        path: "/orders".into(),
                        headers: vec![("Authorization".into(), format!("Bearer {t}"))],
                        body: String::new(),
                    },
                );
                s.console.focus = None;
                s.tool = Some(Tool::Console);
                out.extend(console::send_current(s, 1));
            }
            None => s.status = Some("no token to send".into()),
        },
        I::Refetch => out.push(fx(ConsoleEffect::FetchJwks)),
        I::Scroll(n) => {
            s.inspector.scroll =
                (s.inspector.scroll as i64).saturating_add(n).clamp(0, 200) as usize;
        }
        I::Jwks(r) => s.inspector.jwks = Some(r),
        I::Clock { now, offset_secs } => {
            s.inspector.now = now;
            s.inspector.offset_secs = offset_secs;
        }
    }
    out
}

fn fx(e: ConsoleEffect) -> Effect {
    Effect::Console(e)
}

pub const INSPECTOR_HELP: &[(&str, &str)] = &[
    ("", "Token inspector (t)"),
    ("e", "edit the payload (Esc makes the token)"),
    ("s Ctrl-S", "send the token on GET /orders"),
    ("u", "drop the edit"),
    (
        "n",
        "forge: the same payload with alg none and no signature",
    ),
    (
        "h",
        "forge: HS256 signed with the issuer's public key from the JWKS",
    ),
    ("K", "forge: HS256, kid pointing at /dev/null, an empty key"),
    ("p x", "paste a token · clear it"),
    ("r", "fetch the JWKS and verify again"),
    ("j k PgDn PgUp g", "scroll"),
    ("c", "request console"),
];

/// The forged tokens the inspector makes, one for each weak verifier of lesson 15 that
/// a forger can sign for (no-exp needs no forging: an expired token of one's own will do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forgery {
    /// `alg: none`, no signature.
    AlgNone,
    /// HS256 with the issuer's public key as the HMAC secret.
    Hs256PublicKey,
    /// HS256 with an empty key, `kid` naming `/dev/null`.
    KidPath,
}

impl Forgery {
    fn done(self) -> &'static str {
        match self {
            Forgery::AlgNone => {
                "forged: header alg none, no signature · s sends it (only a weak verifier takes it)"
            }
            Forgery::Hs256PublicKey => {
                "forged: HS256 signed with the issuer's public key · s sends it (only the hs256-public-key weakness takes it)"
            }
            Forgery::KidPath => {
                "forged: HS256, kid ../../../../dev/null, empty key · s sends it (only the kid-path weakness takes it)"
            }
        }
    }
}
