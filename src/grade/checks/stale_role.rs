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
    let mut door = door_step();
    let mut others = step("others", "other users keep working after your fix");

    // 1. Admin doors: each token-mode login of bob's, with the first GET /orders/all his new
    // token opened. Every door starts a run; the checklist judges the best run, and the
    // latest among equals, so a fresh attempt later in the journal is never held back by an
    // earlier one that went wrong.
    let doors: Vec<(&JournalEntry, &JournalEntry)> = ev
        .learner_requests()
        .filter(|e| is_bob_login(e))
        .filter_map(|login| {
            ev.learner_requests()
                .find(|e| {
                    e.id > login.id
                        && e.path == ALL_ORDERS
                        && e.status == 200
                        && e.fingerprint == login.issued
                })
                .map(|open| (login, open))
        })
        .collect();
    if doors.is_empty() {
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
        let mut rest = later_steps();
        for s in rest.iter_mut() {
            s.next
                .push("first open the admin door with bob's token".into());
        }
        others
            .next
            .push("first open the admin door with bob's token".into());
        let [demoted, stale, fixed] = rest;
        return Ok((vec![door, demoted, stale, fixed, others], notes));
    }
    // 2. A demotion counts only when it took the admin role away: "bob is now customer (was
    // customer)" changes nothing, and nothing can go stale after it.
    let demotions: Vec<&JournalEntry> = ev
        .events(Event::RoleChanged)
        .filter(|e| is_demotion_of_bob(e))
        .collect();
    let mut best: Option<Run> = None;
    for &(login, open) in &doors {
        let after: Vec<&JournalEntry> = demotions
            .iter()
            .copied()
            .filter(|d| d.id > open.id)
            .collect();
        let runs: Vec<Run> = if after.is_empty() {
            vec![judge(ev, login, open, None)]
        } else {
            after
                .into_iter()
                .map(|d| judge(ev, login, open, Some(d)))
                .collect()
        };
        for run in runs {
            // The most steps done, then the latest: `>=` lets a later run win a tie.
            if best.as_ref().is_none_or(|b| run.score() >= b.score()) {
                best = Some(run);
            }
        }
    }
    let Some(run) = best else {
        unreachable!("at least one door gives a run")
    };
    door.done = true;
    door.evidence = run.door_evidence.clone();
    let [mut demoted, stale, fixed] = run.steps;
    if !demoted.done
        && ev
            .events(Event::RoleChanged)
            .any(|e| e.id > run.open_id && is_noop_demotion_of_bob(e))
    {
        demoted.next.push(
            "bob was already a customer when you set customer, so nobody was demoted: make him admin again, log him in, open the door with the new token, then demote him"
                .into(),
        );
    }

    // 5. Someone other than bob accepted after the fix (or the check's own probe of alice).
    if let Some(fix_id) = run.fix_id {
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

fn door_step() -> Step {
    step(
        "admin-door",
        "open the admin door: bob's token (token mode) gets GET /orders/all",
    )
}

/// Steps 2 to 4, open.
fn later_steps() -> [Step; 3] {
    [
        step("demoted", "demote bob to customer in the user table"),
        step(
            "stale",
            "see the stale role: after the demotion, the same token still gets in",
        ),
        step(
            "fixed",
            "make it bite: within 60 s of the demotion the old token is refused, and stays refused",
        ),
    ]
}

/// One attempt: an admin door, the demotion after it (if any), and how far it got.
struct Run {
    door_evidence: Vec<String>,
    open_id: u64,
    /// The demotion's journal id (0 without one), to rank runs by how late they are.
    demotion_id: u64,
    steps: [Step; 3],
    /// The refusal that made the demotion bite, when it did.
    fix_id: Option<u64>,
}

impl Run {
    fn score(&self) -> (usize, u64, u64) {
        (
            self.steps.iter().filter(|s| s.done).count(),
            self.demotion_id,
            self.open_id,
        )
    }
}

/// Judges steps 2 to 4 for the door `open` (opened with `login`'s token) and `demotion`.
fn judge(
    ev: &Evidence<'_>,
    login: &JournalEntry,
    open: &JournalEntry,
    demotion: Option<&JournalEntry>,
) -> Run {
    let [mut demoted, mut stale, mut fixed] = later_steps();
    let mut run = Run {
        door_evidence: vec![login.evidence_line(), open.evidence_line()],
        open_id: open.id,
        demotion_id: demotion.map_or(0, |d| d.id),
        steps: later_steps(),
        fix_id: None,
    };
    let Some(demotion) = demotion else {
        demoted.next.push(
            "change bob's role in the user table from admin to customer (the lab's /admin/users route)"
                .into(),
        );
        for s in [&mut stale, &mut fixed] {
            s.next.push("first demote bob".into());
        }
        run.steps = [demoted, stale, fixed];
        return run;
    };
    demoted.done = true;
    demoted.evidence.push(demotion.evidence_line());
    let token = &login.issued;

    // Requests to the admin route carrying the old token, after the demotion.
    let with_old: Vec<&JournalEntry> = ev
        .learner_requests()
        .filter(|e| e.id > demotion.id && e.path == ALL_ORDERS && &e.fingerprint == token)
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
    // with no restart or mode switch between the demotion and the refusal, and never
    // accepted afterwards.
    let deadline = demotion.ts_ms + LIMIT_MS;
    let refusal = with_old.iter().find(|e| {
        (e.status == 401 || e.status == 403)
            && e.replica.as_deref().is_some_and(|r| r != "balancer")
    });
    let cheated: Vec<&JournalEntry> = ev
        .entries
        .iter()
        .filter(|e| {
            e.id > demotion.id
                && refusal.is_none_or(|r| e.id < r.id)
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
    match refusal {
        Some(r) if !cheated.is_empty() => {
            fixed.evidence.push(r.evidence_line());
            fixed.evidence.push(cheated[0].evidence_line());
            fixed.next.push(
                "a restart or a mode switch since the demotion logs everyone out; make the demotion bite for bob's token alone, in a fresh run: promote bob, log him in, open the door, demote him (or start the check afresh: f in the app's workspace, or `forgetful check stale-role --restart`)"
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
                    run.fix_id = Some(r.id);
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
    run.steps = [demoted, stale, fixed];
    run
}

fn is_bob_login(e: &JournalEntry) -> bool {
    e.path == "/login"
        && e.ok()
        && e.mode == Mode::Token
        && e.user.as_deref() == Some(DEMOTED)
        && e.issued.is_some()
}

/// A role change that took bob from admin to customer, as the lab journals it ("bob is now
/// customer (was admin) …").
fn is_demotion_of_bob(e: &JournalEntry) -> bool {
    e.user.as_deref() == Some(DEMOTED)
        && e.reason
            .as_deref()
            .is_some_and(|r| r.starts_with(&format!("{DEMOTED} is now customer (was admin)")))
}

/// Bob set to customer while he already was one: nobody was demoted.
fn is_noop_demotion_of_bob(e: &JournalEntry) -> bool {
    e.user.as_deref() == Some(DEMOTED)
        && e.reason
            .as_deref()
            .is_some_and(|r| r.starts_with(&format!("{DEMOTED} is now customer (was customer)")))
}
