//! The run engine: classifies a plan's items with bounded concurrency and reports every step as
//! a [`RunEvent`]. Shared by the headless `squint run` and the TUI. Owns no terminal and never
//! prints; failed items become results with an error, never a panic or a wrong label.

mod drive;
pub mod events;
mod hosts;
mod item;
mod journal_writer;
mod plan;
mod reader;
mod until;

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::domain::result::ItemError;
use crate::session::{Journal, SessionStatus, record_end};

use drive::{Ending, drive};
use journal_writer::JournalWriter;

pub use events::{HostShare, RunEvent};
pub use hosts::Server;
pub use plan::{HEADLESS_JOURNAL_WINDOW, RunPlan, WATCHED_JOURNAL_WINDOW};

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
/// writer thread appends results to `journal` (and reports each item finished once it is
/// written), and when the run is over the engine records its
/// end in `session_dir`'s `session.json`, releases the journal (and the session's lock), then
/// sends `RunEvent::Finished`, always the last event.
pub fn spawn(
    plan: RunPlan,
    servers: Vec<Server>,
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
        let plan = Arc::new(plan);
        let pool = hosts::HostPool::new(servers);
        // A server that did not answer at start joins once it does.
        for host in pool.out_of_rotation() {
            pool.recheck_later(
                host,
                plan.model.clone(),
                plan.model_digest.clone(),
                tx.clone(),
            );
        }
        let several = pool.is_several();
        let (writer, written) =
            JournalWriter::spawn(journal, plan.journal_window, tx.clone(), Arc::clone(&pool));
        let mut faults = written.faults;
        let ending = drive(
            Arc::clone(&plan),
            Arc::clone(&pool),
            writer,
            &mut faults,
            &tx,
            paused_rx,
            cancel,
        )
        .await;
        if several {
            let _ = tx.send(RunEvent::Hosts(pool.shares()));
        }
        // The answers handed to the cache are committed before anyone hears the run is over.
        flush_cache(&plan).await;
        // Every task is over and the writer's last sender is gone: the journal comes back
        // once every result queued is written and reported.
        let journal = written.journal.await;
        let ending = last_batch_written(ending, &mut faults, &tx);
        let status = session_status(&ending);
        record_end_of_run(session_dir, status, &tx).await;
        // The session's lock goes with the journal, before anyone hears the run is over.
        drop(journal);
        announce_end(&ending, status, &tx);
    });
    (handle, rx)
}

/// Commits the answers handed to the cache.
async fn flush_cache(plan: &RunPlan) {
    if let Some(cache) = plan.cache.clone() {
        let _ = tokio::task::spawn_blocking(move || cache.flush()).await;
    }
}

/// The ending once the writer is done: a write of the last batch (after the loop ended) that
/// failed aborts the run as a failed write during it does, unless the run was aborted already.
fn last_batch_written(
    ending: Ending,
    faults: &mut mpsc::UnboundedReceiver<ItemError>,
    tx: &mpsc::UnboundedSender<RunEvent>,
) -> Ending {
    if matches!(ending, Ending::Aborted) {
        return ending;
    }
    match faults.try_recv() {
        Ok(error) => {
            let _ = tx.send(RunEvent::Aborted { error });
            Ending::Aborted
        }
        Err(_) => ending,
    }
}

/// What the session records for how the run ended.
fn session_status(ending: &Ending) -> SessionStatus {
    match ending {
        Ending::Finished => SessionStatus::Finished,
        Ending::Interrupted | Ending::Aborted => SessionStatus::Interrupted,
        Ending::StoppedEarly { .. } => SessionStatus::StoppedEarly,
    }
}

/// Writes the run's end into `session.json`; a failure is a warning, never lost results.
async fn record_end_of_run(
    session_dir: PathBuf,
    status: SessionStatus,
    tx: &mpsc::UnboundedSender<RunEvent>,
) {
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
}

/// Sends the last events: `StoppedEarly` when `--until-ci` ended the run, then `Finished`.
fn announce_end(ending: &Ending, status: SessionStatus, tx: &mpsc::UnboundedSender<RunEvent>) {
    if let Ending::StoppedEarly {
        answered,
        half_width,
    } = *ending
    {
        let _ = tx.send(RunEvent::StoppedEarly {
            answered,
            half_width,
        });
    }
    let _ = tx.send(RunEvent::Finished {
        interrupted: status == SessionStatus::Interrupted,
    });
}
