//! The control plane under `/admin`: state, mode, policy, replicas, denylist, revoke,
//! attacker, badge check and the journal (list and live NDJSON stream).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::json;

use super::balancer::{Balancer, served_by_balancer};
use super::body::JsonBody;
use super::error::{ApiError, no_route, wrong_method};
use super::replica::{self, source_of};
use crate::api::{
    BadgeVerdict, Event, FullLabState, LabState, Mode, Policy, ReplicaAction, ReplicaStatus, Role,
    TOKEN_TTL_RANGE, Weakness, bounded,
};

type B = State<Arc<Balancer>>;

/// Journals an admin change, tagged with whoever sent it, in the mode the lab is in now.
fn journal_admin(b: &Balancer, headers: &HeaderMap, event: Event, detail: String) {
    b.core.journal.control(
        event,
        source_of(headers, &b.core.source_key),
        b.core.mode(),
        None,
        None,
        detail,
    );
}

pub fn router(b: Arc<Balancer>) -> Router<Arc<Balancer>> {
    Router::new()
        .route("/state", get(state))
        .route("/mode", post(set_mode))
        .route("/policy", post(set_policy))
        .route("/replicas/{name}/{action}", post(replica_action))
        .route("/denylist", post(set_denylist))
        .route("/revoke", post(revoke))
        .route("/users/{name}/role", post(set_role))
        .route("/token-ttl", post(set_token_ttl))
        .route("/rotate-key", post(rotate_key))
        .route("/weakness", post(set_weakness))
        .route("/csrf", post(set_csrf))
        .route("/attacker", post(start_attacker).delete(stop_attacker))
        .route("/attacker/credential", get(stolen_credential))
        .route("/badge", post(check_badge))
        .route("/journal", get(journal))
        .route("/journal/stream", get(journal_stream))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(b, admin_guard))
}

pub async fn lab_state(b: &Balancer) -> FullLabState {
    let core = &b.core;
    let replicas = core
        .replicas()
        .iter()
        .map(|r| {
            let memory = r.memory();
            ReplicaStatus {
                name: r.name.clone(),
                port: r.port.load(Ordering::Relaxed),
                url: r.url(),
                up: memory.is_some(),
                local_sessions: memory.map(|m| m.local_sessions()).unwrap_or(0),
                served: r.served.load(Ordering::Relaxed),
                last_status: match r.last_status.load(Ordering::Relaxed) {
                    0 => None,
                    s => Some(s),
                },
            }
        })
        .collect();
    let lab = LabState {
        run_id: core.run_id.clone(),
        started_at: core.started_at.clone(),
        balancer_url: core.balancer_url(),
        mode: core.mode(),
        policy: core.policy(),
        store: core.store.describe(),
        store_reachable: core.store.count_sessions().await.is_ok(),
        denylist: core.denylist_on(),
        attacker: core.attacker.status(),
        replicas,
        journal_head: core.journal.head(),
        revoke_grace_ms: core.limits.revoke_grace.as_millis() as u64,
    };
    FullLabState {
        lab,
        security: core.security(),
    }
}

async fn state(State(b): B) -> Json<FullLabState> {
    Json(lab_state(&b).await)
}

#[derive(Deserialize)]
struct ModeReq {
    mode: Mode,
}

async fn set_mode(
    State(b): B,
    headers: HeaderMap,
    JsonBody(ModeReq { mode }): JsonBody<ModeReq>,
) -> Result<Json<FullLabState>, ApiError> {
    let old = b.core.set_mode(mode);
    b.core.journal.control(
        Event::ModeChanged,
        source_of(&headers, &b.core.source_key),
        mode,
        None,
        None,
        format!("mode {old} → {mode}"),
    );
    Ok(Json(lab_state(&b).await))
}

#[derive(Deserialize)]
struct PolicyReq {
    policy: Policy,
}

async fn set_policy(
    State(b): B,
    headers: HeaderMap,
    JsonBody(PolicyReq { policy }): JsonBody<PolicyReq>,
) -> Result<Json<FullLabState>, ApiError> {
    b.core.set_policy(policy);
    journal_admin(
        &b,
        &headers,
        Event::PolicyChanged,
        format!("balancer policy is now {policy}"),
    );
    Ok(Json(lab_state(&b).await))
}

