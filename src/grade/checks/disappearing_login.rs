//! disappearing-login: (1) a local-mode login refused by another replica; (2) after switching to
//! shared or token, a new login accepted by every running replica. Sticky alone is not a fix.

use super::{Evidence, Step, accepted, step};
use crate::api::{Mode, Policy};

pub fn evaluate(ev: &Evidence) -> (Vec<Step>, Vec<String>) {
    let mut notes = Vec::new();
    let reproduced = reproduced(ev);
    let fixed = fixed(ev);
    if ev.state.policy == Policy::Sticky && ev.state.mode == Mode::Local {
        notes.push(
            "the balancer is sticky, which hides the bug without fixing it: your login still lives in one replica's memory; restart that replica and it is gone. Switch the mode instead."
                .to_string(),
        );
    }
    (vec![reproduced, fixed], notes)
}

fn reproduced(ev: &Evidence) -> Step {
    let mut step = step(
        "reproduced",
        "reproduce it: log in (local mode), then see another replica refuse that session",
    );
    let logins: Vec<_> = ev
        .learner_requests()
        .filter(|e| e.path == "/login" && e.ok() && e.mode == Mode::Local && e.issued.is_some())
        .collect();
    for login in &logins {
        let refused = ev.learner_requests().find(|e| {
            e.id > login.id
                && e.status == 401
                && e.mode == Mode::Local
                && e.fingerprint == login.issued
                && e.replica != login.replica
        });
        if let Some(r) = refused {
            step.done = true;
            step.evidence = vec![login.evidence_line(), r.evidence_line()];
            return step;
        }
    }
    if ev.state.mode != Mode::Local && logins.is_empty() {
        step.next.push(format!(
            "the lab is in {} mode; the bug lives in local mode, where each replica remembers logins itself",
            ev.state.mode
        ));
    }
    match logins.last() {
        None => {
            step.next.push(
                "log in as alice and keep the cookie the reply sets, so you can send it back"
                    .into(),
            );
        }
        Some(l) => {
            step.evidence.push(l.evidence_line());
            step.next.push(format!(
                "you logged in on {}; now send that same cookie to GET /orders a few times, until another replica answers",
                l.replica.as_deref().unwrap_or("?")
            ));
            if ev.state.policy == Policy::Sticky {
                step.next.push(
                    "the balancer is sticky, so every request goes back to the same replica and the bug stays hidden"
                        .into(),
                );
            }
        }
    }
    step
}

fn fixed(ev: &Evidence) -> Step {
    let mut step = step(
        "fixed",
        "fix it: switch to shared or token, log in again, and be accepted by every replica",
    );
    let up = ev.up_replicas();
    let logins: Vec<_> = ev
        .learner_requests()
        .filter(|e| e.path == "/login" && e.ok() && e.mode != Mode::Local && e.issued.is_some())
        .collect();
    let mut best: Option<(usize, Vec<String>)> = None;
    for login in logins.iter().rev() {
        let mut evidence = vec![login.evidence_line()];
        let mut missing = Vec::new();
        for r in &up {
            match ev.learner_requests().find(|e| {
                e.id > login.id
                    && e.fingerprint == login.issued
                    && accepted(e)
                    && e.replica.as_deref() == Some(r)
            }) {
                Some(e) => evidence.push(e.evidence_line()),
                None => missing.push(r.to_string()),
            }
        }
        if missing.is_empty() && !up.is_empty() {
            step.done = true;
            step.evidence = evidence;
            return step;
        }
        if best.as_ref().is_none_or(|(m, _)| missing.len() < *m) {
            step.next = vec![if ev.state.policy == Policy::Sticky {
                format!(
                    "that login is not yet accepted by {}: the balancer is sticky, so it keeps sending you to one replica; set it back to round-robin, or ask each replica directly ({})",
                    missing.join(", "),
                    missing
                        .iter()
                        .filter_map(|m| ev.state.replicas.iter().find(|r| &r.name == m))
                        .map(|r| format!("{}/orders", r.url))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                format!(
                    "that login is not yet accepted by {}: send it a few more times (round-robin reaches each replica in turn)",
                    missing.join(", ")
                )
            }];
            best = Some((missing.len(), evidence));
        }
    }
    match best {
        Some((_, evidence)) => step.evidence = evidence,
        None => {
            if ev.state.mode == Mode::Local {
                step.next.push(
                    "change where the login is kept, so that a replica that never saw your password can still recognise you"
                        .into(),
                );
            }
            step.next.push(format!(
                "then log in again (a login made in local mode lives in one replica only) and send GET /orders until each of {} has accepted it",
                up.join(", ")
            ));
        }
    }
    step
}
