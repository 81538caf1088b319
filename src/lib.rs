//! forgetful: a terminal course on why HTTP APIs forget you.
//!
//! `lab` is the service (balancer, replicas, sessions, tokens, journal); everything else
//! talks to it over HTTP through `client`, the way a learner's curl does.

pub mod api;
pub mod cli;
pub mod client;
pub mod course;
pub mod grade;
pub mod lab;
pub mod load;
pub mod markdown;
pub mod paths;
pub mod progress;
pub mod stdout;
pub mod store;
pub mod tui;
pub mod workshop;
