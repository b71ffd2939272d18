//! The workbench comparison (`C`): the sessions of the same dataset offered to compare the
//! run on screen with, and the comparison once computed. No IO: reading is an effect.

use crate::session::{SessionComparison, SessionSummary};

/// The compare picker and view.
#[derive(Debug, Clone, Default)]
pub struct CompareState {
    /// Other sessions over this dataset, newest first (A; the run on screen is B).
    pub candidates: Vec<SessionSummary>,
    /// The candidate under the cursor.
    pub selected: usize,
    /// The comparison shown, once read.
    pub result: Option<Box<SessionComparison>>,
    /// First flipped image shown in the view's list.
    pub scroll: usize,
}
