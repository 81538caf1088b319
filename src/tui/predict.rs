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
        (p.request == Some(request)
            && p.observed()
            && !s.predicted.contains_key(&prediction_key(&id, i)))
        .then_some(i)
    })
}

/// `P`: the first unanswered prediction at or below the top of the screen, else the first
/// unanswered one in the lesson.
pub fn open(s: &mut State) {
    let Some(id) = lesson_id(s) else { return };
    let open: Vec<(usize, usize)> = predictions(s)
        .iter()
        .enumerate()
        .filter(|(i, _)| !s.predicted.contains_key(&prediction_key(&id, *i)))
        .map(|(i, p)| (i, p.line))
        .collect();
    let pick = open
        .iter()
        .find(|(_, line)| *line >= s.scroll)
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
    if let (true, Some(request)) = (p.observed(), p.request) {
        s.pending_prediction = Some(Pending {
            key,
            prediction: i,
            choice,
        });
        s.focused_request = Some(request);
        // Committed: the request goes out now, and its answer settles the pick.
        s.pending_send = None;
        let send = true;
        return super::action::update(
            s,
            Action::Console(super::console::ConsoleAction::OpenBlock { send }),
        );
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
    let Some(p) = predictions(s).get(pending.prediction).cloned() else {
        return Vec::new();
    };
    let replica = x.served_by().map(str::to_string);
    let actual = p.outcome(x.status, replica.as_deref());
    let what = format!(
        "{} from {}",
        x.status,
        replica.as_deref().unwrap_or("the balancer")
    );
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

fn settle(
    s: &mut State,
    key: String,
    p: &Prediction,
    choice: usize,
    right: bool,
    outcome: String,
) -> Vec<Effect> {
    s.predicted.insert(key.clone(), right);
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
    vec![Effect::RecordPrediction(
        key,
        PredictionRecord {
            question: p.question.clone(),
            picked: p.choices[choice].text.clone(),
            right,
            outcome,
            at: crate::progress::now(),
        },
    )]
}
