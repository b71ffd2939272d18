//! The one writer of a run's results journal, and the one reporter of finished items: a
//! blocking thread fed by a channel, so no tokio worker ever waits on a file. It gathers what
//! was queued within [`WINDOW`], appends it in one write, and only then reports each of those
//! items finished, in the order they were queued ("finished" always means "on disk"). A write
//! that fails is handed to the engine, which stops the run; its items are not reported.
//! Never reorders, drops or rewrites a result; hands the journal back when the run is over.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::Duration;

use tokio::sync::mpsc;

use super::RunEvent;
use super::hosts::HostPool;
use crate::domain::result::{ErrorKind, ItemError, ItemResult};
use crate::session::{Journal, SessionError};

/// How long the writer gathers results after the first one before writing them: one write
/// and one wake-up of the run's consumer per batch instead of per result, while a result
/// still shows well within a frame of the workbench.
const WINDOW: Duration = Duration::from_millis(10);

type Queued = (usize, ItemResult);

/// Sends results to the writer thread. Cheap to clone; the thread ends (after writing and
/// reporting what was queued) when every clone is dropped.
#[derive(Debug, Clone)]
pub(super) struct JournalWriter {
    tx: Sender<Queued>,
}

/// What the engine keeps of the writer: the journal when it ends, and its failed writes.
pub(super) struct Written {
    /// Yields the journal back once every result queued is written and reported.
    pub journal: tokio::task::JoinHandle<Journal>,
    /// A failed write, each time one fails.
    pub faults: mpsc::UnboundedReceiver<ItemError>,
}

impl JournalWriter {
    /// Starts the writer thread on `journal`, reporting to `events` (and each server's share
    /// after each batch when `pool` has several).
    pub(super) fn spawn(
        journal: Journal,
        events: mpsc::UnboundedSender<RunEvent>,
        pool: Arc<HostPool>,
    ) -> (JournalWriter, Written) {
        let (tx, rx) = channel::<Queued>();
        let (fault_tx, faults) = mpsc::unbounded_channel();
        let thread = tokio::task::spawn_blocking(move || {
            let mut journal = journal;
            write_until_closed(&mut journal, &rx, &events, &pool, &fault_tx);
            journal
        });
        (
            JournalWriter { tx },
            Written {
                journal: thread,
                faults,
            },
        )
    }

    /// Queues `result` of plan item `index` (results are written and reported in the order
    /// they are queued); false when the writer is gone (nothing will be written).
    pub(super) fn queue(&self, index: usize, result: ItemResult) -> bool {
        self.tx.send((index, result)).is_ok()
    }
}

/// The error a run gets when its writer is gone.
pub(super) fn writer_gone() -> ItemError {
    ItemError::new(
        ErrorKind::Journal,
        "cannot write results: the journal writer stopped",
    )
}

fn write_until_closed(
    journal: &mut Journal,
    rx: &Receiver<Queued>,
    events: &mpsc::UnboundedSender<RunEvent>,
    pool: &HostPool,
    faults: &mpsc::UnboundedSender<ItemError>,
) {
    while let Ok(first) = rx.recv() {
        // Results queued meanwhile join this batch without waking this thread.
        std::thread::sleep(WINDOW);
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        if let Err(e) = journal.append_all(batch.iter().map(|(_, result)| result)) {
            let _ = faults.send(write_error(&e));
            continue;
        }
        for (index, result) in batch {
            // A consumer that went away is not an error: the journal holds everything.
            let _ = events.send(RunEvent::ItemFinished {
                index,
                result,
                replayed: false,
            });
        }
        if pool.is_several() {
            let _ = events.send(RunEvent::Hosts(pool.shares()));
        }
    }
}

fn write_error(e: &SessionError) -> ItemError {
    // A full disk is not a server problem: it gets its own kind (and exit code).
    let (kind, hint) = if e.is_disk_full() {
        (
            ErrorKind::DiskFull,
            "; there is no room to write the session (disk full, over quota or past a file-size limit): free space, then resume",
        )
    } else {
        (ErrorKind::Journal, "")
    };
    ItemError::new(kind, format!("cannot write results: {e}{hint}"))
}
