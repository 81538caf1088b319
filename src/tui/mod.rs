//! The terminal app: `forgetful` with no command.
//!
//! One event loop: terminal input, the journal stream and the results of lab calls all
//! arrive on one channel as messages; each becomes an `Action`, `update` changes the state,
//! and the screen is redrawn. Nothing runs on a timer, so an idle app uses no CPU.
//!
//! The app reaches the lab only over HTTP (`client::LabClient`), like curl or the grader.
//! Even the embedded lab is started by the command line, which hands over a future that
//! yields its URL and key, and one that stops it: this module never names a lab type.

pub mod action;
pub mod class;
pub mod console;
pub mod course_adapter;
pub mod draw;
pub mod event;
pub mod help;
pub mod inspector;
pub mod keymap;
pub mod layout;
pub mod load;
pub mod predict;
pub mod progress_port;
pub mod readline;
pub mod state;
pub mod style;
pub mod token;
pub mod views;
pub mod workspace;

#[cfg(test)]
pub(crate) mod tests;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream, KeyCode};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use tokio::sync::mpsc;

use crate::client::LabClient;

use action::{Action, Effect, LabCall};
use progress_port::{ProgressPort, ReaderPosition};
use state::State;

/// What arrives on the loop's one channel.
/// Feeds a screen's loop: each terminal event as `event(ev)`, and `quit()` once at SIGTERM or
/// SIGHUP, so those close the screen cleanly too (Ctrl-C arrives as a key in raw mode). The
/// app and the class view both run on it.
pub(crate) fn spawn_input<M: Send + 'static>(
    tx: &mpsc::UnboundedSender<M>,
    event: fn(Event) -> M,
    quit: fn() -> M,
) {
    let input = tx.clone();
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(ev)) = events.next().await {
            if input.send(event(ev)).is_err() {
                break;
            }
        }
    });
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let sig_tx = tx.clone();
        tokio::spawn(async move {
            let (Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            tokio::select! { _ = term.recv() => {}, _ = hup.recv() => {} }
            let _ = sig_tx.send(quit());
        });
    }
}

enum Msg {
    Term(crossterm::event::Event),
    Action(Action),
    /// A debounced `/admin/state` read finished.
    Refreshed(Action),
    /// The embedded lab is up (or failed to start).
    Started(Result<EmbeddedLab, String>),
    /// Time for a frame that was held back (at most 4 a second while a load runs).
    Redraw,
}

/// A lab started beside the app, as the command line reports it once it is up.
pub struct EmbeddedLab {
    pub url: String,
    /// The lab's source key, so the app's checks can tag their probes `grader`.
    pub key: String,
    /// Shown beside the URL, e.g. "port 7878 was taken".
    pub note: Option<String>,
    /// Stops the lab; the app gives it a few seconds when it quits.
    pub stop: BoxFuture<'static, ()>,
}

