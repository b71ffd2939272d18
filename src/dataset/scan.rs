//! The scan entry point: checks the path, picks the layout (detected or forced), runs the
//! folder walk or the manifest reader, and sorts the result. Never reads image bytes.

use std::fs;
use std::path::{Path, PathBuf};

use super::layout::{detect_layout_why, top_level};
use super::manifest::read_manifest;
use super::walk::walk;
use super::{Dataset, DatasetError, Layout, is_manifest_name};

/// Scans a dataset folder or manifest file.
///
/// `layout` overrides detection. Items come back sorted by `rel`; skipped entries are counted
/// in `skipped` and the first few problems are named in `warnings`. A path that does not
/// exist or cannot be read, an unrecognisable layout, a bad manifest row, or a scan that finds
/// no labelled image at all is an error.
pub fn scan(path: &Path, layout: Option<Layout>) -> Result<Dataset, DatasetError> {
    let meta = fs::metadata(path).map_err(|e| DatasetError::from_io(path, e))?;
    let (layout, reason) = match layout {
        Some(layout) => (layout, None),
        None => detect_layout_why(path)?,
    };
    let (root, manifest, mut items, skipped, mut warnings) = match layout {
        Layout::Manifest => {
            let manifest = if meta.is_dir() {
                single_manifest(path)?
            } else {
                path.to_path_buf()
            };
            if !is_manifest_name(&manifest) {
                return Err(DatasetError::NotAManifest { path: manifest });
            }
            let out = read_manifest(&manifest)?;
            (
                out.root,
                Some(manifest),
                out.items,
                out.skipped,
                out.warnings,
            )
        }
        Layout::Folders | Layout::Prefix | Layout::Unlabeled => {
            if !meta.is_dir() {
                return Err(DatasetError::NotAFolder {
                    path: path.to_path_buf(),
                    layout,
                });
            }
            // Fail early and clearly when the root itself cannot be listed.
            fs::read_dir(path).map_err(|e| DatasetError::from_io(path, e))?;
            let out = walk(path, layout);
            (
                path.to_path_buf(),
                None,
                out.items,
                out.skipped,
                out.warnings,
            )
        }
    };
    if items.is_empty() {
        let mut skipped = skipped.summary();
        if let Some(first) = warnings.first() {
            skipped = format!("{skipped}; first problem: {first}");
        }
        return Err(DatasetError::NoImages {
            path: path.to_path_buf(),
            layout,
            skipped,
        });
    }
    // `rel` is unique (a walk lists each file once; a manifest's duplicates are skipped), so
    // an unstable sort gives the same order, without a stable sort's buffer of half the items.
    items.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    warnings.splice(0..0, reason);
    Ok(Dataset {
        root,
        manifest,
        layout,
        items: items.into(),
        skipped,
        warnings,
    })
}

/// The one manifest at the top of a folder, for `--layout manifest` on a folder.
fn single_manifest(dir: &Path) -> Result<PathBuf, DatasetError> {
    let mut manifests = top_level(dir)?.manifests;
    match manifests.len() {
        0 => Err(DatasetError::NoManifest {
            path: dir.to_path_buf(),
        }),
        1 => Ok(manifests.remove(0)),
        _ => Err(DatasetError::ManyManifests {
            path: dir.to_path_buf(),
            found: manifests
                .iter()
                .map(|m| {
                    m.file_name()
                        .unwrap_or_default()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, b"").expect("write");
    }

    #[test]
    fn sorted_items_and_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        for rel in ["b/2.png", "a/1.png", "b/1.png"] {
            touch(root, rel);
        }
        let ds = scan(root, None).expect("scan");
        let rels: Vec<&str> = ds.items.iter().map(|i| &*i.rel).collect();
        assert_eq!(rels, ["a/1.png", "b/1.png", "b/2.png"]);
        assert_eq!(ds.layout, Layout::Folders);

        let cases: Vec<(Option<Layout>, &str)> = vec![
            (Some(Layout::Prefix), "found no labelled images"),
            (Some(Layout::Manifest), "has no .csv or .jsonl"),
        ];
        for (layout, want) in cases {
            let err = scan(root, layout).expect_err("error").to_string();
            assert!(err.contains(want), "{err}");
        }
        let missing = scan(&root.join("nope"), None)
            .expect_err("missing")
            .to_string();
        assert!(missing.contains("does not exist"), "{missing}");
    }

    #[test]
    fn several_manifests_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        touch(dir.path(), "a.csv");
        touch(dir.path(), "b.jsonl");
        let err = scan(dir.path(), Some(Layout::Manifest))
            .expect_err("many")
            .to_string();
        assert!(err.contains("a.csv, b.jsonl"), "{err}");
        let err = scan(&dir.path().join("a.csv"), Some(Layout::Folders)).expect_err("file");
        assert!(err.to_string().contains("needs a folder"), "{err}");
    }
}
