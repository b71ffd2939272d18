//! The labels of a session's images as `squint labels` exports them: the recorded truth, a
//! person's correction, or (with `--include-unreviewed`) the model's proposal where no truth is
//! known, each marked with where it came from; and the file names of an ImageFolder tree (one
//! folder per class, same-name files made unique).
//!
//! Pure: never reads, links or copies files (that is `labels_export`'s job).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::corrections::{Corrections, Verdict};
use super::result::ItemResult;

/// Where an exported label came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelSource {
    /// The dataset's own label (folder, file-name prefix or manifest).
    Dataset,
    /// A person's correction or review.
    Person,
    /// The model's proposal (only with `--include-unreviewed`).
    Model,
}

impl LabelSource {
    /// The name in the `source` column.
    pub fn name(self) -> &'static str {
        match self {
            LabelSource::Dataset => "dataset",
            LabelSource::Person => "person",
            LabelSource::Model => "model",
        }
    }
}

/// One image's exported label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRow {
    /// Image path relative to the dataset root.
    pub image: String,
    /// The label.
    pub label: String,
    /// Where it came from.
    pub source: LabelSource,
}

/// The labels to export and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSet {
    /// One row per exported image, sorted by image path.
    pub rows: Vec<LabelRow>,
    /// Images marked doubtful, left out.
    pub doubtful: usize,
    /// Images with no known truth left out (no review; the model's proposal not asked for, or
    /// the model gave none).
    pub unlabelled: usize,
}

/// The labels of `results`. With `with_corrections`, a correction replaces the truth and a
/// doubtful image is left out. An image with no truth (an unlabelled folder) takes its review
/// (a correction, always: it is the only label a person gave it), else the model's parsed
/// label only when `include_unreviewed`.
pub fn label_rows(
    results: &[ItemResult],
    corrections: &Corrections,
    with_corrections: bool,
    include_unreviewed: bool,
) -> LabelSet {
    let by_image = corrections.by_image();
    let mut set = LabelSet::default();
    for r in results {
        let verdict = by_image
            .get(r.image.as_str())
            .filter(|_| with_corrections || r.truth.is_empty());
        let row = match verdict {
            Some(Verdict::Doubtful) => {
                set.doubtful += 1;
                continue;
            }
            Some(Verdict::Label(label)) => Some((label.clone(), LabelSource::Person)),
            None if !r.truth.is_empty() => Some((r.truth.clone(), LabelSource::Dataset)),
            None if include_unreviewed && !r.is_error() => {
                r.label.clone().map(|l| (l, LabelSource::Model))
            }
            None => None,
        };
        match row {
            Some((label, source)) => set.rows.push(LabelRow {
                image: r.image.clone(),
                label,
                source,
            }),
            None => set.unlabelled += 1,
        }
    }
    set.rows.sort_by(|a, b| a.image.cmp(&b.image));
    set
}

/// Where one image goes in an ImageFolder tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreePlace {
    /// The class folder (the label, made safe as one path component).
    pub folder: String,
    /// The file name inside it.
    pub file: String,
    /// True when the file name differs from the image's own (made unique).
    pub renamed: bool,
}

/// A label as one safe folder name: no separators, not `.` or `..`, not empty.
pub fn folder_name(label: &str) -> String {
    let name: String = label
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    match name.as_str() {
        "" | "." | ".." => format!("_{name}"),
        _ => name,
    }
}

/// The place of each row in an ImageFolder tree, in row order. Files keep their own name
/// unless two images of one class share it (or it is in `taken`, files already in the target):
/// then each of them is named by its whole relative path with `/` as `__` (and `-2`, `-3`...
/// if even that is taken).
pub fn tree_places(rows: &[LabelRow], taken: &HashSet<(String, String)>) -> Vec<TreePlace> {
    let base = |image: &str| image.rsplit('/').next().unwrap_or(image).to_owned();
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    for r in rows {
        *count
            .entry((folder_name(&r.label), base(&r.image)))
            .or_default() += 1;
    }
    let mut used: HashSet<(String, String)> = taken.clone();
    rows.iter()
        .map(|r| {
            let folder = folder_name(&r.label);
            let own = base(&r.image);
            let key = (folder.clone(), own.clone());
            let clash = count.get(&key).copied().unwrap_or(0) > 1 || taken.contains(&key);
            let wanted = if clash {
                r.image.replace('/', "__")
            } else {
                own.clone()
            };
            let mut file = wanted.clone();
            let mut n = 2;
            while used.contains(&(folder.clone(), file.clone())) {
                file = with_suffix(&wanted, n);
                n += 1;
            }
            used.insert((folder.clone(), file.clone()));
            TreePlace {
                renamed: file != own,
                folder,
                file,
            }
        })
        .collect()
}

