//! The workshop's HTTP routes: join, progress, the class summary, health. Errors are JSON
//! `{"error", "reason"}` with the status that says what went wrong; nothing a client sent is
//! echoed beyond a short escaped prefix.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{OriginalUri, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::MAX_PROGRESS_BYTES;
use super::class::{self, ClassSummary, LearnerRow, Reviews};
use super::registry::{JoinRefused, Record, Registry, ReviewRefused, Room, Seat};
use crate::api::class::{
    AnswerDetail, AnswerState, LearnerDetail, ReviewAnswer, ReviewBody, SelfAssessed,
    SubmittedAnswer,
};
use crate::api::{ErrorBody, MAX_BODY, bounded};
use crate::progress::AnswerOutcome;

type R = State<Arc<Registry>>;

/// An error the workshop answers with.
#[derive(Debug)]
pub struct WorkshopApiError {
    status: StatusCode,
    error: &'static str,
    reason: String,
}

impl WorkshopApiError {
    fn new(status: StatusCode, error: &'static str, reason: impl Into<String>) -> Self {
        WorkshopApiError {
            status,
            error,
            reason: reason.into(),
        }
    }
}

impl IntoResponse for WorkshopApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: self.error.to_string(),
                reason: self.reason,
            }),
        )
            .into_response()
    }
}

impl From<JoinRefused> for WorkshopApiError {
    fn from(e: JoinRefused) -> Self {
        let (status, error) = match &e {
            JoinRefused::BadName(_) => (StatusCode::BAD_REQUEST, "bad request"),
            JoinRefused::NameTaken(_) | JoinRefused::WrongToken(_) => {
                (StatusCode::CONFLICT, "conflict")
            }
            JoinRefused::Full(_) | JoinRefused::Starting(_) | JoinRefused::Store(_) => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            JoinRefused::LabFailed { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "lab failed"),
        };
        WorkshopApiError::new(status, error, e.to_string())
    }
}

pub fn router(r: Arc<Registry>) -> Router {
    Router::new()
        .route("/workshop/join", post(join))
        .route("/workshop/progress", post(progress))
        .route("/workshop/class", get(class_summary))
        .route("/workshop/learners/{name}", get(learner_detail))
        .route("/workshop/learners/{name}/review", post(review))
        .route("/workshop/reviews", get(my_reviews))
        .route("/workshop/healthz", get(healthz))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(r.clone(), web_guard))
        .with_state(r)
}

#[derive(Deserialize)]
struct JoinBody {
    name: String,
}

/// What a learner is told when they join.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinAnswer {
    pub name: String,
    /// Their own lab's balancer, at the address they reached the workshop by.
    pub lab_url: String,
    /// Their token: `/admin` on their lab wants it, and so do rejoining and sending progress.
    pub learner_token: String,
    /// Their lab's source key, so their checks' probes are tagged `grader` believably.
    pub lab_key: String,
    /// False when they got back the seat they had.
    pub new: bool,
}

async fn join(State(r): R, headers: HeaderMap, body: Body) -> Result<Response, WorkshopApiError> {
    let bytes = read_limited(body, MAX_BODY).await?;
    let JoinBody { name } = serde_json::from_slice(&bytes).map_err(|e| {
        WorkshopApiError::new(
            StatusCode::BAD_REQUEST,
            "bad request",
            format!(
                "expected a JSON object {{\"name\": \"...\"}}: {}",
                bounded(&e.to_string(), 120)
            ),
        )
    })?;
    let token = bearer(&headers);
    let host = lab_host(&headers, &r);
    let joined = match r.join(&name, token.as_deref(), &host).await {
        Ok(j) => j,
        Err(e) => {
            r.say(format!("refused   {}: {e}", bounded(&name, 40)));
            return Err(e.into());
        }
    };
    let new = joined.new_token.is_some();
    let lab_url = joined.lab_url.clone();
    r.say(format!(
        "{} {} → lab {lab_url}",
        if new { "joined   " } else { "rejoined " },
        joined.seat.name
    ));
    let answer = JoinAnswer {
        name: joined.seat.name.clone(),
        lab_url,
        // A rejoin proved it holds the token: give the same one back.
        learner_token: joined.new_token.or(token).unwrap_or_default(),
        lab_key: joined.lab_key.clone(),
        new,
    };
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)).into_response())
}

#[derive(Deserialize)]
struct ProgressQuery {
    /// The learner's clock (unix ms) when the change was made.
    changed_at: Option<i64>,
    /// How long ago, at sending, the change was made (it may have waited in the outbox).
    age_ms: Option<u64>,
}

