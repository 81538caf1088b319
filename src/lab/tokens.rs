//! Signed tokens: the issuer's Ed25519 key, its JWKS, verification with reasons that teach,
//! and the per-login `badge` that lives only inside a token.

use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use hmac::{Hmac, Mac};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::api::Weakness;

pub const ISSUER: &str = "forgetful-lab";
/// The `aud` the lab's tokens carry and its replicas require: the API they are meant for.
pub const AUDIENCE: &str = "forgetful-shop";
/// The file in the data dir that keeps the signing key's 32-byte seed, in hex.
pub const SEED_FILE: &str = "issuer-ed25519.seed";
/// Longest `sub`, `role`, `jti` or `badge` a verifier takes, in characters.
pub const CLAIM_MAX: usize = 64;
/// Clock skew the verifiers forgive on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: i64 = 5;
/// Token lifetime unless configured otherwise: short, because a token cannot be recalled
/// without a denylist.
pub const TOKEN_TTL_SECS: i64 = crate::api::DEFAULT_TOKEN_TTL_SECS as i64;

/// A token's claims as the lab issues them, and as a verifier hands them on once every check
/// held (the payload is read by hand, so that each claim can be refused with its own reason).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: String,
    pub role: String,
    pub iat: i64,
    /// RFC 7519 allows a NumericDate with a fraction; the verifier reads it as whole seconds.
    pub exp: Option<i64>,
    /// Not before: the lab never sets it, but a token that carries one is held to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    pub jti: String,
    pub iss: String,
    /// Who the token is for: this shop.
    pub aud: String,
    pub badge: String,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read or write the issuer key at {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the issuer key at {0} is not 64 hex digits; delete it to make a new one")]
    Malformed(String),
    #[error("key encoding: {0}")]
    Encoding(String),
}

/// The lab's token issuer. All replicas sign with it (as instances of one auth service share a key);
/// they verify only with what they fetched from its JWKS endpoint. It signs with its newest
/// key; `rotate` makes a new one, and a retired key stays in the JWKS until every token it
/// signed has expired.
pub struct Issuer {
    /// Oldest first; the last one signs.
    keys: RwLock<Vec<KeyEntry>>,
    /// From the seed the issuer started with, kept through rotations: a badge names a token
    /// of this run whichever key signed it.
    badge_key: [u8; 32],
    /// Where the signing key's seed is kept, when it is kept (`load_or_create`).
    seed_path: Option<PathBuf>,
}

struct KeyEntry {
    kid: String,
    encoding: EncodingKey,
    public: [u8; 32],
    /// The latest `exp` of any token this key signed (unix seconds): published until then.
    last_exp: AtomicI64,
}

impl KeyEntry {
    fn from_seed(seed: &[u8; 32]) -> Result<Self, KeyError> {
        let signing = SigningKey::from_bytes(seed);
        let der = signing
            .to_pkcs8_der()
            .map_err(|e| KeyError::Encoding(e.to_string()))?;
        let public = signing.verifying_key().to_bytes();
        Ok(KeyEntry {
            kid: hex::encode(&Sha256::digest(public)[..4]),
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            public,
            last_exp: AtomicI64::new(0),
        })
    }
}

/// Most keys the issuer holds at once: rotating faster than tokens expire drops the oldest.
pub const MAX_KEYS: usize = 8;

/// What `rotate` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub old_kid: String,
    pub new_kid: String,
    /// The kids the JWKS lists now, newest first.
    pub published: Vec<String>,
}

