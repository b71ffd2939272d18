//! Where squint keeps its files: data (sessions, answer cache, logs) and config.
//!
//! `SQUINT_DATA_DIR` and `SQUINT_CONFIG_DIR` override the platform folders from
//! `directories::ProjectDirs` (tests set them to stay hermetic). This module only computes
//! paths; it never creates, reads or deletes anything.

use std::ffi::OsString;
use std::path::PathBuf;

use directories::ProjectDirs;
use thiserror::Error;

/// Environment variable that overrides the data folder.
pub(crate) const DATA_DIR_ENV: &str = "SQUINT_DATA_DIR";
/// Environment variable that overrides the config folder.
pub(crate) const CONFIG_DIR_ENV: &str = "SQUINT_CONFIG_DIR";

/// Why a squint folder could not be located.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum PathsError {
    /// Neither the override variable nor a home directory is available.
    #[error(
        "could not find a home directory for squint's {what} folder; set {var} to the folder to use"
    )]
    NoHome {
        /// Which folder was wanted ("data" or "config").
        what: &'static str,
        /// The environment variable that would fix it.
        var: &'static str,
    },
}

/// The data folder: `$SQUINT_DATA_DIR`, else the platform data dir for squint.
pub(crate) fn data_dir() -> Result<PathBuf, PathsError> {
    resolve(
        std::env::var_os(DATA_DIR_ENV),
        || project_dirs().map(|p| p.data_dir().to_path_buf()),
        "data",
        DATA_DIR_ENV,
    )
}

/// The config folder: `$SQUINT_CONFIG_DIR`, else the platform config dir for squint.
pub(crate) fn config_dir() -> Result<PathBuf, PathsError> {
    resolve(
        std::env::var_os(CONFIG_DIR_ENV),
        || project_dirs().map(|p| p.config_dir().to_path_buf()),
        "config",
        CONFIG_DIR_ENV,
    )
}

/// Where session folders live: `data_dir/sessions`.
pub(crate) fn sessions_dir() -> Result<PathBuf, PathsError> {
    Ok(data_dir()?.join("sessions"))
}

/// Where the probe's content-free estimates live: `data_dir/priors`.
pub(crate) fn priors_dir() -> Result<PathBuf, PathsError> {
    Ok(data_dir()?.join("priors"))
}

/// Where saved prompt versions live: `data_dir/prompts`.
pub(crate) fn prompts_dir() -> Result<PathBuf, PathsError> {
    Ok(data_dir()?.join("prompts"))
}

/// Where the answer cache lives: `data_dir/cache`.
pub(crate) fn cache_dir() -> Result<PathBuf, PathsError> {
    Ok(data_dir()?.join("cache"))
}

/// Where log files go: `data_dir/logs`.
pub(crate) fn log_dir() -> Result<PathBuf, PathsError> {
    Ok(data_dir()?.join("logs"))
}

fn project_dirs() -> Option<ProjectDirs> {
    ProjectDirs::from("", "", "squint")
}

/// Picks the override when set and non-empty, else the platform fallback.
fn resolve(
    override_value: Option<OsString>,
    fallback: impl FnOnce() -> Option<PathBuf>,
    what: &'static str,
    var: &'static str,
) -> Result<PathBuf, PathsError> {
    match override_value {
        Some(v) if !v.is_empty() => Ok(PathBuf::from(v)),
        _ => fallback().ok_or(PathsError::NoHome { what, var }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_prefers_non_empty_override() {
        let platform = || Some(PathBuf::from("/platform"));
        let cases: [(Option<&str>, Option<&str>); 4] = [
            (Some("/over"), Some("/over")),
            (Some(""), Some("/platform")),
            (None, Some("/platform")),
            (Some("relative/dir"), Some("relative/dir")),
        ];
        for (over, want) in cases {
            let got = resolve(over.map(OsString::from), platform, "data", DATA_DIR_ENV);
            assert_eq!(got.ok(), want.map(PathBuf::from), "override {over:?}");
        }
    }

    #[test]
    fn missing_home_names_the_variable() {
        let err = resolve(None, || None, "config", CONFIG_DIR_ENV).unwrap_err();
        assert_eq!(
            err,
            PathsError::NoHome {
                what: "config",
                var: CONFIG_DIR_ENV
            }
        );
        assert!(err.to_string().contains("SQUINT_CONFIG_DIR"));
        assert!(err.to_string().contains("config folder"));
    }

    #[test]
    fn sub_folders_hang_off_the_data_dir() {
        // Only checks structure, whatever the environment says the data dir is.
        if let Ok(data) = data_dir() {
            assert_eq!(sessions_dir().ok(), Some(data.join("sessions")));
            assert_eq!(cache_dir().ok(), Some(data.join("cache")));
            assert_eq!(log_dir().ok(), Some(data.join("logs")));
        }
    }
}