async fn progress(
    State(r): R,
    headers: HeaderMap,
    query: Result<Query<ProgressQuery>, axum::extract::rejection::QueryRejection>,
    body: Body,
) -> Result<Response, WorkshopApiError> {
    let Some(token) = bearer(&headers) else {
        return Err(WorkshopApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "progress needs the learner token: Authorization: Bearer <learner_token>",
        ));
    };
    let Some(seat) = r.seat_of(&token).await.map_err(unavailable)? else {
        return Err(WorkshopApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this learner token is not one this workshop gave out: join again with `forgetful --join URL --name NAME`",
        ));
    };
    let Query(q) = query.map_err(|e| {
        WorkshopApiError::new(
            StatusCode::BAD_REQUEST,
            "bad request",
            format!(
                "changed_at and age_ms are whole numbers: {}",
                bounded(&e.body_text(), 120)
            ),
        )
    })?;
    let bytes = read_limited(body, MAX_PROGRESS_BYTES).await?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        WorkshopApiError::new(
            StatusCode::BAD_REQUEST,
            "bad request",
            "the body is not UTF-8",
        )
    })?;
    let record = crate::progress::Progress::from_json(text).map_err(|reason| {
        WorkshopApiError::new(
            StatusCode::BAD_REQUEST,
            "bad request",
            format!(
                "not a progress record (the JSON of progress.json): {}",
                bounded(&reason, 160)
            ),
        )
    })?;
    let age = Duration::from_millis(q.age_ms.unwrap_or(0));
    let kept = r
        .record_progress(&seat, record, q.changed_at, age)
        .await
        .map_err(unavailable)?;
    let reviews = r.reviews(&seat.name).await.map_err(unavailable)?;
    Ok(
        Json(serde_json::json!({"name": seat.name, "kept": kept, "reviews": reviews}))
            .into_response(),
    )
}

/// The room's store did not answer.
fn unavailable(reason: String) -> WorkshopApiError {
    WorkshopApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        format!("the room's store did not answer: {}", bounded(&reason, 200)),
    )
}

/// `GET /workshop/reviews`: the learner's own reviews, by problem (learner token).
async fn my_reviews(State(r): R, headers: HeaderMap) -> Result<Response, WorkshopApiError> {
    let seat = match bearer(&headers) {
        Some(t) => r.seat_of(&t).await.map_err(unavailable)?,
        None => None,
    };
    let seat = seat.ok_or_else(|| {
        WorkshopApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "your reviews need your learner token: Authorization: Bearer <learner_token>",
        )
    })?;
    let reviews = r.reviews(&seat.name).await.map_err(unavailable)?;
    Ok(Json(serde_json::json!({"name": seat.name, "reviews": reviews})).into_response())
}

#[derive(Deserialize)]
struct ClassQuery {
    /// Answer once the room's version is past this one (or after a while without a change).
    after: Option<u64>,
}

async fn class_summary(
    State(r): R,
    headers: HeaderMap,
    query: Result<Query<ClassQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, WorkshopApiError> {
    let allowed = bearer(&headers).is_some_and(|t| r.is_admin(&t));
    if !allowed {
        return Err(WorkshopApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the class summary needs the workshop's admin token: Authorization: Bearer <admin token>",
        ));
    }
    let Query(q) = query.map_err(|e| {
        WorkshopApiError::new(
            StatusCode::BAD_REQUEST,
            "bad request",
            format!("after is a whole number: {}", bounded(&e.body_text(), 120)),
        )
    })?;
    if let Some(after) = q.after {
        r.changed(after, crate::client::CLASS_WAIT).await;
    }
    let room = r.room().await.map_err(unavailable)?;
    Ok(Json(summary(&r, &room, OffsetDateTime::now_utc())).into_response())
}

/// The admin token, for the instructor's routes on one learner: 403 without it, as a lab's
/// `/admin` answers.
fn admin_only(r: &Registry, headers: &HeaderMap) -> Result<(), WorkshopApiError> {
    if bearer(headers).is_some_and(|t| r.is_admin(&t)) {
        Ok(())
    } else {
        Err(WorkshopApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this route is the instructor's: Authorization: Bearer <the workshop's admin token>",
        ))
    }
}

async fn known_seat(r: &Registry, name: &str) -> Result<Seat, WorkshopApiError> {
    r.seat(name).await.map_err(unavailable)?.ok_or_else(|| {
        WorkshopApiError::new(
            StatusCode::NOT_FOUND,
            "not found",
            format!("no learner named {} in this workshop", bounded(name, 40)),
        )
    })
}

/// Journal entries the detail carries.
const DETAIL_JOURNAL: usize = 40;