impl Issuer {
    /// Loads the key seed from `data_dir/issuer-ed25519.seed`, making one on first use, so tokens
    /// survive a restart of `forgetful serve` just as the SQLite sessions do.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, KeyError> {
        let path = data_dir.join(SEED_FILE);
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        let (seed, loaded) = match std::fs::read_to_string(&path) {
            Ok(text) => (
                hex::decode(text.trim())
                    .ok()
                    .and_then(|v| v.try_into().ok())
                    .ok_or_else(|| KeyError::Malformed(path.display().to_string()))?,
                true,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let seed = super::sessions::random_bytes::<32>();
                std::fs::create_dir_all(data_dir).map_err(io)?;
                write_private(&path, &hex::encode(seed)).map_err(io)?;
                (seed, false)
            }
            Err(e) => return Err(io(e)),
        };
        let mut issuer = Self::from_seed(seed)?;
        if loaded {
            // It may have signed tokens in an earlier run, as long-lived as the lab allows.
            let until = crate::store::now_unix() + *crate::api::TOKEN_TTL_RANGE.end() as i64;
            issuer.current().last_exp.store(until, Ordering::Relaxed);
        }
        issuer.seed_path = Some(path);
        Ok(issuer)
    }

    pub fn from_seed(seed: [u8; 32]) -> Result<Self, KeyError> {
        let key = KeyEntry::from_seed(&seed)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&seed).expect("hmac takes any key length");
        mac.update(b"forgetful badge key");
        Ok(Issuer {
            keys: RwLock::new(vec![key]),
            badge_key: mac.finalize().into_bytes().into(),
            seed_path: None,
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<KeyEntry>> {
        self.keys.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Only for a freshly built issuer (no other reference yet).
    fn current(&mut self) -> &KeyEntry {
        let keys = self.keys.get_mut().unwrap_or_else(|p| p.into_inner());
        keys.last().expect("an issuer always has a key")
    }

    /// The kid of the key that signs now.
    pub fn kid(&self) -> String {
        self.read()
            .last()
            .map(|k| k.kid.clone())
            .unwrap_or_default()
    }

    /// The kids the JWKS lists now, newest first.
    pub fn kids(&self) -> Vec<String> {
        self.published(crate::store::now_unix())
            .into_iter()
            .map(|(kid, _)| kid)
            .collect()
    }

    /// `(kid, public key)` of each key a token that is still valid at `now` may be signed
    /// with, newest first: the signing key, and each retired one until its last token expired
    /// (and the verifiers' leeway passed).
    fn published(&self, now: i64) -> Vec<(String, [u8; 32])> {
        let keys = self.read();
        let n = keys.len();
        keys.iter()
            .enumerate()
            .rev()
            .filter(|(i, k)| *i + 1 == n || k.last_exp.load(Ordering::Relaxed) + LEEWAY_SECS > now)
            .map(|(_, k)| (k.kid.clone(), k.public))
            .collect()
    }

    /// The public keys as a JWKS document.
    pub fn jwks_json(&self) -> String {
        self.jwks_json_at(crate::store::now_unix())
    }

    pub fn jwks_json_at(&self, now: i64) -> String {
        let keys: Vec<serde_json::Value> = self
            .published(now)
            .into_iter()
            .map(|(kid, public)| {
                serde_json::json!({
                    "kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA",
                    "kid": kid, "x": URL_SAFE_NO_PAD.encode(public),
                })
            })
            .collect();
        serde_json::json!({ "keys": keys }).to_string()
    }

    /// Makes a new signing key (kept in the seed file, so a restarted lab signs with it).
    /// The old one stops signing and stays published until its last token expires.
    pub fn rotate(&self) -> Result<Rotation, KeyError> {
        let seed = super::sessions::random_bytes::<32>();
        let key = KeyEntry::from_seed(&seed)?;
        if let Some(path) = &self.seed_path {
            replace_private(path, &hex::encode(seed)).map_err(|source| KeyError::Io {
                path: path.display().to_string(),
                source,
            })?;
        }
        let now = crate::store::now_unix();
        let new_kid = key.kid.clone();
        let old_kid = {
            let mut keys = self.keys.write().unwrap_or_else(|p| p.into_inner());
            let old = keys.last().map(|k| k.kid.clone()).unwrap_or_default();
            keys.push(key);
            // Keys no valid token can name are of no use; past the cap, the oldest go.
            keys.retain(|k| {
                k.kid == new_kid || k.last_exp.load(Ordering::Relaxed) + LEEWAY_SECS > now
            });
            let excess = keys.len().saturating_sub(MAX_KEYS);
            keys.drain(..excess);
            old
        };
        Ok(Rotation {
            old_kid,
            new_kid,
            published: self.kids(),
        })
    }

    /// Issues a token for `user` with the default lifetime; returns it with its claims.
    pub fn issue(&self, user: &str, role: &str, now: i64) -> Result<(String, Claims), KeyError> {
        self.issue_for(user, role, now, TOKEN_TTL_SECS as u64)
    }

    /// Issues a token for `user` that lives `ttl` seconds from `now`.
    pub fn issue_for(
        &self,
        user: &str,
        role: &str,
        now: i64,
        ttl: u64,
    ) -> Result<(String, Claims), KeyError> {
        let jti = URL_SAFE_NO_PAD.encode(super::sessions::random_bytes::<12>());
        let claims = Claims {
            sub: user.to_string(),
            role: role.to_string(),
            iat: now,
            exp: Some(now + ttl as i64),
            nbf: None,
            badge: self.badge_for(&jti),
            jti,
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
        };
        let keys = self.read();
        let key = keys.last().expect("an issuer always has a key");
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &key.encoding)
            .map_err(|e| KeyError::Encoding(e.to_string()))?;
        key.last_exp.fetch_max(now + ttl as i64, Ordering::Relaxed);
        Ok((token, claims))
    }

    /// The badge is a keyed hash of the token id: the lab can recognise it later
    /// from the jti alone, without any replica storing it.
    pub fn badge_for(&self, jti: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.badge_key).expect("hmac takes any key length");
        mac.update(jti.as_bytes());
        let d = mac.finalize().into_bytes();
        let word = BADGE_WORDS[(usize::from(d[0]) << 8 | usize::from(d[1])) % BADGE_WORDS.len()];
        format!("{word}-{:02}", d[2] % 100)
    }
}

