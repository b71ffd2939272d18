//! Datasets of labelled images: finding them on disk and choosing which items to run.
//!
//! Three layouts are understood (see [`Layout`]); [`scan`] detects one, walks the files and
//! returns a [`Dataset`] whose items are sorted by their path relative to the root, together
//! with counts of everything it skipped. [`select`] then picks a deterministic subset and
//! [`arrange`] puts it in the order it is asked in.
//! This module never reads image bytes (scanning a hundred thousand files must take about a
//! second) and never panics on what it finds on disk: odd entries are counted, not fatal.

mod error;
mod layout;
mod manifest;
mod order;
pub mod raw_name;
mod run_items;
mod scan;
mod select;
mod walk;
mod warnings;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use error::DatasetError;
pub use layout::detect_layout;
pub use order::{RunOrder, arrange};
pub use run_items::RunItems;
pub use scan::scan;
pub use select::{select, select_by};

/// Where the labels of a dataset come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One top-level sub-folder per class (torchvision's ImageFolder); nesting below is allowed.
    Folders,
    /// Images whose file name starts with the label and an underscore: `7_img_117.jpg` is a "7".
    Prefix,
    /// A CSV (`path,label` header) or JSONL (`{"path": .., "label": ..}`) file listing the images.
    Manifest,
    /// A folder of images with no labels (every image below it): the truth is unknown, the
    /// labels come from the template's `labels`, and the model proposes one per image.
    Unlabeled,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Folders => "folders",
            Self::Prefix => "prefix",
            Self::Manifest => "manifest",
            Self::Unlabeled => "unlabeled",
        })
    }
}

/// One labelled image of a dataset. Compact (a million of them take about 64 MB): the path
/// to open is not stored but made from the dataset root and `rel` ([`DatasetItem::path_in`]),
/// and the label is shared by every item of its class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetItem {
    /// Path relative to the dataset root with `/` separators (or absolute, for a manifest row
    /// outside its folder): the item's key in sessions. Names that are not UTF-8 are in
    /// [`raw_name`]'s lossless escaped form.
    pub rel: Box<str>,
    /// The ground-truth label; empty when unknown (the `unlabeled` layout).
    pub truth: Arc<str>,
}

impl DatasetItem {
    /// An item with its own copies of `rel` and `truth` (tests and one-off items; a scan
    /// shares each label through a [`LabelPool`]).
    pub fn new(rel: &str, truth: &str) -> DatasetItem {
        DatasetItem {
            rel: rel.into(),
            truth: truth.into(),
        }
    }

    /// The path to open: `root` (the dataset root as given) joined with `rel`, decoded back
    /// to the exact bytes of a name that is not UTF-8; an absolute `rel` stands alone.
    pub fn path_in(&self, root: &Path) -> PathBuf {
        if !self.rel.contains('\\') {
            return root.join(&*self.rel);
        }
        root.join(raw_path(&self.rel))
    }
}

/// The path an escaped `rel` stands for (see [`raw_name`]).
#[cfg(unix)]
fn raw_path(rel: &str) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    PathBuf::from(std::ffi::OsString::from_vec(raw_name::decode(rel)))
}

/// The path an escaped `rel` stands for (see [`raw_name`]); names that were not UTF-8 cannot
/// be rebuilt from bytes here, so they keep the text form.
#[cfg(not(unix))]
fn raw_path(rel: &str) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(&raw_name::decode(rel)).into_owned())
}

/// One shared copy of each label while items are made (a dataset has few labels and many
/// items).
#[derive(Debug, Default)]
pub(crate) struct LabelPool {
    labels: Vec<Arc<str>>,
}

impl LabelPool {
    /// The shared copy of `label`.
    pub(crate) fn get(&mut self, label: &str) -> Arc<str> {
        if let Some(known) = self.labels.iter().rev().find(|l| ***l == *label) {
            return known.clone();
        }
        let new: Arc<str> = label.into();
        self.labels.push(new.clone());
        new
    }
}

/// How many entries a scan left out, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SkipCounts {
    /// Files whose extension is not one of the decodable image formats.
    pub not_image: u64,
    /// Files and folders whose name starts with `.` (a hidden folder counts once).
    pub hidden: u64,
    /// Entries that could not be read: unreadable folders, broken links, missing manifest files.
    pub unreadable: u64,
    /// Images without a label (images at the root of a folders dataset, names without `_`...).
    pub no_label: u64,
    /// Images KEPT although their path is not valid UTF-8 (keyed losslessly, invalid bytes
    /// shown as `\xNN`).
    pub non_utf8: u64,
    /// Symbolic links that point back at one of their own parent folders (not followed).
    pub symlink_loops: u64,
}

impl SkipCounts {
    /// Number of entries left out (everything but `non_utf8`, which are kept).
    pub fn skipped_total(&self) -> u64 {
        self.not_image + self.hidden + self.unreadable + self.no_label + self.symlink_loops
    }

