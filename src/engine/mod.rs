//! The run engine: classifies a plan's items with bounded concurrency and reports every step as
//! a [`RunEvent`]. Shared by the headless `squint run` and the TUI. Owns no terminal and never
//! prints; failed items become results with an error, never a panic or a wrong label.

pub mod events;
mod item;
mod journal_writer;
mod plan;
mod turn;
mod until;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::backend::Backend;
use crate::domain::result::{ErrorKind, ItemError};
use crate::session::{Journal, SessionStatus, record_end};

use journal_writer::JournalWriter;

/// How long items that already have their answer may take to report after a fatal error.
const SETTLE_AFTER_FATAL: Duration = Duration::from_secs(2);

pub use events::RunEvent;
pub use plan::RunPlan;

/// Most images read and checked ahead of a free request slot.
const READ_AHEAD: usize = 4;

/// Controls a running engine from another task: pause, resume, stop.
#[derive(Debug, Clone)]
pub struct RunHandle {
    paused: watch::Sender<bool>,
    cancel: CancellationToken,
}

impl RunHandle {
    /// Stops starting new requests; in-flight ones finish.
    pub fn pause(&self) {
        self.paused.send_replace(true);
    }

    /// Starts sending requests again after a pause.
    pub fn resume(&self) {
        self.paused.send_replace(false);
    }

    /// Ends the run: no new requests; in-flight requests are abandoned (they were not journaled,
    /// so a resume asks them again).
    pub fn stop(&self) {
        self.cancel.cancel();
    }
}

/// Spawns the run on the current tokio runtime. The engine owns the session's life: one
/// writer thread appends results to `journal`, and when the run is over the engine records its
/// end in `session_dir`'s `session.json`, releases the journal (and the session's lock), then
/// sends `RunEvent::Finished`, always the last event.
pub fn spawn(
    plan: RunPlan,
    backend: Backend,
    journal: Journal,
    session_dir: PathBuf,
) -> (RunHandle, mpsc::UnboundedReceiver<RunEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (paused_tx, paused_rx) = watch::channel(false);
    let cancel = CancellationToken::new();
    let handle = RunHandle {
        paused: paused_tx,
        cancel: cancel.clone(),
    };
    tokio::spawn(async move {
        let (writer, written) = JournalWriter::spawn(journal);
        let plan = Arc::new(plan);
        let ending = drive(Arc::clone(&plan), backend, writer, &tx, paused_rx, cancel).await;
        // The answers handed to the cache are committed before anyone hears the run is over.
        if let Some(cache) = plan.cache.clone() {
            let _ = tokio::task::spawn_blocking(move || cache.flush()).await;
        }
        // Every task is over and the writer's last sender is gone: the journal comes back.
        let journal = written.await;
        let status = match ending {
            Ending::Finished => SessionStatus::Finished,
            Ending::Interrupted => SessionStatus::Interrupted,
            Ending::StoppedEarly { .. } => SessionStatus::StoppedEarly,
        };
        let ended = tokio::task::spawn_blocking(move || record_end(&session_dir, status)).await;
        match ended {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let _ = tx.send(RunEvent::Warning(format!(
                    "could not record the end of the run: {e}"
                )));
            }
            Err(e) => tracing::warn!("recording the end of the run failed: {e}"),
        }
        // The session's lock goes with the journal, before anyone hears the run is over.
        drop(journal);
        if let Ending::StoppedEarly {
            answered,
            half_width,
        } = ending
        {
            let _ = tx.send(RunEvent::StoppedEarly {
                answered,
                half_width,
            });
        }
        let _ = tx.send(RunEvent::Finished {
            interrupted: status == SessionStatus::Interrupted,
        });
    });
    (handle, rx)
}

/// How `drive` ended.
enum Ending {
    /// Every item of the plan has a result.
    Finished,
    /// Stopped, aborted or unfinished: a resume asks the rest.
    Interrupted,
    /// `--until-ci` was reached: the estimate rests on `answered` items, with this half width.
    StoppedEarly { answered: u64, half_width: f64 },
}

