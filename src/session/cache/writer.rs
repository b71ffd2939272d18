//! The answer cache's one writer: a thread that owns a write connection and commits the
//! answers it is sent in batches (everything queued, up to [`MAX_BATCH`], gathering for at most
//! [`WINDOW`] without being woken by each answer), so a run costs one commit per batch instead of a file and an fsync
//! per answer. A commit that fails (another process holds the lock too long, a full disk) is
//! retried once with the next batch, then dropped with a warning: the cache is only a copy,
//! every result is in its session's journal. Never blocks the sender.

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::CachedAnswer;
use super::store::Store;

/// Most answers in one commit.
pub(super) const MAX_BATCH: usize = 1024;
/// Longest an answer waits for companions before its batch is committed.
pub(super) const WINDOW: Duration = Duration::from_millis(50);

/// What the writer is sent.
pub(super) enum Write {
    /// Store an answer.
    Put([u8; 32], Box<CachedAnswer>, i64),
    /// Commit everything sent so far, then acknowledge.
    Flush(std::sync::mpsc::Sender<()>),
}

/// Cuts the gathering window short: set by a flush and when the cache is dropped.
#[derive(Debug, Default)]
pub(super) struct Hurry {
    urgent: Mutex<bool>,
    wake: Condvar,
}

impl Hurry {
    /// Ends the writer's current window (or its next one) at once.
    pub(super) fn now(&self) {
        *self.urgent.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    /// Waits out [`WINDOW`], or less when hurried.
    fn wait(&self) {
        let urgent = self.urgent.lock().unwrap_or_else(PoisonError::into_inner);
        let (mut urgent, _) = self
            .wake
            .wait_timeout_while(urgent, WINDOW, |urgent| !*urgent)
            .unwrap_or_else(PoisonError::into_inner);
        *urgent = false;
    }
}

/// Runs until every sender is gone, committing what is left. After the first answer of a
/// batch it waits out the window on `hurry`, not on the channel, so the answers sent meanwhile
/// never wake it; then it takes everything queued.
pub(super) fn run(mut store: Store, rx: &Receiver<Write>, hurry: &Hurry, path: &Path) {
    let mut batch: Vec<([u8; 32], CachedAnswer, i64)> = Vec::new();
    let mut failures = 0u32;
    // The last batch was full: more is queued already, no need to wait for it.
    let mut backlog = false;
    while let Ok(first) = rx.recv() {
        let mut acks = Vec::new();
        let flushing = matches!(first, Write::Flush(_));
        take(first, &mut batch, &mut acks);
        if !flushing && !backlog {
            hurry.wait();
        }
        let mut queued = rx.try_iter();
        while batch.len() < MAX_BATCH {
            match queued.next() {
                Some(write) => take(write, &mut batch, &mut acks),
                None => break,
            }
        }
        backlog = batch.len() >= MAX_BATCH;
        commit(&mut store, &mut batch, &mut failures, path);
        for ack in acks {
            let _ = ack.send(());
        }
    }
    commit(&mut store, &mut batch, &mut failures, path);
}

/// Adds a write to the batch (an answer) or to the acknowledgements due after its commit.
fn take(
    write: Write,
    batch: &mut Vec<([u8; 32], CachedAnswer, i64)>,
    acks: &mut Vec<std::sync::mpsc::Sender<()>>,
) {
    match write {
        Write::Put(key, answer, at) => batch.push((key, *answer, at)),
        Write::Flush(ack) => acks.push(ack),
    }
}

fn commit(
    store: &mut Store,
    batch: &mut Vec<([u8; 32], CachedAnswer, i64)>,
    failures: &mut u32,
    path: &Path,
) {
    if batch.is_empty() {
        return;
    }
    match store.put_batch(batch) {
        Ok(()) => {
            batch.clear();
            *failures = 0;
        }
        Err(e) if *failures == 0 => {
            *failures = 1;
            tracing::warn!(
                "answer cache {}: could not store {} answers ({e}); retrying with the next batch",
                path.display(),
                batch.len()
            );
        }
        Err(e) => {
            tracing::warn!(
                "answer cache {}: dropped {} answers ({e}); the results are in the session",
                path.display(),
                batch.len()
            );
            batch.clear();
            *failures = 0;
        }
    }
}
