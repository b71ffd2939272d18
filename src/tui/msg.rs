//! Everything that can happen to the workbench (`Msg`, past tense) and everything it can ask the
//! runtime to do (`Effect`, imperative). Plain data: no channels, no tasks, no terminal here.
//! IO-heavy values (the prepared run, the backend, the run handle) stay in the runtime, keyed by
//! the id a message carries (a preparation's `generation`); messages carry only the summaries
//! the model needs to draw.

use std::path::PathBuf;
use std::time::Instant;

use ratatui::crossterm::event::KeyEvent;

use crate::domain::export::ExportFormat;
use crate::engine::events::RunEvent;
use crate::session::SessionSummary;
use crate::setup::RunSpec;

/// What the model needs from a prepared run (the dataset scanned, the template rendered).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreparedInfo {
    /// The dataset folder.
    pub dataset_root: PathBuf,
    /// Every class of the dataset with its number of images, sorted by label.
    pub class_counts: Vec<(String, usize)>,
    /// The items selected for the run, in plan order (the dataset's list, shared with the
    /// run: a path to open is `items.path(item)`).
    pub items: crate::dataset::RunItems,
    /// The labels the answers are parsed into, in report order.
    pub labels: Vec<String>,
    /// Template name.
    pub template: String,
    /// Model the run will use.
    pub model: String,
    /// The model digest the session to continue recorded (`--resume`; none for a new run:
    /// the server reports it when the run starts).
    pub model_digest: Option<String>,
    /// Warnings raised while preparing (lint, skipped files...).
    pub warnings: Vec<String>,
    /// The template's text (TOML), for the prompt editor.
    pub template_text: String,
    /// Its saved version number, when it is one of the dataset's saved prompt versions.
    pub template_version: Option<u32>,
    /// Where this dataset's prompt versions are kept.
    pub prompt_versions: Option<PathBuf>,
    /// The session this run is linked to (`--from`, or a re-run after a prompt edit).
    pub parent: Option<PathBuf>,
    /// Images the run will ask (a linked run: those it does not keep from the parent).
    pub to_ask: usize,
    /// The parent's results for the images of this run, by image (kept and asked again):
    /// what the live A/B compares the new answers with.
    pub parent_results: Option<
        std::sync::Arc<std::collections::HashMap<String, crate::domain::result::ItemResult>>,
    >,
    /// On `--resume`: the results the session already holds, by plan index, shown at once.
    pub journaled: Vec<(usize, crate::domain::result::ItemResult)>,
    /// On `--resume`: the label corrections the session holds (its `corrections.jsonl`).
    pub corrections: crate::domain::corrections::Corrections,
    /// Another session's label corrections for these images: applied (the run was asked to
    /// use them) or offered (the linked session's, or an earlier one's on this dataset).
    pub carried: Option<crate::setup::CarriedCorrections>,
}

/// A model the server offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelChoice {
    /// Model name as the server spells it.
    pub name: String,
    /// Whether the model accepts images, when the server says.
    pub vision: Option<bool>,
}

/// Something the start screen can offer to pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    /// Shown to the user.
    pub label: String,
    /// What goes into the run spec (a path or a template name).
    pub value: String,
}

/// The lists the start screen offers, loaded once from disk.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Choices {
    /// Bundled sample datasets and recent sessions' datasets.
    pub datasets: Vec<Choice>,
    /// Bundled templates and the user's templates.
    pub templates: Vec<Choice>,
    /// Past sessions, newest first.
    pub sessions: Vec<SessionSummary>,
}

