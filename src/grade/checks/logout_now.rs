//! logout-now: with the attacker replaying a stolen credential, cut it off: after a revoke every
//! attacker request on every replica is refused within one second (the lab's revoke grace,
//! published in its state), the grader's own replay of the stolen credential on each replica
//! gets 401, and other users' logins still work.

use super::{Evidence, Step, accepted, step};
use crate::api::{CredentialKind, Event, JournalEntry, Mode, Source};
use crate::client::{ClientError, LabClient};

pub async fn evaluate(
    ev: &Evidence<'_>,
    client: &LabClient,
) -> Result<(Vec<Step>, Vec<String>), ClientError> {
    let mut notes = Vec::new();
    let mut attacker = step("attacker", "start the attacker on a stolen credential");
    let mut cut = step(
        "cut-off",
        "cut it off: after your revoke, every attacker request is refused within a second",
    );
    let mut replay = step(
        "replay",
        "the stolen credential is refused by every replica (the grader replays it)",
    );
    let mut others = step("others", "other users' logins keep working");

    let start = ev.events(Event::AttackerStarted).last();
    let Some(start) = start else {
        attacker.next.push(
            "start the attacker on alice's credential, then watch its requests (source attacker) get in"
                .into(),
        );
        cut.next.push("first start the attacker".into());
        replay.next.push("first start the attacker".into());
        others.next.push("first start the attacker".into());
        return Ok((vec![attacker, cut, replay, others], notes));
    };
    attacker.done = true;
    attacker.evidence.push(start.evidence_line());
    let victim = start.user.clone().unwrap_or_default();
    // Every attacker run: the statement asks for the cut-off with sessions and with tokens.
    let starts: Vec<&JournalEntry> = ev.events(Event::AttackerStarted).collect();
    let runs: Vec<(&JournalEntry, Run)> = starts
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let until = starts.get(i + 1).map_or(u64::MAX, |n| n.id);
            (*s, cut_off(ev, s, until))
        })
        .collect();
    let (last_start, last) = runs.last().expect("at least the run that started");
    if let Some(line) = &last.first_ok {
        attacker.evidence.push(line.clone());
    }
    let won = |token: bool| {
        runs.iter()
            .rev()
            .find(|(s, r)| r.winning.is_some() && (s.mode == Mode::Token) == token)
    };
    let (with_sessions, with_tokens) = (won(false), won(true));
    for (s, r) in [with_sessions, with_tokens].into_iter().flatten() {
        cut.evidence.push(format!("in {} mode:", s.mode));
        cut.evidence.extend(r.evidence.iter().cloned());
    }
    cut.done = with_sessions.is_some() && with_tokens.is_some();
    if !cut.done {
        if last.winning.is_none() {
            cut.next.extend(last.next.iter().cloned());
            notes.extend(last.notes.iter().cloned());
        }
        match (with_sessions, with_tokens) {
            (Some(_), None) => cut.next.push(
                "cut off with sessions; now switch to token mode, start the attacker again, and cut that one off too"
                    .into(),
            ),
            (None, Some(_)) => cut.next.push(
                "cut off with tokens; now do it with sessions (shared mode): start the attacker again there and compare"
                    .into(),
            ),
            _ => {}
        }
    }
    // The replay and the other users are judged for the latest run's cut-off.
    let start = *last_start;
    let winning = last.winning;
    // The grader's own replay, straight at each running replica.
    let down: Vec<&str> = ev
        .state
        .replicas
        .iter()
        .filter(|r| !r.up)
        .map(|r| r.name.as_str())
        .collect();
    match (winning, client.stolen_credential().await) {
        (Some(_), _) if !down.is_empty() => {
            for name in &down {
                replay.next.push(format!(
                    "replica {name} is stopped, so the check cannot replay on it: start it again"
                ));
            }
        }
        (Some(_), _) if ev.state.mode != start.mode => replay.next.push(format!(
            "switch back to {} mode, where the attacker stole its credential",
            start.mode
        )),
        (Some(_), Ok(stolen)) => {
            let mut all = true;
            for r in &ev.state.replicas {
                let header = match stolen.kind {
                    CredentialKind::Cookie => {
                        ("cookie".to_string(), format!("sid={}", stolen.value))
                    }
                    // The attacker steals only cookies and bearer tokens.
                    _ => (
                        "authorization".to_string(),
                        format!("Bearer {}", stolen.value),
                    ),
                };
                let x = client
                    .send(Some(&r.url), "GET", "/orders", &[header], None)
                    .await?;
                let reason = x.reason().unwrap_or_default();
                replay.evidence.push(format!(
                    "GET /orders → {} ({}, {reason}) [grader replay]",
                    x.status, r.name
                ));
                all &= x.status == 401;
            }
            replay.done = all;
            if !all {
                replay
                    .next
                    .push("a replica still accepts the stolen credential".into());
            }
        }
        (None, _) => replay.next.push("first cut the attacker off".into()),
        (Some(_), Err(e)) => replay
            .next
            .push(format!("could not read the stolen credential: {e}")),
    }

    // Other users: credentials issued to someone else must not be refused as revoked afterwards.
    match winning {
        None => others.next.push("first cut the attacker off".into()),
        Some(r) => {
            let other_logins: Vec<&JournalEntry> = ev
                .learner_requests()
                .filter(|e| {
                    e.path == "/login"
                        && e.ok()
                        && e.issued.is_some()
                        && e.user.as_deref() != Some(victim.as_str())
                })
                .collect();
            // Broken by the revoke: refused as revoked, or refused by a replica that accepted
            // the same credential before it. (A local-mode 401 from a replica that never knew
            // the session is the ordinary bug, not the revoke's doing.)
            let broken = ev.learner_requests().find(|e| {
                e.id > r.id
                    && e.status == 401
                    && other_logins
                        .iter()
                        .any(|l| l.issued == e.fingerprint && l.id < e.id)
                    && (e.reason.as_deref().unwrap_or("").contains("revoked")
                        || ev.learner_requests().any(|before| {
                            before.id < r.id
                                && accepted(before)
                                && before.fingerprint == e.fingerprint
                                && before.replica == e.replica
                        }))
            });
            match broken {
                Some(e) => others.next.push(format!(
                    "someone else lost their login too: {}",
                    e.evidence_line()
                )),
                None => {
                    let used = ev.learner_requests().find(|e| {
                        e.id > r.id
                            && accepted(e)
                            && other_logins.iter().any(|l| l.issued == e.fingerprint)
                    });
                    match used {
                        Some(e) => {
                            others.done = true;
                            others.evidence.push(e.evidence_line());
                        }
                        // No other user sent anything since: the check logs one in itself
                        // and says so, rather than passing on silence.
                        None => {
                            let other = if victim == "bob" { "alice" } else { "bob" };
                            match probe_other_user(client, ev, other).await? {
                                Ok(lines) => {
                                    others.done = true;
                                    others.evidence.extend(lines);
                                }
                                Err(why) => others.next.push(why),
                            }
                        }
                    }
                }
            }
        }
    }
    Ok((vec![attacker, cut, replay, others], notes))
}

