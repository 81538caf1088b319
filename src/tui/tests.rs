//! Screens from fixed data (no lab), and state transitions.

use insta::assert_snapshot;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::action::{Action, Effect, LabCall, update};
use super::draw::draw;
use super::state::*;
use crate::api::*;
use crate::client::ReplicaAction;

const LESSON: &str = "# Sessions\n\nA session is a number the server remembers for you. \
It lives in one replica's memory unless you put it somewhere shared.\n\n## Try it\n\nLog in:\n\n\
```http\nPOST /login\nContent-Type: application/json\n\n{\"username\": \"alice\", \"password\": \"wonderland\"}\n```\n\n\
Then ask for your orders, a few times:\n\n```http\nGET /orders\n```\n\n\
- round-robin sends each request to the next replica\n- sticky pins you to one\n\n\
Watch `X-Served-By` change.\n";

fn replica(name: &str, up: bool, sessions: usize, served: u64, last: Option<u16>) -> ReplicaStatus {
    ReplicaStatus {
        name: name.into(),
        port: 40000,
        url: format!("http://127.0.0.1:4000{name}"),
        up,
        local_sessions: sessions,
        served,
        last_status: last,
    }
}

fn entry(
    id: u64,
    source: Source,
    method: &str,
    path: &str,
    status: u16,
    replica: &str,
    reason: Option<&str>,
) -> JournalEntry {
    JournalEntry {
        id,
        time: "2025-01-01T10:00:00.000Z".into(),
        ts_ms: 0,
        kind: EntryKind::Request,
        source,
        method: method.into(),
        path: path.into(),
        status,
        replica: Some(replica.into()),
        mode: Mode::Local,
        user: Some("alice".into()),
        reason: reason.map(Into::into),
        latency_ms: 1.0,
        credential: CredentialKind::Cookie,
        fingerprint: None,
        issued: None,
        token_jti: None,
        event: None,
    }
}

fn control(id: u64, event: Event, reason: &str) -> JournalEntry {
    JournalEntry {
        kind: EntryKind::Control,
        method: String::new(),
        path: String::new(),
        status: 0,
        replica: None,
        source: Source::Console,
        event: Some(event),
        reason: Some(reason.into()),
        ..entry(id, Source::Console, "", "", 0, "", None)
    }
}

pub(crate) fn lab_state() -> LabState {
    LabState {
        run_id: "abc".into(),
        started_at: "2025-01-01T10:00:00Z".into(),
        balancer_url: "http://127.0.0.1:7878".into(),
        mode: Mode::Local,
        policy: Policy::RoundRobin,
        store: "sqlite:/data/sessions.db".into(),
        store_reachable: true,
        denylist: false,
        attacker: AttackerStatus::default(),
        replicas: vec![
            replica("a", true, 1, 4, Some(200)),
            replica("b", true, 0, 3, Some(401)),
            replica("c", true, 0, 3, Some(401)),
        ],
        journal_head: 6,
        revoke_grace_ms: 1000,
    }
}

/// A state as the app has it a moment after start: lessons, lab state, a few journal lines.
pub(crate) fn fake(w: u16, h: u16) -> State {
    let lessons = (1..=11)
        .map(|n| LessonItem {
            id: format!("{n:02}-lesson"),
            number: n,
            title: if n == 4 {
                "Sessions: a Number to Remember".into()
            } else {
                format!("Lesson number {n}")
            },
            source: if n == 4 {
                LESSON.to_string()
            } else {
                format!("# Lesson number {n}\n\nText of lesson {n}.\n")
            },
        })
        .collect();
    let mut s = State {
        lessons,
        problems: vec![
            ProblemItem {
                id: "disappearing-login".into(),
                title: "The disappearing login".into(),
                service_ok: true,
                answer_ok: false,
            },
            ProblemItem {
                id: "logout-now".into(),
                title: "Log out now".into(),
                ..Default::default()
            },
        ],
        current: 3,
        color: false,
        ..State::default()
    };
    s.read.insert("01-lesson".into());
    s.read.insert("02-lesson".into());
    update(&mut s, Action::Resize(w, h));
    update(
        &mut s,
        Action::LabStarted {
            url: "http://127.0.0.1:7878".into(),
            note: None,
        },
    );
    update(&mut s, Action::LabState(Box::new(lab_state())));
    for e in [
        control(
            1,
            Event::LabStarted,
            "balancer http://127.0.0.1:7878, 3 replicas",
        ),
        entry(2, Source::Learner, "POST", "/login", 200, "a", None),
        entry(
            3,
            Source::Learner,
            "GET",
            "/orders",
            401,
            "b",
            Some("no such session on this replica"),
        ),
        entry(
            4,
            Source::Learner,
            "GET",
            "/orders",
            401,
            "c",
            Some("no such session on this replica"),
        ),
        entry(5, Source::Learner, "GET", "/orders", 200, "a", None),
        entry(
            6,
            Source::Attacker,
            "GET",
            "/orders",
            403,
            "b",
            Some("revoked"),
        ),
    ] {
        update(&mut s, Action::Journal(Box::new(e)));
    }
    s
}

