//! The vocabulary of the keymap: screen contexts (sections of `keymap.toml`), actions (keys
//! of a section) with their help text, and which actions each context offers. Names are
//! derived from the variants (strum), so there is no table to keep in step.
//! Must never look at keys or files: `keymap.rs` does that.

use strum::{EnumIter, EnumMessage, IntoStaticStr};

/// A screen or overlay whose keys are looked up together (a section of `keymap.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum Context {
    /// Keys that work everywhere unless the current context binds the same key.
    Global,
    /// The start screen: dataset, template, backend, host and model fields.
    Start,
    /// The run screen: confusion matrix and its panes.
    Matrix,
    /// The drill-down list of one cell's items.
    Drill,
    /// The full-screen image view (any key returns).
    Image,
    /// The help overlay.
    Help,
    /// A yes/no dialog, e.g. quitting during a run.
    Confirm,
    /// Browsing the dataset's images before a run.
    Browse,
    /// The prompt editor (every other key edits the text).
    Editor,
    /// "Re-run which images?" after a prompt version was saved.
    Rerun,
    /// The export menu: choose a report format.
    Export,
    /// The prompt versions list.
    Versions,
    /// The session picker and the comparison view.
    Compare,
    /// The relabel picker: type to filter the classes, choose one.
    Picker,
    /// The read-only prompt overlay of the run screen.
    PromptView,
    /// The prompt-prior probe's overlay.
    Probe,
    /// The review queue: the model's proposals for an unlabeled folder, one image at a time.
    Review,
}

