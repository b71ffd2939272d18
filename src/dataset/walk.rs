//! Walks a dataset folder for the `folders`, `prefix` and `unlabeled` layouts.
//! Looks only at names and file types (never opens an image), follows symbolic links, and
//! turns every odd entry (hidden, not an image, unreadable, a link loop) into a count.

use std::path::Path;

use walkdir::WalkDir;

use super::warnings::Warnings;
use super::{
    DatasetItem, LabelPool, Layout, SkipCounts, is_hidden_name, is_image_name, rel_string,
};

/// What a walk found.
#[derive(Debug, Default)]
pub(crate) struct WalkOutcome {
    /// The labelled images, in walk order.
    pub items: Vec<DatasetItem>,
    /// What was left out.
    pub skipped: SkipCounts,
    /// The first few problems, named.
    pub warnings: Vec<String>,
}

/// The label encoded in a file name for the prefix layout: the text before the first `_`.
pub(crate) fn prefix_label(file_name: &str) -> Option<&str> {
    let (prefix, _) = file_name.split_once('_')?;
    let prefix = prefix.trim();
    (!prefix.is_empty()).then_some(prefix)
}

/// The key of a walked file: its path below the root, which a walk builds from plain names
/// joined with `/`, so a UTF-8 path without a backslash is its own key (what [`rel_string`]
/// gives, without taking it apart and joining it again).
fn walked_rel(rel_path: &Path) -> Box<str> {
    match rel_path.to_str() {
        Some(plain) if cfg!(unix) && !plain.contains('\\') => plain.into(),
        _ => rel_string(rel_path).into_boxed_str(),
    }
}

/// Walks `root` and labels images by top-level folder (`Folders`) or name prefix (otherwise).
pub(crate) fn walk(root: &Path, layout: Layout) -> WalkOutcome {
    let mut skipped = SkipCounts::default();
    let mut warnings = Warnings::default();
    let mut items = Vec::new();
    let mut labels = LabelPool::default();
    let mut hidden = 0u64;
    let mut class_folders = Vec::new();
    let entries = WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|entry| {
            let is_hidden = entry.depth() > 0 && is_hidden_name(entry.file_name());
            hidden += u64::from(is_hidden);
            !is_hidden
        });
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let shown = err.path().unwrap_or(root).display().to_string();
                if let Some(ancestor) = err.loop_ancestor() {
                    skipped.symlink_loops += 1;
                    let ancestor = ancestor.display().to_string();
                    warnings.push(|| format!("{shown} loops back to {ancestor}; not followed"));
                } else {
                    skipped.unreadable += 1;
                    warnings.push(|| format!("cannot read {shown}: {err}"));
                }
                continue;
            }
        };
        if entry.file_type().is_dir() {
            if entry.depth() == 1 && layout == Layout::Folders {
                class_folders.push(super::raw_name::encode(entry.file_name()));
            }
            continue;
        }
        let name = super::raw_name::encode(entry.file_name());
        if !entry.file_type().is_file() || !is_image_name(&name) {
            skipped.not_image += 1;
            continue;
        }
        let rel_path = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let label = match layout {
            Layout::Folders if entry.depth() >= 2 => rel_path
                .components()
                .next()
                .map(|c| super::raw_name::encode(c.as_os_str())),
            Layout::Folders => None,
            Layout::Prefix | Layout::Manifest => prefix_label(&name).map(str::to_owned),
            Layout::Unlabeled => Some(String::new()),
        };
        let Some(truth) = label else {
            skipped.no_label += 1;
            continue;
        };
        if rel_path.to_str().is_none() {
            skipped.non_utf8 += 1;
        }
        items.push(DatasetItem {
            rel: walked_rel(rel_path),
            truth: labels.get(&truth),
        });
    }
    skipped.hidden = hidden;
    let with_images: std::collections::HashSet<&str> =
        items.iter().map(|i: &DatasetItem| &*i.truth).collect();
    for class in class_folders
        .iter()
        .filter(|c| !with_images.contains(c.as_str()))
    {
        warnings
            .push(|| format!("class folder {class} has no images; it is not a class of this run"));
    }
    WalkOutcome {
        items,
        skipped,
        warnings: warnings.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_labels() {
        let cases = [
            ("7_img_117.jpg", Some("7")),
            ("Rook_00000051.jpg", Some("Rook")),
            ("golden retriever_3.png", Some("golden retriever")),
            ("_nolabel.png", None),
            ("cat.png", None),
            (" _x.png", None),
        ];
        for (name, want) in cases {
            assert_eq!(prefix_label(name), want, "{name}");
        }
    }

    #[test]
    fn empty_class_folders_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        for rel in ["cat/a.jpg", "dog/readme.txt", "bird/deep/x.txt"] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, b"").expect("write");
        }
        std::fs::create_dir_all(dir.path().join("fish")).expect("mkdir");
        let mut warnings = walk(dir.path(), Layout::Folders).warnings;
        warnings.sort();
        assert_eq!(
            warnings,
            ["bird", "dog", "fish"]
                .map(|c| format!("class folder {c} has no images; it is not a class of this run"))
        );
    }

    #[test]
    fn walk_labels_by_layout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for rel in [
            "cat/a.jpg",
            "cat/in/b_1.png",
            "dog/c.PNG",
            "top_1.jpg",
            "dog/notes.txt",
        ] {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, b"").expect("write");
        }
        let mut folders = walk(root, Layout::Folders);
        folders.items.sort_by(|a, b| a.rel.cmp(&b.rel));
        let got: Vec<(&str, &str)> = folders.items.iter().map(|i| (&*i.rel, &*i.truth)).collect();
        assert_eq!(
            got,
            [
                ("cat/a.jpg", "cat"),
                ("cat/in/b_1.png", "cat"),
                ("dog/c.PNG", "dog")
            ]
        );
        assert_eq!(folders.skipped.no_label, 1);
        assert_eq!(folders.skipped.not_image, 1);
        assert!(folders.warnings.is_empty(), "{:?}", folders.warnings);

        let prefix = walk(root, Layout::Prefix);
        let mut got: Vec<&str> = prefix.items.iter().map(|i| &*i.truth).collect();
        got.sort_unstable();
        assert_eq!(got, ["b", "top"]);
        assert_eq!(prefix.skipped.no_label, 2);
    }
}
