//! The vocabulary of the keymap: screen contexts (sections of `keymap.toml`), actions (keys
//! of a section) with their help text, and which actions each context offers.
//! Must never look at keys or files: `keymap.rs` does that.

/// A screen or overlay whose keys are looked up together (a section of `keymap.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
}

/// What a key asks the TUI to do. The TOML key is `name()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Quit (asks to confirm while a run is active).
    Quit,
    /// Quit immediately.
    ForceQuit,
    /// Open the help overlay.
    Help,
    /// Move to the next start-screen field.
    NextField,
    /// Move to the previous start-screen field.
    PrevField,
    /// Pick the next option of a choice field.
    ChoiceNext,
    /// Pick the previous option of a choice field.
    ChoicePrev,
    /// Open or confirm the focused field.
    Select,
    /// Complete the typed path.
    Complete,
    /// Browse the dataset's images.
    Browse,
    /// Start or re-run the classification run.
    Run,
    /// Move the matrix cursor up.
    Up,
    /// Move the matrix cursor down.
    Down,
    /// Move the matrix cursor left.
    Left,
    /// Move the matrix cursor right.
    Right,
    /// Open the selected cell, row, column or unparsed column.
    Open,
    /// List the failed items.
    Errors,
    /// Pause or resume the run.
    Pause,
    /// Switch between the full matrix and the most-confused-pairs list.
    FocusNext,
    /// Switch between the full matrix and the most-confused-pairs list (the other way).
    FocusPrev,
    /// Select the next item.
    Next,
    /// Select the previous item.
    Prev,
    /// Move one page down.
    PageDown,
    /// Move one page up.
    PageUp,
    /// Jump to the first item.
    Top,
    /// Jump to the last item.
    Bottom,
    /// Scroll the raw answer down.
    ScrollAnswerDown,
    /// Scroll the raw answer up.
    ScrollAnswerUp,
    /// Show the image full screen.
    FullImage,
    /// Go back to the previous view.
    Back,
    /// Close the help overlay.
    Close,
    /// Answer yes.
    Yes,
    /// Answer no.
    No,
    /// Open the prompt editor.
    EditPrompt,
    /// Save the edited prompt as a new version.
    Save,
    /// Re-run every image.
    ScopeAll,
    /// Re-run the misclassified images.
    ScopeWrong,
    /// Re-run the images of the matrix cell under the cursor.
    ScopeCell,
    /// Re-run the unparsed answers.
    ScopeUnparsed,
    /// Re-run the failed items.
    ScopeErrors,
    /// Re-run a stratified sample per class.
    ScopeSample,
    /// Export the current session's report (opens the format menu).
    Export,
}

