//! Label corrections carried over to a new run: the session they come from (`--from` with
//! `--with-corrections`, `--corrections-from`, or the offer the workbench accepted), the ones
//! that concern this run's images, and the offer made when a linked session or an earlier
//! session on the same dataset has corrections the run does not use yet.
//!
//! Reads other sessions' `corrections.jsonl` and `session.json` only; the one thing it writes
//! is the new session's own corrections log, at start. Never changes the session the
//! corrections come from, or the user's dataset.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{Prepared, RunSpec, SetupError};
use crate::dataset::RunItems;
use crate::domain::corrections::{CorrectionEntry, Corrections, Verdict, check_verdict};
use crate::paths;
use crate::session::{CORRECTIONS_FILE, Session, append_correction, now_rfc3339, read_corrections};

/// Corrections another session holds for this run's images.
#[derive(Debug, Clone, PartialEq)]
pub struct CarriedCorrections {
    /// The session they come from.
    pub from: PathBuf,
    /// One correction per image of this run (`old` is the image's label in this run).
    pub entries: Vec<CorrectionEntry>,
    /// True when they are the truth of this run; false when they are only offered.
    pub applied: bool,
    /// Corrections naming a label that is not a class of this run, left out.
    pub refused: usize,
}

impl CarriedCorrections {
    /// The corrections in effect.
    pub fn corrections(&self) -> Corrections {
        Corrections::from_log(&self.entries)
    }

    /// Images relabelled and images marked doubtful.
    pub fn counts(&self) -> (usize, usize) {
        let doubtful = self.entries.iter().filter(|e| e.doubtful).count();
        (self.entries.len() - doubtful, doubtful)
    }

    /// `5 label corrections (4 relabelled, 1 doubtful)`.
    pub fn describe(&self) -> String {
        let (relabelled, doubtful) = self.counts();
        format!(
            "{} label corrections ({relabelled} relabelled, {doubtful} doubtful)",
            self.entries.len()
        )
    }
}

/// The corrections this run uses or is offered: `spec.corrections_from` (applied); else, for
/// a new session, those of the linked session (`--from`), or of the newest earlier session on
/// the same dataset (offered). `None` on resume (a session keeps its own) or when none apply.
pub(super) fn find(
    spec: &RunSpec,
    items: &RunItems,
    labels: &[String],
    dataset_path: &Path,
) -> Result<Option<CarriedCorrections>, SetupError> {
    if spec.resume.is_some() {
        return Ok(None);
    }
    if let Some(from) = &spec.corrections_from {
        return Ok(Some(load(from, items, labels, true)?));
    }
    let candidate = match &spec.from {
        Some(parent) => Some(parent.clone()),
        None => newest_on_dataset(dataset_path),
    };
    let Some(dir) = candidate else {
        return Ok(None);
    };
    // An offer is a courtesy: a session that cannot be read offers nothing.
    Ok(load(&dir, items, labels, false)
        .ok()
        .filter(|c| !c.entries.is_empty()))
}

/// The corrections of the session in `from` for `items`, checked against `labels`.
fn load(
    from: &Path,
    items: &RunItems,
    labels: &[String],
    applied: bool,
) -> Result<CarriedCorrections, SetupError> {
    Session::open(from)?;
    let corrections = read_corrections(from)?.corrections();
    let corrected = corrections.by_image();
    // The truth of the corrected images only: a map of every item would cost a million
    // entries on a million-image dataset for a handful of corrections.
    let truth: HashMap<&str, &str> = items
        .iter()
        .filter(|i| corrected.contains_key(&*i.rel))
        .map(|i| (&*i.rel, &*i.truth))
        .collect();
    let mut carried = CarriedCorrections {
        from: from.to_path_buf(),
        entries: Vec::new(),
        applied,
        refused: 0,
    };
    for (image, verdict) in corrected {
        let Some(old) = truth.get(image) else {
            continue;
        };
        if check_verdict(&verdict, labels).is_err() {
            carried.refused += 1;
            continue;
        }
        if verdict == Verdict::Label((*old).to_owned()) {
            continue;
        }
        carried.entries.push(CorrectionEntry::correct(
            image,
            old,
            &verdict,
            String::new(),
        ));
    }
    Ok(carried)
}

/// The newest session in the data dir on `dataset_path` whose corrections log is not empty.
fn newest_on_dataset(dataset_path: &Path) -> Option<PathBuf> {
    let wanted = std::path::absolute(dataset_path).ok()?;
    let root = paths::sessions_dir().ok()?;
    let mut found: Vec<(String, PathBuf)> = std::fs::read_dir(root)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|dir| std::fs::metadata(dir.join(CORRECTIONS_FILE)).is_ok_and(|m| m.len() > 0))
        .filter_map(|dir| {
            let meta = Session::open(&dir).ok()?.meta;
            (meta.dataset.path == wanted).then_some((meta.started_at, dir))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, dir)| dir)
}

/// Writes the corrections of `spec.corrections_from` into the new session in `dir`, stamped
/// now; returns them (none when the run uses none).
pub(super) fn write_into(
    spec: &RunSpec,
    prepared: &Prepared,
    dir: &Path,
) -> Result<Option<CarriedCorrections>, SetupError> {
    let Some(from) = &spec.corrections_from else {
        return Ok(None);
    };
    let mut carried = load(from, &prepared.items, &prepared.labels, true)?;
    let time = now_rfc3339();
    for entry in &mut carried.entries {
        entry.time.clone_from(&time);
        append_correction(dir, entry)?;
    }
    Ok(Some(carried))
}