/// Which lab the app talks to.
pub enum LabSource {
    /// Start one beside the app: the first frame does not wait for it.
    Embedded(BoxFuture<'static, Result<EmbeddedLab, String>>),
    /// A lab that is already running; `key` when its data dir published one.
    Remote { url: String, key: Option<String> },
}

/// Wait after a journal event before re-reading `/admin/state`, so a burst costs one call.
const REFRESH_DEBOUNCE: Duration = Duration::from_millis(60);
/// While the load pane's run is under way the screen is drawn at most this often (4 a
/// second); otherwise a frame follows each event, and nothing is drawn while nothing happens.
pub const RUN_FRAME: Duration = Duration::from_millis(250);

/// The app, talking to `lab`.
pub fn run(lab: LabSource, data_dir: &Path, course: Option<&Path>) -> anyhow::Result<i32> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let _log = init_logging(data_dir, "forgetful.log");
    let loaded = course_adapter::load_course(course).context("loading the course")?;
    let (mut progress, progress_warning) = progress_port::open(data_dir)?;
    let mut state = initial_state(loaded.lessons, loaded.problems, progress.as_ref());
    // A lesson whose predictions were all answered counts as read (also in a record kept
    // before that rule).
    for id in predict::read_by_predictions(&state.lessons, &state.read, &state.predicted) {
        if let Err(e) = progress.mark_read(&id) {
            tracing::warn!("marking {id} read: {e:#}");
        }
        state.read.insert(id);
    }
    console::io::init(&mut state, data_dir);
    if data_dir != crate::paths::data_dir(None) {
        let dir = data_dir.to_string_lossy();
        state.command_flags = shlex::try_quote(&dir)
            .ok()
            .map(|q| format!("--data-dir {q}"));
    }
    state.work.defs = loaded.defs;
    if let Some(w) = progress_warning {
        tracing::warn!("{w}");
        state.status = Some(w);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;

    let mut terminal = init_terminal();
    let size = terminal.size().unwrap_or_default();
    action::update(&mut state, Action::Resize(size.width, size.height));
    if let Some(pos) = progress.load_reader_position() {
        state.scroll = pos.scroll.min(action::max_scroll(&state));
    }
    let result = rt.block_on(event_loop(&mut terminal, state, progress, lab));
    // Give the terminal back first; stopping the lab can take a moment.
    restore_terminal();
    let result = result.map(|stop| {
        if let Some(stop) = stop {
            rt.block_on(async {
                let _ = tokio::time::timeout(Duration::from_secs(3), stop).await;
            });
        }
    });
    // The lab's tasks end with the runtime; do not wait for idle keep-alive connections.
    rt.shutdown_timeout(Duration::from_millis(500));
    result.map(|()| 0)
}

fn initial_state(
    lessons: Vec<state::LessonItem>,
    mut problems: Vec<state::ProblemItem>,
    progress: &dyn ProgressPort,
) -> State {
    for p in &mut problems {
        (p.service_ok, p.answer_ok) = progress.problem_status(&p.id);
    }
    let current = progress
        .load_reader_position()
        .and_then(|pos| lessons.iter().position(|l| l.id == pos.lesson))
        .unwrap_or(0);
    State {
        lessons,
        problems,
        read: progress.lessons_read(),
        predicted: progress.predictions(),
        current,
        // NO_COLOR: present and not empty (https://no-color.org).
        color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        ..State::default()
    }
}

/// Logs go to `DATA_DIR/<file>` (`forgetful.log` for the app); the terminal belongs to the app.
pub(crate) fn init_logging(
    data_dir: &Path,
    file: &str,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let file = tracing_appender::rolling::never(data_dir, file);
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = tracing_subscriber::EnvFilter::try_from_env("FORGETFUL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()
        .map(|()| guard)
}

/// Takes the terminal (alternate screen, raw mode, mouse); a panic gives it back first.
pub(crate) fn init_terminal() -> ratatui::DefaultTerminal {
    // ratatui::init installs a panic hook that restores the terminal; ours runs first and
    // also turns mouse reporting off, then hands over (which prints the panic message).
    let terminal = ratatui::init();
    let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
        ratatui::restore();
        previous(info);
    }));
    terminal
}

/// Gives the terminal back as it was.
pub(crate) fn restore_terminal() {
    let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    let _ = std::io::stdout().flush();
}