pub(crate) fn screen(s: &State) -> String {
    let (w, h) = s.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test terminal");
    t.draw(|f| draw(s, f)).expect("draw");
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        for x in 0..w {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn screen_80x24() {
    assert_snapshot!(screen(&fake(80, 24)));
}

#[test]
fn screen_80x24_lab_pane() {
    let mut s = fake(80, 24);
    update(&mut s, Action::ToggleLab);
    assert_snapshot!(screen(&s));
}

#[test]
fn screen_120x40() {
    assert_snapshot!(screen(&fake(120, 40)));
}

#[test]
fn help_overlay() {
    let mut s = fake(80, 24);
    update(&mut s, Action::ToggleHelp);
    assert_snapshot!(screen(&s));
    // The last lines are a scroll away; the marker says so, then says what is above.
    assert!(help_text(&s).contains("↓ more"));
    update(&mut s, Action::ScrollHelp(i64::MAX / 2));
    let end = help_text(&s);
    assert!(end.contains("↑ more") && !end.contains("↓ more"), "{end}");
    assert!(end.contains("Outline: · unread ✓ read; problems:"), "{end}");
    assert_snapshot!("help_overlay_end", screen(&s));
    // Opening it again starts at the top.
    update(&mut s, Action::CloseOverlay);
    update(&mut s, Action::ToggleHelp);
    assert_eq!(s.help_scroll, 0);
}

/// The rows of the help overlay, as drawn.
fn help_text(s: &State) -> String {
    let v = super::help::view(s, ratatui::layout::Rect::new(0, 0, s.size.0, s.size.1));
    let (x0, w) = (usize::from(v.popup.x), usize::from(v.popup.width));
    screen(s)
        .lines()
        .skip(usize::from(v.popup.y))
        .take(usize::from(v.popup.height))
        .map(|l| l.chars().skip(x0).take(w).collect::<String>() + "\n")
        .collect()
}

/// Scrolls the overlay with `j` from top to bottom; every line it showed, in order.
pub(crate) fn help_scrolled_through(s: &mut State) -> Vec<String> {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let j = Event::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE));
    let mut seen: Vec<String> = Vec::new();
    loop {
        for l in help_text(s).lines() {
            let inner: String = l.chars().skip(1).collect::<String>();
            let inner = inner.trim_end_matches(['│', '┐', '┘']).to_string();
            if !l.starts_with(['┌', '└']) && !seen.contains(&inner) {
                seen.push(inner);
            }
        }
        let before = s.help_scroll;
        let a = super::event::map(s, &j).expect("j scrolls the help");
        update(s, a);
        if s.help_scroll == before {
            return seen;
        }
    }
}

/// Every entry of `keys` shows whole: the keys, and every word of the description.
pub(crate) fn assert_lists(seen: &[String], keys: &[(&str, &str)]) {
    let all = seen.join("\n");
    assert!(!all.contains('…'), "something is cut:\n{all}");
    for (k, d) in keys {
        if !k.is_empty() {
            assert!(seen.iter().any(|l| l.starts_with(k)), "{k} missing:\n{all}");
        }
        for w in d.split_whitespace() {
            assert!(all.contains(w), "{w} of {d:?} missing:\n{all}");
        }
    }
}

#[test]
fn help_scrolls_to_every_key_on_a_small_screen() {
    let mut s = fake(50, 15);
    update(&mut s, Action::ToggleHelp);
    assert!(help_text(&s).contains("↓ more"));
    let seen = help_scrolled_through(&mut s);
    assert_lists(&seen, &super::keymap::HELP);
    for k in ["r x u", "d ", "a ", "R ", "? Esc", "q Ctrl-C"] {
        assert!(seen.iter().any(|l| l.starts_with(k)), "{k}: {seen:#?}");
    }
}

#[test]
fn help_wraps_instead_of_cutting() {
    let mut s = fake(120, 40);
    update(&mut s, Action::ToggleHelp);
    let text = help_text(&s);
    assert!(!text.contains('…') && !text.contains("more"), "{text}");
    assert_snapshot!("help_overlay_120x40", screen(&s));
    let seen = help_scrolled_through(&mut s);
    assert_lists(&seen, &super::keymap::HELP);
}

