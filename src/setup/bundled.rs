//! The sample datasets and templates that ship with squint, and the user's own templates.
//! Templates are embedded in the binary; sample images are found next to the sources. Never
//! writes anything.

use std::path::PathBuf;

use crate::paths;

const BUNDLED: &[(&str, &str)] = &[
    (
        "digits",
        include_str!("../../sample-data/digits/template.toml"),
    ),
    (
        "chess",
        include_str!("../../sample-data/chess/template.toml"),
    ),
    (
        "shapes",
        include_str!("../../sample-data/shapes/template.toml"),
    ),
];

/// Bundled templates as (name, TOML text).
pub fn bundled_templates() -> Vec<(String, &'static str)> {
    BUNDLED
        .iter()
        .map(|(name, text)| ((*name).to_string(), *text))
        .collect()
}

/// Names of bundled templates, for messages.
pub(super) fn template_names() -> Vec<String> {
    BUNDLED
        .iter()
        .map(|(name, _)| (*name).to_string())
        .collect()
}

/// The bundled sample datasets that exist on this machine (they live in the source tree's
/// `sample-data/`, so an installed binary may have none).
pub fn bundled_datasets() -> Vec<(String, PathBuf)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-data");
    BUNDLED
        .iter()
        .map(|(name, _)| ((*name).to_string(), bundled_dataset_path(&root, name)))
        .filter(|(_, path)| path.exists())
        .collect()
}

fn bundled_dataset_path(root: &std::path::Path, name: &str) -> PathBuf {
    let folder = root.join(name);
    let manifest = folder.join("manifest.csv");
    if manifest.is_file() { manifest } else { folder }
}

/// The user's templates: `<config dir>/templates/*.toml`, by file stem, sorted.
pub fn user_templates() -> Vec<(String, PathBuf)> {
    let Ok(dir) = paths::config_dir().map(|d| d.join("templates")) else {
        return Vec::new();
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), p)))
        .collect();
    found.sort();
    found
}
