//! Where a workshop keeps its room: the seats (name, learner-token hash, where the seat's lab
//! runs), each learner's latest record and the instructor's reviews, and a version that goes
//! up with every change. SQLite for one server (a file under the data dir, so a restart keeps
//! the room; or in memory); Redis when more than one server takes learners, each of them
//! seeing the whole room.
//!
//! The store holds the workshop's records as JSON text it does not read: the workshop owns
//! their shape.
//!
//! Redis keys, under `forgetful:room:<room>:` (the room is named by the workshop, from its
//! admin token, so servers with the same token and the same Redis share one room): `seats`
//! (hash: name → seat JSON), `tokens` (hash: token hash → name), `records` and `reviews`
//! (hashes: name → JSON), `version` (a counter).

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::StoreError;

/// One seat, as the room keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSeat {
    pub name: String,
    /// Hex SHA-256 of the learner token.
    pub token_hash: String,
    /// RFC 3339, UTC.
    pub joined_at: String,
    /// Which server runs the seat's lab (its id for this run).
    pub server: String,
    /// The lab's URL as the learner was given it.
    pub lab_url: String,
    /// The lab's source key.
    pub lab_key: String,
}

#[async_trait]
pub trait RoomStore: Send + Sync {
    fn describe(&self) -> String;
    /// Whether other servers may change the room too (then the version is read from here).
    fn shared(&self) -> bool;
    /// Takes the seat's name if nobody holds it; false when it is taken.
    async fn claim(&self, seat: &RoomSeat) -> Result<bool, StoreError>;
    /// Writes the seat again (its lab moved); the name must be held.
    async fn update_seat(&self, seat: &RoomSeat) -> Result<(), StoreError>;
    /// Frees a name (its lab did not start).
    async fn release(&self, name: &str) -> Result<(), StoreError>;
    async fn seat(&self, name: &str) -> Result<Option<RoomSeat>, StoreError>;
    async fn seat_by_token(&self, token_hash: &str) -> Result<Option<RoomSeat>, StoreError>;
    /// Every seat, by name.
    async fn seats(&self) -> Result<Vec<RoomSeat>, StoreError>;
    async fn put_record(&self, name: &str, json: &str) -> Result<(), StoreError>;
    async fn record(&self, name: &str) -> Result<Option<String>, StoreError>;
    async fn records(&self) -> Result<HashMap<String, String>, StoreError>;
    async fn put_reviews(&self, name: &str, json: &str) -> Result<(), StoreError>;
    async fn reviews_of(&self, name: &str) -> Result<Option<String>, StoreError>;
    async fn reviews(&self) -> Result<HashMap<String, String>, StoreError>;
    /// The version after one more change.
    async fn bump(&self) -> Result<u64, StoreError>;
    async fn version(&self) -> Result<u64, StoreError>;
}

/// Which room store a workshop uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomSpec {
    /// `workshop/room.db` under the data dir.
    Sqlite(std::path::PathBuf),
    Memory,
    /// A Redis server, and the room's name in it.
    Redis {
        url: String,
        room: String,
    },
}

