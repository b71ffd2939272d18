//! Progress for logs: when stderr is not a terminal (a CI job, `2> file`), a plain line every
//! [`INTERVAL`] and at each tenth of the run, instead of a bar nobody sees. Pure: it decides
//! when and what to print; the caller prints. Never writes anything itself.

use std::time::{Duration, Instant};

/// Longest time between two progress lines while a run goes on.
pub(super) const INTERVAL: Duration = Duration::from_secs(10);

/// What a progress line reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Snapshot {
    /// Items finished, replayed ones included.
    pub done: u64,
    /// Items in the run.
    pub total: u64,
    /// Items whose request failed.
    pub errors: u64,
    /// Accuracy over the answered items, `None` before the first answer.
    pub accuracy: Option<f64>,
}

/// When to print the next line.
#[derive(Debug, Clone)]
pub(super) struct PlainProgress {
    started: Instant,
    last_line: Instant,
    last_tenth: u64,
    /// Items that were already done when the run started (resume): not part of the rate.
    replayed: u64,
}

impl PlainProgress {
    /// Starts the clock at `now`.
    pub(super) fn new(now: Instant) -> PlainProgress {
        PlainProgress {
            started: now,
            last_line: now,
            last_tenth: 0,
            replayed: 0,
        }
    }

    /// Counts `n` items replayed from an earlier attempt (left out of the rate).
    pub(super) fn replayed(&mut self, n: u64) {
        self.replayed += n;
    }

    /// The line to print after an item finished, when it crossed a tenth of the run or
    /// [`INTERVAL`] passed since the last line.
    pub(super) fn on_item(&mut self, snap: Snapshot, now: Instant) -> Option<String> {
        let tenth = (snap.done * 10).checked_div(snap.total).unwrap_or(0);
        if tenth > self.last_tenth || now.duration_since(self.last_line) >= INTERVAL {
            self.last_tenth = self.last_tenth.max(tenth);
            return Some(self.line(snap, now));
        }
        None
    }

    /// The line to print on a timer tick, when [`INTERVAL`] passed since the last line (so a
    /// stalled server still shows up in the log).
    pub(super) fn on_tick(&mut self, snap: Snapshot, now: Instant) -> Option<String> {
        (now.duration_since(self.last_line) >= INTERVAL).then(|| self.line(snap, now))
    }

    fn line(&mut self, snap: Snapshot, now: Instant) -> String {
        self.last_line = now;
        let elapsed = now.duration_since(self.started).as_secs_f64();
        let fresh = snap.done.saturating_sub(self.replayed);
        let rate = if elapsed > 0.0 {
            fresh as f64 / elapsed
        } else {
            0.0
        };
        let percent = (snap.done * 100).checked_div(snap.total).unwrap_or(100);
        let accuracy = snap
            .accuracy
            .map_or_else(|| "-".to_owned(), |a| format!("{a:.3}"));
        let remaining = snap.total.saturating_sub(snap.done);
        let eta = if remaining == 0 {
            "0s".to_owned()
        } else if rate > 0.0 {
            human(remaining as f64 / rate)
        } else {
            "unknown".to_owned()
        };
        format!(
            "progress: {}/{} ({percent}%), accuracy {accuracy}, {} errors, {rate:.2} images/s, ETA {eta}",
            snap.done, snap.total, snap.errors
        )
    }
}

/// `3h 02m`, `4m 05s`, `12s`.
fn human(secs: f64) -> String {
    let secs = secs.round() as u64;
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(done: u64, total: u64) -> Snapshot {
        Snapshot {
            done,
            total,
            errors: 1,
            accuracy: Some(0.5),
        }
    }

    #[test]
    fn prints_at_each_tenth_and_after_the_interval() {
        let t0 = Instant::now();
        let mut p = PlainProgress::new(t0);
        let at = |ms| t0 + Duration::from_millis(ms);
        assert_eq!(p.on_item(snap(1, 100), at(100)), None);
        assert_eq!(p.on_item(snap(9, 100), at(900)), None);
        let line = p.on_item(snap(10, 100), at(1000)).unwrap_or_default();
        assert_eq!(
            line,
            "progress: 10/100 (10%), accuracy 0.500, 1 errors, 10.00 images/s, ETA 9s"
        );
        assert_eq!(p.on_item(snap(11, 100), at(1100)), None);
        assert_eq!(p.on_tick(snap(11, 100), at(10_999)), None);
        let stalled = p.on_tick(snap(11, 100), at(11_000)).unwrap_or_default();
        assert!(stalled.starts_with("progress: 11/100 (11%)"), "{stalled}");
        assert!(
            p.on_item(snap(100, 100), at(12_000))
                .is_some_and(|l| l.contains("ETA 0s"))
        );
    }

    #[test]
    fn resumed_items_do_not_inflate_the_rate() {
        let t0 = Instant::now();
        let mut p = PlainProgress::new(t0);
        p.replayed(50);
        let line = p
            .on_item(
                Snapshot {
                    done: 60,
                    total: 100,
                    errors: 0,
                    accuracy: None,
                },
                t0 + Duration::from_secs(10),
            )
            .unwrap_or_default();
        assert!(
            line.contains("1.00 images/s") && line.contains("accuracy -"),
            "{line}"
        );
        assert!(line.contains("ETA 40s"), "{line}");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(12.0), "12s");
        assert_eq!(human(245.0), "4m 05s");
        assert_eq!(human(10_920.0), "3h 02m");
    }
}