#[test]
fn help_lists_the_keys_of_what_is_open() {
    use super::console::{CONSOLE_HELP, TOOLS_HELP};
    use super::help::sections;
    use super::inspector::INSPECTOR_HELP;
    let mut s = fake(80, 24);
    update(
        &mut s,
        Action::Console(super::console::ConsoleAction::OpenConsole),
    );
    assert_eq!(sections(&s), vec![CONSOLE_HELP, INSPECTOR_HELP, TOOLS_HELP]);
    update(
        &mut s,
        Action::Console(super::console::ConsoleAction::Focus(None)),
    );
    update(&mut s, Action::ToggleHelp);
    let seen = help_scrolled_through(&mut s);
    for keys in [CONSOLE_HELP, INSPECTOR_HELP, TOOLS_HELP] {
        assert_lists(&seen, keys);
    }
    update(&mut s, Action::CloseOverlay);
    update(
        &mut s,
        Action::Console(super::console::ConsoleAction::OpenInspector),
    );
    assert_eq!(
        sections(&s)[0],
        INSPECTOR_HELP,
        "the inspector's own keys first"
    );
    update(&mut s, Action::ToggleHelp);
    let seen = help_scrolled_through(&mut s);
    for keys in [INSPECTOR_HELP, CONSOLE_HELP, TOOLS_HELP] {
        assert_lists(&seen, keys);
    }
}

