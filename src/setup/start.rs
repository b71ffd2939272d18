//! Connects to the server, creates or reopens the session folder and starts the engine.
//! Async only where it talks to the network; never prints.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tokio::sync::mpsc::UnboundedReceiver;

use super::{Inheritance, Prepared, RunSpec, SetupError};
use crate::backend::{self, BackendKind, ModelInfo};
use crate::domain::result::ItemResult;
use crate::engine::{self, RunEvent, RunHandle, RunPlan, Server};
use crate::paths;
use crate::session::{
    AnswerCache, BackendInfo, DatasetInfo, Journal, ParentLink, Session, SessionMeta,
    SessionStatus, TemplateInfo, default_session_dir, now_rfc3339,
};

/// A running engine and where its session lives.
pub struct Started {
    /// The session folder (`session.json` + `results.jsonl`).
    pub session_dir: PathBuf,
    /// Pause, resume or stop the run.
    pub handle: RunHandle,
    /// The run's events, ending with `RunEvent::Finished`.
    pub events: UnboundedReceiver<RunEvent>,
    /// Things found while opening the session that the user should know (a torn journal
    /// line cut off, the answer cache unavailable).
    pub warnings: Vec<String>,
    /// Label corrections carried over into the new session (`RunSpec::corrections_from`).
    pub corrections: Option<super::CarriedCorrections>,
}

/// Creates (or on resume reopens) the session and spawns the engine on the current runtime.
pub fn start(
    spec: &RunSpec,
    prepared: &Prepared,
    servers: Vec<Server>,
    info: ModelInfo,
) -> Result<Started, SetupError> {
    let Some(backend) = servers.first().map(|s| s.backend.clone()) else {
        return Err(SetupError::Servers("no model server to ask".to_owned()));
    };
    let mut session = match &spec.resume {
        Some(dir) => Session::open(dir)?,
        None => create(spec, prepared, &servers, &info)?,
    };
    let corrections = match &spec.resume {
        Some(_) => None,
        None => super::carry::write_into(spec, prepared, &session.dir)?,
    };
    // The lock comes first: a second run of this session stops here, before it reads or
    // writes anything.
    let mut journal = session.journal()?;
    let mut notes = Vec::new();
    if journal.torn_bytes() > 0 {
        notes.push(format!(
            "{} ended in a torn line ({} bytes, an item cut off by a crash or a full disk); removed it, that item is asked again",
            journal.path().display(),
            journal.torn_bytes()
        ));
    }
    let done = match (&spec.resume, &prepared.inheritance) {
        (Some(_), _) => session.read_results()?.results,
        (None, Some(inheritance)) => keep(&mut journal, inheritance)?,
        (None, None) => Vec::new(),
    };
    session.meta.status = SessionStatus::Running;
    session.meta.ended_at = None;
    session.meta.warnings =
        merged_warnings(&session.meta.warnings, &prepared.warnings, &info.warnings);
    session.save_meta()?;

    // Built only when there are results to match (a fresh run has none, and a million items
    // would cost a million entries).
    let wanted: HashMap<&str, ()> = if done.is_empty() {
        HashMap::new()
    } else {
        prepared.items.iter().map(|i| (&*i.rel, ())).collect()
    };
    let done: HashMap<String, ItemResult> = done
        .into_iter()
        .filter(|r| wanted.contains_key(r.image.as_str()))
        .filter(|r| !(spec.retry_failed && r.is_error()))
        .map(|r| (r.image.clone(), r))
        .collect();
    let cache = if spec.no_cache || !prepared.template.options.is_deterministic() {
        None
    } else {
        // A read-only data dir must not stop a run whose session lives elsewhere.
        let opened = paths::cache_dir()
            .map_err(SetupError::from)
            .and_then(|dir| AnswerCache::open(&dir).map_err(SetupError::from));
        match opened {
            Ok((cache, note)) => {
                notes.extend(note);
                Some(cache)
            }
            Err(e) => {
                notes.push(format!("running without the answer cache: {e}"));
                None
            }
        }
    };
    let plan = RunPlan {
        items: prepared.items.clone(),
        done,
        system: prepared.rendered.system.clone(),
        prompt: prepared.rendered.prompt.clone(),
        model: prepared.model.clone(),
        model_key: info
            .digest
            .clone()
            .unwrap_or_else(|| prepared.model.clone()),
        model_digest: info.digest.clone(),
        backend_kind: backend.kind(),
        options: prepared.template.options.clone(),
        output: prepared.template.output,
        labels: prepared.labels.clone(),
        label_set: prepared.template.label_set(&prepared.labels),
        label_tokens: backend::LabelTokens::new(&prepared.labels),
        logprobs: info.logprobs,
        max_side: spec.max_side,
        allow_webp: backend.kind() == BackendKind::Ollama,
        until_ci: spec.until_ci,
        cache,
        tokens: !spec.headless,
        journal_window: if spec.headless {
            engine::HEADLESS_JOURNAL_WINDOW
        } else {
            engine::WATCHED_JOURNAL_WINDOW
        },
    };
    let (handle, events) = engine::spawn(plan, servers, journal, session.dir.clone());
    Ok(Started {
        session_dir: session.dir,
        handle,
        events,
        warnings: notes,
        corrections,
    })
}

/// Copies the results a linked run keeps into its own journal, so the session stands on its
/// own (reports, comparisons and resumes never need the parent).
fn keep(journal: &mut Journal, inheritance: &Inheritance) -> Result<Vec<ItemResult>, SetupError> {
    for result in &inheritance.kept {
        journal.append(result)?;
    }
    Ok(inheritance.kept.clone())
}

