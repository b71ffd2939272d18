//! Run state: phase, results by plan index, in-flight items with their streaming text, counters
//! and timing. Recording a result is O(1) (plus O(labels) when a new label first appears), so
//! hundreds of results per second never slow the UI down. Never iterates all results per frame.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::domain::compare::LiveAb;
use crate::domain::corrections::{Corrections, Verdict};
use crate::domain::result::ItemResult;
use crate::domain::tally::Tally;
use crate::engine::HostShare;
use crate::setup::RunSpec;
use crate::tui::msg::PreparedInfo;

use super::calibration::{CalibratedView, PriorKey};
use super::matrix::Axis;

/// How many finished items the live stream remembers.
pub const RECENT_LEN: usize = 32;
/// Streamed text kept per in-flight item (older text is dropped from the front).
pub const MAX_STREAM_CHARS: usize = 4096;

/// Where the run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunPhase {
    /// Nothing prepared yet.
    #[default]
    NotReady,
    /// The dataset is being scanned.
    Preparing,
    /// Prepared; `r` starts.
    Ready,
    /// Connecting to the server and opening the session.
    Connecting,
    /// Requests are being sent.
    Running,
    /// No new requests; in-flight ones finish.
    Paused,
    /// The run ended (`interrupted` when stopped early or aborted).
    Finished {
        /// Stopped before every item was done.
        interrupted: bool,
    },
    /// A past session opened read-only.
    Viewing,
}

impl RunPhase {
    /// True while the engine is working (quitting asks first).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            RunPhase::Connecting | RunPhase::Running | RunPhase::Paused
        )
    }
}

/// An item whose request is in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// Image path relative to the dataset root.
    pub image: String,
    /// The true label.
    pub truth: String,
    /// The answer so far (unsanitised; sanitised when drawn).
    pub text: String,
    /// The current attempt (1 for the first).
    pub attempt: u32,
    /// The last retry's reason.
    pub retry_error: Option<String>,
}

/// Throughput bookkeeping; all instants come from `Msg::Ticked`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timing {
    /// When the run started.
    pub started: Option<Instant>,
    /// When it ended.
    pub ended: Option<Instant>,
    /// When the current pause began.
    pub paused_since: Option<Instant>,
    /// Time spent paused so far.
    pub paused_total: Duration,
    /// Items this run actually asked the server (not replayed from the journal, not answered
    /// from the cache): the rate and the ETA count only these.
    pub fresh_done: usize,
    /// Generated tokens the server counted.
    pub eval_tokens: u64,
    /// Generation time the server measured, in nanoseconds.
    pub eval_ns: u64,
}

impl Timing {
    /// Active (unpaused) running time up to `now`.
    pub fn active(&self, now: Option<Instant>) -> Option<Duration> {
        let started = self.started?;
        let end = self.ended.or(now)?;
        let paused = self.paused_total
            + self
                .paused_since
                .map_or(Duration::ZERO, |p| end.saturating_duration_since(p));
        Some(
            end.saturating_duration_since(started)
                .saturating_sub(paused),
        )
    }

    /// Images per second finished by this run.
    pub fn rate(&self, now: Option<Instant>) -> Option<f64> {
        let secs = self.active(now)?.as_secs_f64();
        (secs > 0.0 && self.fresh_done > 0).then(|| self.fresh_done as f64 / secs)
    }

    /// Generated tokens per second per request, from the server's own counts.
    pub fn tokens_per_sec(&self) -> Option<f64> {
        (self.eval_ns > 0).then(|| self.eval_tokens as f64 / (self.eval_ns as f64 / 1e9))
    }
}

/// Focus and selection of the run screen's "latest finished" list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LiveView {
    /// True when the list has the keyboard focus (Tab), not the matrix.
    pub focused: bool,
    /// The plan index of the selected finished item; `None` follows the newest.
    pub selected: Option<usize>,
}

impl LiveView {
    /// The finished item shown large: the selected one, else the newest.
    pub fn shown(&self, run: &RunState) -> Option<usize> {
        self.selected.or_else(|| run.recent.back().copied())
    }

