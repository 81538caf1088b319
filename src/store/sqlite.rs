//! SQLite session store: a file under the data dir, or `:memory:` for `--store memory`.

use std::path::Path;
use std::sync::Mutex;

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::{RefreshRecord, RefreshUse, SessionRecord, Store, StoreError, now_unix};

pub struct SqliteStore {
    // Queries take microseconds; a plain mutex is simpler than a pool and never held across await.
    conn: Mutex<Connection>,
    label: String,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sessions (
  sid_hash TEXT PRIMARY KEY, user TEXT NOT NULL, role TEXT NOT NULL,
  created INTEGER NOT NULL, expires INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user);
CREATE TABLE IF NOT EXISTS denied_tokens (jti TEXT PRIMARY KEY, until INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS revoked_users (user TEXT PRIMARY KEY, before INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_tokens (
  hash TEXT PRIMARY KEY, user TEXT NOT NULL, family TEXT NOT NULL,
  issued_ms INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS revoked_families (family TEXT PRIMARY KEY, until INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS refresh_revoked_users (user TEXT PRIMARY KEY, before_ms INTEGER NOT NULL);
";

/// A SQLite file opened the way every store here wants it: its folder made, WAL, and a
/// short wait on a lock held by another process rather than an error.
pub(crate) fn open_file(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.busy_timeout(std::time::Duration::from_secs(2))?;
    Ok(conn)
}

impl SqliteStore {
    pub fn open_file(path: &Path) -> Result<Self, StoreError> {
        Self::init(open_file(path)?, format!("sqlite:{}", path.display()))
    }

    pub fn open_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, "memory".to_string())
    }

    fn init(conn: Connection, label: String) -> Result<Self, StoreError> {
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            label,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&conn)?)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn describe(&self) -> String {
        self.label.clone()
    }

    async fn put_session(&self, sid_hash: &str, rec: &SessionRecord) -> Result<(), StoreError> {
        let now = now_unix();
        self.with(|c| {
            // Expired sessions can never be used again; drop them as new ones arrive.
            c.prepare_cached("DELETE FROM sessions WHERE expires <= ?1")?
                .execute(params![now])?;
            c.prepare_cached(
                "INSERT OR REPLACE INTO sessions (sid_hash, user, role, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![sid_hash, rec.user, rec.role, rec.created, rec.expires])
            .map(|_| ())
        })
    }

    async fn get_session(&self, sid_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT user, role, created, expires FROM sessions WHERE sid_hash = ?1",
            )?
            .query_row(params![sid_hash], |r| {
                Ok(SessionRecord {
                    user: r.get(0)?,
                    role: r.get(1)?,
                    created: r.get(2)?,
                    expires: r.get(3)?,
                })
            })
            .optional()
        })
    }

