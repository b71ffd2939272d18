//! Layout detection: looks at the top level of a dataset path (and, for each sub-folder, only
//! as far as its first image) to decide between folders, prefix and manifest.
//! Never reads file contents.

use std::fs;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::walk::prefix_label;
use super::{DatasetError, Layout, is_hidden_name, is_image_name, is_manifest_name};

/// What the top level of a folder holds (hidden entries ignored).
#[derive(Debug, Default)]
pub(crate) struct TopLevel {
    /// Sub-folders that contain at least one image somewhere below them.
    pub class_dirs: usize,
    /// `.csv` / `.jsonl` files.
    pub manifests: Vec<PathBuf>,
    /// Images directly inside.
    pub images: usize,
    /// Of those, how many have a non-empty label prefix before `_`.
    pub prefixed: usize,
    /// Distinct prefixes seen (at most two kept: one prefix is no set of classes).
    pub prefixes: Vec<String>,
    /// Other files.
    pub others: usize,
}

/// Whether a folder holds an image anywhere below it (stops at the first one).
fn has_image_below(dir: &Path) -> bool {
    WalkDir::new(dir)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden_name(e.file_name()))
        .filter_map(Result::ok)
        .any(|e| e.file_type().is_file() && is_image_name(&e.file_name().to_string_lossy()))
}

/// Reads the top level of `dir`.
pub(crate) fn top_level(dir: &Path) -> Result<TopLevel, DatasetError> {
    let mut top = TopLevel::default();
    let entries = fs::read_dir(dir).map_err(|e| DatasetError::from_io(dir, e))?;
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if is_hidden_name(&name) {
            continue;
        }
        let path = entry.path();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let (is_dir, is_file) = if file_type.is_symlink() {
            (path.is_dir(), path.is_file())
        } else {
            (file_type.is_dir(), file_type.is_file())
        };
        let name = name.to_string_lossy();
        if is_dir {
            top.class_dirs += usize::from(has_image_below(&path));
        } else if is_file && is_image_name(&name) {
            top.images += 1;
            if let Some(prefix) = prefix_label(&name) {
                top.prefixed += 1;
                if top.prefixes.len() < 2 && !top.prefixes.iter().any(|p| p == prefix) {
                    top.prefixes.push(prefix.to_owned());
                }
            }
        } else if is_file && is_manifest_name(&path) {
            top.manifests.push(path);
        } else {
            top.others += 1;
        }
    }
    top.manifests.sort();
    Ok(top)
}

/// The layout of a dataset path, as `scan` would use it without `--layout`.
///
/// A `.csv`/`.jsonl` file is a manifest. In a folder: two or more sub-folders with images
/// mean `folders`; otherwise a single top-level manifest means `manifest` (so `labels.csv`
/// beside an `images/` folder works); one sub-folder with images means `folders`; images
/// directly inside whose names mostly carry a `label_` prefix mean `prefix`.
pub fn detect_layout(path: &Path) -> Result<Layout, DatasetError> {
    detect_layout_why(path).map(|(layout, _)| layout)
}

/// [`detect_layout`], with a sentence saying why when the choice is not obvious: images
/// directly inside a folders dataset (left out), or a folder taken as unlabeled.
pub(crate) fn detect_layout_why(path: &Path) -> Result<(Layout, Option<String>), DatasetError> {
    let meta = fs::metadata(path).map_err(|e| DatasetError::from_io(path, e))?;
    if !meta.is_dir() {
        return if is_manifest_name(path) {
            Ok((Layout::Manifest, None))
        } else {
            Err(DatasetError::NotAManifest {
                path: path.to_path_buf(),
            })
        };
    }
    let top = top_level(path)?;
    let layout = layout_of(&top).ok_or_else(|| DatasetError::UnknownLayout {
        path: path.to_path_buf(),
        found: describe(&top),
    })?;
    Ok((layout, reason(&top, layout)))
}

/// Why `layout` was chosen, when a user could have meant another one.
fn reason(top: &TopLevel, layout: Layout) -> Option<String> {
    match layout {
        Layout::Folders if top.images > 0 => Some(format!(
            "layout folders: the {} sub-folder(s) with images are the classes; the {} image(s) directly inside have no class folder and are left out (--layout unlabeled classifies every image, without labels)",
            top.class_dirs, top.images
        )),
        Layout::Unlabeled => Some(format!(
            "layout unlabeled: {} image(s) directly inside, no class sub-folders, no manifest{}: the truth is unknown, the labels come from the template",
            top.images,
            if top.prefixed > 0 {
                " and no set of LABEL_ name prefixes"
            } else {
                ""
            }
        )),
        _ => None,
    }
}

/// The decision table of [`detect_layout`], on a summary of the top level.
fn layout_of(top: &TopLevel) -> Option<Layout> {
    if top.class_dirs >= 2 {
        Some(Layout::Folders)
    } else if top.manifests.len() == 1 {
        Some(Layout::Manifest)
    } else if top.class_dirs == 1 {
        Some(Layout::Folders)
    } else if top.images > 0 && top.prefixed * 2 >= top.images && top.prefixes.len() >= 2 {
        Some(Layout::Prefix)
    } else if top.images > 0 && top.manifests.is_empty() {
        Some(Layout::Unlabeled)
    } else {
        None
    }
}

/// What the top level holds, in words, for the error message.
fn describe(top: &TopLevel) -> String {
    let mut parts = vec![
        format!("{} sub-folders with images", top.class_dirs),
        format!(
            "{} images directly inside ({} named like `label_...`)",
            top.images, top.prefixed
        ),
    ];
    match top.manifests.len() {
        0 => parts.push("no manifest".to_owned()),
        1 => {}
        n => parts.push(format!("{n} manifests (pass one of them as the path)")),
    }
    if top.others > 0 {
        parts.push(format!("{} other files", top.others));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(class_dirs: usize, manifests: usize, images: usize, prefixed: usize) -> TopLevel {
        TopLevel {
            class_dirs,
            manifests: (0..manifests)
                .map(|i| PathBuf::from(format!("m{i}.csv")))
                .collect(),
            images,
            prefixed,
            prefixes: if prefixed > 0 {
                vec!["a".into(), "b".into()]
            } else {
                Vec::new()
            },
            others: 0,
        }
    }

    #[test]
    fn decision_table() {
        let cases = [
            (top(2, 0, 0, 0), Some(Layout::Folders)),
            (top(3, 1, 5, 5), Some(Layout::Folders)),
            (top(1, 0, 0, 0), Some(Layout::Folders)),
            (top(1, 1, 0, 0), Some(Layout::Manifest)),
            (top(0, 1, 10, 10), Some(Layout::Manifest)),
            (top(0, 0, 10, 5), Some(Layout::Prefix)),
            (top(0, 0, 10, 4), Some(Layout::Unlabeled)),
            (
                TopLevel {
                    prefixes: vec!["IMG".into()],
                    ..top(0, 0, 10, 10)
                },
                Some(Layout::Unlabeled),
            ),
            (top(0, 2, 10, 0), None),
            (top(0, 2, 0, 0), None),
            (top(0, 0, 0, 0), None),
        ];
        for (summary, want) in cases {
            assert_eq!(layout_of(&summary), want, "{summary:?}");
        }
    }

    #[test]
    fn description_mentions_what_was_found() {
        let text = describe(&TopLevel {
            others: 2,
            ..top(0, 2, 3, 1)
        });
        assert_eq!(
            text,
            "0 sub-folders with images, 3 images directly inside (1 named like `label_...`), \
             2 manifests (pass one of them as the path), 2 other files"
        );
    }
}
