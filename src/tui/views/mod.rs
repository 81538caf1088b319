//! One module per part of the screen; each draws from `&State` only.

pub mod console;
pub mod footer;
pub mod help;
pub mod inspector;
pub mod journal;
pub mod lab;
pub mod load;
pub mod outline;
pub mod predict;
pub mod reader;

pub use super::style::{bold, clean, fg, fit, pane_border};