#[test]
fn help_takes_keys_and_the_wheel() {
    use crossterm::event::{
        Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
    };
    let key = |c| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mouse = |kind| {
        Event::Mouse(MouseEvent {
            kind,
            column: 40,
            row: 10,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut s = fake(80, 24);
    // With the console open too: the overlay is on top and takes the wheel.
    update(
        &mut s,
        Action::Console(super::console::ConsoleAction::OpenConsole),
    );
    update(
        &mut s,
        Action::Console(super::console::ConsoleAction::Focus(None)),
    );
    update(&mut s, Action::ToggleHelp);
    let map = |s: &State, e| super::event::map(s, &e);
    let page = super::help::page(&s);
    assert!(page > 1);
    assert_eq!(map(&s, key(KeyCode::Down)), Some(Action::ScrollHelp(1)));
    assert_eq!(
        map(&s, key(KeyCode::Char('k'))),
        Some(Action::ScrollHelp(-1))
    );
    assert_eq!(
        map(&s, key(KeyCode::PageDown)),
        Some(Action::ScrollHelp(page))
    );
    assert_eq!(
        map(&s, key(KeyCode::PageUp)),
        Some(Action::ScrollHelp(-page))
    );
    assert_eq!(
        map(&s, mouse(MouseEventKind::ScrollDown)),
        Some(Action::ScrollHelp(3))
    );
    assert_eq!(
        map(&s, mouse(MouseEventKind::ScrollUp)),
        Some(Action::ScrollHelp(-3))
    );
    assert_eq!(
        map(&s, mouse(MouseEventKind::Down(MouseButton::Left))),
        Some(Action::CloseOverlay)
    );
    assert_eq!(map(&s, key(KeyCode::Char('r'))), None, "help swallows keys");
    // Scrolling stays in bounds.
    update(&mut s, Action::ScrollHelp(-5));
    assert_eq!(s.help_scroll, 0);
    update(&mut s, Action::ScrollHelp(1000));
    assert_eq!(s.help_scroll, super::help::view_of(&s).max_scroll);
    assert!(s.help_scroll > 0);
}

// A store that does not answer shows in the lab panel, in red, with what it costs.
#[test]
fn an_unreachable_store_shows_in_the_lab_panel() {
    let mut s = fake(120, 40);
    let mut st = lab_state();
    st.store = "redis://127.0.0.1:6379".into();
    st.store_reachable = false;
    update(&mut s, Action::LabState(Box::new(st)));
    let shown = screen(&s);
    assert!(
        shown.contains("store ✗ (503) redis://127.0.0.1:6379"),
        "{shown}"
    );
    // Where the pane is wide enough, in words.
    update(&mut s, Action::Resize(80, 24));
    update(&mut s, Action::ToggleLab);
    let shown = screen(&s);
    assert!(
        shown.contains("store ✗ unreachable (503): redis://127.0.0.1:6379"),
        "{shown}"
    );
}

// A weak verifier left on shows in red in the lab panel, by name.
#[test]
fn a_weak_verifier_shows_in_the_lab_panel() {
    let mut s = fake(120, 40);
    let security = crate::api::LabSecurity {
        weaknesses: vec![crate::api::Weakness::AlgNone],
        ..Default::default()
    };
    update(
        &mut s,
        Action::LabFullState(Box::new(crate::api::FullLabState {
            lab: lab_state(),
            security,
        })),
    );
    let shown = screen(&s);
    assert!(shown.contains("WEAK verifier on: alg-none"), "{shown}");
}

// Lessons 12, 13 and 15 turn the CSRF check off and shorten the token lifetime, then ask
// for them back: the lab panel shows each while it differs from the default (and only then,
// to keep the room at 80x24).
#[test]
fn csrf_off_and_a_changed_token_life_show_in_the_lab_panel() {
    let mut s = fake(80, 24);
    update(&mut s, Action::ToggleLab);
    let full = |security| {
        Action::LabFullState(Box::new(crate::api::FullLabState {
            lab: lab_state(),
            security,
        }))
    };
    update(&mut s, full(crate::api::LabSecurity::default()));
    let shown = screen(&s);
    assert!(
        !shown.contains("CSRF") && !shown.contains("token ttl"),
        "{shown}"
    );
    assert!(shown.contains("store sqlite"), "{shown}");
    update(
        &mut s,
        full(crate::api::LabSecurity {
            csrf: false,
            token_ttl_secs: 20,
            ..Default::default()
        }),
    );
    let shown = screen(&s);
    assert!(shown.contains("CSRF check off · token ttl 20 s"), "{shown}");
}

#[test]
fn replica_down() {
    let mut s = fake(120, 40);
    let mut st = lab_state();
    st.replicas[1].up = false;
    st.replicas[1].local_sessions = 0;
    st.attacker = AttackerStatus {
        running: true,
        user: Some("alice".into()),
        requests: 7,
        refused: 2,
        ..Default::default()
    };
    update(&mut s, Action::SelectReplica(1));
    update(
        &mut s,
        Action::LabDone {
            message: Ok("replica b stopped".into()),
            state: Some(Box::new(st)),
        },
    );
    update(
        &mut s,
        Action::Journal(Box::new(control(
            7,
            Event::ReplicaStopped,
            "replica b stopped: its memory is gone",
        ))),
    );
    assert_snapshot!(screen(&s));
}

#[test]
fn narrow_50x15() {
    let mut s = fake(50, 15);
    assert_snapshot!("narrow_reader", screen(&s));
    update(&mut s, Action::ToggleLab);
    assert_snapshot!("narrow_lab", screen(&s));
}

#[test]
fn focused_request_is_highlighted() {
    let mut s = fake(80, 24);
    update(&mut s, Action::NextRequest);
    assert_eq!(s.focused_request, Some(0));
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("test terminal");
    t.draw(|f| draw(&s, f)).expect("draw");
    let buf = t.backend().buffer();
    let row = |y: u16| {
        (0..80)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect::<String>()
    };
    // Row 0 is the top bar, whose status line names the focused request too.
    let y = (1..24)
        .find(|&y| row(y).contains("POST /login"))
        .expect("the request on screen");
    // Column 23 is the first text column of the reader (outline 22 + border).
    assert!(
        buf[(23, y)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED),
        "{}",
        row(y)
    );
    update(&mut s, Action::NextRequest);
    t.draw(|f| draw(&s, f)).expect("draw");
    let buf = t.backend().buffer();
    let row = |y: u16| {
        (0..80)
            .map(|x| buf[(x, y)].symbol().to_string())
            .collect::<String>()
    };
    let reversed = |text: &str| {
        (1..24).find(|&y| row(y).contains(text)).is_some_and(|y| {
            buf[(23, y)]
                .modifier
                .contains(ratatui::style::Modifier::REVERSED)
        })
    };
    assert!(reversed("request 2"), "the second request is highlighted");
    assert!(!reversed("request 1"), "and only it");
}

#[test]
fn tiny_sizes_do_not_panic() {
    for (w, h) in [
        (1, 1),
        (20, 5),
        (2, 2),
        (0, 0),
        (5, 40),
        (300, 3),
        (99, 10),
        (100, 8),
        (60, 6),
    ] {
        let mut s = fake(w.max(1), h.max(1));
        s.size = (w, h);
        for a in [
            Action::ToggleHelp,
            Action::NextRequest,
            Action::Bottom,
            Action::ToggleLab,
            Action::CloseOverlay,
        ] {
            update(&mut s, a);
            let _ = screen(&s);
        }
    }
}

#[test]
fn scrolling_stays_in_bounds() {
    let mut s = fake(80, 24);
    update(&mut s, Action::Scroll(-5));
    assert_eq!(s.scroll, 0);
    update(&mut s, Action::Bottom);
    let max = super::action::max_scroll(&s);
    assert_eq!(s.scroll, max);
    update(&mut s, Action::PageDown);
    update(&mut s, Action::Scroll(100));
    assert_eq!(s.scroll, max);
    update(&mut s, Action::Top);
    assert_eq!(s.scroll, 0);
}

#[test]
fn reaching_the_end_marks_read() {
    let mut s = fake(80, 10);
    assert!(!s.read.contains("04-lesson"));
    let fx = update(&mut s, Action::Bottom);
    assert!(fx.contains(&Effect::MarkRead("04-lesson".into())));
    assert!(s.read.contains("04-lesson"));
    assert!(update(&mut s, Action::Bottom).is_empty(), "marked once");
}

#[test]
fn lesson_navigation_stops_at_the_ends() {
    let mut s = fake(80, 24);
    update(&mut s, Action::OpenLesson(0));
    update(&mut s, Action::PrevLesson);
    assert_eq!(s.current, 0);
    assert_eq!(s.status.as_deref(), Some("this is the first lesson"));
    update(&mut s, Action::Scroll(3));
    let fx = update(&mut s, Action::NextLesson);
    assert_eq!((s.current, s.scroll), (1, 0));
    assert!(fx.contains(&Effect::SaveProgress));
    update(&mut s, Action::OpenLesson(10));
    update(&mut s, Action::NextLesson);
    assert_eq!(s.current, 10);
    update(&mut s, Action::OpenLesson(99));
    assert_eq!(s.current, 10);
}

#[test]
fn replica_selection_wraps() {
    let mut s = fake(80, 24);
    update(&mut s, Action::PrevReplica);
    assert_eq!(s.selected_replica, 2);
    update(&mut s, Action::NextReplica);
    assert_eq!(s.selected_replica, 0);
    update(&mut s, Action::SelectReplica(8));
    assert_eq!(s.selected_replica, 0, "no ninth replica");
    update(&mut s, Action::SelectReplica(1));
    let fx = update(&mut s, Action::Replica(ReplicaAction::Restart));
    assert_eq!(
        fx,
        vec![Effect::Lab(LabCall::Replica(
            "b".into(),
            ReplicaAction::Restart
        ))]
    );
}

#[test]
fn mode_cycles_through_the_lab() {
    let mut s = fake(80, 24);
    assert_eq!(
        update(&mut s, Action::CycleMode),
        vec![Effect::Lab(LabCall::SetMode(Mode::Shared))]
    );
    let mut st = lab_state();
    st.mode = Mode::Token;
    update(&mut s, Action::LabState(Box::new(st)));
    assert_eq!(
        update(&mut s, Action::CycleMode),
        vec![Effect::Lab(LabCall::SetMode(Mode::Local))]
    );
    assert_eq!(
        update(&mut s, Action::TogglePolicy),
        vec![Effect::Lab(LabCall::SetPolicy(Policy::Sticky))]
    );
    assert_eq!(
        update(&mut s, Action::ToggleAttacker),
        vec![Effect::Lab(LabCall::StartAttacker("alice".into()))]
    );
    assert_eq!(
        update(&mut s, Action::ToggleDenylist),
        vec![Effect::Lab(LabCall::SetDenylist(true))]
    );
}

// Two quick presses before the lab answers: the second moves on from the first (local,
// then shared, then token), it does not send `shared` twice.
#[test]
fn quick_presses_move_on_from_the_last_press() {
    let mut s = fake(80, 24);
    assert_eq!(
        update(&mut s, Action::CycleMode),
        vec![Effect::Lab(LabCall::SetMode(Mode::Shared))]
    );
    assert_eq!(
        update(&mut s, Action::CycleMode),
        vec![Effect::Lab(LabCall::SetMode(Mode::Token))]
    );
    assert_eq!(
        update(&mut s, Action::ToggleDenylist),
        vec![Effect::Lab(LabCall::SetDenylist(true))]
    );
    assert_eq!(
        update(&mut s, Action::ToggleDenylist),
        vec![Effect::Lab(LabCall::SetDenylist(false))]
    );
}

#[test]
fn lab_controls_wait_for_the_lab() {
    let mut s = State::default();
    update(&mut s, Action::Resize(80, 24));
    assert!(update(&mut s, Action::CycleMode).is_empty());
    assert_eq!(s.status.as_deref(), Some("the lab is not reachable yet"));
}

#[test]
fn requests_cycle_and_scroll_into_view() {
    let mut s = fake(80, 12);
    update(&mut s, Action::NextRequest);
    update(&mut s, Action::NextRequest);
    assert_eq!(s.focused_request, Some(1));
    let line = s.rendered.as_ref().unwrap().requests[1];
    assert!(
        line >= s.scroll && line < s.scroll + 9,
        "line {line} scroll {}",
        s.scroll
    );
    update(&mut s, Action::NextRequest);
    assert_eq!(s.focused_request, Some(0), "wraps around");
    // Enter opens the focused block in the request console, filled in, not yet sent.
    assert!(update(&mut s, Action::SendRequest).is_empty());
    assert_eq!(s.tool, Some(super::console::Tool::Console));
    assert_eq!(s.console.line.lines(), ["POST /login"]);
}

#[test]
fn journal_is_bounded_and_keeps_reading_position() {
    let mut s = fake(80, 24);
    update(&mut s, Action::ScrollJournal(2));
    assert_eq!(s.journal_back, 2);
    update(
        &mut s,
        Action::Journal(Box::new(entry(
            99,
            Source::Learner,
            "GET",
            "/me",
            200,
            "a",
            None,
        ))),
    );
    assert_eq!(s.journal_back, 3);
    for i in 0..600 {
        update(
            &mut s,
            Action::Journal(Box::new(entry(
                100 + i,
                Source::Learner,
                "GET",
                "/me",
                200,
                "a",
                None,
            ))),
        );
    }
    assert_eq!(s.journal.len(), JOURNAL_CAP);
    // Leaving the lab pane ends reading back: the journal is live again.
    s.pane = Pane::Lab;
    assert!(s.journal_back > 0);
    update(&mut s, Action::ToggleLab);
    assert_eq!((s.pane, s.journal_back), (Pane::Reader, 0));
}

#[test]
fn keys_map_per_pane() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let key = |c| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    let mut s = fake(80, 24);
    assert_eq!(
        super::event::map(&s, &key(KeyCode::Char('j'))),
        Some(Action::Scroll(1))
    );
    assert_eq!(super::event::map(&s, &key(KeyCode::Right)), None);
    update(&mut s, Action::ToggleLab);
    assert_eq!(
        super::event::map(&s, &key(KeyCode::Right)),
        Some(Action::NextReplica)
    );
    assert_eq!(
        super::event::map(&s, &key(KeyCode::Char('3'))),
        Some(Action::SelectReplica(2))
    );
    let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(super::event::map(&s, &ctrl_c), Some(Action::Quit));
    update(&mut s, Action::ToggleHelp);
    assert_eq!(
        super::event::map(&s, &key(KeyCode::Esc)),
        Some(Action::CloseOverlay)
    );
    assert_eq!(
        super::event::map(&s, &key(KeyCode::Char('r'))),
        None,
        "help swallows keys"
    );
}

#[test]
fn click_on_outline_opens_lesson() {
    use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let s = fake(80, 24);
    // Row 0 is the top bar, 1 the border, 2 "Lessons", 3 lesson 1, ... so row 4 is lesson 2.
    let click = Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 4,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(super::event::map(&s, &click), Some(Action::OpenLesson(1)));
}

#[test]
fn tab_names_the_focused_request_on_the_status_line() {
    let mut s = fake(80, 24);
    update(&mut s, Action::NextRequest);
    assert_eq!(
        s.status.as_deref(),
        Some("request 1/2: POST /login · Enter opens · S sends")
    );
    update(&mut s, Action::NextRequest);
    assert_eq!(
        s.status.as_deref(),
        Some("request 2/2: GET /orders · Enter opens · S sends")
    );
    update(&mut s, Action::PrevRequest);
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .starts_with("request 1/2: POST /login")
    );
    // The top line keeps the part that matters at 80 columns.
    assert!(
        screen(&s)
            .lines()
            .next()
            .unwrap()
            .contains("request 1/2: POST /login")
    );
}

#[test]
fn selecting_a_replica_says_which_on_the_status_line() {
    // At 80 columns the lab pane is hidden: the underline in the top bar is all there was.
    let mut s = fake(80, 24);
    update(&mut s, Action::SelectReplica(1));
    assert_eq!(
        s.status.as_deref(),
        Some("replica b selected · r restart · x stop · u start")
    );
    update(&mut s, Action::NextReplica);
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .starts_with("replica c selected")
    );
    update(&mut s, Action::SelectReplica(8));
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .starts_with("replica c selected"),
        "no ninth"
    );
}

