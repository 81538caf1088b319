//! Named credential jars: one per user the console logged in as, so testing bob's token
//! never carries alice's `sid` along. A login as `bob` fills (and switches to) the jar `bob`;
//! `J` switches between jars and "no jar"; `x` empties the current one.

use crate::client::Exchange;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jar {
    pub name: String,
    /// The `sid` cookie the lab last set for this user.
    pub sid: Option<String>,
    /// The token the last login as this user returned.
    pub token: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jars {
    pub jars: Vec<Jar>,
    /// `None`: requests go out with no cookie from the console.
    pub current: Option<usize>,
}

/// The name of a jar filled by a response that was not a login with a username.
const UNNAMED: &str = "jar";

impl Jars {
    pub fn current(&self) -> Option<&Jar> {
        self.current.and_then(|i| self.jars.get(i))
    }

    /// The cookie a request carries: the current jar's, or for a login as `user`, that
    /// user's own (a login never carries someone else's session).
    pub fn sid_for(&self, login_as: Option<&str>) -> Option<&str> {
        match login_as {
            Some(user) => self.find(user).and_then(|i| self.jars[i].sid.as_deref()),
            None => self.current()?.sid.as_deref(),
        }
    }

    /// The current jar's token.
    pub fn token(&self) -> Option<&str> {
        self.current()?.token.as_deref()
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.jars.iter().position(|j| j.name == name)
    }

    fn select_or_create(&mut self, name: &str) -> usize {
        let i = self.find(name).unwrap_or_else(|| {
            self.jars.push(Jar {
                name: name.to_string(),
                ..Jar::default()
            });
            self.jars.len() - 1
        });
        self.current = Some(i);
        i
    }

    /// Learns from an answer: a `Set-Cookie: sid` (or its removal) and a `token` field. An
    /// answer to a login as `user` goes to that user's jar and makes it current. Returns a
    /// note when the current jar changed.
    pub fn learn(&mut self, login_as: Option<&str>, x: &Exchange) -> Option<String> {
        let sid = set_sid(x);
        let token = super::token_in(&x.body);
        if sid.is_none() && token.is_none() {
            return None;
        }
        let before = self.current;
        let i = match (login_as, self.current) {
            (Some(user), _) => self.select_or_create(user),
            (None, Some(i)) => i,
            (None, None) => self.select_or_create(UNNAMED),
        };
        let jar = &mut self.jars[i];
        if login_as.is_some() && (200..300).contains(&x.status) {
            // A new login replaces what the jar held: its answer is the whole credential.
            jar.sid = sid.flatten();
            jar.token = token;
        } else {
            if let Some(sid) = sid {
                jar.sid = sid;
            }
            if token.is_some() {
                jar.token = token;
            }
        }
        (before != self.current).then(|| format!("jar {}", jar.name))
    }

    /// The next jar, then "no jar", then the first again.
    pub fn cycle(&mut self) -> String {
        self.current = match self.current {
            None if !self.jars.is_empty() => Some(0),
            Some(i) if i + 1 < self.jars.len() => Some(i + 1),
            _ => None,
        };
        match self.current() {
            Some(j) => format!("jar {}: its cookie goes with each request", j.name),
            None if self.jars.is_empty() => "no jars yet: log in and one is made".into(),
            None => "no jar: requests carry no cookie".into(),
        }
    }

    /// Empties the current jar (its cookie and token).
    pub fn clear_current(&mut self) -> String {
        match self.current.and_then(|i| self.jars.get_mut(i)) {
            Some(j) => {
                j.sid = None;
                j.token = None;
                format!("jar {} emptied: the next request carries no sid", j.name)
            }
            None => "no jar in use: requests carry no cookie".into(),
        }
    }
}

/// The username a request logs in as, when it is `POST /login` with a JSON body.
pub fn login_user(method: &str, path: &str, body: &str) -> Option<String> {
    if !method.eq_ignore_ascii_case("POST") || path.split('?').next() != Some("/login") {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let name = v.get("username")?.as_str()?.trim();
    // Shown in the title: kept short and printable.
    (!name.is_empty()).then(|| crate::api::bounded(name, 24))
}

/// `Some(Some(sid))` when the answer sets `sid`, `Some(None)` when it clears it (logout).
fn set_sid(x: &Exchange) -> Option<Option<String>> {
    let mut out = None;
    for (k, v) in &x.headers {
        if !k.eq_ignore_ascii_case("set-cookie") {
            continue;
        }
        let Ok(c) = cookie::Cookie::parse(v.as_str()) else {
            continue;
        };
        if c.name() != "sid" {
            continue;
        }
        let expired = c
            .max_age()
            .is_some_and(|a| a <= cookie::time::Duration::ZERO);
        out = Some((!c.value().is_empty() && !expired).then(|| c.value().to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn answer(set_cookie: Option<&str>, body: &str) -> Exchange {
        Exchange {
            status: 200,
            headers: set_cookie
                .map(|c| vec![("set-cookie".to_string(), c.to_string())])
                .unwrap_or_default(),
            body: body.into(),
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_login_fills_that_users_jar_and_never_carries_another() {
        let mut j = Jars::default();
        let note = j.learn(
            Some("alice"),
            &answer(Some("sid=A1; HttpOnly; Path=/"), "{}"),
        );
        assert_eq!(note.as_deref(), Some("jar alice"));
        assert_eq!(j.sid_for(None), Some("A1"));
        // Logging in as bob sends no cookie (bob has no jar yet), then switches to bob.
        assert_eq!(j.sid_for(Some("bob")), None);
        j.learn(Some("bob"), &answer(None, r#"{"token":"t.o.k"}"#));
        assert_eq!(j.current().unwrap().name, "bob");
        assert_eq!(j.sid_for(None), None, "alice's sid stays in alice's jar");
        assert_eq!(j.token(), Some("t.o.k"));
        // J: bob → none → alice.
        j.cycle();
        assert_eq!(j.sid_for(None), None);
        assert_eq!(j.cycle(), "jar alice: its cookie goes with each request");
        assert_eq!(j.sid_for(None), Some("A1"));
        // A logout's expired cookie empties the current jar.
        j.learn(None, &answer(Some("sid=; Max-Age=0; Path=/"), "{}"));
        assert_eq!(j.sid_for(None), None);
        assert!(j.clear_current().starts_with("jar alice emptied"));
    }

    #[test]
    fn login_user_reads_only_json_logins() {
        assert_eq!(
            login_user("post", "/login", r#"{"username":"bob","password":"x"}"#).as_deref(),
            Some("bob")
        );
        assert_eq!(login_user("GET", "/login", r#"{"username":"bob"}"#), None);
        assert_eq!(login_user("POST", "/logout", r#"{"username":"bob"}"#), None);
        assert_eq!(login_user("POST", "/login", "username=bob"), None);
    }
}
