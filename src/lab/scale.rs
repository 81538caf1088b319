//! Scaling live: `POST /admin/replicas {"add": N}` starts N new replicas and
//! `DELETE /admin/replicas/{name}` stops one and takes it out of the set, while traffic runs.
//!
//! The set is an `Arc<Vec<_>>` behind a lock in [`Core`]: the balancer takes a snapshot per
//! request, so a change shows from the next request on, and a request already on its way to
//! a replica that is being removed fails over like one sent to a stopped replica.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{delete, post};
use serde::Deserialize;

use super::Core;
use super::admin::admin_guard;
use super::admin::lab_state;
use super::balancer::Balancer;
use super::body::JsonBody;
use super::error::{ApiError, wrong_method};
use super::replica::{self, ReplicaSlot, source_of};
use crate::api::Event;

use crate::api::{MAX_ADD_REPLICAS as MAX_ADD, MAX_REPLICAS};

type B = State<Arc<Balancer>>;

/// The two routes, behind the same admin guard as the rest of `/admin`.
pub fn router(b: Arc<Balancer>) -> Router<Arc<Balancer>> {
    Router::new()
        .route("/replicas", post(add))
        .route("/replicas/{name}", delete(remove))
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn_with_state(b, admin_guard))
}

/// A replica that was removed while a request for it waited on its control lock is not
/// started or restarted again (it would run, unreachable, until the lab stops).
pub fn still_listed(core: &Core, slot: &Arc<ReplicaSlot>) -> Result<(), ApiError> {
    if core.replicas().iter().any(|r| Arc::ptr_eq(r, slot)) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "replica {} was removed",
            slot.name
        )))
    }
}

fn conflict(reason: String) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "conflict", reason)
}

#[derive(Deserialize)]
struct AddReq {
    add: u64,
}

/// The next free name: after every letter handed out so far, so a removed replica's name is
/// not reused (until `z`; then the first letter not in use).
fn next_name(used: &mut u8, taken: &[String]) -> String {
    while *used < 26 {
        let name = ((b'a' + *used) as char).to_string();
        *used += 1;
        if !taken.contains(&name) {
            return name;
        }
    }
    (b'a'..=b'z')
        .map(|c| (c as char).to_string())
        .find(|n| !taken.contains(n))
        .unwrap_or_else(|| "?".into())
}

async fn add(
    State(b): B,
    headers: HeaderMap,
    JsonBody(req): JsonBody<AddReq>,
) -> Result<Json<crate::api::FullLabState>, ApiError> {
    if req.add == 0 || req.add > MAX_ADD as u64 {
        return Err(ApiError::bad_request(format!(
            "add is 1 to {MAX_ADD} replicas at a time, not {}",
            req.add
        )));
    }
    let n = req.add as usize;
    let core = &b.core;
    let mut used = core.scaling.lock().await;
    let have = core.replicas().len();
    if have + n > MAX_REPLICAS {
        return Err(conflict(format!(
            "the lab runs at most {MAX_REPLICAS} replicas: it has {have}, so it can add {} more",
            MAX_REPLICAS.saturating_sub(have)
        )));
    }
    let source = source_of(&headers, &core.source_key);
    let mut taken: Vec<String> = core.replicas().iter().map(|r| r.name.clone()).collect();
    for _ in 0..n {
        let slot = Arc::new(ReplicaSlot::new(next_name(&mut used, &taken)));
        // Up before the balancer sees it, so the first request it is given finds it serving.
        replica::start(core.clone(), slot.clone())
            .await
            .map_err(|e| {
                ApiError::unavailable(format!("replica {} could not bind: {e}", slot.name))
            })?;
        taken.push(slot.name.clone());
        let mut list: Vec<Arc<ReplicaSlot>> = core.replicas().iter().cloned().collect();
        list.push(slot.clone());
        list.sort_by(|a, b| a.name.cmp(&b.name));
        let total = list.len();
        core.set_replicas(list);
        core.journal.control(
            Event::ReplicaAdded,
            source,
            core.mode(),
            Some(&slot.name),
            None,
            format!(
                "replica {} added on {} with empty memory: the balancer now spreads over {total}",
                slot.name,
                slot.url()
            ),
        );
    }
    drop(used);
    Ok(Json(lab_state(&b).await))
}

async fn remove(
    State(b): B,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Json<crate::api::FullLabState>, ApiError> {
    let core = &b.core;
    let guard = core.scaling.lock().await;
    let list = core.replicas();
    let Some(slot) = list.iter().find(|r| r.name == name).cloned() else {
        return Err(ApiError::not_found(format!(
            "no replica named {:?}",
            crate::api::bounded(&name, 32)
        )));
    };
    if list.len() == 1 {
        return Err(conflict(format!(
            "replica {name} is the last one: the lab keeps at least one (stop it with POST /admin/replicas/{name}/stop instead)"
        )));
    }
    // Out of the set first, so the balancer stops choosing it; then stopped, after any
    // restart of it that is under way.
    core.set_replicas(list.iter().filter(|r| r.name != name).cloned().collect());
    drop(guard);
    {
        let _one_at_a_time = slot.control.lock().await;
        replica::stop(&slot).await;
    }
    core.journal.control(
        Event::ReplicaRemoved,
        source_of(&headers, &core.source_key),
        core.mode(),
        Some(&name),
        None,
        format!(
            "replica {name} removed: stopped, its memory gone, and the balancer spreads over {}",
            list.len() - 1
        ),
    );
    Ok(Json(lab_state(&b).await))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_names_follow_the_alphabet_and_skip_what_is_taken() {
        let mut used = 3;
        let taken: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        assert_eq!(next_name(&mut used, &taken), "d");
        assert_eq!(next_name(&mut used, &taken), "e");
        // A removed name is not reused while letters remain.
        let mut used = 4;
        let taken: Vec<String> = ["a", "c", "d"].map(String::from).to_vec();
        assert_eq!(next_name(&mut used, &taken), "e");
        // When the alphabet has run out, the first free letter.
        let mut used = 26;
        assert_eq!(next_name(&mut used, &taken), "b");
    }
}
