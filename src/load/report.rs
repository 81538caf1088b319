//! The run in words and numbers: a line a second, event lines, the summary (also as JSON),
//! and the verdict the lessons care about: who was logged out, and why.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::conn::User;
use super::scenario::Happened;
use super::stats::{Merge, Second};
use super::{LoadArgs, Scenario};
use crate::api::{LabState, Mode, Policy};

/// Everything the summary is made from.
pub struct Run<'a> {
    pub args: &'a LoadArgs,
    /// How long the traffic ran (shorter than asked when stopped early).
    pub duration: std::time::Duration,
    pub url: &'a str,
    pub state: &'a LabState,
    pub total: &'a Merge,
    pub seconds: Vec<Second>,
    pub users: &'a [User],
    pub happened: Vec<Happened>,
    pub restored: Vec<String>,
    pub chat: Option<ChatSummary>,
}

/// The WebSocket chat clients over the run (`--chat K`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ChatSummary {
    pub clients: u32,
    /// Connections a replica ended (a restart or a stop closes its room).
    pub drops: u64,
    /// Connections made again after a drop.
    pub reconnects: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Latency {
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

/// One replica over the whole run.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReplicaRow {
    pub name: String,
    pub requests: u64,
    /// Of all answered requests, 0 to 1.
    pub share: f64,
    /// Users whose login this replica answered.
    pub users_logged_in: usize,
    /// Of those, how many got a 401 later.
    pub users_logged_out: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoggedOut {
    pub user: String,
    pub login_replica: String,
    /// Seconds after traffic started of the user's first 401.
    pub first_401_s: f64,
}

/// `forgetful load`'s result; `--json` prints exactly this.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Summary {
    pub lab: String,
    pub mode: Mode,
    pub policy: Policy,
    pub store: String,
    pub scenario: Scenario,
    pub route: String,
    pub users: usize,
    pub drive: String,
    /// Requests a second asked for (`--rate`), when open loop.
    pub rate: Option<u32>,
    pub connections: u32,
    pub duration_s: f64,
    pub requests: u64,
    pub requests_per_s: f64,
    /// HTTP status → answers.
    pub status: BTreeMap<u16, u64>,
    pub transport_errors: u64,
    pub unauthorized: u64,
    /// Neither 2xx nor 401, or no answer at all.
    pub failed: u64,
    pub latency_ms: Latency,
    pub replicas: Vec<ReplicaRow>,
    /// Users who got a 401 at least once: the lab had lost their login.
    pub users_logged_out: usize,
    pub logged_out: Vec<LoggedOut>,
    pub events: Vec<Happened>,
    /// The outcome in one sentence.
    pub verdict: String,
    /// What was put back afterwards (on a lab that outlives the run).
    pub restored: Vec<String>,
    /// The chat clients, when the run held some.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat: Option<ChatSummary>,
    pub seconds: Vec<Second>,
}

pub fn summarise(run: Run<'_>) -> Summary {
    let Run {
        args,
        duration,
        url,
        state,
        total,
        seconds,
        users,
        happened,
        restored,
        chat,
    } = run;
    let answered: u64 = total.by_replica.values().sum();
    let mut logged_out: Vec<LoggedOut> = users
        .iter()
        .filter_map(|u| {
            Some(LoggedOut {
                user: u.name.clone(),
                login_replica: u.login_replica.clone(),
                first_401_s: u.first_401()?.as_secs_f64(),
            })
        })
        .collect();
    logged_out.sort_by(|a, b| a.first_401_s.total_cmp(&b.first_401_s));
    let mut names: Vec<String> = total.by_replica.keys().cloned().collect();
    for u in users {
        if !names.contains(&u.login_replica) {
            names.push(u.login_replica.clone());
        }
    }
    names.sort();
    let replicas: Vec<ReplicaRow> = names
        .into_iter()
        .map(|name| {
            let requests = total.by_replica.get(&name).copied().unwrap_or(0);
            let here: Vec<&User> = users.iter().filter(|u| u.login_replica == name).collect();
            ReplicaRow {
                share: if answered == 0 {
                    0.0
                } else {
                    requests as f64 / answered as f64
                },
                users_logged_in: here.len(),
                users_logged_out: here.iter().filter(|u| u.first_401().is_some()).count(),
                requests,
                name,
            }
        })
        .collect();
    let duration_s = duration.as_secs_f64().max(1e-3);
    let mut s = Summary {
        lab: url.to_string(),
        mode: state.mode,
        policy: state.policy,
        store: state.store.clone(),
        scenario: args.scenario,
        route: args.route.to_string(),
        users: users.len(),
        drive: args.drive.to_string(),
        rate: match args.drive {
            super::Drive::Rate { rate, .. } => Some(rate),
            super::Drive::Closed { .. } => None,
        },
        connections: args.drive.connections(),
        duration_s,
        requests: total.requests,
        requests_per_s: total.requests as f64 / duration_s,
        status: total.status.clone(),
        transport_errors: total.transport_errors,
        unauthorized: total.unauthorized(),
        failed: total.failed(),
        latency_ms: Latency {
            p50: total.quantile_ms(0.5),
            p90: total.quantile_ms(0.9),
            p99: total.quantile_ms(0.99),
            max: total.max_ms(),
        },
        replicas,
        users_logged_out: logged_out.len(),
        logged_out,
        events: happened,
        verdict: String::new(),
        restored,
        chat,
        seconds,
    };
    s.verdict = verdict(&s, users);
    s
}

