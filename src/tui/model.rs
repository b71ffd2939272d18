//! The workbench's whole state, grouped by concern: navigation, the start form, the dataset
//! browser, the run, the matrix cursor, the drill-down list, previews and notices.
//! Only `update` mutates a `Model`; views only read it. No IO, no channels, no clocks here:
//! time comes in through `Msg::Ticked`.

mod calibration;
mod compare;
mod drill;
mod matrix;
mod probe;
mod prompt;
mod run;
mod search;
mod start;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Instant;

pub use calibration::{CalibratedView, PRIORS_KEPT, PriorEstimate, PriorKey};
pub use compare::CompareState;
pub use drill::{DrillFilter, DrillSort, DrillState, DrillView};
pub use matrix::{Axis, MatrixCursor, MatrixMode, MatrixView, PAIRS_THRESHOLD, scroll_offset};
pub use probe::{ProbeOutcome, ProbeState};
pub use prompt::{
    ActivePrompt, PromptEditor, PromptState, PromptView, SAMPLE_PER_CLASS, SavedPrompt,
    ScopeQuestion, VersionsList,
};
pub use run::{InFlight, LiveView, MAX_STREAM_CHARS, RECENT_LEN, RunPhase, RunState, Timing};
pub use search::ListSearch;
pub use start::{BrowseState, Field, ModelsStatus, Picker, RunCheck, StartForm};

use crate::setup::RunSpec;
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;

/// Which full screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// Pick dataset, template, backend and model.
    Start,
    /// Classes, counts and images of the prepared dataset.
    Browse,
    /// Matrix, scores, live stream and status.
    Run,
    /// The images of one matrix cell, row, column or the error list.
    Drill,
    /// The prompt editor: the template's text, and what the model would get from it.
    Prompt,
}

/// What is drawn on top of the screen, taking the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    /// The key help generated from the keymap.
    Help,
    /// "A run is active: quit anyway?"
    ConfirmQuit,
    /// The current image as large as the terminal allows; any key closes it.
    FullImage,
    /// "Re-run which images?" after a prompt version was saved, or `r` on a finished run.
    RerunScope,
    /// The export menu: pick a report format for the current session.
    Export,
    /// The dataset's saved prompt versions with their runs; Enter re-activates one.
    Versions,
    /// Pick another session of this dataset to compare the run on screen with.
    ComparePick,
    /// The comparison of another session (A) with the run on screen (B).
    Compare,
    /// The relabel picker: type to filter the classes, Enter relabels the image.
    Relabel,
    /// The run's prompt, read-only: system and user prompt, labels, options, output mode and
    /// the bias lint's warnings.
    PromptView,
    /// The prompt-prior probe: the labels the model gives to images that show nothing.
    Probe,
    /// "Session S has N label corrections for this dataset: use them as this run's truth?"
    CarryCorrections,
}

/// The relabel picker's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PickerState {
    /// What was typed to filter the classes.
    pub query: String,
    /// The selected entry among the matching classes.
    pub selected: usize,
}

impl PickerState {
    /// The classes whose name contains the query (ignoring case), in `classes` order.
    pub fn matching<'a>(&self, classes: &'a [String]) -> Vec<&'a String> {
        let query = self.query.to_lowercase();
        classes
            .iter()
            .filter(|c| c.to_lowercase().contains(&query))
            .collect()
    }
}

/// How serious a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Plain information.
    Info,
    /// Something to look at.
    Warn,
    /// Something failed.
    Error,
}

/// A message shown in the corner until dismissed (errors) or until it expires (others).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// How serious it is.
    pub level: Level,
    /// What happened and what to do (already sanitised).
    pub text: String,
    /// When it was posted (for expiry), if the clock was known.
    pub at: Option<Instant>,
}

impl Notice {
    /// Whether it is still up at `now` (errors stay until dismissed; an unknown time keeps it).
    pub fn is_up(&self, now: Option<Instant>) -> bool {
        self.level == Level::Error
            || match (self.at, now) {
                (Some(at), Some(now)) => now.saturating_duration_since(at).as_secs() < NOTICE_SECS,
                _ => true,
            }
    }
}

/// The preview the view should show: which image was asked for and whether it is ready.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviewState {
    /// The image last requested.
    pub wanted: Option<PathBuf>,
    /// The image whose pixels the runtime holds, ready to draw.
    pub ready: Option<PathBuf>,
    /// Why the wanted image could not be shown.
    pub error: Option<String>,
}

