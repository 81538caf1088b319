//! Redis session store: the fast shared store the lessons recommend for sessions and denylists.
//!
//! Keys: `forgetful:sess:<hash>` (JSON, with a TTL), `forgetful:user:<name>` (set of hashes),
//! `forgetful:deny:<jti>` (TTL until the token's expiry), `forgetful:revoked:<name>`,
//! `forgetful:refresh:<hash>` (JSON, TTL until it expires) with `forgetful:refresh-used:<hash>`
//! beside it once used, `forgetful:family-revoked:<family>` and `forgetful:refresh-revoked:<name>`.

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use super::{RefreshRecord, RefreshUse, SessionRecord, Store, StoreError, now_unix};

pub struct RedisStore {
    // Reconnects by itself when Redis restarts; a plain connection would stay broken.
    conn: ConnectionManager,
    url: String,
}

impl RedisStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)?;
        let mut conn = ConnectionManager::new(client).await?;
        // Fail at start, not at the first login, when the server is not there.
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(RedisStore {
            conn,
            url: url.to_string(),
        })
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }
}

fn ttl(until: i64) -> u64 {
    (until - now_unix()).max(1) as u64
}

#[async_trait]
impl Store for RedisStore {
    fn describe(&self) -> String {
        self.url.clone()
    }

    async fn put_session(&self, sid_hash: &str, rec: &SessionRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(rec)?;
        let mut c = self.conn();
        redis::pipe()
            .set_ex(format!("forgetful:sess:{sid_hash}"), json, ttl(rec.expires))
            .sadd(format!("forgetful:user:{}", rec.user), sid_hash)
            // The per-user index lives as long as the user's newest session.
            .expire(
                format!("forgetful:user:{}", rec.user),
                ttl(rec.expires) as i64,
            )
            .query_async::<()>(&mut c)
            .await?;
        Ok(())
    }

    async fn get_session(&self, sid_hash: &str) -> Result<Option<SessionRecord>, StoreError> {
        let raw: Option<String> = self
            .conn()
            .get(format!("forgetful:sess:{sid_hash}"))
            .await?;
        Ok(match raw {
            Some(s) => Some(serde_json::from_str(&s)?),
            None => None,
        })
    }

    async fn delete_session(&self, sid_hash: &str) -> Result<bool, StoreError> {
        let n: u64 = self
            .conn()
            .del(format!("forgetful:sess:{sid_hash}"))
            .await?;
        Ok(n > 0)
    }

    async fn delete_user_sessions(&self, user: &str) -> Result<u64, StoreError> {
        let mut c = self.conn();
        let set = format!("forgetful:user:{user}");
        let hashes: Vec<String> = c.smembers(&set).await?;
        let mut deleted = 0u64;
        for h in &hashes {
            let n: u64 = c.del(format!("forgetful:sess:{h}")).await?;
            deleted += n;
        }
        let _: u64 = c.del(&set).await?;
        Ok(deleted)
    }

    async fn count_sessions(&self) -> Result<u64, StoreError> {
        let mut c = self.conn();
        let mut iter: redis::AsyncIter<String> = c.scan_match("forgetful:sess:*").await?;
        let mut n = 0u64;
        while let Some(item) = futures_util::StreamExt::next(&mut iter).await {
            item?;
            n += 1;
        }
        Ok(n)
    }

    async fn deny_token(&self, jti: &str, until: i64) -> Result<(), StoreError> {
        let _: () = self
            .conn()
            .set_ex(format!("forgetful:deny:{jti}"), 1, ttl(until))
            .await?;
        Ok(())
    }

    async fn token_denied(&self, jti: &str) -> Result<bool, StoreError> {
        Ok(self.conn().exists(format!("forgetful:deny:{jti}")).await?)
    }

    async fn revoke_user(&self, user: &str, before: i64) -> Result<(), StoreError> {
        let _: () = self
            .conn()
            .set(format!("forgetful:revoked:{user}"), before)
            .await?;
        Ok(())
    }

    async fn user_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.conn().get(format!("forgetful:revoked:{user}")).await?)
    }

    async fn put_refresh(&self, hash: &str, rec: &RefreshRecord) -> Result<(), StoreError> {
        let json = serde_json::to_string(rec)?;
        let _: () = self
            .conn()
            .set_ex(format!("forgetful:refresh:{hash}"), json, ttl(rec.expires))
            .await?;
        Ok(())
    }

    async fn use_refresh(&self, hash: &str) -> Result<Option<RefreshUse>, StoreError> {
        let mut c = self.conn();
        let raw: Option<String> = c.get(format!("forgetful:refresh:{hash}")).await?;
        let Some(raw) = raw else { return Ok(None) };
        let record: RefreshRecord = serde_json::from_str(&raw)?;
        // SET NX is the one atomic step: of two uses, only the first one sets the marker.
        let first: Option<String> = redis::cmd("SET")
            .arg(format!("forgetful:refresh-used:{hash}"))
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(ttl(record.expires))
            .query_async(&mut c)
            .await?;
        Ok(Some(RefreshUse {
            record,
            reused: first.is_none(),
        }))
    }

    async fn get_refresh(&self, hash: &str) -> Result<Option<RefreshRecord>, StoreError> {
        let raw: Option<String> = self.conn().get(format!("forgetful:refresh:{hash}")).await?;
        Ok(match raw {
            Some(s) => Some(serde_json::from_str(&s)?),
            None => None,
        })
    }

    async fn revoke_family(&self, family: &str, until: i64) -> Result<(), StoreError> {
        let _: () = self
            .conn()
            .set_ex(format!("forgetful:family-revoked:{family}"), 1, ttl(until))
            .await?;
        Ok(())
    }

    async fn family_revoked(&self, family: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn()
            .exists(format!("forgetful:family-revoked:{family}"))
            .await?)
    }

    async fn revoke_user_refresh(&self, user: &str, before_ms: i64) -> Result<(), StoreError> {
        let _: () = self
            .conn()
            .set(format!("forgetful:refresh-revoked:{user}"), before_ms)
            .await?;
        Ok(())
    }

    async fn user_refresh_revoked_before(&self, user: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .conn()
            .get(format!("forgetful:refresh-revoked:{user}"))
            .await?)
    }
}