/// Replaces the file at `path` with `text` in one step (a private temporary file renamed
/// over it): a crash leaves the old key or the new one, never half of either.
fn replace_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

const BADGE_WORDS: [&str; 64] = [
    "amber", "anchor", "aspen", "badger", "banjo", "basil", "beacon", "biscuit", "bramble",
    "canyon", "cedar", "cobalt", "comet", "copper", "cricket", "dahlia", "delta", "ember",
    "falcon", "fennel", "fjord", "garnet", "ginger", "glacier", "harbor", "hazel", "heron",
    "indigo", "iris", "jasper", "juniper", "kestrel", "lantern", "lichen", "lotus", "maple",
    "marble", "meadow", "nectar", "nimbus", "nutmeg", "oasis", "orchid", "otter", "pebble",
    "pepper", "quartz", "quill", "raven", "saffron", "sequoia", "sparrow", "thistle", "tundra",
    "umber", "velvet", "walnut", "willow", "yarrow", "zephyr", "puffin", "mango", "cactus",
    "lagoon",
];

/// Why a bearer token was refused: the reason goes into the 401 and the journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is not a JWT: it has {0} part(s); a JWT has three, separated by dots")]
    Parts(usize),
    #[error("token header is not base64url")]
    HeaderNotBase64,
    #[error("token header is not a JSON object")]
    HeaderNotJson,
    #[error("token header names no alg")]
    NoAlg,
    #[error("token payload or signature is not base64url JSON")]
    Garbage,
    #[error(
        "token not valid yet: its nbf is {0} s in the future (more than the {LEEWAY_SECS} s leeway)"
    )]
    NotYetValid(i64),
    #[error("alg none is not accepted")]
    AlgNone,
    #[error("alg {0} is not accepted: this issuer signs with EdDSA")]
    WrongAlg(String),
    #[error("token header has no kid, so no key can be chosen to check it")]
    NoKid,
    #[error("unknown kid {0:?}: it is not in the issuer's JWKS")]
    UnknownKid(String),
    #[error("token signature does not verify")]
    BadSignature,
    #[error("token expired {0} s ago (more than the {LEEWAY_SECS} s leeway)")]
    Expired(i64),
    #[error("token has no exp claim: this lab accepts only tokens that expire")]
    NoExp,
    #[error("token has no iss claim: this lab accepts tokens from issuer {ISSUER} only")]
    NoIssuer,
    #[error("token issuer is {0}, not {ISSUER}")]
    WrongIssuer(String),
    #[error("token has no aud claim: this shop accepts only tokens meant for {AUDIENCE}")]
    NoAudience,
    #[error("token audience is {0}, not {AUDIENCE}: it was meant for another service")]
    WrongAudience(String),
    #[error("token claims are malformed: {0}")]
    BadClaims(String),
    #[error("replica has no JWKS yet (the issuer could not be reached)")]
    NoKeys,
    #[error("token header lists critical extensions (crit) this verifier does not understand")]
    Critical,
    #[error("kid {kid:?} names the file {path}, which holds no HMAC key (weakness kid-path is on)")]
    KidPathNoKey { kid: String, path: String },
}

/// The weak verifiers turned on, as a set (one bit each).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Weaknesses(u8);