/// The whole workbench state.
#[derive(Debug)]
pub struct Model {
    /// Which screen is showing.
    pub screen: Screen,
    /// What is on top of it.
    pub overlay: Option<Overlay>,
    /// Terminal size (width, height).
    pub size: (u16, u16),
    /// The injected clock: the instant of the last tick.
    pub now: Option<Instant>,
    /// The run settings (from the command line, then the start form).
    pub spec: RunSpec,
    /// The start screen form.
    pub start: StartForm,
    /// The dataset browser.
    pub browse: BrowseState,
    /// The run and its results.
    pub run: RunState,
    /// Matrix cursor and display mode.
    pub matrix: MatrixView,
    /// Focus and selection of the run screen's "latest finished" list.
    pub live: LiveView,
    /// The open drill-down list, if any.
    pub drill: Option<DrillState>,
    /// The order and the list/grid choice the next drill-down list opens with.
    pub drill_view: DrillView,
    /// The prompt editor, its draft and the re-run question.
    pub prompt: PromptState,
    /// The comparison with another session.
    pub compare: CompareState,
    /// The prompt-prior probe (`P`), the latest one started.
    pub probe: Option<ProbeState>,
    /// How many probes were started (the next one's id).
    pub probes_started: u64,
    /// The content-free priors the probe estimated, the latest first (one per model and
    /// prompt): what the calibrated view (`K`) divides by.
    pub priors: Vec<PriorEstimate>,
    /// Scroll offset of the help overlay.
    pub help_scroll: u16,
    /// The format selected in the export menu (an index into `ExportFormat::ALL`).
    pub export_selected: usize,
    /// The relabel picker.
    pub picker: PickerState,
    /// The image preview.
    pub preview: PreviewState,
    /// Notices, oldest first.
    pub notices: VecDeque<Notice>,
    /// Resolved colours.
    pub theme: Theme,
    /// Key bindings.
    pub keymap: Keymap,
    /// Name of the image protocol in use, for the status line.
    pub image_protocol: String,
    /// Set when the workbench should exit.
    pub quitting: bool,
    /// The process exit code: 0, or 130 when a signal ended it (as `squint run` does).
    pub exit_code: i32,
    /// Set whenever something visible changed; the runtime clears it after drawing.
    pub dirty: bool,
}

/// How many notices are kept at once.
pub const MAX_NOTICES: usize = 4;
/// How long info and warning notices stay up.
pub const NOTICE_SECS: u64 = 8;
/// The smallest terminal (columns, rows) that shows notices.
const NOTICE_MIN_SIZE: (u16, u16) = (10, 4);

impl Model {
    /// A fresh model on the start screen.
    pub fn new(spec: RunSpec, theme: Theme, keymap: Keymap) -> Model {
        Model {
            screen: Screen::Start,
            overlay: None,
            size: (80, 24),
            now: None,
            start: StartForm::from_spec(&spec),
            spec,
            browse: BrowseState::default(),
            run: RunState::default(),
            matrix: MatrixView::default(),
            live: LiveView::default(),
            drill: None,
            drill_view: DrillView::default(),
            prompt: PromptState::default(),
            compare: CompareState::default(),
            probe: None,
            probes_started: 0,
            priors: Vec::new(),
            help_scroll: 0,
            export_selected: 0,
            picker: PickerState::default(),
            preview: PreviewState::default(),
            notices: VecDeque::new(),
            theme,
            keymap,
            image_protocol: "halfblocks".to_owned(),
            quitting: false,
            exit_code: 0,
            dirty: true,
        }
    }

    /// The notices on screen: errors until dismissed, the others for [`NOTICE_SECS`] as of the
    /// last tick; none in a terminal too small to show them. The view draws exactly these and
    /// Esc dismisses notices only when there are some, so a notice no longer drawn never eats
    /// a key.
    pub fn visible_notices(&self) -> impl Iterator<Item = &Notice> {
        let (w, h) = self.size;
        let fits = w >= NOTICE_MIN_SIZE.0 && h >= NOTICE_MIN_SIZE.1;
        let now = self.now;
        self.notices.iter().filter(move |n| fits && n.is_up(now))
    }

    /// Whether any notice is on screen (see [`Model::visible_notices`]).
    pub fn notices_shown(&self) -> bool {
        self.visible_notices().next().is_some()
    }

    /// Posts a notice (the text is sanitised to one line); drops the oldest beyond the limit.
    pub fn notify(&mut self, level: Level, text: impl AsRef<str>) {
        let text = crate::domain::sanitize::one_line(text.as_ref());
        self.notices.push_back(Notice {
            level,
            text,
            at: self.now,
        });
        while self.notices.len() > MAX_NOTICES {
            self.notices.pop_front();
        }
        self.dirty = true;
    }
}