#[derive(Deserialize)]
struct ReplicaPath {
    name: String,
    action: ReplicaAction,
}

/// An action the lab does not have is a route it does not have, so 404 like any unknown
/// route; anything else wrong with the path (invalid UTF-8) is a bad request.
fn replica_path_error(e: PathRejection) -> ApiError {
    if let PathRejection::FailedToDeserializePathParams(f) = &e
        && let ErrorKind::DeserializeError { key, message, .. } = f.kind()
        && key == "action"
    {
        return ApiError::not_found(crate::api::bounded(message, 200));
    }
    ApiError::bad_request(e.body_text())
}

async fn replica_action(
    State(b): B,
    headers: HeaderMap,
    path: Result<Path<ReplicaPath>, PathRejection>,
) -> Result<Json<FullLabState>, ApiError> {
    let Path(ReplicaPath { name, action }) = path.map_err(replica_path_error)?;
    let slot = b
        .core
        .replicas()
        .iter()
        .find(|r| r.name == name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no replica named {name:?}")))?;
    let source = source_of(&headers, &b.core.source_key);
    let _one_at_a_time = slot.control.lock().await;
    super::scale::still_listed(&b.core, &slot)?;
    let (event, detail) = match action {
        ReplicaAction::Restart => {
            replica::stop(&slot).await;
            replica::start(b.core.clone(), slot.clone())
                .await
                .map_err(|e| {
                    ApiError::unavailable(format!("replica {name} could not re-bind: {e}"))
                })?;
            (
                Event::ReplicaRestarted,
                format!(
                    "replica {name} restarted: its memory (local sessions, JWKS cache) is gone"
                ),
            )
        }
        ReplicaAction::Stop => {
            replica::stop(&slot).await;
            (
                Event::ReplicaStopped,
                format!("replica {name} stopped: its port refuses connections"),
            )
        }
        ReplicaAction::Start => {
            replica::start(b.core.clone(), slot.clone())
                .await
                .map_err(|e| {
                    ApiError::unavailable(format!("replica {name} could not bind: {e}"))
                })?;
            (
                Event::ReplicaStarted,
                format!("replica {name} started with empty memory"),
            )
        }
    };
    b.core
        .journal
        .control(event, source, b.core.mode(), Some(&name), None, detail);
    Ok(Json(lab_state(&b).await))
}

#[derive(Deserialize)]
struct DenylistReq {
    enabled: bool,
}

async fn set_denylist(
    State(b): B,
    headers: HeaderMap,
    JsonBody(req): JsonBody<DenylistReq>,
) -> Result<Json<FullLabState>, ApiError> {
    b.core.denylist.store(req.enabled, Ordering::Relaxed);
    let detail = if req.enabled {
        "denylist on: every token is checked against the store on every request"
    } else {
        "denylist off: tokens are trusted until they expire"
    };
    journal_admin(&b, &headers, Event::DenylistChanged, detail.to_string());
    Ok(Json(lab_state(&b).await))
}

#[derive(Deserialize)]
struct TokenTtlReq {
    seconds: u64,
}

/// The lifetime of access tokens issued from now on; tokens already out keep their `exp`.
async fn set_token_ttl(
    State(b): B,
    headers: HeaderMap,
    JsonBody(TokenTtlReq { seconds }): JsonBody<TokenTtlReq>,
) -> Result<Json<FullLabState>, ApiError> {
    if !TOKEN_TTL_RANGE.contains(&seconds) {
        return Err(ApiError::bad_request(format!(
            "seconds must be {} to {} (got {seconds})",
            TOKEN_TTL_RANGE.start(),
            TOKEN_TTL_RANGE.end()
        )));
    }
    let old = b.core.token_ttl.swap(seconds, Ordering::Relaxed);
    journal_admin(
        &b,
        &headers,
        Event::TokenTtlChanged,
        format!(
            "access tokens now live {seconds} s (were {old} s); tokens already issued keep their exp"
        ),
    );
    Ok(Json(lab_state(&b).await))
}

/// A new signing key. Replicas meet its kid in the next new token and fetch the JWKS again
/// (at most once a second each); the old key stays published until its tokens expire.
async fn rotate_key(State(b): B, headers: HeaderMap) -> Result<Json<FullLabState>, ApiError> {
    let r = b.core.issuer.rotate().map_err(|e| {
        tracing::warn!("key rotation: {e}");
        ApiError::unavailable(format!("the new key could not be kept: {e}"))
    })?;
    journal_admin(
        &b,
        &headers,
        Event::KeyRotated,
        format!(
            "signing key {} → {}: new tokens carry kid {}; the JWKS lists {}; tokens signed with {} verify until they expire",
            r.old_kid,
            r.new_kid,
            r.new_kid,
            r.published.join(", "),
            r.old_kid
        ),
    );
    Ok(Json(lab_state(&b).await))
}

#[derive(Deserialize)]
struct WeaknessReq {
    name: Weakness,
    enabled: bool,
}

/// What each weak verifier does, for the journal.
fn weakness_detail(w: Weakness) -> &'static str {
    match w {
        Weakness::AlgNone => "replicas accept an unsigned token whose header says alg none",
        Weakness::Hs256PublicKey => {
            "replicas accept HS256 signed with the public key (the JWK's x, or its bytes) as the HMAC secret"
        }
        Weakness::KidPath => {
            "replicas take the kid as a file path under /srv/keys, unchecked: ../../dev/null is an empty HMAC key"
        }
        Weakness::NoExp => "replicas accept tokens without exp, or past it",
    }
}