fn create(
    spec: &RunSpec,
    prepared: &Prepared,
    servers: &[Server],
    info: &ModelInfo,
) -> Result<Session, SetupError> {
    let Some(backend) = servers.first().map(|s| &s.backend) else {
        return Err(SetupError::Servers("no model server to ask".to_owned()));
    };
    let dir = match &spec.out {
        Some(dir) => dir.clone(),
        None => default_session_dir(&paths::sessions_dir()?, &prepared.template.name),
    };
    let dataset_path = spec
        .dataset
        .clone()
        .unwrap_or_else(|| prepared.dataset.root.clone());
    let dataset_path = std::path::absolute(&dataset_path).unwrap_or(dataset_path);
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let meta = SessionMeta {
        squint_version: env!("CARGO_PKG_VERSION").to_string(),
        id,
        dataset: DatasetInfo {
            path: dataset_path,
            layout: prepared.dataset.layout,
            total: prepared.items.len(),
            labels: prepared.labels.clone(),
            limit_per_class: spec.limit_per_class,
            sample: spec.sample,
            seed: spec.seed,
            order: spec.order,
        },
        template: TemplateInfo {
            name: prepared.template.name.clone(),
            source: prepared.template_source.clone(),
            text: prepared.template.to_toml(),
            hash: prepared.template.fingerprint(),
        },
        backend: BackendInfo {
            kind: backend.kind(),
            host: public_url(backend.host()),
            hosts: servers_of(servers),
            model: prepared.model.clone(),
            model_digest: info.digest.clone(),
            api_key_env: (backend.kind() == BackendKind::Openai)
                .then(|| spec.backend.api_key_env.clone()),
            logprobs: info.logprobs,
            max_side: spec.max_side,
            concurrency: spec.concurrency.max(1),
            timeout_s: spec.backend.timeout.as_secs(),
            retries: spec.backend.retries,
        },
        options: serde_json::to_value(&prepared.template.options).unwrap_or_default(),
        warnings: Vec::new(),
        started_at: now_rfc3339(),
        ended_at: None,
        status: SessionStatus::Running,
        parent: prepared.inheritance.as_ref().map(|i| ParentLink {
            session: std::path::absolute(&i.parent).unwrap_or_else(|_| i.parent.clone()),
            only: i.scope.to_string(),
            kept: i.kept.len(),
        }),
        imported_from: None,
    };
    Ok(Session::create(&dir, meta)?)
}

/// Checks that a session to resume was run with this prompt, model and label set: answers to
/// another one must not be mixed into its results.
pub(super) fn check_resumable(dir: &Path, prepared: &Prepared) -> Result<(), SetupError> {
    let session = Session::open(dir)?;
    let meta = &session.meta;
    let mut differences = Vec::new();
    // Differences the flags of this command made, and ones that come from the files.
    let mut from_flags = false;
    let template_from_session = prepared.template_source.starts_with("session:");
    if meta.template.hash != prepared.template.fingerprint() {
        if template_from_session {
            differences.push(format!(
                "the template text in {} no longer matches its recorded hash {} (the file was edited)",
                dir.join(crate::session::META_FILE).display(),
                meta.template.hash
            ));
        } else {
            from_flags = true;
            differences.push(format!(
                "the template (session: {}, now: {})",
                meta.template.source, prepared.template_source
            ));
        }
    }
    if meta.backend.model != prepared.model {
        from_flags = true;
        differences.push(format!(
            "the model (session: {}, now: {})",
            meta.backend.model, prepared.model
        ));
    }
    if meta.dataset.labels != prepared.labels {
        differences.push(format!(
            "the labels (session: {}; now: {})",
            meta.dataset.labels.join(", "),
            prepared.labels.join(", ")
        ));
    }
    if differences.is_empty() {
        return Ok(());
    }
    let fresh = format!(
        "squint run --dataset {} (a new session; {} stays as it is)",
        prepared
            .dataset
            .manifest
            .as_ref()
            .unwrap_or(&prepared.dataset.root)
            .display(),
        dir.display()
    );
    let what_to_do = if from_flags {
        format!(
            "answers to two different runs are never mixed: drop --template/--modelfile/--model to finish it with its own settings (`squint run --resume {}`), or start fresh: {fresh}",
            dir.display()
        )
    } else {
        format!(
            "the session or the dataset changed since the session started, so it cannot be finished as it was; start fresh: {fresh}"
        )
    };
    Err(SetupError::Resume(format!(
        "cannot resume {}: {}; {what_to_do}",
        dir.display(),
        differences.join("; "),
    )))
}

/// The servers of a run over several, as `URL#N` without credentials, so a resume uses them.
fn servers_of(servers: &[Server]) -> Vec<String> {
    if servers.len() < 2 {
        return Vec::new();
    }
    servers
        .iter()
        .map(|s| format!("{}#{}", public_url(s.backend.host()), s.slots))
        .collect()
}

/// The URL without user name, password or query, which may carry credentials.
pub(super) fn public_url(raw: &str) -> String {
    match reqwest::Url::parse(raw) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.to_string().trim_end_matches('/').to_string()
        }
        Err(_) => raw.to_string(),
    }
}

fn merged_warnings(old: &[String], new: &[String], server: &[String]) -> Vec<String> {
    let mut all: Vec<String> = old.to_vec();
    for w in new.iter().chain(server) {
        if !all.contains(w) {
            all.push(w.clone());
        }
    }
    all
}
