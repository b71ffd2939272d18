//! The engine loop: replays what the journal already holds, then takes the items in plan
//! order as they are read ahead, each once a request slot is free: a failed image or a cached
//! answer goes to the journal at once, any other item gets a task that asks a server. Honours pause, stop
//! and `--until-ci`, and says how the run ended. Never reports an item finished itself (the
//! journal writer does, once it is on disk) and never waits on a file.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt as _;
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use super::hosts::{HostPermit, HostPool};
use super::item::{self, Outcome};
use super::journal_writer::{JournalWriter, writer_gone};
use super::reader::ReadAhead;
use super::until::{self, UntilCi};
use super::{RunEvent, RunPlan};
use crate::domain::result::{ErrorKind, ItemError, ItemResult};

/// How long items that already have their answer may take to report after a fatal error.
const SETTLE_AFTER_FATAL: Duration = Duration::from_secs(2);

/// How `drive` ended.
pub(super) enum Ending {
    /// Every item of the plan has a result.
    Finished,
    /// Stopped or unfinished: a resume asks the rest.
    Interrupted,
    /// A fatal error ended the run and `Aborted` was sent: a resume asks the rest.
    Aborted,
    /// `--until-ci` was reached: the estimate rests on `answered` items, with this half width.
    StoppedEarly { answered: u64, half_width: f64 },
}

/// Why the loop stopped starting items.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Halt {
    /// Every item was started and every task is over (or the consumer's switches went away).
    Drained,
    /// Stopped by the user.
    Cancelled,
    /// A fatal error: `Aborted` was sent.
    Fatal,
    /// `--until-ci` was reached at this half width.
    Narrow(f64),
}

/// Runs every item (or until `--until-ci` is reached); says how it ended.
pub(super) async fn drive(
    plan: Arc<RunPlan>,
    pool: Arc<HostPool>,
    journal: JournalWriter,
    faults: &mut mpsc::UnboundedReceiver<ItemError>,
    tx: &mpsc::UnboundedSender<RunEvent>,
    paused: watch::Receiver<bool>,
    cancel: CancellationToken,
) -> Ending {
    let pending = replay_journaled(&plan, tx);
    let ahead = ReadAhead::new(Arc::clone(&plan), pending, pool.total_slots());
    let mut run = Driver {
        until: plan
            .until_ci
            .map(|width| UntilCi::new(width, plan.done.values())),
        plan,
        journal,
        faults,
        tx,
        paused,
        cancel,
        pool,
        ahead,
        tasks: JoinSet::new(),
    };
    let halt = match run.already_narrow() {
        Some(half) => Halt::Narrow(half),
        None => run.work_through().await,
    };
    let unfinished = run.ahead.unfinished() + run.tasks.len();
    run.wind_down(halt == Halt::Fatal).await;
    run.ending(halt, unfinished)
}

/// The loop's state: the plan, the shared switches, the images read ahead and the requests
/// in flight.
struct Driver<'a> {
    plan: Arc<RunPlan>,
    journal: JournalWriter,
    /// The journal writer's failed writes (those of the last batch, written after the loop
    /// ends, are the engine's to read).
    faults: &'a mut mpsc::UnboundedReceiver<ItemError>,
    tx: &'a mpsc::UnboundedSender<RunEvent>,
    paused: watch::Receiver<bool>,
    cancel: CancellationToken,
    /// The servers and their request slots: bounds the requests in flight.
    pool: Arc<HostPool>,
    /// The items still to ask, read ahead in plan order.
    ahead: ReadAhead,
    /// One task per request in flight.
    tasks: JoinSet<Outcome>,
    until: Option<UntilCi>,
}

/// What the loop waited for.
enum Change {
    /// Nothing that needs handling here (a batch was read, a task ended well, a switch moved).
    Nothing,
    /// A request slot for the next item.
    Slot(HostPermit),
    /// The run must end.
    Halt(Halt),
}

/// Announces the run and replays the journaled results; returns the items still to ask.
fn replay_journaled(plan: &RunPlan, tx: &mpsc::UnboundedSender<RunEvent>) -> Vec<usize> {
    // A consumer that went away is not an error: the journal still records everything.
    let _ = tx.send(RunEvent::Started {
        total: plan.items.len(),
        already_done: plan.done.len(),
    });
    let mut pending = Vec::new();
    for (index, item) in plan.items.iter().enumerate() {
        match plan.done.get(&*item.rel) {
            Some(result) => {
                let _ = tx.send(RunEvent::ItemFinished {
                    index,
                    result: result.clone(),
                    replayed: true,
                });
            }
            None => pending.push(index),
        }
    }
    pending
}