impl Weaknesses {
    fn bit(w: Weakness) -> u8 {
        1 << Weakness::ALL.iter().position(|x| *x == w).unwrap_or(0)
    }
    pub fn from_bits(bits: u8) -> Self {
        Weaknesses(bits)
    }
    pub fn bits(self) -> u8 {
        self.0
    }
    pub fn contains(self, w: Weakness) -> bool {
        self.0 & Self::bit(w) != 0
    }
    pub fn with(self, w: Weakness, on: bool) -> Self {
        if on {
            Weaknesses(self.0 | Self::bit(w))
        } else {
            Weaknesses(self.0 & !Self::bit(w))
        }
    }
    pub fn list(self) -> Vec<Weakness> {
        Weakness::ALL
            .iter()
            .copied()
            .filter(|w| self.contains(*w))
            .collect()
    }
}

/// Where the kid-path weakness looks for key files. Nothing is read from disk: the path is
/// resolved on paper, and the only file it knows outside this directory is `/dev/null`.
pub const KEY_DIR: &str = "/srv/keys";

/// The file a kid names under the kid-path weakness: joined to [`KEY_DIR`] (an absolute kid
/// replaces it, as `Path::join` does) and normalised, `..` included, like a careless server.
pub fn kid_path(kid: &str) -> String {
    let joined = if kid.starts_with('/') {
        kid.to_string()
    } else {
        format!("{KEY_DIR}/{kid}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The contents of the file at `path`, as far as the kid-path weakness knows files: only
/// `/dev/null`, which is empty. (Reading real files named by a token would let any client
/// make the lab open `/dev/zero` or a FIFO.)
fn kid_path_file(path: &str) -> Option<&'static [u8]> {
    (path == "/dev/null").then_some(&[])
}

/// A token that verified, and the weaknesses it needed to (none for a sound one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub claims: Claims,
    pub let_in_by: Vec<Weakness>,
}

/// What a verifier holds against a token besides its keys: the clock, the leeway, and the
/// weak verifiers it imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Unix seconds.
    pub now: i64,
    /// Seconds of clock skew forgiven on `exp` and `nbf`.
    pub leeway: i64,
    pub weaknesses: Weaknesses,
}

impl Checks {
    /// The lab's checks at `now`: the stated leeway, nothing else forgiven.
    pub fn at(now: i64) -> Self {
        Checks {
            now,
            leeway: LEEWAY_SECS,
            weaknesses: Weaknesses::default(),
        }
    }

    pub fn with_weaknesses(mut self, w: Weaknesses) -> Self {
        self.weaknesses = w;
        self
    }
}

/// One public key from the JWKS.
struct PublicKey {
    kid: String,
    key: DecodingKey,
    /// The JWK's `x` as published, and the bytes it decodes to: what the hs256-public-key
    /// weakness takes for an HMAC secret.
    x: String,
    raw: Vec<u8>,
}

/// What a replica keeps from its JWKS fetch.
pub struct Verifier {
    keys: Vec<PublicKey>,
}

