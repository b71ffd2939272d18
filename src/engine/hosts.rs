//! The model servers of a run and their request slots. Hands each request the live server with
//! the most free slots (so items spread in proportion to them), takes a failing server out of
//! rotation and checks it again later, and keeps each server's share. Never sends a
//! classification, never journals, never decides that the run must stop (the items do).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::RunEvent;
use super::events::HostShare;
use crate::backend::Backend;

/// First wait before a server out of rotation is checked again; doubles up to
/// [`RECHECK_MAX`] while it keeps failing.
const RECHECK_FIRST: Duration = Duration::from_secs(5);
/// Longest wait between two checks of a server out of rotation.
const RECHECK_MAX: Duration = Duration::from_secs(120);

/// One model server of a run and its request slots.
#[derive(Debug, Clone)]
pub struct Server {
    /// The connection.
    pub backend: Backend,
    /// Requests in flight at once on it.
    pub slots: usize,
    /// It answered when the run started; one that did not starts out of rotation and is
    /// checked again until it answers.
    pub up: bool,
}

/// What taking a server out of rotation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TakenOut {
    /// It is out now (this call took it out); others carry on.
    Now,
    /// It was already out; others carry on.
    Already,
    /// It is the last one in rotation: it stays in, and its failure is the run's.
    Last,
}

#[derive(Debug)]
struct HostState {
    busy: usize,
    up: bool,
    answered: u64,
    errors: u64,
    /// Cancelled when the server is taken out, so its in-flight requests go elsewhere.
    out: CancellationToken,
}

/// The servers of one run.
#[derive(Debug)]
pub(super) struct HostPool {
    servers: Vec<Server>,
    state: Mutex<Vec<HostState>>,
    changed: Notify,
    closed: CancellationToken,
    started: Instant,
}

/// A request slot on one server; freed when dropped.
#[derive(Debug)]
pub(super) struct HostPermit {
    pool: Arc<HostPool>,
    host: usize,
    out: CancellationToken,
}

impl HostPermit {
    /// The server this slot is on.
    pub(super) fn backend(&self) -> &Backend {
        &self.pool.servers[self.host].backend
    }

    /// Its position among the run's servers.
    pub(super) fn host(&self) -> usize {
        self.host
    }

    /// Resolves when this server is taken out of rotation.
    pub(super) async fn taken_out(&self) {
        self.out.cancelled().await;
    }
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        if let Some(host) = self.pool.lock().get_mut(self.host) {
            host.busy = host.busy.saturating_sub(1);
        }
        self.pool.changed.notify_waiters();
    }
}

