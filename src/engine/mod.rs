//! The run engine: classifies a plan's items with bounded concurrency and reports every step as
//! a [`RunEvent`]. Shared by the headless `squint run` and the TUI. Owns no terminal and never
//! prints; failed items become results with an error, never a panic or a wrong label.

pub mod events;
mod item;
mod plan;

use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::backend::Backend;
use crate::domain::result::{ErrorKind, ItemError};
use crate::session::Journal;

pub use events::RunEvent;
pub use plan::RunPlan;

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

/// Spawns the run on the current tokio runtime. Events arrive on the returned receiver, ending
/// with `RunEvent::Finished`.
pub fn spawn(
    plan: RunPlan,
    backend: Backend,
    journal: Journal,
) -> (RunHandle, mpsc::UnboundedReceiver<RunEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let (paused_tx, paused_rx) = watch::channel(false);
    let cancel = CancellationToken::new();
    let handle = RunHandle {
        paused: paused_tx,
        cancel: cancel.clone(),
    };
    tokio::spawn(drive(
        Arc::new(plan),
        backend,
        Arc::new(Mutex::new(journal)),
        tx,
        paused_rx,
        cancel,
    ));
    (handle, rx)
}

async fn drive(
    plan: Arc<RunPlan>,
    backend: Backend,
    journal: Arc<Mutex<Journal>>,
    tx: mpsc::UnboundedSender<RunEvent>,
    mut paused: watch::Receiver<bool>,
    cancel: CancellationToken,
) {
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

    let concurrency = plan.concurrency.max(1);
    // Requests in flight are bounded by `slots`; up to `concurrency` more tasks read and
    // decode their images ahead, so a freed slot is refilled without waiting on disk.
    let slots = Arc::new(Semaphore::new(concurrency));
    let lookahead = concurrency * 2;
    let mut tasks = JoinSet::new();
    let mut queue = pending.into_iter();
    let mut aborted = false;
    let mut was_paused = false;
    'outer: loop {
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
                    if fatal(joined, &cancel, &send) { aborted = true; break 'outer; }
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
                    journal: Arc::clone(&journal),
                    tx: tx.clone(),
                    slots: Arc::clone(&slots),
                    paused: paused.clone(),
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
                if fatal(joined, &cancel, &send) { aborted = true; break; }
            }
        }
    }
    let unfinished = queue.len() + tasks.len();
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    send(RunEvent::Finished {
        interrupted: aborted || cancel.is_cancelled() || unfinished > 0,
    });
}

/// Handles a finished task; returns true (after cancelling the run) when it hit a fatal error.
fn fatal(
    joined: Result<item::Outcome, tokio::task::JoinError>,
    cancel: &CancellationToken,
    send: &impl Fn(RunEvent),
) -> bool {
    match joined {
        Ok(item::Outcome::Done) => false,
        Ok(item::Outcome::Fatal(error)) => {
            cancel.cancel();
            send(RunEvent::Aborted { error });
            true
        }
        Err(e) if e.is_cancelled() => false,
        Err(e) => {
            cancel.cancel();
            send(RunEvent::Aborted {
                error: ItemError::new(
                    ErrorKind::Internal,
                    format!("internal error in a classification task: {e}"),
                ),
            });
            true
        }
    }
}