    /// The selection's place in the list as drawn (newest first): `None` while following the
    /// newest; an item that dropped off the list counts as its last entry.
    pub fn position(&self, run: &RunState) -> Option<usize> {
        let selected = self.selected?;
        let last = run.recent.len().saturating_sub(1);
        Some(
            run.recent
                .iter()
                .rev()
                .position(|&i| i == selected)
                .unwrap_or(last),
        )
    }

    /// Moves the selection `delta` entries down the list (older); moving up past the newest
    /// follows the newest again.
    pub fn move_by(&mut self, delta: isize, run: &RunState) {
        if run.recent.is_empty() {
            self.selected = None;
            return;
        }
        let target = match self.position(run) {
            // Following: the first step down pins the newest, then goes on.
            None if delta > 0 => delta - 1,
            None => return,
            Some(pos) => pos as isize + delta,
        };
        self.selected = if target < 0 {
            None
        } else {
            let last = run.recent.len() - 1;
            let pos = (target as usize).min(last);
            run.recent.get(last - pos).copied()
        };
    }
}

/// The run and everything it produced.
#[derive(Debug, Clone, Default)]
pub struct RunState {
    /// Where the run stands.
    pub phase: RunPhase,
    /// Identifies the last `PrepareRun`; answers for older ones are ignored.
    pub generation: u64,
    /// The prepared run, once scanned.
    pub prepared: Option<PreparedInfo>,
    /// Items in the plan.
    pub total: usize,
    /// Results by plan index.
    pub results: Vec<Option<ItemResult>>,
    /// Counts and metrics, shared in shape with the headless progress.
    pub tally: Tally,
    /// Row and column labels of the matrix.
    pub axis: Axis,
    /// In-flight items by plan index.
    pub in_flight: BTreeMap<usize, InFlight>,
    /// Plan indexes of the latest finished items, newest last.
    pub recent: VecDeque<usize>,
    /// Throughput bookkeeping.
    pub timing: Timing,
    /// Session folder of the run.
    pub session_dir: Option<PathBuf>,
    /// Server address.
    pub host: String,
    /// Model name.
    pub model: String,
    /// Why the run was aborted, if it was.
    pub abort_error: Option<String>,
    /// Folder image paths start from.
    pub dataset_root: PathBuf,
    /// Set when results changed since the confused-pairs list was computed.
    pub pairs_stale: bool,
    /// The most confused (truth, predicted, count) pairs, largest first.
    pub pairs: Vec<(usize, usize, u64)>,
    /// Start the run as soon as preparing finishes (Ctrl-R on the start screen, or `r` while
    /// the dataset was still being scanned).
    pub auto_start: bool,
    /// The settings of the run prepared or the session viewed: what `r` starts, continues or
    /// re-runs (a past session's own settings, not the start form's).
    pub spec: Option<RunSpec>,
    /// The label corrections of the session on screen (its `corrections.jsonl`, and those made
    /// here once saved).
    pub corrections: Corrections,
    /// True when the matrix, metrics and drill-down lists use the corrections (`T`).
    pub corrections_on: bool,
    /// Doubtful images left out of the tally while corrections are on.
    pub doubtful_left_out: u64,
    /// The accuracy's interval half width when the run stopped early (`--until-ci`).
    pub stopped_early: Option<f64>,
    /// A run linked to a parent session, against the parent, answer by answer (the live
    /// A/B); set when such a run starts, kept after it ends, dropped by the next preparation.
    pub ab: Option<LiveAb>,
    /// Corrections of another session offered for the prepared run, while the user decides.
    pub carry_offer: Option<crate::setup::CarriedCorrections>,
    /// The session whose corrections the next run takes as its truth (offer accepted).
    pub carry_accepted: Option<std::path::PathBuf>,
    /// Each server's share of a run over several servers (empty with one server).
    pub hosts: Vec<HostShare>,
    /// The calibrated view (`K`) while it is on: the matrix, metrics and lists follow the
    /// calibrated labels.
    pub calibrated: Option<CalibratedView>,
    /// The model and prompt of the run prepared or the session viewed: which content-free
    /// estimate may calibrate it.
    pub prompt_key: Option<PriorKey>,
}