/// A finished past session loaded for viewing.
#[derive(Debug, Clone)]
pub struct LoadedSession {
    /// The session folder.
    pub dir: PathBuf,
    /// Labels in report order.
    pub labels: Vec<String>,
    /// Folder the results' relative image paths start from.
    pub dataset_root: PathBuf,
    /// Template name.
    pub template: String,
    /// The template's text as the session stores it.
    pub template_text: String,
    /// Model name.
    pub model: String,
    /// The model's content digest, when the server reported one.
    pub model_digest: Option<String>,
    /// Server address.
    pub host: String,
    /// Every result of the session.
    pub results: Vec<crate::domain::result::ItemResult>,
    /// Items the session selected (its `done/total` denominator).
    pub total: usize,
    /// The session's own settings (`RunSpec::from_session`), set to continue it.
    pub spec: RunSpec,
    /// True when every selected item was processed: `r` re-runs it as a new session rather
    /// than continuing it.
    pub finished: bool,
    /// The session's label corrections (`corrections.jsonl`).
    pub corrections: crate::domain::corrections::Corrections,
}

/// Facts about a run that has been started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedInfo {
    /// The session folder results are journaled to.
    pub session_dir: PathBuf,
    /// Server address.
    pub host: String,
    /// Model name as the server confirmed it.
    pub model: String,
    /// The model's content digest, when the server reports one.
    pub model_digest: Option<String>,
    /// Label corrections carried into the new session, the truth of this run.
    pub corrections: Option<crate::domain::corrections::Corrections>,
}

/// An input to `update`. Named in the past tense: these already happened.
#[derive(Debug, Clone)]
pub enum Msg {
    // ─── Terminal ───────────────────────────────────────────────
    /// A key was pressed.
    KeyPressed(KeyEvent),
    /// Text was pasted (bracketed paste).
    Pasted(String),
    /// The mouse was clicked, scrolled or moved (when mouse capture is on).
    Mouse(ratatui::crossterm::event::MouseEvent),
    /// The terminal was resized.
    Resized {
        /// New width in cells.
        width: u16,
        /// New height in cells.
        height: u16,
    },
    /// A frame tick passed; carries the clock so timing is injectable in tests.
    Ticked(Instant),
    /// SIGINT, SIGTERM or SIGHUP arrived.
    SignalReceived,
    /// The runtime drew the model's current state.
    FrameDrawn,
    /// The workbench was set up: the image protocol in use, and the warnings about the
    /// user's theme and keymap files.
    Configured {
        /// The protocol's name as the help overlay shows it (`kitty`, `halfblocks`...).
        image_protocol: String,
        /// One line per problem found in the user's files.
        warnings: Vec<String>,
    },

    // ─── Start screen ───────────────────────────────────────────
    /// The dataset, template and session lists were read.
    ChoicesLoaded(Choices),
    /// Path completion candidates for what was typed.
    PathCompleted {
        /// The text that was completed.
        input: String,
        /// Matching paths (folders end with `/`), sorted.
        candidates: Vec<String>,
    },
    /// The server answered the model list request, or could not be reached.
    ModelsListed {
        /// The server asked.
        host: String,
        /// Models, or what went wrong and what to do.
        result: Result<Vec<ModelChoice>, String>,
    },
    /// A past session was read from disk.
    SessionLoaded(Result<Box<LoadedSession>, String>),
    /// The start form's dataset and template were checked (`Effect::CheckRun`).
    RunChecked {
        /// The dataset and template text checked; stale answers are ignored.
        key: (String, String),
        /// The warnings a run would start with (bias lint, skipped files), or why it could not
        /// start.
        result: Result<Vec<String>, String>,
    },

    // ─── Run ────────────────────────────────────────────────────
    /// The dataset was scanned and the template rendered (or that failed).
    Prepared {
        /// Which `PrepareRun` this answers; stale answers are ignored.
        generation: u64,
        /// The summary, or the error message.
        result: Result<PreparedInfo, String>,
    },
    /// The server was reached and the engine started (or that failed).
    RunStarted(Result<StartedInfo, String>),
    /// Nothing was started: the preparation `StartRun` named is no longer held.
    StartRefused(String),
    /// The engine reported progress.
    Run(RunEvent),

