//! What happens to the lab while the traffic runs: nothing, a replica stopped, each replica
//! restarted in turn, a replica added, or the Redis store paused. Each step goes through
//! `/admin` like any other client's, and is marked on the time line.

use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::LoadError;
use crate::api::LabState;
use crate::client::{LabClient, ReplicaAction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Steady,
    KillOne,
    RollingRestart,
    ScaleOut,
    RedisOutage,
}

impl Scenario {
    pub const ALL: [Scenario; 5] = [
        Scenario::Steady,
        Scenario::KillOne,
        Scenario::RollingRestart,
        Scenario::ScaleOut,
        Scenario::RedisOutage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Steady => "steady",
            Scenario::KillOne => "kill-one",
            Scenario::RollingRestart => "rolling-restart",
            Scenario::ScaleOut => "scale-out",
            Scenario::RedisOutage => "redis-outage",
        }
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::str::FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Scenario::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Scenario::ALL.iter().map(|x| x.as_str()).collect();
                format!("unknown scenario {s:?}: expected {}", names.join(", "))
            })
    }
}

impl Serialize for Scenario {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One thing the scenario does, at a time after traffic started.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub at: Duration,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Stop(String),
    Restart(String),
    Add,
    /// `CLIENT PAUSE` on the lab's Redis: every client of it waits, so the lab's store calls
    /// run into their 500 ms limit, as in an outage.
    PauseRedis {
        url: String,
        pause: Duration,
    },
    /// Only a mark on the time line (the pause ending on its own).
    Mark(String),
}

/// Something that happened during the run, for the lines, the summary and the chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Happened {
    /// Seconds after traffic started.
    pub t: f64,
    pub what: String,
}

/// What to put back after the run, on a lab that outlives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Undo {
    Start(String),
    Remove(String),
}

/// The steps of `scenario` for a run of `duration` on a lab in `state`, or why it cannot run.
pub fn plan(
    scenario: Scenario,
    state: &LabState,
    duration: Duration,
) -> Result<Vec<Step>, LoadError> {
    let up: Vec<&str> = state
        .replicas
        .iter()
        .filter(|r| r.up)
        .map(|r| r.name.as_str())
        .collect();
    let third = duration / 3;
    Ok(match scenario {
        Scenario::Steady => Vec::new(),
        Scenario::KillOne => {
            if up.len() < 2 {
                return Err(LoadError::Scenario(format!(
                    "kill-one needs at least two replicas up, and the lab has {} ({})",
                    up.len(),
                    up.join(", ")
                )));
            }
            // b when it is up (lesson 2 stops b), else the first one up.
            let victim = if up.contains(&"b") { "b" } else { up[0] };
            vec![Step {
                at: third,
                action: Action::Stop(victim.to_string()),
            }]
        }
        Scenario::RollingRestart => {
            if up.is_empty() {
                return Err(LoadError::Scenario(
                    "rolling-restart needs a replica up, and none is".into(),
                ));
            }
            let n = up.len() as u32;
            up.iter()
                .enumerate()
                .map(|(i, name)| Step {
                    at: duration * (i as u32 + 1) / (n + 1),
                    action: Action::Restart(name.to_string()),
                })
                .collect()
        }
        Scenario::ScaleOut => {
            if state.replicas.len() >= crate::api::MAX_REPLICAS {
                return Err(LoadError::Scenario(format!(
                    "scale-out adds a replica, and the lab already runs {}, the most it takes",
                    state.replicas.len()
                )));
            }
            vec![Step {
                at: third,
                action: Action::Add,
            }]
        }
        Scenario::RedisOutage => {
            if !state.store.starts_with("redis://") && !state.store.starts_with("rediss://") {
                return Err(LoadError::NeedsRedis {
                    store: state.store.clone(),
                });
            }
            vec![
                Step {
                    at: third,
                    action: Action::PauseRedis {
                        url: state.store.clone(),
                        pause: third,
                    },
                },
                Step {
                    at: third * 2,
                    action: Action::Mark("Redis answers again (pause over)".into()),
                },
            ]
        }
    })
}