/// What a client can put in the journal: `{"username":"x\u001b[31mRED\u001b]0;pwned\u0007"}`.
const HOSTILE: &str = "x\u{1b}[31mRED\u{1b}]0;pwned\u{7}";

#[test]
fn clean_escapes_control_characters() {
    use super::views::clean;
    assert!(matches!(
        clean("GET /orders"),
        std::borrow::Cow::Borrowed(_)
    ));
    assert_eq!(clean(HOSTILE), r"x\u{1b}[31mRED\u{1b}]0;pwned\u{7}");
    assert_eq!(clean("a\r\nb\u{9b}c"), r"a\r\nb\u{9b}c");
    assert_eq!(clean("ab\u{202e}cd"), r"ab\u{202e}cd");
    assert_eq!(super::views::fit(HOSTILE, 8), r"x\u{1b}…");
}

#[test]
fn journal_text_from_clients_cannot_reach_the_terminal() {
    // The lab pane, which has the whole width at 80 columns.
    let mut s = fake(80, 24);
    update(&mut s, Action::ToggleLab);
    let failed = JournalEntry {
        user: Some(HOSTILE.into()),
        ..entry(
            7,
            Source::Learner,
            "POST",
            "/login",
            401,
            "a",
            Some(&format!("no user {HOSTILE}")),
        )
    };
    update(&mut s, Action::Journal(Box::new(failed)));
    update(
        &mut s,
        Action::Journal(Box::new(control(
            8,
            Event::Revoke,
            &format!("bell\u{7} {HOSTILE}"),
        ))),
    );
    let screen = screen(&s);
    assert!(
        !screen.contains(['\u{1b}', '\u{7}']),
        "a control character reached the screen:\n{screen}"
    );
    // Shown escaped, so the learner sees what was sent (wrapped whole under its entry).
    let lab = as_text(&region(&screen, 0..24, 23..79));
    assert!(
        lab.contains(r"401 a no user x\u{1b}[31mRED\u{1b}]0;pwned\u{7}"),
        "{screen}"
    );
    assert!(
        lab.contains(r"revoke bell\u{7} x\u{1b}[31mRED\u{1b}]0;pwned\u{7}"),
        "{screen}"
    );
    // The same through the workspace's wrapping (checklist evidence quotes journal lines).
    let wrapped = super::workspace::text::wrap(&format!("POST /login {HOSTILE}"), 80, "", "");
    assert_eq!(
        wrapped,
        vec![r"POST /login x\u{1b}[31mRED\u{1b}]0;pwned\u{7}"]
    );
}