    // ─── Prompt editor ──────────────────────────────────────────
    /// A prompt version was saved (or saving failed; the editor keeps the text).
    PromptSaved(Result<crate::tui::model::SavedPrompt, String>),
    /// Two sessions were compared (or could not be).
    Compared(Result<Box<crate::session::SessionComparison>, String>),
    /// This dataset's saved prompt versions were listed with their runs (or that failed).
    VersionsListed(Result<Vec<crate::session::VersionRuns>, String>),
    /// The external editor (`$VISUAL`/`$EDITOR`) exited: the text it left, and what went wrong.
    ExternallyEdited(crate::tui::external_editor::Edited),
    /// The prompt-prior probe `id` moved: it connected (the plan), got an answer (the tally),
    /// finished or failed.
    ProbeProgressed {
        /// Which probe (`Effect::Probe`'s id).
        id: u64,
        /// What happened.
        update: ProbeUpdate,
    },
    // ─── Export ─────────────────────────────────────────────────
    /// A report was written (its path), or could not be (why).
    ReportExported(Result<PathBuf, String>),

    // ─── Label corrections ──────────────────────────────────────
    /// A correction (or an undo) was appended to the session's `corrections.jsonl` (with its
    /// time), or could not be (why).
    CorrectionSaved(Result<crate::domain::corrections::CorrectionEntry, String>),
    /// The content-free estimate saved for `key` was read: none, or why it could not be.
    PriorLoaded {
        /// What it was looked up for.
        key: crate::tui::model::PriorKey,
        /// The saved estimate, if there is one.
        result: Result<Option<crate::session::SavedPrior>, String>,
    },
    /// A content-free estimate was saved under the data folder (its file), or could not be.
    PriorSaved(Result<PathBuf, String>),
    /// The system's image viewer could not be started (why).
    ViewerFailed(String),

    // ─── Previews ───────────────────────────────────────────────
    /// An image preview finished decoding (or failed); the runtime holds the pixels.
    PreviewReady {
        /// The image the preview shows.
        path: PathBuf,
        /// An error to show instead of the image.
        error: Option<String>,
    },
    /// Thumbnails were made (the runtime caches them): redraw to show them.
    ThumbnailsReady,
}

/// A step of the prompt-prior probe.
#[derive(Debug, Clone)]
pub enum ProbeUpdate {
    /// The server and model checked out: what will be asked.
    Connected {
        /// The model asked.
        model: String,
        /// Its content digest, when the server reports one.
        digest: Option<String>,
        /// The server asked (the first that checked out, when several are configured).
        host: String,
        /// Why each server before it was passed over.
        skipped: Vec<String>,
        /// Requests in all.
        total: u64,
        /// Probe images of each kind and their size (`10 each, 28x28`).
        images: String,
    },
    /// One more answer (or failure): the tally so far.
    Answered(crate::domain::probe::ProbeReport),
    /// Every image was asked: the final tally.
    Finished(crate::domain::probe::ProbeReport),
    /// It could not start, or stopped (the same message a run gives).
    Failed(String),
}

/// Work `update` asks the runtime to do. Imperative: these have not happened yet.
#[derive(Debug, Clone)]
pub enum Effect {
    // ─── Start screen ───────────────────────────────────────────
    /// Read bundled datasets and templates, user templates and past sessions.
    LoadChoices,
    /// List directory entries matching a typed path.
    CompletePath {
        /// The text typed so far.
        input: String,
    },
    /// Ask the server which models it has.
    ListModels {
        /// The spec whose backend to ask.
        spec: Box<RunSpec>,
    },
    /// Prepare the start form's run without keeping it, for its warnings (bias lint).
    CheckRun {
        /// The dataset and template text, echoed in `Msg::RunChecked`.
        key: (String, String),
        /// What to check.
        spec: Box<RunSpec>,
    },
    /// Read a past session's results to show its matrix.
    OpenSession {
        /// The session folder.
        dir: PathBuf,
    },