/// Makes every replica verify tokens the broken way a real library once did, or mends it.
async fn set_weakness(
    State(b): B,
    headers: HeaderMap,
    JsonBody(WeaknessReq { name, enabled }): JsonBody<WeaknessReq>,
) -> Result<Json<FullLabState>, ApiError> {
    if enabled && !b.core.allow_weaknesses {
        return Err(ApiError::forbidden(
            "weak verifiers are off on this lab: it was started with --admin-token for a room; start it with --allow-weaknesses to let learners break it",
        ));
    }
    if b.core.set_weakness(name, enabled) {
        let detail = if enabled {
            format!("weakness {name} on: {}", weakness_detail(name))
        } else {
            format!("weakness {name} off: replicas verify those tokens soundly again")
        };
        journal_admin(&b, &headers, Event::WeaknessChanged, detail);
    }
    Ok(Json(lab_state(&b).await))
}

/// Turns the replicas' cross-site check on or off, so a learner can watch a forged request
/// be refused, then succeed.
async fn set_csrf(
    State(b): B,
    headers: HeaderMap,
    JsonBody(req): JsonBody<DenylistReq>,
) -> Result<Json<FullLabState>, ApiError> {
    let old = b.core.csrf.swap(req.enabled, Ordering::Relaxed);
    if old != req.enabled {
        let detail = if req.enabled {
            "CSRF protection on: replicas refuse a POST /orders or /logout that carries a cookie and another site's Origin"
        } else {
            "CSRF protection off: replicas act on a cookie whichever site's page sent the request"
        };
        journal_admin(&b, &headers, Event::CsrfChanged, detail.to_string());
    }
    Ok(Json(lab_state(&b).await))
}

#[derive(Deserialize)]
struct UserReq {
    user: String,
}

async fn revoke(
    State(b): B,
    headers: HeaderMap,
    JsonBody(req): JsonBody<UserReq>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let core = &b.core;
    let user = req.user.trim().to_string();
    if user.is_empty() {
        return Err(ApiError::bad_request("user must not be empty"));
    }
    let shared = core.store.delete_user_sessions(&user).await?;
    let mut local = 0usize;
    for r in core.replicas().iter() {
        if let Some(m) = r.memory() {
            let mut s = m.sessions.lock().unwrap_or_else(|p| p.into_inner());
            let before = s.len();
            s.retain(|_, rec| rec.user != user);
            local += before - s.len();
        }
    }
    let tokens = if core.denylist_on() {
        core.store
            .revoke_user(&user, crate::store::now_unix())
            .await?;
        "every token issued to them until now is refused on every replica (denylist on)"
    } else {
        "their tokens keep working until they expire: the denylist is off, so no replica has anything to check"
    };
    // Refresh tokens are kept server side, so a revoke reaches them whatever the denylist says.
    core.store
        .revoke_user_refresh(&user, crate::store::now_unix_ms())
        .await?;
    let detail = format!(
        "revoked {user}: {shared} shared session(s) and {local} local session(s) deleted; {tokens}; every refresh token issued to them until now is refused"
    );
    core.journal.control(
        Event::Revoke,
        source_of(&headers, &b.core.source_key),
        core.mode(),
        None,
        Some(&user),
        detail.clone(),
    );
    Ok(Json(json!({
        "user": user, "shared_sessions_deleted": shared, "local_sessions_deleted": local,
        "tokens_refused": core.denylist_on(), "detail": detail,
    })))
}

