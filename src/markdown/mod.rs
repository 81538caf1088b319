//! Markdown to ratatui text (placeholder until the renderer lands).