/// The check's own probe for step 4: log `user` in (tagged grader) and call `GET /orders`
/// on every running replica. `Ok` with evidence lines when all accept, `Err` saying why not.
pub(super) async fn probe_other_user(
    client: &LabClient,
    ev: &Evidence<'_>,
    user: &str,
) -> Result<Result<Vec<String>, String>, ClientError> {
    let Some((_, password, _)) = crate::api::DEMO_USERS.iter().find(|(u, _, _)| *u == user) else {
        return Ok(Err(format!("no demo user {user}")));
    };
    let body = serde_json::json!({"username": user, "password": password}).to_string();
    let json = ("content-type".to_string(), "application/json".to_string());
    let login = client
        .send(
            None,
            "POST",
            "/login",
            std::slice::from_ref(&json),
            Some(body),
        )
        .await?;
    if login.status != 200 {
        return Ok(Err(format!(
            "the check's own login as {user} was refused ({}): other users must keep working",
            login.status
        )));
    }
    let credential = match serde_json::from_str::<serde_json::Value>(&login.body)
        .ok()
        .and_then(|v| v.get("token").and_then(|t| t.as_str()).map(str::to_string))
    {
        Some(token) => ("authorization".to_string(), format!("Bearer {token}")),
        None => match login
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .map(str::to_string)
        {
            Some(cookie) => ("cookie".to_string(), cookie),
            None => {
                return Ok(Err(format!(
                    "the check's login as {user} returned no credential"
                )));
            }
        },
    };
    let mut lines = vec![format!(
        "no other user sent a request since the revoke, so the check logged {user} in itself:"
    )];
    for r in ev.state.replicas.iter().filter(|r| r.up) {
        let x = client
            .send(
                Some(&r.url),
                "GET",
                "/orders",
                std::slice::from_ref(&credential),
                None,
            )
            .await?;
        lines.push(format!(
            "GET /orders as {user} → {} ({}) [check's own probe]",
            x.status, r.name
        ));
        if x.status != 200 {
            return Ok(Err(format!(
                "{user} was refused by replica {} ({}): the revoke reached further than {}",
                r.name,
                x.reason().unwrap_or_default(),
                ev.events(Event::Revoke)
                    .last()
                    .and_then(|e| e.user.clone())
                    .unwrap_or_default()
            )));
        }
    }
    Ok(Ok(lines))
}

