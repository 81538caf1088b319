//! Markdown to ratatui text: headings, emphasis, code, quotes and callouts, lists, links,
//! tables, mermaid diagrams and runnable request blocks, wrapped to a width.
//!
//! `render` is the one entry point; `plain_lines` and `ansi_lines` turn its text into
//! strings for `forgetful read` and for tests.

mod blocks;
mod diagram;
mod highlight;
mod output;
pub mod predict;
pub mod request;
mod table;
mod theme;
mod wrap;

use ratatui::text::Text;

pub use diagram::{SubsetError, check_subset};
pub use output::{ansi_lines, plain_lines};
pub use predict::{PredictError, Prediction};
pub use request::{RequestBlock, RequestError};

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Use colours; without them only bold, italic, underline and reverse are used (NO_COLOR).
    pub color: bool,
}

/// A link in the lesson; its `number` is the `[n]` shown after the link text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub number: usize,
    pub text: String,
    pub url: String,
}

/// A rendered lesson: the text, where its request blocks are, and its numbered links.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: Text<'static>,
    pub requests: Vec<RequestBlock>,
    /// Prediction blocks, each with the request card that follows it.
    pub predictions: Vec<Prediction>,
    pub links: Vec<Link>,
}

/// Markdown as plain text lines of at most `width` columns, for a terminal command that
/// prints a hint or a model answer (no backticks or asterisks left in).
pub fn plain_text(src: &str, width: u16) -> Vec<String> {
    plain_lines(&render(src, width, &RenderOptions { color: false }).text)
}

/// Renders markdown so that no line is wider than `width` display columns (for any width
/// of 2 or more; narrower widths degrade but never panic).
pub fn render(src: &str, width: u16, opts: &RenderOptions) -> Rendered {
    blocks::Renderer::new(
        usize::from(width.max(1)),
        theme::Theme { color: opts.color },
    )
    .run(src)
}