#[derive(Deserialize)]
struct RoleReq {
    role: Role,
}

/// Changes a role in the user table. Sessions read the table at every request, so they see
/// it at once; a token carries the role it was signed with until it expires or is refreshed.
async fn set_role(
    State(b): B,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    body: Result<JsonBody<RoleReq>, ApiError>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Path(name) = path.map_err(|e| ApiError::bad_request(bounded(&e.body_text(), 200)))?;
    // An unknown user is a 404 whatever the body says.
    if b.core.shop.role(&name)?.is_none() {
        return Err(unknown_user(&name));
    }
    let JsonBody(RoleReq { role }) = body?;
    let Some(old) = b.core.shop.set_role(&name, role)? else {
        return Err(unknown_user(&name));
    };
    let detail = format!(
        "{name} is now {role} (was {old}) in the user table: sessions see it at their next request; a token keeps the role it was signed with until it expires or is refreshed"
    );
    b.core.journal.control(
        Event::RoleChanged,
        source_of(&headers, &b.core.source_key),
        b.core.mode(),
        None,
        Some(&name),
        detail.clone(),
    );
    Ok(Json(json!({
        "user": name, "role": role, "previous": old, "detail": detail,
    })))
}

fn unknown_user(name: &str) -> ApiError {
    ApiError::not_found(format!(
        "no user named {}: the lab's users are alice and bob",
        bounded(name, 64)
    ))
}

async fn start_attacker(
    State(b): B,
    headers: HeaderMap,
    JsonBody(req): JsonBody<UserReq>,
) -> Result<Response, ApiError> {
    let status = b
        .core
        .attacker
        .start(
            b.core.clone(),
            &req.user,
            source_of(&headers, &b.core.source_key),
        )
        .await?;
    Ok((StatusCode::ACCEPTED, Json(status)).into_response())
}

async fn stop_attacker(State(b): B, headers: HeaderMap) -> Json<crate::api::AttackerStatus> {
    Json(b.core.attacker.stop(
        &b.core,
        source_of(&headers, &b.core.source_key),
        "stopped from /admin/attacker",
    ))
}

async fn stolen_credential(State(b): B) -> Result<Json<crate::api::StolenCredential>, ApiError> {
    b.core
        .attacker
        .credential()
        .map(Json)
        .ok_or_else(|| ApiError::not_found("the attacker has not stolen anything yet"))
}

#[derive(Deserialize)]
struct BadgeReq {
    badge: String,
}

/// Recomputes the badge of every token this run issued (their ids are in the journal);
/// nothing per user was stored for this.
async fn check_badge(State(b): B, JsonBody(req): JsonBody<BadgeReq>) -> Json<BadgeVerdict> {
    let wanted = req.badge.trim().to_ascii_lowercase();
    let hit = b.core.journal.scan(|entries| {
        entries
            .filter(|e| {
                matches!(e.path.as_str(), "/login" | "/token/refresh") && e.issued.is_some()
            })
            .filter_map(|e| Some((e.token_jti.clone()?, e.user.clone())))
            .find(|(jti, _)| b.core.issuer.badge_for(jti) == wanted)
    });
    Json(match hit {
        Some((jti, user)) => BadgeVerdict {
            valid: true,
            message: format!("badge {wanted} belongs to token {jti}"),
            jti: Some(jti),
            user,
        },
        None => BadgeVerdict {
            valid: false,
            jti: None,
            user: None,
            message: format!(
                "no token issued by this lab run carries badge {wanted:?}: decode the payload of your token (the middle part) and copy its badge claim"
            ),
        },
    })
}