    // ─── Run ────────────────────────────────────────────────────
    /// Scan the dataset and render the template (blocking IO, off the UI thread).
    PrepareRun {
        /// Identifies the answer.
        generation: u64,
        /// What to prepare.
        spec: Box<RunSpec>,
    },
    /// Connect to the server and start the engine on the prepared run `generation`.
    StartRun {
        /// Which preparation to run.
        generation: u64,
        /// The run settings.
        spec: Box<RunSpec>,
    },
    /// Pause the running engine (in-flight items finish).
    PauseRun,
    /// Resume the paused engine.
    ResumeRun,
    /// Stop the engine; finished items are already journaled.
    StopRun,

    // ─── Prompt editor ──────────────────────────────────────────
    /// Save an edited template as the dataset's next prompt version.
    SavePrompt {
        /// The dataset's prompt-version folder.
        dir: PathBuf,
        /// The template text as typed.
        text: String,
        /// Its fingerprint (the content hash sessions record).
        fingerprint: String,
    },
    /// Compare session `a` with session `b` image by image (off the UI thread).
    CompareSessions {
        /// The other session.
        a: PathBuf,
        /// The session on screen.
        b: PathBuf,
    },
    /// List the dataset's saved prompt versions with the runs made with each.
    ListVersions {
        /// The dataset's prompt-version folder.
        dir: PathBuf,
        /// The dataset's folder and, when different, the path the run was given (a manifest).
        datasets: Vec<PathBuf>,
    },
    /// Run the prompt-prior probe with `spec`'s template, model and server off the UI thread
    /// (`squint probe`'s code), reporting as `Msg::ProbeProgressed`; replaces a running one.
    Probe {
        /// Identifies the probe's reports.
        id: u64,
        /// Template, dataset (labels, image size), backend, host and model.
        spec: Box<RunSpec>,
        /// Images of each kind.
        n: usize,
    },
    /// Stop the running probe (its overlay was closed).
    StopProbe,
    /// Hand the terminal to `$VISUAL`/`$EDITOR` on this template text until the editor exits
    /// (the answer is `Msg::ExternallyEdited`).
    EditExternally {
        /// The text the editor opens with.
        text: String,
    },

    // ─── Previews ───────────────────────────────────────────────
    /// Decode and resize an image off the UI thread; the newest request wins.
    RequestPreview {
        /// The image to show.
        path: PathBuf,
    },

    // ─── Export ─────────────────────────────────────────────────
    /// Write the session's report in `format` to `report.<ext>` in its folder (off the UI
    /// thread; the answer is `Msg::ReportExported`).
    ExportReport {
        /// The session folder.
        dir: PathBuf,
        /// The format chosen.
        format: ExportFormat,
        /// Apply the label corrections (`T` is on), as the screen does.
        with_corrections: bool,
    },

    // ─── Label corrections ──────────────────────────────────────
    /// Append a correction (or an undo) to the session's `corrections.jsonl`, stamped with
    /// the time it is written (off the UI thread; the answer is `Msg::CorrectionSaved`).
    SaveCorrection {
        /// The session folder.
        dir: PathBuf,
        /// The line to append (its `time` is set when written).
        entry: crate::domain::corrections::CorrectionEntry,
    },

    // ─── Calibrated view ────────────────────────────────────────
    /// Read the content-free estimate saved for `key` (the answer is `Msg::PriorLoaded`).
    LoadPrior {
        /// The model and prompt it must be for.
        key: crate::tui::model::PriorKey,
    },
    /// Save a content-free estimate under the data folder, stamped with the time it is
    /// written (the answer is `Msg::PriorSaved`).
    SavePrior {
        /// The estimate (its `time` is set when written).
        prior: crate::session::SavedPrior,
    },

    // ─── Images ─────────────────────────────────────────────────
    /// Put `text` on the clipboard with OSC 52, written to the terminal between frames.
    CopyToClipboard {
        /// What to copy (an image path).
        text: String,
    },
    /// Open `path` in the system's viewer, detached (an error comes back as
    /// `Msg::ViewerFailed`).
    OpenExternally {
        /// The image.
        path: PathBuf,
    },

    // ─── App ────────────────────────────────────────────────────
    /// Leave the workbench and restore the terminal.
    Quit,
}
