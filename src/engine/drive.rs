//! The engine loop: replays what the journal already holds, keeps up to the concurrency (plus
//! a few read-ahead) item tasks going in plan order, honours pause, stop and `--until-ci`, and
//! says how the run ended. Never journals or reports an item itself (the item tasks do).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::{JoinError, JoinSet};
use tokio_util::sync::CancellationToken;

use super::hosts::HostPool;
use super::item::{self, Outcome};
use super::journal_writer::JournalWriter;
use super::turn::TurnQueue;
use super::until::UntilCi;
use super::{RunEvent, RunPlan};
use crate::domain::result::{ErrorKind, ItemError};

/// How long items that already have their answer may take to report after a fatal error.
const SETTLE_AFTER_FATAL: Duration = Duration::from_secs(2);

/// Most images read and checked ahead of a free request slot.
const READ_AHEAD: usize = 4;

/// How `drive` ended.
pub(super) enum Ending {
    /// Every item of the plan has a result.
    Finished,
    /// Stopped, aborted or unfinished: a resume asks the rest.
    Interrupted,
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

/// What a finished task means for the run.
enum Settled {
    /// Keep going.
    Going,
    /// Stop starting items, for this reason.
    Halt(Halt),
}

/// Runs every item (or until `--until-ci` is reached); says how it ended.
pub(super) async fn drive(
    plan: Arc<RunPlan>,
    pool: Arc<HostPool>,
    journal: JournalWriter,
    tx: &mpsc::UnboundedSender<RunEvent>,
    paused: watch::Receiver<bool>,
    cancel: CancellationToken,
) -> Ending {
    let mut run = Driver::new(plan, pool, journal, tx, paused, cancel);
    let pending = run.replay_journaled();
    let mut queue = pending.into_iter();
    let halt = match run.already_narrow() {
        Some(half) => Halt::Narrow(half),
        None => run.work_through(&mut queue).await,
    };
    let unfinished = queue.len() + run.tasks.len();
    run.wind_down(halt == Halt::Fatal).await;
    run.ending(halt, unfinished)
}

/// The loop's state: the plan, the shared switches and the tasks in flight.
struct Driver<'a> {
    plan: Arc<RunPlan>,
    journal: JournalWriter,
    tx: &'a mpsc::UnboundedSender<RunEvent>,
    paused: watch::Receiver<bool>,
    cancel: CancellationToken,
    /// The servers and their request slots: bounds the requests in flight.
    pool: Arc<HostPool>,
    /// Most tasks alive at once: the concurrency plus the read-ahead.
    lookahead: usize,
    tasks: JoinSet<Outcome>,
    turns: TurnQueue,
    until: Option<UntilCi>,
}

impl<'a> Driver<'a> {
    fn new(
        plan: Arc<RunPlan>,
        pool: Arc<HostPool>,
        journal: JournalWriter,
        tx: &'a mpsc::UnboundedSender<RunEvent>,
        paused: watch::Receiver<bool>,
        cancel: CancellationToken,
    ) -> Self {
        let concurrency = pool.total_slots().max(1);
        let until = plan
            .until_ci
            .map(|width| UntilCi::new(width, plan.done.values()));
        // Requests in flight are bounded by the pool's slots; a few more tasks (at most READ_AHEAD) read
        // and check their images ahead, so a freed slot is refilled without waiting on disk,
        // while the images held in memory stay close to the concurrency.
        Driver {
            plan,
            journal,
            tx,
            paused,
            cancel,
            pool,
            lookahead: concurrency + concurrency.min(READ_AHEAD),
            tasks: JoinSet::new(),
            turns: TurnQueue::default(),
            until,
        }
    }

    fn send(&self, event: RunEvent) {
        // A consumer that went away is not an error: the journal still records everything.
        let _ = self.tx.send(event);
    }

