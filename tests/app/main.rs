//! The real binary under tmux at 80x24, end to end: the reader, the console, the workspace,
//! each problem solved with keys only, the load pane and a workshop room. One test binary,
//! so these sessions (each waiting on its own screen) run side by side.

#[path = "../common/mod.rs"]
mod common;

mod console;
mod load_pane;
mod reader;
mod solve;
mod workshop;
mod workspace;