/// Runs every item (or until `--until-ci` is reached); says how it ended.
async fn drive(
    plan: Arc<RunPlan>,
    backend: Backend,
    journal: JournalWriter,
    tx: &mpsc::UnboundedSender<RunEvent>,
    mut paused: watch::Receiver<bool>,
    cancel: CancellationToken,
) -> Ending {
    let send = |event: RunEvent| {
        // A consumer that went away is not an error: the journal still records everything.
        let _ = tx.send(event);
    };
    send(RunEvent::Started {
        total: plan.items.len(),
        already_done: plan.done.len(),
    });
    let mut pending = Vec::new();
    for (index, item) in plan.items.iter().enumerate() {
        match plan.done.get(&item.rel) {
            Some(result) => send(RunEvent::ItemFinished {
                index,
                result: result.clone(),
                replayed: true,
            }),
            None => pending.push(index),
        }
    }

    let mut until = plan
        .until_ci
        .map(|width| until::UntilCi::new(width, plan.done.values()));
    let mut narrow = until.as_ref().and_then(|u| u.reached());

    let concurrency = plan.concurrency.max(1);
    // Requests in flight are bounded by `slots`; a few more tasks (at most READ_AHEAD) read and
    // check their images ahead, so a freed slot is refilled without waiting on disk, while
    // the images held in memory stay close to the concurrency (large photos at 16 slots).
    let slots = Arc::new(Semaphore::new(concurrency));
    let lookahead = concurrency + concurrency.min(READ_AHEAD);
    let mut tasks = JoinSet::new();
    let mut queue = pending.into_iter();
    let mut turns = turn::TurnQueue::default();
    let mut aborted = false;
    let mut was_paused = false;
    'outer: loop {
        if narrow.is_some() {
            break;
        }
        // Wait while paused (in-flight tasks keep running and reporting).
        while *paused.borrow() {
            if !was_paused {
                was_paused = true;
                send(RunEvent::Paused);
            }
            tokio::select! {
                _ = cancel.cancelled() => break 'outer,
                changed = paused.changed() => if changed.is_err() { break 'outer },
                Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                    match settle(joined, &cancel, &send, &mut until) {
                        Settled::Fatal => { aborted = true; break 'outer; }
                        Settled::Narrow(half) => { narrow = Some(half); break 'outer; }
                        Settled::Going => {}
                    }
                }
            }
        }
        if was_paused {
            was_paused = false;
            send(RunEvent::Resumed);
        }
        if cancel.is_cancelled() {
            break;
        }
        if tasks.len() < lookahead {
            if let Some(index) = queue.next() {
                let ctx = item::ItemContext {
                    plan: Arc::clone(&plan),
                    backend: backend.clone(),
                    journal: journal.clone(),
                    tx: tx.clone(),
                    slots: Arc::clone(&slots),
                    paused: paused.clone(),
                    turn: turns.next_turn(),
                    index,
                };
                tasks.spawn(item::process(ctx));
                continue;
            }
            if tasks.is_empty() {
                break;
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            changed = paused.changed() => if changed.is_err() { break },
            Some(joined) = tasks.join_next() => {
                match settle(joined, &cancel, &send, &mut until) {
                    Settled::Fatal => { aborted = true; break; }
                    Settled::Narrow(half) => { narrow = Some(half); break; }
                    Settled::Going => {}
                }
            }
        }
    }
    let unfinished = queue.len() + tasks.len();
    if aborted {
        // No request starts after a fatal answer (the slots are closed), but an item that
        // already has its answer is journaled: give it a moment to report, so the screen and
        // the journal agree on what was done, before the rest is stopped.
        slots.close();
        let settled = async { while tasks.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(SETTLE_AFTER_FATAL, settled).await;
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    if aborted || cancel.is_cancelled() {
        return Ending::Interrupted;
    }
    match (narrow, &until) {
        (Some(half_width), Some(until)) => Ending::StoppedEarly {
            answered: until.answered(),
            half_width,
        },
        _ if unfinished > 0 => Ending::Interrupted,
        _ => Ending::Finished,
    }
}

/// What a finished task means for the run.
enum Settled {
    /// Keep going.
    Going,
    /// A fatal error: the run was cancelled and `Aborted` sent.
    Fatal,
    /// The accuracy's interval is narrower than `--until-ci` asked: this half width.
    Narrow(f64),
}

/// Handles a finished task: counts it toward `--until-ci`, or cancels the run on a fatal error.
fn settle(
    joined: Result<item::Outcome, tokio::task::JoinError>,
    cancel: &CancellationToken,
    send: &impl Fn(RunEvent),
    until: &mut Option<until::UntilCi>,
) -> Settled {
    match joined {
        Ok(item::Outcome::Done(verdict)) => match until {
            Some(until) => {
                until.record(verdict);
                until.reached().map_or(Settled::Going, Settled::Narrow)
            }
            None => Settled::Going,
        },
        Ok(item::Outcome::Dropped) => Settled::Going,
        Ok(item::Outcome::Fatal(error)) => {
            cancel.cancel();
            send(RunEvent::Aborted { error });
            Settled::Fatal
        }
        Err(e) if e.is_cancelled() => Settled::Going,
        Err(e) => {
            cancel.cancel();
            send(RunEvent::Aborted {
                error: ItemError::new(
                    ErrorKind::Internal,
                    format!("internal error in a classification task: {e}"),
                ),
            });
            Settled::Fatal
        }
    }
}