/// `GET /workshop/learners/{name}`: the row, each problem's latest answer, the journal tail.
async fn learner_detail(
    State(r): R,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, WorkshopApiError> {
    admin_only(&r, &headers)?;
    let seat = known_seat(&r, &name).await?;
    let record = r.record(&seat.name).await.map_err(unavailable)?;
    let reviews = r.reviews(&seat.name).await.map_err(unavailable)?;
    Ok(Json(detail(
        &r,
        &seat,
        &record,
        &reviews,
        OffsetDateTime::now_utc(),
    ))
    .into_response())
}

pub fn detail(
    r: &Registry,
    seat: &Seat,
    record: &Record,
    reviews: &Reviews,
    now: OffsetDateTime,
) -> LearnerDetail {
    let row = row_of(r, seat, record, reviews, now);
    let none = crate::progress::ProblemProgress::default();
    let answers = r
        .cfg
        .problems
        .iter()
        .map(|id| {
            let p = record
                .progress
                .as_ref()
                .and_then(|p| p.problem(id))
                .unwrap_or(&none);
            let review = reviews.get(id);
            AnswerDetail {
                problem: id.clone(),
                latest: p.answer.last.as_ref().map(|s| SubmittedAnswer {
                    text: s.text.clone(),
                    outcome: match s.outcome {
                        AnswerOutcome::Pass => AnswerState::Passed,
                        AnswerOutcome::Partial => AnswerState::Partial,
                        AnswerOutcome::NotYet => AnswerState::NotYet,
                    },
                    message: s.message.clone(),
                    at: s.at.clone(),
                }),
                self_assessed: p.answer.self_assessed.as_ref().map(|sa| SelfAssessed {
                    text: sa.text.clone(),
                    at: sa.at.clone(),
                }),
                review: review
                    .filter(|rv| {
                        p.answer
                            .self_assessed
                            .as_ref()
                            .is_some_and(|sa| sa.at == rv.of)
                    })
                    .cloned(),
                state: class::answer_state(p, review),
            }
        })
        .collect();
    let lab = r.lab(&seat.name);
    let journal = lab
        .as_ref()
        .map(|l| l.journal_tail(DETAIL_JOURNAL))
        .unwrap_or_default();
    LearnerDetail {
        row,
        answers,
        journal,
        lab_elsewhere: lab.is_none().then(|| seat.lab_url.clone()),
    }
}

/// `POST /workshop/learners/{name}/review {"problem", "accept"}`.
async fn review(
    State(r): R,
    headers: HeaderMap,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, WorkshopApiError> {
    admin_only(&r, &headers)?;
    let seat = known_seat(&r, &name).await?;
    let bytes = read_limited(body, MAX_BODY).await?;
    let ReviewBody { problem, accept } = serde_json::from_slice(&bytes).map_err(|e| {
        WorkshopApiError::new(
            StatusCode::BAD_REQUEST,
            "bad request",
            format!(
                "expected a JSON object {{\"problem\": \"...\", \"accept\": true or false}}: {}",
                bounded(&e.to_string(), 120)
            ),
        )
    })?;
    let review = r
        .review(&seat, &problem, accept)
        .await
        .map_err(|e| match e {
            ReviewRefused::UnknownProblem(m) => {
                WorkshopApiError::new(StatusCode::BAD_REQUEST, "bad request", m)
            }
            ReviewRefused::NothingToReview(m) => {
                WorkshopApiError::new(StatusCode::CONFLICT, "conflict", m)
            }
            ReviewRefused::Store(m) => unavailable(m),
        })?;
    let record = r.record(&seat.name).await.map_err(unavailable)?;
    let reviews = r.reviews(&seat.name).await.map_err(unavailable)?;
    let answer = row_of(&r, &seat, &record, &reviews, OffsetDateTime::now_utc())
        .problems
        .iter()
        .find(|p| p.id == problem)
        .map_or(AnswerState::None, |p| p.answer);
    Ok(Json(ReviewAnswer {
        name: seat.name.clone(),
        problem,
        review,
        answer,
    })
    .into_response())
}

fn row_of(
    r: &Registry,
    seat: &Seat,
    record: &Record,
    reviews: &Reviews,
    now: OffsetDateTime,
) -> LearnerRow {
    class::row(
        &class::Seen {
            name: &seat.name,
            joined_at: seat.joined_at,
            progress: record.progress.as_ref(),
            last_activity: record.last_activity(),
            last_progress: record.last_progress(),
            reviews,
        },
        &r.cfg.lessons,
        &r.cfg.problems,
        r.cfg.stuck_after,
        now,
    )
}

pub fn summary(r: &Registry, room: &Room, now: OffsetDateTime) -> ClassSummary {
    let learners = room
        .seats
        .iter()
        .map(|(seat, record, reviews)| row_of(r, seat, record, reviews, now))
        .collect();
    ClassSummary {
        // Read before the rows: a change made while they were read is seen again next time.
        version: room.version,
        generated_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        lessons_total: r.cfg.lessons.len(),
        problems: r.cfg.problems.clone(),
        stuck_after_minutes: r.cfg.stuck_after.as_secs().div_ceil(60),
        learners,
    }
}

async fn healthz(State(r): R) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "ok": true,
        "learners": r.len(),
        "max_learners": r.cfg.max_learners,
    }))
}