impl RunState {
    /// Clears results for a fresh start over `total` items with the given labels.
    pub fn reset(&mut self, total: usize, labels: &[String]) {
        self.total = total;
        // The old slots go first: a million of them are 256 MB, and two at once would double
        // the peak.
        self.results = Vec::new();
        self.results = vec![None; total];
        self.tally = Tally::new(labels, total as u64);
        self.axis = Axis::new(labels);
        self.in_flight.clear();
        self.recent.clear();
        self.hosts.clear();
        self.timing = Timing::default();
        self.abort_error = None;
        self.stopped_early = None;
        self.pairs.clear();
        self.pairs_stale = true;
        self.corrections = Corrections::default();
        self.corrections_on = false;
        self.doubtful_left_out = 0;
        self.calibrated = None;
    }

    /// Counts `result` in the tally as the screen shows it: its truth corrected when
    /// corrections are on (a doubtful image is left out and counted apart), its label
    /// calibrated when the calibrated view is on (then also with its own label in the raw
    /// tally beside it). Corrections change the truth, calibration the prediction.
    fn count(&mut self, result: &ItemResult) {
        let relabel = match &mut self.calibrated {
            Some(view) => {
                let label = view.prior.relabel(result).map(str::to_owned);
                if label.is_some() {
                    view.calibrated += 1;
                } else {
                    view.kept += 1;
                }
                label
            }
            None => None,
        };
        let truth = match self
            .corrections_on
            .then(|| self.corrections.verdict(&result.image))
        {
            Some(Some(Verdict::Doubtful)) => {
                self.doubtful_left_out += 1;
                return;
            }
            Some(Some(Verdict::Label(label))) => Some(label),
            _ => None,
        };
        if truth.is_none() && relabel.is_none() {
            self.tally.record(result);
            if let Some(view) = &mut self.calibrated {
                view.raw.record(result);
            }
            return;
        }
        let mut shown = result.clone();
        if let Some(truth) = truth {
            self.axis.ensure(&truth);
            shown.truth = truth;
        }
        if let Some(view) = &mut self.calibrated {
            view.raw.record(&shown);
        }
        if let Some(label) = relabel {
            self.axis.ensure(&label);
            shown.label = Some(label);
        }
        self.tally.record(&shown);
    }

    /// The label the matrix shows for `result`: the calibrated one while the calibrated view
    /// is on and it has label probabilities, else its own (`None`: unparsed or failed).
    pub fn shown_label<'a>(&'a self, result: &'a ItemResult) -> Option<&'a str> {
        self.calibrated
            .as_ref()
            .and_then(|view| view.prior.relabel(result))
            .or(result.label.as_deref())
    }