/// `name-2.png` for `name.png`.
fn with_suffix(name: &str, n: usize) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => format!("{stem}-{n}.{ext}"),
        _ => format!("{name}-{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::corrections::CorrectionEntry;
    use crate::domain::parse::ParseStep;

    fn result(image: &str, truth: &str, label: Option<&str>) -> ItemResult {
        ItemResult {
            label: label.map(Into::into),
            parse: Some(ParseStep::Exact),
            ..ItemResult::blank(image, truth)
        }
    }

    fn row(image: &str, label: &str) -> LabelRow {
        LabelRow {
            image: image.into(),
            label: label.into(),
            source: LabelSource::Dataset,
        }
    }

    #[test]
    fn rows_take_corrections_and_proposals_only_when_asked() {
        let results = vec![
            result("b/2.png", "3", Some("5")),
            result("a/1.png", "1", Some("1")),
            result("u/3.png", "", Some("7")),
            result("u/4.png", "", None),
            result("c/5.png", "2", Some("2")),
        ];
        let c = Corrections::from_log(&[
            CorrectionEntry::correct("b/2.png", "3", &Verdict::Label("5".into()), "t".into()),
            CorrectionEntry::correct("c/5.png", "2", &Verdict::Doubtful, "t".into()),
        ]);
        let plain = label_rows(&results, &c, false, false);
        assert_eq!(plain.rows.len(), 3);
        assert_eq!((plain.doubtful, plain.unlabelled), (0, 2));
        // A review of an unlabelled image counts without --with-corrections.
        let mut reviewed = c.clone();
        reviewed.push(CorrectionEntry::correct(
            "u/4.png",
            "",
            &Verdict::Label("9".into()),
            "t".into(),
        ));
        let only_reviewed = label_rows(&results, &reviewed, false, false);
        assert_eq!(only_reviewed.rows.len(), 4);
        assert!(
            only_reviewed
                .rows
                .iter()
                .any(|r| r.image == "u/4.png" && r.label == "9" && r.source == LabelSource::Person)
        );
        assert_eq!(
            only_reviewed.unlabelled, 1,
            "u/3.png: not reviewed, not asked for"
        );
        let fixed = label_rows(&results, &c, true, true);
        let got: Vec<(&str, &str, &str)> = fixed
            .rows
            .iter()
            .map(|r| (r.image.as_str(), r.label.as_str(), r.source.name()))
            .collect();
        assert_eq!(
            got,
            [
                ("a/1.png", "1", "dataset"),
                ("b/2.png", "5", "person"),
                ("u/3.png", "7", "model")
            ]
        );
        assert_eq!((fixed.doubtful, fixed.unlabelled), (1, 1));
    }

    #[test]
    fn same_names_in_a_class_are_made_unique_and_said() {
        let rows = vec![
            row("x/a.png", "cat"),
            row("y/a.png", "cat"),
            row("z/a.png", "dog"),
            row("b.png", "../etc"),
            row("c.png", "cat"),
        ];
        let taken: HashSet<(String, String)> = [("cat".to_owned(), "c.png".to_owned())].into();
        let places = tree_places(&rows, &taken);
        let got: Vec<(&str, &str, bool)> = places
            .iter()
            .map(|p| (p.folder.as_str(), p.file.as_str(), p.renamed))
            .collect();
        assert_eq!(
            got,
            [
                ("cat", "x__a.png", true),
                ("cat", "y__a.png", true),
                ("dog", "a.png", false),
                (".._etc", "b.png", false),
                ("cat", "c-2.png", true),
            ]
        );
        assert_eq!(folder_name(".."), "_..");
        assert_eq!(folder_name(""), "_");
    }
}