/// Who was logged out and why, in the lessons' terms.
fn verdict(s: &Summary, users: &[User]) -> String {
    let n = users.len();
    if s.users_logged_out == 0 {
        let why = match s.mode {
            Mode::Local => {
                "each session stayed in the memory of a replica that kept running and kept getting its user"
            }
            Mode::Shared => "every replica finds each session in the shared store",
            Mode::Token => "every request carries its own signed login, which any replica verifies",
        };
        return format!("no user was logged out ({n} users): {why}");
    }
    let mut per: Vec<String> = s
        .replicas
        .iter()
        .filter(|r| r.users_logged_out > 0)
        .map(|r| {
            if r.users_logged_out == r.users_logged_in {
                format!("all {} who logged in on {}", r.users_logged_in, r.name)
            } else {
                format!(
                    "{} of the {} who logged in on {}",
                    r.users_logged_out, r.users_logged_in, r.name
                )
            }
        })
        .collect();
    if per.is_empty() {
        per.push("users whose login replica is unknown".into());
    }
    let why = match s.mode {
        Mode::Local => {
            "in local mode a session lives only in the memory of the replica that made it, so it went with that replica"
        }
        Mode::Shared => "the shared store did not answer for them, or lost their sessions",
        Mode::Token => "their tokens were refused",
    };
    format!(
        "{} of {n} users were logged out: {}; {why}",
        s.users_logged_out,
        per.join(", ")
    )
}

fn ms(v: Option<f64>) -> String {
    match v {
        Some(v) if v >= 100.0 => format!("{v:.0} ms"),
        Some(v) => format!("{v:.1} ms"),
        None => "-".into(),
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `  5s   812 req/s  a 33% b 34% c 33%  200×800 401×12  p50 1.4 ms  p99 6.2 ms  logged out 3`
pub fn second_line(s: &Second, users: &[User]) -> String {
    let answered: u64 = s.by_replica.values().sum();
    let share: Vec<String> = s
        .by_replica
        .iter()
        .map(|(name, n)| {
            let pct = if answered == 0 {
                0.0
            } else {
                *n as f64 * 100.0 / answered as f64
            };
            format!("{name} {pct:.0}%")
        })
        .collect();
    let mut status: Vec<String> = s
        .status
        .iter()
        .map(|(code, n)| format!("{code}×{n}"))
        .collect();
    if s.transport_errors > 0 {
        status.push(format!("no answer×{}", s.transport_errors));
    }
    let out = users.iter().filter(|u| u.first_401().is_some()).count();
    let mut line = format!(
        "{:>5.0}s {:>7} req/s  {}  {}  p50 {}  p99 {}",
        s.t,
        thousands(s.requests),
        if share.is_empty() {
            "-".to_string()
        } else {
            share.join(" ")
        },
        if status.is_empty() {
            "-".to_string()
        } else {
            status.join(" ")
        },
        ms(s.p50_ms),
        ms(s.p99_ms),
    );
    if out > 0 {
        let _ = write!(line, "  logged out {out}/{}", users.len());
    }
    if let Some(c) = &s.chat {
        let _ = write!(
            line,
            "  chat {} up, {} drops, {} reconnects",
            c.connected, c.drops, c.reconnects
        );
    }
    line
}

pub fn event_line(h: &Happened) -> String {
    format!("{:>5.1}s ▸ {}", h.t, h.what)
}

/// The summary table printed at the end.
pub fn table(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "scenario {} · mode {} · policy {} · store {} · {} users · {} · {:.0} s · {}",
        s.scenario, s.mode, s.policy, s.store, s.users, s.route, s.duration_s, s.drive
    );
    let _ = writeln!(
        o,
        "requests   {} ({:.0}/s)",
        thousands(s.requests),
        s.requests_per_s
    );
    let _ = writeln!(
        o,
        "latency    p50 {}  p90 {}  p99 {}  max {}",
        ms(s.latency_ms.p50),
        ms(s.latency_ms.p90),
        ms(s.latency_ms.p99),
        ms(s.latency_ms.max)
    );
    let mut status: Vec<String> = s
        .status
        .iter()
        .map(|(c, n)| format!("{c} ×{}", thousands(*n)))
        .collect();
    if s.transport_errors > 0 {
        status.push(format!("no answer ×{}", thousands(s.transport_errors)));
    }
    let _ = writeln!(o, "status     {}", status.join("   "));
    if let Some(c) = &s.chat {
        let _ = writeln!(
            o,
            "chat       {} WebSocket clients: {} drops, {} reconnects (a drop is a connection its replica ended)",
            c.clients,
            thousands(c.drops),
            thousands(c.reconnects)
        );
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "{:<8} {:>10} {:>7} {:>8} {:>11}",
        "replica", "requests", "share", "logins", "logged out"
    );
    for r in &s.replicas {
        let _ = writeln!(
            o,
            "{:<8} {:>10} {:>6.1}% {:>8} {:>11}",
            r.name,
            thousands(r.requests),
            r.share * 100.0,
            r.users_logged_in,
            r.users_logged_out
        );
    }
    if !s.events.is_empty() {
        let _ = writeln!(o);
        for e in &s.events {
            let _ = writeln!(o, "event {:>6.1}s  {}", e.t, e.what);
        }
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "{}", s.verdict);
    if !s.restored.is_empty() {
        let _ = writeln!(o, "afterwards: {}", s.restored.join("; "));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_easily() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(ms(Some(1.234)), "1.2 ms");
        assert_eq!(ms(Some(123.4)), "123 ms");
        assert_eq!(ms(None), "-");
    }
}
