//! Writing a command's output to stdout without `println!`, which panics when the reader
//! has gone (`forgetful serve | head -3`, `forgetful report | head`).

use std::io::Write;

/// Line output for a long-running command: once a write fails, every later line is dropped
/// and the caller learns it from `line`'s result, so it can stop as it would on Ctrl-C.
pub struct Lines {
    closed: bool,
}

impl Lines {
    pub fn new() -> Self {
        Lines { closed: false }
    }

    /// Writes `text` and a newline, flushed; false once stdout can no longer be written.
    pub fn line(&mut self, text: &str) -> bool {
        if !self.closed {
            let mut out = std::io::stdout().lock();
            self.closed = writeln!(out, "{text}").and_then(|_| out.flush()).is_err();
        }
        !self.closed
    }
}

impl Default for Lines {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes a whole text at once; a closed pipe comes back as an error that `main` treats as
/// a quiet exit.
pub fn text(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
