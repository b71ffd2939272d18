//! The IO behind each effect: reading choices and sessions, path completion, listing models,
//! preparing and starting runs. Each runs as a tokio task (blocking file IO via
//! `spawn_blocking`) and reports back as a [`Reply`]: a `Msg` for `update`, plus, for a
//! prepared run or a started engine, the heavy value the runtime keeps (the message carries
//! only its id and summary). Never touches the model or the terminal.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;

use crate::backend::Backend;
use crate::domain::export::ExportFormat;
use crate::domain::result::ItemResult;
use crate::engine::{RunEvent, RunHandle};
use crate::reports::{self, ReportOptions};
use crate::session::{Session, SessionStatus, list_sessions};
use crate::setup::{self, Prepared, RunSpec};
use crate::tui::model::SavedPrompt;
use crate::tui::msg::{
    Choice, Choices, LoadedSession, ModelChoice, Msg, PreparedInfo, StartedInfo,
};

/// At most this many completion candidates are offered.
const MAX_COMPLETIONS: usize = 64;

/// What an effect task hands back to the runtime.
pub(crate) enum Reply {
    /// A message for `update`.
    Msg(Msg),
    /// A prepared run for the runtime to keep under `generation`, and its summary message.
    Prepared {
        /// The id `Effect::StartRun` will name.
        generation: u64,
        /// The scanned dataset and rendered prompt.
        prepared: Arc<Prepared>,
        /// `Msg::Prepared` with the summary.
        msg: Msg,
    },
    /// A started engine's controls for the runtime to keep, and `Msg::RunStarted`.
    Started {
        /// Pause, resume and stop.
        handle: RunHandle,
        /// `Msg::RunStarted(Ok(..))`.
        msg: Msg,
    },
}

/// Sends `msg`, ignoring a closed channel (the UI is shutting down).
fn send(tx: &UnboundedSender<Reply>, msg: Msg) {
    let _ = tx.send(Reply::Msg(msg));
}

/// Reads bundled and recent datasets, templates and past sessions.
pub(crate) fn load_choices(tx: UnboundedSender<Reply>) {
    tokio::task::spawn_blocking(move || send(&tx, Msg::ChoicesLoaded(choices())));
}

fn choices() -> Choices {
    let sessions = crate::paths::sessions_dir()
        .map(|d| list_sessions(&d))
        .unwrap_or_default();
    let mut datasets: Vec<Choice> = setup::bundled_datasets()
        .into_iter()
        .map(|(name, path)| Choice {
            label: format!("sample: {name}"),
            value: path.display().to_string(),
        })
        .collect();
    // `mnist-500`, `mnist-500/` and `./mnist-500` are one dataset: compare where they lead.
    let mut seen: Vec<PathBuf> = datasets
        .iter()
        .map(|d| same_place(Path::new(&d.value)))
        .collect();
    for s in &sessions {
        let place = same_place(&s.dataset);
        if seen.contains(&place) {
            continue;
        }
        seen.push(place);
        let value = lexical(&s.dataset).display().to_string();
        datasets.push(Choice {
            label: format!("recent: {value}"),
            value,
        });
    }
    let mut templates: Vec<Choice> = setup::bundled_templates()
        .into_iter()
        .map(|(name, _)| Choice {
            label: format!("bundled: {name}"),
            value: name,
        })
        .collect();
    templates.extend(
        setup::user_templates()
            .into_iter()
            .map(|(name, path)| Choice {
                label: format!("user: {name}"),
                value: path.display().to_string(),
            }),
    );
    Choices {
        datasets,
        templates,
        sessions,
    }
}

/// Where a path leads: the canonical path when it exists, else the path without `.`
/// components and trailing slashes.
fn same_place(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| lexical(path))
}

/// The path without `.` components and trailing slashes (`a/./b/` is `a/b`).
fn lexical(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect();
    if cleaned.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        cleaned
    }
}

/// Lists paths starting with `input` (folders end with `/`).
pub(crate) fn complete_path(tx: UnboundedSender<Reply>, input: String) {
    tokio::task::spawn_blocking(move || {
        let candidates = completions(&input);
        send(&tx, Msg::PathCompleted { input, candidates });
    });
}