#[test]
fn an_esc_glued_to_a_key_is_split_outside_text_fields() {
    use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
    let mut s = fake(80, 24);
    let glued = Event::Key(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::ALT));
    let plain = Event::Key(KeyEvent::new(KeyCode::Char('m'), KeyModifiers::NONE));
    assert_eq!(crate::tui::event::esc_prefixed(&s, &glued), Some(plain));
    // Alt-Enter (submit) and plain keys are left alone.
    let alt_enter = Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT));
    assert_eq!(crate::tui::event::esc_prefixed(&s, &alt_enter), None);
    // In a text field, Alt+letter belongs to the editor.
    s.tool = Some(crate::tui::console::Tool::Console);
    s.console.focus = Some(crate::tui::console::Field::Line);
    assert_eq!(crate::tui::event::esc_prefixed(&s, &glued), None);
}

/// The text of the screen's rows `rows`, columns `cols` (as chars), each row trimmed.
pub(crate) fn region(
    screen: &str,
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
) -> Vec<String> {
    screen
        .lines()
        .skip(rows.start)
        .take(rows.len())
        .map(|l| {
            l.chars()
                .skip(cols.start)
                .take(cols.len())
                .collect::<String>()
                .trim()
                .to_string()
        })
        .collect()
}

/// Rows read as one text: joined with spaces, runs of spaces made one.
pub(crate) fn as_text(rows: &[String]) -> String {
    rows.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

const LONG_REASON: &str =
    "token revoked (every token of alice issued before the revoke is refused)";

/// The lab pane with a refused request whose reason is longer than a row, then one more.
fn lab_with_long_reason(w: u16, h: u16) -> State {
    let mut s = fake(w, h);
    update(&mut s, Action::ToggleLab);
    for e in [
        entry(
            7,
            Source::Learner,
            "GET",
            "/orders",
            401,
            "b",
            Some(LONG_REASON),
        ),
        entry(8, Source::Learner, "GET", "/me", 200, "a", None),
    ] {
        update(&mut s, Action::Journal(Box::new(e)));
    }
    s
}

// A reason longer than the journal's row wraps under its entry, whole, at both small sizes
// (it was "401 b token revoked (eve…" at 80 columns), and the entries around it still show.
#[test]
fn a_long_journal_reason_wraps_whole() {
    for (w, h) in [(80, 24), (60, 20)] {
        let s = lab_with_long_reason(w, h);
        let text = screen(&s);
        assert_snapshot!(format!("journal_reason_{w}x{h}"), text);
        let lab = super::layout::areas(w, h, s.pane)
            .lab
            .expect("the lab pane");
        let inner = super::layout::inner(lab);
        let top = text
            .lines()
            .position(|l| l.contains(" journal "))
            .expect("the journal");
        let rows = region(
            &text,
            top + 1..usize::from(inner.bottom()),
            usize::from(inner.x)..usize::from(inner.right()),
        );
        let journal = as_text(&rows);
        assert!(
            journal.contains(&format!(
                "/orders 401 b {LONG_REASON} learner GET /me 200 a"
            )),
            "{w}x{h}:\n{}",
            rows.join("\n")
        );
        assert!(!journal.contains('…'), "{w}x{h}: something is cut:\n{text}");
        // The wrapped rows start under the method column, so they read as one entry.
        let first = rows
            .iter()
            .position(|r| r.contains("token revoked") || r.ends_with("401 b"))
            .expect("the entry");
        assert!(rows[first].starts_with("learner"), "{}", rows[first]);
        assert!(
            !rows[first + 1].starts_with("learner"),
            "{}",
            rows[first + 1]
        );
    }
}

/// The reader's or lab pane's footer row, checked: every key shows whole with its word, in
/// the table's order, and nothing else is on the row.
fn footer_entries(text: &str, keys: &[super::keymap::FooterKey]) -> Vec<&'static str> {
    let row = text.lines().last().expect("a footer").to_string();
    let mut rest = format!("{row} ");
    let mut shown = Vec::new();
    for &(k, d, _) in keys {
        let item = format!("{k} {d} ");
        if let Some(r) = rest.strip_prefix(&item) {
            rest = r.to_string();
            shown.push(k);
        }
    }
    assert!(
        rest.is_empty(),
        "a key is cut or unknown: {rest:?} in {row:?}"
    );
    shown
}

