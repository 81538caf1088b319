//! Carrying out the workspace's effects: progress writes (each one an atomic
//! reread-change-write through the `ProgressPort`), grading with the rubric, service checks
//! over HTTP with a client tagged `grader`, and debounce timers. They run on the progress
//! thread, off the event loop, with what they need from the state copied into [`Needs`].

use crate::client::LabClient;
use crate::grade::{checks, rubric};
use crate::tui::action::Action;
use crate::tui::progress_port::ProgressPort;
use crate::tui::state::State;

use super::{WorkAction, WorkEffect};

/// What an effect reads from the app's state, copied when it is issued (the effect runs
/// later, on another thread).
pub struct Needs {
    pub def: Option<std::sync::Arc<crate::course::problem::Problem>>,
    pub run_id: Option<String>,
    pub client: Option<LabClient>,
}

impl Needs {
    pub fn of(fx: &WorkEffect, state: &State, client: Option<&LabClient>) -> Needs {
        let problem = match fx {
            WorkEffect::Load(p) | WorkEffect::Grade { problem: p, .. } => Some(p.as_str()),
            _ => None,
        };
        Needs {
            def: problem.and_then(|p| state.work.def(p)).cloned(),
            run_id: state.lab.state.as_ref().map(|st| st.run_id.clone()),
            client: client.cloned(),
        }
    }
}

/// Runs one effect; results come back through `send` (from spawned tasks too).
pub fn run<F>(fx: WorkEffect, needs: Needs, progress: &mut dyn ProgressPort, send: F)
where
    F: Fn(Action) + Send + Sync + Clone + 'static,
{
    let back = |a: WorkAction| Action::Work(a);
    match fx {
        WorkEffect::Load(problem) => {
            let record = progress.problem_record(&problem);
            let verdict = needs
                .def
                .as_ref()
                .zip(record.last_answer.as_deref())
                .map(|(def, text)| rubric::grade(def, text));
            send(back(WorkAction::Loaded {
                problem,
                record,
                verdict,
            }));
        }
        WorkEffect::SaveDraft { problem, text } => {
            if let Err(e) = progress.save_draft(&problem, &text) {
                tracing::warn!("saving the draft of {problem}: {e:#}");
                send(back(WorkAction::Failed(format!(
                    "could not save the draft: {e:#}"
                ))));
            }
        }
        WorkEffect::Grade { problem, text } => {
            let Some(def) = needs.def.as_ref() else {
                return;
            };
            let verdict = rubric::grade(def, &text);
            if let Err(e) = progress.record_answer(&problem, &text, verdict.clone()) {
                tracing::warn!("recording the answer to {problem}: {e:#}");
                send(back(WorkAction::Failed(format!(
                    "graded, but could not record it: {e:#}"
                ))));
            }
            let may_self_assess = progress.problem_record(&problem).may_self_assess;
            send(back(WorkAction::Graded {
                problem,
                verdict,
                may_self_assess,
            }));
        }
        WorkEffect::SelfAssess {
            problem,
            model_answer,
        } => match progress.self_assess(&problem, &model_answer) {
            Ok(()) => send(back(WorkAction::SelfAssessed { problem })),
            Err(e) => send(back(WorkAction::Failed(format!(
                "could not record the self-assessment: {e:#}"
            )))),
        },
        WorkEffect::UseHint { problem, total } => match progress.use_hint(&problem, total) {
            Ok(Some((n, _))) => send(back(WorkAction::HintTaken { problem, n })),
            Ok(None) => {}
            Err(e) => tracing::warn!("recording a hint for {problem}: {e:#}"),
        },
        WorkEffect::RecordServicePass { problem, evidence } => {
            if let Err(e) = progress.record_service_pass(&problem, evidence) {
                tracing::warn!("recording the service pass of {problem}: {e:#}");
                send(back(WorkAction::Failed(format!(
                    "the lab half passed, but could not record it: {e:#}"
                ))));
            }
        }
        WorkEffect::SetCheckMark {
            problem,
            run_id,
            after,
        } => {
            if let Err(e) = progress.set_check_mark(&problem, &run_id, after) {
                tracing::warn!("starting {problem}'s check afresh: {e:#}");
                send(back(WorkAction::Failed(format!(
                    "could not start the check afresh: {e:#}"
                ))));
            }
        }
        WorkEffect::RunCheck {
            problem,
            check,
            claim,
        } => {
            let client = needs.client.as_ref();
            let Some(base) = client.map(|c| c.base().to_string()) else {
                send(back(WorkAction::Checked {
                    problem,
                    result: Err("the lab is not reachable yet".into()),
                }));
                return;
            };
            let since = needs
                .run_id
                .as_deref()
                .and_then(|run| progress.check_mark(&problem, run))
                .unwrap_or(0);
            // The app's own client (with the lab's key), tagging its probes `grader` so they
            // do not trigger another check.
            let grader = match client {
                Some(c) => c.as_source("grader"),
                None => LabClient::new(&base, "grader"),
            };
            tokio::spawn(async move {
                let result = checks::run(check, &grader, since, claim.as_deref())
                    .await
                    .map_err(|e| e.to_string());
                send(back(WorkAction::Checked { problem, result }));
            });
        }
        WorkEffect::After(delay, action) => {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                send(back(*action));
            });
        }
    }
}