    /// A short human summary such as "3 not images, 1 hidden", or "nothing skipped".
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.not_image, "not images"),
            (self.hidden, "hidden"),
            (self.unreadable, "unreadable or missing"),
            (self.no_label, "without a label"),
            (self.symlink_loops, "symlink loops"),
            (self.non_utf8, "non-UTF-8 names (kept)"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        if parts.is_empty() {
            "nothing skipped".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// A scanned dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The folder the relative paths start from (a manifest's own folder for manifests).
    pub root: PathBuf,
    /// The manifest file, for the manifest layout.
    pub manifest: Option<PathBuf>,
    /// The layout used (detected or forced).
    pub layout: Layout,
    /// The labelled images, sorted by `rel`: the one list a run's items share.
    pub items: Arc<[DatasetItem]>,
    /// What was left out.
    pub skipped: SkipCounts,
    /// Human-readable notes on the first few problems (missing files, loops, duplicates).
    pub warnings: Vec<String>,
}

impl Dataset {
    /// The path to open for `item` (one of this dataset's items).
    pub fn path(&self, item: &DatasetItem) -> PathBuf {
        item.path_in(&self.root)
    }

    /// Every item, in `rel` order (what a run over the whole dataset in file order asks).
    pub fn all_items(&self) -> RunItems {
        RunItems::new(
            &self.root,
            self.items.clone(),
            (0..self.items.len() as u32).collect(),
        )
    }

    /// The sorted, unique ground-truth labels.
    pub fn classes(&self) -> Vec<String> {
        self.class_counts()
            .into_iter()
            .map(|(label, _)| label)
            .collect()
    }

    /// Each label with its number of items, sorted by label (images whose truth is unknown
    /// are no class).
    pub fn class_counts(&self) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for item in self.items.iter().filter(|i| !i.truth.is_empty()) {
            *counts.entry(&item.truth).or_default() += 1;
        }
        counts
            .into_iter()
            .map(|(label, n)| (label.to_owned(), n))
            .collect()
    }
}

/// File extensions (lower case) of the formats the `image` crate features decode.
pub const IMAGE_EXTENSIONS: [&str; 8] = ["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"];

/// Whether a file name has an image extension (case-insensitive); never looks at the bytes.
pub fn is_image_name(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| {
            IMAGE_EXTENSIONS
                .iter()
                .any(|known| ext.eq_ignore_ascii_case(known))
        })
}

/// Whether a file name looks like a manifest (`.csv` or `.jsonl`, case-insensitive).
pub(crate) fn is_manifest_name(path: &Path) -> bool {
    path.extension()
        .and_then(|ext| ext.to_str())
        .is_some_and(|ext| ext.eq_ignore_ascii_case("csv") || ext.eq_ignore_ascii_case("jsonl"))
}

/// Whether a file or folder name is hidden (starts with `.`).
pub(crate) fn is_hidden_name(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// A path as a `/`-separated string, dropping `.` components; names that are not UTF-8 are
/// kept losslessly in [`raw_name`]'s escaped form, so two names never share a key.
pub(crate) fn rel_string(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::CurDir => None,
            Component::RootDir => Some(String::new()),
            other => Some(raw_name::encode(other.as_os_str())),
        })
        .collect();
    parts.join("/")
}

/// Test items: `n` of each class, named `<class>/000.png`, `<class>/001.png`..., class by
/// class in the order given.
#[cfg(test)]
fn items_per_class(per_class: &[(&str, usize)]) -> Vec<DatasetItem> {
    per_class
        .iter()
        .flat_map(|(label, n)| {
            (0..*n).map(move |i| DatasetItem::new(&format!("{label}/{i:03}.png"), label))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names_by_extension() {
        let cases = [
            ("a.jpg", true),
            ("a.JPEG", true),
            ("dir.v2/b.Png", true),
            ("c.webp", true),
            ("d.gif", true),
            ("e.bmp", true),
            ("f.tif", true),
            ("g.TIFF", true),
            ("h.txt", false),
            ("jpg", false),
            (".jpg", false),
            ("i.jpg.bak", false),
            ("j.heic", false),
            ("", false),
        ];
        for (name, want) in cases {
            assert_eq!(is_image_name(name), want, "{name}");
        }
    }

    #[test]
    fn manifest_and_hidden_names() {
        assert!(is_manifest_name(Path::new("x/labels.CSV")));
        assert!(is_manifest_name(Path::new("labels.jsonl")));
        assert!(!is_manifest_name(Path::new("labels.json")));
        assert!(is_hidden_name(std::ffi::OsStr::new(".git")));
        assert!(!is_hidden_name(std::ffi::OsStr::new("a.b")));
    }

    #[test]
    fn rel_strings_use_slashes() {
        let cases = [
            ("a/b/c.png", "a/b/c.png"),
            ("./a/./b.png", "a/b.png"),
            ("../up.png", "../up.png"),
            ("/abs/x.png", "/abs/x.png"),
        ];
        for (path, want) in cases {
            assert_eq!(rel_string(Path::new(path)), want, "{path}");
        }
    }

    #[test]
    fn class_counts_and_summary() {
        let item = DatasetItem::new;
        let ds = Dataset {
            root: PathBuf::from("."),
            manifest: None,
            layout: Layout::Folders,
            items: vec![
                item("b/1.png", "b"),
                item("a/1.png", "a"),
                item("b/2.png", "b"),
            ]
            .into(),
            skipped: SkipCounts {
                not_image: 3,
                hidden: 1,
                ..SkipCounts::default()
            },
            warnings: Vec::new(),
        };
        assert_eq!(ds.classes(), ["a", "b"]);
        assert_eq!(
            ds.class_counts(),
            [("a".to_owned(), 1), ("b".to_owned(), 2)]
        );
        assert_eq!(ds.skipped.summary(), "3 not images, 1 hidden");
        assert_eq!(ds.skipped.skipped_total(), 4);
        assert_eq!(SkipCounts::default().summary(), "nothing skipped");
        assert_eq!(Layout::Manifest.to_string(), "manifest");
    }
}
