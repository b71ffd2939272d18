//! The prompt editor's state: the text area (ratatui-textarea: cursor moves, selection,
//! undo/redo, word motions), the live check of what is typed, the draft kept when the editor is
//! closed, and the re-run scope question after a save. No IO: saving is an effect.

use std::path::PathBuf;

use ratatui_textarea::TextArea;

use crate::domain::prompt_check::{PromptCheck, check_prompt};

/// The editor while it is open.
#[derive(Debug, Clone)]
pub struct PromptEditor {
    /// The text being edited.
    pub area: TextArea<'static>,
    /// The text the editor was opened with (the active template), to tell an edit from none.
    pub original: String,
    /// The run's labels, which the template must fit.
    pub labels: Vec<String>,
    /// The check of the current text: what the model would get, or what is wrong and where.
    pub check: Result<PromptCheck, String>,
    /// A save is in progress (the effect has not answered yet).
    pub saving: bool,
}

impl PromptEditor {
    /// An editor on `text` for a run over `labels`.
    pub fn new(text: &str, original: &str, labels: &[String]) -> Self {
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut editor = PromptEditor {
            area: TextArea::new(lines),
            original: original.to_owned(),
            labels: labels.to_vec(),
            check: Err(String::new()),
            saving: false,
        };
        editor.recheck();
        editor
    }

    /// The text as typed, lines joined with `\n` and a final newline.
    pub fn text(&self) -> String {
        let mut text = self.area.lines().join("\n");
        text.push('\n');
        text
    }

    /// True when the text differs from what the editor was opened with.
    pub fn modified(&self) -> bool {
        self.text().trim_end() != self.original.trim_end()
    }

    /// Re-parses, re-renders and re-lints the text (after every change).
    pub fn recheck(&mut self) {
        self.check = check_prompt(&self.text(), "edited prompt", &self.labels);
    }
}

/// The prompt the run uses, as the workbench knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivePrompt {
    /// Template name.
    pub name: String,
    /// The template's text (TOML).
    pub text: String,
    /// Its saved version number, when it is one.
    pub version: Option<u32>,
}

/// A version just saved, waiting for the re-run scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPrompt {
    /// The version file.
    pub path: PathBuf,
    /// Its number.
    pub number: u32,
    /// False when the same template was already saved as this version.
    pub new: bool,
}

/// What the "re-run which images?" question is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeQuestion {
    /// A prompt version was just saved: the chosen images are asked with it.
    Saved(SavedPrompt),
    /// `r` on a finished run: the chosen images are asked again with the same prompt.
    Rerun,
}

/// The versions list as read from disk, with the row under the cursor.
#[derive(Debug, Clone, Default)]
pub struct VersionsList {
    /// Every saved version of this dataset's prompt, oldest first, with its runs.
    pub rows: Vec<crate::session::VersionRuns>,
    /// The selected row.
    pub selected: usize,
}

/// The read-only prompt overlay (`v` on the run screen): what the run on screen asks the model.
#[derive(Debug, Clone)]
pub struct PromptView {
    /// Template name and saved version (`digits v2`), already sanitised.
    pub title: String,
    /// The template checked against the run's labels: rendered prompts, options, output mode
    /// and the bias lint; or why it does not check out.
    pub check: Result<PromptCheck, String>,
    /// Lines scrolled down.
    pub scroll: u16,
}

/// Everything about editing the prompt.
#[derive(Debug, Clone, Default)]
pub struct PromptState {
    /// The read-only prompt overlay, while it is open.
    pub view: Option<PromptView>,
    /// The open editor.
    pub editor: Option<PromptEditor>,
    /// Text kept from an editor closed without saving (or after a failed save): reopening
    /// the editor starts from it, so nothing typed is lost.
    pub draft: Option<String>,
    /// The versions list (`V`): the listing, once read, and the selected row.
    pub versions: Option<VersionsList>,
    /// The re-run scope question being asked (after a save, or `r` on a finished run).
    pub asking_scope: Option<ScopeQuestion>,
}

/// Images per class for the `sample` re-run scope.
pub const SAMPLE_PER_CLASS: usize = 5;
