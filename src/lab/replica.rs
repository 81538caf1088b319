//! One replica of the shop API. Its own memory (local sessions, JWKS cache) dies with it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::oneshot;

use super::Core;
use super::body::JsonBody;
use super::error::{ApiError, Outcome, no_route, wrong_method};
use super::refresh;
use super::sessions::{self, Credential};
use super::tokens::{Checks, Claims, TokenError, Verified, Verifier, peek_jti};
use crate::api::{Event, Mode, Role, SERVED_BY_HEADER, SOURCE_HEADER, Source, bounded};
use crate::store::{SessionRecord, now_unix};

/// A replica's place in the lab: survives restarts (name, port, counters).
pub struct ReplicaSlot {
    pub name: String,
    pub port: AtomicU16,
    pub served: AtomicU64,
    /// 0 = nothing answered yet.
    pub last_status: AtomicU16,
    pub running: Mutex<Option<Running>>,
    /// Mirrors `running.is_some()` so the balancer's hot path reads an atomic, not a lock.
    up: std::sync::atomic::AtomicBool,
    /// Which start this is, a number no other start of any replica had: the balancer's
    /// idle connections to one start are never used for the next (see `balancer::Upstreams`).
    pub started: AtomicU64,
    /// Serialises stop/start/restart of this slot: two restarts at once would race for the port.
    pub control: tokio::sync::Mutex<()>,
}

/// A live replica process-in-a-task.
pub struct Running {
    pub memory: Arc<Memory>,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Everything this replica remembers. A restart throws it away.
#[derive(Default)]
pub struct Memory {
    pub sessions: Mutex<HashMap<String, SessionRecord>>,
    pub verifier: RwLock<Option<Arc<Verifier>>>,
    /// When the JWKS was last fetched: the cache lifetime and the refetch limit run from it.
    pub jwks_at: Mutex<Option<std::time::Instant>>,
    /// The WebSocket chat room (`GET /ws/chat`): its members are connected to this replica.
    pub chat: super::chat::ChatRoom,
}

/// How long a replica trusts its cached JWKS before fetching it again.
pub const JWKS_TTL: std::time::Duration = std::time::Duration::from_secs(300);
/// An unknown `kid` triggers a refetch at most this often (a forged kid cannot make a
/// replica hammer the issuer).
pub const JWKS_REFETCH_GAP: std::time::Duration = std::time::Duration::from_secs(1);

impl Memory {
    pub fn local_sessions(&self) -> usize {
        let now = now_unix();
        let s = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        s.values().filter(|r| r.expires > now).count()
    }
}

impl ReplicaSlot {
    pub fn new(name: String) -> Self {
        ReplicaSlot {
            name,
            port: AtomicU16::new(0),
            served: AtomicU64::new(0),
            last_status: AtomicU16::new(0),
            running: Mutex::new(None),
            up: std::sync::atomic::AtomicBool::new(false),
            started: AtomicU64::new(0),
            control: tokio::sync::Mutex::new(()),
        }
    }

    pub fn is_up(&self) -> bool {
        self.up.load(Ordering::Acquire)
    }

    /// A slot standing for a replica some test serves itself.
    #[cfg(test)]
    pub(crate) fn mark_up(&self) {
        self.up.store(true, Ordering::Release);
    }

    pub fn memory(&self) -> Option<Arc<Memory>> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|r| r.memory.clone())
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port.load(Ordering::Relaxed))
    }
}

#[derive(Clone)]
pub(super) struct Ctx {
    pub core: Arc<Core>,
    pub slot: Arc<ReplicaSlot>,
    pub memory: Arc<Memory>,
}

/// A listener on a port the kernel never hands to outgoing connections: a replica keeps its
/// port across restarts, and an ephemeral one, freed by a stop, can be taken by any client
/// socket on the machine before the replica binds it again. Port 0 when none is free.
async fn fresh_listener() -> std::io::Result<tokio::net::TcpListener> {
    let (low, _) = ephemeral_range();
    let (from, to) = (10_000u16, low.max(10_001));
    for _ in 0..32 {
        let r = u16::from_le_bytes(super::sessions::random_bytes::<2>());
        let port = from + r % (to - from);
        if let Ok(l) = tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            return Ok(l);
        }
    }
    tokio::net::TcpListener::bind(("127.0.0.1", 0)).await
}

