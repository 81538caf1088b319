//! A JSON body extractor whose failures are lab errors: 413 over 16 KiB, 400 for bad JSON.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::api::MAX_BODY;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let bytes = read_limited(req.into_body()).await?;
        if bytes.is_empty() {
            return Err(ApiError::bad_request(
                "empty body: this route expects a JSON object",
            ));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            // serde quotes the values it refuses: cut what the client sent short.
            .map_err(|e| {
                ApiError::bad_request(format!(
                    "malformed JSON: {}",
                    crate::api::bounded(&e.to_string(), 200)
                ))
            })
    }
}

/// Reads a whole body, refusing more than [`MAX_BODY`] bytes.
pub async fn read_limited(body: axum::body::Body) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            "payload too large",
            format!("bodies over {} KiB are refused", MAX_BODY / 1024),
        )
    };
    // A declared Content-Length over the limit is refused at once, not after waiting for
    // bytes that may never come.
    if axum::body::HttpBody::size_hint(&body).lower() > MAX_BODY as u64 {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY).await.map_err(|e| {
        let too_big = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if too_big {
            too_large()
        } else {
            ApiError::bad_request(format!("could not read the body: {e}"))
        }
    })
}
