//! The run engine: classifies a plan's items with bounded concurrency and reports every step as
//! a [`RunEvent`]. Shared by the headless `squint run` and the TUI. Owns no terminal and never
//! prints; failed items become results with an error, never a panic or a wrong label.

pub mod events;
mod item;
mod journal_writer;
mod plan;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::backend::Backend;
use crate::domain::result::{ErrorKind, ItemError};
use crate::session::{Journal, SessionStatus, record_end};

use journal_writer::JournalWriter;

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
        let interrupted = drive(Arc::new(plan), backend, writer, &tx, paused_rx, cancel).await;
        // Every task is over and the writer's last sender is gone: the journal comes back.
        let journal = written.await;
        let ended = tokio::task::spawn_blocking(move || {
            let status = if interrupted {
                SessionStatus::Interrupted
            } else {
                SessionStatus::Finished
            };
            record_end(&session_dir, status)
        })
        .await;
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
        let _ = tx.send(RunEvent::Finished { interrupted });
    });
    (handle, rx)
}

/// Runs every item; returns whether the run ended early (stopped, aborted or unfinished).
async fn drive(
    plan: Arc<RunPlan>,
    backend: Backend,
    journal: JournalWriter,
    tx: &mpsc::UnboundedSender<RunEvent>,
    mut paused: watch::Receiver<bool>,
    cancel: CancellationToken,
) -> bool {
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
                    journal: journal.clone(),
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
    aborted || cancel.is_cancelled() || unfinished > 0
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