/// The kernel's range for outgoing connections' local ports (Linux's default elsewhere).
fn ephemeral_range() -> (u16, u16) {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            let mut it = s.split_whitespace().map(|n| n.parse::<u16>().ok());
            Some((it.next()??, it.next()??))
        })
        .unwrap_or((32768, 60999))
}

/// The replica's own port again; a socket the stop left closing may hold it for a moment.
async fn rebind(port: u16) -> std::io::Result<tokio::net::TcpListener> {
    let mut tries = 0;
    loop {
        match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && tries < 20 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            other => return other,
        }
    }
}

/// Binds the replica's port (a fresh one the first time, the same one after) and serves.
pub async fn start(core: Arc<Core>, slot: Arc<ReplicaSlot>) -> std::io::Result<()> {
    if slot.is_up() {
        return Ok(());
    }
    let port = slot.port.load(Ordering::Relaxed);
    let listener = if port == 0 {
        fresh_listener().await?
    } else {
        rebind(port).await?
    };
    slot.port
        .store(listener.local_addr()?.port(), Ordering::Relaxed);
    let memory = Arc::new(Memory::default());
    let ctx = Ctx {
        core: core.clone(),
        slot: slot.clone(),
        memory: memory.clone(),
    };
    let app = router(ctx.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let (name, limits) = (format!("replica {}", ctx.slot.name), ctx.core.limits);
    let task = tokio::spawn(async move {
        super::serve::serve(listener, app, limits, name, rx).await;
    });
    *slot.running.lock().unwrap_or_else(|p| p.into_inner()) = Some(Running {
        memory,
        shutdown: tx,
        task,
    });
    // Like a real service coming up: fetch the issuer's public keys once, over HTTP, and only
    // then take traffic (a token arriving before the keys would be refused with 503).
    fetch_jwks(&ctx).await;
    static STARTS: AtomicU64 = AtomicU64::new(1);
    slot.started
        .store(STARTS.fetch_add(1, Ordering::Relaxed), Ordering::Release);
    slot.up.store(true, Ordering::Release);
    Ok(())
}

/// Stops the replica: its listener closes (connections are refused) and its memory is dropped.
pub async fn stop(slot: &ReplicaSlot) {
    slot.up.store(false, Ordering::Release);
    let running = slot
        .running
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    if let Some(r) = running {
        // Its WebSocket connections are not the server's to close: the room closes them.
        r.memory.chat.close();
        let _ = r.shutdown.send(());
        let abort = r.task.abort_handle();
        // Graceful shutdown closes idle keep-alive connections; do not wait forever on a stuck one.
        if tokio::time::timeout(std::time::Duration::from_secs(2), r.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }
}

/// Whether this request may fetch the JWKS now: only if no fetch started within `gap`. The
/// check and the claim happen under one lock, so a burst of unknown kids makes one fetch.
fn claim_fetch(memory: &Memory, gap: std::time::Duration) -> bool {
    let mut at = memory.jwks_at.lock().unwrap_or_else(|p| p.into_inner());
    if at.is_some_and(|t| t.elapsed() < gap) {
        return false;
    }
    *at = Some(std::time::Instant::now());
    true
}

async fn fetch_jwks(ctx: &Ctx) -> Option<Arc<Verifier>> {
    *ctx.memory.jwks_at.lock().unwrap_or_else(|p| p.into_inner()) = Some(std::time::Instant::now());
    // Always the issuer's own URL: never one named inside a token (`jku`).
    let url = format!("{}/.well-known/jwks.json", ctx.core.issuer_url());
    let result = async {
        let resp = ctx
            .core
            .http
            .get(&url)
            .header(SOURCE_HEADER, Source::Lab.as_str())
            .header(crate::api::SOURCE_KEY_HEADER, &ctx.core.source_key)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let text = resp.text().await.map_err(|e| e.to_string())?;
        Verifier::from_jwks(&text)
    }
    .await;
    let mode = ctx.core.mode();
    match result {
        Ok(v) => {
            let v = Arc::new(v);
            let detail = format!(
                "replica {} fetched the issuer's JWKS from {url} (kid {})",
                ctx.slot.name,
                v.kids().join(", ")
            );
            *ctx.memory
                .verifier
                .write()
                .unwrap_or_else(|p| p.into_inner()) = Some(v.clone());
            ctx.core.journal.control(
                Event::JwksFetched,
                Source::Lab,
                mode,
                Some(&ctx.slot.name),
                None,
                detail,
            );
            Some(v)
        }
        Err(e) => {
            ctx.core.journal.control(
                Event::JwksFetchFailed,
                Source::Lab,
                mode,
                Some(&ctx.slot.name),
                None,
                format!("replica {} could not fetch {url}: {e}", ctx.slot.name),
            );
            None
        }
    }
}

fn router(ctx: Ctx) -> Router {
    Router::new()
        .route("/login", post(login))
        .route("/me", get(me))
        .route("/orders", get(list_orders).post(add_order))
        .route("/orders/all", get(all_orders))
        .route("/logout", post(logout))
        .route("/token/refresh", post(refresh_token))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/ws/chat", get(super::chat::upgrade))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(ctx.clone(), journal))
        .with_state(ctx)
}

/// Records every request in the journal and stamps `X-Served-By`.
async fn journal(State(ctx): State<Ctx>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let source = source_of(req.headers(), &ctx.core.source_key);
    let cred = Credential::from_headers(req.headers());
    let mode = ctx.core.mode();
    let mut resp = next.run(req).await;
    let status = resp.status().as_u16();
    if let Ok(v) = HeaderValue::from_str(&ctx.slot.name) {
        resp.headers_mut().insert(SERVED_BY_HEADER, v);
    }
    let outcome = resp
        .extensions()
        .get::<Outcome>()
        .cloned()
        .unwrap_or_default();
    ctx.slot.served.fetch_add(1, Ordering::Relaxed);
    ctx.slot.last_status.store(status, Ordering::Relaxed);
    let token_jti = outcome.token_jti.or_else(|| match &cred {
        Credential::Bearer(t) => peek_jti(t),
        _ => None,
    });
    let mut entry = super::journal::blank(mode);
    entry.source = source;
    entry.method = method;
    entry.path = path;
    entry.status = status;
    entry.replica = Some(ctx.slot.name.clone());
    entry.user = outcome.user;
    entry.reason = outcome.reason;
    entry.latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    entry.credential = cred.kind();
    entry.fingerprint = cred.fingerprint();
    entry.issued = outcome.issued;
    entry.token_jti = token_jti;
    ctx.core.journal.push(entry);
    resp
}

/// Who sent a request. The learner's own tags (`learner`, `console`) are taken as given;
/// the lab's (`grader`, `attacker`, `lab`) only with this process's key, so no client can
/// hide its requests from the checks or pose as the attacker.
pub fn source_of(headers: &HeaderMap, key: &str) -> Source {
    let claimed = headers
        .get(SOURCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().to_ascii_lowercase().parse().ok())
        .unwrap_or(Source::Learner);
    if claimed.is_learner() {
        return claimed;
    }
    let shown = headers
        .get(crate::api::SOURCE_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    use subtle::ConstantTimeEq;
    if bool::from(shown.as_bytes().ct_eq(key.as_bytes())) {
        claimed
    } else {
        Source::Learner
    }
}

/// Who a request is, proven by whatever the current mode accepts.
struct Principal {
    user: String,
    role: String,
    /// Where `role` was read, in words: the user table (sessions) or the token's claim.
    role_from: &'static str,
    /// Where the login state was found, in words.
    remembered_by: String,
    claims: Option<Claims>,
    sid: Option<String>,
    /// The weak verifiers that let this token in (empty for a sound one): the journal says so.
    let_in_by: Vec<crate::api::Weakness>,
}

/// A shop handler that takes a `Principal` runs only for a request that proved who it is;
/// anything else is refused (401 and why) before the handler, or its body, is looked at.
impl FromRequestParts<Ctx> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, ApiError> {
        authenticate(ctx, &parts.headers).await
    }
}

async fn authenticate(ctx: &Ctx, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let cred = Credential::from_headers(headers);
    let name = &ctx.slot.name;
    match (ctx.core.mode(), cred) {
        (Mode::Token, Credential::Bearer(token)) => verify_token(ctx, &token).await,
        (Mode::Token, Credential::Cookie(_)) => Err(ApiError::unauthorized(
            "token mode: send Authorization: Bearer <token>; session cookies are not accepted",
        )),
        (Mode::Token, Credential::None) => Err(ApiError::unauthorized(
            "no bearer token: send Authorization: Bearer <token> from POST /login",
        )),
        (_, Credential::None) => Err(ApiError::unauthorized("no session cookie")),
        (mode, Credential::Bearer(_)) => Err(ApiError::unauthorized(format!(
            "{mode} mode: bearer tokens are not accepted, send the sid cookie"
        ))),
        (Mode::Local, Credential::Cookie(sid)) => {
            let hash = sessions::hash_id(&sid);
            let rec = ctx
                .memory
                .sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&hash)
                .cloned();
            let rec = rec.ok_or_else(|| {
                ApiError::unauthorized(format!(
                    "session {} unknown to replica {name} (local memory)",
                    sessions::tail(&sid)
                ))
            })?;
            live_session(ctx, rec, &sid, format!("replica {name}'s memory"))
        }
        (Mode::Shared, Credential::Cookie(sid)) => {
            let rec = ctx.core.store.get_session(&sessions::hash_id(&sid)).await?;
            let rec = rec.ok_or_else(|| {
                ApiError::unauthorized(format!(
                    "session {} not found in the shared store ({})",
                    sessions::tail(&sid),
                    ctx.core.store_kind()
                ))
            })?;
            live_session(
                ctx,
                rec,
                &sid,
                format!("the shared store ({})", ctx.core.store_kind()),
            )
        }
    }
}

/// A session names only its user: the role is read from the user table at every lookup, so
/// a role change reaches every session on its next request (the record's own copy of the
/// role is what it was at login, kept for the record).
fn live_session(
    ctx: &Ctx,
    rec: SessionRecord,
    sid: &str,
    where_: String,
) -> Result<Principal, ApiError> {
    if rec.expires <= now_unix() {
        return Err(
            ApiError::unauthorized(format!("session {} expired", sessions::tail(sid)))
                .for_user(rec.user),
        );
    }
    let Some(role) = ctx.core.shop.role(&rec.user)? else {
        return Err(ApiError::unauthorized(format!(
            "session {} belongs to {}, who is no longer in the user table",
            sessions::tail(sid),
            rec.user
        ))
        .for_user(rec.user));
    };
    Ok(Principal {
        user: rec.user,
        role,
        role_from: ROLE_FROM_TABLE,
        let_in_by: Vec::new(),
        remembered_by: where_,
        claims: None,
        sid: Some(sid.to_string()),
    })
}

async fn verify_token(ctx: &Ctx, token: &str) -> Result<Principal, ApiError> {
    let cached = ctx
        .memory
        .verifier
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let fresh = ctx
        .memory
        .jwks_at
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .is_some_and(|t| t.elapsed() < JWKS_TTL);
    // No keys yet (the issuer was down at start), or the cache has outlived its lifetime.
    let verifier = match cached {
        Some(v) if fresh => v,
        Some(v) if claim_fetch(&ctx.memory, JWKS_REFETCH_GAP) => fetch_jwks(ctx).await.unwrap_or(v),
        Some(v) => v,
        None if claim_fetch(&ctx.memory, JWKS_REFETCH_GAP) => fetch_jwks(ctx)
            .await
            .ok_or_else(|| ApiError::unavailable(TokenError::NoKeys.to_string()))?,
        None => return Err(ApiError::unavailable(TokenError::NoKeys.to_string())),
    };
    // The weak verifiers the lab imitates are read at each request: turning one off mends
    // every replica at once.
    let checks = Checks::at(now_unix()).with_weaknesses(ctx.core.weaknesses());
    let Verified { claims, let_in_by } = match verifier.verify_with(token, &checks) {
        // A key this replica has not seen may be new at the issuer (a rotation): refetch, at
        // most once a second, and try again.
        Err(TokenError::UnknownKid(_)) if claim_fetch(&ctx.memory, JWKS_REFETCH_GAP) => {
            match fetch_jwks(ctx).await {
                Some(fresh) => fresh.verify_with(token, &checks),
                None => verifier.verify_with(token, &checks),
            }
        }
        other => other,
    }
    .map_err(|e| ApiError::unauthorized(e.to_string()))?;
    if ctx.core.denylist_on() {
        if ctx.core.store.token_denied(&claims.jti).await? {
            return Err(ApiError::unauthorized(format!(
                "token revoked (jti {} is on the denylist)",
                claims.jti
            ))
            .for_user(&claims.sub));
        }
        if let Some(before) = ctx.core.store.user_revoked_before(&claims.sub).await?
            && claims.iat <= before
        {
            return Err(ApiError::unauthorized(format!(
                "token revoked (every token of {} issued before the revoke is refused)",
                claims.sub
            ))
            .for_user(&claims.sub));
        }
    }
    Ok(Principal {
        user: claims.sub.clone(),
        role: claims.role.clone(),
        role_from: ROLE_FROM_TOKEN,
        let_in_by,
        remembered_by: "the token itself (verified with the issuer's public key)".into(),
        claims: Some(claims),
        sid: None,
    })
}

const ROLE_FROM_TABLE: &str = "the user table, read at this request";
const ROLE_FROM_TOKEN: &str = "the token's role claim, fixed when it was signed";

fn with_outcome(resp: impl IntoResponse, outcome: Outcome) -> Response {
    let mut resp = resp.into_response();
    resp.extensions_mut().insert(outcome);
    resp
}

fn user_outcome(p: &Principal) -> Outcome {
    Outcome {
        user: Some(p.user.clone()),
        token_jti: p.claims.as_ref().map(|c| c.jti.clone()),
        // A token only a weak verifier accepts: evidence that the learner broke in.
        reason: (!p.let_in_by.is_empty()).then(|| {
            let names: Vec<&str> = p.let_in_by.iter().map(|w| w.as_str()).collect();
            format!(
                "accepted only because weakness {} is on",
                names.join(" and ")
            )
        }),
        ..Outcome::default()
    }
}

#[derive(Deserialize)]
struct LoginRequest {
    username: String,
    password: String,
}

async fn login(
    State(ctx): State<Ctx>,
    JsonBody(req): JsonBody<LoginRequest>,
) -> Result<Response, ApiError> {
    let wrong = || ApiError::unauthorized("wrong username or password").for_user(&req.username);
    let known = ctx.core.shop.user(&req.username)?;
    // An unknown name costs the same hash check as a wrong password, so timing does not tell
    // which usernames exist.
    let (hash, role) = known
        .clone()
        .unwrap_or_else(|| (super::users::decoy_hash().to_string(), String::new()));
    let ok = ctx.core.passwords.matches(hash, req.password.clone()).await && known.is_some();
    if !ok {
        return Err(wrong());
    }
    let now = now_unix();
    let name = &ctx.slot.name;
    let mode = ctx.core.mode();
    let user = req.username;
    match mode {
        Mode::Local | Mode::Shared => {
            let sid = sessions::new_session_id();
            let rec = SessionRecord {
                user: user.clone(),
                role: role.clone(),
                created: now,
                expires: now + sessions::SESSION_TTL_SECS,
            };
            let remembered_by = if mode == Mode::Local {
                ctx.memory
                    .sessions
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(sessions::hash_id(&sid), rec);
                format!("replica {name}'s memory (local mode: only {name} knows this session)")
            } else {
                ctx.core
                    .store
                    .put_session(&sessions::hash_id(&sid), &rec)
                    .await?;
                format!(
                    "the shared store ({}): every replica can look it up",
                    ctx.core.store_kind()
                )
            };
            let body = json!({
                "user": user, "role": role, "mode": mode, "replica": name,
                "remembered_by": remembered_by,
                "expires_in": sessions::SESSION_TTL_SECS,
            });
            let outcome = Outcome {
                user: Some(user),
                issued: Some(sessions::fingerprint(&sid)),
                ..Outcome::default()
            };
            Ok(with_outcome(
                (
                    [(header::SET_COOKIE, sessions::set_cookie(&sid))],
                    Json(body),
                ),
                outcome,
            ))
        }
        Mode::Token => {
            let family = refresh::new_family();
            let (body, outcome) = token_pair(&ctx, &user, &role, &family, now).await?;
            Ok(with_outcome(Json(body), outcome))
        }
    }
}

/// An access token and a refresh token of `family` for `user`, as `/login` and
/// `/token/refresh` answer them, and what the journal records of it.
async fn token_pair(
    ctx: &Ctx,
    user: &str,
    role: &str,
    family: &str,
    now: i64,
) -> Result<(serde_json::Value, Outcome), ApiError> {
    let now = not_born_revoked(ctx, user, now).await?;
    let ttl = ctx.core.token_ttl();
    let (token, claims) = ctx
        .core
        .issuer
        .issue_for(user, role, now, ttl)
        .map_err(|e| ApiError::unavailable(e.to_string()))?;
    let refresh_token = refresh::mint(&*ctx.core.store, user, family).await?;
    let outcome = Outcome {
        user: Some(user.to_string()),
        issued: Some(sessions::fingerprint(&token)),
        token_jti: Some(claims.jti.clone()),
        ..Outcome::default()
    };
    let body = json!({
        "token": token, "token_type": "Bearer", "expires_in": ttl,
        "refresh_token": refresh_token, "refresh_expires_in": crate::api::REFRESH_TTL_SECS,
        "user": user, "role": role, "mode": Mode::Token, "replica": ctx.slot.name,
        "remembered_by": "nobody on the server: the signed token you hold carries it (the refresh token's hash is in the shared store)",
    });
    Ok((body, outcome))
}

#[derive(Deserialize)]
struct RefreshRequest {
    refresh_token: String,
}

/// `POST /token/refresh`: a used-once refresh token buys a new access token (signed with the
/// role the user table holds now) and a new refresh token of the same family.
async fn refresh_token(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<RefreshRequest>,
) -> Result<Response, ApiError> {
    let mode = ctx.core.mode();
    if mode != Mode::Token {
        return Err(ApiError::unauthorized(
            refresh::RefreshError::WrongMode(mode).to_string(),
        ));
    }
    let rec = match refresh::present(&*ctx.core.store, &req.refresh_token).await? {
        refresh::Presented::Fresh(rec) => rec,
        refresh::Presented::Refused { error, user } => {
            if let refresh::RefreshError::Reused { family } = &error {
                ctx.core.journal.control(
                    Event::RefreshReused,
                    source_of(&headers, &ctx.core.source_key),
                    mode,
                    Some(&ctx.slot.name),
                    user.as_deref(),
                    format!(
                        "refresh token {} of {} was presented a second time: family {family} revoked, every refresh token of that login is refused",
                        sessions::fingerprint(&req.refresh_token),
                        user.as_deref().unwrap_or("?")
                    ),
                );
            }
            let e = ApiError::unauthorized(error.to_string());
            return Err(match user {
                Some(u) => e.for_user(u),
                None => e,
            });
        }
    };
    // A refresh reads the role again: this is where a role change reaches a token's holder.
    let Some(role) = ctx.core.shop.role(&rec.user)? else {
        let user = rec.user.clone();
        return Err(
            ApiError::unauthorized(refresh::RefreshError::UserGone { user }.to_string())
                .for_user(rec.user),
        );
    };
    let (body, outcome) = token_pair(&ctx, &rec.user, &role, &rec.family, now_unix()).await?;
    Ok(with_outcome(Json(body), outcome))
}

/// Tokens carry whole seconds and a revoke refuses every token issued at or before its second,
/// so a login in the same second as a revoke waits for the next second rather than being
/// handed a token that is already refused.
async fn not_born_revoked(ctx: &Ctx, user: &str, now: i64) -> Result<i64, ApiError> {
    if !ctx.core.denylist_on() {
        return Ok(now);
    }
    match ctx.core.store.user_revoked_before(user).await? {
        Some(before) if before >= now => {
            let next = std::time::UNIX_EPOCH + std::time::Duration::from_secs((before + 1) as u64);
            if let Ok(wait) = next.duration_since(std::time::SystemTime::now()) {
                tokio::time::sleep(wait).await;
            }
            Ok(now_unix().max(before + 1))
        }
        _ => Ok(now),
    }
}

async fn me(State(ctx): State<Ctx>, p: Principal) -> Response {
    let body = json!({
        "user": p.user, "role": p.role, "mode": ctx.core.mode(), "replica": ctx.slot.name,
        "remembered_by": p.remembered_by, "role_from": p.role_from,
    });
    with_outcome(Json(body), user_outcome(&p))
}

async fn list_orders(State(ctx): State<Ctx>, p: Principal) -> Result<Response, ApiError> {
    let orders = ctx.core.shop.orders(&p.user)?;
    let body = json!({
        "user": p.user, "replica": ctx.slot.name, "orders": orders,
        "note": "orders are application data in SQLite: the same in every mode, kept across restarts",
    });
    Ok(with_outcome(Json(body), user_outcome(&p)))
}

/// Every customer's orders: authorization on top of authentication. A stranger gets 401
/// (the extractor), a customer 403, an admin the orders.
async fn all_orders(State(ctx): State<Ctx>, p: Principal) -> Result<Response, ApiError> {
    if p.role != Role::Admin.as_str() {
        return Err(ApiError::forbidden(format!(
            "{} has role {}: GET /orders/all is for role admin (the role came from {})",
            bounded(&p.user, 64),
            bounded(&p.role, 32),
            p.role_from
        ))
        .for_user(&p.user));
    }
    let orders = ctx.core.shop.all_orders()?;
    let body = json!({
        "user": p.user, "role": p.role, "replica": ctx.slot.name, "orders": orders,
        "role_from": p.role_from,
        "note": format!("every customer's orders, newest first (at most {})", super::users::ALL_ORDERS_MAX),
    });
    Ok(with_outcome(Json(body), user_outcome(&p)))
}

#[derive(Deserialize)]
struct NewOrder {
    item: String,
}

/// Where a state-changing request came from, as far as the browser says. A cookie is
/// attached by the browser to any request for this lab, whichever page made it, so a
/// request that carries one and whose `Origin` is another site's may be a page making the
/// learner's browser act for it (CSRF): refused while protection is on. A bearer token is
/// attached only by the lab's own code, so it needs no such check.
struct CrossSite {
    /// The foreign `Origin` let through because protection is off, for the journal.
    allowed_cross_site: Option<String>,
}

impl FromRequestParts<Ctx> for CrossSite {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, ApiError> {
        let passed = CrossSite {
            allowed_cross_site: None,
        };
        if !matches!(
            Credential::from_headers(&parts.headers),
            Credential::Cookie(_)
        ) {
            return Ok(passed);
        }
        let Some(origin) = parts.headers.get(header::ORIGIN) else {
            return Ok(passed);
        };
        let origin = bounded(&String::from_utf8_lossy(origin.as_bytes()), 64);
        let own = own_origins(&parts.headers, &ctx.core.balancer_url());
        if own
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin.trim_end_matches('/')))
        {
            return Ok(passed);
        }
        if !ctx.core.csrf_on() {
            return Ok(CrossSite {
                allowed_cross_site: Some(origin),
            });
        }
        Err(ApiError::forbidden(format!(
            "cross-site request: Origin {origin} is not this lab's own ({}), and the request carries a cookie its browser attached by itself",
            own.first().map_or("?".into(), |o| bounded(o, 64))
        )))
    }
}