/// One attacker run (from its start until the next start) and whether a revoke cut it off.
#[derive(Default)]
struct Run<'a> {
    winning: Option<&'a JournalEntry>,
    first_ok: Option<String>,
    evidence: Vec<String>,
    next: Vec<String>,
    notes: Vec<String>,
}

fn cut_off<'a>(ev: &'a Evidence<'_>, start: &'a JournalEntry, until: u64) -> Run<'a> {
    let mut run = Run::default();
    let victim = start.user.clone().unwrap_or_default();
    let attack: Vec<&JournalEntry> = ev
        .entries
        .iter()
        .filter(|e| {
            e.id > start.id && e.id < until && e.source == Source::Attacker && e.is_request()
        })
        .collect();
    let first_ok = attack
        .iter()
        .find(|e| accepted(e))
        .map(|e| e.evidence_line());

    let revokes: Vec<&JournalEntry> = ev
        .events(Event::Revoke)
        .filter(|e| e.id > start.id && e.id < until && e.user.as_deref() == Some(victim.as_str()))
        .collect();
    // A refusal counts only when a replica gave it, in the mode the attacker started in:
    // stopping every replica (503 from the balancer) or switching modes (a credential of the
    // wrong kind) also makes requests fail, and neither logs anyone out.
    // How long after the revoke the attacker may still get through: the lab says (1 s
    // unless configured otherwise), so a test lab can be graded without waiting seconds.
    let grace_ms = ev.state.revoke_grace_ms;
    let refused = |e: &JournalEntry| {
        e.status == 401 && e.replica.as_deref() != Some("balancer") && e.mode == start.mode
    };
    for r in &revokes {
        let all_after: Vec<&&JournalEntry> = attack
            .iter()
            .filter(|e| e.ts_ms > r.ts_ms + grace_ms)
            .collect();
        // Judged in the mode the attacker started in, up to the first switch away from it:
        // a later switch (to try tokens next) does not undo a cut-off already shown.
        let in_mode = all_after
            .iter()
            .take_while(|e| e.mode == start.mode)
            .count();
        let after: Vec<&&JournalEntry> = if in_mode > 0 {
            all_after[..in_mode].to_vec()
        } else {
            all_after
        };
        let gave_up = ev
            .events(Event::AttackerStopped)
            .any(|e| e.id > r.id && e.reason.as_deref().unwrap_or("").contains("gave up"));
        if let Some(e) = after.iter().find(|e| accepted(e)) {
            run.next.push(format!(
                "after a revoke the attacker still got through: {}",
                e.evidence_line()
            ));
            if e.mode == Mode::Token && !r.reason.as_deref().unwrap_or("").contains("denylist on") {
                run.notes.push(
                    "the attacker holds a signed token; every replica checks it with the public key alone, so deleting sessions changes nothing and the token stays good until it expires. A denylist that every replica consults on each request would let a revoke reach it: a little state, brought back on purpose."
                        .into(),
                );
            }
            continue;
        }
        if let Some(e) = after.iter().find(|e| !refused(e)) {
            run.next.push(format!(
                "this failure is not a logout: {}",
                e.evidence_line()
            ));
            if e.mode != start.mode {
                run.notes.push(format!(
                    "the mode changed after the attacker started ({} → {}): the stolen credential is now simply the wrong kind, which proves nothing. Switch back to {} and cut it off there.",
                    start.mode, e.mode, start.mode
                ));
            } else {
                run.notes.push(
                    "stopping replicas is not logging out: the stolen credential works again as soon as one comes back. Start them and revoke instead."
                        .into(),
                );
            }
            continue;
        }
        if after.is_empty() && !gave_up {
            run.next.push(
                "the attacker has not tried again since your revoke; give it a second and check again"
                    .into(),
            );
            continue;
        }
        run.winning = Some(r);
        run.evidence.push(r.evidence_line());
        if let Some(first) = attack.iter().find(|e| e.id > r.id && refused(e)) {
            run.evidence.push(format!(
                "{} after {} ms",
                first.evidence_line(),
                first.ts_ms.saturating_sub(r.ts_ms)
            ));
        }
        run.evidence.push(format!(
            "{} attacker requests after the first second: all refused",
            after.len()
        ));
        break;
    }
    if revokes.is_empty() {
        run.next.push(format!(
            "end {victim}'s login on the server side, so that the very next replay is refused everywhere"
        ));
    } else if run.winning.is_none() && start.mode == Mode::Token && !ev.state.denylist {
        run.next.push(
            "a revoke alone cannot reach a signed token: give the replicas something to check on every request, then revoke again"
                .into(),
        );
    }

    run.first_ok = first_ok;
    run
}
