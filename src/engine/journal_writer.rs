//! The one writer of a run's results journal: a blocking thread fed by a channel, so no tokio
//! worker ever waits on a file or a lock. Each item task sends its result and waits for the
//! acknowledgement before reporting the item finished ("finished" always means "on disk").
//! Never reorders, drops or rewrites a result; hands the journal back when the run is over.

use tokio::sync::{mpsc, oneshot};

use crate::domain::result::{ErrorKind, ItemError, ItemResult};
use crate::session::Journal;

type Request = (ItemResult, oneshot::Sender<Result<(), ItemError>>);

/// Sends results to the writer thread. Cheap to clone; the thread ends when every clone is
/// dropped.
#[derive(Debug, Clone)]
pub(super) struct JournalWriter {
    tx: mpsc::UnboundedSender<Request>,
}

impl JournalWriter {
    /// Starts the writer thread on `journal`; the handle yields the journal back at the end.
    pub(super) fn spawn(mut journal: Journal) -> (JournalWriter, tokio::task::JoinHandle<Journal>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Request>();
        let thread = tokio::task::spawn_blocking(move || {
            while let Some((result, ack)) = rx.blocking_recv() {
                let _ = ack.send(append(&mut journal, &result));
            }
            journal
        });
        (JournalWriter { tx }, thread)
    }

    /// Queues `result` (results are written in the order they are queued) and returns the
    /// wait for it to be on disk (or to have failed to be).
    pub(super) fn queue(
        &self,
        result: ItemResult,
    ) -> impl Future<Output = Result<(), ItemError>> + use<> {
        let (ack, done) = oneshot::channel();
        let queued = self.tx.send((result, ack)).is_ok();
        async move {
            let gone = || {
                ItemError::new(
                    ErrorKind::Journal,
                    "cannot write results: the journal writer stopped",
                )
            };
            if !queued {
                return Err(gone());
            }
            done.await.map_err(|_| gone())?
        }
    }
}

fn append(journal: &mut Journal, result: &ItemResult) -> Result<(), ItemError> {
    journal.append(result).map_err(|e| {
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
    })
}
