//! The attacker: logs in once as a user (as if it had phished the password), then replays only
//! the stolen cookie or token against `/orders` about four times a second (the lab's
//! `limits.attacker_period`).

use std::sync::{Arc, Mutex};

use super::Core;
use super::error::ApiError;
use super::sessions;
use crate::api::{
    AttackerStatus, CredentialKind, DEMO_USERS, Event, Mode, SOURCE_HEADER, Source,
    StolenCredential,
};

/// Refusals in a row before the attacker gives up.
pub const GIVE_UP_AFTER: u64 = 20;

#[derive(Default)]
pub struct Attacker {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    status: AttackerStatus,
    credential: Option<StolenCredential>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// Bumped on every start so a stale task cannot write into a newer run's status.
    generation: u64,
}

impl Attacker {
    pub fn status(&self) -> AttackerStatus {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .status
            .clone()
    }

    pub fn credential(&self) -> Option<StolenCredential> {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .credential
            .clone()
    }

    pub async fn start(
        &self,
        core: Arc<Core>,
        user: &str,
        source: Source,
    ) -> Result<AttackerStatus, ApiError> {
        let Some((_, password, _)) = DEMO_USERS.iter().find(|(u, _, _)| *u == user) else {
            return Err(ApiError::bad_request(format!(
                "unknown user {user:?}: the attacker can target alice or bob"
            )));
        };
        self.stop(&core, source, "replaced by a new attacker");
        let credential = steal(&core, user, password).await?;
        let generation = {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            inner.generation += 1;
            inner.status = AttackerStatus {
                running: true,
                user: Some(user.to_string()),
                credential_kind: Some(credential.kind),
                fingerprint: Some(credential.fingerprint.clone()),
                ..AttackerStatus::default()
            };
            inner.credential = Some(credential.clone());
            inner.generation
        };
        core.journal.control(
            Event::AttackerStarted,
            source,
            core.mode(),
            None,
            Some(user),
            format!(
                "attacker replays a stolen {} ({}) of {user} against /orders",
                credential.kind, credential.fingerprint
            ),
        );
        let task = tokio::spawn(replay(core.clone(), credential, generation));
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.task = Some(task);
        Ok(inner.status.clone())
    }

    pub fn stop(&self, core: &Core, source: Source, why: &str) -> AttackerStatus {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(task) = inner.task.take() {
            task.abort();
        }
        if inner.status.running {
            inner.status.running = false;
            inner.status.stopped = Some(why.to_string());
            core.journal.control(
                Event::AttackerStopped,
                source,
                core.mode(),
                None,
                inner.status.user.as_deref(),
                why.to_string(),
            );
        }
        inner.status.clone()
    }

    /// Records one replayed request; returns false when the attacker should give up.
    fn record(&self, core: &Core, generation: u64, refused: bool) -> bool {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if inner.generation != generation || !inner.status.running {
            return false;
        }
        let s = &mut inner.status;
        s.requests += 1;
        if refused {
            s.refused += 1;
            s.refused_in_a_row += 1;
        } else {
            s.refused_in_a_row = 0;
        }
        if s.refused_in_a_row >= GIVE_UP_AFTER {
            s.running = false;
            let why = format!("gave up after {GIVE_UP_AFTER} refusals in a row");
            s.stopped = Some(why.clone());
            let user = s.user.clone();
            inner.task = None;
            core.journal.control(
                Event::AttackerStopped,
                Source::Attacker,
                core.mode(),
                None,
                user.as_deref(),
                why,
            );
            return false;
        }
        true
    }
}

/// The one login: afterwards the attacker never uses the password again.
async fn steal(core: &Core, user: &str, password: &str) -> Result<StolenCredential, ApiError> {
    let resp = core
        .http
        .post(format!("{}/login", core.balancer_url()))
        .header(SOURCE_HEADER, Source::Attacker.as_str())
        .header(crate::api::SOURCE_KEY_HEADER, &core.source_key)
        .json(&serde_json::json!({"username": user, "password": password}))
        .send()
        .await
        .map_err(|e| {
            ApiError::unavailable(format!("attacker could not reach the balancer: {e}"))
        })?;
    if let Some(sid) = sessions::issued_sid(resp.headers()) {
        return Ok(StolenCredential {
            kind: CredentialKind::Cookie,
            fingerprint: sessions::fingerprint(&sid),
            value: sid,
        });
    }
    let status = resp.status();
    let body: serde_json::Value = resp.json().await.unwrap_or_default();
    match body.get("token").and_then(|t| t.as_str()) {
        Some(token) if core.mode() == Mode::Token => Ok(StolenCredential {
            kind: CredentialKind::Bearer,
            fingerprint: sessions::fingerprint(token),
            value: token.to_string(),
        }),
        _ => Err(ApiError::unavailable(format!(
            "attacker login failed ({status}): {}",
            body.get("reason")
                .and_then(|r| r.as_str())
                .unwrap_or("no credential in the answer")
        ))),
    }
}

async fn replay(core: Arc<Core>, cred: StolenCredential, generation: u64) {
    let url = format!("{}/orders", core.balancer_url());
    let mut tick = tokio::time::interval(core.limits.attacker_period);
    loop {
        tick.tick().await;
        let mut req = core
            .http
            .get(&url)
            .header(SOURCE_HEADER, Source::Attacker.as_str())
            .header(crate::api::SOURCE_KEY_HEADER, &core.source_key);
        req = match cred.kind {
            CredentialKind::Cookie => {
                req.header("cookie", format!("{}={}", sessions::COOKIE, cred.value))
            }
            // `steal` hands out only cookies and bearer tokens.
            _ => req.bearer_auth(&cred.value),
        };
        let refused = match req.send().await {
            Ok(r) => r.status() == reqwest::StatusCode::UNAUTHORIZED,
            Err(_) => false,
        };
        if !core.attacker.record(&core, generation, refused) {
            return;
        }
    }
}