#[derive(Deserialize)]
struct SinceQuery {
    /// Entries with a greater id; `since` is the older name of the same thing.
    after: Option<u64>,
    since: Option<u64>,
    limit: Option<usize>,
    /// The stream leaves out requests from this source (`load`); control events still come.
    skip: Option<crate::api::Source>,
}

/// Most entries one page of `GET /admin/journal` returns.
pub const JOURNAL_PAGE_MAX: usize = 1000;

/// A page of the journal: `?after=ID&limit=N` (N at most 1,000, the default); ask again
/// with `after` set to the last id to read on.
async fn journal(
    State(b): B,
    q: Result<Query<SinceQuery>, QueryRejection>,
) -> Result<Json<Vec<crate::api::JournalEntry>>, ApiError> {
    let Query(q) = q.map_err(query_error)?;
    let limit = q.limit.unwrap_or(JOURNAL_PAGE_MAX);
    if limit == 0 || limit > JOURNAL_PAGE_MAX {
        return Err(ApiError::bad_request(format!(
            "limit is 1 to {JOURNAL_PAGE_MAX}; read further pages with ?after=<last id>"
        )));
    }
    Ok(Json(
        b.core
            .journal
            .since(q.after.or(q.since).unwrap_or(0), limit),
    ))
}

fn query_error(e: QueryRejection) -> ApiError {
    ApiError::bad_request(format!(
        "{}: after and limit are whole numbers, e.g. ?after=42&limit=100",
        crate::api::bounded(&e.body_text(), 200)
    ))
}

/// NDJSON: the backlog after `since`, then each new entry as it happens.
async fn journal_stream(
    State(b): B,
    q: Result<Query<SinceQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q.map_err(query_error)?;
    let rx = b.core.journal.subscribe();
    let backlog = match q.since {
        Some(since) => b.core.journal.since(since, super::journal::CAPACITY),
        None => Vec::new(),
    };
    let last = backlog.last().map(|e| e.id).unwrap_or(q.since.unwrap_or(0));
    let skip = q.skip;
    let skipped = move |e: &crate::api::JournalEntry| {
        skip.is_some_and(|s| e.source == s && e.kind == crate::api::EntryKind::Request)
    };
    let live = tokio_stream_from(rx).filter(move |e| {
        let keep = e
            .as_ref()
            .map(|e| e.id > last && !skipped(e))
            .unwrap_or(true);
        async move { keep }
    });
    let stream =
        futures_util::stream::iter(backlog.into_iter().filter(move |e| !skipped(e)).map(Ok))
            .chain(live)
            .map(|e| {
                let mut line = match e {
                    Ok(e) => serde_json::to_string(&e).unwrap_or_default(),
                    Err(n) => json!({"lagged": n}).to_string(),
                };
                line.push('\n');
                Ok::<_, std::convert::Infallible>(line)
            });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A broadcast receiver as a stream (tokio-stream); a slow reader gets `Err(skipped)`
/// instead of stalling the lab.
fn tokio_stream_from(
    rx: tokio::sync::broadcast::Receiver<crate::api::JournalEntry>,
) -> impl futures_util::Stream<Item = Result<crate::api::JournalEntry, u64>> {
    use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};
    BroadcastStream::new(rx).map(|e| e.map_err(|BroadcastStreamRecvError::Lagged(n)| n))
}

/// Admin routes answer only loopback peers, or anyone with `--admin-token`.
pub async fn admin_guard(
    State(b): State<Arc<Balancer>>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let allowed = match &b.admin_token {
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                // The scheme is case-insensitive (RFC 9110), the token is not.
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme
                    .eq_ignore_ascii_case("bearer")
                    .then_some(token.trim())
            })
            .is_some_and(|t| constant_time_eq(t.as_bytes(), token.as_bytes())),
        None => peer.ip().is_loopback(),
    };
    if !allowed {
        let reason = if b.admin_token.is_some() {
            "admin routes need Authorization: Bearer <admin token>"
        } else {
            "admin routes answer only loopback clients"
        };
        return served_by_balancer(
            ApiError::new(StatusCode::FORBIDDEN, "forbidden", reason).into_response(),
        );
    }
    served_by_balancer(next.run(req).await)
}

/// Same bytes, in time that does not depend on where they differ (the `subtle` crate).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}
