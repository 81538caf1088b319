//! The load pane: what keys do, how the engine's seconds and the journal's events become
//! the charts' data, and what it draws at 80x24 and other sizes (fixed data, no lab).

use std::collections::BTreeMap;

use insta::assert_snapshot;

use super::*;
use crate::api::{CredentialKind, Policy, Source};
use crate::load::stats::ChatSecond;
use crate::tui::action::{Action, update as app_update};
use crate::tui::tests::{fake, screen};

fn l(s: &mut State, a: LoadAction) -> Vec<Effect> {
    app_update(s, Action::Load(a))
}

fn second(t: f64, per: &[(&str, u64)], status: &[(u16, u64)], p99: f64) -> Second {
    Second {
        t,
        requests: status.iter().map(|(_, n)| n).sum(),
        by_replica: per.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        status: status.iter().copied().collect::<BTreeMap<_, _>>(),
        transport_errors: 0,
        unauthorized: status
            .iter()
            .filter(|(c, _)| *c == 401)
            .map(|(_, n)| n)
            .sum(),
        failed: 0,
        p50_ms: Some(p99 / 3.0),
        p99_ms: Some(p99),
        chat: None,
    }
}

fn control(event: Event, replica: Option<&str>, ts_ms: u64) -> JournalEntry {
    JournalEntry {
        id: 1,
        time: String::new(),
        ts_ms,
        kind: EntryKind::Control,
        source: Source::Load,
        method: String::new(),
        path: String::new(),
        status: 0,
        replica: replica.map(str::to_string),
        mode: Mode::Local,
        user: None,
        reason: Some("x".into()),
        latency_ms: 0.0,
        credential: CredentialKind::None,
        fingerprint: None,
        issued: None,
        token_jti: None,
        event: Some(event),
    }
}

/// A kill-one run in local mode, `upto` seconds in: b stops at 5 s, its users get 401.
fn running(s: &mut State, generation: u64, run: usize, upto: u32) {
    let t0 = 1_000_000 + 100_000 * run as u64;
    l(
        s,
        LoadAction::Begin {
            generation,
            run,
            unix_ms: t0 - 300,
        },
    );
    l(
        s,
        LoadAction::Update {
            generation,
            run,
            update: Box::new(Update::Started {
                unix_ms: t0,
                mode: Mode::Local,
                policy: Policy::Sticky,
                replicas: vec!["a".into(), "b".into(), "c".into()],
                users: 50,
                duration_s: 15.0,
            }),
        },
    );
    for k in 1..=upto {
        let t = f64::from(k);
        let sec = if k <= 5 {
            second(
                t,
                &[("a", 67), ("b", 67), ("c", 66)],
                &[(200, 200)],
                4.0 + t / 10.0,
            )
        } else {
            second(
                t,
                &[("a", 100), ("b", 0), ("c", 100)],
                &[(200, 133), (401, 67)],
                5.0,
            )
        };
        if k == 5 {
            on_journal_action(s, control(Event::ReplicaStopped, Some("b"), t0 + 5_000));
        }
        l(
            s,
            LoadAction::Update {
                generation,
                run,
                update: Box::new(Update::Second {
                    second: sec,
                    logged_out: if k > 5 { 17 } else { 0 },
                }),
            },
        );
    }
}

fn on_journal_action(s: &mut State, e: JournalEntry) {
    app_update(s, Action::Journal(Box::new(e)));
}

#[test]
fn start_runs_the_planned_modes_and_stop_stops() {
    let mut s = fake(80, 24);
    l(&mut s, LoadAction::Open);
    assert!(s.load.open);
    l(&mut s, LoadAction::PickScenario(1));
    assert_eq!(s.load.scenario, Scenario::KillOne);
    let fx = l(&mut s, LoadAction::StartStop);
    let Some(Effect::Load(LoadEffect::Start { generation, runs })) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!((*generation, runs.len()), (1, 1));
    assert_eq!(runs[0].scenario, Scenario::KillOne);
    assert_eq!(runs[0].mode, None);
    assert_eq!(runs[0].duration, Duration::from_secs(15));
    assert!(s.load.running);
    // Settings wait while a run is under way.
    l(&mut s, LoadAction::ToggleCompare);
    assert!(!s.load.compare);
    assert_eq!(
        l(&mut s, LoadAction::StartStop),
        [Effect::Load(LoadEffect::Stop)]
    );
    l(&mut s, LoadAction::Finished { generation: 1 });
    assert!(!s.load.running);
    // Side by side: two runs, local then token.
    l(&mut s, LoadAction::ToggleCompare);
    l(&mut s, LoadAction::Longer);
    let fx = l(&mut s, LoadAction::StartStop);
    let Some(Effect::Load(LoadEffect::Start { generation, runs })) = fx.first() else {
        panic!("{fx:?}")
    };
    assert_eq!(*generation, 2);
    let modes: Vec<_> = runs.iter().map(|a| a.mode).collect();
    assert_eq!(modes, [Some(Mode::Local), Some(Mode::Token)]);
    assert_eq!(runs[0].duration, Duration::from_secs(20));
    assert_eq!(s.load.runs.len(), 2);
}

