//! Everything that can happen, and what it does to the state.
//!
//! `update` is pure: it changes `State` and returns `Effect`s (lab calls, saving progress)
//! for the event loop to carry out. Their results come back as more actions.

use crate::api::{JournalEntry, LabState, Mode, Policy};
use crate::client::ReplicaAction;

use super::course_adapter;
use super::layout;
use super::state::{JOURNAL_CAP, Overlay, Pane, RenderedLesson, State};

/// The demo user the attacker and revoke act on.
pub const VICTIM: &str = "alice";

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Quit,
    Resize(u16, u16),
    /// Reader lines; negative scrolls up.
    Scroll(i64),
    PageDown,
    PageUp,
    Top,
    Bottom,
    NextLesson,
    PrevLesson,
    OpenLesson(usize),
    NextRequest,
    PrevRequest,
    SendRequest,
    /// `P`: answer the next prediction of the lesson.
    Predict,
    /// `:`: the message log, every status message in full.
    ToggleMessages,
    /// A choice (0-based) for the prediction on screen.
    PredictChoose(usize),
    /// Journal lines back from the tail; negative goes towards the newest.
    ScrollJournal(i64),
    ToggleLab,
    ToggleHelp,
    /// Help overlay lines; negative scrolls up.
    ScrollHelp(i64),
    CloseOverlay,
    CycleMode,
    TogglePolicy,
    SelectReplica(usize),
    NextReplica,
    PrevReplica,
    Replica(ReplicaAction),
    ToggleDenylist,
    ToggleAttacker,
    Revoke,
    Status(String),
    /// The request console and token inspector.
    Console(super::console::ConsoleAction),
    Inspector(super::inspector::InspectorAction),
    // From the world outside the keyboard.
    LabStarted {
        url: String,
        note: Option<String>,
    },
    LabFailed(String),
    LabState(Box<LabState>),
    /// `/admin/state` read whole: the state and the lab's token settings.
    LabFullState(Box<crate::api::FullLabState>),
    LabUnreachable(String),
    Journal(Box<JournalEntry>),
    LabDone {
        message: Result<String, String>,
        state: Option<Box<LabState>>,
    },
    /// The problem workspace (see `super::workspace`).
    Work(super::workspace::WorkAction),
    /// The load pane (see `super::load`).
    Load(super::load::LoadAction),
}

