//! Where the original experiment's data lives: `../shared/seed-data`, beside the checkout
//! (found from `CARGO_MANIFEST_DIR`, never through a path of one machine). A test that needs it
//! asks [`seed_data`]: on a developer machine without the data it skips with a note; when `CI`
//! is set a missing folder is a failure, so CI can never pass by skipping. The data is read in
//! place and never copied into the repository.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

/// The seed-data entry `rel` (e.g. `mnist-500`), or `None` when it is absent outside CI.
///
/// # Panics
/// When it is absent and the `CI` environment variable is set.
pub fn seed_data(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/seed-data")
        .join(rel);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{} is missing: CI must provide ../shared/seed-data beside the checkout",
        path.display()
    );
    eprintln!("note: {} is absent; this check is skipped", path.display());
    None
}
