//! Runs the pane's load off the event loop: the engine of `forgetful load` against the app's
//! lab, one run after the other, each second sent back as an action.

use crate::client::LabClient;
use crate::load::{self, StopRun, Update};
use crate::tui::action::Action;

use super::{LoadAction, LoadEffect};

/// The run under way, so `Stop` (or quitting) can end it.
#[derive(Default)]
pub struct Runner {
    stop: Option<StopRun>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Runner {
    pub fn run(
        &mut self,
        e: LoadEffect,
        client: Option<&LabClient>,
        send: impl Fn(Action) + Send + Sync + 'static,
    ) {
        match e {
            LoadEffect::Stop => self.stop(),
            LoadEffect::Start { generation, runs } => {
                self.stop();
                let Some(c) = client else {
                    send(Action::Load(LoadAction::Finished { generation }));
                    return;
                };
                let (url, key) = (c.base().to_string(), c.key().map(str::to_string));
                let stop = StopRun::new();
                self.stop = Some(stop.clone());
                self.task = Some(tokio::spawn(async move {
                    for (run, args) in runs.iter().enumerate() {
                        if stop.is_cancelled() {
                            break;
                        }
                        send(Action::Load(LoadAction::Begin {
                            generation,
                            run,
                            unix_ms: unix_ms(),
                        }));
                        // The lab outlives the run: what it changes is put back (restore).
                        let result =
                            load::run_until(args, &url, key.clone(), true, &stop, &mut |u| {
                                if matches!(u, Update::Started { .. } | Update::Second { .. }) {
                                    send(Action::Load(LoadAction::Update {
                                        generation,
                                        run,
                                        update: Box::new(u),
                                    }));
                                }
                            })
                            .await;
                        send(Action::Load(LoadAction::Done {
                            generation,
                            run,
                            result: result.map(Box::new).map_err(|e| e.to_string()),
                        }));
                    }
                    send(Action::Load(LoadAction::Finished { generation }));
                }));
            }
        }
    }

    /// Stops the run under way; what it changed is put back before its task ends.
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            s.cancel();
        }
    }

    /// Stops the run and waits (a few seconds at most) for the lab to be put back.
    pub async fn finish(&mut self) {
        self.stop();
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
        }
    }
}

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