impl HostPool {
    /// A pool over `servers` (at least one slot each).
    pub(super) fn new(servers: Vec<Server>) -> Arc<HostPool> {
        let state = servers
            .iter()
            .map(|server| HostState {
                busy: 0,
                up: server.up,
                answered: 0,
                errors: 0,
                out: CancellationToken::new(),
            })
            .collect();
        Arc::new(HostPool {
            servers: servers
                .into_iter()
                .map(|s| Server {
                    slots: s.slots.max(1),
                    ..s
                })
                .collect(),
            state: Mutex::new(state),
            changed: Notify::new(),
            closed: CancellationToken::new(),
            started: Instant::now(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<HostState>> {
        // The counters stay meaningful even if a holder panicked.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The servers out of rotation.
    pub(super) fn out_of_rotation(&self) -> Vec<usize> {
        self.lock()
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.up)
            .map(|(i, _)| i)
            .collect()
    }

    /// True when the run has more than one server (failover and shares apply).
    pub(super) fn is_several(&self) -> bool {
        self.servers.len() > 1
    }

    /// Request slots over all servers.
    pub(super) fn total_slots(&self) -> usize {
        self.servers.iter().map(|s| s.slots).sum()
    }

    /// Waits for a free slot on a server in rotation (the one with the most free slots);
    /// `None` once the pool is closed.
    pub(super) async fn acquire(self: &Arc<Self>) -> Option<HostPermit> {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.closed.is_cancelled() {
                return None;
            }
            if let Some((host, out)) = self.take_free() {
                return Some(HostPermit {
                    pool: Arc::clone(self),
                    host,
                    out,
                });
            }
            tokio::select! {
                _ = &mut changed => {}
                _ = self.closed.cancelled() => return None,
            }
        }
    }

    fn take_free(&self) -> Option<(usize, CancellationToken)> {
        let mut state = self.lock();
        let (host, _) = state
            .iter()
            .zip(&self.servers)
            .enumerate()
            .filter(|(_, (h, s))| h.up && h.busy < s.slots)
            // The most free slots; the first listed on a tie.
            .max_by_key(|(i, (h, s))| (s.slots - h.busy, std::cmp::Reverse(*i)))?;
        let chosen = &mut state[host];
        chosen.busy += 1;
        Some((host, chosen.out.clone()))
    }

    /// No slot is handed out any more; waiting requests and checks end.
    pub(super) fn close(&self) {
        self.closed.cancel();
        self.changed.notify_waiters();
    }

    /// Counts an answer from `host`.
    pub(super) fn record_answer(&self, host: usize) {
        if let Some(h) = self.lock().get_mut(host) {
            h.answered += 1;
        }
    }

    /// Counts a failed request on `host`.
    pub(super) fn record_error(&self, host: usize) {
        if let Some(h) = self.lock().get_mut(host) {
            h.errors += 1;
        }
    }

    /// Takes `host` out of rotation unless it is the last one in it.
    pub(super) fn take_out(&self, host: usize) -> TakenOut {
        let mut state = self.lock();
        let others_up = state.iter().enumerate().any(|(i, h)| i != host && h.up);
        let Some(h) = state.get_mut(host) else {
            return TakenOut::Last;
        };
        if !others_up {
            return TakenOut::Last;
        }
        if !h.up {
            return TakenOut::Already;
        }
        h.up = false;
        h.out.cancel();
        TakenOut::Now
    }

    /// Puts `host` back into rotation.
    fn put_back(&self, host: usize) {
        if let Some(h) = self.lock().get_mut(host) {
            h.up = true;
            h.out = CancellationToken::new();
        }
        self.changed.notify_waiters();
    }

    /// Each server's share so far.
    pub(super) fn shares(&self) -> Vec<HostShare> {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        self.lock()
            .iter()
            .zip(&self.servers)
            .map(|(h, s)| HostShare {
                url: s.backend.host().to_owned(),
                slots: s.slots,
                answered: h.answered,
                errors: h.errors,
                in_rotation: h.up,
                per_second: h.answered as f64 / elapsed,
            })
            .collect()
    }

    /// Checks `host` now and then (the model still there, with the run's digest) and puts it
    /// back into rotation when it answers; ends when the pool closes.
    pub(super) fn recheck_later(
        self: &Arc<Self>,
        host: usize,
        model: String,
        digest: Option<String>,
        tx: mpsc::UnboundedSender<RunEvent>,
    ) {
        let pool = Arc::clone(self);
        tokio::spawn(async move {
            let mut wait = RECHECK_FIRST;
            // The user hears once that it answers but cannot rejoin.
            let mut told = false;
            let backend = pool.servers[host].backend.clone();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = pool.closed.cancelled() => return,
                }
                let checked = tokio::select! {
                    checked = backend.preflight(&model) => checked,
                    _ = pool.closed.cancelled() => return,
                };
                match checked {
                    Ok(info) if digest.is_none() || info.digest == digest => {
                        tracing::warn!(host = backend.host(), "model server back in rotation");
                        pool.put_back(host);
                        let _ = tx.send(RunEvent::Warning(format!(
                            "{} answers again: back in rotation",
                            backend.host()
                        )));
                        let _ = tx.send(RunEvent::Hosts(pool.shares()));
                        return;
                    }
                    Ok(_) => {
                        tracing::warn!(
                            host = backend.host(),
                            "model server answers with another model digest: stays out"
                        );
                        if !told {
                            told = true;
                            let _ = tx.send(RunEvent::Warning(format!(
                                "{} answers, but holds another version of the model: it stays out of this run",
                                backend.host()
                            )));
                        }
                    }
                    Err(e) if !e.is_server_failure() && !told => {
                        // It answers, but not as the run needs (the model gone, say).
                        told = true;
                        tracing::warn!(host = backend.host(), "model server answers wrongly: {e}");
                        let _ = tx.send(RunEvent::Warning(format!(
                            "{} answers, but cannot take this run's requests ({e}); it stays out and is checked again",
                            backend.host()
                        )));
                    }
                    Err(e) => {
                        tracing::warn!(host = backend.host(), "model server still failing: {e}")
                    }
                }
                wait = (wait * 2).min(RECHECK_MAX);
            }
        });
    }
}
