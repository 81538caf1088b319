//! The load pane (`L`): pick a scenario, run it against the app's lab with `forgetful load`'s
//! engine, and watch it as charts: requests a second per replica, errors a second by reason,
//! p99, and the lab's own journal events (a restart, a mode change, a replica added or
//! removed) marked on the time axis. `v` runs the same scenario twice, in two modes, and shows
//! the two runs side by side.
//!
//! Pure like the rest of the app: `update` changes [`LoadPane`] and returns a
//! [`LoadEffect`]; the event loop runs the engine off the loop (`io`) and its snapshots come
//! back as [`LoadAction`]s. The series the charts draw are computed here, once per second of
//! the run, never in `draw`.

pub mod io;
pub mod keys;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::Duration;

use crate::api::{EntryKind, Event, JournalEntry, Mode};
use crate::load::stats::Second;
use crate::load::{Drive, LoadArgs, Scenario, Summary, Update};
use crate::tui::action::Effect;
use crate::tui::state::State;

/// Run lengths the pane offers, in seconds.
pub const DURATIONS: [u32; 7] = [5, 10, 15, 20, 30, 45, 60];
/// The pane's default length (a side-by-side run takes twice as long).
pub const DEFAULT_DURATION: u32 = 15;
/// Users the pane logs in, requests a second and connections: `forgetful load`'s defaults.
pub const USERS: u32 = 50;
pub const RATE: u32 = 200;
pub const CONNECTIONS: u32 = 16;
/// Chat clients `w` holds open.
pub const CHAT_CLIENTS: u32 = 20;
/// Control events kept from just before a run begins (a compare run's mode switch).
const RECENT_EVENTS: usize = 16;

/// Which modes a side-by-side run compares; `m` goes round them.
pub const PAIRS: [(Mode, Mode); 3] = [
    (Mode::Local, Mode::Token),
    (Mode::Local, Mode::Shared),
    (Mode::Shared, Mode::Token),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the run before it (the second half of a side-by-side run).
    Waiting,
    /// Switching mode and logging users in.
    SettingUp,
    Running,
    Done,
    Failed,
}

/// A mark on the time axis: a journal control event during the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Seconds after traffic started (0 for what happened while the run set up).
    pub t: f64,
    pub label: String,
}

/// The charts' data for one run, recomputed each second of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    /// Replica → (t, requests that second).
    pub per_replica: Vec<(String, Vec<(f64, f64)>)>,
    /// Reason → (t, answers that second); only reasons that happened.
    pub errors: Vec<(String, Vec<(f64, f64)>)>,
    /// p99 per second, in tenths of a millisecond (the sparkline's bars).
    pub p99_tenths: Vec<u64>,
    pub max_rps: f64,
    pub max_errors: f64,
    pub last_p99_ms: Option<f64>,
    pub max_p99_ms: Option<f64>,
}

/// One run as the pane shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    /// The mode this run switches the lab to (`None`: whatever the lab is in).
    pub mode: Option<Mode>,
    pub phase: Phase,
    /// When the app asked for it (Unix ms): journal events from then on are its.
    pub begun_ms: Option<u64>,
    /// When traffic started (Unix ms), from the engine.
    pub started_ms: Option<u64>,
    /// The mode the lab was in once the run had set it up.
    pub lab_mode: Option<Mode>,
    pub duration_s: f64,
    pub users: usize,
    pub seconds: Vec<Second>,
    pub logged_out: usize,
    pub marks: Vec<Mark>,
    pub series: Series,
    /// The summary's verdict, or why the run failed.
    pub outcome: Option<String>,
    pub requests: u64,
    /// The chat clients at the last second, when the run holds some.
    pub chat: Option<crate::load::stats::ChatSecond>,
}

impl RunView {
    fn new(mode: Option<Mode>, duration_s: f64) -> Self {
        RunView {
            mode,
            phase: Phase::Waiting,
            begun_ms: None,
            started_ms: None,
            lab_mode: None,
            duration_s,
            users: 0,
            seconds: Vec::new(),
            logged_out: 0,
            marks: Vec::new(),
            series: Series::default(),
            outcome: None,
            requests: 0,
            chat: None,
        }
    }