async fn no_route(OriginalUri(uri): OriginalUri) -> WorkshopApiError {
    WorkshopApiError::new(
        StatusCode::NOT_FOUND,
        "not found",
        format!(
            "no route {}: the workshop serves POST /workshop/join, POST /workshop/progress, GET /workshop/reviews, GET /workshop/class, GET /workshop/learners/NAME, POST /workshop/learners/NAME/review, GET /workshop/healthz; each learner's lab is at the lab_url their join gave",
            bounded(uri.path(), 100)
        ),
    )
}

async fn wrong_method(
    method: axum::http::Method,
    OriginalUri(uri): OriginalUri,
) -> WorkshopApiError {
    WorkshopApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed",
        format!(
            "{} does not accept {}",
            bounded(uri.path(), 100),
            bounded(method.as_str(), 16)
        ),
    )
}

/// Reads a whole body, refusing more than `limit` bytes (413).
async fn read_limited(body: Body, limit: usize) -> Result<axum::body::Bytes, WorkshopApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_big = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if too_big {
            WorkshopApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload too large",
                format!("bodies over {} KiB are refused here", limit / 1024),
            )
        } else {
            WorkshopApiError::new(
                StatusCode::BAD_REQUEST,
                "bad request",
                format!("could not read the body: {}", bounded(&e.to_string(), 120)),
            )
        }
    })
}

/// The token of `Authorization: Bearer <token>` (the scheme in any case).
fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| token.to_string())
}

/// The host part of a `Host` header (or an Origin's host): no port, IPv6 brackets kept.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// IP literals and `localhost` cannot be rebound by a hostile DNS server; any other name must
/// be the one the instructor gave with `--public-host`.
fn host_allowed(host: &str, public: Option<&str>) -> bool {
    let name = host_name(host);
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<std::net::IpAddr>().is_ok()
        || bare.eq_ignore_ascii_case("localhost")
        || public.is_some_and(|p| bare.eq_ignore_ascii_case(p))
}

/// The host a learner's lab URL names: the one the learner reached the workshop by (the
/// guard has checked it), so a lab on `0.0.0.0` is given by the room's address.
fn lab_host(headers: &HeaderMap, r: &Registry) -> String {
    headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(host_name)
        .filter(|h| !h.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            if r.cfg.bind.is_unspecified() {
                "127.0.0.1".to_string()
            } else {
                match r.cfg.bind {
                    std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                    std::net::IpAddr::V4(ip) => ip.to_string(),
                }
            }
        })
}

/// Web pages are kept out as the lab keeps them out: a `Host` that is not the workshop's or a
/// foreign `Origin` is refused (403), and a POST body must be JSON (415), which a page cannot
/// send across sites without asking.
async fn web_guard(State(r): R, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let public = r.cfg.public_host.as_deref();
    let get = |name| {
        headers
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
    };
    if let Some(host) = get(header::HOST)
        && !host_allowed(host, public)
    {
        return WorkshopApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "Host {} is not this workshop's address (use its IP address, or start it with --public-host NAME)",
                bounded(host, 64)
            ),
        )
        .into_response();
    }
    if let Some(origin) = get(header::ORIGIN) {
        let host = origin.split_once("://").map_or(origin, |(_, h)| h);
        if !host_allowed(host, public) {
            return WorkshopApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "requests from the web page {} are refused: the workshop takes requests from forgetful and curl",
                    bounded(origin, 64)
                ),
            )
            .into_response();
        }
    }
    if req.method() == axum::http::Method::POST {
        let json = get(header::CONTENT_TYPE)
            .and_then(|ct| ct.split(';').next())
            .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return WorkshopApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported media type",
                "POST bodies here are JSON: send Content-Type: application/json",
            )
            .into_response();
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_keep_their_brackets_and_lose_their_port() {
        assert_eq!(host_name("10.0.0.5:7878"), "10.0.0.5");
        assert_eq!(host_name("[::1]:7878"), "[::1]");
        assert_eq!(host_name("localhost"), "localhost");
        assert!(host_allowed("[::1]:7878", None));
        assert!(host_allowed("LOCALHOST:1", None));
        assert!(!host_allowed("evil.example:7878", None));
        assert!(host_allowed("room.lan:7878", Some("room.lan")));
    }
}
