//! Predict, then run: before a lesson's request card is sent, the learner commits to what
//! the lab will do (`P`, or sending a card whose prediction is unanswered); the answer then
//! settles the prediction, or the lesson's own answer does when no request follows.

use std::collections::HashMap;

use super::action::{Action, Effect};
use super::state::{Overlay, State};
use crate::client::Exchange;
use crate::markdown::Prediction;
use crate::progress::{PredictionRecord, prediction_key};

/// A choice made for a prediction whose request has not answered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub key: String,
    pub prediction: usize,
    pub choice: usize,
    /// The request card that settles it, and what it sends (a request typed in the console
    /// meanwhile does not settle it).
    pub request: usize,
    pub method: String,
    pub path: String,
}

impl Pending {
    /// Is `req` (as sent) the card this pick waits for?
    pub fn settled_by(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }
}

/// Predictions answered so far (`lesson#n` → right or not).
pub type Answered = HashMap<String, bool>;

fn lesson_id(s: &State) -> Option<String> {
    s.lesson().map(|l| l.id.clone())
}

fn predictions(s: &State) -> &[Prediction] {
    s.rendered
        .as_ref()
        .map_or(&[], |r| r.predictions.as_slice())
}

/// The unanswered prediction that goes with request card `request`, if any.
pub fn unanswered_for_request(s: &State, request: usize) -> Option<usize> {
    let id = lesson_id(s)?;
    predictions(s).iter().enumerate().find_map(|(i, p)| {
        (p.request == Some(request) && !s.predicted.contains_key(&prediction_key(&id, i)))
            .then_some(i)
    })
}

/// `P`: the first unanswered prediction up to the bottom of the screen, else the first
/// unanswered one in the lesson.
pub fn open(s: &mut State) {
    let Some(id) = lesson_id(s) else { return };
    let open: Vec<(usize, usize)> = predictions(s)
        .iter()
        .enumerate()
        .filter(|(i, _)| !s.predicted.contains_key(&prediction_key(&id, *i)))
        .map(|(i, p)| (i, p.line))
        .collect();
    // The first open one up to the bottom of the screen: the one just read past (its question
    // scrolled off the top, its choices still in view) before one further down.
    let bottom = s.scroll + super::action::viewport(s);
    let pick = open
        .iter()
        .find(|(_, line)| *line < bottom)
        .or(open.first())
        .map(|(i, _)| *i);
    match pick {
        Some(i) => {
            s.overlay = Some(Overlay::Predict(i));
            s.pending_send = None;
        }
        None if predictions(s).is_empty() => {
            s.status = Some("this lesson has no predictions".into());
        }
        None => s.status = Some("every prediction in this lesson is answered".into()),
    }
}

/// A choice picked in the overlay. With a request card to settle it, the card opens in the
/// console (and is sent when the learner asked to send it); otherwise the lesson's answer
/// settles it at once.
pub fn choose(s: &mut State, choice: usize) -> Vec<Effect> {
    let Some(Overlay::Predict(i)) = s.overlay else {
        return Vec::new();
    };
    let Some(p) = predictions(s).get(i).cloned() else {
        return Vec::new();
    };
    if choice >= p.choices.len() {
        s.status = Some(format!("pick 1 to {}", p.choices.len()));
        return Vec::new();
    }
    let Some(id) = lesson_id(s) else {
        return Vec::new();
    };
    let key = prediction_key(&id, i);
    s.overlay = None;
    if let Some(request) = p.request {
        let card = s.lesson().and_then(|l| {
            super::course_adapter::request_blocks(&l.source)
                .into_iter()
                .nth(request)
        });
        let (method, path) = card.map(|b| (b.method, b.path)).unwrap_or_default();
        s.pending_prediction = Some(Pending {
            key,
            prediction: i,
            choice,
            request,
            method,
            path,
        });
        s.focused_request = Some(request);
        // Committed: the card goes out now (S, P), or opens for editing (Enter: a card to
        // fill in first), and its answer settles the pick.
        let send = s.pending_send.take().unwrap_or(true);
        let fx = super::action::update(
            s,
            Action::Console(super::console::ConsoleAction::OpenBlock { send }),
        );
        if !send {
            s.status = Some(format!(
                "you picked {}: fill in the card if it asks you to, then Ctrl-S sends it and its answer settles the pick",
                choice + 1
            ));
        }
        return fx;
    }
    let right = choice == p.answer;
    let outcome = format!(
        "the lesson's answer: {}) {}",
        p.answer + 1,
        p.choices[p.answer].text
    );
    settle(s, key, &p, choice, right, outcome)
}

