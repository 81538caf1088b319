//! `forgetful class` without `--format`: the instructor's live class view.
//!
//! The same one-way flow as the app: a key, a mouse event or an answer from the workshop
//! server becomes a [`ClassAction`]; [`update`] changes [`ClassState`] and returns
//! [`ClassEffect`]s (calls to the server, made by the loop through `client::RoomClient`, whose
//! answers come back as actions); `view::draw` reads the state. The class summary comes from a
//! task that asks the server to answer only once the room has changed
//! (`GET /workshop/class?after=N`) and passes a summary on only when it would change the
//! screen, so an idle room costs neither requests in a loop nor redraws.

pub mod keys;
pub mod view;

#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;

use crate::api::class::{ClassSummary, LearnerDetail, LearnerRow, ReviewAnswer};
use crate::client::RoomClient;
use crate::course::problem::Problem;
use crate::grade::rubric::Verdict;

/// Which screen is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Screen {
    /// One row per learner.
    #[default]
    List,
    /// One learner: answers, rubric results, journal.
    Detail,
}

/// Everything the class view shows, as plain data.
#[derive(Debug, Clone, Default)]
pub struct ClassState {
    /// The workshop server.
    pub url: String,
    /// The latest summary the server gave.
    pub summary: Option<ClassSummary>,
    /// Why the server cannot be reached right now (the last summary stays on screen).
    pub error: Option<String>,
    /// Index into the summary's learners.
    pub selected: usize,
    pub screen: Screen,
    /// The learner opened with Enter.
    pub detail: Option<Detail>,
    pub help: bool,
    pub help_scroll: usize,
    /// The latest message for the top line.
    pub status: Option<String>,
    pub size: (u16, u16),
    /// False under NO_COLOR.
    pub color: bool,
    pub quit: bool,
    /// The course's problems, to grade an answer again with today's rubric.
    pub defs: Vec<Arc<Problem>>,
}

/// One learner, opened.
#[derive(Debug, Clone, Default)]
pub struct Detail {
    pub name: String,
    /// `None` until the server answers.
    pub data: Option<LearnerDetail>,
    pub error: Option<String>,
    /// Index into the answers (one per problem).
    pub problem: usize,
    /// Lines the answer pane is scrolled.
    pub scroll: usize,
    /// The rubric's result for each problem's latest answer (graded when the detail arrives).
    pub verdicts: Vec<Option<Verdict>>,
    /// A review on its way to the server: accept or reject.
    pub sending: Option<bool>,
}

impl Detail {
    /// The answer selected, if the detail is in.
    pub fn answer(&self) -> Option<&crate::api::class::AnswerDetail> {
        self.data.as_ref()?.answers.get(self.problem)
    }
}

impl ClassState {
    pub fn new(url: &str, defs: Vec<Arc<Problem>>, color: bool) -> Self {
        ClassState {
            url: url.to_string(),
            defs,
            color,
            ..ClassState::default()
        }
    }

    pub fn learners(&self) -> &[LearnerRow] {
        self.summary.as_ref().map_or(&[], |s| &s.learners)
    }

