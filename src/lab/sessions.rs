//! Credentials on the wire: session ids, their hashes and fingerprints, and what a request carries.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRng;
use sha2::{Digest, Sha256};

use crate::api::CredentialKind;

/// Session lifetime in seconds.
pub const SESSION_TTL_SECS: i64 = 30 * 60;
pub const COOKIE: &str = "sid";

/// Bytes from the operating system's secure random source.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    rand::rngs::SysRng
        .try_fill_bytes(&mut buf)
        .expect("the operating system's random source failed");
    buf
}

/// A new session id: 256 random bits, base64url.
pub fn new_session_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// What stores keep instead of the id: a leaked store does not leak live cookies.
pub fn hash_id(sid: &str) -> String {
    hex::encode(Sha256::digest(sid.as_bytes()))
}

/// A short, safe-to-show name for a credential (a hash prefix, never the secret).
pub fn fingerprint(secret: &str) -> String {
    hex::encode(&Sha256::digest(secret.as_bytes())[..4])
}

/// The last few characters of a session id, the way the lab's reasons quote it.
pub fn tail(sid: &str) -> String {
    let n = sid.chars().count();
    let t: String = sid.chars().skip(n.saturating_sub(4)).collect();
    format!("sid=…{t}")
}

pub fn set_cookie(sid: &str) -> String {
    format!("{COOKIE}={sid}; HttpOnly; SameSite=Lax; Path=/; Max-Age={SESSION_TTL_SECS}")
}

pub fn clear_cookie() -> String {
    format!("{COOKIE}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

/// The credential a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    None,
    Cookie(String),
    Bearer(String),
}

impl Credential {
    pub fn from_headers(headers: &HeaderMap) -> Credential {
        if let Some(auth) = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            let auth = auth.trim();
            if auth.len() > 7 && auth[..7].eq_ignore_ascii_case("bearer ") {
                return Credential::Bearer(auth[7..].trim().to_string());
            }
        }
        match cookie_value(headers, COOKIE) {
            Some(v) if !v.is_empty() => Credential::Cookie(v),
            _ => Credential::None,
        }
    }

    pub fn kind(&self) -> CredentialKind {
        match self {
            Credential::None => CredentialKind::None,
            Credential::Cookie(_) => CredentialKind::Cookie,
            Credential::Bearer(_) => CredentialKind::Bearer,
        }
    }

    pub fn fingerprint(&self) -> Option<String> {
        match self {
            Credential::None => None,
            Credential::Cookie(s) | Credential::Bearer(s) => Some(fingerprint(s)),
        }
    }
}

/// Value of cookie `name` in any `Cookie` header.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// The sid a `Set-Cookie` response header hands out, if any.
pub fn issued_sid(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| cookie::Cookie::parse(v).ok())
        .map(|c| (c.name().to_string(), c.value().to_string()))
        .find(|(k, v)| k == COOKIE && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_long_random_and_hashed() {
        let a = new_session_id();
        let b = new_session_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43); // 32 bytes, base64url without padding
        assert_eq!(hash_id(&a).len(), 64);
        assert_ne!(hash_id(&a), a);
    }

    #[test]
    fn credential_prefers_bearer_and_reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "theme=dark; sid=abc".parse().unwrap());
        assert_eq!(
            Credential::from_headers(&h),
            Credential::Cookie("abc".into())
        );
        h.insert("authorization", "Bearer x.y.z".parse().unwrap());
        assert_eq!(
            Credential::from_headers(&h),
            Credential::Bearer("x.y.z".into())
        );
    }
}
