//! Handlers driven in-process with `tower::ServiceExt::oneshot`: no sockets, no replicas
//! running, so each test sees exactly one handler's answer. The lab over real HTTP is
//! tested in `tests/lab/`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::balancer::{Balancer, router as balancer_router};
use super::replica::{ReplicaSlot, test_router};
use super::{Core, LabConfig};
use crate::api::Mode;

async fn core(mode: Mode) -> (Arc<Core>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = LabConfig::ephemeral(dir.path());
    cfg.mode = mode;
    (super::core(&cfg).await.unwrap(), dir)
}

fn balancer(core: &Arc<Core>, admin_token: Option<&str>) -> Router {
    balancer_router(Arc::new(Balancer::new(
        core.clone(),
        admin_token.map(str::to_string),
        None,
    )))
}

fn replica(core: &Arc<Core>) -> Router {
    test_router(core.clone(), Arc::new(ReplicaSlot::new("a".into())))
}

/// A request as the lab's own server would hand it over: with the peer address attached.
fn request(method: &str, uri: &str, peer: [u8; 4]) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "127.0.0.1:7878")
        .extension(ConnectInfo(SocketAddr::from((peer, 40000))))
}

fn json_request(method: &str, uri: &str, body: &Value) -> Request<Body> {
    request(method, uri, [127, 0, 0, 1])
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test]
async fn admin_routes_answer_only_loopback_or_the_admin_token() {
    let (core, _dir) = core(Mode::Local).await;
    let open = balancer(&core, None);
    let outside = request("GET", "/admin/state", [192, 168, 1, 9])
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&open, outside).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["reason"], "admin routes answer only loopback clients");
    let inside = request("GET", "/admin/state", [127, 0, 0, 1])
        .body(Body::empty())
        .unwrap();
    let (status, _, body) = send(&open, inside).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["mode"], "local");

    let guarded = balancer(&core, Some("s3cret"));
    let no_token = request("GET", "/admin/state", [127, 0, 0, 1])
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&guarded, no_token).await.0, StatusCode::FORBIDDEN);
    let token = request("GET", "/admin/state", [10, 0, 0, 7])
        .header(header::AUTHORIZATION, "bearer s3cret")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&guarded, token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_mode_change_is_validated_and_answered_with_the_new_state() {
    let (core, _dir) = core(Mode::Local).await;
    let app = balancer(&core, None);
    let (status, _, body) = send(
        &app,
        json_request("POST", "/admin/mode", &json!({"mode": "psychic"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad request");
    assert_eq!(core.mode(), Mode::Local, "a refused change changes nothing");

    let (status, _, body) = send(
        &app,
        json_request("POST", "/admin/mode", &json!({"mode": "token"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["mode"], "token");
    assert_eq!(core.mode(), Mode::Token);
}

#[tokio::test]
async fn web_pages_cannot_drive_the_lab() {
    let (core, _dir) = core(Mode::Local).await;
    let app = balancer(&core, None);
    // A simple cross-site form post: text/plain, a foreign Origin.
    let forged = request("POST", "/admin/mode", [127, 0, 0, 1])
        .header(header::ORIGIN, "http://evil.example")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from(r#"{"mode":"shared"}"#))
        .unwrap();
    let (status, _, body) = send(&app, forged).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("http://evil.example")
    );
    // DNS rebinding: the page's own name in Host.
    let rebound = Request::builder()
        .uri("/admin/state")
        .header(header::HOST, "evil.example:7878")
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))))
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, rebound).await.0, StatusCode::FORBIDDEN);
    // A JSON route given another type is refused before any handler runs.
    let plain = request("POST", "/admin/mode", [127, 0, 0, 1])
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::CONTENT_LENGTH, "17")
        .body(Body::from(r#"{"mode":"shared"}"#))
        .unwrap();
    assert_eq!(
        send(&app, plain).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    assert_eq!(core.mode(), Mode::Local);
}

#[tokio::test]
async fn a_replica_answers_bad_input_and_missing_credentials_in_json() {
    let (core, _dir) = core(Mode::Shared).await;
    let app = replica(&core);
    let broken = request("POST", "/login", [127, 0, 0, 1])
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"username\": "))
        .unwrap();
    let (status, _, body) = send(&app, broken).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["reason"].is_string(), "{body}");

    let anonymous = request("GET", "/me", [127, 0, 0, 1])
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = send(&app, anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized");
    assert_eq!(headers[crate::api::SERVED_BY_HEADER], "a");

    let nowhere = request("GET", "/nowhere", [127, 0, 0, 1])
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&app, nowhere).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_admin_door_reads_the_role_from_the_session_at_each_lookup() {
    let (core, _dir) = core(Mode::Shared).await;
    let app = replica(&core);
    let login = |user: &str, password: &str| {
        json_request(
            "POST",
            "/login",
            &json!({"username": user, "password": password}),
        )
    };
    let (status, headers, _) = send(&app, login("alice", "wonderland")).await;
    assert_eq!(status, StatusCode::OK);
    let alice = cookie(&headers);
    let (status, _, body) = send(&app, get_with("/orders/all", &alice)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["reason"].as_str().unwrap().contains("role customer"),
        "{body}"
    );

    let (_, headers, _) = send(&app, login("bob", "builder")).await;
    let bob = cookie(&headers);
    assert_eq!(
        send(&app, get_with("/orders/all", &bob)).await.0,
        StatusCode::OK
    );
    // Demoted in the user table: a session reads the role at lookup, so the door shuts now.
    core.shop
        .set_role("bob", crate::api::Role::Customer)
        .unwrap();
    assert_eq!(
        send(&app, get_with("/orders/all", &bob)).await.0,
        StatusCode::FORBIDDEN
    );
}

fn cookie(headers: &axum::http::HeaderMap) -> String {
    let set = headers[header::SET_COOKIE].to_str().unwrap();
    set.split(';').next().unwrap().to_string()
}

fn get_with(uri: &str, cookie: &str) -> Request<Body> {
    request("GET", uri, [127, 0, 0, 1])
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap()
}
