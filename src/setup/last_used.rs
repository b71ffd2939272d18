//! What the workbench used last (backend, host, model, dataset), kept in
//! `<data dir>/last-used.json` so the next launch starts where the last one left off.
//! Small and optional: a missing or unreadable file is simply nothing remembered. Never holds
//! a secret: a host with a user name, password or query string is not remembered.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::backend::{BackendKind, host_has_secrets};

/// The file's name inside the data dir.
const FILE_NAME: &str = "last-used.json";

/// The settings remembered between launches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastUsed {
    /// The backend of the last run.
    #[serde(default)]
    pub backend: Option<BackendKind>,
    /// Its host as typed (never one carrying credentials).
    #[serde(default)]
    pub host: Option<String>,
    /// Its model.
    #[serde(default)]
    pub model: Option<String>,
    /// Its dataset.
    #[serde(default)]
    pub dataset: Option<PathBuf>,
}

impl LastUsed {
    /// What to remember of a run's settings.
    pub fn of(spec: &super::RunSpec) -> LastUsed {
        LastUsed {
            backend: Some(spec.backend.kind),
            host: spec.backend.host.clone().filter(|h| !host_has_secrets(h)),
            model: spec.model.clone(),
            dataset: spec.dataset.clone(),
        }
    }

    /// Reads the remembered settings from `data_dir`; nothing remembered when the file is
    /// missing or unreadable (logged).
    pub fn load(data_dir: &Path) -> LastUsed {
        let path = data_dir.join(FILE_NAME);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!("ignoring {}: {e}", path.display());
                LastUsed::default()
            }),
            Err(_) => LastUsed::default(),
        }
    }

    /// Writes the settings into `data_dir` (a temporary file renamed over the old one, so a
    /// crash never leaves half a file).
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join(FILE_NAME);
        let temp = data_dir.join(format!("{FILE_NAME}.tmp"));
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::RunSpec;

    #[test]
    fn round_trips_and_never_keeps_credentials() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(LastUsed::load(dir.path()), LastUsed::default());
        let mut spec = RunSpec::default();
        spec.backend.kind = BackendKind::Openai;
        spec.backend.host = Some("http://gpu:8080/v1".into());
        spec.model = Some("my-vlm".into());
        spec.dataset = Some("data/pets".into());
        let last = LastUsed::of(&spec);
        last.save(dir.path()).expect("save");
        assert_eq!(LastUsed::load(dir.path()), last);
        for secret in ["http://me:pw@gpu:8080/v1", "http://gpu:8080/v1?token=abc"] {
            spec.backend.host = Some(secret.into());
            assert_eq!(LastUsed::of(&spec).host, None, "{secret}");
        }
        std::fs::write(dir.path().join(FILE_NAME), "{not json").expect("write");
        assert_eq!(LastUsed::load(dir.path()), LastUsed::default());
    }
}
