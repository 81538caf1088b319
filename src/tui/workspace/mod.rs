//! The problem workspace: one practice problem, worked and submitted without leaving the app.
//!
//! It shows the statement, the live checklist of the problem's service check (re-run as
//! journal entries arrive), progressive hints, the answer editor (its draft saved as it is
//! typed) and the rubric's feedback. Like the rest of the app, `update` here is pure: it
//! returns `WorkEffect`s that [`effects::run`] carries out (checks over HTTP with a client
//! tagged `grader`, progress writes, timers), whose results come back as `WorkAction`s.

pub mod content;
pub mod effects;
pub mod keys;
pub(crate) mod text;
pub mod view;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

use ratatui::style::{Modifier, Style};
use ratatui_textarea::{Input, Key, TextArea, WrapMode};

use super::action::Effect;
use super::progress_port::ProblemRecord;
use super::state::{Pane, State};
use crate::course::problem::{CheckKind, Problem};
use crate::grade::checks::Report;
use crate::grade::rubric::Verdict;

/// Quiet time after a journal entry before the checklist is re-evaluated.
pub const CHECK_DEBOUNCE: Duration = Duration::from_millis(300);
/// A pause in typing this long saves the draft.
pub const DRAFT_PAUSE: Duration = Duration::from_millis(1000);
/// ...and so does every this many edits of continuous typing.
pub const DRAFT_EVERY: u64 = 40;
/// The check that needs the badge claim from the learner's token.
pub const CLAIM_CHECK: CheckKind = CheckKind::WhereStateGoes;

/// Problem definitions and the open workspace. Lives in `State::work`.
#[derive(Debug, Clone, Default)]
pub struct Work {
    /// Full problems (statement, hints, rubric), looked up by id.
    pub defs: Vec<Arc<Problem>>,
    pub open: Option<Workspace>,
}

impl Work {
    pub fn def(&self, id: &str) -> Option<&Arc<Problem>> {
        self.defs.iter().find(|p| p.id == id)
    }
}

/// The three parts of a workspace; on narrow screens, tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Problem,
    Checklist,
    Answer,
}

impl Tab {
    pub const ALL: [Tab; 3] = [Tab::Problem, Tab::Checklist, Tab::Answer];
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which field has the keyboard (all keys go to it until Esc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    None,
    Editor,
    Claim,
}

#[derive(Debug, Clone)]
pub struct Workspace {
    /// Index into `State::problems`.
    pub index: usize,
    pub problem: Arc<Problem>,
    pub tab: Tab,
    /// Nothing the learner did has chosen a tab yet: the first checklist may still move the
    /// workspace from the statement to the Checklist (a lab half already under way).
    auto_tab: bool,
    pub focus: Focus,
    /// First visible line of each tab's text.
    pub scroll: [usize; 3],
    pub editor: TextArea<'static>,
    /// The one-line badge claim (where-state-goes).
    pub claim: TextArea<'static>,
    /// Latest checklist, and why the last run failed if it did.
    pub report: Option<Report>,
    pub check_error: Option<String>,
    /// A check is running; `check_again` runs another when it ends.
    pub checking: bool,
    check_again: bool,
    /// A debounced check is waiting (`check_gen` names it).
    check_pending: bool,
    check_gen: u64,
    pub hints_shown: usize,
    pub verdict: Option<Verdict>,
    pub grading: bool,
    /// Tries that did not pass are enough to compare with the model answer (and say so).
    pub may_self_assess: bool,
    pub self_assessed: bool,
    /// A workshop instructor accepted (true) or rejected the self-assessment.
    pub reviewed: Option<bool>,
    /// Ctrl-C was pressed once while writing: the next one quits.
    pub quit_armed: bool,
    /// Edits so far and edits saved (the draft debounce).
    draft_gen: u64,
    saved_gen: u64,
    /// Evidence of the last service pass recorded, so each pass is recorded once.
    recorded_pass: Option<Vec<String>>,
}

impl Workspace {
    fn new(index: usize, problem: Arc<Problem>) -> Self {
        let mut editor = TextArea::default();
        editor.set_wrap_mode(WrapMode::WordOrGlyph);
        editor.set_placeholder_text("Explain it in your own words, in full sentences.");
        editor.set_cursor_line_style(Style::default());
        let mut claim = TextArea::default();
        claim.set_placeholder_text("the badge claim from your token");
        claim.set_cursor_line_style(Style::default());
        let mut ws = Workspace {
            index,
            problem,
            tab: Tab::Problem,
            auto_tab: true,
            focus: Focus::None,
            scroll: [0; 3],
            editor,
            claim,
            report: None,
            check_error: None,
            checking: false,
            check_again: false,
            check_pending: false,
            check_gen: 0,
            hints_shown: 0,
            verdict: None,
            grading: false,
            may_self_assess: false,
            self_assessed: false,
            reviewed: None,
            quit_armed: false,
            draft_gen: 0,
            saved_gen: 0,
            recorded_pass: None,
        };
        ws.set_focus(Focus::None);
        ws
    }