    /// Announces the run and replays the journaled results; returns the items still to ask.
    fn replay_journaled(&self) -> Vec<usize> {
        self.send(RunEvent::Started {
            total: self.plan.items.len(),
            already_done: self.plan.done.len(),
        });
        let mut pending = Vec::new();
        for (index, item) in self.plan.items.iter().enumerate() {
            match self.plan.done.get(&*item.rel) {
                Some(result) => self.send(RunEvent::ItemFinished {
                    index,
                    result: result.clone(),
                    replayed: true,
                }),
                None => pending.push(index),
            }
        }
        pending
    }

    /// The half width a resumed session already reached (`--until-ci`), if narrow enough.
    fn already_narrow(&self) -> Option<f64> {
        self.until.as_ref().and_then(UntilCi::reached)
    }

    /// Starts the queued items as room frees up and settles finished tasks, until the queue
    /// and the tasks are done or something halts the run.
    async fn work_through(&mut self, queue: &mut impl Iterator<Item = usize>) -> Halt {
        loop {
            if let Some(halt) = self.wait_out_pause().await {
                return halt;
            }
            if self.cancel.is_cancelled() {
                return Halt::Cancelled;
            }
            if self.tasks.len() < self.lookahead {
                if let Some(index) = queue.next() {
                    self.start_item(index);
                    continue;
                }
                if self.tasks.is_empty() {
                    return Halt::Drained;
                }
            }
            if let Some(halt) = self.next_change().await {
                return halt;
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
                Some(joined) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    if let Settled::Halt(halt) = self.settle(joined) {
                        return Some(halt);
                    }
                }
            }
        }
        self.send(RunEvent::Resumed);
        None
    }

    /// Spawns the task that classifies item `index`, in its turn.
    fn start_item(&mut self, index: usize) {
        let ctx = item::ItemContext {
            plan: Arc::clone(&self.plan),
            journal: self.journal.clone(),
            tx: self.tx.clone(),
            pool: Arc::clone(&self.pool),
            paused: self.paused.clone(),
            turn: self.turns.next_turn(),
            index,
        };
        self.tasks.spawn(item::process(ctx));
    }

    /// Waits for a stop, a pause switch or a finished task; a halt when the run must end.
    async fn next_change(&mut self) -> Option<Halt> {
        tokio::select! {
            _ = self.cancel.cancelled() => Some(Halt::Cancelled),
            changed = self.paused.changed() => changed.is_err().then_some(Halt::Drained),
            Some(joined) = self.tasks.join_next() => match self.settle(joined) {
                Settled::Halt(halt) => Some(halt),
                Settled::Going => None,
            },
        }
    }

    /// Handles a finished task: counts it toward `--until-ci`, or cancels the run on a fatal
    /// error.
    fn settle(&mut self, joined: Result<Outcome, JoinError>) -> Settled {
        match joined {
            Ok(Outcome::Done(verdict)) => match &mut self.until {
                Some(until) => {
                    until.record(verdict);
                    until
                        .reached()
                        .map_or(Settled::Going, |half| Settled::Halt(Halt::Narrow(half)))
                }
                None => Settled::Going,
            },
            Ok(Outcome::Dropped) => Settled::Going,
            Ok(Outcome::Fatal(error)) => self.abort(error),
            Err(e) if e.is_cancelled() => Settled::Going,
            Err(e) => self.abort(ItemError::new(
                ErrorKind::Internal,
                format!("internal error in a classification task: {e}"),
            )),
        }
    }

    /// Cancels the run and tells the consumer why.
    fn abort(&self, error: ItemError) -> Settled {
        self.cancel.cancel();
        self.send(RunEvent::Aborted { error });
        Settled::Halt(Halt::Fatal)
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
        while self.tasks.join_next().await.is_some() {}
        // Checks of servers out of rotation end with the run.
        self.pool.close();
    }

    /// How the run ended, given why the loop stopped and how many items were left.
    fn ending(&self, halt: Halt, unfinished: usize) -> Ending {
        if halt == Halt::Fatal || self.cancel.is_cancelled() {
            return Ending::Interrupted;
        }
        match (halt, &self.until) {
            (Halt::Narrow(half_width), Some(until)) => Ending::StoppedEarly {
                answered: until.answered(),
                half_width,
            },
            _ if unfinished > 0 => Ending::Interrupted,
            _ => Ending::Finished,
        }
    }
}
