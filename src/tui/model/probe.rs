//! The prompt-prior probe in the workbench (`P`): which probe is current, how far it got, its
//! tally so far and how it ended. No IO: the probe runs as an effect and reports here.

use crate::domain::probe::ProbeReport;

/// How the probe stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeOutcome {
    /// Preparing, connecting or asking.
    Running,
    /// Every probe image was asked.
    Done,
    /// It could not start or stopped (why: the same message a run gives).
    Failed(String),
}

/// The probe shown in the overlay.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeState {
    /// Identifies the probe; reports of an earlier one are ignored.
    pub id: u64,
    /// The prompt probed (template and version, sanitised).
    pub prompt: String,
    /// The model asked, once the probe knows it.
    pub model: Option<String>,
    /// The server asked, once the probe connected (the first that checked out, when several
    /// are configured).
    pub host: Option<String>,
    /// Requests the probe sends, once known.
    pub total: u64,
    /// Probe images of each kind and their size, once known (`10 each, 224x224`).
    pub images: Option<String>,
    /// The tally so far.
    pub report: Option<ProbeReport>,
    /// Running, done or failed.
    pub outcome: ProbeOutcome,
    /// Lines scrolled down.
    pub scroll: u16,
    /// The model and prompt of the run probed, when one is prepared: its content-free
    /// estimate calibrates that run only.
    pub key: Option<super::PriorKey>,
}