impl Verifier {
    pub fn from_jwks(json: &str) -> Result<Self, String> {
        let set: JwkSet = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let kid = jwk.common.key_id.clone().unwrap_or_default();
            let key = DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
            let x = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::OctetKeyPair(p) => p.x.clone(),
                _ => String::new(),
            };
            let raw = URL_SAFE_NO_PAD.decode(&x).unwrap_or_default();
            keys.push(PublicKey { kid, key, x, raw });
        }
        Ok(Verifier { keys })
    }

    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.kid.as_str()).collect()
    }

    fn key(&self, kid: &str) -> Result<&PublicKey, TokenError> {
        self.keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| TokenError::UnknownKid(crate::api::bounded(kid, 32)))
    }

    /// Checks a token locally, now, soundly: no lookup, no network.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_with(token, &Checks::at(crate::store::now_unix()))
            .map(|v| v.claims)
    }

    /// Checks a token against `checks`: the header (alg pinned to EdDSA, a known kid, no
    /// crit), the signature, then the claims (iss, aud, exp, nbf, sub, role). The first
    /// thing wrong is the reason; nothing in the payload is read before the signature holds.
    /// Each weakness in `checks` opens the one hole its library had, and says so.
    pub fn verify_with(&self, token: &str, checks: &Checks) -> Result<Verified, TokenError> {
        let parts: Vec<&str> = token.split('.').collect();
        let [head, payload, signature] = parts[..] else {
            return Err(TokenError::Parts(parts.len()));
        };
        let header = peek_header(head)?;
        if header.crit.is_some() {
            return Err(TokenError::Critical);
        }
        let signed = &token[..head.len() + 1 + payload.len()];
        let weak = checks.weaknesses;
        let mut let_in_by = Vec::new();
        match header.alg.as_deref() {
            // The library that trusted the header: no signature, no check.
            Some(a) if a.eq_ignore_ascii_case("none") && weak.contains(Weakness::AlgNone) => {
                let_in_by.push(Weakness::AlgNone);
            }
            Some(a) if a.eq_ignore_ascii_case("none") => return Err(TokenError::AlgNone),
            Some("EdDSA") => {
                let kid = header.kid.as_deref().ok_or(TokenError::NoKid)?;
                let key = self.key(kid)?;
                let ok = jsonwebtoken::crypto::verify(
                    signature,
                    signed.as_bytes(),
                    &key.key,
                    Algorithm::EdDSA,
                )
                .map_err(|_| TokenError::Garbage)?;
                if !ok {
                    return Err(TokenError::BadSignature);
                }
            }
            Some("HS256")
                if weak.contains(Weakness::KidPath) || weak.contains(Weakness::Hs256PublicKey) =>
            {
                let_in_by.push(self.weak_hmac(header.kid.as_deref(), signed, signature, weak)?);
            }
            Some(other) => return Err(TokenError::WrongAlg(crate::api::bounded(other, 16))),
            None => return Err(TokenError::NoAlg),
        }
        let payload = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .ok_or(TokenError::Garbage)?;
        let (claims, exp_skipped) = check_claims(&payload, checks)?;
        if exp_skipped {
            let_in_by.push(Weakness::NoExp);
        }
        Ok(Verified { claims, let_in_by })
    }

    /// HS256 the broken ways: with the key file the kid names (kid-path), or with the public
    /// key as the HMAC secret (hs256-public-key). Returns the weakness that let it in.
    fn weak_hmac(
        &self,
        kid: Option<&str>,
        signed: &str,
        signature: &str,
        weak: Weaknesses,
    ) -> Result<Weakness, TokenError> {
        let kid = kid.ok_or(TokenError::NoKid)?;
        let sig = URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .map_err(|_| TokenError::Garbage)?;
        let hmac_ok = |secret: &[u8]| {
            let mut mac =
                Hmac::<Sha256>::new_from_slice(secret).expect("hmac takes any key length");
            mac.update(signed.as_bytes());
            mac.verify_slice(&sig).is_ok()
        };
        let path = kid_path(kid);
        if weak.contains(Weakness::KidPath)
            && let Some(secret) = kid_path_file(&path)
        {
            return if hmac_ok(secret) {
                Ok(Weakness::KidPath)
            } else {
                Err(TokenError::BadSignature)
            };
        }
        if weak.contains(Weakness::Hs256PublicKey) {
            let key = self.key(kid)?;
            return if hmac_ok(key.x.as_bytes()) || hmac_ok(&key.raw) {
                Ok(Weakness::Hs256PublicKey)
            } else {
                Err(TokenError::BadSignature)
            };
        }
        Err(TokenError::KidPathNoKey {
            kid: crate::api::bounded(kid, 32),
            path: crate::api::bounded(&path, 48),
        })
    }
}