/// Runs the steps on time; reports each as it happens and returns what to undo.
pub async fn perform(
    client: LabClient,
    steps: Vec<Step>,
    started: Instant,
    happened: tokio::sync::mpsc::UnboundedSender<Happened>,
    stop: tokio_util::sync::CancellationToken,
) -> Vec<Undo> {
    let mut undo = Vec::new();
    for step in steps {
        tokio::select! {
            _ = tokio::time::sleep_until(started + step.at) => {}
            // A run stopped early does not do what was still to come.
            _ = stop.cancelled() => break,
        }
        let what = match step.action {
            Action::Stop(name) => match client.replica(&name, ReplicaAction::Stop).await {
                Ok(_) => {
                    undo.push(Undo::Start(name.clone()));
                    format!("stopped replica {name}")
                }
                Err(e) => format!("could not stop replica {name}: {e}"),
            },
            Action::Restart(name) => match client.replica(&name, ReplicaAction::Restart).await {
                Ok(_) => format!("restarted replica {name}"),
                Err(e) => format!("could not restart replica {name}: {e}"),
            },
            Action::Add => {
                let before = client.state().await.ok();
                match client.add_replicas(1).await {
                    Ok(after) => {
                        let added: Vec<String> = after
                            .replicas
                            .iter()
                            .map(|r| r.name.clone())
                            .filter(|n| {
                                before
                                    .as_ref()
                                    .is_some_and(|b| !b.replicas.iter().any(|r| &r.name == n))
                            })
                            .collect();
                        for n in &added {
                            undo.push(Undo::Remove(n.clone()));
                        }
                        format!("added replica {}", added.join(", "))
                    }
                    Err(e) => format!("could not add a replica: {e}"),
                }
            }
            Action::PauseRedis { url, pause } => match pause_redis(&url, pause).await {
                Ok(()) => format!(
                    "Redis paused for {:.1} s (CLIENT PAUSE)",
                    pause.as_secs_f64()
                ),
                Err(e) => format!("could not pause Redis: {e}"),
            },
            Action::Mark(what) => what,
        };
        let _ = happened.send(Happened {
            t: started.elapsed().as_secs_f64(),
            what,
        });
    }
    undo
}

/// Every client of the Redis at `url` (the lab's replicas included) waits for `pause`.
async fn pause_redis(url: &str, pause: Duration) -> Result<(), String> {
    let client = redis::Client::open(url).map_err(|e| e.to_string())?;
    let work = async {
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| e.to_string())?;
        redis::cmd("CLIENT")
            .arg("PAUSE")
            .arg(pause.as_millis() as u64)
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| e.to_string())
    };
    tokio::time::timeout(Duration::from_secs(2), work)
        .await
        .map_err(|_| "Redis did not answer within 2 s".to_string())?
}

/// Puts back what the scenario changed; says what it did.
pub async fn undo(client: &LabClient, undo: Vec<Undo>) -> Vec<String> {
    let mut done = Vec::new();
    for u in undo {
        done.push(match u {
            Undo::Start(name) => match client.replica(&name, ReplicaAction::Start).await {
                Ok(_) => format!("started replica {name} again"),
                Err(e) => format!("could not start replica {name} again: {e}"),
            },
            Undo::Remove(name) => match client.remove_replica(&name).await {
                Ok(_) => format!("removed replica {name} again"),
                Err(e) => format!("could not remove replica {name}: {e}"),
            },
        });
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{AttackerStatus, Mode, Policy, ReplicaStatus};

    fn state(names: &[(&str, bool)], store: &str) -> LabState {
        LabState {
            run_id: String::new(),
            started_at: String::new(),
            balancer_url: String::new(),
            mode: Mode::Local,
            policy: Policy::Sticky,
            store: store.into(),
            store_reachable: true,
            denylist: false,
            attacker: AttackerStatus::default(),
            replicas: names
                .iter()
                .map(|(n, up)| ReplicaStatus {
                    name: n.to_string(),
                    port: 1,
                    url: String::new(),
                    up: *up,
                    local_sessions: 0,
                    served: 0,
                    last_status: None,
                })
                .collect(),
            journal_head: 0,
            revoke_grace_ms: 1000,
        }
    }

    #[test]
    fn each_scenario_plans_its_steps_or_says_why_not() {
        let abc = state(&[("a", true), ("b", true), ("c", true)], "memory");
        let d = Duration::from_secs(12);
        assert_eq!(plan(Scenario::Steady, &abc, d).unwrap(), []);
        assert_eq!(
            plan(Scenario::KillOne, &abc, d).unwrap(),
            [Step {
                at: Duration::from_secs(4),
                action: Action::Stop("b".into())
            }]
        );
        let ac = state(&[("a", true), ("b", false), ("c", true)], "memory");
        assert_eq!(
            plan(Scenario::KillOne, &ac, d).unwrap()[0].action,
            Action::Stop("a".into())
        );
        let one = state(&[("a", true)], "memory");
        let e = plan(Scenario::KillOne, &one, d).unwrap_err().to_string();
        assert!(e.contains("at least two replicas"), "{e}");
        let rolling = plan(Scenario::RollingRestart, &abc, d).unwrap();
        let at: Vec<u64> = rolling.iter().map(|s| s.at.as_secs()).collect();
        assert_eq!(at, [3, 6, 9]);
        assert_eq!(
            plan(Scenario::ScaleOut, &abc, d).unwrap()[0].action,
            Action::Add
        );
        let e = plan(Scenario::RedisOutage, &abc, d)
            .unwrap_err()
            .to_string();
        assert!(e.contains("Redis") && e.contains("memory"), "{e}");
        let redis = state(&[("a", true)], "redis://127.0.0.1:6379");
        assert_eq!(plan(Scenario::RedisOutage, &redis, d).unwrap().len(), 2);
        assert_eq!("kill-one".parse::<Scenario>(), Ok(Scenario::KillOne));
        assert!(
            "explode"
                .parse::<Scenario>()
                .unwrap_err()
                .contains("steady, kill-one")
        );
    }
}
