//! Refresh tokens: opaque random strings, kept server side as hashes in the session store (so
//! every replica sees them), used once each. A refresh hands out a new access token and a new
//! refresh token of the same family; a refresh token presented twice means someone holds a
//! copy, and revokes the whole family (reuse detection).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::sessions;
use crate::api::{Mode, REFRESH_TTL_SECS};
use crate::store::{RefreshRecord, Store, StoreError, now_unix, now_unix_ms};

/// Why a refresh was refused: the reason goes into the 401 and the journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefreshError {
    #[error("{0} mode: refresh tokens belong to token mode; log in with POST /login")]
    WrongMode(Mode),
    #[error("refresh token unknown: this lab never issued it, or it expired and is gone")]
    Unknown,
    #[error("refresh token expired: log in again")]
    Expired,
    #[error(
        "refresh token already used: someone else holds a copy, so every refresh token of this login (family {family}) is now revoked; log in again"
    )]
    Reused { family: String },
    #[error(
        "refresh token revoked: its family {family} was revoked when one of its refresh tokens was used twice; log in again"
    )]
    FamilyRevoked { family: String },
    #[error(
        "refresh token revoked: every refresh token of {user} issued before the revoke is refused"
    )]
    UserRevoked { user: String },
    #[error("refresh token of {user}, who is no longer in the user table")]
    UserGone { user: String },
}

/// A new family id: one per login, shared by every refresh token rotated from it.
pub fn new_family() -> String {
    URL_SAFE_NO_PAD.encode(sessions::random_bytes::<9>())
}

/// Mints a refresh token of `family` for `user` and keeps its hash in the store.
pub async fn mint(store: &dyn Store, user: &str, family: &str) -> Result<String, StoreError> {
    // 256 bits from the OS, like a session id: a refresh token is a bearer secret too.
    let token = URL_SAFE_NO_PAD.encode(sessions::random_bytes::<32>());
    let rec = RefreshRecord {
        user: user.to_string(),
        family: family.to_string(),
        issued_ms: now_unix_ms(),
        expires: now_unix() + REFRESH_TTL_SECS as i64,
    };
    store.put_refresh(&sessions::hash_id(&token), &rec).await?;
    Ok(token)
}

/// The outcome of presenting a refresh token.
pub enum Presented {
    /// First use of a live token: rotate it.
    Fresh(RefreshRecord),
    /// Refused; `user` is known when the token was.
    Refused {
        error: RefreshError,
        user: Option<String>,
    },
}

/// Checks a presented refresh token and marks it used. A second use revokes its family
/// here, before answering, so the copy's holder and the original's both lose it.
pub async fn present(store: &dyn Store, token: &str) -> Result<Presented, StoreError> {
    let refused = |error, user: &str| Presented::Refused {
        error,
        user: Some(user.to_string()),
    };
    let Some(used) = store.use_refresh(&sessions::hash_id(token)).await? else {
        return Ok(Presented::Refused {
            error: RefreshError::Unknown,
            user: None,
        });
    };
    let rec = used.record;
    if rec.expires <= now_unix() {
        return Ok(refused(RefreshError::Expired, &rec.user));
    }
    if store.family_revoked(&rec.family).await? {
        let family = rec.family.clone();
        return Ok(refused(RefreshError::FamilyRevoked { family }, &rec.user));
    }
    if used.reused {
        // Every token of the family expires within REFRESH_TTL of now: remember that long.
        store
            .revoke_family(&rec.family, now_unix() + REFRESH_TTL_SECS as i64)
            .await?;
        let family = rec.family.clone();
        return Ok(refused(RefreshError::Reused { family }, &rec.user));
    }
    if let Some(before) = store.user_refresh_revoked_before(&rec.user).await?
        && rec.issued_ms <= before
    {
        let user = rec.user.clone();
        return Ok(refused(RefreshError::UserRevoked { user }, &rec.user));
    }
    Ok(Presented::Fresh(rec))
}