#[test]
fn seconds_become_series_and_journal_events_become_marks() {
    let mut s = fake(80, 24);
    l(&mut s, LoadAction::Open);
    l(&mut s, LoadAction::StartStop);
    // A mode change just before the run's traffic started is marked at 0; a replica put
    // back by the run before it, just then, is not.
    on_journal_action(&mut s, control(Event::ModeChanged, None, 999_900));
    on_journal_action(&mut s, control(Event::ReplicaStarted, Some("b"), 999_800));
    running(&mut s, 1, 0, 8);
    // An older start's snapshot is dropped.
    running(&mut s, 0, 0, 3);
    let r = &s.load.runs[0];
    assert_eq!(r.phase, Phase::Running);
    assert_eq!(r.seconds.len(), 8);
    assert_eq!(r.logged_out, 17);
    let names: Vec<&str> = r
        .series
        .per_replica
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(r.series.per_replica[1].1[7], (8.0, 0.0));
    let reasons: Vec<&str> = r.series.errors.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(reasons, ["401 login lost"]);
    assert_eq!(r.series.max_rps, 100.0);
    assert_eq!(r.series.p99_tenths.len(), 8);
    let marks: Vec<(f64, &str)> = r.marks.iter().map(|m| (m.t, m.label.as_str())).collect();
    assert_eq!(marks, [(0.0, "mode local"), (5.0, "b stopped")]);
    assert!(r.chat.is_none());
    // Requests and other events are not marks; events after the traffic are not either.
    on_journal_action(&mut s, control(Event::Revoke, None, 1_006_000));
    on_journal_action(&mut s, control(Event::ReplicaStarted, Some("b"), 1_016_000));
    assert_eq!(s.load.runs[0].marks.len(), 2);
}

#[test]
fn load_pane_80x24_running() {
    let mut s = fake(80, 24);
    l(&mut s, LoadAction::Open);
    l(&mut s, LoadAction::StartStop);
    running(&mut s, 1, 0, 9);
    assert_snapshot!(screen(&s));
}

const VERDICT: &str = "17 of 50 users were logged out: all 17 who logged in on b; in local mode a session lives only in the memory of the replica that made it, so it went with that replica";

/// Side by side: the first run done with its verdict, the second 5 s in with chat clients.
fn side_by_side_done(w: u16, h: u16) -> State {
    let mut s = fake(w, h);
    l(&mut s, LoadAction::Open);
    l(&mut s, LoadAction::ToggleCompare);
    l(&mut s, LoadAction::StartStop);
    running(&mut s, 1, 0, 15);
    s.load.runs[0].phase = Phase::Done;
    s.load.runs[0].outcome = Some(VERDICT.into());
    running(&mut s, 1, 1, 4);
    l(
        &mut s,
        LoadAction::Update {
            generation: 1,
            run: 1,
            update: Box::new(Update::Second {
                second: Second {
                    chat: Some(ChatSecond {
                        connected: 13,
                        drops: 7,
                        reconnects: 0,
                        drops_total: 7,
                        reconnects_total: 0,
                    }),
                    ..second(5.0, &[("a", 100), ("c", 100)], &[(200, 200)], 4.0)
                },
                logged_out: 0,
            }),
        },
    );
    s
}

/// The left run's column, as text: the rows under the pane's header, up to the second run's
/// title column.
fn left_column(text: &str) -> String {
    use crate::tui::tests::{as_text, region};
    let lines: Vec<&str> = text.lines().collect();
    let title = lines
        .iter()
        .position(|l| l.contains("logged out 17/50"))
        .expect("the first run's title");
    let row: Vec<char> = lines[title].chars().collect();
    // The second run's title starts at the second "local mode".
    let starts: Vec<usize> = (0..row.len())
        .filter(|&i| {
            row[i..]
                .iter()
                .collect::<String>()
                .starts_with("local mode")
        })
        .collect();
    assert_eq!(starts.len(), 2, "two titles: {}", lines[title]);
    as_text(&region(text, title + 1..lines.len() - 2, 1..starts[1]))
}

