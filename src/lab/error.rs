//! Every error the lab returns: JSON `{"error", "reason"}` with a status, and a reason that teaches.

use axum::Json;
use axum::extract::OriginalUri;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::ErrorBody;

/// What a handler tells the journal about its answer (user, reason, credential issued).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub user: Option<String>,
    pub reason: Option<String>,
    pub issued: Option<String>,
    pub token_jti: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub error: &'static str,
    pub reason: String,
    pub user: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, error: &'static str, reason: impl Into<String>) -> Self {
        ApiError {
            status,
            error,
            reason: reason.into(),
            user: None,
        }
    }
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", reason)
    }
    /// 403: who you are is known, and it is not allowed this.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", reason)
    }
    pub fn bad_request(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad request", reason)
    }
    pub fn not_found(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not found", reason)
    }
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", reason)
    }
    pub fn for_user(mut self, user: impl Into<String>) -> Self {
        self.user = Some(user.into());
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let outcome = Outcome {
            user: self.user,
            reason: Some(self.reason.clone()),
            ..Outcome::default()
        };
        let mut resp = (
            self.status,
            Json(ErrorBody {
                error: self.error.to_string(),
                reason: self.reason,
            }),
        )
            .into_response();
        resp.extensions_mut().insert(outcome);
        resp
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        // The reason is the same words every time, so a client (and a check) can match it.
        tracing::warn!("session store: {e}");
        ApiError::unavailable(format!("session store unreachable ({e})"))
    }
}

/// 404 for any route the lab does not have. (`OriginalUri`: inside the nested `/admin`
/// router the plain URI has lost its prefix.)
pub async fn no_route(OriginalUri(uri): OriginalUri) -> ApiError {
    let try_these = if uri.path().starts_with("/admin") {
        "/admin/state, /admin/mode, /admin/policy, /admin/replicas/{name}/restart, /admin/denylist, /admin/revoke, /admin/users/{name}/role, /admin/token-ttl, /admin/rotate-key, /admin/weakness, /admin/csrf, /admin/attacker, /admin/journal"
    } else {
        "/login, /me, /orders, /orders/all, /logout, /token/refresh, /healthz"
    };
    ApiError::not_found(format!(
        "no route {}: try {try_these}",
        crate::api::bounded(uri.path(), 100)
    ))
}

/// 405 for a known route with the wrong method.
pub async fn wrong_method(method: axum::http::Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed",
        format!(
            "{} does not accept {}",
            crate::api::bounded(uri.path(), 100),
            crate::api::bounded(method.as_str(), 16)
        ),
    )
}