impl Driver<'_> {
    fn send(&self, event: RunEvent) {
        // A consumer that went away is not an error: the journal still records everything.
        let _ = self.tx.send(event);
    }

    /// The half width a resumed session already reached (`--until-ci`), if narrow enough.
    fn already_narrow(&self) -> Option<f64> {
        self.until.as_ref().and_then(UntilCi::reached)
    }

    /// Takes the items read in plan order: an unreadable image is journaled as failed and a
    /// cached answer is journaled at once, each when a slot is free (so at `--concurrency 1`
    /// the journal keeps the plan order), anything else is asked in a task of its own holding a
    /// slot. Settles finished tasks meanwhile, until every item is done or something halts
    /// the run.
    async fn work_through(&mut self) -> Halt {
        loop {
            if let Some(halt) = self.wait_out_pause().await {
                return halt;
            }
            if self.cancel.is_cancelled() {
                return Halt::Cancelled;
            }
            self.ahead.fill();
            let wants_slot = match self.ahead.front() {
                Some(_) => match self.pool.acquire().now_or_never() {
                    Some(Some(permit)) => {
                        if let Some(halt) = self.take_next(permit) {
                            return halt;
                        }
                        continue;
                    }
                    // The slots closed after a fatal answer: its task tells why.
                    Some(None) if self.tasks.is_empty() => return Halt::Drained,
                    Some(None) => false,
                    None => true,
                },
                None if !self.ahead.is_reading() && self.tasks.is_empty() => {
                    return Halt::Drained;
                }
                None => false,
            };
            match self.next_change(wants_slot).await {
                Change::Nothing => {}
                Change::Slot(permit) => {
                    if let Some(halt) = self.take_next(permit) {
                        return halt;
                    }
                }
                Change::Halt(halt) => return halt,
            }
        }
    }

    /// While paused, settles finished tasks (in-flight ones keep running and reporting) and
    /// sends `Paused` then `Resumed`; a halt when the run ends meanwhile.
    async fn wait_out_pause(&mut self) -> Option<Halt> {
        if !*self.paused.borrow() {
            return None;
        }
        self.send(RunEvent::Paused);
        while *self.paused.borrow() {
            tokio::select! {
                _ = self.cancel.cancelled() => return Some(Halt::Cancelled),
                changed = self.paused.changed() => if changed.is_err() {
                    return Some(Halt::Drained);
                },
                Some(error) = self.faults.recv() => return Some(self.abort(error)),
                Some(joined) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    if let Some(halt) = self.settle(joined) {
                        return Some(halt);
                    }
                }
            }
        }
        self.send(RunEvent::Resumed);
        None
    }

    /// Handles the next item read, holding a request `permit`: journals a failed image or a
    /// cached answer while the slot is held (so at `--concurrency 1` it waits for the request
    /// before it, and the journal keeps the plan order), or starts the task that asks a
    /// server. A halt when the run must end (`--until-ci` reached, the journal gone).
    fn take_next(&mut self, permit: HostPermit) -> Option<Halt> {
        if *self.paused.borrow() {
            // Paused between the slot and now: the item waits for the resume.
            return None;
        }
        let ready = self.ahead.pop()?;
        let item = self.plan.item(ready.index)?;
        let started = Instant::now();
        let mut result = item::blank_result(item);
        item::announce(self.tx, ready.index, item);
        let prepared = match ready.image {
            Ok(prepared) => prepared,
            Err(error) => {
                let halt = self.journal_now(ready.index, item::fail(result, error, started));
                drop(permit);
                return halt;
            }
        };
        result.sha256 = prepared.sha256;
        if let Some(hit) = ready.hit {
            if self.plan.tokens {
                self.send(RunEvent::Token {
                    index: ready.index,
                    text: hit.answer.clone(),
                });
            }
            let result = item::answer_from_cache(&self.plan, result, hit, started);
            let halt = self.journal_now(ready.index, result);
            drop(permit);
            return halt;
        }
        let ctx = item::ItemContext {
            plan: Arc::clone(&self.plan),
            journal: self.journal.clone(),
            tx: self.tx.clone(),
            pool: Arc::clone(&self.pool),
            paused: self.paused.clone(),
            index: ready.index,
        };
        let asked = item::Asked {
            payload: prepared.payload,
            cache_key: ready.cache_key,
            permit,
            started,
        };
        self.tasks.spawn(item::ask(ctx, result, asked));
        None
    }

    /// Queues a result that needed no request for the journal and counts it.
    fn journal_now(&mut self, index: usize, result: ItemResult) -> Option<Halt> {
        let verdict = until::verdict(&result);
        if !self.journal.queue(index, result) {
            return Some(self.abort(writer_gone()));
        }
        self.count(verdict)
    }

    /// Counts a finished item toward `--until-ci`; a halt once it is reached.
    fn count(&mut self, verdict: Option<bool>) -> Option<Halt> {
        let until = self.until.as_mut()?;
        until.record(verdict);
        until.reached().map(Halt::Narrow)
    }

    /// Waits for a stop, a pause switch, a failed journal write, a finished task, a batch of
    /// images read or (when `wants_slot`) a free request slot.
    async fn next_change(&mut self, wants_slot: bool) -> Change {
        let pool = Arc::clone(&self.pool);
        tokio::select! {
            _ = self.cancel.cancelled() => Change::Halt(Halt::Cancelled),
            changed = self.paused.changed() => match changed {
                Ok(()) => Change::Nothing,
                Err(_) => Change::Halt(Halt::Drained),
            },
            Some(error) = self.faults.recv() => Change::Halt(self.abort(error)),
            Some(joined) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                self.settle(joined).map_or(Change::Nothing, Change::Halt)
            }
            () = self.ahead.arrived(), if self.ahead.is_reading() => Change::Nothing,
            permit = pool.acquire(), if wants_slot => match permit {
                Some(permit) => Change::Slot(permit),
                // The slots closed: the next turn of the loop waits for the tasks.
                None => Change::Nothing,
            },
        }
    }

    /// Handles a finished task: counts it toward `--until-ci`, or cancels the run on a fatal
    /// error; a halt when the run must end.
    fn settle(&mut self, joined: Result<Outcome, JoinError>) -> Option<Halt> {
        match joined {
            Ok(Outcome::Done(verdict)) => self.count(verdict),
            Ok(Outcome::Dropped) => None,
            Ok(Outcome::Fatal(error)) => Some(self.abort(error)),
            Err(e) if e.is_cancelled() => None,
            Err(e) => Some(self.abort(ItemError::new(
                ErrorKind::Internal,
                format!("internal error in a classification task: {e}"),
            ))),
        }
    }

    /// Cancels the run and tells the consumer why.
    fn abort(&self, error: ItemError) -> Halt {
        self.cancel.cancel();
        self.send(RunEvent::Aborted { error });
        Halt::Fatal
    }

    /// Ends the tasks still alive. After a fatal answer no request starts (the slots are
    /// closed), but an item that already has its answer is journaled: it gets a moment to
    /// report, so the screen and the journal agree on what was done, before the rest stop.
    async fn wind_down(&mut self, fatal: bool) {
        if fatal {
            self.pool.close();
            let tasks = &mut self.tasks;
            let settled = async { while tasks.join_next().await.is_some() {} };
            let _ = tokio::time::timeout(SETTLE_AFTER_FATAL, settled).await;
        }
        self.tasks.abort_all();
        while let Some(joined) = self.tasks.join_next().await {
            // A task that queued its result before the abort is in the journal: count it, so
            // `--until-ci`'s figures match what the journal holds.
            if let (Ok(Outcome::Done(verdict)), Some(until)) = (joined, self.until.as_mut()) {
                until.record(verdict);
            }
        }
        // Checks of servers out of rotation end with the run.
        self.pool.close();
    }

    /// How the run ended, given why the loop stopped and how many items were left.
    fn ending(&self, halt: Halt, unfinished: usize) -> Ending {
        if halt == Halt::Fatal {
            return Ending::Aborted;
        }
        if self.cancel.is_cancelled() {
            return Ending::Interrupted;
        }
        match (halt, &self.until) {
            (Halt::Narrow(reached), Some(until)) => Ending::StoppedEarly {
                answered: until.answered(),
                // Over every answer journaled, those that finished with the one that
                // reached the target included.
                half_width: until.half_width().unwrap_or(reached),
            },
            _ if unfinished > 0 => Ending::Interrupted,
            _ => Ending::Finished,
        }
    }
}