    pub fn selected_learner(&self) -> Option<&LearnerRow> {
        self.learners().get(self.selected)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClassAction {
    Quit,
    Resize(u16, u16),
    /// The next (positive) or previous learner; on a learner, the next or previous problem.
    Move(i64),
    Top,
    Bottom,
    /// Enter: open the selected learner (on a learner: ask for their detail again).
    Open,
    /// Esc: close the help, or go back to the list.
    Back,
    /// `a` (true) or `r` (false) on the selected problem's self-assessed answer.
    Review(bool),
    ToggleHelp,
    ScrollHelp(i64),
    /// A click on the learner at this index: select it, or open it when it is selected.
    ClickLearner(usize),
    /// A click on a problem in the detail.
    ClickProblem(usize),
    /// Lines of the answer pane; negative scrolls up.
    ScrollAnswer(i64),
    /// A page of the answer pane, down (1) or up (-1).
    PageAnswer(i64),
    // From the workshop server.
    Summary(Box<ClassSummary>),
    Unreachable(String),
    Detail(Box<LearnerDetail>),
    DetailFailed {
        name: String,
        error: String,
    },
    Reviewed {
        name: String,
        problem: String,
        result: Result<Box<ReviewAnswer>, String>,
    },
}

/// What the loop does for `update`: calls to the workshop server.
#[derive(Debug, Clone, PartialEq)]
pub enum ClassEffect {
    FetchDetail(String),
    Review {
        name: String,
        problem: String,
        accept: bool,
    },
}

fn clamp_index(i: i64, len: usize) -> usize {
    i.clamp(0, len.saturating_sub(1) as i64) as usize
}

pub fn update(s: &mut ClassState, a: ClassAction) -> Vec<ClassEffect> {
    let mut fx = Vec::new();
    match a {
        ClassAction::Quit => s.quit = true,
        ClassAction::Resize(w, h) => s.size = (w, h),
        ClassAction::Move(n) => match (&s.screen, &mut s.detail) {
            (Screen::Detail, Some(d)) => {
                let len = d.data.as_ref().map_or(0, |x| x.answers.len());
                d.problem = clamp_index(d.problem as i64 + n, len);
                d.scroll = 0;
            }
            _ => s.selected = clamp_index(s.selected as i64 + n, s.learners().len()),
        },
        ClassAction::Top => update_move_to(s, 0),
        ClassAction::Bottom => update_move_to(s, i64::MAX / 2),
        ClassAction::Open => open(s, &mut fx),
        ClassAction::Back => {
            if s.help {
                s.help = false;
            } else if s.screen == Screen::Detail {
                s.screen = Screen::List;
                s.detail = None;
                s.status = None;
            } else {
                s.status = Some("q quits the class view".into());
            }
        }
        ClassAction::Review(accept) => review(s, accept, &mut fx),
        ClassAction::ToggleHelp => {
            s.help = !s.help;
            s.help_scroll = 0;
        }
        ClassAction::ScrollHelp(n) => {
            let max = view::help_max_scroll(s) as i64;
            s.help_scroll = (s.help_scroll as i64).saturating_add(n).clamp(0, max) as usize;
        }
        ClassAction::ClickLearner(i) => {
            if i < s.learners().len() {
                if i == s.selected {
                    open(s, &mut fx);
                } else {
                    s.selected = i;
                }
            }
        }
        ClassAction::ClickProblem(i) => {
            if let Some(d) = &mut s.detail
                && d.data.as_ref().is_some_and(|x| i < x.answers.len())
            {
                d.problem = i;
                d.scroll = 0;
            }
        }
        ClassAction::ScrollAnswer(n) => scroll_answer(s, n),
        ClassAction::PageAnswer(dir) => {
            let page = view::answer_page(s) as i64;
            scroll_answer(s, dir * page);
        }
        ClassAction::Summary(summary) => {
            let old_row = s
                .detail
                .as_ref()
                .and_then(|d| s.learners().iter().find(|l| l.name == d.name).cloned());
            // The selection follows its learner when others join before it.
            let name = s.selected_learner().map(|l| l.name.clone());
            s.error = None;
            s.summary = Some(*summary);
            if let Some(i) = name.and_then(|n| s.learners().iter().position(|l| l.name == n)) {
                s.selected = i;
            }
            s.selected = clamp_index(s.selected as i64, s.learners().len());
            // The learner on screen changed: their answers and journal may have too.
            if let Some(d) = &s.detail {
                let new_row = s.learners().iter().find(|l| l.name == d.name);
                if new_row != old_row.as_ref() {
                    fx.push(ClassEffect::FetchDetail(d.name.clone()));
                }
            }
        }
        ClassAction::Unreachable(e) => s.error = Some(e),
        ClassAction::Detail(data) => {
            if let Some(d) = s.detail.as_mut().filter(|d| d.name == data.row.name) {
                d.verdicts = data
                    .answers
                    .iter()
                    .map(|a| {
                        let def = s.defs.iter().find(|p| p.id == a.problem)?;
                        let latest = a.latest.as_ref()?;
                        Some(crate::grade::rubric::grade(def, &latest.text))
                    })
                    .collect();
                d.problem = clamp_index(d.problem as i64, data.answers.len());
                d.error = None;
                d.data = Some(*data);
            }
        }
        ClassAction::DetailFailed { name, error } => {
            if let Some(d) = s.detail.as_mut().filter(|d| d.name == name) {
                d.error = Some(error);
            }
        }
        ClassAction::Reviewed {
            name,
            problem,
            result,
        } => {
            if let Some(d) = s.detail.as_mut().filter(|d| d.name == name) {
                d.sending = None;
            }
            match result {
                Ok(r) => {
                    s.status = Some(format!(
                        "{} {name}'s answer to {problem}; their record shows it when their forgetful next talks to the room",
                        if r.review.accept {
                            "accepted"
                        } else {
                            "rejected"
                        }
                    ));
                    fx.push(ClassEffect::FetchDetail(name));
                }
                Err(e) => s.status = Some(format!("the review was not recorded: {e}")),
            }
        }
    }
    fx
}

fn update_move_to(s: &mut ClassState, to: i64) {
    match (&s.screen, &mut s.detail) {
        (Screen::Detail, Some(d)) => {
            let len = d.data.as_ref().map_or(0, |x| x.answers.len());
            d.problem = clamp_index(to, len);
            d.scroll = 0;
        }
        _ => s.selected = clamp_index(to, s.learners().len()),
    }
}

fn open(s: &mut ClassState, fx: &mut Vec<ClassEffect>) {
    s.status = None;
    match s.screen {
        Screen::List => {
            let Some(name) = s.selected_learner().map(|l| l.name.clone()) else {
                s.status = Some("no learner to open yet".into());
                return;
            };
            s.screen = Screen::Detail;
            s.detail = Some(Detail {
                name: name.clone(),
                ..Detail::default()
            });
            fx.push(ClassEffect::FetchDetail(name));
        }
        Screen::Detail => {
            if let Some(d) = &s.detail {
                fx.push(ClassEffect::FetchDetail(d.name.clone()));
            }
        }
    }
}

fn review(s: &mut ClassState, accept: bool, fx: &mut Vec<ClassEffect>) {
    let verb = if accept { "accept" } else { "reject" };
    let Some(d) = s.detail.as_mut().filter(|_| s.screen == Screen::Detail) else {
        s.status = Some(format!(
            "open a learner (Enter) to {verb} a self-assessed answer"
        ));
        return;
    };
    let Some(answer) = d.answer() else {
        s.status = Some(format!("{}'s answers are not in yet", d.name));
        return;
    };
    if answer.self_assessed.is_none() {
        s.status = Some(format!(
            "{}'s answer to {} is not self-assessed ({}); only those are reviewed",
            d.name,
            answer.problem,
            answer.state.as_str()
        ));
        return;
    }
    if answer.review.as_ref().is_some_and(|r| r.accept == accept) {
        s.status = Some(format!(
            "you {verb}ed {}'s answer to {} already",
            d.name, answer.problem
        ));
        return;
    }
    if d.sending.is_some() {
        s.status = Some("a review is on its way; wait for its answer".into());
        return;
    }
    let problem = answer.problem.clone();
    d.sending = Some(accept);
    s.status = Some(format!("{verb}ing {}'s answer to {problem}…", d.name));
    fx.push(ClassEffect::Review {
        name: d.name.clone(),
        problem,
        accept,
    });
}

fn scroll_answer(s: &mut ClassState, n: i64) {
    let max = view::answer_max_scroll(s) as i64;
    if let Some(d) = &mut s.detail {
        d.scroll = (d.scroll as i64).saturating_add(n).clamp(0, max) as usize;
    }
}

/// What `forgetful class` hands the live view.
#[derive(Debug, Clone)]
pub struct ClassViewArgs {
    pub url: String,
    pub admin_token: String,
    /// Where the view's log goes (`class.log`).
    pub data_dir: PathBuf,
    /// The course the room runs, to show rubric results (default: the built-in one).
    pub course: Option<PathBuf>,
}

/// What arrives on the loop's one channel.
enum Msg {
    Term(crossterm::event::Event),
    Action(ClassAction),
}

/// The live view until `q`; the terminal is given back however it ends.
pub fn run(args: ClassViewArgs) -> anyhow::Result<i32> {
    std::fs::create_dir_all(&args.data_dir)
        .with_context(|| format!("creating the data directory {}", args.data_dir.display()))?;
    let _log = super::init_logging(&args.data_dir, "class.log");
    let defs = match super::course_adapter::load_course(args.course.as_deref()) {
        Ok(c) => c.defs,
        Err(e) => {
            tracing::warn!("no rubric results: the course did not load: {e:#}");
            Vec::new()
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let client = RoomClient::new(&args.url, &args.admin_token);
    // Asked once before the terminal is taken: a wrong token or address says so plainly.
    let first = match rt.block_on(client.class()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("forgetful: {e}");
            return Ok(2);
        }
    };
    // NO_COLOR: present and not empty (https://no-color.org).
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut state = ClassState::new(client.base(), defs, color);
    update(&mut state, ClassAction::Summary(Box::new(first.clone())));
    let mut terminal = super::init_terminal();
    let size = terminal.size().unwrap_or_default();
    update(&mut state, ClassAction::Resize(size.width, size.height));
    let result = rt.block_on(event_loop(&mut terminal, state, client, first));
    super::restore_terminal();
    rt.shutdown_timeout(Duration::from_millis(200));
    result.map(|()| 0)
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    mut state: ClassState,
    client: RoomClient,
    first: ClassSummary,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    crate::tui::spawn_input(&tx, Msg::Term, || Msg::Action(ClassAction::Quit));
    let feed = tokio::spawn(summary_feed(client.clone(), first, tx.clone()));
    draw(terminal, &state)?;
    while let Some(first) = rx.recv().await {
        // Everything already queued, then one frame.
        let mut dirty = false;
        let mut next = Some(first);
        while let Some(msg) = next {
            let act = match msg {
                Msg::Term(ev) => keys::map(&state, &ev),
                Msg::Action(a) => Some(a),
            };
            if let Some(a) = act {
                dirty = true;
                for fx in update(&mut state, a) {
                    run_effect(fx, &client, &tx);
                }
            }
            next = rx.try_recv().ok();
        }
        if state.quit {
            break;
        }
        if dirty {
            draw(terminal, &state)?;
        }
    }
    feed.abort();
    Ok(())
}

fn draw(terminal: &mut ratatui::DefaultTerminal, s: &ClassState) -> anyhow::Result<()> {
    terminal.draw(|f| view::draw(s, f))?;
    // benches/workshop.sh reads these lines to time a change's way to the screen.
    tracing::info!(
        version = s.summary.as_ref().map_or(0, |x| x.version),
        drawn_unix_ms = %super::unix_ms(),
        "class view drawn"
    );
    Ok(())
}

fn run_effect(fx: ClassEffect, client: &RoomClient, tx: &mpsc::UnboundedSender<Msg>) {
    let (client, tx) = (client.clone(), tx.clone());
    tokio::spawn(async move {
        let a = match fx {
            ClassEffect::FetchDetail(name) => match client.learner(&name).await {
                Ok(d) => ClassAction::Detail(Box::new(d)),
                Err(e) => ClassAction::DetailFailed {
                    name,
                    error: e.to_string(),
                },
            },
            ClassEffect::Review {
                name,
                problem,
                accept,
            } => {
                let result = client
                    .review(&name, &problem, accept)
                    .await
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                ClassAction::Reviewed {
                    name,
                    problem,
                    result,
                }
            }
        };
        let _ = tx.send(Msg::Action(a));
    });
}

/// How long to wait before asking again while the server cannot be reached.
const RETRY: Duration = Duration::from_secs(2);

/// Asks the server for the summary each time the room changes (it holds the request until
/// then, or [`crate::client::CLASS_WAIT`]), and passes it on only when the screen would change.
async fn summary_feed(client: RoomClient, first: ClassSummary, tx: mpsc::UnboundedSender<Msg>) {
    let mut version = first.version;
    let mut last = first;
    let mut failing: Option<String> = None;
    loop {
        match client.class_after(version).await {
            Ok(s) => {
                version = s.version;
                if failing.take().is_some() || !s.same_screen(&last) {
                    last = s.clone();
                    if tx
                        .send(Msg::Action(ClassAction::Summary(Box::new(s))))
                        .is_err()
                    {
                        return;
                    }
                }
            }
            Err(e) => {
                let e = e.to_string();
                if failing.as_deref() != Some(e.as_str()) {
                    if tx
                        .send(Msg::Action(ClassAction::Unreachable(e.clone())))
                        .is_err()
                    {
                        return;
                    }
                    failing = Some(e);
                }
                if tx.is_closed() {
                    return;
                }
                tokio::time::sleep(RETRY).await;
            }
        }
    }
}