/// A call to the lab's admin interface (through `client::LabClient`).
#[derive(Debug, Clone, PartialEq)]
pub enum LabCall {
    SetMode(Mode),
    SetPolicy(Policy),
    Replica(String, ReplicaAction),
    SetDenylist(bool),
    StartAttacker(String),
    StopAttacker,
    Revoke(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Lab(LabCall),
    /// Re-read `/admin/state` (the loop debounces bursts).
    RefreshState,
    /// Sending, clipboard, JWKS, history file: for `console::io`.
    Console(super::console::ConsoleEffect),
    SaveProgress,
    MarkRead(String),
    /// A prediction answered: key (`lesson#n`) and what happened.
    RecordPrediction(String, crate::progress::PredictionRecord),
    Quit,
    Work(super::workspace::WorkEffect),
    /// Start or stop the load pane's runs (see `super::load::io`).
    Load(super::load::LoadEffect),
}

pub fn update(s: &mut State, a: Action) -> Vec<Effect> {
    let before = s.status.clone();
    let fx = update_inner(s, a);
    // Every message the top line showed is kept whole in the message log (`:`), where it
    // wraps: the top line may have to cut a long one.
    if s.status != before
        && let Some(m) = &s.status
    {
        if s.messages.len() == MESSAGE_LOG {
            s.messages.pop_front();
        }
        s.messages.push_back(m.clone());
    }
    fx
}

/// Messages the log keeps.
pub const MESSAGE_LOG: usize = 100;

fn update_inner(s: &mut State, a: Action) -> Vec<Effect> {
    let mut fx = Vec::new();
    match a {
        Action::Quit => {
            s.quit = true;
            fx.extend(super::workspace::on_quit(s));
            fx.extend([Effect::SaveProgress, Effect::Quit]);
        }
        Action::Resize(w, h) => {
            s.size = (w, h);
            ensure_rendered(s);
            clamp_scroll(s);
        }
        Action::Scroll(n) => scroll_by(s, n, &mut fx),
        Action::PageDown => scroll_by(s, page(s), &mut fx),
        Action::PageUp => scroll_by(s, -page(s), &mut fx),
        Action::Top => scroll_by(s, i64::MIN / 2, &mut fx),
        Action::Bottom => scroll_by(s, i64::MAX / 2, &mut fx),
        Action::NextLesson => {
            if s.current + 1 < s.lessons.len() {
                open_lesson(s, s.current + 1, &mut fx);
            } else {
                s.status = Some("this is the last lesson".into());
            }
        }
        Action::PrevLesson => {
            if s.current > 0 {
                open_lesson(s, s.current - 1, &mut fx);
            } else {
                s.status = Some("this is the first lesson".into());
            }
        }
        Action::OpenLesson(i) => {
            if i < s.lessons.len() {
                fx.extend(super::workspace::close(s));
                open_lesson(s, i, &mut fx);
            }
        }
        Action::NextRequest => move_request(s, 1),
        Action::PrevRequest => move_request(s, -1),
        Action::SendRequest => fx.extend(super::console::update(
            s,
            super::console::ConsoleAction::OpenBlock { send: false },
        )),
        Action::Console(c) => fx.extend(super::console::update(s, c)),
        Action::Inspector(a) => fx.extend(super::inspector::update(s, a)),
        Action::ScrollJournal(n) => {
            let max = s.journal.len().saturating_sub(1) as i64;
            s.journal_back = (s.journal_back as i64 + n).clamp(0, max) as usize;
        }
        Action::ToggleLab => {
            s.pane = match s.pane {
                Pane::Reader => Pane::Lab,
                Pane::Lab => {
                    // Leaving the lab pane ends reading back: the journal follows what
                    // happens next again, as lessons and problems ask you to watch it.
                    s.journal_back = 0;
                    Pane::Reader
                }
            };
            clamp_scroll(s);
        }
        Action::Predict => super::predict::open(s),
        Action::ToggleMessages => {
            s.overlay = match s.overlay {
                Some(Overlay::Messages) => None,
                _ => Some(Overlay::Messages),
            };
        }
        Action::PredictChoose(n) => fx.extend(super::predict::choose(s, n)),
        Action::ToggleHelp => {
            s.overlay = match s.overlay {
                Some(_) => None,
                None => Some(Overlay::Help),
            };
            s.help_scroll = 0;
        }
        Action::ScrollHelp(n) => {
            let max = super::help::view_of(s).max_scroll as i64;
            s.help_scroll = (s.help_scroll as i64).saturating_add(n).clamp(0, max) as usize;
        }
        Action::CloseOverlay => s.overlay = None,
        Action::CycleMode => {
            if let Some(st) = lab_or_warn(s) {
                let next = match st.mode {
                    Mode::Local => Mode::Shared,
                    Mode::Shared => Mode::Token,
                    Mode::Token => Mode::Local,
                };
                fx.push(Effect::Lab(LabCall::SetMode(next)));
                expect(s, |st| st.mode = next);
            }
        }
        Action::TogglePolicy => {
            if let Some(st) = lab_or_warn(s) {
                let next = match st.policy {
                    Policy::RoundRobin => Policy::Sticky,
                    Policy::Sticky => Policy::RoundRobin,
                };
                fx.push(Effect::Lab(LabCall::SetPolicy(next)));
                expect(s, |st| st.policy = next);
            }
        }
        Action::SelectReplica(i) => {
            if i < s.replicas().len() {
                s.selected_replica = i;
                say_selected(s);
            }
        }
        Action::NextReplica => {
            let n = s.replicas().len().max(1);
            s.selected_replica = (s.selected_replica + 1) % n;
            say_selected(s);
        }
        Action::PrevReplica => {
            let n = s.replicas().len().max(1);
            s.selected_replica = (s.selected_replica + n - 1) % n;
            say_selected(s);
        }
        Action::Replica(act) => {
            if lab_or_warn(s).is_some() {
                match s.selected_replica_name() {
                    Some(name) => fx.push(Effect::Lab(LabCall::Replica(name.to_string(), act))),
                    None => s.status = Some("no replica selected".into()),
                }
            }
        }
        Action::ToggleDenylist => {
            if let Some(st) = lab_or_warn(s) {
                fx.push(Effect::Lab(LabCall::SetDenylist(!st.denylist)));
                expect(s, |st| st.denylist = !st.denylist);
            }
        }
        Action::ToggleAttacker => {
            if let Some(st) = lab_or_warn(s) {
                fx.push(Effect::Lab(if st.attacker.running {
                    LabCall::StopAttacker
                } else {
                    LabCall::StartAttacker(VICTIM.into())
                }));
                expect(s, |st| st.attacker.running = !st.attacker.running);
            }
        }
        Action::Revoke => {
            if lab_or_warn(s).is_some() {
                fx.push(Effect::Lab(LabCall::Revoke(VICTIM.into())));
            }
        }
        Action::Status(m) => s.status = Some(m),
        Action::LabStarted { url, note } => {
            if let Some(n) = note.as_deref().filter(|n| n.contains("taken")) {
                let port = url.rsplit(':').next().unwrap_or_default();
                s.status = Some(format!("{n}; lab on :{port}"));
            }
            let moved = url != DEFAULT_LAB_URL;
            s.lab.url = Some(url);
            s.lab.note = note;
            s.lab.error = None;
            if moved {
                // Re-render so the lesson's curl lines point at this lab.
                s.rendered = None;
                ensure_rendered(s);
            }
        }
        Action::LabFailed(e) => {
            s.lab.error = Some(e.clone());
            s.status = Some(e);
        }
        Action::LabState(st) => set_lab_state(s, *st),
        Action::LabFullState(full) => {
            let full = *full;
            s.lab.security = Some(full.security);
            set_lab_state(s, full.lab);
        }
        Action::LabUnreachable(e) => s.lab.error = Some(e),
        Action::Journal(e) => {
            fx.extend(super::workspace::on_journal(s, &e));
            super::load::on_journal(s, &e);
            s.journal.push_back(*e);
            while s.journal.len() > JOURNAL_CAP {
                s.journal.pop_front();
            }
            // Someone scrolled back to read: keep the lines they are reading still.
            if s.journal_back > 0 {
                s.journal_back = (s.journal_back + 1).min(s.journal.len().saturating_sub(1));
            }
            fx.push(Effect::RefreshState);
        }
        Action::LabDone { message, state } => {
            s.status = Some(match message {
                Ok(m) => m,
                Err(e) => format!("lab: {e}"),
            });
            if let Some(st) = state {
                set_lab_state(s, *st);
            }
        }
        Action::Work(w) => fx.extend(super::workspace::update(s, w)),
        Action::Load(l) => fx.extend(super::load::update(s, l)),
    }
    fx
}

fn set_lab_state(s: &mut State, st: LabState) {
    s.lab.expected = None;
    s.lab.url.get_or_insert_with(|| st.balancer_url.clone());
    s.lab.error = None;
    s.selected_replica = s.selected_replica.min(st.replicas.len().saturating_sub(1));
    s.lab.state = Some(st);
}

/// The selection shows only as an underline in the top bar (and in the lab pane, which a
/// narrow screen hides), so the status line names it and what the next key does.
fn say_selected(s: &mut State) {
    if let Some(name) = s.selected_replica_name().map(str::to_string) {
        s.status = Some(format!(
            "replica {name} selected · r restart · x stop · u start"
        ));
    }
}

/// Records what a control will change once the lab has done it, so a second quick press
/// (`m m`) moves on from the first instead of sending the same change twice. The screen keeps
/// showing the lab's own state (a learner acts on what it says); the lab's next state clears
/// the expectation.
fn expect(s: &mut State, change: impl FnOnce(&mut LabState)) {
    if let Some(mut st) = s.lab.expected.clone().or_else(|| s.lab.state.clone()) {
        change(&mut st);
        s.lab.expected = Some(st);
    }
}

fn lab_or_warn(s: &mut State) -> Option<LabState> {
    match s.lab.expected.as_ref().or(s.lab.state.as_ref()) {
        Some(st) => Some(st.clone()),
        None => {
            s.status = Some("the lab is not reachable yet".into());
            None
        }
    }
}

/// Renders the current lesson if the width changed or nothing is rendered yet.
/// The address lessons and problem statements are written against.
pub use crate::api::DEFAULT_LAB_URL;

pub fn ensure_rendered(s: &mut State) {
    let Some(lesson) = s.lessons.get(s.current) else {
        s.rendered = None;
        return;
    };
    let area = layout::reader_text(s.size.0, s.size.1, s.pane);
    if s.rendered
        .as_ref()
        .is_some_and(|r| r.lesson == s.current && r.width == area.width)
    {
        return;
    }
    // Keep the reader near the same place when a resize rewraps the text.
    let old = s
        .rendered
        .as_ref()
        .filter(|r| r.lesson == s.current)
        .map(|r| r.text.lines.len());
    // Lessons name the default address in their curl lines; show the lab this app runs.
    let source = crate::api::with_flags(
        &crate::api::at_lab(&lesson.source, s.lab.url.as_deref()),
        s.command_flags.as_deref(),
    );
    let (text, requests, predictions) = course_adapter::render_lesson(&source, area.width, s.color);
    if let Some(old) = old.filter(|&o| o > 0) {
        s.scroll = s.scroll * text.lines.len() / old;
    }
    if s.focused_request.is_some_and(|i| i >= requests.len()) {
        s.focused_request = None;
    }
    s.rendered = Some(RenderedLesson {
        lesson: s.current,
        width: area.width,
        text,
        requests,
        predictions,
    });
}

pub(crate) fn viewport(s: &State) -> usize {
    usize::from(layout::reader_text(s.size.0, s.size.1, s.pane).height)
}

pub fn max_scroll(s: &State) -> usize {
    s.line_count().saturating_sub(viewport(s).max(1))
}

fn page(s: &State) -> i64 {
    viewport(s).saturating_sub(2).max(1) as i64
}

fn clamp_scroll(s: &mut State) {
    s.scroll = s.scroll.min(max_scroll(s));
}

fn scroll_by(s: &mut State, n: i64, fx: &mut Vec<Effect>) {
    let max = max_scroll(s) as i64;
    s.scroll = (s.scroll as i64).saturating_add(n).clamp(0, max) as usize;
    check_read(s, fx);
}

/// Reaching the bottom of a lesson counts as reading it.
fn check_read(s: &mut State, fx: &mut Vec<Effect>) {
    if s.rendered.is_none() || s.scroll < max_scroll(s) {
        return;
    }
    if let Some(id) = s.lesson().map(|l| l.id.clone())
        && s.read.insert(id.clone())
    {
        fx.push(Effect::MarkRead(id));
    }
}

pub fn open_lesson(s: &mut State, i: usize, fx: &mut Vec<Effect>) {
    s.current = i;
    s.scroll = 0;
    s.focused_request = None;
    ensure_rendered(s);
    fx.push(Effect::SaveProgress);
}

/// Moves the highlight to the next/previous request block and scrolls it into view.
fn move_request(s: &mut State, dir: i64) {
    let Some(r) = &s.rendered else { return };
    let n = r.requests.len();
    if n == 0 {
        s.status = Some("this lesson has no runnable requests".into());
        return;
    }
    let next = match (s.focused_request, dir > 0) {
        (None, true) => r.requests.iter().position(|&l| l >= s.scroll).unwrap_or(0),
        (None, false) => r
            .requests
            .iter()
            .rposition(|&l| l < s.scroll + viewport(s))
            .unwrap_or(n - 1),
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
    };
    let line = r.requests[next];
    s.focused_request = Some(next);
    // Say which block has the highlight: reverse video alone is easy to miss.
    let what = s
        .lesson()
        .and_then(|l| {
            course_adapter::request_blocks(&l.source)
                .into_iter()
                .nth(next)
        })
        .map(|b| format!(": {} {}", b.method, b.path))
        .unwrap_or_default();
    s.status = Some(format!(
        "request {}/{n}{what} · Enter opens · S sends",
        next + 1
    ));
    // The card's prediction sits just above it: bring the question into view with it.
    let top = s
        .rendered
        .as_ref()
        .and_then(|r| r.predictions.iter().find(|p| p.request == Some(next)))
        .map_or(line, |p| p.line.min(line));
    let vp = viewport(s).max(1);
    if top < s.scroll || line >= s.scroll + vp {
        // Show the block a little below the top, with its context (and question) above.
        s.scroll = top.saturating_sub(vp / 8).min(line.saturating_sub(vp / 4));
        clamp_scroll(s);
    }
}