/// Directory entries completing `input`, sorted; hidden ones only when asked for.
pub(crate) fn completions(input: &str) -> Vec<String> {
    let (dir_part, prefix) = match input.rfind('/') {
        Some(i) => (&input[..=i], &input[i + 1..]),
        None => ("", input),
    };
    let dir: PathBuf = match dir_part {
        "" => PathBuf::from("."),
        d if d.starts_with("~/") => std::env::var_os("HOME")
            .map_or_else(|| PathBuf::from(d), |h| Path::new(&h).join(&d[2..])),
        d => PathBuf::from(d),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_owned();
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.path().is_dir();
            Some(format!("{dir_part}{name}{}", if is_dir { "/" } else { "" }))
        })
        .collect();
    out.sort();
    out.truncate(MAX_COMPLETIONS);
    out
}

/// Asks the server for its models.
pub(crate) fn list_models(tx: UnboundedSender<Reply>, spec: RunSpec) {
    tokio::spawn(async move {
        let backend = match Backend::new(spec.backend.clone()) {
            Ok(b) => b,
            Err(e) => {
                let host =
                    crate::backend::redact_url(spec.backend.host.as_deref().unwrap_or_default());
                return send(
                    &tx,
                    Msg::ModelsListed {
                        host,
                        result: Err(e.to_string()),
                    },
                );
            }
        };
        let host = backend.host().to_owned();
        let result = backend
            .list_models()
            .await
            .map(|models| {
                models
                    .into_iter()
                    .map(|m| ModelChoice {
                        name: m.name,
                        vision: m.vision,
                    })
                    .collect()
            })
            .map_err(|e| e.to_string());
        send(&tx, Msg::ModelsListed { host, result });
    });
}

/// Reads a past session's results.
pub(crate) fn open_session(tx: UnboundedSender<Reply>, dir: PathBuf) {
    tokio::task::spawn_blocking(move || send(&tx, Msg::SessionLoaded(load_session(&dir))));
}

fn load_session(dir: &Path) -> Result<Box<LoadedSession>, String> {
    let session = Session::open(dir).map_err(|e| e.to_string())?;
    let log = session.read_results().map_err(|e| e.to_string())?;
    let meta = &session.meta;
    let dataset_root = if meta.dataset.path.is_file() {
        meta.dataset
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    } else {
        meta.dataset.path.clone()
    };
    Ok(Box::new(LoadedSession {
        dir: dir.to_path_buf(),
        labels: meta.dataset.labels.clone(),
        dataset_root,
        template: meta.template.name.clone(),
        template_text: meta.template.text.clone(),
        model: meta.backend.model.clone(),
        model_digest: meta.backend.model_digest.clone(),
        host: meta.backend.host.clone(),
        results: log.results,
        total: meta.dataset.total,
        spec: RunSpec::from_session(dir, meta),
        finished: meta.status == SessionStatus::Finished,
        corrections: crate::session::read_corrections(dir)
            .map_err(|e| e.to_string())?
            .corrections(),
    }))
}

/// Reads the content-free estimate saved for `key` off the UI thread.
pub(crate) fn load_prior(tx: UnboundedSender<Reply>, key: crate::tui::model::PriorKey) {
    tokio::task::spawn_blocking(move || {
        let result = crate::paths::priors_dir()
            .map_err(|e| e.to_string())
            .and_then(|root| crate::session::load_prior(&root, key.model_id(), &key.prompt_digest));
        send(&tx, Msg::PriorLoaded { key, result });
    });
}

/// Saves a content-free estimate under the data folder off the UI thread, stamped with the
/// time now.
pub(crate) fn save_prior(tx: UnboundedSender<Reply>, mut prior: crate::session::SavedPrior) {
    tokio::task::spawn_blocking(move || {
        prior.time = crate::session::now_rfc3339();
        let result = crate::paths::priors_dir()
            .map_err(|e| e.to_string())
            .and_then(|root| crate::session::save_prior(&root, &prior).map_err(|e| e.to_string()));
        send(&tx, Msg::PriorSaved(result));
    });
}

/// Appends a correction to the session's log off the UI thread, stamped with the time now.
pub(crate) fn save_correction(
    tx: UnboundedSender<Reply>,
    dir: PathBuf,
    mut entry: crate::domain::corrections::CorrectionEntry,
) {
    tokio::task::spawn_blocking(move || {
        entry.time = crate::session::now_rfc3339();
        let result = crate::session::append_correction(&dir, &entry)
            .map(|()| entry)
            .map_err(|e| format!("the correction was not saved: {e}"));
        send(&tx, Msg::CorrectionSaved(result));
    });
}