#[test]
fn load_pane_80x24_side_by_side_done() {
    let s = side_by_side_done(80, 24);
    let chat = s.load.runs[1].chat.clone().expect("chat counts");
    assert_eq!((chat.connected, chat.drops_total), (13, 7));
    assert!(
        s.load.runs[1]
            .series
            .errors
            .iter()
            .any(|(n, _)| n == "chat drops")
    );
    let text = screen(&s);
    assert_snapshot!(text);
    // The verdict wraps whole under the charts, which keep their rows.
    let left = left_column(&text);
    assert!(left.contains(VERDICT), "{text}");
    assert!(
        left.contains("requests/s") && left.contains("errors/s"),
        "{text}"
    );
    // The errors chart has one row to plot: its axis names the whole range, so a flat
    // zero line never reads as the top value.
    assert!(left.contains("0–100│"), "{text}");
}

// At 60x20 a column has no room for both charts and the whole verdict: the verdict stays
// whole and the requests chart alone keeps what is left.
#[test]
fn load_pane_60x20_side_by_side_done() {
    let text = screen(&side_by_side_done(60, 20));
    assert_snapshot!(text);
    let left = left_column(&text);
    assert!(left.contains(VERDICT), "{text}");
    assert!(left.contains("requests/s"), "{text}");
    // What is cut for room (the pane's title, the status) is cut after a word: " …".
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate().skip(1) {
        assert!(
            *c != '…' || !chars[i - 1].is_alphanumeric(),
            "cut inside a word:\n{text}"
        );
    }
}

#[test]
fn every_size_draws_without_panicking_and_resizes() {
    let mut s = fake(80, 24);
    l(&mut s, LoadAction::Open);
    l(&mut s, LoadAction::ToggleCompare);
    l(&mut s, LoadAction::StartStop);
    running(&mut s, 1, 0, 10);
    for (w, h) in [
        (1, 1),
        (10, 5),
        (40, 12),
        (60, 20),
        (80, 24),
        (100, 30),
        (200, 60),
    ] {
        app_update(&mut s, Action::Resize(w, h));
        let text = screen(&s);
        if w >= 60 {
            assert!(text.contains("local mode"), "{w}x{h}:\n{text}");
        }
    }
}

#[test]
fn text_is_cut_at_words() {
    let v = crate::tui::views::load::fit_words("the quick brown fox", 12);
    assert_eq!(v, "the quick …");
    assert_eq!(crate::tui::views::load::fit_words("abcdefgh", 4), "");
    let lines = crate::tui::views::load::fit_lines("one two three four five six", 9, 2);
    assert_eq!(lines, ["one two", "three …"]);
    assert_eq!(
        crate::tui::views::load::fit_phrases("a long one · b · c", 14),
        "a long one · b"
    );
}

#[test]
fn the_keys_open_and_drive_the_pane() {
    use crossterm::event::{Event as Ev, KeyCode, KeyEvent};
    let mut s = fake(80, 24);
    let key = |s: &State, c: KeyCode| crate::tui::event::map(s, &Ev::Key(KeyEvent::from(c)));
    let a = key(&s, KeyCode::Char('L')).expect("L is bound");
    app_update(&mut s, a);
    assert!(s.load.open);
    // The pane has the keys: m is its mode, not the lab's.
    assert_eq!(
        key(&s, KeyCode::Char('m')),
        Some(Action::Load(LoadAction::CycleMode))
    );
    assert_eq!(
        key(&s, KeyCode::Char('3')),
        Some(Action::Load(LoadAction::PickScenario(2)))
    );
    // The top line's "(:)" works here too: every message in full.
    assert_eq!(key(&s, KeyCode::Char(':')), Some(Action::ToggleMessages));
    let a = key(&s, KeyCode::Esc).unwrap();
    app_update(&mut s, a);
    assert!(!s.load.open);
    // The footer and the help name L.
    assert!(screen(&s).contains("L load"));
}

/// A replica the lab has but that served nothing (just added, every user pinned elsewhere)
/// still gets its line of zeros and its legend entry.
#[test]
fn a_replica_that_served_nothing_still_has_its_line() {
    let seconds = [
        second(1.0, &[("a", 10), ("b", 12)], &[(200, 22)], 3.0),
        second(2.0, &[("a", 11), ("b", 9)], &[(200, 20)], 3.0),
    ];
    let known: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let sr = series(&seconds, &known);
    let names: Vec<&str> = sr.per_replica.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    let d = &sr.per_replica[3].1;
    assert_eq!(d, &[(1.0, 0.0), (2.0, 0.0)]);
}
