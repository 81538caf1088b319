//! Runnable request blocks: a fenced `http` block the TUI can send to the lab.
//!
//! Shape: `METHOD /path`, then `Header: value` lines, a blank line, an optional body.

use thiserror::Error;

/// Methods a request block may use.
pub const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// A parsed request block; `line` is its title line in the rendered text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestBlock {
    pub line: usize,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Why a block is not a runnable request; `line` and `col` are 0-based within the block.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{message}")]
pub struct RequestError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

fn err(line: usize, col: usize, message: impl Into<String>) -> RequestError {
    RequestError {
        line,
        col,
        message: message.into(),
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses a block's source; `line` in the result is left at 0 for the renderer to set.
pub fn parse(src: &str) -> Result<RequestBlock, RequestError> {
    let mut lines = src.lines();
    let first = lines.next().unwrap_or("");
    let mut parts = first.split_whitespace();
    let method = parts
        .next()
        .ok_or_else(|| err(0, 0, "empty request: expected `METHOD /path`"))?;
    if !METHODS.contains(&method) {
        return Err(err(
            0,
            0,
            format!(
                "unknown method `{method}` (expected one of {})",
                METHODS.join(", ")
            ),
        ));
    }
    let path_col = first.find(method).unwrap_or(0) + method.len();
    let path = parts
        .next()
        .ok_or_else(|| err(0, path_col, "missing path after the method"))?;
    let path_col = first[path_col..]
        .find(path)
        .map_or(path_col, |i| path_col + i);
    if !path.starts_with('/') {
        return Err(err(
            0,
            path_col,
            format!("path `{path}` must start with `/`"),
        ));
    }
    // An HTTP version after the path is allowed and ignored.
    if let Some(extra) = parts.next().filter(|e| !e.starts_with("HTTP/")) {
        let col = first.rfind(extra).unwrap_or(0);
        return Err(err(0, col, format!("unexpected `{extra}` after the path")));
    }
    let mut headers = Vec::new();
    let mut body = Vec::new();
    let mut in_body = false;
    for (i, line) in lines.enumerate() {
        if in_body {
            body.push(line);
        } else if line.trim().is_empty() {
            in_body = true;
        } else {
            let Some((name, value)) = line.split_once(':') else {
                return Err(err(i + 1, 0, "malformed header: expected `Name: value`"));
            };
            if !is_token(name) {
                return Err(err(i + 1, 0, format!("malformed header name `{name}`")));
            }
            headers.push((name.to_string(), value.trim().to_string()));
        }
    }
    Ok(RequestBlock {
        line: 0,
        method: method.to_string(),
        path: path.to_string(),
        headers,
        body: body.join("\n").trim_end().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_method_path_headers_and_body() {
        let r =
            parse("POST /login\nContent-Type: application/json\n\n{\"user\": \"ada\"}\n").unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/login");
        assert_eq!(
            r.headers,
            [("Content-Type".into(), "application/json".into())]
        );
        assert_eq!(r.body, "{\"user\": \"ada\"}");
    }

    #[test]
    fn a_request_without_headers_or_body_is_fine() {
        let r = parse("GET /me").unwrap();
        assert!(r.headers.is_empty() && r.body.is_empty());
    }

    #[test]
    fn rejects_unknown_methods() {
        let e = parse("FETCH /me").unwrap_err();
        assert_eq!((e.line, e.col), (0, 0));
        assert!(e.message.starts_with("unknown method `FETCH`"));
    }

    #[test]
    fn rejects_paths_without_a_slash() {
        let e = parse("GET me").unwrap_err();
        assert_eq!((e.line, e.col), (0, 4));
        assert_eq!(e.message, "path `me` must start with `/`");
    }

    #[test]
    fn rejects_malformed_headers() {
        let e = parse("GET /me\nCookie sid=1").unwrap_err();
        assert_eq!((e.line, e.col), (1, 0));
        assert_eq!(e.message, "malformed header: expected `Name: value`");
        let e = parse("GET /me\nBad Name: 1").unwrap_err();
        assert_eq!(e.message, "malformed header name `Bad Name`");
    }
}