/// The origins a page of this lab has: the one the client reached it at (the Host the
/// balancer was sent, or this replica's own when called directly) and the balancer's.
fn own_origins(headers: &HeaderMap, balancer_url: &str) -> Vec<String> {
    let host = headers
        .get(super::balancer::FORWARDED_HOST)
        .or_else(|| headers.get(header::HOST))
        .and_then(|h| h.to_str().ok());
    let mut own: Vec<String> = host.map(|h| format!("http://{h}")).into_iter().collect();
    if !balancer_url.is_empty() {
        own.push(balancer_url.to_string());
    }
    own
}

impl CrossSite {
    /// The outcome for the journal, noting a cross-site request that got through.
    fn note(&self, mut outcome: Outcome) -> Outcome {
        if let Some(origin) = &self.allowed_cross_site {
            let note = format!("cross-site request from {origin} allowed: CSRF protection is off");
            outcome.reason = Some(match outcome.reason {
                Some(r) => format!("{note}; {r}"),
                None => note,
            });
        }
        outcome
    }
}

/// Where it came from is checked first, then who you are, then what you sent (axum runs
/// the parts extractors in order, the body last): a stranger learns nothing about the body rules.
async fn add_order(
    State(ctx): State<Ctx>,
    site: CrossSite,
    p: Principal,
    order: Result<JsonBody<NewOrder>, ApiError>,
) -> Result<Response, ApiError> {
    let JsonBody(order) = order.map_err(|e| e.for_user(&p.user))?;
    let item = order.item.trim();
    if item.is_empty() || item.chars().count() > 80 {
        return Err(ApiError::bad_request("item must be 1 to 80 characters").for_user(p.user));
    }
    let created = ctx.core.shop.add_order(&p.user, item)?;
    Ok(with_outcome(
        (
            StatusCode::CREATED,
            Json(json!({"order": created, "replica": ctx.slot.name})),
        ),
        site.note(user_outcome(&p)),
    ))
}

