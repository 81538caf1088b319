//! where-state-goes, in token mode: (1) a login that returned a token; (2) its `badge` claim
//! reported with `--claim`; (3) every replica restarted, then the same token accepted;
//! (4) that token with an edited payload refused for its signature.

use super::{Evidence, Step, accepted, step};
use crate::api::{Event, JournalEntry, Mode};
use crate::client::{ClientError, LabClient};

pub async fn evaluate(
    ev: &Evidence<'_>,
    client: &LabClient,
) -> Result<(Vec<Step>, Vec<String>), ClientError> {
    let logins: Vec<&JournalEntry> = ev
        .learner_requests()
        .filter(|e| e.path == "/login" && e.ok() && e.mode == Mode::Token && e.token_jti.is_some())
        .collect();

    let mut token = step(
        "token",
        "log in while the lab is in token mode and keep the token",
    );
    match logins.last() {
        Some(l) => {
            token.done = true;
            token.evidence.push(l.evidence_line());
        }
        None => {
            token.next.push(
                "with the lab in token mode, log in as alice and keep the token the reply carries"
                    .into(),
            );
        }
    }

    // The badge names which token the rest of the steps are about.
    let mut badge = step(
        "badge",
        "read the badge claim inside your token and report it with --claim",
    );
    let mut chosen: Option<&JournalEntry> = None;
    match ev.claim {
        None => {
            badge.next.push(
                "read the badge claim out of your token yourself (no key is needed to read it), then report it with --claim (in the app: b)"
                    .into(),
            );
        }
        Some(claim) => {
            let verdict = client.check_badge(claim).await?;
            let jti = verdict.jti.clone().filter(|_| verdict.valid);
            chosen = jti.and_then(|j| {
                logins
                    .iter()
                    .rev()
                    .find(|l| l.token_jti.as_deref() == Some(&j))
                    .copied()
            });
            match chosen {
                Some(l) => {
                    badge.done = true;
                    badge.evidence.push(format!(
                        "badge {claim:?} matches the token issued by {} (jti {}), recognised by its keyed hash: no replica stored it",
                        l.evidence_line(),
                        l.token_jti.as_deref().unwrap_or("?")
                    ));
                }
                None if verdict.valid => badge.next.push(format!(
                    "badge {claim:?} is real but belongs to a token someone else asked for (the grader or the attacker); use the token from your own login"
                )),
                None => badge.next.push(format!(
                    "{claim:?} is not the badge of any token this lab issued: {}",
                    verdict.message
                )),
            }
        }
    }
    // Without a verified badge, judge the rest against the newest token login.
    let subject = chosen.or(logins.last().copied());

    let mut restarts = step(
        "restarts",
        "restart every replica, then use that same token again successfully",
    );
    let mut tampered = step(
        "tampered",
        "send that token with an edited payload and see it refused for its signature",
    );
    match subject {
        None => {
            restarts.next.push("first log in in token mode".into());
            tampered.next.push("first log in in token mode".into());
        }
        Some(login) => {
            let jti = login.token_jti.as_deref();
            let names: Vec<&str> = ev.state.replicas.iter().map(|r| r.name.as_str()).collect();
            // When did each replica last come back (restart, or start after stop) after the login?
            let mut last_back = 0u64;
            let mut missing = Vec::new();
            for n in &names {
                let back = ev
                    .entries
                    .iter()
                    .filter(|e| {
                        e.id > login.id
                            && e.replica.as_deref() == Some(n)
                            && matches!(
                                e.event,
                                Some(Event::ReplicaRestarted | Event::ReplicaStarted)
                            )
                    })
                    .map(|e| e.id)
                    .max();
                match back {
                    Some(id) => last_back = last_back.max(id),
                    None => missing.push(*n),
                }
            }
            if missing.is_empty() {
                restarts.evidence.push(format!(
                    "replicas {} all restarted after your login",
                    names.join(", ")
                ));
                let used = ev
                    .learner_requests()
                    .find(|e| e.id > last_back && accepted(e) && e.fingerprint == login.issued);
                match used {
                    Some(e) => {
                        restarts.done = true;
                        restarts.evidence.push(e.evidence_line());
                    }
                    None => restarts.next.push(
                        "now use the same token again, without logging in, and show it is still accepted"
                            .into(),
                    ),
                }
            } else {
                restarts.next.push(format!(
                    "not yet restarted since your login: {}; restart every replica, then use the same token again",
                    missing.join(", ")
                ));
            }
            let forged = ev.learner_requests().find(|e| {
                e.id > login.id
                    && e.token_jti.as_deref() == jti
                    && e.fingerprint != login.issued
                    && e.status == 401
                    && e.reason.as_deref().unwrap_or("").contains("signature")
            });
            match forged {
                Some(e) => {
                    tampered.done = true;
                    tampered.evidence.push(e.evidence_line());
                }
                None => {
                    tampered.next.push(
                        "change a claim in that token's payload (your role, say), keep the old signature, send it, and see why it is refused"
                            .into(),
                    );
                }
            }
        }
    }
    if ev.state.mode != Mode::Token && !token.done {
        token
            .next
            .insert(0, format!("the lab is in {} mode", ev.state.mode));
    }
    Ok((vec![token, badge, restarts, tampered], Vec::new()))
}
