//! The lab over real HTTP on loopback: modes, restarts, forged tokens, revoke, attacker,
//! bad input, stopped replicas, the journal, both stores, and a small load test.

#[path = "../common/mod.rs"]
mod common;

mod control;
mod generator;
mod input;
mod load;
mod redis;
mod scale;
mod sessions;
mod tokens;
