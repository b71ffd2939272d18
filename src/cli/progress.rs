//! The headless consumer of run events: an indicatif progress bar on stderr (plain progress
//! lines when stderr is not a terminal) and the running tallies the final report needs.
//! Never writes to stdout.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::domain::corrections::CorrectedMetrics;
use crate::domain::result::ItemError;
use crate::domain::sanitize::one_line;
use crate::domain::tally::Tally;
use crate::engine::{HostShare, RunEvent};

use super::plain_progress::{PlainProgress, Snapshot};

/// A run as its events arrive: the shared tally, how it ended, and the bar.
pub(super) struct Progress {
    /// Counts and metrics (the same tally the workbench keeps).
    pub tally: Tally,
    /// Why the run stopped, when it stopped on a server (or disk) error.
    pub aborted: Option<ItemError>,
    /// Whether the run ended early.
    pub interrupted: bool,
    /// `(answered, half width)` when the run stopped once the accuracy was known (`--until-ci`).
    pub stopped_early: Option<(u64, f64)>,
    /// The report's metrics with another session's label corrections as the truth, when the
    /// run uses them (`--with-corrections`, `--corrections-from`).
    pub corrected: Option<CorrectedMetrics>,
    /// Each server's share, when the run went over several.
    pub hosts: Vec<HostShare>,
    bar: ProgressBar,
    /// Plain progress lines, when stderr is not a terminal.
    plain: Option<PlainProgress>,
}

/// Images per second as the progress line shows it: one decimal, no thousands separator
/// (`1403.2/s`).
fn rate(per_sec: f64) -> String {
    if per_sec.is_finite() {
        format!("{per_sec:.1}/s")
    } else {
        "–/s".to_owned()
    }
}

impl Progress {
    /// Progress of a run over `classes`, drawing to stderr when it is a terminal.
    pub(super) fn new(classes: &[String]) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {rate} ETA {eta} {msg}",
        )
        .map(|style| {
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = w.write_str(&rate(state.per_sec()));
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress {
            tally: Tally::new(classes, 0),
            aborted: None,
            interrupted: false,
            stopped_early: None,
            corrected: None,
            hosts: Vec::new(),
            bar,
            plain: (!std::io::stderr().is_terminal()).then(|| PlainProgress::new(Instant::now())),
        }
    }

    /// The metrics the report shows: with the corrections when the run uses them.
    pub(super) fn report_metrics(&self) -> &crate::domain::metrics::Metrics {
        self.corrected
            .as_ref()
            .map_or(&self.tally.metrics, |c| &c.metrics)
    }

    /// What the progress line reports now.
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            done: self.tally.done(),
            total: self.tally.total(),
            errors: self.tally.errors(),
            accuracy: (self.tally.metrics.total() > 0).then(|| self.tally.metrics.accuracy()),
        }
    }

    /// Called every second or so: prints a plain progress line when one is due (stderr not a
    /// terminal and nothing was printed for a while).
    pub(super) fn tick(&mut self) {
        let snap = self.snapshot();
        if let Some(line) = self
            .plain
            .as_mut()
            .and_then(|p| p.on_tick(snap, Instant::now()))
        {
            self.say(&line);
        }
    }

    /// Applies one event. Returns false once the run has finished.
    pub(super) fn apply(&mut self, event: RunEvent) -> bool {
        match event {
            RunEvent::Started {
                total,
                already_done,
            } => {
                self.tally.set_total(total as u64);
                self.bar.set_length(total as u64);
                if already_done > 0 {
                    self.say(&format!(
                        "{already_done} of {total} items already done (kept, not asked again)"
                    ));
                }
            }
            RunEvent::ItemFinished {
                result, replayed, ..
            } => {
                self.tally.record(&result);
                if let Some(corrected) = &mut self.corrected {
                    corrected.record(&result);
                }
                if result.is_error() && !replayed {
                    self.say(&format!(
                        "error: {}: {}",
                        result.image,
                        result.error.as_deref().unwrap_or_default()
                    ));
                }
                self.bar.inc(1);
                let ci = self
                    .tally
                    .metrics
                    .accuracy_ci95()
                    .map_or_else(String::new, |ci| format!(" ±{:.3}", ci.half_width()));
                self.bar.set_message(format!(
                    "acc {:.3}{ci}  errors {}  unparsed {}",
                    self.tally.metrics.accuracy(),
                    self.tally.errors(),
                    self.tally.unparsed()
                ));
                if replayed && let Some(plain) = self.plain.as_mut() {
                    plain.replayed(1);
                }
                let snap = self.snapshot();
                if let Some(line) = self
                    .plain
                    .as_mut()
                    .and_then(|p| p.on_item(snap, Instant::now()))
                {
                    self.say(&line);
                }
            }
            RunEvent::Retrying { attempt, error, .. } => {
                tracing::warn!("retrying (attempt {attempt}): {error}");
                self.say(&format!("retrying: {error}"));
            }
            RunEvent::Warning(message) => self.say(&format!("warning: {message}")),
            RunEvent::Hosts(shares) => self.hosts = shares,
            RunEvent::Aborted { error } => self.aborted = Some(error),
            RunEvent::StoppedEarly {
                answered,
                half_width,
            } => self.stopped_early = Some((answered, half_width)),
            RunEvent::Finished { interrupted } => {
                self.interrupted = interrupted;
                self.bar.finish_and_clear();
                return false;
            }
            RunEvent::ItemStarted { .. }
            | RunEvent::Token { .. }
            | RunEvent::Paused
            | RunEvent::Resumed => {}
        }
        true
    }

    /// A line above the bar (or plain on stderr when the bar is hidden), sanitised.
    fn say(&self, text: &str) {
        if self.bar.is_hidden() {
            super::out::err_line(text);
        } else {
            self.bar.println(one_line(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_has_one_decimal_and_no_separator() {
        assert_eq!(rate(1403.1907), "1403.2/s");
        assert_eq!(rate(0.25), "0.2/s");
        assert_eq!(rate(f64::INFINITY), "–/s");
    }
}