    /// Seconds of traffic so far.
    pub fn elapsed(&self) -> f64 {
        self.seconds.last().map_or(0.0, |s| s.t)
    }

    /// The mode to name in its title.
    pub fn mode_name(&self) -> Option<Mode> {
        self.lab_mode.or(self.mode)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoadPane {
    pub open: bool,
    pub scenario: Scenario,
    /// Two runs, one per mode of `pair`, side by side.
    pub compare: bool,
    /// One run: switch to this mode first (`None`: the lab's own).
    pub mode: Option<Mode>,
    /// Index into [`PAIRS`].
    pub pair: usize,
    pub duration_s: u32,
    /// WebSocket chat clients held open during the run.
    pub chat: u32,
    pub runs: Vec<RunView>,
    /// Numbers each start; snapshots of an older start are dropped.
    pub generation: u64,
    /// A run is under way (the engine's task has not said it finished).
    pub running: bool,
    /// Control events from the journal, newest last, for a run that begins just after them.
    pub recent: VecDeque<JournalEntry>,
}

impl Default for LoadPane {
    fn default() -> Self {
        LoadPane {
            open: false,
            scenario: Scenario::KillOne,
            compare: false,
            mode: None,
            pair: 0,
            duration_s: DEFAULT_DURATION,
            chat: 0,
            runs: Vec::new(),
            generation: 0,
            running: false,
            recent: VecDeque::new(),
        }
    }
}

impl LoadPane {
    /// The modes the next start runs, one per run.
    pub fn plan_modes(&self) -> Vec<Option<Mode>> {
        if self.compare {
            let (a, b) = PAIRS[self.pair % PAIRS.len()];
            vec![Some(a), Some(b)]
        } else {
            vec![self.mode]
        }
    }

    /// The engine's arguments for a run in `mode`.
    pub fn args(&self, mode: Option<Mode>) -> LoadArgs {
        LoadArgs {
            users: USERS,
            drive: Drive::Rate {
                rate: RATE,
                connections: CONNECTIONS,
            },
            duration: Duration::from_secs(u64::from(self.duration_s)),
            scenario: self.scenario,
            mode,
            chat: self.chat,
            ..LoadArgs::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoadAction {
    Open,
    Close,
    NextScenario,
    PrevScenario,
    PickScenario(usize),
    ToggleCompare,
    CycleMode,
    Longer,
    Shorter,
    ToggleChat,
    /// Start the planned runs, or stop the one under way.
    StartStop,
    // From the engine's task.
    /// Run `run` of start `generation` is about to switch mode and log in.
    Begin {
        generation: u64,
        run: usize,
        unix_ms: u64,
    },
    Update {
        generation: u64,
        run: usize,
        update: Box<Update>,
    },
    Done {
        generation: u64,
        run: usize,
        result: Result<Box<Summary>, String>,
    },
    /// Every run of the start has ended.
    Finished {
        generation: u64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum LoadEffect {
    /// Run these one after the other, reporting as `generation`.
    Start {
        generation: u64,
        runs: Vec<LoadArgs>,
    },
    Stop,
}

fn fx(e: LoadEffect) -> Effect {
    Effect::Load(e)
}

pub fn update(s: &mut State, a: LoadAction) -> Vec<Effect> {
    use LoadAction as A;
    let p = &mut s.load;
    let mut out = Vec::new();
    let busy = |p: &LoadPane| p.running;
    match a {
        A::Open => {
            p.open = true;
            s.tool = None;
            s.overlay = None;
            s.status = Some(if p.running {
                "the run goes on: Enter stops it".into()
            } else {
                "pick a scenario (←→), then Enter starts it".into()
            });
        }
        A::Close => {
            p.open = false;
            if p.running {
                s.status = Some("the run goes on in the background: L shows it".into());
            }
        }
        A::NextScenario | A::PrevScenario | A::PickScenario(_) if busy(p) => {
            s.status = Some("a run is under way: Enter stops it first".into());
        }
        A::NextScenario | A::PrevScenario => {
            let all = Scenario::ALL;
            let i = all.iter().position(|x| *x == p.scenario).unwrap_or(0);
            let n = all.len();
            let j = if a == A::NextScenario {
                (i + 1) % n
            } else {
                (i + n - 1) % n
            };
            p.scenario = all[j];
            s.status = Some(format!("scenario {}: {}", p.scenario, describe(p.scenario)));
        }
        A::PickScenario(i) => {
            if let Some(x) = Scenario::ALL.get(i) {
                p.scenario = *x;
                s.status = Some(format!("scenario {}: {}", p.scenario, describe(p.scenario)));
            }
        }
        A::ToggleCompare | A::CycleMode | A::Longer | A::Shorter | A::ToggleChat if busy(p) => {
            s.status = Some("a run is under way: Enter stops it first".into());
        }
        A::ToggleCompare => {
            p.compare = !p.compare;
            s.status = Some(if p.compare {
                let (a, b) = PAIRS[p.pair % PAIRS.len()];
                format!(
                    "side by side: the same scenario in {a} mode, then in {b} mode (m: which two)"
                )
            } else {
                "one run (m: which mode)".into()
            });
        }
        A::CycleMode => {
            if p.compare {
                p.pair = (p.pair + 1) % PAIRS.len();
                let (a, b) = PAIRS[p.pair];
                s.status = Some(format!("side by side: {a} mode, then {b} mode"));
            } else {
                p.mode = match p.mode {
                    None => Some(Mode::Local),
                    Some(Mode::Local) => Some(Mode::Shared),
                    Some(Mode::Shared) => Some(Mode::Token),
                    Some(Mode::Token) => None,
                };
                s.status = Some(match p.mode {
                    Some(m) => format!("the run switches the lab to {m} mode (and back after)"),
                    None => "the run keeps the lab's mode".into(),
                });
            }
        }
        A::Longer | A::Shorter => {
            let i = DURATIONS
                .iter()
                .position(|d| *d >= p.duration_s)
                .unwrap_or(DURATIONS.len() - 1);
            let j = if a == A::Longer {
                (i + 1).min(DURATIONS.len() - 1)
            } else {
                i.saturating_sub(1)
            };
            p.duration_s = DURATIONS[j];
            s.status = Some(format!("each run lasts {} s", p.duration_s));
        }
        A::ToggleChat => {
            p.chat = if p.chat == 0 { CHAT_CLIENTS } else { 0 };
            s.status = Some(if p.chat > 0 {
                format!(
                    "{} WebSocket chat clients stay connected during the run; a restart drops them",
                    p.chat
                )
            } else {
                "no chat clients".into()
            });
        }
        A::StartStop => {
            if p.running {
                out.push(fx(LoadEffect::Stop));
                s.status = Some("stopping the run…".into());
            } else if s.lab.state.is_none() {
                s.status = Some("the lab is not reachable yet".into());
            } else {
                p.generation += 1;
                p.running = true;
                let modes = p.plan_modes();
                let d = f64::from(p.duration_s);
                p.runs = modes.iter().map(|m| RunView::new(*m, d)).collect();
                let runs = modes.iter().map(|m| p.args(*m)).collect();
                out.push(fx(LoadEffect::Start {
                    generation: p.generation,
                    runs,
                }));
                s.status = Some(format!("starting {}…", p.scenario));
            }
        }
        A::Begin {
            generation,
            run,
            unix_ms,
        } => {
            if generation != p.generation {
                return out;
            }
            if let Some(r) = p.runs.get_mut(run) {
                r.phase = Phase::SettingUp;
                r.begun_ms = Some(unix_ms);
                // What the journal said just before (it may beat this message here).
                let early: Vec<JournalEntry> = p
                    .recent
                    .iter()
                    .filter(|e| e.ts_ms >= unix_ms)
                    .cloned()
                    .collect();
                for e in early {
                    mark(r, &e);
                }
            }
        }
        A::Update {
            generation,
            run,
            update,
        } => {
            if generation != p.generation {
                return out;
            }
            let Some(r) = p.runs.get_mut(run) else {
                return out;
            };
            match *update {
                Update::Started {
                    unix_ms,
                    mode,
                    users,
                    duration_s,
                    ..
                } => {
                    r.phase = Phase::Running;
                    r.started_ms = Some(unix_ms);
                    r.lab_mode = Some(mode);
                    r.users = users;
                    r.duration_s = duration_s;
                    // Marks made while it set up sit at the start.
                    for m in &mut r.marks {
                        m.t = 0.0;
                    }
                    s.status = Some(format!(
                        "{} under way in {mode} mode: Enter stops it",
                        p.scenario
                    ));
                }
                Update::Second { second, logged_out } => {
                    r.logged_out = logged_out;
                    if second.chat.is_some() {
                        r.chat = second.chat.clone();
                    }
                    r.requests += second.requests;
                    r.seconds.push(second);
                    // Every replica the lab has gets a line and a legend entry, even one that
                    // served nothing yet (a replica just added, all users pinned elsewhere).
                    let known: Vec<String> = s
                        .lab
                        .state
                        .as_ref()
                        .map(|st| st.replicas.iter().map(|r| r.name.clone()).collect())
                        .unwrap_or_default();
                    r.series = series(&r.seconds, &known);
                    // The lab panel's counters follow, once a second.
                    out.push(Effect::RefreshState);
                }
                Update::Line(_) | Update::Elapsed(_) | Update::Event(_) => {}
            }
        }
        A::Done {
            generation,
            run,
            result,
        } => {
            if generation != p.generation {
                return out;
            }
            if let Some(r) = p.runs.get_mut(run) {
                match result {
                    Ok(summary) => {
                        r.phase = Phase::Done;
                        r.outcome = Some(summary.verdict.clone());
                        r.duration_s = summary.duration_s;
                        s.status = Some(format!(
                            "{} in {} mode: {}",
                            summary.scenario, summary.mode, summary.verdict
                        ));
                    }
                    Err(e) => {
                        r.phase = Phase::Failed;
                        r.outcome = Some(e.clone());
                        s.status = Some(format!("load: {e}"));
                    }
                }
            }
        }
        A::Finished { generation } => {
            if generation == p.generation {
                p.running = false;
                // A run that never began (stopped before it) says so.
                for r in &mut p.runs {
                    if r.phase == Phase::Waiting {
                        r.phase = Phase::Failed;
                        r.outcome = Some("not run: stopped before it began".into());
                    }
                }
            }
        }
    }
    out
}

/// A journal entry arrived: control events that change what the traffic meets are marked on
/// the run they happened in.
pub fn on_journal(s: &mut State, e: &JournalEntry) {
    if e.kind != EntryKind::Control || label(e).is_none() {
        return;
    }
    let p = &mut s.load;
    if p.recent.len() == RECENT_EVENTS {
        p.recent.pop_front();
    }
    p.recent.push_back(e.clone());
    if !p.running {
        return;
    }
    if let Some(r) = p
        .runs
        .iter_mut()
        .rev()
        .find(|r| matches!(r.phase, Phase::SettingUp | Phase::Running))
        && r.begun_ms.is_some_and(|b| e.ts_ms >= b)
    {
        mark(r, e);
    }
}

fn mark(r: &mut RunView, e: &JournalEntry) {
    let Some(label) = label(e) else { return };
    // Before its traffic starts a run only switches the mode; anything else from then (what
    // the run before it put back, say) is not on this run's time axis.
    let before_traffic = r.started_ms.is_none_or(|start| e.ts_ms < start);
    if before_traffic && e.event != Some(Event::ModeChanged) {
        return;
    }
    let t = match r.started_ms {
        Some(start) => e.ts_ms.saturating_sub(start) as f64 / 1000.0,
        None => 0.0,
    };
    // What the run puts back once its traffic has ended is not part of the picture.
    if t >= r.duration_s {
        return;
    }
    let t = t.min(r.duration_s);
    r.marks.push(Mark { t, label });
}

/// The short name of an event the charts mark, or `None` for one they do not.
pub fn label(e: &JournalEntry) -> Option<String> {
    let who = e.replica.as_deref().unwrap_or("?");
    Some(match e.event? {
        Event::ModeChanged => format!("mode {}", e.mode),
        Event::ReplicaRestarted => format!("{who} restarted"),
        Event::ReplicaStopped => format!("{who} stopped"),
        Event::ReplicaStarted => format!("{who} started"),
        Event::ReplicaAdded => format!("{who} added"),
        Event::ReplicaRemoved => format!("{who} removed"),
        _ => return None,
    })
}

/// What a scenario does, in a few words, for the status line.
pub fn describe(s: Scenario) -> &'static str {
    match s {
        Scenario::Steady => "traffic only, nothing happens to the lab",
        Scenario::KillOne => "a third of the way in, replica b is stopped",
        Scenario::RollingRestart => "each replica is restarted in turn",
        Scenario::ScaleOut => "a third of the way in, a replica is added",
        Scenario::RedisOutage => "the lab's Redis is paused for a third of the run",
    }
}

/// Errors by reason, in the order the chart lists them; the chat's dropped connections last.
const REASONS: [&str; 6] = [
    "401 login lost",
    "502",
    "503",
    "other",
    "no answer",
    "chat drops",
];

/// The charts' series from the seconds so far.
pub fn series(seconds: &[Second], known: &[String]) -> Series {
    let mut names: Vec<String> = known.to_vec();
    for sec in seconds {
        for n in sec.by_replica.keys() {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    names.sort();
    names.dedup();
    let per_replica: Vec<(String, Vec<(f64, f64)>)> = names
        .into_iter()
        .map(|n| {
            let pts = seconds
                .iter()
                .map(|s| (s.t, s.by_replica.get(&n).copied().unwrap_or(0) as f64))
                .collect();
            (n, pts)
        })
        .collect();
    let count = |s: &Second, reason: &str| -> u64 {
        let code = |c: u16| s.status.get(&c).copied().unwrap_or(0);
        match reason {
            "401 login lost" => code(401),
            "502" => code(502),
            "503" => code(503),
            "chat drops" => s.chat.as_ref().map_or(0, |c| c.drops),
            "other" => s
                .status
                .iter()
                .filter(|(c, _)| !(200..300).contains(*c) && !matches!(**c, 401 | 502 | 503))
                .map(|(_, n)| n)
                .sum(),
            _ => s.transport_errors,
        }
    };
    let errors: Vec<(String, Vec<(f64, f64)>)> = REASONS
        .iter()
        .filter(|r| seconds.iter().any(|s| count(s, r) > 0))
        .map(|r| {
            let pts = seconds.iter().map(|s| (s.t, count(s, r) as f64)).collect();
            (r.to_string(), pts)
        })
        .collect();
    let max = |v: &[(String, Vec<(f64, f64)>)]| {
        v.iter()
            .flat_map(|(_, p)| p.iter().map(|(_, y)| *y))
            .fold(0.0f64, f64::max)
    };
    let p99: Vec<Option<f64>> = seconds.iter().map(|s| s.p99_ms).collect();
    Series {
        max_rps: max(&per_replica),
        max_errors: max(&errors),
        p99_tenths: p99
            .iter()
            .map(|v| v.map_or(0, |ms| (ms * 10.0).round() as u64))
            .collect(),
        last_p99_ms: p99.last().copied().flatten(),
        max_p99_ms: p99.iter().flatten().copied().reduce(f64::max),
        per_replica,
        errors,
    }
}