/// What a key asks the TUI to do. The TOML key is the variant's name in snake case
/// (`ScrollAnswerDown` is `scroll_answer_down`); the help text is its `message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, IntoStaticStr, EnumMessage)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    /// Quit (asks to confirm while a run is active).
    #[strum(message = "quit (asks while a run is active)")]
    Quit,
    /// Quit immediately.
    #[strum(message = "quit immediately")]
    ForceQuit,
    /// Open the help overlay.
    #[strum(message = "show the keys")]
    Help,
    /// Move to the next start-screen field.
    #[strum(message = "next field")]
    NextField,
    /// Move to the previous start-screen field.
    #[strum(message = "previous field")]
    PrevField,
    /// Pick the next option of a choice field.
    #[strum(message = "next option (a number: one up)")]
    ChoiceNext,
    /// Pick the previous option of a choice field.
    #[strum(message = "previous option (a number: one down)")]
    ChoicePrev,
    /// Open or confirm the focused field.
    #[strum(message = "open or confirm the field")]
    Select,
    /// Complete the typed path.
    #[strum(message = "complete the path")]
    Complete,
    /// Browse the dataset's images.
    #[strum(message = "browse the dataset's images")]
    Browse,
    /// Start or re-run the classification run.
    #[strum(message = "start or re-run")]
    Run,
    /// Move the matrix cursor up.
    #[strum(message = "move up")]
    Up,
    /// Move the matrix cursor down.
    #[strum(message = "move down")]
    Down,
    /// Move the matrix cursor left.
    #[strum(message = "move left")]
    Left,
    /// Move the matrix cursor right.
    #[strum(message = "move right")]
    Right,
    /// Open the selected cell, row, column or unparsed column.
    #[strum(message = "open the cell, row, column or unparsed list")]
    Open,
    /// List the failed items.
    #[strum(message = "list failed items")]
    Errors,
    /// Pause or resume the run.
    #[strum(message = "pause or resume the run")]
    Pause,
    /// Move the focus to the next pane (run screen: the matrix, then the latest finished list).
    #[strum(message = "focus: matrix / latest finished list (↑↓ pick an item to show large)")]
    FocusNext,
    /// Move the focus to the previous pane.
    #[strum(message = "focus: matrix / latest finished list (the other way)")]
    FocusPrev,
    /// Switch between the full matrix and the most-confused-pairs list.
    #[strum(message = "full matrix / most-confused pairs")]
    MatrixMode,
    /// Cycle the `--until-ci` target of the next run (±5, ±3, ±2, ±1 points, off).
    #[strum(message = "stop the next run once accuracy is known to ±5/3/2/1 points, or off")]
    UntilCi,
    /// Ask the failed items of the session on screen again (`--resume --retry-failed`).
    #[strum(message = "ask the failed items again (continues this session)")]
    RetryFailed,
    /// Select the next item.
    #[strum(message = "next item")]
    Next,
    /// Select the previous item.
    #[strum(message = "previous item")]
    Prev,
    /// Move one page down.
    #[strum(message = "page down")]
    PageDown,
    /// Move one page up.
    #[strum(message = "page up")]
    PageUp,
    /// Jump to the first item.
    #[strum(message = "first item")]
    Top,
    /// Jump to the last item.
    #[strum(message = "last item")]
    Bottom,
    /// Scroll the raw answer down.
    #[strum(message = "scroll the answer down")]
    ScrollAnswerDown,
    /// Scroll the raw answer up.
    #[strum(message = "scroll the answer up")]
    ScrollAnswerUp,
    /// Show the image full screen.
    #[strum(message = "show the image full screen")]
    FullImage,
    /// Go back to the previous view.
    #[strum(message = "go back (or dismiss notices)")]
    Back,
    /// Close the help overlay.
    #[strum(message = "close this overlay")]
    Close,
    /// Answer yes.
    #[strum(message = "yes")]
    Yes,
    /// Answer no.
    #[strum(message = "no")]
    No,
    /// Open the prompt editor.
    #[strum(message = "edit the prompt (Ctrl-S saves a version)")]
    EditPrompt,
    /// Probe the prompt's prior: the labels the model gives to blank and noise images.
    #[strum(message = "probe the prompt's prior: labels given to blank and noise images")]
    Probe,
    /// Show the run's prompt read-only (system, user, labels, options, output, bias lint).
    #[strum(message = "show the prompt: system, user, labels, options, output, bias lint")]
    ShowPrompt,
    /// Hand the prompt to `$VISUAL`/`$EDITOR`; its text comes back into the prompt editor.
    #[strum(message = "edit the prompt in $VISUAL / $EDITOR")]
    ExternalEditor,
    /// Save the edited prompt as a new version.
    #[strum(message = "save as a new prompt version")]
    Save,
    /// Re-run every image.
    #[strum(message = "re-run every image")]
    RerunAll,
    /// Re-run the misclassified images.
    #[strum(message = "re-run the misclassified")]
    RerunWrong,
    /// Re-run the images of the matrix cell under the cursor.
    #[strum(message = "re-run the cell under the cursor")]
    RerunCell,
    /// Re-run the unparsed answers.
    #[strum(message = "re-run the unparsed answers")]
    RerunUnparsed,
    /// Re-run the failed items.
    #[strum(message = "re-run the failed items")]
    RerunFailed,
    /// Re-run a stratified sample per class.
    #[strum(message = "re-run 5 images per class")]
    RerunSample,
    /// Export the current session's report (opens the format menu).
    #[strum(message = "export the session's report (choose the format)")]
    Export,
    /// List the saved prompt versions with their runs.
    #[strum(message = "prompt versions with their runs (Enter activates)")]
    Versions,
    /// Copy the selected image's path to the clipboard (OSC 52).
    #[strum(message = "copy the image's path to the clipboard (OSC 52)")]
    CopyPath,
    /// Open the selected image in the system's viewer.
    #[strum(message = "open the image in the system's viewer")]
    OpenExternal,
    /// Start typing a search of the list.
    #[strum(message = "search file names and answers (Enter keeps, Esc drops)")]
    Search,
    /// Go to the next match of the search.
    #[strum(message = "next match")]
    SearchNext,
    /// Go to the previous match of the search.
    #[strum(message = "previous match")]
    SearchPrev,
    /// Sort the list the next way.
    #[strum(message = "sort: wrong first, confidence, latency, file name, answer")]
    Sort,
    /// Show a drill-down list as a grid of thumbnails, or as a list again.
    #[strum(message = "thumbnail grid / list (in the grid h/j/k/l move by a tile or row)")]
    ToggleGrid,
    /// Open the grid's item under the cursor as the list shows it (image, answer).
    #[strum(message = "in the grid: open the image under the cursor (image and answer)")]
    OpenItem,
    /// Compare the run on screen with another session of the dataset.
    #[strum(message = "compare with another session of this dataset")]
    Compare,
    /// Take the model's label as the image's true label.
    #[strum(message = "the model was right: its label becomes the true label")]
    AcceptLabel,
    /// Relabel the image to any class (opens the picker).
    #[strum(message = "relabel the image (type to filter the classes)")]
    Relabel,
    /// Mark the image doubtful (neither label trusted).
    #[strum(message = "mark doubtful (left out of metrics with corrections on)")]
    Doubtful,
    /// Open the review queue of the model's proposals (truth unknown).
    #[strum(message = "review the model's proposals, least confident first")]
    Review,
    /// Leave this proposal unreviewed and go to the next.
    #[strum(message = "skip: the next proposal, this one stays unreviewed")]
    Skip,
    /// Undo the last correction.
    #[strum(message = "undo the last correction")]
    UndoCorrection,
    /// Show the matrix, metrics and lists with or without the label corrections.
    #[strum(message = "metrics with / without label corrections")]
    ToggleCorrections,
    /// Show the matrix, metrics and lists with the labels calibrated by the prompt's prior.
    #[strum(message = "calibrated view: labels divided by the prompt's prior (P first)")]
    ToggleCalibration,
}