#[derive(Deserialize, Default)]
struct LogoutRequest {
    /// In token mode, the refresh token to retire with the login: its family is revoked.
    #[serde(default)]
    refresh_token: Option<String>,
}

async fn logout(
    State(ctx): State<Ctx>,
    site: CrossSite,
    p: Principal,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    // The body is optional: no body (or `{}`) logs out as before.
    let bytes = super::body::read_limited(body)
        .await
        .map_err(|e| e.for_user(&p.user))?;
    let req: LogoutRequest = if bytes.is_empty() {
        LogoutRequest::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(format!("malformed JSON: {}", bounded(&e.to_string(), 200)))
                .for_user(&p.user)
        })?
    };
    let mut outcome = user_outcome(&p);
    let (logged_out, note) = if let Some(sid) = &p.sid {
        let hash = sessions::hash_id(sid);
        if ctx.core.mode() == Mode::Local {
            ctx.memory
                .sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&hash);
            (
                true,
                format!(
                    "session deleted from replica {}'s memory (other replicas never had it)",
                    ctx.slot.name
                ),
            )
        } else {
            ctx.core.store.delete_session(&hash).await?;
            (true, "session record deleted from the shared store: the cookie is now worthless everywhere".to_string())
        }
    } else if let Some(c) = &p.claims {
        if ctx.core.denylist_on() {
            // A token without exp (let in by a weakness) is denied for the longest lifetime.
            let until = c
                .exp
                .unwrap_or(now_unix() + *crate::api::TOKEN_TTL_RANGE.end() as i64);
            ctx.core.store.deny_token(&c.jti, until).await?;
            (
                true,
                format!("token jti {} added to the denylist until it expires", c.jti),
            )
        } else {
            let note = "denylist off: the server keeps nothing it could forget, so this token stays valid until it expires".to_string();
            outcome.reason = Some(note.clone());
            (false, note)
        }
    } else {
        (false, String::new())
    };
    let mut note = note;
    let mut family_revoked = false;
    if let (Some(token), Some(_)) = (&req.refresh_token, &p.claims) {
        // Looked up, not used: someone else's token shown here must stay as it was.
        match ctx
            .core
            .store
            .get_refresh(&sessions::hash_id(token))
            .await?
        {
            Some(rec) if rec.user == p.user => {
                ctx.core
                    .store
                    .revoke_family(
                        &rec.family,
                        now_unix() + crate::api::REFRESH_TTL_SECS as i64,
                    )
                    .await?;
                family_revoked = true;
                note.push_str(&format!(
                    "; refresh token family {} revoked: this login cannot be renewed",
                    rec.family
                ));
            }
            _ => note.push_str(
                "; the refresh token sent is not one of yours, so nothing was revoked with it",
            ),
        }
        outcome.reason = Some(note.clone());
    }
    let outcome = site.note(outcome);
    let body = json!({
        "logged_out": logged_out, "user": p.user, "note": note,
        "refresh_family_revoked": family_revoked,
    });
    Ok(with_outcome(
        ([(header::SET_COOKIE, sessions::clear_cookie())], Json(body)),
        outcome,
    ))
}

