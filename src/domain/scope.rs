//! Which images a linked re-run asks again (`--only`, and the workbench's re-run scope keys):
//! everything, the misclassified, the unparsed, the failed, one confusion-matrix cell, or a
//! stratified sample. Pure: decides from the parent run's results; never reads files.

use std::fmt;
use std::str::FromStr;

use super::parse::UNPARSED;
use super::result::ItemResult;

/// The images of the parent run to ask again. Images the parent has no result for (new in
/// the dataset, or never reached) are always asked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RerunScope {
    /// Every image.
    #[default]
    All,
    /// Every answered image not classified right: a wrong label or unparsed.
    Wrong,
    /// Answers no label could be read from.
    Unparsed,
    /// Failed requests.
    Errors,
    /// One confusion-matrix cell: this true label, answered as this label (or `(unparsed)`).
    /// Written `cell:TRUE:PRED`; `spec` is the part after `cell:`, split by
    /// [`RerunScope::cell_labels`] once the labels are known (labels may contain `:`).
    Cell {
        /// `TRUE:PRED` as given.
        spec: String,
    },
    /// A stratified sample of N images per class (the seed makes it repeatable).
    Sample(usize),
}

impl RerunScope {
    /// A matrix cell as a scope.
    pub fn cell(truth: &str, predicted: &str) -> Self {
        RerunScope::Cell {
            spec: format!("{truth}:{predicted}"),
        }
    }

    /// For a cell scope, its (true, predicted) labels: the split of `TRUE:PRED` at a `:` where
    /// the left part is one of `labels` and the right part one of `labels` or `(unparsed)`.
    /// `None` for other scopes, or when no split names known labels.
    pub fn cell_labels(&self, labels: &[String]) -> Option<(String, String)> {
        let RerunScope::Cell { spec } = self else {
            return None;
        };
        let known = |l: &str| labels.iter().any(|x| x == l);
        spec.match_indices(':').find_map(|(at, _)| {
            let (truth, predicted) = (&spec[..at], &spec[at + 1..]);
            (known(truth) && (known(predicted) || predicted == UNPARSED))
                .then(|| (truth.to_owned(), predicted.to_owned()))
        })
    }

    /// Whether the parent's result `r` is asked again (cell scopes need the labels resolved
    /// by [`RerunScope::cell_labels`]; `Sample` is decided by the caller, per class).
    pub fn asks(&self, r: &ItemResult, cell: Option<&(String, String)>) -> bool {
        match self {
            RerunScope::All => true,
            RerunScope::Wrong => !r.is_error() && !r.is_correct(),
            RerunScope::Unparsed => r.is_unparsed(),
            RerunScope::Errors => r.is_error(),
            RerunScope::Cell { .. } => cell.is_some_and(|(truth, predicted)| {
                !r.is_error()
                    && &r.truth == truth
                    && r.label.as_deref().unwrap_or(UNPARSED) == predicted
            }),
            RerunScope::Sample(_) => false,
        }
    }
}

impl fmt::Display for RerunScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RerunScope::All => f.write_str("all"),
            RerunScope::Wrong => f.write_str("wrong"),
            RerunScope::Unparsed => f.write_str("unparsed"),
            RerunScope::Errors => f.write_str("errors"),
            RerunScope::Cell { spec } => write!(f, "cell:{spec}"),
            RerunScope::Sample(n) => write!(f, "sample:{n}"),
        }
    }
}

impl FromStr for RerunScope {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let usage = "expected all, wrong, unparsed, errors, cell:TRUE:PRED or sample:N";
        match s {
            "all" => return Ok(RerunScope::All),
            "wrong" => return Ok(RerunScope::Wrong),
            "unparsed" => return Ok(RerunScope::Unparsed),
            "errors" => return Ok(RerunScope::Errors),
            _ => {}
        }
        if let Some(spec) = s.strip_prefix("cell:") {
            if !spec.contains(':') {
                return Err(format!("{s:?}: a cell is cell:TRUE:PRED, e.g. cell:3:8"));
            }
            return Ok(RerunScope::Cell {
                spec: spec.to_owned(),
            });
        }
        if let Some(n) = s.strip_prefix("sample:") {
            return match n.parse::<usize>() {
                Ok(n) if n > 0 => Ok(RerunScope::Sample(n)),
                _ => Err(format!(
                    "{s:?}: sample:N needs a whole number of images per class above 0"
                )),
            };
        }
        Err(format!("{s:?}: {usage}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse::ParseStep;

    fn result(truth: &str, label: Option<&str>, error: bool) -> ItemResult {
        ItemResult {
            label: label.map(str::to_owned),
            parse: (!error).then_some(ParseStep::Exact),
            latency_ms: 0,
            error: error.then(|| "timeout".to_owned()),
            ..ItemResult::blank("x.png", truth)
        }
    }

    #[test]
    fn parses_and_prints_every_form() {
        for text in [
            "all",
            "wrong",
            "unparsed",
            "errors",
            "cell:3:8",
            "cell:a:b:c",
            "sample:5",
        ] {
            let scope: RerunScope = text.parse().unwrap();
            assert_eq!(scope.to_string(), text);
        }
        for bad in [
            "",
            "some",
            "cell:3",
            "sample:0",
            "sample:x",
            "sample:-1",
            "All",
        ] {
            let err = bad.parse::<RerunScope>().unwrap_err();
            assert!(err.contains(bad), "{err}");
        }
    }

    #[test]
    fn cell_labels_split_where_both_sides_are_labels() {
        let labels: Vec<String> = ["3", "8", "a:b", "c"].map(String::from).to_vec();
        let cases = [
            ("cell:3:8", Some(("3", "8"))),
            ("cell:a:b:c", Some(("a:b", "c"))),
            ("cell:3:(unparsed)", Some(("3", UNPARSED))),
            ("cell:3:9", None),
            ("cell:9:3", None),
        ];
        for (text, want) in cases {
            let scope: RerunScope = text.parse().unwrap();
            let got = scope.cell_labels(&labels);
            let want = want.map(|(t, p)| (t.to_owned(), p.to_owned()));
            assert_eq!(got, want, "{text}");
        }
        assert_eq!(RerunScope::Wrong.cell_labels(&labels), None);
        assert_eq!(RerunScope::cell("3", "8").to_string(), "cell:3:8");
    }

    #[test]
    fn which_results_are_asked() {
        let right = result("3", Some("3"), false);
        let wrong = result("3", Some("8"), false);
        let unparsed = result("3", None, false);
        let failed = result("3", None, true);
        let cell = ("3".to_owned(), "8".to_owned());
        let unparsed_cell = ("3".to_owned(), UNPARSED.to_owned());
        // (scope, cell, [right, wrong, unparsed, failed])
        let cases = [
            (RerunScope::All, None, [true, true, true, true]),
            (RerunScope::Wrong, None, [false, true, true, false]),
            (RerunScope::Unparsed, None, [false, false, true, false]),
            (RerunScope::Errors, None, [false, false, false, true]),
            (
                RerunScope::cell("3", "8"),
                Some(&cell),
                [false, true, false, false],
            ),
            (
                RerunScope::cell("3", "(unparsed)"),
                Some(&unparsed_cell),
                [false, false, true, false],
            ),
            (
                RerunScope::cell("3", "9"),
                None,
                [false, false, false, false],
            ),
        ];
        for (scope, cell, want) in cases {
            let got = [&right, &wrong, &unparsed, &failed].map(|r| scope.asks(r, cell));
            assert_eq!(got, want, "{scope}");
        }
    }
}