/// The claims of a token whose signature held, checked one by one with a reason for each.
/// The flag says the no-exp weakness waved through a missing or past `exp`.
fn check_claims(
    payload: &serde_json::Value,
    checks: &Checks,
) -> Result<(Claims, bool), TokenError> {
    use crate::api::bounded;
    let Some(obj) = payload.as_object() else {
        return Err(TokenError::BadClaims(
            "the payload is not a JSON object".into(),
        ));
    };
    let text = |name: &str| -> Result<Option<String>, TokenError> {
        match obj.get(name) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(TokenError::BadClaims(format!("{name} is not a string"))),
        }
    };
    let date = |name: &str| -> Result<Option<i64>, TokenError> {
        match obj.get(name) {
            None => Ok(None),
            Some(v) => numeric_date_value(v)
                .map(Some)
                .ok_or_else(|| TokenError::BadClaims(format!("{name} is not a NumericDate"))),
        }
    };
    let iss = text("iss")?.ok_or(TokenError::NoIssuer)?;
    if iss != ISSUER {
        return Err(TokenError::WrongIssuer(format!("{:?}", bounded(&iss, 40))));
    }
    // RFC 7519: aud is one string or an array of them; ours must be among them.
    match obj.get("aud") {
        None => return Err(TokenError::NoAudience),
        Some(serde_json::Value::String(a)) if a == AUDIENCE => {}
        Some(serde_json::Value::Array(list)) if list.iter().any(|a| a == AUDIENCE) => {}
        Some(other) => {
            return Err(TokenError::WrongAudience(bounded(&other.to_string(), 60)));
        }
    }
    let exp = date("exp")?;
    let no_exp = checks.weaknesses.contains(Weakness::NoExp);
    let exp_skipped = match exp {
        None if no_exp => true,
        None => return Err(TokenError::NoExp),
        // exp is exclusive (RFC 7519), after the leeway.
        Some(exp) if exp + checks.leeway <= checks.now => {
            if !no_exp {
                return Err(TokenError::Expired(checks.now - exp));
            }
            true
        }
        Some(_) => false,
    };
    let nbf = date("nbf")?;
    if let Some(nbf) = nbf
        && nbf > checks.now + checks.leeway
    {
        return Err(TokenError::NotYetValid(nbf - checks.now));
    }
    let sub = text("sub")?.ok_or_else(|| TokenError::BadClaims("no sub claim".into()))?;
    let role = text("role")?.ok_or_else(|| TokenError::BadClaims("no role claim".into()))?;
    let jti = text("jti")?.unwrap_or_default();
    let badge = text("badge")?.unwrap_or_default();
    // The lab never issues long ones; a forged token (let in by a weakness) must not carry
    // a 300 KB user name into orders, the denylist or an answer.
    for (name, value) in [
        ("sub", &sub),
        ("role", &role),
        ("jti", &jti),
        ("badge", &badge),
    ] {
        if value.chars().count() > CLAIM_MAX {
            return Err(TokenError::BadClaims(format!(
                "{name} is longer than {CLAIM_MAX} characters"
            )));
        }
    }
    let claims = Claims {
        sub,
        role,
        iat: date("iat")?.unwrap_or(0),
        exp,
        nbf,
        jti,
        iss,
        aud: AUDIENCE.to_string(),
        badge,
    };
    Ok((claims, exp_skipped))
}

#[derive(Deserialize)]
struct RawHeader {
    alg: Option<String>,
    kid: Option<String>,
    /// Extensions the token says a verifier must understand; we understand none (RFC 7515 4.1.11).
    crit: Option<serde_json::Value>,
}

fn peek_header(head: &str) -> Result<RawHeader, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(head.trim_end_matches('='))
        .map_err(|_| TokenError::HeaderNotBase64)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::HeaderNotJson)
}

/// A NumericDate: whole seconds, or seconds with a fraction (RFC 7519 allows both).
fn numeric_date_value(v: &serde_json::Value) -> Option<i64> {
    let n = v.as_number()?;
    n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.is_finite() && f.abs() < 1e15)
            .map(|f| f.floor() as i64)
    })
}

