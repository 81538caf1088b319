//! stale-role: in token mode bob's admin token opens `GET /orders/all`; he is demoted; the same
//! token still opens it (the role lives in the token); within 60 s of the demotion it must be
//! refused and stay refused, without restarts or mode switches; other users keep working.

use super::{Evidence, Step, step};
use crate::api::{Event, JournalEntry, Mode};
use crate::client::{ClientError, LabClient};

/// The user the problem demotes.
const DEMOTED: &str = "bob";
/// How long after the demotion the old token may still get in.
pub const LIMIT_MS: u64 = 60_000;
const ALL_ORDERS: &str = "/orders/all";

pub async fn evaluate(
    ev: &Evidence<'_>,
    client: &LabClient,
) -> Result<(Vec<Step>, Vec<String>), ClientError> {
    let mut notes = Vec::new();
    let mut door = step(
        "admin-door",
        "open the admin door: bob's token (token mode) gets GET /orders/all",
    );
    let mut demoted = step("demoted", "demote bob to customer in the user table");
    let mut stale = step(
        "stale",
        "see the stale role: after the demotion, the same token still gets in",
    );
    let mut fixed = step(
        "fixed",
        "make it bite: within 60 s of the demotion the old token is refused, and stays refused",
    );
    let mut others = step("others", "other users keep working after your fix");

    // 1. An admin token: bob's token-mode login, then /orders/all accepted with it.
    let opened: Option<(&JournalEntry, &JournalEntry)> = ev
        .learner_requests()
        .filter(|e| is_bob_login(e))
        .find_map(|login| {
            ev.learner_requests()
                .find(|e| {
                    e.id > login.id
                        && e.path == ALL_ORDERS
                        && e.status == 200
                        && e.fingerprint == login.issued
                })
                .map(|open| (login, open))
        });
    let Some((login, open)) = opened else {
        door.next.push(
            "in token mode, log bob in and send his token as a Bearer header to GET /orders/all"
                .into(),
        );
        if ev.state.mode != Mode::Token {
            door.next.push(format!(
                "the lab is in {} mode; this problem is about tokens",
                ev.state.mode
            ));
        }
        for s in [&mut demoted, &mut stale, &mut fixed, &mut others] {
            s.next
                .push("first open the admin door with bob's token".into());
        }
        return Ok((vec![door, demoted, stale, fixed, others], notes));
    };
    door.done = true;
    door.evidence = vec![login.evidence_line(), open.evidence_line()];
    let token = login.issued.clone();

    // 2. The demotion, after the door was opened.
    let Some(demotion) = ev
        .events(Event::RoleChanged)
        .find(|e| e.id > open.id && is_demotion_of_bob(e))
    else {
        demoted.next.push(
            "change bob's role in the user table to customer (the lab's /admin/users route)".into(),
        );
        for s in [&mut stale, &mut fixed, &mut others] {
            s.next.push("first demote bob".into());
        }
        return Ok((vec![door, demoted, stale, fixed, others], notes));
    };
    demoted.done = true;
    demoted.evidence.push(demotion.evidence_line());

    // Requests to the admin route carrying the old token, after the demotion.
    let with_old: Vec<&JournalEntry> = ev
        .learner_requests()
        .filter(|e| e.id > demotion.id && e.path == ALL_ORDERS && e.fingerprint == token)
        .collect();

    // 3. The stale role seen: the old token still accepted after the demotion.
    match with_old.iter().find(|e| e.status == 200) {
        Some(e) => {
            stale.done = true;
            stale.evidence.push(e.evidence_line());
        }
        None => stale.next.push(
            "send bob's old token to GET /orders/all once more, right after the demotion, before you change anything else"
                .into(),
        ),
    }

    // 4. Refused within the limit, by a replica (not the balancer with everything stopped),
    // with no restart or mode switch since the demotion, and never accepted afterwards.
    let deadline = demotion.ts_ms + LIMIT_MS;
    let cheated: Vec<&JournalEntry> = ev
        .entries
        .iter()
        .filter(|e| {
            e.id > demotion.id
                && matches!(
                    e.event,
                    Some(
                        Event::ModeChanged
                            | Event::ReplicaRestarted
                            | Event::ReplicaStopped
                            | Event::LabStarted
                    )
                )
        })
        .collect();
    let refusal = with_old.iter().find(|e| {
        (e.status == 401 || e.status == 403)
            && e.replica.as_deref().is_some_and(|r| r != "balancer")
    });
    match refusal {
        Some(r) if !cheated.is_empty() => {
            fixed.evidence.push(r.evidence_line());
            fixed.evidence.push(cheated[0].evidence_line());
            fixed.next.push(
                "a restart or a mode switch since the demotion logs everyone out; make the demotion bite for bob's token alone (the lab is fresh again after `forgetful check stale-role --restart`)"
                    .into(),
            );
        }
        Some(r) if r.ts_ms > deadline => {
            fixed.evidence.push(r.evidence_line());
            fixed.next.push(format!(
                "refused {:.0} s after the demotion; the shop wants it within 60 s",
                (r.ts_ms - demotion.ts_ms) as f64 / 1000.0
            ));
        }
        Some(r) => {
            let later_ok = with_old.iter().find(|e| e.id > r.id && e.status == 200);
            match later_ok {
                Some(ok) => {
                    fixed.evidence = vec![r.evidence_line(), ok.evidence_line()];
                    fixed.next.push(
                        "the old token got in again after that refusal: make every replica refuse it, every time"
                            .into(),
                    );
                }
                None => {
                    fixed.done = true;
                    fixed.evidence.push(r.evidence_line());
                    fixed.evidence.push(format!(
                        "refused {:.1} s after the demotion",
                        (r.ts_ms.saturating_sub(demotion.ts_ms)) as f64 / 1000.0
                    ));
                }
            }
        }
        None => {
            fixed.next.push(
                "a replica reads bob's role from his token; make it consult something that changes when you act, or make the token expire soon"
                    .into(),
            );
            fixed
                .next
                .push("then send the old token to GET /orders/all again and see it refused".into());
        }
    }

    // 5. Someone other than bob accepted after the fix (or the check's own probe of alice).
    if fixed.done {
        let fix_id = refusal.map_or(demotion.id, |r| r.id);
        let other = ev.learner_requests().find(|e| {
            e.id > fix_id
                && e.ok()
                && e.path != "/login"
                && e.user.as_deref().is_some_and(|u| u != DEMOTED)
        });
        match other {
            Some(e) => {
                others.done = true;
                others.evidence.push(e.evidence_line());
            }
            None => match super::logout_now::probe_other_user(client, ev, "alice").await? {
                Ok(lines) => {
                    others.done = true;
                    others.evidence = lines;
                }
                Err(why) => others.next.push(why),
            },
        }
    } else {
        others.next.push("first make the demotion bite".into());
    }
    if ev.state.mode != Mode::Token {
        notes.push(format!(
            "the lab is in {} mode now; in the session modes a replica reads the role from the user table at each lookup, so a demotion bites at once there",
            ev.state.mode
        ));
    }
    Ok((vec![door, demoted, stale, fixed, others], notes))
}

fn is_bob_login(e: &JournalEntry) -> bool {
    e.path == "/login"
        && e.ok()
        && e.mode == Mode::Token
        && e.user.as_deref() == Some(DEMOTED)
        && e.issued.is_some()
}

/// A role change of bob to customer, as the lab journals it: the user is bob and the reason
/// names the new role.
fn is_demotion_of_bob(e: &JournalEntry) -> bool {
    e.user.as_deref() == Some(DEMOTED)
        && e.reason
            .as_deref()
            .is_some_and(|r| r.starts_with(&format!("{DEMOTED} is now customer")))
}
