//! The answer cache's one writer: a thread that owns a write connection and commits the
//! answers it is sent in batches (everything queued, up to [`MAX_BATCH`], waiting at most
//! [`WINDOW`] for more), so a run costs one commit per batch instead of a file and an fsync
//! per answer. A commit that fails (another process holds the lock too long, a full disk) is
//! retried once with the next batch, then dropped with a warning: the cache is only a copy,
//! every result is in its session's journal. Never blocks the sender.

use std::path::Path;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

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

/// Runs until every sender is gone, committing what is left.
pub(super) fn run(mut store: Store, rx: &Receiver<Write>, path: &Path) {
    let mut batch: Vec<([u8; 32], CachedAnswer, i64)> = Vec::new();
    let mut failures = 0u32;
    loop {
        let first = match rx.recv() {
            Ok(write) => write,
            Err(_) => break,
        };
        let mut acks = Vec::new();
        let deadline = Instant::now() + WINDOW;
        let mut next = Some(first);
        while let Some(write) = next.take() {
            match write {
                Write::Put(key, answer, at) => batch.push((key, *answer, at)),
                Write::Flush(ack) => acks.push(ack),
            }
            if !acks.is_empty() || batch.len() >= MAX_BATCH {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            next = rx.recv_timeout(left).ok();
        }
        commit(&mut store, &mut batch, &mut failures, path);
        for ack in acks {
            let _ = ack.send(());
        }
    }
    commit(&mut store, &mut batch, &mut failures, path);
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