    /// The true label the matrix shows for `result`: its correction's when corrections are on;
    /// `None` for a doubtful image then (it is in no cell).
    pub fn shown_truth<'a>(&self, result: &'a ItemResult) -> Option<std::borrow::Cow<'a, str>> {
        if !self.corrections_on {
            return Some(std::borrow::Cow::Borrowed(&result.truth));
        }
        match self.corrections.verdict(&result.image) {
            None => Some(std::borrow::Cow::Borrowed(&result.truth)),
            Some(Verdict::Doubtful) => None,
            Some(Verdict::Label(label)) => Some(std::borrow::Cow::Owned(label)),
        }
    }

    /// The review queue's progress: (reviewed, in the queue, accepted as proposed). Reviewed
    /// means a person's label or doubtful. O(queue).
    pub fn review_progress(&self, queue: &super::DrillState) -> (usize, usize, usize) {
        let (mut reviewed, mut accepted) = (0, 0);
        for r in queue
            .entries
            .iter()
            .filter_map(|&i| self.results.get(i).and_then(Option::as_ref))
        {
            match self.corrections.verdict(&r.image) {
                Some(Verdict::Label(l)) => {
                    reviewed += 1;
                    accepted += usize::from(r.label.as_deref() == Some(l.as_str()));
                }
                Some(Verdict::Doubtful) => reviewed += 1,
                None => {}
            }
        }
        (reviewed, queue.entries.len(), accepted)
    }

    /// True while the screen has proposals but no image with a known truth was answered (an
    /// unlabeled folder no one has reviewed yet): no confusion matrix can be drawn.
    pub fn truth_unknown(&self) -> bool {
        self.tally.metrics.total() == 0
            && (self.tally.proposals.total > 0
                || self
                    .prepared
                    .as_ref()
                    .is_some_and(|p| p.class_counts.is_empty()))
    }

    /// Recounts every result (after corrections were switched or changed): O(results).
    pub fn recount(&mut self) {
        let labels = self.axis.rows.clone();
        self.tally = Tally::new(&labels, self.total as u64);
        self.doubtful_left_out = 0;
        if let Some(view) = &mut self.calibrated {
            view.clear(&labels, self.total as u64);
        }
        let results = std::mem::take(&mut self.results);
        for r in results.iter().flatten() {
            self.count(r);
        }
        self.results = results;
        self.pairs_stale = true;
    }

    /// Records a finished item at plan `index`. A second result for the same index replaces
    /// the counters' view only when the first was absent (the engine sends each index once).
    pub fn record(&mut self, index: usize, result: ItemResult, replayed: bool) {
        self.in_flight.remove(&index);
        if index >= self.results.len() {
            self.results.resize(index + 1, None);
            self.total = self.total.max(index + 1);
        }
        if self.results[index].is_some() {
            return;
        }
        self.count(&result);
        if !replayed && let Some(ab) = &mut self.ab {
            ab.record(&result);
        }
        if !replayed && !result.cached {
            self.timing.fresh_done += 1;
            if let (Some(n), Some(ns)) = (result.eval_count, result.eval_duration_ns) {
                self.timing.eval_tokens += n;
                self.timing.eval_ns += ns;
            }
        }
        if !result.is_error() {
            // An unknown truth (an unlabeled folder) is no row of the matrix.
            if !result.truth.is_empty() {
                self.axis.ensure(&result.truth);
            }
            if let Some(label) = &result.label {
                self.axis.ensure(label);
            }
            self.pairs_stale = true;
        }
        self.recent.push_back(index);
        while self.recent.len() > RECENT_LEN {
            self.recent.pop_front();
        }
        self.results[index] = Some(result);
    }

    /// Appends streamed text to an in-flight item, keeping at most `MAX_STREAM_CHARS`.
    pub fn stream(&mut self, index: usize, text: &str) {
        if let Some(item) = self.in_flight.get_mut(&index) {
            item.text.push_str(text);
            if item.text.len() > MAX_STREAM_CHARS {
                let mut cut = item.text.len() - MAX_STREAM_CHARS;
                while !item.text.is_char_boundary(cut) {
                    cut += 1;
                }
                item.text.drain(..cut);
            }
        }
    }

    /// What to print after the workbench has left the screen: where the session is, and for
    /// an unfinished one how to continue it. `None` without a session.
    pub fn farewell(&self) -> Option<String> {
        let dir = self.session_dir.as_ref()?.display().to_string();
        let unfinished = self.phase.is_active()
            || matches!(self.phase, RunPhase::Finished { interrupted: true })
            || self.tally.done() < self.total as u64;
        match self.phase {
            RunPhase::Viewing => Some(format!("squint: session {dir}")),
            RunPhase::NotReady | RunPhase::Preparing => None,
            _ if unfinished => Some(format!(
                "squint: stopped at {}/{}; finished items are saved in {dir}\n\
                 continue with: squint run --resume {dir}   (or in the workbench: squint tui --resume {dir})",
                self.tally.done(),
                self.total
            )),
            _ => Some(format!("squint: session saved in {dir}")),
        }
    }

    /// Estimated time left at the current rate.
    pub fn eta(&self, now: Option<Instant>) -> Option<Duration> {
        let rate = self.timing.rate(now)?;
        let left = (self.total as u64).saturating_sub(self.tally.done()) as f64;
        Some(Duration::from_secs_f64(left / rate))
    }

    /// Recomputes the most confused pairs (off-diagonal cells, largest first), O(labels²).
    pub fn refresh_pairs(&mut self) {
        let rows = &self.axis.rows;
        let cols = &self.axis.cols;
        let mut pairs = Vec::new();
        for (r, truth) in rows.iter().enumerate() {
            if self.tally.metrics.true_count(truth) == 0 {
                continue;
            }
            for (c, pred) in cols.iter().enumerate() {
                if truth == pred {
                    continue;
                }
                let n = self.tally.metrics.count(truth, pred);
                if n > 0 {
                    pairs.push((r, c, n));
                }
            }
        }
        pairs.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
        self.pairs = pairs;
        self.pairs_stale = false;
    }
}