pub async fn open_room(spec: &RoomSpec) -> Result<std::sync::Arc<dyn RoomStore>, StoreError> {
    Ok(match spec {
        RoomSpec::Sqlite(path) => std::sync::Arc::new(SqliteRoom::open_file(path)?),
        RoomSpec::Memory => std::sync::Arc::new(SqliteRoom::open_memory()?),
        RoomSpec::Redis { url, room } => std::sync::Arc::new(RedisRoom::connect(url, room).await?),
    })
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS seats (
  name TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, joined_at TEXT NOT NULL,
  server TEXT NOT NULL, lab_url TEXT NOT NULL, lab_key TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (name TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reviews (name TEXT PRIMARY KEY, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS version (id INTEGER PRIMARY KEY CHECK (id = 0), n INTEGER NOT NULL);
INSERT OR IGNORE INTO version (id, n) VALUES (0, 1);
";

/// The room in SQLite: one server's.
pub struct SqliteRoom {
    conn: Mutex<Connection>,
    label: String,
}

impl SqliteRoom {
    pub fn open_file(path: &std::path::Path) -> Result<Self, StoreError> {
        Self::init(
            super::sqlite::open_file(path)?,
            format!("sqlite:{}", path.display()),
        )
    }

    pub fn open_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, "memory".into())
    }

    fn init(conn: Connection, label: String) -> Result<Self, StoreError> {
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteRoom {
            conn: Mutex::new(conn),
            label,
        })
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, StoreError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(f(&conn)?)
    }

    fn pairs(&self, table: &str) -> Result<HashMap<String, String>, StoreError> {
        self.with(|c| {
            c.prepare_cached(&format!("SELECT name, json FROM {table}"))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
    }

    fn one(&self, table: &str, name: &str) -> Result<Option<String>, StoreError> {
        self.with(|c| {
            c.prepare_cached(&format!("SELECT json FROM {table} WHERE name = ?1"))?
                .query_row(params![name], |r| r.get(0))
                .optional()
        })
    }

    fn put(&self, table: &str, name: &str, json: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached(&format!(
                "INSERT OR REPLACE INTO {table} (name, json) VALUES (?1, ?2)"
            ))?
            .execute(params![name, json])
            .map(|_| ())
        })
    }
}

fn seat_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RoomSeat> {
    Ok(RoomSeat {
        name: r.get(0)?,
        token_hash: r.get(1)?,
        joined_at: r.get(2)?,
        server: r.get(3)?,
        lab_url: r.get(4)?,
        lab_key: r.get(5)?,
    })
}

const SEAT_COLUMNS: &str = "name, token_hash, joined_at, server, lab_url, lab_key";

#[async_trait]
impl RoomStore for SqliteRoom {
    fn describe(&self) -> String {
        self.label.clone()
    }
    fn shared(&self) -> bool {
        false
    }
    async fn claim(&self, s: &RoomSeat) -> Result<bool, StoreError> {
        self.with(|c| {
            c.prepare_cached(&format!(
                "INSERT OR IGNORE INTO seats ({SEAT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            ))?
            .execute(params![
                s.name,
                s.token_hash,
                s.joined_at,
                s.server,
                s.lab_url,
                s.lab_key
            ])
            .map(|n| n == 1)
        })
    }
    async fn update_seat(&self, s: &RoomSeat) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached(
                "UPDATE seats SET server = ?2, lab_url = ?3, lab_key = ?4 WHERE name = ?1",
            )?
            .execute(params![s.name, s.server, s.lab_url, s.lab_key])
            .map(|_| ())
        })
    }
    async fn release(&self, name: &str) -> Result<(), StoreError> {
        self.with(|c| {
            c.prepare_cached("DELETE FROM seats WHERE name = ?1")?
                .execute(params![name])
                .map(|_| ())
        })
    }
    async fn seat(&self, name: &str) -> Result<Option<RoomSeat>, StoreError> {
        self.with(|c| {
            c.prepare_cached(&format!("SELECT {SEAT_COLUMNS} FROM seats WHERE name = ?1"))?
                .query_row(params![name], seat_row)
                .optional()
        })
    }
    async fn seat_by_token(&self, token_hash: &str) -> Result<Option<RoomSeat>, StoreError> {
        self.with(|c| {
            c.prepare_cached(&format!(
                "SELECT {SEAT_COLUMNS} FROM seats WHERE token_hash = ?1"
            ))?
            .query_row(params![token_hash], seat_row)
            .optional()
        })
    }
    async fn seats(&self) -> Result<Vec<RoomSeat>, StoreError> {
        self.with(|c| {
            c.prepare_cached(&format!("SELECT {SEAT_COLUMNS} FROM seats ORDER BY name"))?
                .query_map([], seat_row)?
                .collect()
        })
    }
    async fn put_record(&self, name: &str, json: &str) -> Result<(), StoreError> {
        self.put("records", name, json)
    }
    async fn record(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.one("records", name)
    }
    async fn records(&self) -> Result<HashMap<String, String>, StoreError> {
        self.pairs("records")
    }
    async fn put_reviews(&self, name: &str, json: &str) -> Result<(), StoreError> {
        self.put("reviews", name, json)
    }
    async fn reviews_of(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.one("reviews", name)
    }
    async fn reviews(&self) -> Result<HashMap<String, String>, StoreError> {
        self.pairs("reviews")
    }
    async fn bump(&self) -> Result<u64, StoreError> {
        self.with(|c| {
            c.prepare_cached("UPDATE version SET n = n + 1 WHERE id = 0 RETURNING n")?
                .query_row([], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
        })
    }
    async fn version(&self) -> Result<u64, StoreError> {
        self.with(|c| {
            c.prepare_cached("SELECT n FROM version WHERE id = 0")?
                .query_row([], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
        })
    }
}

/// The room in Redis: every server pointed at it with the same admin token shares it.
pub struct RedisRoom {
    conn: ConnectionManager,
    url: String,
    prefix: String,
}

impl RedisRoom {
    pub async fn connect(url: &str, room: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)?;
        let mut conn = ConnectionManager::new(client).await?;
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(RedisRoom {
            conn,
            url: url.to_string(),
            prefix: format!("forgetful:room:{room}:"),
        })
    }

    fn key(&self, what: &str) -> String {
        format!("{}{what}", self.prefix)
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn parse_seat(json: Option<String>) -> Result<Option<RoomSeat>, StoreError> {
        json.map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(StoreError::from)
    }
}

#[async_trait]
impl RoomStore for RedisRoom {
    fn describe(&self) -> String {
        format!("{} ({})", self.url, self.prefix.trim_end_matches(':'))
    }
    fn shared(&self) -> bool {
        true
    }
    async fn claim(&self, s: &RoomSeat) -> Result<bool, StoreError> {
        let json = serde_json::to_string(s)?;
        let mut c = self.conn();
        let taken: bool = c.hset_nx(self.key("seats"), &s.name, json).await?;
        if taken {
            let _: () = c.hset(self.key("tokens"), &s.token_hash, &s.name).await?;
        }
        Ok(taken)
    }
    async fn update_seat(&self, s: &RoomSeat) -> Result<(), StoreError> {
        let json = serde_json::to_string(s)?;
        let _: () = self.conn().hset(self.key("seats"), &s.name, json).await?;
        Ok(())
    }
    async fn release(&self, name: &str) -> Result<(), StoreError> {
        let mut c = self.conn();
        if let Some(seat) = Self::parse_seat(c.hget(self.key("seats"), name).await?)? {
            let _: () = c.hdel(self.key("tokens"), &seat.token_hash).await?;
        }
        let _: () = c.hdel(self.key("seats"), name).await?;
        Ok(())
    }
    async fn seat(&self, name: &str) -> Result<Option<RoomSeat>, StoreError> {
        Self::parse_seat(self.conn().hget(self.key("seats"), name).await?)
    }
    async fn seat_by_token(&self, token_hash: &str) -> Result<Option<RoomSeat>, StoreError> {
        let name: Option<String> = self.conn().hget(self.key("tokens"), token_hash).await?;
        match name {
            Some(n) => self.seat(&n).await,
            None => Ok(None),
        }
    }
    async fn seats(&self) -> Result<Vec<RoomSeat>, StoreError> {
        let all: HashMap<String, String> = self.conn().hgetall(self.key("seats")).await?;
        let mut seats = all
            .into_values()
            .map(|j| serde_json::from_str(&j))
            .collect::<Result<Vec<RoomSeat>, _>>()?;
        seats.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(seats)
    }
    async fn put_record(&self, name: &str, json: &str) -> Result<(), StoreError> {
        let _: () = self.conn().hset(self.key("records"), name, json).await?;
        Ok(())
    }
    async fn record(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn().hget(self.key("records"), name).await?)
    }
    async fn records(&self) -> Result<HashMap<String, String>, StoreError> {
        Ok(self.conn().hgetall(self.key("records")).await?)
    }
    async fn put_reviews(&self, name: &str, json: &str) -> Result<(), StoreError> {
        let _: () = self.conn().hset(self.key("reviews"), name, json).await?;
        Ok(())
    }
    async fn reviews_of(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.conn().hget(self.key("reviews"), name).await?)
    }
    async fn reviews(&self) -> Result<HashMap<String, String>, StoreError> {
        Ok(self.conn().hgetall(self.key("reviews")).await?)
    }
    async fn bump(&self) -> Result<u64, StoreError> {
        Ok(self.conn().incr(self.key("version"), 1u64).await?)
    }
    async fn version(&self) -> Result<u64, StoreError> {
        let v: Option<u64> = self.conn().get(self.key("version")).await?;
        Ok(v.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seat(name: &str, token: &str) -> RoomSeat {
        RoomSeat {
            name: name.into(),
            token_hash: token.into(),
            joined_at: "2026-01-01T10:00:00Z".into(),
            server: "s1".into(),
            lab_url: "http://127.0.0.1:1".into(),
            lab_key: "k".into(),
        }
    }

    #[tokio::test]
    async fn a_name_is_claimed_once_and_records_round_trip() {
        let room = SqliteRoom::open_memory().unwrap();
        assert!(room.claim(&seat("ann", "t1")).await.unwrap());
        assert!(!room.claim(&seat("ann", "t2")).await.unwrap(), "taken");
        assert_eq!(room.seat_by_token("t1").await.unwrap().unwrap().name, "ann");
        let mut moved = seat("ann", "t1");
        moved.server = "s2".into();
        room.update_seat(&moved).await.unwrap();
        assert_eq!(room.seat("ann").await.unwrap().unwrap().server, "s2");
        room.put_record("ann", "{\"a\":1}").await.unwrap();
        room.put_record("ann", "{\"a\":2}").await.unwrap();
        assert_eq!(room.records().await.unwrap()["ann"], "{\"a\":2}");
        let v = room.version().await.unwrap();
        assert_eq!(room.bump().await.unwrap(), v + 1);
        room.release("ann").await.unwrap();
        assert!(room.seats().await.unwrap().is_empty());
        assert!(room.claim(&seat("ann", "t3")).await.unwrap());
    }
}
