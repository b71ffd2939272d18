//! What a run tells its consumers (the headless progress bar, the TUI), in the order it happens.
//! Plain data: no channels or tasks here.

use crate::domain::result::{ItemError, ItemResult};

/// One thing that happened during a run. `index` is the item's position in the run's plan.
#[derive(Debug, Clone, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "a finished item's result moves through the channel as it is: boxing it would cost an allocation per image on the hot path to save a few hundred bytes per queued event"
)]
pub enum RunEvent {
    /// The run began: `total` items in the plan, `already_done` of them finished in an earlier
    /// attempt of this session (resume) and replayed as `ItemFinished` right after this event.
    Started {
        /// Items in the plan.
        total: usize,
        /// Items finished before (resume) or answered from nowhere yet.
        already_done: usize,
    },
    /// A request for an item was sent (or the cache is being checked).
    ItemStarted {
        /// Position in the plan.
        index: usize,
        /// Image path relative to the dataset root.
        image: String,
        /// The true label.
        truth: String,
    },
    /// A piece of the answer streamed in.
    Token {
        /// Position in the plan.
        index: usize,
        /// The new text (unsanitised model output).
        text: String,
    },
    /// An attempt failed and will be retried; the streamed text so far is discarded.
    Retrying {
        /// Position in the plan.
        index: usize,
        /// The attempt about to start (2 for the first retry).
        attempt: u32,
        /// Why the previous attempt failed.
        error: ItemError,
    },
    /// An item finished, successfully or not; already written to the journal.
    ItemFinished {
        /// Position in the plan.
        index: usize,
        /// The journal record.
        result: ItemResult,
        /// True when it was replayed from the session's journal (resume), not asked now.
        replayed: bool,
    },
    /// The run paused: no new requests start; in-flight ones finish.
    Paused,
    /// The run resumed after a pause.
    Resumed,
    /// Something the user should know that does not stop the run.
    Warning(String),
    /// Each model server's share so far (runs over several servers only): sent after every
    /// item one of them finished, and when one leaves or rejoins the rotation.
    Hosts(Vec<HostShare>),
    /// The run stopped because the server or model became unusable (e.g. unreachable after
    /// retries, model missing). Finished items are safe in the journal.
    Aborted {
        /// What went wrong (its kind tells auth from unreachable from a missing model) and
        /// what to do.
        error: ItemError,
    },
    /// The accuracy is known well enough (`--until-ci`): no further item is asked, items in
    /// flight are abandoned (a continued session asks them). Followed by
    /// `Finished { interrupted: false }`.
    StoppedEarly {
        /// Answered items (failures excluded) the estimate rests on.
        answered: u64,
        /// The half width of the 95% interval reached.
        half_width: f64,
    },
    /// The run ended. Always the last event.
    Finished {
        /// True when stopped early (Ctrl-C, quit, abort) rather than finishing every item.
        interrupted: bool,
    },
}

/// One model server's part in a run over several servers.
#[derive(Debug, Clone, PartialEq)]
pub struct HostShare {
    /// Its base URL, without user info or query string.
    pub url: String,
    /// Requests in flight at once on it.
    pub slots: usize,
    /// Items it answered.
    pub answered: u64,
    /// Requests that failed on it (its own failures and failed items).
    pub errors: u64,
    /// False while it is out of rotation after a failure.
    pub in_rotation: bool,
    /// Answers per second since the run started.
    pub per_second: f64,
}

impl HostShare {
    /// Its fraction of the answers in `all` (0 when there are none yet).
    pub fn share_of(&self, all: &[HostShare]) -> f64 {
        let total: u64 = all.iter().map(|h| h.answered).sum();
        if total == 0 {
            0.0
        } else {
            self.answered as f64 / total as f64
        }
    }
}
