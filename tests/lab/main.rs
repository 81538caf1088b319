//! The lab over real HTTP on loopback: modes, restarts, forged tokens, revoke, attacker,
//! authorization, refresh tokens, key rotation, claims, weak verifiers, cross-site requests,
//! bad input, stopped replicas, the journal, both stores, and a small load test.

#[path = "../common/mod.rs"]
mod common;

mod authz;
mod chat;
mod claims;
mod control;
mod csrf;
mod generator;
mod input;
mod keys;
mod load;
mod redis;
mod refresh;
mod relay;
mod scale;
mod sessions;
mod tokens;
mod weak;
