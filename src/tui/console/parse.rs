//! Reading the console's request line the way a learner types it: `GET /me`, a bare `/me`,
//! `POST /login {"username":"alice",…}` with the body on the same line, a full URL, or a
//! whole curl command pasted from a lesson or a terminal.

/// What the request line said. `body` and `headers` are only what the line itself carried;
/// the console adds its own fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestLine {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The line was a curl command (the editors are refilled from it).
    pub from_curl: bool,
}

/// Reads one request line; the error says what to type instead.
pub fn request_line(line: &str) -> Result<RequestLine, String> {
    // A pasted multi-line curl: the console joins lines with spaces, leaving `\` behind.
    let line = line.replace(" \\ ", " ");
    let line = line.trim().trim_end_matches('\\').trim();
    if line.is_empty() {
        return Err("empty request: type e.g. GET /me".into());
    }
    if line == "curl" || line.starts_with("curl ") {
        return curl(line);
    }
    let (first, rest) = split_word(line);
    let (method, target, rest) = if looks_like_target(first) {
        (None, first, rest)
    } else {
        let (target, rest) = split_word(rest);
        if target.is_empty() {
            return Err(format!(
                "no path: type e.g. {} /me",
                crate::api::bounded(&first.to_ascii_uppercase(), 10)
            ));
        }
        (Some(first), target, rest)
    };
    if let Some(m) = method
        && !m.chars().all(|c| c.is_ascii_alphabetic())
    {
        return Err(format!(
            "`{}` is not a method: type e.g. GET /me",
            crate::api::bounded(m, 20)
        ));
    }
    let path = path_of(target)?;
    let body = (!rest.trim().is_empty()).then(|| rest.trim().to_string());
    // Like curl: a body means POST unless a method was given.
    let method = match method {
        Some(m) => m.to_ascii_uppercase(),
        None if body.is_some() => "POST".into(),
        None => "GET".into(),
    };
    Ok(RequestLine {
        method,
        path,
        headers: Vec::new(),
        body,
        from_curl: false,
    })
}

fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

fn looks_like_target(w: &str) -> bool {
    w.starts_with('/') || w.starts_with("http://") || w.starts_with("https://")
}

/// The path and query of a target: `/me`, or a full URL whose host is dropped (the console
/// always sends to the lab).
fn path_of(target: &str) -> Result<String, String> {
    if target.starts_with('/') {
        return Ok(target.to_string());
    }
    let Some(after_scheme) = target.split_once("://").map(|(_, r)| r) else {
        return Err(format!(
            "path `{}` must start with `/`",
            crate::api::bounded(target, 40)
        ));
    };
    Ok(match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_string(),
        None => "/".to_string(),
    })
}

