//! The one writer of a run's results journal, and the one reporter of finished items: a
//! blocking thread fed by a channel, so no tokio worker ever waits on a file. It gathers what
//! is queued within the run's window (`RunPlan::journal_window`, or until the run's last
//! result is queued), appends it in one
//! write, and only then reports each of those items finished, in the order they were queued
//! ("finished" always means "on disk"). A write that fails is handed to the engine, which
//! stops the run; of its items, only those written whole before it failed are reported.
//! Never reorders, drops or rewrites a result; hands the journal back when the run is over.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use super::RunEvent;
use super::hosts::HostPool;
use crate::domain::result::{ErrorKind, ItemError, ItemResult};
use crate::session::{Journal, SessionError};

type Queued = (usize, ItemResult);

/// Sends results to the writer thread. Cheap to clone; the thread ends (after writing and
/// reporting what was queued, at once) when every clone is dropped.
#[derive(Debug, Clone)]
pub(super) struct JournalWriter {
    sending: Arc<Sending>,
}

/// The sending side shared by every clone; dropping it (the last clone) ends the window.
#[derive(Debug)]
struct Sending {
    tx: Sender<Queued>,
    closing: Arc<Closing>,
}

/// Set when nothing more will be queued: the writer stops gathering and writes what it has.
#[derive(Debug)]
struct Closing {
    closed: Mutex<bool>,
    wake: Condvar,
    /// How long the writer gathers results after the first one before writing them: one
    /// write and one wake-up of the run's consumer per batch instead of per result. The last
    /// batch of a run does not wait.
    window: Duration,
}

impl Drop for Sending {
    fn drop(&mut self) {
        *self
            .closing
            .closed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.closing.wake.notify_all();
    }
}

impl Closing {
    /// Waits out the gathering window, or less once the senders are gone.
    fn gather(&self) {
        let closed = self.closed.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = self
            .wake
            .wait_timeout_while(closed, self.window, |closed| !*closed);
    }
}

/// What the engine keeps of the writer: the journal when it ends, and its failed writes.
pub(super) struct Written {
    /// Yields the journal back once every result queued is written and reported.
    pub journal: tokio::task::JoinHandle<Journal>,
    /// A failed write, each time one fails.
    pub faults: mpsc::UnboundedReceiver<ItemError>,
}

impl JournalWriter {
    /// Starts the writer thread on `journal`, gathering results for `window` before each
    /// write, reporting to `events` (and each server's share after each batch when `pool` has
    /// several).
    pub(super) fn spawn(
        journal: Journal,
        window: Duration,
        events: mpsc::UnboundedSender<RunEvent>,
        pool: Arc<HostPool>,
    ) -> (JournalWriter, Written) {
        let (tx, rx) = channel::<Queued>();
        let (fault_tx, faults) = mpsc::unbounded_channel();
        let closing = Arc::new(Closing {
            closed: Mutex::new(false),
            wake: Condvar::new(),
            window,
        });
        let sending = Arc::new(Sending {
            tx,
            closing: Arc::clone(&closing),
        });
        let thread = tokio::task::spawn_blocking(move || {
            let mut journal = journal;
            write_until_closed(&mut journal, &rx, &closing, &events, &pool, &fault_tx);
            journal
        });
        (
            JournalWriter { sending },
            Written {
                journal: thread,
                faults,
            },
        )
    }

    /// Queues `result` of plan item `index` (results are written and reported in the order
    /// they are queued); false when the writer is gone (nothing will be written).
    pub(super) fn queue(&self, index: usize, result: ItemResult) -> bool {
        self.sending.tx.send((index, result)).is_ok()
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
    closing: &Closing,
    events: &mpsc::UnboundedSender<RunEvent>,
    pool: &HostPool,
    faults: &mpsc::UnboundedSender<ItemError>,
) {
    while let Ok(first) = rx.recv() {
        // Results queued meanwhile join this batch without waking this thread.
        closing.gather();
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        let failed = journal
            .append_all(batch.iter().map(|(_, result)| result))
            .err();
        if let Some(failed) = &failed {
            // Those written whole before the failure are journaled: they are reported.
            batch.truncate(failed.written);
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
        if let Some(failed) = failed {
            let _ = faults.send(write_error(&failed.error));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn result(image: &str) -> ItemResult {
        ItemResult::blank(image, "1")
    }

    #[tokio::test]
    async fn results_are_reported_in_queue_order_only_once_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl");
        let (events, mut rx) = mpsc::unbounded_channel();
        let (writer, written) = JournalWriter::spawn(
            Journal::open(&path).unwrap(),
            Duration::from_millis(10),
            events,
            HostPool::new(Vec::new()),
        );
        let copy = writer.clone();
        assert!(writer.queue(4, result("a.png")));
        assert!(copy.queue(2, result("b.png")));
        // The first report comes after both lines are in the file.
        let Some(RunEvent::ItemFinished {
            index,
            result: first,
            replayed,
        }) = rx.recv().await
        else {
            panic!("expected ItemFinished");
        };
        assert_eq!((index, first.image.as_str(), replayed), (4, "a.png", false));
        let on_disk = crate::session::read_results(&path).unwrap().results;
        assert_eq!(on_disk.len(), 2);
        assert!(matches!(
            rx.recv().await,
            Some(RunEvent::ItemFinished { index: 2, .. })
        ));
        // The last clone gone: what is queued is written at once and the journal comes back.
        assert!(copy.queue(7, result("c.png")));
        drop((writer, copy));
        let journal = written.journal.await.unwrap();
        assert!(matches!(
            rx.recv().await,
            Some(RunEvent::ItemFinished { index: 7, .. })
        ));
        assert_eq!(rx.recv().await, None, "the writer holds no sender any more");
        drop(journal);
        let images: Vec<String> = crate::session::read_results(&path)
            .unwrap()
            .results
            .into_iter()
            .map(|r| r.image)
            .collect();
        assert_eq!(images, ["a.png", "b.png", "c.png"]);
    }
}
