//! The benchmark's verdict: every ratio to a target is remembered, and a ratio worse than
//! [`GROSS`] times its target fails the run. Noise on a shared machine moves ratios by tens of
//! percent, never threefold, so this catches a real regression without failing on load.
//! Never judges a figure that has no target.

/// How far past its target a ratio must be before the run fails.
pub(crate) const GROSS: f64 = 3.0;

/// Which way a ratio is good.
#[derive(Clone, Copy)]
pub(crate) enum Better {
    /// A cost: the ratio must stay at or below the target.
    Lower,
    /// A rate: the ratio must stay at or above the target.
    Higher,
}

/// The ratios seen so far.
#[derive(Default)]
pub(crate) struct Gate {
    misses: Vec<String>,
    gross: Vec<String>,
}

impl Gate {
    /// Records `ratio` against `target`; returns what to print after the ratio.
    pub(crate) fn check(
        &mut self,
        name: &str,
        ratio: f64,
        target: f64,
        better: Better,
    ) -> &'static str {
        let (met, gross) = match better {
            Better::Lower => (ratio <= target, ratio > target * GROSS),
            Better::Higher => (ratio >= target, ratio < target / GROSS),
        };
        if gross {
            self.gross.push(format!(
                "{name}: ratio {ratio:.3}, target {target} (more than {GROSS}x off)"
            ));
            "GROSS REGRESSION"
        } else if met {
            "met"
        } else {
            self.misses
                .push(format!("{name}: ratio {ratio:.3}, target {target}"));
            "missed"
        }
    }

    /// Prints the summary and fails (exit status 1) on a gross regression.
    pub(crate) fn finish(self) {
        println!();
        for miss in &self.misses {
            println!("target missed (not a failure): {miss}");
        }
        if self.gross.is_empty() {
            println!("no gross regression (a failure needs a ratio {GROSS}x past its target)");
            return;
        }
        for gross in &self.gross {
            eprintln!("gross regression: {gross}");
        }
        std::process::exit(1);
    }
}