/// Writes a prompt version off the UI thread and reports it (or why it failed).
pub(crate) fn save_prompt(
    tx: UnboundedSender<Reply>,
    dir: PathBuf,
    text: String,
    fingerprint: String,
) {
    tokio::task::spawn_blocking(move || {
        let result = crate::session::save_version(&dir, &text, &fingerprint)
            .map(|(version, new)| SavedPrompt {
                path: version.path,
                number: version.number,
                new,
            })
            .map_err(|e| e.to_string());
        send(&tx, Msg::PromptSaved(result));
    });
}

/// Compares two sessions off the UI thread.
pub(crate) fn compare_sessions(tx: UnboundedSender<Reply>, a: PathBuf, b: PathBuf) {
    tokio::task::spawn_blocking(move || {
        let result = crate::session::compare_sessions(&a, &b)
            .map(Box::new)
            .map_err(|e| e.to_string());
        send(&tx, Msg::Compared(result));
    });
}

/// Lists the dataset's prompt versions and the sessions made with each, off the UI thread.
pub(crate) fn list_versions(tx: UnboundedSender<Reply>, dir: PathBuf, datasets: Vec<PathBuf>) {
    tokio::task::spawn_blocking(move || {
        let result = crate::paths::sessions_dir()
            .map_err(|e| e.to_string())
            .map(|sessions| {
                let sessions = list_sessions(&sessions);
                crate::session::version_runs(
                    crate::session::list_versions(&dir),
                    &sessions,
                    &datasets,
                )
            });
        send(&tx, Msg::VersionsListed(result));
    });
}

/// This dataset's prompt-version folder and the version number of `fingerprint` in it.
fn prompt_version(p: &Prepared) -> (Option<PathBuf>, Option<u32>) {
    let Ok(root) = crate::paths::prompts_dir() else {
        return (None, None);
    };
    let dataset = std::path::absolute(&p.dataset.root).unwrap_or_else(|_| p.dataset.root.clone());
    let dir = crate::session::prompt_versions_dir(&root, &dataset);
    let fingerprint = p.template.fingerprint();
    let number = crate::session::list_versions(&dir)
        .into_iter()
        .find(|v| v.fingerprint == fingerprint)
        .map(|v| v.number);
    (Some(dir), number)
}

/// Writes the session's report as `report.<format>` in its folder, off the UI thread.
/// With `with_corrections` (`T` is on) the report applies the session's label corrections,
/// as the screen does.
pub(crate) fn export_report(
    tx: UnboundedSender<Reply>,
    dir: PathBuf,
    format: ExportFormat,
    with_corrections: bool,
) {
    tokio::task::spawn_blocking(move || {
        let options = ReportOptions {
            format,
            digits: 2,
            compare: None,
            with_corrections,
        };
        let out = dir.join(format!("report.{}", format.name()));
        let result = reports::export_report(&dir, &options, &out).map_err(|e| e.to_string());
        send(&tx, Msg::ReportExported(result));
    });
}

/// Scans and renders off the UI thread; the prepared run goes to the runtime under
/// `generation`, a summary to the UI.
pub(crate) fn prepare(tx: UnboundedSender<Reply>, generation: u64, spec: RunSpec) {
    tokio::task::spawn_blocking(move || {
        tracing::debug!("preparing {:?} (generation {generation})", spec.dataset);
        let reply = match setup::prepare(&spec) {
            Ok(p) => Reply::Prepared {
                generation,
                msg: Msg::Prepared {
                    generation,
                    result: Ok({
                        let (journaled, model_digest) = spec
                            .resume
                            .as_deref()
                            .map(|dir| journaled(dir, &p))
                            .unwrap_or_default();
                        PreparedInfo {
                            journaled,
                            model_digest,
                            corrections: spec
                                .resume
                                .as_deref()
                                .map(session_corrections)
                                .unwrap_or_default(),
                            ..summarize(&p)
                        }
                    }),
                },
                prepared: Arc::new(p),
            },
            Err(e) => Reply::Msg(Msg::Prepared {
                generation,
                result: Err(e.to_string()),
            }),
        };
        tracing::debug!("prepared generation {generation}");
        let _ = tx.send(reply);
    });
}

/// Prepares `spec` only for its warnings (the start screen's check before a run).
pub(crate) fn check_run(tx: UnboundedSender<Reply>, key: (String, String), mut spec: RunSpec) {
    spec.resume = None;
    spec.from = None;
    tokio::task::spawn_blocking(move || {
        let result = setup::prepare(&spec)
            .map(|p| p.warnings)
            .map_err(|e| e.to_string());
        send(&tx, Msg::RunChecked { key, result });
    });
}