async fn healthz(State(ctx): State<Ctx>) -> Json<serde_json::Value> {
    Json(json!({"status": "ok", "replica": ctx.slot.name, "mode": ctx.core.mode()}))
}

/// Ready: this replica can reach the session store (within the store timeout). `/healthz`
/// only says the process answers; this says whether logins can work.
async fn readyz(State(ctx): State<Ctx>) -> Result<Json<serde_json::Value>, ApiError> {
    ctx.core.store.count_sessions().await?;
    Ok(Json(json!({
        "status": "ready",
        "replica": ctx.slot.name,
        "store": ctx.core.store.describe(),
    })))
}

async fn jwks(State(ctx): State<Ctx>) -> Result<Response, ApiError> {
    // Served from what this replica fetched, the same keys it verifies with.
    if ctx
        .memory
        .verifier
        .read()
        .map(|v| v.is_none())
        .unwrap_or(true)
    {
        fetch_jwks(&ctx).await;
    }
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        ctx.core.issuer.jwks_json().to_string(),
    )
        .into_response())
}

/// A replica's router on a slot that is not listening, for handler tests (`oneshot`).
#[cfg(test)]
pub(super) fn test_router(core: Arc<Core>, slot: Arc<ReplicaSlot>) -> Router {
    router(Ctx {
        core,
        slot,
        memory: Arc::new(Memory::default()),
    })
}