    async fn delete_session(&self, sid_hash: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            c.prepare_cached("DELETE FROM sessions WHERE sid_hash = ?1")?
                .execute(params![sid_hash])
                .map(|n| n > 0)
        })
    }

    async fn delete_user_sessions(&self, user: &str) -> Result<u64, StoreError> {
        self.with(|c| {
            c.prepare_cached("DELETE FROM sessions WHERE user = ?1")?
                .execute(params![user])
                .map(|n| n as u64)
        })
    }

    async fn count_sessions(&self) -> Result<u64, StoreError> {
        let now = now_unix();
        self.with(|c| {
            c.prepare_cached("SELECT COUNT(*) FROM sessions WHERE expires > ?1")?
                .query_row(params![now], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
        })
    }

    async fn deny_token(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        let now = now_unix();
        self.with(|c| {
            // Entries past their token's expiry are useless; prune them as we go.
            c.prepare_cached("DELETE FROM denied_tokens WHERE until < ?1")?
                .execute(params![now])?;
            c.prepare_cached("INSERT OR REPLACE INTO denied_tokens (jti, until) VALUES (?1, ?2)")?
                .execute(params![jti, until])
                .map(|_| ())
        })
    }

    async fn token_denied(&self, jti: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT 1 FROM denied_tokens WHERE jti = ?1")?
                .query_row(params![jti], |_| Ok(()))
                .optional()
                .map(|o| o.is_some())
        })
    }

    async fn revoke_user(&self, user: &str, before: i64) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached("INSERT OR REPLACE INTO revoked_users (user, before) VALUES (?1, ?2)")?
                .execute(params![user, before])
                .map(|_| ())
        })
    }

    async fn user_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT before FROM revoked_users WHERE user = ?1")?
                .query_row(params![user], |r| r.get(0))
                .optional()
        })
    }

    async fn put_refresh(&self, hash: &str, rec: &RefreshRecord) -> Result<(), StoreError> {
        let now = now_unix();
        self.with(|c| {
            // An expired refresh token can never be used again; drop them as new ones arrive.
            c.prepare_cached("DELETE FROM refresh_tokens WHERE expires <= ?1")?
                .execute(params![now])?;
            c.prepare_cached(
                "INSERT OR REPLACE INTO refresh_tokens (hash, user, family, issued_ms, expires, used) VALUES (?1, ?2, ?3, ?4, ?5, 0)",
            )?
            .execute(params![hash, rec.user, rec.family, rec.issued_ms, rec.expires])
            .map(|_| ())
        })
    }

    async fn use_refresh(&self, hash: &str) -> Result<Option<RefreshUse>, StoreError> {
        // One connection behind one mutex: the read and the mark cannot interleave with
        // another use of the same token.
        self.with(|c| {
            let found = c
                .prepare_cached(
                    "SELECT user, family, issued_ms, expires, used FROM refresh_tokens WHERE hash = ?1",
                )?
                .query_row(params![hash], |r| {
                    Ok((
                        RefreshRecord {
                            user: r.get(0)?,
                            family: r.get(1)?,
                            issued_ms: r.get(2)?,
                            expires: r.get(3)?,
                        },
                        r.get::<_, i64>(4)? != 0,
                    ))
                })
                .optional()?;
            let Some((record, reused)) = found else {
                return Ok(None);
            };
            if !reused {
                c.prepare_cached("UPDATE refresh_tokens SET used = 1 WHERE hash = ?1")?
                    .execute(params![hash])?;
            }
            Ok(Some(RefreshUse { record, reused }))
        })
    }

    async fn get_refresh(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        self.with(|c| {
            c.prepare_cached(
                "SELECT user, family, issued_ms, expires FROM refresh_tokens WHERE hash = ?1",
            )?
            .query_row(params![hash], |r| {
                Ok(RefreshRecord {
                    user: r.get(0)?,
                    family: r.get(1)?,
                    issued_ms: r.get(2)?,
                    expires: r.get(3)?,
                })
            })
            .optional()
        })
    }

    async fn revoke_family(&self, family: &str, until: i64) -> Result<(), StoreError> {
        let now = now_unix();
        self.with(|c| {
            c.prepare_cached("DELETE FROM revoked_families WHERE until < ?1")?
                .execute(params![now])?;
            c.prepare_cached(
                "INSERT OR REPLACE INTO revoked_families (family, until) VALUES (?1, ?2)",
            )?
            .execute(params![family, until])
            .map(|_| ())
        })
    }

    async fn family_revoked(&self, family: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT 1 FROM revoked_families WHERE family = ?1")?
                .query_row(params![family], |_| Ok(()))
                .optional()
                .map(|o| o.is_some())
        })
    }

    async fn revoke_user_refresh(&self, user: &str, before_ms: i64) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached(
                "INSERT OR REPLACE INTO refresh_revoked_users (user, before_ms) VALUES (?1, ?2)",
            )?
            .execute(params![user, before_ms])
            .map(|_| ())
        })
    }

    async fn user_refresh_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT before_ms FROM refresh_revoked_users WHERE user = ?1")?
                .query_row(params![user], |r| r.get(0))
                .optional()
        })
    }
}
