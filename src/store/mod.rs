//! Where shared login state lives: one trait, SQLite (file or memory) and Redis behind it.
//!
//! Only hashes of session ids are ever stored; the id itself exists only in the cookie.

mod redis_store;
pub mod room;
mod sqlite;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use redis_store::RedisStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("stored record is unreadable: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("cannot create {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("unknown store {0:?}: expected sqlite, memory or redis://HOST:PORT")]
    UnknownSpec(String),
    #[error("no answer within {} ms", STORE_TIMEOUT.as_millis())]
    Timeout,
}

/// Longest a request waits on the session store: a store that is down costs a quick 503,
/// not a hung request.
pub const STORE_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// Every call of an inner store, bounded by [`STORE_TIMEOUT`].
pub struct Timed(pub Arc<dyn Store>);

async fn bounded<T>(
    f: impl std::future::Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    tokio::time::timeout(STORE_TIMEOUT, f)
        .await
        .unwrap_or(Err(StoreError::Timeout))
}

#[async_trait]
impl Store for Timed {
    fn describe(&self) -> String {
        self.0.describe()
    }
    async fn put_session(&self, sid_hash: &str, rec: &SessionRecord) -> Result<(), StoreError> {
        bounded(self.0.put_session(sid_hash, rec)).await
    }
    async fn get_session(&self, sid_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        bounded(self.0.get_session(sid_hash)).await
    }
    async fn delete_session(&self, sid_hash: &str) -> Result<bool, StoreError> {
        bounded(self.0.delete_session(sid_hash)).await
    }
    async fn delete_user_sessions(&self, user: &str) -> Result<u64, StoreError> {
        bounded(self.0.delete_user_sessions(user)).await
    }
    async fn count_sessions(&self) -> Result<u64, StoreError> {
        bounded(self.0.count_sessions()).await
    }
    async fn deny_token(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        bounded(self.0.deny_token(jti, until)).await
    }
    async fn token_denied(&self, jti: &str) -> Result<bool, StoreError> {
        bounded(self.0.token_denied(jti)).await
    }
    async fn revoke_user(&self, user: &str, before: i64) -> Result<(), StoreError> {
        bounded(self.0.revoke_user(user, before)).await
    }
    async fn user_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError> {
        bounded(self.0.user_revoked_before(user)).await
    }
    async fn put_refresh(&self, hash: &str, rec: &RefreshRecord) -> Result<(), StoreError> {
        bounded(self.0.put_refresh(hash, rec)).await
    }
    async fn use_refresh(&self, hash: &str) -> Result<Option<RefreshUse>, StoreError> {
        bounded(self.0.use_refresh(hash)).await
    }
    async fn get_refresh(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        bounded(self.0.get_refresh(hash)).await
    }
    async fn revoke_family(&self, family: &str, until: i64) -> Result<(), StoreError> {
        bounded(self.0.revoke_family(family, until)).await
    }
    async fn family_revoked(&self, family: &str) -> Result<bool, StoreError> {
        bounded(self.0.family_revoked(family)).await
    }
    async fn revoke_user_refresh(&self, user: &str, before_ms: i64) -> Result<(), StoreError> {
        bounded(self.0.revoke_user_refresh(user, before_ms)).await
    }
    async fn user_refresh_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError> {
        bounded(self.0.user_refresh_revoked_before(user)).await
    }
}

/// What a refresh token's hash points at. The token itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub user: String,
    /// Every refresh token descended from one login shares this id; reusing any of them
    /// revokes them all.
    pub family: String,
    /// Unix milliseconds: a revoke of the user refuses every refresh token issued before it.
    pub issued_ms: i64,
    /// Unix seconds.
    pub expires: i64,
}

/// A refresh token presented: its record, and whether it had been presented before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshUse {
    pub record: RefreshRecord,
    /// True when this was not its first use: someone holds a copy (reuse detection).
    pub reused: bool,
}

/// What a session id points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub user: String,
    pub role: String,
    /// Unix seconds.
    pub created: i64,
    /// Unix seconds.
    pub expires: i64,
}

#[async_trait]
pub trait Store: Send + Sync {
    /// `sqlite:/path`, `memory` or `redis://host:port`.
    fn describe(&self) -> String;
    async fn put_session(&self, sid_hash: &str, rec: &SessionRecord) -> Result<(), StoreError>;
    async fn get_session(&self, sid_hash: &str) -> Result<Option<SessionRecord>, StoreError>;
    async fn delete_session(&self, sid_hash: &str) -> Result<bool, StoreError>;
    /// Deletes every session of `user`; returns how many.
    async fn delete_user_sessions(&self, user: &str) -> Result<u64, StoreError>;
    async fn count_sessions(&self) -> Result<u64, StoreError>;
    /// Puts one token id on the denylist until it would have expired anyway.
    async fn deny_token(&self, jti: &str, until: i64) -> Result<(), StoreError>;
    async fn token_denied(&self, jti: &str) -> Result<bool, StoreError>;
    /// Every token of `user` issued at or before `before` (unix seconds) is refused.
    async fn revoke_user(&self, user: &str, before: i64) -> Result<(), StoreError>;
    async fn user_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError>;
    /// Keeps a refresh token (by its hash) until it expires.
    async fn put_refresh(&self, hash: &str, rec: &RefreshRecord) -> Result<(), StoreError>;
    /// Marks a refresh token used, atomically: of two uses, however close, exactly one is
    /// the first. `None` when no such token is kept (never issued, or expired and pruned).
    async fn use_refresh(&self, hash: &str) -> Result<Option<RefreshUse>, StoreError>;
    /// Looks a refresh token up without using it.
    async fn get_refresh(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError>;
    /// Refuses every refresh token of `family` from now on (kept until `until`, unix seconds,
    /// when the family's tokens have all expired anyway).
    async fn revoke_family(&self, family: &str, until: i64) -> Result<(), StoreError>;
    async fn family_revoked(&self, family: &str) -> Result<bool, StoreError>;
    /// Every refresh token of `user` issued before `before_ms` (unix milliseconds) is refused.
    async fn revoke_user_refresh(&self, user: &str, before_ms: i64) -> Result<(), StoreError>;
    async fn user_refresh_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError>;
}

/// Parsed `--store` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreSpec {
    Sqlite,
    Memory,
    Redis(String),
}

impl std::str::FromStr for StoreSpec {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s {
            "sqlite" => Ok(StoreSpec::Sqlite),
            "memory" => Ok(StoreSpec::Memory),
            s if s.starts_with("redis://") => Ok(StoreSpec::Redis(s.to_string())),
            other => Err(StoreError::UnknownSpec(other.to_string())),
        }
    }
}

/// Opens the store `spec` names; the SQLite file goes in `data_dir`.
pub async fn open(spec: &StoreSpec, data_dir: &Path) -> Result<Arc<dyn Store>, StoreError> {
    let inner: Arc<dyn Store> = match spec {
        StoreSpec::Sqlite => Arc::new(SqliteStore::open_file(&data_dir.join("sessions.db"))?),
        StoreSpec::Memory => Arc::new(SqliteStore::open_memory()?),
        StoreSpec::Redis(url) => Arc::new(RedisStore::connect(url).await?),
    };
    Ok(Arc::new(Timed(inner)))
}

pub(crate) fn now_unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
