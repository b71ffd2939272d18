//! The errors a dataset scan can end with. Every message names the path and says what to do.
//! Problems with single entries (a missing image, a loop) are never errors: they are counted.

use std::path::PathBuf;

use super::Layout;

/// The three layouts in a sentence, appended to layout errors.
const LAYOUT_HELP: &str = "squint understands three layouts: `folders` (one sub-folder per class, \
e.g. cat/x.jpg), `prefix` (the label before the first `_` of each image name, e.g. cat_001.jpg) \
and `manifest` (a .csv file with `path,label` columns or a .jsonl file of {\"path\": .., \
\"label\": ..} lines); pass --layout folders|prefix|manifest to choose one";

/// Why a dataset could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The dataset path does not exist.
    #[error("dataset path {} does not exist; check the spelling or pass an existing folder or manifest", path.display())]
    NotFound {
        /// The path as given.
        path: PathBuf,
    },
    /// The dataset folder or manifest could not be read.
    #[error("cannot read {}: {source}; check that it exists and that you may read it", path.display())]
    Unreadable {
        /// The folder or file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No layout could be recognised in a folder.
    #[error("cannot tell how {} is labelled: {found}. {LAYOUT_HELP}", path.display())]
    UnknownLayout {
        /// The folder.
        path: PathBuf,
        /// What was found at its top level.
        found: String,
    },
    /// A file was given that is not a `.csv` or `.jsonl` manifest.
    #[error("{} is a file but not a manifest (.csv or .jsonl); pass the dataset folder or a manifest instead", path.display())]
    NotAManifest {
        /// The file.
        path: PathBuf,
    },
    /// The manifest layout was asked for but the folder holds no manifest.
    #[error("--layout manifest was given but {} has no .csv or .jsonl file at its top level; pass the manifest file itself", path.display())]
    NoManifest {
        /// The folder.
        path: PathBuf,
    },
    /// The manifest layout was asked for and the folder holds several manifests.
    #[error("{} holds several manifests ({}); pass the one to use as the dataset path", path.display(), found.join(", "))]
    ManyManifests {
        /// The folder.
        path: PathBuf,
        /// The manifest names found.
        found: Vec<String>,
    },
    /// A `--layout folders|prefix` was asked for but the path is a file.
    #[error("--layout {layout} needs a folder but {} is a file; pass its folder or use --layout manifest", path.display())]
    NotAFolder {
        /// The file.
        path: PathBuf,
        /// The layout asked for.
        layout: Layout,
    },
    /// A CSV manifest lacks the `path` or `label` column.
    #[error("manifest {} needs a header with `path` and `label` columns but has: {found}; add or rename the header line", path.display())]
    ManifestHeader {
        /// The manifest.
        path: PathBuf,
        /// The header line found.
        found: String,
    },
    /// A manifest row could not be understood.
    #[error("manifest {} line {line}: {message}; fix or remove that line", path.display())]
    ManifestRow {
        /// The manifest.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The scan found nothing to classify.
    #[error("found no labelled images in {} (layout {layout}; {skipped}); check the path or choose another layout with --layout folders|prefix|manifest", path.display())]
    NoImages {
        /// The dataset path.
        path: PathBuf,
        /// The layout used.
        layout: Layout,
        /// Summary of what was skipped, and the first warning if any.
        skipped: String,
    },
}

impl DatasetError {
    /// Turns an IO error on `path` into `NotFound` or `Unreadable`.
    pub(crate) fn from_io(path: &std::path::Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            Self::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            Self::Unreadable {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_path_and_what_to_do() {
        let p = PathBuf::from("/data/pets");
        let cases: Vec<(DatasetError, &str)> = vec![
            (
                DatasetError::NotFound { path: p.clone() },
                "check the spelling",
            ),
            (
                DatasetError::UnknownLayout {
                    path: p.clone(),
                    found: "3 text files".into(),
                },
                "--layout folders|prefix|manifest",
            ),
            (
                DatasetError::ManifestRow {
                    path: p.clone(),
                    line: 7,
                    message: "bad".into(),
                },
                "line 7: bad",
            ),
            (
                DatasetError::from_io(&p, std::io::Error::from(std::io::ErrorKind::NotFound)),
                "does not exist",
            ),
            (
                DatasetError::from_io(
                    &p,
                    std::io::Error::from(std::io::ErrorKind::PermissionDenied),
                ),
                "that you may read it",
            ),
        ];
        for (err, want) in cases {
            let msg = err.to_string();
            assert!(msg.contains("/data/pets"), "{msg}");
            assert!(msg.contains(want), "{msg}");
        }
    }
}