// At 80 and 60 columns the reader's footer keeps scrolling and the keys that matter most,
// `?` always; what it leaves out is the least important, and no key is cut.
#[test]
fn the_reader_footer_keeps_scrolling_at_80_and_60_columns() {
    use super::keymap::{Ctx, footer};
    let keys = footer(Ctx::ReaderNarrow);
    let s = fake(80, 24);
    let shown = footer_entries(&screen(&s), &keys);
    assert_eq!(
        shown,
        ["j/k", "n/p", "Tab", "P", "l", "m", "L", "?", "q"],
        "at 80 columns only r (restart, also in the lab pane) is left out"
    );
    let s = fake(60, 20);
    let text = screen(&s);
    assert_snapshot!("screen_60x20", text);
    let shown = footer_entries(&text, &keys);
    assert_eq!(shown, ["j/k", "n/p", "Tab", "P", "l", "?"]);
    // The lab pane's footers, checked the same way.
    for (w, h) in [(80, 24), (60, 20)] {
        let s = lab_with_long_reason(w, h);
        let shown = footer_entries(&screen(&s), &footer(Ctx::Lab));
        assert!(
            shown.starts_with(&["l", "←→"]) && shown.contains(&"?"),
            "{shown:?}"
        );
    }
}

// The token inspector at 60 columns: the warning wraps whole, a time claim's meaning goes
// under it instead of off the edge.
#[test]
fn the_inspector_wraps_at_60_columns() {
    use base64::Engine;
    let part = |x: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(x);
    let mut s = fake(60, 20);
    update(
        &mut s,
        Action::Console(super::console::ConsoleAction::OpenInspector),
    );
    s.last_token = Some(format!(
        "{}.{}.{}",
        part(r#"{"alg":"EdDSA","kid":"k1","typ":"JWT"}"#),
        part(r#"{"sub":"alice","badge":"amber-otter","iat":1735725600,"exp":1735726500}"#),
        part("signature")
    ));
    s.inspector.now = 1_735_725_700;
    let text = screen(&s);
    let rows = region(&text, 2..19, 1..59);
    let all = as_text(&rows);
    assert!(
        all.contains(super::views::inspector::PLAIN_WARNING),
        "{text}"
    );
    assert!(all.contains("expires in 13 min"), "{text}");
    assert!(all.contains("issued 1 min ago"), "{text}");
}