    pub fn id(&self) -> &str {
        &self.problem.id
    }

    pub fn answer_text(&self) -> String {
        self.editor.lines().join("\n")
    }

    pub fn claim_text(&self) -> String {
        self.claim.lines().concat().trim().to_string()
    }

    pub fn needs_claim(&self) -> bool {
        self.problem.check == CLAIM_CHECK
    }

    pub fn unsaved(&self) -> bool {
        self.draft_gen != self.saved_gen
    }

    /// The cursor shows only in the field that has the keyboard.
    fn set_focus(&mut self, f: Focus) {
        self.focus = f;
        let on = Style::default().add_modifier(Modifier::REVERSED);
        let (e, c) = match f {
            Focus::Editor => (on, Style::default()),
            Focus::Claim => (Style::default(), on),
            Focus::None => (Style::default(), Style::default()),
        };
        self.editor.set_cursor_style(e);
        self.claim.set_cursor_style(c);
    }

    fn set_answer(&mut self, text: &str) {
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut editor = TextArea::new(lines);
        editor.set_wrap_mode(WrapMode::WordOrGlyph);
        editor.set_placeholder_text(self.editor.placeholder_text().to_string());
        editor.set_cursor_line_style(Style::default());
        editor.move_cursor(ratatui_textarea::CursorMove::Bottom);
        editor.move_cursor(ratatui_textarea::CursorMove::End);
        self.editor = editor;
        self.set_focus(self.focus);
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum WorkAction {
    /// Open the workspace of `State::problems[i]`.
    Open(usize),
    /// The first problem not done in both halves.
    OpenNext,
    Close,
    NextProblem,
    PrevProblem,
    NextTab,
    PrevTab,
    /// Lines; negative scrolls up.
    Scroll(i64),
    Top,
    Bottom,
    FocusEditor,
    FocusClaim,
    Blur,
    /// A key for the focused field.
    Input(Input),
    Submit,
    Hint,
    CheckNow,
    /// `f`: start the check afresh, counting only what the journal shows from now on (what
    /// `forgetful check --restart` does).
    FreshStart,
    /// "My answer says this": record a self-assessment (after tries that did not pass).
    SelfAssess,
    /// The first Ctrl-C while writing: save the draft and ask for a second one.
    ArmQuit,
    // Results of effects.
    Loaded {
        problem: String,
        record: ProblemRecord,
        /// The last answer graded again (the record keeps only its outcome).
        verdict: Option<Verdict>,
    },
    CheckDue(u64),
    Checked {
        problem: String,
        result: Result<Report, String>,
    },
    DraftDue(u64),
    Graded {
        problem: String,
        verdict: Verdict,
        may_self_assess: bool,
    },
    SelfAssessed {
        problem: String,
    },
    HintTaken {
        problem: String,
        n: usize,
    },
    Failed(String),
}

impl WorkAction {
    /// The learner moving around the open workspace (after which its tab stays theirs).
    fn chooses_tab(&self) -> bool {
        use WorkAction::*;
        matches!(
            self,
            NextTab
                | PrevTab
                | Scroll(_)
                | Top
                | Bottom
                | FocusEditor
                | FocusClaim
                | Blur
                | Input(_)
                | Submit
                | Hint
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum WorkEffect {
    /// Read the problem's record (draft, hints, last answer) → `Loaded`.
    Load(String),
    /// Run the service check with a `grader` client → `Checked`.
    RunCheck {
        problem: String,
        check: CheckKind,
        claim: Option<String>,
    },
    SaveDraft {
        problem: String,
        text: String,
    },
    /// Grade with the rubric, record it → `Graded`.
    Grade {
        problem: String,
        text: String,
    },
    UseHint {
        problem: String,
        total: usize,
    },
    /// Record the learner's self-assessment → `SelfAssessed`.
    SelfAssess {
        problem: String,
        model_answer: String,
    },
    RecordServicePass {
        problem: String,
        evidence: Vec<String>,
    },
    /// Only journal entries after `after` count for `problem` in lab run `run_id`.
    SetCheckMark {
        problem: String,
        run_id: String,
        after: u64,
    },
    /// Send the action back after a while (debounces).
    After(Duration, Box<WorkAction>),
}

fn wfx(e: WorkEffect) -> Effect {
    Effect::Work(e)
}

pub fn update(s: &mut State, a: WorkAction) -> Vec<Effect> {
    let mut fx = Vec::new();
    if a.chooses_tab()
        && let Some(ws) = &mut s.work.open
    {
        ws.auto_tab = false;
    }
    match a {
        WorkAction::Open(i) => open(s, i, &mut fx),
        WorkAction::OpenNext => {
            let next = s
                .problems
                .iter()
                .position(|p| !(p.service_ok && p.answer_ok));
            match next {
                Some(i) => open(s, i, &mut fx),
                None if !s.problems.is_empty() => {
                    s.status = Some("every problem is done ✓ ✓; here is the first".into());
                    open(s, 0, &mut fx);
                }
                None => s.status = Some("this course has no problems".into()),
            }
        }
        WorkAction::Close => fx.extend(close(s)),
        WorkAction::NextProblem | WorkAction::PrevProblem => {
            let Some(ws) = &s.work.open else { return fx };
            let n = s.problems.len();
            let i = ws.index;
            if matches!(a, WorkAction::NextProblem) && i + 1 < n {
                open(s, i + 1, &mut fx);
            } else if matches!(a, WorkAction::PrevProblem) && i > 0 {
                open(s, i - 1, &mut fx);
            } else {
                s.status = Some("no more problems that way".into());
            }
        }
        WorkAction::NextTab | WorkAction::PrevTab => {
            if let Some(ws) = &mut s.work.open {
                let d = if matches!(a, WorkAction::NextTab) {
                    1
                } else {
                    2
                };
                ws.tab = Tab::ALL[(ws.tab.index() + d) % 3];
            }
        }
        WorkAction::Scroll(n) => scroll(s, n),
        WorkAction::Top => scroll(s, i64::MIN / 2),
        WorkAction::Bottom => scroll(s, i64::MAX / 2),
        WorkAction::FocusEditor => {
            if let Some(ws) = &mut s.work.open {
                ws.tab = Tab::Answer;
                ws.set_focus(Focus::Editor);
            }
        }
        WorkAction::FocusClaim => {
            if let Some(ws) = &mut s.work.open {
                if ws.needs_claim() {
                    ws.tab = Tab::Checklist;
                    ws.set_focus(Focus::Claim);
                } else {
                    s.status = Some("this problem needs no claim".into());
                }
            }
        }
        WorkAction::Blur => blur(s, &mut fx),
        WorkAction::Input(i) => input(s, i, &mut fx),
        WorkAction::Submit => {
            let Some(ws) = &mut s.work.open else {
                return fx;
            };
            if ws.grading {
                return fx;
            }
            ws.grading = true;
            ws.tab = Tab::Answer;
            let problem = ws.id().to_string();
            let text = ws.answer_text();
            if ws.unsaved() {
                ws.saved_gen = ws.draft_gen;
                fx.push(wfx(WorkEffect::SaveDraft {
                    problem: problem.clone(),
                    text: text.clone(),
                }));
            }
            fx.push(wfx(WorkEffect::Grade { problem, text }));
        }
        WorkAction::Hint => {
            let Some(ws) = &mut s.work.open else {
                return fx;
            };
            let total = ws.problem.hints.len();
            if total == 0 {
                s.status = Some("this problem has no hints".into());
                return fx;
            }
            if ws.hints_shown >= total {
                s.status = Some(format!("you have seen all {total} hints"));
            } else {
                ws.hints_shown += 1;
                fx.push(wfx(WorkEffect::UseHint {
                    problem: ws.id().to_string(),
                    total,
                }));
            }
            ws.tab = Tab::Checklist;
            let at = content::hint_line(s);
            if let Some(ws) = &mut s.work.open {
                ws.scroll[Tab::Checklist.index()] = at;
            }
            scroll(s, 0);
        }
        WorkAction::FreshStart => {
            let Some(ws) = &mut s.work.open else {
                return fx;
            };
            let Some(st) = &s.lab.state else {
                s.status = Some("the lab is not reachable yet".into());
                return fx;
            };
            // The newest entry the lab or this app has seen: nothing before it counts.
            let after = s.journal.back().map_or(0, |e| e.id).max(st.journal_head);
            let problem = ws.id().to_string();
            ws.tab = Tab::Checklist;
            ws.auto_tab = false;
            ws.report = None;
            ws.recorded_pass = None;
            fx.push(wfx(WorkEffect::SetCheckMark {
                problem: problem.clone(),
                run_id: st.run_id.clone(),
                after,
            }));
            s.status = Some(format!(
                "fresh start: only what happens after journal entry {after} counts for {problem} (as `forgetful check {problem} --restart`)"
            ));
            run_check(s, &mut fx);
        }
        WorkAction::CheckNow => {
            // Visible at once: the answer comes back as the checklist and a status line.
            s.status = Some("checking the lab…".into());
            if let Some(ws) = &mut s.work.open {
                ws.tab = Tab::Checklist;
                ws.auto_tab = false;
            }
            run_check(s, &mut fx);
        }
        WorkAction::Loaded {
            problem,
            record,
            verdict,
        } => {
            let Some(ws) = open_as(s, &problem) else {
                return fx;
            };
            ws.hints_shown = ws.hints_shown.max(record.hints_used);
            ws.may_self_assess = record.may_self_assess;
            ws.self_assessed = record.self_assessed;
            ws.reviewed = record.reviewed;
            let text = record.draft.clone().or_else(|| record.last_answer.clone());
            if let Some(t) = text
                && ws.editor.is_empty()
            {
                ws.set_answer(&t);
            }
            if ws.verdict.is_none() {
                ws.verdict = verdict;
            }
        }
        WorkAction::CheckDue(due_gen) => {
            let due =
                s.work.open.as_mut().is_some_and(|ws| {
                    due_gen == ws.check_gen && std::mem::take(&mut ws.check_pending)
                });
            if due {
                run_check(s, &mut fx);
            }
        }
        WorkAction::Checked { problem, result } => checked(s, &problem, result, &mut fx),
        WorkAction::DraftDue(due_gen) => {
            if let Some(ws) = &mut s.work.open
                && due_gen == ws.draft_gen
                && ws.unsaved()
            {
                fx.extend(save_draft(ws));
            }
        }
        WorkAction::ArmQuit => {
            if let Some(ws) = &mut s.work.open {
                ws.quit_armed = true;
                fx.extend(save_draft(ws));
            }
            s.status = Some("your draft is saved; Ctrl-C again quits".into());
        }
        WorkAction::SelfAssess => {
            let Some(ws) = &mut s.work.open else {
                return fx;
            };
            if ws.self_assessed {
                s.status = Some("already recorded as self-assessed".into());
            } else if ws.may_self_assess && !ws.verdict.as_ref().is_some_and(Verdict::passed) {
                fx.push(wfx(WorkEffect::SelfAssess {
                    problem: ws.id().to_string(),
                    model_answer: ws.problem.model_answer.clone(),
                }));
            } else {
                s.status = Some(
                    "after two tries that do not pass, you can compare your answer with the model answer here"
                        .into(),
                );
            }
        }
        WorkAction::SelfAssessed { problem } => {
            if let Some(ws) = open_as(s, &problem) {
                ws.self_assessed = true;
                ws.tab = Tab::Answer;
            }
            s.status = Some(
                "recorded as self-assessed, with both texts, for an instructor to see (not a grader pass)"
                    .into(),
            );
        }
        WorkAction::Graded {
            problem,
            verdict,
            may_self_assess,
        } => {
            let passed = verdict.passed();
            let index = {
                let Some(ws) = open_as(s, &problem) else {
                    return fx;
                };
                ws.grading = false;
                ws.may_self_assess = may_self_assess;
                ws.verdict = Some(verdict);
                ws.tab = Tab::Answer;
                ws.scroll[Tab::Answer.index()] = 0;
                // The feedback is to be read now: leave the editor (the draft was saved on
                // submit), so j/k scroll it instead of typing into the answer.
                ws.set_focus(Focus::None);
                ws.index
            };
            let claims_wrong = s
                .work
                .open
                .as_ref()
                .and_then(|ws| ws.verdict.as_ref())
                .is_some_and(|v| !v.misconceptions.is_empty());
            if let Some(p) = s.problems.get_mut(index) {
                p.answer_ok |= passed;
                s.status = Some(match (p.service_ok, p.answer_ok, passed) {
                    (true, true, _) => format!("{}: both halves done ✓ ✓", p.title),
                    (false, _, true) => "answer passed ✓; the lab half is still open".into(),
                    // Say which kind of "not yet" it is: a learner with every idea ticked
                    // went looking for a missing one.
                    _ if claims_wrong => {
                        "answer graded: not yet; the feedback quotes what it reads as not so".into()
                    }
                    _ => "answer graded: not yet; the feedback says what is missing".into(),
                });
            }
        }
        WorkAction::HintTaken { problem, n } => {
            if let Some(ws) = open_as(s, &problem) {
                ws.hints_shown = ws.hints_shown.max(n).min(ws.problem.hints.len());
            }
        }
        WorkAction::Failed(e) => {
            if let Some(ws) = &mut s.work.open {
                ws.grading = false;
            }
            s.status = Some(e);
        }
    }
    fx
}

/// The open workspace, if it is the one for `problem` (results of old ones are dropped).
fn open_as<'s>(s: &'s mut State, problem: &str) -> Option<&'s mut Workspace> {
    s.work.open.as_mut().filter(|ws| ws.id() == problem)
}

fn open(s: &mut State, i: usize, fx: &mut Vec<Effect>) {
    let Some(item) = s.problems.get(i) else {
        return;
    };
    if s.work.open.as_ref().is_some_and(|ws| ws.index == i) {
        return;
    }
    let Some(def) = s.work.def(&item.id).cloned() else {
        s.status = Some(format!("problem {} is not in this course", item.id));
        return;
    };
    let lab_done = item.service_ok;
    fx.extend(close(s));
    let mut ws = Workspace::new(i, def);
    // A fresh problem opens on its statement; one whose lab half already passed, on the
    // checklist (and one merely under way moves there when its first checklist comes in).
    if lab_done {
        ws.tab = Tab::Checklist;
        ws.auto_tab = false;
    }
    // The badge is never filled in: reading it out of the token is the exercise.
    let id = ws.id().to_string();
    s.work.open = Some(ws);
    s.pane = Pane::Reader;
    s.overlay = None;
    fx.push(wfx(WorkEffect::Load(id)));
    run_check(s, fx);
}

/// Closes the workspace (saving an unsaved draft). Returns the effects; call it from
/// anything that takes the workspace off the screen.
pub fn close(s: &mut State) -> Vec<Effect> {
    match s.work.open.take() {
        Some(mut ws) => save_draft(&mut ws),
        None => Vec::new(),
    }
}

/// On quitting: save the draft if it changed since the last save.
pub fn on_quit(s: &mut State) -> Vec<Effect> {
    match &mut s.work.open {
        Some(ws) => save_draft(ws),
        None => Vec::new(),
    }
}

/// A journal entry arrived: re-check soon, unless it is the grader's own probe.
pub fn on_journal(s: &mut State, e: &crate::api::JournalEntry) -> Vec<Effect> {
    let mut fx = Vec::new();
    if e.source == crate::api::Source::Grader {
        return fx;
    }
    if let Some(ws) = &mut s.work.open
        && !ws.check_pending
    {
        // Throttle, not reset: a steady stream (the attacker) still gets checked.
        ws.check_pending = true;
        ws.check_gen += 1;
        fx.push(wfx(WorkEffect::After(
            CHECK_DEBOUNCE,
            Box::new(WorkAction::CheckDue(ws.check_gen)),
        )));
    }
    fx
}

fn save_draft(ws: &mut Workspace) -> Vec<Effect> {
    if !ws.unsaved() {
        return Vec::new();
    }
    ws.saved_gen = ws.draft_gen;
    vec![wfx(WorkEffect::SaveDraft {
        problem: ws.id().to_string(),
        text: ws.answer_text(),
    })]
}

fn run_check(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(ws) = &mut s.work.open else { return };
    // Whatever was pending is covered by this run.
    ws.check_pending = false;
    ws.check_gen += 1;
    if ws.checking {
        ws.check_again = true;
        return;
    }
    ws.checking = true;
    let claim = Some(ws.claim_text()).filter(|c| !c.is_empty() && ws.needs_claim());
    fx.push(wfx(WorkEffect::RunCheck {
        problem: ws.id().to_string(),
        check: ws.problem.check,
        claim,
    }));
}

fn checked(s: &mut State, problem: &str, result: Result<Report, String>, fx: &mut Vec<Effect>) {
    let Some(ws) = open_as(s, problem) else {
        return;
    };
    ws.checking = false;
    let mut newly_passed = None;
    let first = std::mem::take(&mut ws.auto_tab);
    match result {
        Ok(r) => {
            if first && ws.tab == Tab::Problem && r.steps.iter().any(|st| st.done) {
                ws.tab = Tab::Checklist;
            }
            if r.passed() {
                let ev = r.evidence();
                if ws.recorded_pass.as_ref() != Some(&ev) {
                    ws.recorded_pass = Some(ev.clone());
                    fx.push(wfx(WorkEffect::RecordServicePass {
                        problem: problem.to_string(),
                        evidence: ev,
                    }));
                    newly_passed = Some(ws.index);
                }
            }
            ws.report = Some(r);
            ws.check_error = None;
        }
        Err(e) => ws.check_error = Some(e),
    }
    let again = std::mem::take(&mut ws.check_again);
    // The answer to a `C`: say what the check found (background re-checks stay quiet).
    let summary = match (&ws.report, &ws.check_error) {
        (_, Some(e)) => format!("could not check: {e}"),
        (Some(r), None) => format!(
            "checked: {} of {} steps done",
            r.steps.iter().filter(|st| st.done).count(),
            r.steps.len()
        ),
        (None, None) => "checked".into(),
    };
    if s.status.as_deref() == Some("checking the lab…") {
        s.status = Some(summary);
    }
    if let Some(p) = newly_passed.and_then(|i| s.problems.get_mut(i)) {
        let was = p.service_ok;
        p.service_ok = true;
        if !was {
            s.status = Some(if p.answer_ok {
                format!("{}: both halves done ✓ ✓", p.title)
            } else {
                "lab half passed ✓ (recorded); now the written answer".into()
            });
        }
    }
    if again {
        run_check(s, fx);
    }
}

fn blur(s: &mut State, fx: &mut Vec<Effect>) {
    let Some(ws) = &mut s.work.open else { return };
    let was = ws.focus;
    ws.set_focus(Focus::None);
    match was {
        Focus::Editor => fx.extend(save_draft(ws)),
        Focus::Claim => run_check(s, fx),
        Focus::None => {}
    }
}

fn input(s: &mut State, i: Input, fx: &mut Vec<Effect>) {
    let Some(ws) = &mut s.work.open else { return };
    ws.quit_armed = false;
    match ws.focus {
        Focus::Editor => {
            if crate::tui::readline::input(&mut ws.editor, i) {
                ws.draft_gen += 1;
                if ws.draft_gen - ws.saved_gen >= DRAFT_EVERY {
                    fx.extend(save_draft(ws));
                } else {
                    fx.push(wfx(WorkEffect::After(
                        DRAFT_PAUSE,
                        Box::new(WorkAction::DraftDue(ws.draft_gen)),
                    )));
                }
            }
        }
        Focus::Claim => {
            let newline = matches!(i.key, Key::Enter | Key::Char('\n' | '\r'))
                || (i.ctrl && matches!(i.key, Key::Char('m' | 'j')));
            if newline {
                blur(s, fx);
            } else {
                crate::tui::readline::input(&mut ws.claim, i);
            }
        }
        Focus::None => {}
    }
}

fn scroll(s: &mut State, n: i64) {
    let max = content::max_scroll(s) as i64;
    if let Some(ws) = &mut s.work.open {
        let t = ws.tab.index();
        ws.scroll[t] = (ws.scroll[t] as i64).saturating_add(n).clamp(0, max) as usize;
    }
}

/// The `badge` claim in the payload of a JWT (read, not verified: it is the learner's own).
pub fn badge_of(token: &str) -> Option<String> {
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    let v: serde_json::Value = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    v.get("badge")?.as_str().map(str::to_string)
}
