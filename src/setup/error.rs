//! Why a run could not be set up, with the exit code each reason maps to. Messages never carry
//! secrets (API keys are referred to by their variable's name).

use std::path::PathBuf;

use crate::backend::BackendError;
use crate::dataset::DatasetError;
use crate::domain::modelfile::ModelfileError;
use crate::domain::template::TemplateError;
use crate::paths::PathsError;
use crate::session::SessionError;

/// A setup failure. Messages name the file, flag or server and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// No dataset was given.
    #[error(
        "no dataset: pass --dataset PATH (a folder of class sub-folders, a folder of LABEL_name images, or a CSV/JSONL manifest)"
    )]
    NoDataset,
    /// The dataset has no usable images.
    #[error("no images found in {path}: check the path and --layout (folders, prefix or manifest)")]
    EmptyDataset {
        /// The dataset path.
        path: PathBuf,
    },
    /// No model was given for a backend without a default.
    #[error(
        "no model: pass --model NAME (list them with `squint models --backend openai --host URL`)"
    )]
    NoModel,
    /// The dataset could not be scanned.
    #[error(transparent)]
    Dataset(#[from] DatasetError),
    /// The template is invalid.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The Modelfile is invalid.
    #[error(transparent)]
    Modelfile(#[from] ModelfileError),
    /// A template file could not be read or found.
    #[error("{0}")]
    TemplateNotFound(String),
    /// The server or model is unusable.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// The session folder could not be created, opened or written.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// No data directory.
    #[error(transparent)]
    Paths(#[from] PathsError),
    /// A session to resume is inconsistent with the flags given.
    #[error("{0}")]
    Resume(String),
    /// A re-run scope (`--only`) that does not fit the run.
    #[error("{0}")]
    Scope(String),
    /// The servers of a multi-server run do not agree (different model digests).
    #[error("{0}")]
    Servers(String),
    /// A results file to import could not be read or matched to the dataset.
    #[error("{0}")]
    Import(String),
}

impl SetupError {
    /// The process exit code for this failure: 3 for an unreachable server, an unusable
    /// model or servers with different models,
    /// 4 for a full disk, 2 for everything the user can fix in flags or files.
    pub fn exit_code(&self) -> i32 {
        match self {
            // A bad --host or base URL is the user's to fix, not the server's fault.
            SetupError::Backend(BackendError::Config { .. }) => 2,
            SetupError::Backend(_) | SetupError::Servers(_) => 3,
            SetupError::Session(e) if e.is_disk_full() => 4,
            _ => 2,
        }
    }
}