/// A curl command: `-X`, `-H`, `-d`/`--data*`, `--json`, `-b`, and the URL; other flags
/// (`-i`, `-s`, `-v`, …) change nothing the console does and are skipped.
fn curl(line: &str) -> Result<RequestLine, String> {
    let words = shlex::split(line)
        .ok_or("this curl command has an unclosed quote: check the pasted line")?;
    let mut method = None;
    let mut url = None;
    let mut headers = Vec::new();
    let mut body: Option<String> = None;
    let mut it = words.into_iter().skip(1);
    while let Some(w) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .ok_or_else(|| format!("curl option {flag} needs a value"))
        };
        match w.as_str() {
            "-X" | "--request" => method = Some(value(&w)?),
            "-H" | "--header" => {
                let h = value(&w)?;
                let (k, v) = h
                    .split_once(':')
                    .ok_or_else(|| format!("header `{h}` is not `Name: value`"))?;
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-ascii" => {
                body = Some(value(&w)?)
            }
            "--json" => {
                body = Some(value(&w)?);
                headers.push(("Content-Type".into(), "application/json".into()));
                headers.push(("Accept".into(), "application/json".into()));
            }
            "-b" | "--cookie" => headers.push(("Cookie".into(), value(&w)?)),
            "--url" => url = Some(value(&w)?),
            // Options that take a value the console has no use for.
            "-o" | "--output" | "-u" | "--user" | "-A" | "--user-agent" | "-e" | "--referer"
            | "-m" | "--max-time" | "-w" | "--write-out" | "-c" | "--cookie-jar" => {
                value(&w)?;
            }
            flag if flag.starts_with('-') => {}
            _ => url = Some(w),
        }
    }
    let url = url.ok_or("this curl command has no URL")?;
    // curl takes `localhost:7878/me` without a scheme too.
    let path = match (url.contains("://"), url.find('/')) {
        (false, Some(i)) if i > 0 => url[i..].to_string(),
        _ => path_of(&url)?,
    };
    let method = match method {
        // `-X ''` (found by the fuzz target): no method at all, so say what to write.
        Some(m) if m.trim().is_empty() || m.contains(char::is_whitespace) => {
            return Err(format!(
                "curl -X needs one method, e.g. -X POST (got `{}`)",
                crate::api::bounded(&m, 10)
            ));
        }
        Some(m) => m.to_ascii_uppercase(),
        None if body.is_some() => "POST".into(),
        None => "GET".into(),
    };
    Ok(RequestLine {
        method,
        path,
        headers,
        body,
        from_curl: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(line: &str) -> RequestLine {
        request_line(line).unwrap_or_else(|e| panic!("{line}: {e}"))
    }

    #[test]
    fn plain_lines_and_what_is_missing() {
        let r = ok("get /me");
        assert_eq!(
            (r.method.as_str(), r.path.as_str(), r.body),
            ("GET", "/me", None)
        );
        // A bare path is a GET, a bare path with a body a POST, as with curl.
        assert_eq!(ok("/orders").method, "GET");
        let r = ok(r#"/login {"username":"alice","password":"wonderland"}"#);
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"username":"alice","password":"wonderland"}"#)
        );
        let r = ok(r#"POST /login {"username": "bob", "password": "builder"}"#);
        assert_eq!(
            r.body.unwrap(),
            r#"{"username": "bob", "password": "builder"}"#
        );
        assert_eq!(ok("GET http://127.0.0.1:7878/me?x=1").path, "/me?x=1");
        assert_eq!(
            request_line("").unwrap_err(),
            "empty request: type e.g. GET /me"
        );
        assert_eq!(
            request_line("post").unwrap_err(),
            "no path: type e.g. POST /me"
        );
        assert!(
            request_line("GET me")
                .unwrap_err()
                .contains("must start with `/`")
        );
    }

    #[test]
    fn a_curl_with_an_empty_method_is_refused_with_a_reason() {
        let e = request_line("curl -X '' http://127.0.0.1:7878/me").unwrap_err();
        assert!(e.contains("-X needs one method"), "{e}");
    }

    #[test]
    fn pasted_curl_commands() {
        let r = ok(
            r#"curl -s -X POST http://127.0.0.1:7878/login -H 'Content-Type: application/json' -d '{"username":"alice","password":"wonderland"}'"#,
        );
        assert!(r.from_curl);
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/login"));
        assert_eq!(
            r.headers,
            [("Content-Type".into(), "application/json".into())]
        );
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"username":"alice","password":"wonderland"}"#)
        );
        // Several lines joined with spaces, continuation backslashes left behind.
        let r =
            ok(r#"curl -i http://127.0.0.1:7878/orders \ -H "Authorization: Bearer abc.def.ghi""#);
        assert_eq!(r.method, "GET");
        assert_eq!(r.headers[0].1, "Bearer abc.def.ghi");
        let r = ok(r#"curl --json '{"mode":"shared"}' localhost:7878/admin/mode"#);
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/admin/mode")
        );
        assert_eq!(r.body.as_deref(), Some(r#"{"mode":"shared"}"#));
        let r = ok(r#"curl -b sid=abc http://localhost:7878/me"#);
        assert_eq!(r.headers, [("Cookie".into(), "sid=abc".into())]);
        assert!(request_line("curl -X POST 'http://x/login").is_err());
        assert_eq!(
            request_line("curl -s").unwrap_err(),
            "this curl command has no URL"
        );
    }
}
