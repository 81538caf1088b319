//! Everything the screen shows, as plain data. `update` changes it, `draw` reads it;
//! neither does I/O, so tests build a `State` by hand and snapshot it.

use std::collections::{HashSet, VecDeque};

use ratatui::text::Text;

use crate::api::{JournalEntry, LabState};

/// How many journal entries the panel keeps (the lab keeps its own, longer buffer).
pub const JOURNAL_CAP: usize = 500;

/// One lesson in the outline.
#[derive(Debug, Clone)]
pub struct LessonItem {
    pub id: String,
    pub number: u32,
    pub title: String,
    pub source: String,
}

/// One problem in the outline, with the two halves a learner earns.
#[derive(Debug, Clone, Default)]
pub struct ProblemItem {
    pub id: String,
    pub title: String,
    pub service_ok: bool,
    pub answer_ok: bool,
}

/// The current lesson, rendered for one width. Re-rendered when the width changes.
#[derive(Debug, Clone)]
pub struct RenderedLesson {
    pub lesson: usize,
    pub width: u16,
    pub text: Text<'static>,
    /// Line indexes (into `text.lines`) where runnable request blocks start.
    pub requests: Vec<usize>,
    /// Prediction blocks, each with its line and the request card that settles it.
    pub predictions: Vec<crate::markdown::Prediction>,
}

/// Which of the two big panes has the keyboard (and, below 100 columns, the screen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    Reader,
    Lab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// The lesson's prediction with this index, waiting for a pick.
    Predict(usize),
    /// How the last prediction came out (`State::prediction_result`), until a key.
    PredictResult,
    /// The message log (`:`), newest last.
    Messages,
}

/// Where the lab is and how we reached it.
#[derive(Debug, Clone, Default)]
pub struct LabConn {
    /// Balancer URL once known.
    pub url: Option<String>,
    /// e.g. "port 7878 was taken", or "connected to --url".
    pub note: Option<String>,
    /// Latest `/admin/state`, if any answer came yet.
    pub state: Option<LabState>,
    /// What controls sent but not yet confirmed will make it: the base for the next press.
    pub expected: Option<LabState>,
    /// Its token and browser settings (weak verifiers on, lifetimes), from the same read.
    pub security: Option<crate::api::LabSecurity>,
    /// Why the lab cannot be reached right now.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct State {
    pub lessons: Vec<LessonItem>,
    pub problems: Vec<ProblemItem>,
    /// Lesson ids read to the end.
    pub read: HashSet<String>,
    pub current: usize,
    /// First visible line of the reader.
    pub scroll: usize,
    pub rendered: Option<RenderedLesson>,
    /// Index into `rendered.requests` of the highlighted request block.
    pub focused_request: Option<usize>,
    pub pane: Pane,
    pub overlay: Option<Overlay>,
    /// First line of the help overlay shown (it scrolls when the screen is short).
    pub help_scroll: usize,
    /// Terminal size (columns, rows); layout is derived from it.
    pub size: (u16, u16),
    /// False under NO_COLOR.
    pub color: bool,
    pub lab: LabConn,
    /// `--data-dir DIR` (quoted) when the app's data dir is not the default: course text's
    /// `forgetful check …` is shown with it, so the command reaches this app's lab and record.
    pub command_flags: Option<String>,
    /// Index of the selected replica in `lab.state.replicas`.
    pub selected_replica: usize,
    pub journal: VecDeque<JournalEntry>,
    /// Lines scrolled back from the newest journal entry (0 follows the tail).
    pub journal_back: usize,
    /// One-line message at the top: results of lab controls, errors.
    pub status: Option<String>,
    pub quit: bool,
    /// The request console or token inspector, when one has the screen (`c`, `t`).
    pub tool: Option<super::console::Tool>,
    pub console: super::console::ConsoleState,
    pub inspector: super::inspector::InspectorState,
    /// The last token the console received (a JSON `token` field); the workspace reads its badge.
    pub last_token: Option<String>,
    /// Problem definitions and the open problem workspace.
    pub work: super::workspace::Work,
    /// Predictions answered (`lesson#n` → right), from progress and this session.
    pub predicted: super::predict::Answered,
    /// A pick waiting for its request's answer.
    pub pending_prediction: Option<super::predict::Pending>,
    /// Sending a card opened its prediction first: whether to send once it is answered.
    pub pending_send: Option<bool>,
    /// The last prediction's outcome, in full (the status line would cut it).
    pub prediction_result: Option<(bool, String)>,
    /// Every status message shown, in full, for the message log.
    pub messages: std::collections::VecDeque<String>,
    /// The load pane (`L`) and its runs.
    pub load: super::load::LoadPane,
}

impl State {
    /// Whether a text field has the keyboard (console, inspector or workspace editor).
    pub fn typing(&self) -> bool {
        let tool_field = match self.tool {
            Some(super::console::Tool::Console) => self.console.focus.is_some(),
            Some(super::console::Tool::Inspector) => self.inspector.focus.is_some(),
            None => false,
        };
        tool_field
            || self
                .work
                .open
                .as_ref()
                .is_some_and(|w| w.focus != super::workspace::Focus::None)
    }

    pub fn lesson(&self) -> Option<&LessonItem> {
        self.lessons.get(self.current)
    }

    pub fn replicas(&self) -> &[crate::api::ReplicaStatus] {
        self.lab
            .state
            .as_ref()
            .map(|s| s.replicas.as_slice())
            .unwrap_or(&[])
    }

    pub fn selected_replica_name(&self) -> Option<&str> {
        self.replicas()
            .get(self.selected_replica)
            .map(|r| r.name.as_str())
    }

    pub fn line_count(&self) -> usize {
        self.rendered.as_ref().map_or(0, |r| r.text.lines.len())
    }
}
