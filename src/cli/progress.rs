//! The headless consumer of run events: an indicatif progress bar on stderr and the running
//! tallies the final report needs. Never writes to stdout.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::domain::sanitize::one_line;
use crate::domain::tally::Tally;
use crate::engine::RunEvent;

/// A run as its events arrive: the shared tally, how it ended, and the bar.
pub(super) struct Progress {
    /// Counts and metrics (the same tally the workbench keeps).
    pub tally: Tally,
    /// The abort message, when the run stopped on a server error.
    pub aborted: Option<String>,
    /// Whether the run ended early.
    pub interrupted: bool,
    bar: ProgressBar,
}

impl Progress {
    /// Progress of a run over `classes`, drawing to stderr when it is a terminal.
    pub(super) fn new(classes: &[String]) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(10));
        let style = ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress {
            tally: Tally::new(classes, 0),
            aborted: None,
            interrupted: false,
            bar,
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
                if result.is_error() && !replayed {
                    self.say(&format!(
                        "error: {}: {}",
                        result.image,
                        result.error.as_deref().unwrap_or_default()
                    ));
                }
                self.bar.inc(1);
                self.bar.set_message(format!(
                    "acc {:.3}  errors {}  unparsed {}",
                    self.tally.metrics.accuracy(),
                    self.tally.errors(),
                    self.tally.unparsed()
                ));
            }
            RunEvent::Retrying { attempt, error, .. } => {
                tracing::info!("retrying (attempt {attempt}): {error}");
            }
            RunEvent::Warning(message) => self.say(&format!("warning: {message}")),
            RunEvent::Aborted { error } => self.aborted = Some(error.message),
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