/// (action, TOML key, help text), in the order used by the help overlay.
pub(super) const ACTIONS: [(Action, &str, &str); 42] = [
    (Action::Quit, "quit", "quit (asks while a run is active)"),
    (Action::ForceQuit, "force_quit", "quit immediately"),
    (Action::Help, "help", "show the keys"),
    (Action::NextField, "next_field", "next field"),
    (Action::PrevField, "prev_field", "previous field"),
    (Action::ChoiceNext, "choice_next", "next option"),
    (Action::ChoicePrev, "choice_prev", "previous option"),
    (Action::Select, "select", "open or confirm the field"),
    (Action::Complete, "complete", "complete the path"),
    (Action::Browse, "browse", "browse the dataset's images"),
    (Action::Run, "run", "start or re-run"),
    (Action::Up, "up", "move up"),
    (Action::Down, "down", "move down"),
    (Action::Left, "left", "move left"),
    (Action::Right, "right", "move right"),
    (
        Action::Open,
        "open",
        "open the cell, row, column or unparsed list",
    ),
    (Action::Errors, "errors", "list failed items"),
    (Action::Pause, "pause", "pause or resume the run"),
    (
        Action::FocusNext,
        "focus_next",
        "full matrix / most-confused pairs",
    ),
    (
        Action::FocusPrev,
        "focus_prev",
        "full matrix / most-confused pairs",
    ),
    (Action::Next, "next", "next item"),
    (Action::Prev, "prev", "previous item"),
    (Action::PageDown, "page_down", "page down"),
    (Action::PageUp, "page_up", "page up"),
    (Action::Top, "top", "first item"),
    (Action::Bottom, "bottom", "last item"),
    (
        Action::ScrollAnswerDown,
        "scroll_answer_down",
        "scroll the answer down",
    ),
    (
        Action::ScrollAnswerUp,
        "scroll_answer_up",
        "scroll the answer up",
    ),
    (
        Action::FullImage,
        "full_image",
        "show the image full screen",
    ),
    (Action::Back, "back", "go back (or dismiss notices)"),
    (Action::Close, "close", "close this overlay"),
    (Action::Yes, "yes", "yes"),
    (Action::No, "no", "no"),
    (
        Action::EditPrompt,
        "edit_prompt",
        "edit the prompt (Ctrl-S saves a version)",
    ),
    (Action::Save, "save", "save as a new prompt version"),
    (Action::ScopeAll, "rerun_all", "re-run every image"),
    (
        Action::ScopeWrong,
        "rerun_wrong",
        "re-run the misclassified",
    ),
    (
        Action::ScopeCell,
        "rerun_cell",
        "re-run the cell under the cursor",
    ),
    (
        Action::ScopeUnparsed,
        "rerun_unparsed",
        "re-run the unparsed answers",
    ),
    (
        Action::ScopeErrors,
        "rerun_failed",
        "re-run the failed items",
    ),
    (
        Action::ScopeSample,
        "rerun_sample",
        "re-run 5 images per class",
    ),
    (
        Action::Export,
        "export",
        "export the session's report (choose the format)",
    ),
];

/// (context, TOML section, actions allowed there in help order).
pub(super) const CONTEXTS: [(Context, &str, &[Action]); 11] = {
    use Action::*;
    [
        (Context::Global, "global", &[Quit, ForceQuit, Help]),
        (
            Context::Start,
            "start",
            &[
                NextField, PrevField, ChoiceNext, ChoicePrev, Select, Complete, Browse, Run,
            ],
        ),
        (
            Context::Matrix,
            "matrix",
            &[
                Up, Down, Left, Right, Open, Errors, Run, Pause, FocusNext, FocusPrev, EditPrompt,
                Export, Back,
            ],
        ),
        (
            Context::Drill,
            "drill",
            &[
                Next,
                Prev,
                PageDown,
                PageUp,
                Top,
                Bottom,
                ScrollAnswerDown,
                ScrollAnswerUp,
                FullImage,
                Back,
            ],
        ),
        (
            Context::Browse,
            "browse",
            &[
                Next, Prev, PageDown, PageUp, Top, Bottom, FullImage, Run, Back,
            ],
        ),
        (Context::Image, "image", &[Back]),
        (Context::Help, "help", &[Down, Up, Close]),
        (Context::Confirm, "confirm", &[Yes, No]),
        (Context::Editor, "editor", &[Save, Help, Back]),
        (
            Context::Rerun,
            "rerun",
            &[
                ScopeAll,
                ScopeWrong,
                ScopeCell,
                ScopeUnparsed,
                ScopeErrors,
                ScopeSample,
                No,
            ],
        ),
        (Context::Export, "export", &[Down, Up, Select, Close]),
    ]
};

impl Action {
    /// One line for the help overlay.
    pub fn description(self) -> &'static str {
        ACTIONS.iter().find(|a| a.0 == self).map_or("", |a| a.2)
    }

    /// The action's key in `keymap.toml`.
    pub fn name(self) -> &'static str {
        ACTIONS.iter().find(|a| a.0 == self).map_or("", |a| a.1)
    }
}

impl Context {
    /// The context's section in `keymap.toml`.
    pub fn section(self) -> &'static str {
        CONTEXTS.iter().find(|c| c.0 == self).map_or("", |c| c.1)
    }

    pub(super) fn actions(self) -> &'static [Action] {
        CONTEXTS.iter().find(|c| c.0 == self).map_or(&[], |c| c.2)
    }
}