/// A response arrived while a prediction waited on it.
pub fn on_answer(s: &mut State, x: &Exchange) -> Vec<Effect> {
    let Some(pending) = s.pending_prediction.take() else {
        return Vec::new();
    };
    let sent = s
        .console
        .sent
        .as_ref()
        .is_some_and(|x| pending.settled_by(&x.req.method, &x.req.path));
    if !sent {
        // Another request: the pick still waits for its own card.
        s.pending_prediction = Some(pending);
        return Vec::new();
    }
    let Some(p) = predictions(s).get(pending.prediction).cloned() else {
        return Vec::new();
    };
    let replica = x.served_by().map(str::to_string);
    let what = format!(
        "{} from {}",
        x.status,
        replica.as_deref().unwrap_or("the balancer")
    );
    // A prediction whose choices say no status is settled by the lesson's answer; the
    // lab's reply is shown beside it.
    if !p.observed() {
        let outcome = format!(
            "the lab: {what}; the lesson's answer: {}) {}",
            p.answer + 1,
            p.choices[p.answer].text
        );
        let right = pending.choice == p.answer;
        return settle(s, pending.key, &p, pending.choice, right, outcome);
    }
    let actual = p.outcome(x.status, replica.as_deref());
    let outcome = match actual {
        Some(a) => format!("the lab: {what}, which is {}) {}", a + 1, p.choices[a].text),
        None => format!("the lab: {what}, which none of the choices said"),
    };
    settle(
        s,
        pending.key,
        &p,
        pending.choice,
        actual == Some(pending.choice),
        outcome,
    )
}

/// Has every one of a lesson's `count` predictions been answered? A lesson whose questions
/// are all answered counts as read, as one scrolled to its end does.
pub fn all_answered(lesson: &str, count: usize, predicted: &Answered) -> bool {
    count > 0 && (0..count).all(|i| predicted.contains_key(&prediction_key(lesson, i)))
}

/// Lessons not yet read whose predictions are all answered (for a record from before this
/// rule, at start).
pub fn read_by_predictions(
    lessons: &[super::state::LessonItem],
    read: &std::collections::HashSet<String>,
    predicted: &Answered,
) -> Vec<String> {
    lessons
        .iter()
        .filter(|l| !read.contains(&l.id))
        .filter(|l| {
            let n = crate::markdown::render(&l.source, 80, &Default::default())
                .predictions
                .len();
            all_answered(&l.id, n, predicted)
        })
        .map(|l| l.id.clone())
        .collect()
}

fn settle(
    s: &mut State,
    key: String,
    p: &Prediction,
    choice: usize,
    right: bool,
    outcome: String,
) -> Vec<Effect> {
    s.predicted.insert(key.clone(), right);
    let mut fx = Vec::new();
    if let Some(id) = lesson_id(s)
        && key.starts_with(&format!("{id}#"))
        && all_answered(&id, predictions(s).len(), &s.predicted)
        && s.read.insert(id.clone())
    {
        fx.push(Effect::MarkRead(id));
    }
    let mark = if right {
        "✓ right"
    } else {
        "✗ not this time"
    };
    s.status = Some(format!(
        "{mark}: you picked {}; {outcome}. {}",
        choice + 1,
        p.why
    ));
    // The whole verdict, where it can wrap: the status line alone would cut it.
    s.prediction_result = Some((
        right,
        format!(
            "You picked {}) {}.\n\nOutcome: {outcome}.\n\nWhy: {}",
            choice + 1,
            p.choices[choice].text,
            p.why
        ),
    ));
    s.overlay = Some(Overlay::PredictResult);
    fx.insert(
        0,
        Effect::RecordPrediction(
            key,
            PredictionRecord {
                question: p.question.clone(),
                picked: p.choices[choice].text.clone(),
                right,
                outcome,
                at: crate::progress::now(),
            },
        ),
    );
    fx
}
