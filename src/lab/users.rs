//! Demo users and the shop's orders: durable application data in SQLite, the same in every mode.

use std::path::Path;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::PasswordHasher;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::api::{DEMO_USERS, Role};
use crate::store::{StoreError, now_unix};

/// The shop database: users (with hashed passwords) and orders. Never cleared by a mode switch
/// or a restart: this is data, not conversation state.
pub struct Shop {
    conn: Mutex<Connection>,
    pub path: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Order {
    pub id: i64,
    pub item: String,
    pub created: i64,
}

/// An order with whose it is, for the admin's view of every order.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct UserOrder {
    pub user: String,
    #[serde(flatten)]
    pub order: Order,
}

/// Most orders `GET /orders/all` returns: a page, not the whole table.
pub const ALL_ORDERS_MAX: usize = 200;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS orders (
  id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, item TEXT NOT NULL, created INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS orders_user ON orders(user);
";

impl Shop {
    /// Opens `data_dir/shop.db`, creating the demo users (passwords hashed with Argon2id) once.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join("shop.db");
        let conn = Connection::open(&path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(2))?;
        conn.execute_batch(SCHEMA)?;
        for (name, password, role) in DEMO_USERS {
            let exists: Option<i64> = conn
                .query_row("SELECT 1 FROM users WHERE name = ?1", params![name], |r| {
                    r.get(0)
                })
                .optional()?;
            if exists.is_none() {
                let hash = hasher()
                    .hash_password(password.as_bytes())
                    .expect("argon2 with default parameters cannot fail")
                    .to_string();
                conn.execute(
                    "INSERT INTO users (name, role, password_hash) VALUES (?1, ?2, ?3)",
                    params![name, role, hash],
                )?;
                let now = now_unix();
                for item in ["tea for two", "a pocket watch"] {
                    conn.execute(
                        "INSERT INTO orders (user, item, created) VALUES (?1, ?2, ?3)",
                        params![name, item, now],
                    )?;
                }
            }
        }
        Ok(Shop {
            conn: Mutex::new(conn),
            path: path.display().to_string(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The stored hash and role of `user`.
    pub fn user(&self, name: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .lock()
            .prepare_cached("SELECT password_hash, role FROM users WHERE name = ?1")?
            .query_row(params![name], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    /// The role the user table holds for `name` now (sessions read it at every lookup, so a
    /// role change reaches them on their next request).
    pub fn role(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .lock()
            .prepare_cached("SELECT role FROM users WHERE name = ?1")?
            .query_row(params![name], |r| r.get(0))
            .optional()?)
    }

    /// Sets `name`'s role; returns the role it had, or `None` when there is no such user.
    pub fn set_role(&self, name: &str, role: Role) -> Result<Option<String>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let old: Option<String> = tx
            .query_row(
                "SELECT role FROM users WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?;
        if old.is_some() {
            tx.execute(
                "UPDATE users SET role = ?2 WHERE name = ?1",
                params![name, role.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(old)
    }

    /// Every customer's orders, newest first (at most [`ALL_ORDERS_MAX`]): what an admin sees.
    pub fn all_orders(&self) -> Result<Vec<UserOrder>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, user, item, created FROM orders ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![ALL_ORDERS_MAX as i64], |r| {
            Ok(UserOrder {
                user: r.get(1)?,
                order: Order {
                    id: r.get(0)?,
                    item: r.get(2)?,
                    created: r.get(3)?,
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn orders(&self, user: &str) -> Result<Vec<Order>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, item, created FROM orders WHERE user = ?1 ORDER BY id DESC LIMIT 50",
        )?;
        let rows = stmt.query_map(params![user], |r| {
            Ok(Order {
                id: r.get(0)?,
                item: r.get(1)?,
                created: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn add_order(&self, user: &str, item: &str) -> Result<Order, StoreError> {
        let conn = self.lock();
        let created = now_unix();
        conn.prepare_cached("INSERT INTO orders (user, item, created) VALUES (?1, ?2, ?3)")?
            .execute(params![user, item, created])?;
        Ok(Order {
            id: conn.last_insert_rowid(),
            item: item.to_string(),
            created,
        })
    }
}

/// Argon2id with 7 MiB and 5 passes: one of OWASP's recommended settings, lighter on memory
/// than the crate default (19 MiB) because a lab laptop may run several labs.
fn hasher() -> Argon2<'static> {
    let params = argon2::Params::new(7 * 1024, 5, 1, None).expect("valid argon2 parameters");
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

/// Verifies an Argon2 PHC hash with a caller-owned memory block. Letting the crate allocate
/// its own block per check fragments the heap: the process grew by one block per login.
fn verify_reusing(memory: &mut Vec<argon2::Block>, hash: &str, password: &str) -> bool {
    let Ok(parsed) = argon2::PasswordHash::new(hash) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
        return false;
    };
    let Ok(params) = argon2::Params::try_from(&parsed) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(parsed.algorithm.as_str()) else {
        return false;
    };
    let version = match parsed.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::default());
    }
    let mut out = vec![0u8; expected.len()];
    let argon = Argon2::new(algorithm, version, params);
    argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            salt.as_ref(),
            &mut out,
            &mut memory[..blocks],
        )
        .is_ok()
        && out.len() == expected.as_bytes().len()
        && out
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// A real Argon2 hash of a random password, checked when the username is unknown.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let password = hex::encode(crate::lab::sessions::random_bytes::<16>());
        hasher()
            .hash_password(password.as_bytes())
            .expect("argon2 with fixed parameters cannot fail")
            .to_string()
    })
}

/// Checks passwords on one dedicated thread. Argon2 is slow on purpose and allocates its
/// memory per check; one thread keeps that to one reused block instead of one per blocking
/// worker (which the allocator would keep), and keeps the async threads free.
pub struct PasswordChecker {
    jobs: std::sync::mpsc::Sender<(String, String, tokio::sync::oneshot::Sender<bool>)>,
}

impl PasswordChecker {
    pub fn start() -> Self {
        let (jobs, rx) =
            std::sync::mpsc::channel::<(String, String, tokio::sync::oneshot::Sender<bool>)>();
        std::thread::Builder::new()
            .name("password-check".into())
            .spawn(move || {
                let mut memory = Vec::new();
                for (hash, password, reply) in rx {
                    let _ = reply.send(verify_reusing(&mut memory, &hash, &password));
                }
            })
            .expect("spawning the password thread");
        PasswordChecker { jobs }
    }

    /// Whether `password` matches the stored `hash`.
    pub async fn matches(&self, hash: String, password: String) -> bool {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.jobs.send((hash, password, tx)).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reusing_verifier_agrees_with_the_crate() {
        let hash = hasher().hash_password(b"wonderland").unwrap().to_string();
        let mut memory = Vec::new();
        assert!(verify_reusing(&mut memory, &hash, "wonderland"));
        assert!(!verify_reusing(&mut memory, &hash, "wonderlanD"));
        assert!(!verify_reusing(&mut memory, "not a hash", "wonderland"));
        // A hash made with the crate's defaults (older data dirs) still verifies.
        let old = Argon2::default()
            .hash_password(b"builder")
            .unwrap()
            .to_string();
        assert!(verify_reusing(&mut memory, &old, "builder"));
    }
}
