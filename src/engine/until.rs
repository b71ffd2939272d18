//! `--until-ci W`: the running accuracy tally the engine checks after every finished item, to
//! stop once the 95% Wilson interval on accuracy is narrower than ±W. Pure counting; never
//! stops the run itself (the engine does).

use crate::domain::metrics::wilson_interval;
use crate::domain::result::ItemResult;

/// Answered and correct items so far, and the half width to reach.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct UntilCi {
    width: f64,
    answered: u64,
    correct: u64,
}

/// What an item counts for: `Some(correct)` when answered (unparsed is answered, not correct),
/// `None` when its request failed (failures are not predictions).
pub(super) fn verdict(result: &ItemResult) -> Option<bool> {
    (!result.is_error()).then(|| result.is_correct())
}

impl UntilCi {
    /// A tally that is narrow enough once the half width is below `width`, starting from the
    /// results a resumed session already holds.
    pub(super) fn new<'a>(width: f64, earlier: impl Iterator<Item = &'a ItemResult>) -> UntilCi {
        let mut tally = UntilCi {
            width,
            answered: 0,
            correct: 0,
        };
        for result in earlier {
            tally.record(verdict(result));
        }
        tally
    }

    /// Counts one finished item.
    pub(super) fn record(&mut self, verdict: Option<bool>) {
        if let Some(correct) = verdict {
            self.answered += 1;
            self.correct += u64::from(correct);
        }
    }

    /// The half width reached, once it is below the target.
    pub(super) fn reached(&self) -> Option<f64> {
        let half = self.half_width()?;
        (half < self.width).then_some(half)
    }

    /// The half width of the interval over the items counted; `None` before any answer.
    pub(super) fn half_width(&self) -> Option<f64> {
        Some(wilson_interval(self.correct, self.answered)?.half_width())
    }

    /// Answered items counted.
    pub(super) fn answered(&self) -> u64 {
        self.answered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reached_when_the_half_width_first_drops_below_the_target() {
        // All correct: the Wilson half width at n/n is z²/(2(n + z²)), below 0.1 from n = 16.
        let mut tally = UntilCi::new(0.1, std::iter::empty());
        let mut stopped_at = None;
        for n in 1..=40 {
            tally.record(Some(true));
            if tally.reached().is_some() {
                stopped_at = Some(n);
                break;
            }
        }
        assert_eq!(stopped_at, Some(16));
        assert_eq!(tally.answered(), 16);
        let failed = {
            let mut t = UntilCi::new(0.1, std::iter::empty());
            t.record(None);
            t
        };
        assert_eq!(failed.reached(), None, "failures are not answers");
    }
}
