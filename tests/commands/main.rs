//! The command line and the grader end to end: `forgetful` subcommands as a learner types
//! them, each problem solved with curl from its hints, the checks against a lab on
//! loopback, progress on disk, `load`, `serve` and a workshop room. One test binary, so
//! tests that wait on a child process or a lab run side by side.

#[path = "../common/mod.rs"]
mod common;

mod checks;
mod cli;
mod curl_problems;
mod load;
mod progress_store;
mod serve;
mod workshop;
mod workshop_room;
