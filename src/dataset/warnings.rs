//! A capped list of scan warnings: the first few problems are named, the rest only counted,
//! so a dataset with 50 000 missing files does not produce 50 000 lines.

/// How many problems are named before the rest are summarised.
pub(crate) const MAX_NAMED: usize = 5;

/// Collects warnings, naming at most [`MAX_NAMED`] of them.
#[derive(Debug, Default)]
pub(crate) struct Warnings {
    named: Vec<String>,
    more: u64,
}

impl Warnings {
    /// Records one problem; the message is built only while it will be shown.
    pub(crate) fn push(&mut self, message: impl FnOnce() -> String) {
        if self.named.len() < MAX_NAMED {
            self.named.push(message());
        } else {
            self.more += 1;
        }
    }

    /// The named warnings, plus a closing "and N more" line when some were left out.
    pub(crate) fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.named
                .push(format!("... and {} more like these", self.more));
        }
        self.named
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_summarises() {
        let cases = [
            (0usize, 0usize, None),
            (3, 3, None),
            (5, 5, None),
            (9, 6, Some(4)),
        ];
        for (pushed, want_len, more) in cases {
            let mut w = Warnings::default();
            for i in 0..pushed {
                w.push(|| format!("problem {i}"));
            }
            let out = w.finish();
            assert_eq!(out.len(), want_len, "{pushed}");
            if let Some(more) = more {
                assert_eq!(out.last(), Some(&format!("... and {more} more like these")));
            }
        }
    }
}