/// Milliseconds since the Unix epoch (the benchmark compares it with the launch time).
pub(crate) fn unix_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut state: State,
    progress: Box<dyn ProgressPort>,
    lab: LabSource,
) -> anyhow::Result<Option<BoxFuture<'static, ()>>> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let (progress, progress_thread) = ProgressWorker::start(progress);

    spawn_input(&tx, Msg::Term, || Msg::Action(Action::Quit));

    // The lab: start it beside the app (the first frame does not wait for it), or connect.
    let mut client: Option<LabClient> = None;
    let mut feeds = Vec::new();
    let mut stop: Option<BoxFuture<'static, ()>> = None;
    match lab {
        LabSource::Embedded(start) => {
            let started = tx.clone();
            tokio::spawn(async move {
                let _ = started.send(Msg::Started(start.await));
            });
        }
        LabSource::Remote { url, key } => {
            let (c, feed) = connect(&tx, &url, key);
            feeds.push(feed);
            let _ = tx.send(Msg::Action(Action::LabStarted {
                url,
                note: Some("connected".into()),
            }));
            client = Some(c);
        }
    }

    let mut refresh = Refresh::default();
    let mut runner = load::io::Runner::default();
    let mut frames = Frames::default();
    terminal.draw(|f| draw::draw(&state, f))?;
    tracing::info!(first_frame_unix_ms = %unix_ms(), "first frame drawn");

    while let Some(first) = rx.recv().await {
        // Handle everything already queued, then draw once.
        let mut dirty = false;
        let mut next = Some(first);
        let mut split = None;
        while let Some(msg) = next {
            let act = match msg {
                Msg::Term(ev) => match event::esc_prefixed(&state, &ev) {
                    Some(plain) => {
                        split = Some(Msg::Term(plain));
                        event::map(&state, &Event::Key(KeyCode::Esc.into()))
                    }
                    None => event::map(&state, &ev),
                },
                Msg::Action(a) => Some(a),
                Msg::Refreshed(a) => {
                    refresh.in_flight = false;
                    if std::mem::take(&mut refresh.again) {
                        run_effect(
                            Effect::RefreshState,
                            &state,
                            &progress,
                            client.as_ref(),
                            &tx,
                            &mut refresh,
                        );
                    }
                    Some(a)
                }
                Msg::Started(Ok(lab)) => {
                    tracing::info!(url = %lab.url, "lab started");
                    let (c, feed) = connect(&tx, &lab.url, Some(lab.key));
                    client = Some(c);
                    feeds.push(feed);
                    stop = Some(lab.stop);
                    Some(Action::LabStarted {
                        url: lab.url,
                        note: lab.note,
                    })
                }
                Msg::Started(Err(e)) => {
                    tracing::error!("{e}");
                    Some(Action::LabFailed(e))
                }
                Msg::Redraw => {
                    frames.timer = false;
                    None
                }
            };
            if let Some(a) = act {
                dirty = true;
                for fx in action::update(&mut state, a) {
                    if let Effect::Load(e) = fx {
                        let tx = tx.clone();
                        runner.run(e, client.as_ref(), move |a| {
                            let _ = tx.send(Msg::Action(a));
                        });
                    } else {
                        run_effect(fx, &state, &progress, client.as_ref(), &tx, &mut refresh);
                    }
                }
            }
            next = split.take().or_else(|| rx.try_recv().ok());
        }
        if state.quit {
            break;
        }
        if frames.due(dirty, state.load.running, &tx) {
            terminal.draw(|f| draw::draw(&state, f))?;
        }
    }
    // A run under way is stopped, and what it changed put back, before the lab goes.
    runner.finish().await;
    // Close our own journal stream, or the lab's graceful shutdown would wait for it.
    for f in feeds {
        f.abort();
    }
    // Every progress change issued before quitting is written before the app exits.
    drop(progress);
    let _ = tokio::task::spawn_blocking(move || progress_thread.join()).await;
    Ok(stop)
}

/// Progress writes (each an fsync) and grading run on a thread of their own, in the order
/// they were issued, so the event loop never waits on the disk.
struct ProgressWorker {
    jobs: std::sync::mpsc::Sender<ProgressJob>,
}

type ProgressJob = Box<dyn FnOnce(&mut dyn ProgressPort) + Send>;

impl ProgressWorker {
    fn start(mut port: Box<dyn ProgressPort>) -> (Self, std::thread::JoinHandle<()>) {
        let (jobs, rx) = std::sync::mpsc::channel::<ProgressJob>();
        // Effects spawn tasks (checks, timers): the thread works inside the app's runtime.
        let rt = tokio::runtime::Handle::current();
        let thread = std::thread::spawn(move || {
            let _inside = rt.enter();
            for job in rx {
                job(&mut *port);
            }
        });
        (Self { jobs }, thread)
    }

