//! A run linked to an earlier session (`--from`): which of the parent's results are kept, which
//! images are asked again, and what changed in the dataset since. Reads the parent session;
//! never writes to it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::SetupError;
use crate::dataset::{self, RunItems};
use crate::domain::result::ItemResult;
use crate::domain::scope::RerunScope;
use crate::session::Session;

/// The parent session's results split for a linked run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inheritance {
    /// The parent session folder.
    pub parent: PathBuf,
    /// The scope asked again.
    pub scope: RerunScope,
    /// Parent results kept as they are (their images are not asked).
    pub kept: Vec<ItemResult>,
    /// Images of this run that will be asked.
    pub asked: usize,
    /// The parent's results for the images asked again (what the new answers are compared
    /// with while the run streams).
    pub replaced: Vec<ItemResult>,
    /// Images the parent had a result for that are no longer in the dataset (left out).
    pub vanished: Vec<String>,
    /// Images of this run the parent has no result for (new in the dataset, or never reached);
    /// always asked.
    pub new: Vec<String>,
}

impl Inheritance {
    /// What the user should know before the run: vanished and new images.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.vanished.is_empty() {
            out.push(format!(
                "{} of the parent session's images are no longer in the dataset and are left out: {}",
                self.vanished.len(),
                list(&self.vanished)
            ));
        }
        if !self.new.is_empty() {
            out.push(format!(
                "{} images have no result in the parent session (new in the dataset or never reached) and are asked: {}",
                self.new.len(),
                list(&self.new)
            ));
        }
        out
    }
}

/// At most five names, then how many more.
fn list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// Reads the parent session's results and splits them for a run over `items`.
pub(super) fn inherit(
    parent: &Path,
    scope: &RerunScope,
    items: &RunItems,
    labels: &[String],
    seed: u64,
) -> Result<Inheritance, SetupError> {
    let session = Session::open(parent)?;
    let log = session.read_results()?;
    split(parent, scope, items, labels, seed, log.results)
}

/// Splits `parent_results` for a run over `items`: results of images the scope does not ask
/// are kept, the rest (and images without a parent result) are asked.
pub(super) fn split(
    parent: &Path,
    scope: &RerunScope,
    items: &RunItems,
    labels: &[String],
    seed: u64,
    parent_results: Vec<ItemResult>,
) -> Result<Inheritance, SetupError> {
    let cell = match scope {
        RerunScope::Cell { spec } => Some(scope.cell_labels(labels).ok_or_else(|| {
            SetupError::Scope(format!(
                "--only cell:{spec}: no split of {spec:?} names two labels of this run ({}; the predicted side may also be (unparsed))",
                labels.join(", ")
            ))
        })?),
        _ => None,
    };
    let sampled: HashSet<String> = match scope {
        RerunScope::Sample(n) => {
            dataset::select_by(items.len(), |i| &items[i], Some(*n), None, seed)
                .into_iter()
                .map(|i| items[i as usize].rel.to_string())
                .collect()
        }
        _ => HashSet::new(),
    };
    let present: HashSet<&str> = items.iter().map(|i| &*i.rel).collect();
    let mut by_image: HashMap<String, ItemResult> = HashMap::new();
    let mut vanished = Vec::new();
    for r in parent_results {
        if present.contains(r.image.as_str()) {
            by_image.insert(r.image.clone(), r);
        } else {
            vanished.push(r.image);
        }
    }
    vanished.sort();
    let mut out = Inheritance {
        parent: parent.to_path_buf(),
        scope: scope.clone(),
        vanished,
        ..Inheritance::default()
    };
    for item in items {
        match by_image.remove(&*item.rel) {
            None => {
                out.new.push(item.rel.to_string());
                out.asked += 1;
            }
            Some(r) if scope.asks(&r, cell.as_ref()) || sampled.contains(&*item.rel) => {
                out.asked += 1;
                out.replaced.push(r);
            }
            Some(r) => out.kept.push(r),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::DatasetItem;
    use crate::domain::parse::ParseStep;

    fn item(rel: &str) -> DatasetItem {
        DatasetItem::new(rel, rel.split('/').next().unwrap_or_default())
    }

    fn run_items(items: Vec<DatasetItem>) -> RunItems {
        RunItems::from_items(Path::new("."), items)
    }

    fn result(rel: &str, label: Option<&str>) -> ItemResult {
        ItemResult {
            label: label.map(str::to_owned),
            parse: Some(ParseStep::Exact),
            latency_ms: 0,
            ..ItemResult::blank(rel, rel.split('/').next().unwrap_or_default())
        }
    }

    fn labels() -> Vec<String> {
        vec!["a".into(), "b".into()]
    }

    fn parent() -> Vec<ItemResult> {
        vec![
            result("a/1", Some("a")),
            result("a/2", Some("b")),
            result("b/1", None),
            result("b/2", Some("b")),
            result("gone/1", Some("a")),
        ]
    }

    fn images(results: &[ItemResult]) -> Vec<&str> {
        results.iter().map(|r| r.image.as_str()).collect()
    }

    #[test]
    fn wrong_keeps_the_right_ones_and_reports_dataset_changes() {
        let items = run_items(["a/1", "a/2", "b/1", "b/2", "b/3"].map(item).to_vec());
        let got = split(
            Path::new("p"),
            &RerunScope::Wrong,
            &items,
            &labels(),
            0,
            parent(),
        )
        .unwrap();
        assert_eq!(images(&got.kept), ["a/1", "b/2"]);
        assert_eq!(got.asked, 3);
        assert_eq!(
            images(&got.replaced),
            ["a/2", "b/1"],
            "b/3 has no parent result"
        );
        assert_eq!(got.vanished, ["gone/1"]);
        assert_eq!(got.new, ["b/3"]);
        let warnings = got.warnings().join("\n");
        assert!(warnings.contains("1 of the parent session's images are no longer in the dataset and are left out: gone/1"), "{warnings}");
        assert!(warnings.contains("are asked: b/3"), "{warnings}");
    }

    #[test]
    fn cell_all_and_sample() {
        let items = run_items(["a/1", "a/2", "b/1", "b/2"].map(item).to_vec());
        let cell = RerunScope::cell("a", "b");
        let got = split(Path::new("p"), &cell, &items, &labels(), 0, parent()).unwrap();
        assert_eq!(images(&got.kept), ["a/1", "b/1", "b/2"]);
        assert_eq!(got.asked, 1);

        let got = split(
            Path::new("p"),
            &RerunScope::All,
            &items,
            &labels(),
            0,
            parent(),
        )
        .unwrap();
        assert!(got.kept.is_empty());
        assert_eq!(got.asked, 4);

        let got = split(
            Path::new("p"),
            &RerunScope::Sample(1),
            &items,
            &labels(),
            0,
            parent(),
        )
        .unwrap();
        assert_eq!(got.asked, 2, "one per class");
        assert_eq!(got.kept.len(), 2);
        let kept_classes: Vec<&str> = got.kept.iter().map(|r| r.truth.as_str()).collect();
        assert_eq!(kept_classes, ["a", "b"]);
    }

    #[test]
    fn a_cell_of_unknown_labels_is_refused() {
        let items = run_items(vec![item("a/1")]);
        let err = split(
            Path::new("p"),
            &RerunScope::cell("a", "z"),
            &items,
            &labels(),
            0,
            parent(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("--only cell:a:z"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn long_lists_are_shortened() {
        let names: Vec<String> = (0..8).map(|i| i.to_string()).collect();
        assert_eq!(list(&names), "0, 1, 2, 3, 4 and 3 more");
    }
}