/// The `jti` claim read WITHOUT verifying anything: for the journal, so a grader can tell an
/// edited copy of a token from a stranger's. Never used to authenticate.
pub fn peek_jti(token: &str) -> Option<String> {
    let v: serde_json::Value = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    v.get("jti")?.as_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer() -> Issuer {
        Issuer::from_seed([7u8; 32]).unwrap()
    }

    fn verifier(i: &Issuer) -> Verifier {
        Verifier::from_jwks(&i.jwks_json()).unwrap()
    }

    #[test]
    fn issued_token_verifies_and_carries_badge() {
        let i = issuer();
        let (t, c) = i
            .issue("alice", "customer", crate::store::now_unix())
            .unwrap();
        let got = verifier(&i).verify(&t).unwrap();
        assert_eq!(got, c);
        assert_eq!(got.badge, i.badge_for(&got.jti));
        assert_eq!(peek_jti(&t).as_deref(), Some(c.jti.as_str()));
    }

    #[test]
    fn other_key_with_same_kid_fails_signature() {
        let i = issuer();
        let other = Issuer::from_seed([8u8; 32]).unwrap();
        let (t, _) = other
            .issue("alice", "customer", crate::store::now_unix())
            .unwrap();
        // Re-head the forged token with our kid.
        let parts: Vec<&str> = t.split('.').collect();
        let head = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, i.kid()));
        let forged = format!("{head}.{}.{}", parts[1], parts[2]);
        assert_eq!(verifier(&i).verify(&forged), Err(TokenError::BadSignature));
        assert!(matches!(
            verifier(&i).verify(&t),
            Err(TokenError::UnknownKid(_))
        ));
    }

    /// Sign arbitrary claims with the issuer's own key (a token the lab could have issued).
    fn signed(i: &Issuer, claims: serde_json::Value) -> String {
        let keys = i.read();
        let key = keys.last().unwrap();
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        jsonwebtoken::encode(&header, &claims, &key.encoding).unwrap()
    }

    /// Claims as the lab issues them at `now`, with `extra` laid over (null removes one).
    fn claims_at(now: i64, extra: serde_json::Value) -> serde_json::Value {
        let mut c = serde_json::json!({
            "sub": "alice", "role": "customer", "iat": now, "exp": now + 60,
            "jti": "j", "iss": ISSUER, "aud": AUDIENCE, "badge": "b",
        });
        let obj = c.as_object_mut().unwrap();
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                obj.remove(k);
            } else {
                obj.insert(k.clone(), v.clone());
            }
        }
        c
    }

    #[test]
    fn each_claim_is_checked_with_the_stated_leeway_and_its_own_reason() {
        use serde_json::json;
        let i = issuer();
        let v = verifier(&i);
        let now = 2_000_000_000;
        let at = Checks::at(now);
        let check = |extra| {
            v.verify_with(&signed(&i, claims_at(now, extra)), &at)
                .map(|v| v.claims)
        };
        assert!(check(json!({})).is_ok());
        // exp and nbf forgive LEEWAY_SECS of clock skew, and no more.
        assert!(check(json!({"exp": now - LEEWAY_SECS + 1})).is_ok());
        assert_eq!(
            check(json!({"exp": now - LEEWAY_SECS})),
            Err(TokenError::Expired(LEEWAY_SECS))
        );
        assert!(check(json!({"nbf": now + LEEWAY_SECS})).is_ok());
        assert_eq!(
            check(json!({"nbf": now + LEEWAY_SECS + 1})),
            Err(TokenError::NotYetValid(LEEWAY_SECS + 1))
        );
        // A NumericDate may carry a fraction.
        let c = check(json!({"nbf": now - 1, "exp": (now + 60) as f64 + 0.5})).unwrap();
        assert_eq!(c.exp, Some(now + 60));
        assert_eq!(
            check(json!({"exp": (now - 10) as f64 + 0.25})),
            Err(TokenError::Expired(10))
        );
        assert_eq!(check(json!({"exp": null})), Err(TokenError::NoExp));
        assert!(matches!(
            check(json!({"exp": "soon"})),
            Err(TokenError::BadClaims(m)) if m.contains("exp is not a NumericDate")
        ));
        // Who issued it and whom it is for.
        assert_eq!(check(json!({"iss": null})), Err(TokenError::NoIssuer));
        assert_eq!(
            check(json!({"iss": "someone-else"})),
            Err(TokenError::WrongIssuer("\"someone-else\"".into()))
        );
        assert_eq!(check(json!({"aud": null})), Err(TokenError::NoAudience));
        assert!(check(json!({"aud": ["billing", AUDIENCE]})).is_ok());
        for aud in [json!("billing"), json!(["billing"]), json!(7)] {
            let e = check(json!({ "aud": aud })).unwrap_err();
            assert!(matches!(e, TokenError::WrongAudience(_)), "{aud}: {e}");
            assert!(e.to_string().contains("meant for another service"), "{e}");
        }
        assert!(matches!(
            check(json!({"sub": null})),
            Err(TokenError::BadClaims(m)) if m.contains("no sub")
        ));
        assert!(matches!(
            check(json!({"role": ["admin"]})),
            Err(TokenError::BadClaims(m)) if m.contains("role is not a string")
        ));
        // A huge claim costs a short reason, and a long name is no name.
        let e = check(json!({"iss": "i".repeat(100_000)})).unwrap_err();
        assert!(e.to_string().len() < 200, "{} bytes", e.to_string().len());
        assert!(matches!(
            check(json!({"sub": "a".repeat(CLAIM_MAX + 1)})),
            Err(TokenError::BadClaims(m)) if m.contains("sub is longer than 64")
        ));
        assert!(check(json!({"sub": "a".repeat(CLAIM_MAX)})).is_ok());
    }

    #[test]
    fn the_signature_is_checked_before_any_claim() {
        let i = issuer();
        let now = crate::store::now_unix();
        // Wrong issuer and expired, but not signed by this key: the signature is the reason.
        let other = Issuer::from_seed([9u8; 32]).unwrap();
        let bad = other.issue("alice", "customer", 1_000_000).unwrap().0;
        let mut parts: Vec<String> = bad.split('.').map(str::to_string).collect();
        parts[0] = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"EdDSA","kid":"{}"}}"#, i.kid()));
        assert_eq!(
            verifier(&i).verify(&parts.join(".")),
            Err(TokenError::BadSignature)
        );
        let (ok, _) = i.issue("alice", "customer", now).unwrap();
        assert_eq!(verifier(&i).verify(&ok).unwrap().aud, AUDIENCE);
    }

    #[test]
    fn a_retired_key_is_published_until_its_last_token_expires() {
        let i = issuer();
        let now = crate::store::now_unix();
        // Every token of the first key has expired (and the leeway passed): it goes at once.
        i.issue_for("alice", "customer", now - 100, 60).unwrap();
        let first = i.rotate().unwrap();
        assert_eq!(first.published, vec![first.new_kid.clone()]);
        let (live, _) = i.issue("alice", "customer", now).unwrap();
        let second = i.rotate().unwrap();
        assert_eq!(second.old_kid, first.new_kid);
        assert_eq!(
            second.published,
            [second.new_kid.clone(), first.new_kid.clone()]
        );
        assert!(
            verifier(&i).verify(&live).is_ok(),
            "the old key still verifies"
        );
        let (new, _) = i.issue("bob", "admin", now).unwrap();
        assert!(verifier(&i).verify(&new).is_ok());
        // Once its last token is past exp and the leeway, the JWKS drops the old key.
        let later = now + TOKEN_TTL_SECS + LEEWAY_SECS;
        let kids: Vec<String> = Verifier::from_jwks(&i.jwks_json_at(later))
            .unwrap()
            .kids()
            .into_iter()
            .map(str::to_string)
            .collect();
        assert_eq!(kids, vec![second.new_kid.clone()]);
        // However fast the rotations, the issuer holds at most MAX_KEYS.
        for _ in 0..MAX_KEYS + 3 {
            i.issue("bob", "admin", now).unwrap();
            i.rotate().unwrap();
        }
        assert_eq!(i.kids().len(), MAX_KEYS);
    }

    #[test]
    fn a_kid_path_is_resolved_on_paper_like_a_careless_server() {
        for (kid, path) in [
            ("abcd1234", "/srv/keys/abcd1234"),
            ("../../dev/null", "/dev/null"),
            ("../../../../../../dev/null", "/dev/null"),
            ("/dev/null", "/dev/null"),
            ("./a/../b", "/srv/keys/b"),
            ("../../etc/passwd", "/etc/passwd"),
            ("", "/srv/keys"),
        ] {
            assert_eq!(kid_path(kid), path, "{kid}");
        }
        assert_eq!(kid_path_file("/dev/null"), Some(&[][..]));
        assert_eq!(kid_path_file("/dev/zero"), None, "no file is read");
    }

    #[test]
    fn weaknesses_are_a_set() {
        let w = Weaknesses::default()
            .with(Weakness::NoExp, true)
            .with(Weakness::AlgNone, true);
        assert_eq!(w.list(), [Weakness::AlgNone, Weakness::NoExp]);
        assert!(!w.contains(Weakness::KidPath));
        let w = w.with(Weakness::AlgNone, false);
        assert_eq!(w.list(), [Weakness::NoExp]);
        assert_eq!(Weaknesses::from_bits(w.bits()), w);
    }

    #[test]
    fn expired_and_garbage_are_refused() {
        let i = issuer();
        let (t, _) = i.issue("bob", "admin", 1_000_000).unwrap();
        assert!(matches!(
            verifier(&i).verify(&t),
            Err(TokenError::Expired(_))
        ));
        assert_eq!(
            verifier(&i).verify("not a token"),
            Err(TokenError::Parts(1))
        );
        assert_eq!(
            verifier(&i).verify("YWJj.b.c"),
            Err(TokenError::HeaderNotJson)
        );
        assert_eq!(verifier(&i).verify("e30.b.c"), Err(TokenError::NoAlg));
        assert_eq!(
            verifier(&i).verify("!!.b.c"),
            Err(TokenError::HeaderNotBase64)
        );
    }
}