/// The results a session to continue already holds, by plan index (results for images the
/// plan does not select are left out), and the model digest it recorded. An unreadable
/// journal shows nothing here; starting the run reports it.
fn journaled(dir: &Path, p: &Prepared) -> (Vec<(usize, ItemResult)>, Option<String>) {
    let read = Session::open(dir)
        .and_then(|s| Ok((s.read_results()?, s.meta.backend.model_digest.clone())));
    let (results, digest) = match read {
        Ok((log, digest)) => (log.results, digest),
        Err(e) => {
            tracing::warn!("cannot read the results of {}: {e}", dir.display());
            return (Vec::new(), None);
        }
    };
    let index: std::collections::HashMap<&str, usize> = p
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| (&*item.rel, i))
        .collect();
    let results = results
        .into_iter()
        .filter_map(|r| index.get(r.image.as_str()).map(|&i| (i, r)))
        .collect();
    (results, digest)
}

/// The label corrections of a session to continue. An unreadable log shows none here (and
/// says so in the log file); saving a new correction reports the problem.
fn session_corrections(dir: &Path) -> crate::domain::corrections::Corrections {
    match crate::session::read_corrections(dir) {
        Ok(log) => log.corrections(),
        Err(e) => {
            tracing::warn!("cannot read the corrections of {}: {e}", dir.display());
            Default::default()
        }
    }
}

/// Says that `StartRun` named a preparation the runtime no longer holds.
pub(crate) fn refuse_start(tx: &UnboundedSender<Reply>, generation: u64) {
    send(
        tx,
        Msg::StartRefused(format!(
            "the prepared run {generation} was replaced before it started"
        )),
    );
}

/// The model's view of a prepared run.
pub(crate) fn summarize(p: &Prepared) -> PreparedInfo {
    let (prompt_versions, template_version) = prompt_version(p);
    PreparedInfo {
        template_text: p.template.to_toml(),
        template_version,
        prompt_versions,
        parent: p.inheritance.as_ref().map(|i| i.parent.clone()),
        to_ask: p.inheritance.as_ref().map_or(p.items.len(), |i| i.asked),
        parent_results: p.inheritance.as_ref().map(|i| {
            Arc::new(
                i.kept
                    .iter()
                    .chain(&i.replaced)
                    .map(|r| (r.image.clone(), r.clone()))
                    .collect(),
            )
        }),
        dataset_root: p.dataset.root.clone(),
        class_counts: p.dataset.class_counts(),
        items: p.items.clone(),
        labels: p.labels.clone(),
        template: p.template.name.clone(),
        model: p.model.clone(),
        model_digest: None,
        warnings: p.warnings.clone(),
        journaled: Vec::new(),
        corrections: Default::default(),
        carried: p.carried.clone(),
    }
}

/// Connects, opens the session and starts the engine; the handle goes to the runtime, events
/// are forwarded as `Msg::Run` until the run ends (the engine records the session's end before
/// its last event). The returned task lets the runtime wait for that when it quits mid-run.
pub(crate) fn start_run(
    tx: UnboundedSender<Reply>,
    spec: RunSpec,
    prepared: Arc<Prepared>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let (servers, info) = match setup::connect(&spec, &prepared).await {
            Ok(ok) => ok,
            Err(e) => return send(&tx, Msg::RunStarted(Err(e.to_string()))),
        };
        let host = match servers.as_slice() {
            [one] => one.backend.host().to_owned(),
            several => format!("{} servers", several.len()),
        };
        let model = if info.name.is_empty() {
            prepared.model.clone()
        } else {
            info.name.clone()
        };
        let model_digest = info.digest.clone();
        // What the server checks found (a server left out at start, say) is shown like the
        // run's own warnings.
        let server_warnings = info.warnings.clone();
        let mut started = match setup::start(&spec, &prepared, servers, info) {
            Ok(s) => s,
            Err(e) => return send(&tx, Msg::RunStarted(Err(e.to_string()))),
        };
        remember_last_used(&spec);
        let _ = tx.send(Reply::Started {
            handle: started.handle.clone(),
            msg: Msg::RunStarted(Ok(StartedInfo {
                session_dir: started.session_dir.clone(),
                host,
                model,
                model_digest,
                corrections: started.corrections.as_ref().map(|c| c.corrections()),
            })),
        });
        for warning in server_warnings.iter().chain(&started.warnings) {
            send(&tx, Msg::Run(RunEvent::Warning(warning.clone())));
        }
        // The engine records the session's end itself, before its last event.
        while let Some(event) = started.events.recv().await {
            send(&tx, Msg::Run(event));
        }
    })
}

