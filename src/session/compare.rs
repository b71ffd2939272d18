//! Reads two session folders and compares their runs (`squint compare`, `squint report
//! --compare`, the workbench's compare view). The arithmetic is `domain::compare`'s; this
//! module only opens the folders, checks they classified the same dataset and says what it
//! left out. Read-only: never writes to either session.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::folder::Session;
use super::{ResultsLog, SessionError};
use crate::domain::compare::{Comparison, Run, compare};
use crate::domain::result::ItemResult;

/// A comparison of two sessions and what the reader should know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionComparison {
    /// The figures.
    pub comparison: Comparison,
    /// Things left out or damaged (images in one run only, torn journal lines).
    pub notes: Vec<String>,
    /// A's results for the flipped images, by image (the workbench shows A's answer beside
    /// B's).
    pub a_flipped: HashMap<String, ItemResult>,
}

/// Why two sessions cannot be compared.
#[derive(Debug, Error)]
pub enum CompareError {
    /// A folder is not a readable session.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The sessions classified different datasets.
    #[error(
        "{} and {} classified different datasets ({} and {}); compare two runs over the same dataset",
        a.display(), b.display(), dataset_a.display(), dataset_b.display()
    )]
    DifferentDatasets {
        /// Session A.
        a: PathBuf,
        /// Session B.
        b: PathBuf,
        /// A's dataset.
        dataset_a: PathBuf,
        /// B's dataset.
        dataset_b: PathBuf,
    },
    /// No image has a result in both sessions.
    #[error(
        "{} and {} share no image with a result ({} and {} results); nothing to compare",
        a.display(), b.display(), results_a, results_b
    )]
    NothingInCommon {
        /// Session A.
        a: PathBuf,
        /// Session B.
        b: PathBuf,
        /// Results in A.
        results_a: usize,
        /// Results in B.
        results_b: usize,
    },
}

/// Opens both sessions and compares them over the images they share.
pub fn compare_sessions(a: &Path, b: &Path) -> Result<SessionComparison, CompareError> {
    let (session_a, session_b) = (Session::open(a)?, Session::open(b)?);
    let (dataset_a, dataset_b) = (&session_a.meta.dataset.path, &session_b.meta.dataset.path);
    if dataset_a != dataset_b {
        return Err(CompareError::DifferentDatasets {
            a: a.to_path_buf(),
            b: b.to_path_buf(),
            dataset_a: dataset_a.clone(),
            dataset_b: dataset_b.clone(),
        });
    }
    let (log_a, log_b) = (session_a.read_results()?, session_b.read_results()?);
    let (name_a, name_b) = (a.display().to_string(), b.display().to_string());
    let comparison = compare(
        Run {
            session: &name_a,
            results: &log_a.results,
            labels: &session_a.meta.dataset.labels,
        },
        Run {
            session: &name_b,
            results: &log_b.results,
            labels: &session_b.meta.dataset.labels,
        },
    )
    .ok_or_else(|| CompareError::NothingInCommon {
        a: a.to_path_buf(),
        b: b.to_path_buf(),
        results_a: log_a.results.len(),
        results_b: log_b.results.len(),
    })?;
    let mut notes = Vec::new();
    let common = comparison.common as usize;
    for (name, session, log) in [("A", &session_a, &log_a), ("B", &session_b, &log_b)] {
        let only = log.results.len() - common;
        if only > 0 {
            notes.push(format!(
                "{only} {} with a result only in {name} left out",
                if only == 1 { "image" } else { "images" }
            ));
        }
        notes.extend(damage(name, session, log));
    }
    let flipped: HashSet<&str> = comparison
        .flipped
        .iter()
        .map(|f| f.image.as_str())
        .collect();
    let a_flipped = log_a
        .results
        .iter()
        .filter(|r| flipped.contains(r.image.as_str()))
        .map(|r| (r.image.clone(), r.clone()))
        .collect();
    Ok(SessionComparison {
        comparison,
        notes,
        a_flipped,
    })
}

fn damage(name: &str, session: &Session, log: &ResultsLog) -> Vec<String> {
    let path = session.results_path();
    let mut notes = Vec::new();
    if log.torn_tail {
        notes.push(format!(
            "{name}: the last line of {} is incomplete and was skipped",
            path.display()
        ));
    }
    if !log.bad_lines.is_empty() {
        notes.push(format!(
            "{name}: {} unreadable {} in {} skipped",
            log.bad_lines.len(),
            if log.bad_lines.len() == 1 {
                "line"
            } else {
                "lines"
            },
            path.display()
        ));
    }
    notes
}