    fn run(&self, job: impl FnOnce(&mut dyn ProgressPort) + Send + 'static) {
        let _ = self.jobs.send(Box::new(job));
    }
}

/// Makes the client, then starts the journal feed and a first state read.
fn connect(
    tx: &mpsc::UnboundedSender<Msg>,
    url: &str,
    key: Option<String>,
) -> (LabClient, tokio::task::JoinHandle<()>) {
    let client = LabClient::new(url, "console").with_key(key);
    let feed = tokio::spawn(journal_feed(client.clone(), tx.clone()));
    let c = client.clone();
    let t = tx.clone();
    tokio::spawn(async move { send_state(&c, &t).await });
    (client, feed)
}

async fn send_state(c: &LabClient, tx: &mpsc::UnboundedSender<Msg>) {
    let _ = tx.send(Msg::Action(read_state(c).await));
}

async fn read_state(c: &LabClient) -> Action {
    match c.full_state().await {
        Ok(st) => Action::LabFullState(Box::new(st)),
        Err(e) => Action::LabUnreachable(e.to_string()),
    }
}

/// The journal stream, forwarded entry by entry; reconnects (from the last id seen) if the
/// lab goes away, which only costs anything while it is away.
async fn journal_feed(client: LabClient, tx: mpsc::UnboundedSender<Msg>) {
    let mut since = 0;
    loop {
        // Not `forgetful load`'s requests (thousands a second); its control events do come.
        match client
            .journal_stream_skipping(since, Some(crate::api::Source::Load))
            .await
        {
            Ok(stream) => {
                let mut stream = std::pin::pin!(stream);
                while let Some(item) = stream.next().await {
                    match item {
                        Ok(e) => {
                            since = e.id;
                            if tx.send(Msg::Action(Action::Journal(Box::new(e)))).is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            tracing::warn!("journal stream: {e}");
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                if tx
                    .send(Msg::Action(Action::LabUnreachable(e.to_string())))
                    .is_err()
                {
                    return;
                }
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// When to draw: after each batch of events, except while a load runs, when frames are at
/// least [`RUN_FRAME`] apart (one held back is drawn when its time comes). Counts the frames
/// of each run for the log, which `benches/load_pane.sh` reads.
#[derive(Default)]
struct Frames {
    last: Option<std::time::Instant>,
    /// A frame was held back and is owed.
    owed: bool,
    /// A `Msg::Redraw` is on its way.
    timer: bool,
    /// When the current run began, and the frames drawn since.
    run: Option<(std::time::Instant, u64)>,
}

impl Frames {
    fn due(&mut self, dirty: bool, running: bool, tx: &mpsc::UnboundedSender<Msg>) -> bool {
        let now = std::time::Instant::now();
        match (&mut self.run, running) {
            (None, true) => self.run = Some((now, 0)),
            (Some((since, n)), false) => {
                let secs = since.elapsed().as_secs_f64();
                tracing::info!(
                    frames = *n,
                    seconds = format!("{secs:.1}"),
                    per_second = format!("{:.2}", *n as f64 / secs.max(1e-3)),
                    "load pane: frames drawn during the run"
                );
                self.run = None;
            }
            _ => {}
        }
        if !(dirty || self.owed) {
            return false;
        }
        let since = self.last.map(|t| now - t);
        if running && since.is_some_and(|d| d < RUN_FRAME) {
            self.owed = true;
            if !self.timer {
                self.timer = true;
                let wait = RUN_FRAME - since.unwrap_or_default();
                let tx = tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    let _ = tx.send(Msg::Redraw);
                });
            }
            return false;
        }
        self.owed = false;
        self.last = Some(now);
        if let Some((_, n)) = &mut self.run {
            *n += 1;
        }
        true
    }
}

/// Debounces `/admin/state` reads: at most one in flight, and one more queued behind it.
#[derive(Default)]
struct Refresh {
    in_flight: bool,
    again: bool,
}

fn run_effect(
    fx: Effect,
    state: &State,
    progress: &ProgressWorker,
    client: Option<&LabClient>,
    tx: &mpsc::UnboundedSender<Msg>,
    refresh: &mut Refresh,
) {
    match fx {
        Effect::Quit | Effect::Load(_) => {}
        Effect::Work(w) => {
            let tx = tx.clone();
            let needs = workspace::effects::Needs::of(&w, state, client);
            progress.run(move |p| {
                workspace::effects::run(w, needs, p, move |a| {
                    let _ = tx.send(Msg::Action(a));
                });
            });
        }
        Effect::SaveProgress => {
            if let Some(l) = state.lesson() {
                let pos = ReaderPosition {
                    lesson: l.id.clone(),
                    scroll: state.scroll,
                };
                progress.run(move |p| {
                    if let Err(e) = p.save_reader_position(&pos) {
                        tracing::warn!("saving the reader position: {e:#}");
                    }
                });
            }
        }
        Effect::RecordPrediction(key, record) => progress.run(move |p| {
            if let Err(e) = p.record_prediction(&key, record) {
                tracing::warn!("recording prediction {key}: {e:#}");
            }
        }),
        Effect::MarkRead(id) => progress.run(move |p| {
            if let Err(e) = p.mark_read(&id) {
                tracing::warn!("marking {id} read: {e:#}");
            }
        }),
        Effect::Console(e) => {
            let tx = tx.clone();
            console::io::run(e, state, client, move |a| {
                let _ = tx.send(Msg::Action(a));
            });
        }
        Effect::RefreshState => {
            let Some(c) = client else { return };
            if refresh.in_flight {
                refresh.again = true;
                return;
            }
            refresh.in_flight = true;
            let (c, tx) = (c.clone(), tx.clone());
            tokio::spawn(async move {
                tokio::time::sleep(REFRESH_DEBOUNCE).await;
                let _ = tx.send(Msg::Refreshed(read_state(&c).await));
            });
        }
        Effect::Lab(call) => {
            let Some(c) = client else { return };
            let (c, tx) = (c.clone(), tx.clone());
            tokio::spawn(async move {
                let a = lab_call(&c, call).await;
                let _ = tx.send(Msg::Action(a));
            });
        }
    }
}

/// Runs one admin call and says what happened, in words for the status line.
async fn lab_call(c: &LabClient, call: LabCall) -> Action {
    use crate::client::ReplicaAction as R;
    let done = |r: Result<crate::api::LabState, crate::client::ClientError>, msg: String| match r {
        Ok(st) => Action::LabDone {
            message: Ok(msg),
            state: Some(Box::new(st)),
        },
        Err(e) => Action::LabDone {
            message: Err(e.to_string()),
            state: None,
        },
    };
    match call {
        LabCall::SetMode(m) => done(c.set_mode(m).await, format!("mode is now {m}")),
        LabCall::SetPolicy(p) => done(c.set_policy(p).await, format!("policy is now {p}")),
        LabCall::SetDenylist(on) => done(
            c.set_denylist(on).await,
            format!("denylist {}", if on { "on" } else { "off" }),
        ),
        LabCall::Replica(name, act) => {
            let verb = match act {
                R::Restart => "restarted",
                R::Stop => "stopped",
                R::Start => "started",
            };
            done(
                c.replica(&name, act).await,
                format!("replica {name} {verb}"),
            )
        }
        LabCall::StartAttacker(user) => match c.start_attacker(&user).await {
            Ok(_) => done(
                c.state().await,
                format!("attacker started with {user}'s stolen credential"),
            ),
            Err(e) => Action::LabDone {
                message: Err(e.to_string()),
                state: None,
            },
        },
        LabCall::StopAttacker => match c.stop_attacker().await {
            Ok(_) => done(c.state().await, "attacker stopped".into()),
            Err(e) => Action::LabDone {
                message: Err(e.to_string()),
                state: None,
            },
        },
        LabCall::Revoke(user) => match c.revoke(&user).await {
            Ok(_) => done(c.state().await, format!("revoked {user}'s credentials")),
            Err(e) => Action::LabDone {
                message: Err(e.to_string()),
                state: None,
            },
        },
    }
}