/// The prompt-prior probe with `squint probe`'s own steps (prepare, the same server checks as
/// a run, ask), reporting each step; never writes a session or uses the cache.
pub(crate) fn probe(
    tx: UnboundedSender<Reply>,
    id: u64,
    spec: RunSpec,
    n: usize,
) -> tokio::task::JoinHandle<()> {
    use crate::tui::msg::ProbeUpdate;
    let report = move |tx: &UnboundedSender<Reply>, update: ProbeUpdate| {
        send(tx, Msg::ProbeProgressed { id, update });
    };
    tokio::spawn(async move {
        let plan_spec = spec.clone();
        let plan =
            match tokio::task::spawn_blocking(move || setup::prepare_probe(&plan_spec, n)).await {
                Ok(Ok(plan)) => plan,
                Ok(Err(e)) => return report(&tx, ProbeUpdate::Failed(e.to_string())),
                Err(e) => {
                    return report(
                        &tx,
                        ProbeUpdate::Failed(format!("preparing the probe failed: {e}")),
                    );
                }
            };
        let setup::ProbeServer {
            backend,
            host,
            info,
            skipped,
        } = match setup::connect_probe(&spec, &plan).await {
            Ok(connected) => connected,
            Err(e) => return report(&tx, ProbeUpdate::Failed(e.to_string())),
        };
        report(
            &tx,
            ProbeUpdate::Connected {
                model: plan.model.clone(),
                digest: info.digest.clone(),
                host,
                skipped,
                total: plan.total() as u64,
                images: format!("{} each, {}x{}", plan.n, plan.size.0, plan.size.1),
            },
        );
        let progress_tx = tx.clone();
        let probed = setup::run_probe(&plan, &backend, info.logprobs, |tally| {
            report(&progress_tx, ProbeUpdate::Answered(tally.report()));
        })
        .await;
        match probed {
            Ok(tally) => report(&tx, ProbeUpdate::Finished(tally.report())),
            Err(e) => report(&tx, ProbeUpdate::Failed(format!("probe stopped: {e}"))),
        }
    })
}

/// Remembers a started run's backend, host, model and dataset for the next launch (off the
/// UI thread; a failure is only logged: nothing computed depends on it).
fn remember_last_used(spec: &RunSpec) {
    let last = setup::LastUsed::of(spec);
    tokio::task::spawn_blocking(move || {
        let saved = crate::paths::data_dir()
            .map_err(|e| e.to_string())
            .and_then(|dir| last.save(&dir).map_err(|e| e.to_string()));
        if let Err(e) = saved {
            tracing::warn!("could not remember the last-used settings: {e}");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::{completions, lexical, same_place};
    use std::path::Path;

    #[test]
    fn one_dataset_spelled_three_ways_is_one_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("mnist-500")).expect("mkdir");
        let plain = dir.path().join("mnist-500");
        let slash = format!("{}/", plain.display());
        let dotted = dir.path().join(".").join("mnist-500");
        assert_eq!(same_place(Path::new(&slash)), same_place(&plain));
        assert_eq!(same_place(&dotted), same_place(&plain));
        // Gone from disk: compared by spelling, without `.` and trailing slashes.
        assert_eq!(lexical(Path::new("gone/./set/")), Path::new("gone/set"));
        assert_eq!(
            same_place(Path::new("gone/set/")),
            same_place(Path::new("gone/set"))
        );
        assert_eq!(lexical(Path::new(".")), Path::new("."));
    }

    #[test]
    fn completes_entries_in_a_folder() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("digits")).expect("mkdir");
        std::fs::create_dir(dir.path().join("dogs")).expect("mkdir");
        std::fs::create_dir(dir.path().join(".hidden")).expect("mkdir");
        std::fs::write(dir.path().join("data.csv"), "path,label\n").expect("write");
        let base = format!("{}/", dir.path().display());
        let got = completions(&format!("{base}d"));
        assert_eq!(
            got,
            [
                format!("{base}data.csv"),
                format!("{base}digits/"),
                format!("{base}dogs/")
            ]
        );
        assert_eq!(completions(&format!("{base}x")), Vec::<String>::new());
        assert_eq!(
            completions(&format!("{base}.h")),
            [format!("{base}.hidden/")]
        );
    }
}