impl Action {
    /// One line for the help overlay.
    pub fn description(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }

    /// The action's key in `keymap.toml`.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

impl Context {
    /// The context's section in `keymap.toml`.
    pub fn section(self) -> &'static str {
        self.into()
    }

    /// The actions a context offers, in help order.
    pub(super) fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Context::Global => &[Quit, ForceQuit, Help],
            Context::Start => &[
                NextField, PrevField, ChoiceNext, ChoicePrev, Select, Complete, Browse, Run, Back,
            ],
            Context::Matrix => &[
                Up,
                Down,
                Left,
                Right,
                Open,
                Errors,
                Run,
                Pause,
                FocusNext,
                FocusPrev,
                MatrixMode,
                UntilCi,
                RetryFailed,
                ShowPrompt,
                Probe,
                EditPrompt,
                ExternalEditor,
                Versions,
                Compare,
                Export,
                ToggleCorrections,
                ToggleCalibration,
                Review,
                Back,
            ],
            Context::Drill => &[
                Next,
                Prev,
                PageDown,
                PageUp,
                Top,
                Bottom,
                ScrollAnswerDown,
                ScrollAnswerUp,
                FullImage,
                Search,
                SearchNext,
                SearchPrev,
                Sort,
                ToggleGrid,
                Left,
                Right,
                OpenItem,
                CopyPath,
                OpenExternal,
                AcceptLabel,
                Relabel,
                Doubtful,
                UndoCorrection,
                Back,
            ],
            Context::Browse => &[
                Next,
                Prev,
                PageDown,
                PageUp,
                Top,
                Bottom,
                FullImage,
                Search,
                SearchNext,
                SearchPrev,
                CopyPath,
                OpenExternal,
                Run,
                Back,
            ],
            Context::Image => &[Back],
            Context::Help => &[Down, Up, PageDown, PageUp, Top, Bottom, Close],
            Context::Confirm => &[Yes, No],
            Context::Editor => &[Save, ExternalEditor, Help, Back],
            Context::Rerun => &[
                RerunAll,
                RerunWrong,
                RerunCell,
                RerunUnparsed,
                RerunFailed,
                RerunSample,
                No,
            ],
            Context::Export => &[Down, Up, Select, Close],
            Context::Versions => &[Down, Up, Select, Close],
            Context::Compare => &[Down, Up, Select, Close],
            Context::Picker => &[Down, Up, Select, Close],
            Context::PromptView => &[Down, Up, EditPrompt, Close],
            Context::Probe => &[Down, Up, Close],
            Context::Review => &[
                Next,
                Prev,
                FullImage,
                AcceptLabel,
                Relabel,
                Doubtful,
                Skip,
                UndoCorrection,
                ScrollAnswerDown,
                ScrollAnswerUp,
                Back,
            ],
        }
    }
}
