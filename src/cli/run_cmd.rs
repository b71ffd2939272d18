//! `squint run`: the headless classification. Progress on stderr, the report (text or JSON) on
//! stdout, the documented exit codes. Ctrl-C stops cleanly and says how to resume.

use std::time::Duration;

use super::hosts_report::{hosts_json, hosts_text};
use super::out::{err_line, out};
use super::progress::Progress;
use super::proposals_out::{proposals_json, proposals_text};
use super::{
    EXIT_BELOW, EXIT_DISK, EXIT_INTERRUPTED, EXIT_OK, EXIT_SERVER, EXIT_USAGE, RunArgs, RunOnlyArgs,
};
use crate::domain::corrections::CorrectedMetrics;
use crate::domain::report::{
    accuracy_interval_line, classification_report, confusion_text, json_summary,
};
use crate::domain::result::ErrorKind;
use crate::domain::sanitize::sanitize;
use crate::engine::RunEvent;
use crate::setup::{self, RunSpec, SetupError};

/// Runs the command and returns the exit code.
pub(super) async fn run(args: RunArgs, output: RunOnlyArgs) -> i32 {
    let spec = match args.into_spec() {
        Ok(spec) => RunSpec {
            headless: true,
            ..spec
        },
        Err(message) => return fail_usage(&message),
    };
    let prepare_spec = spec.clone();
    let prepared = match tokio::task::spawn_blocking(move || setup::prepare(&prepare_spec)).await {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(e)) => return fail(&e),
        Err(e) => return fail_usage(&format!("dataset scan failed: {e}")),
    };
    for warning in &prepared.warnings {
        err_line(&format!("warning: {warning}"));
    }
    let (servers, info) = match setup::connect(&spec, &prepared).await {
        Ok(connected) => connected,
        Err(e) => return fail(&e),
    };
    for warning in &info.warnings {
        err_line(&format!("warning: {warning}"));
    }
    let started = match setup::start(&spec, &prepared, servers, info) {
        Ok(started) => started,
        Err(e) => return fail(&e),
    };
    let session_dir = started.session_dir.clone();
    err_line(&format!("session: {}", session_dir.display()));
    for warning in &started.warnings {
        err_line(&format!("warning: {warning}"));
    }
    if let Some(inheritance) = &prepared.inheritance {
        err_line(&format!(
            "from {} (--only {}): asking {} of {} images, keeping {} results",
            inheritance.parent.display(),
            inheritance.scope,
            inheritance.asked,
            prepared.items.len(),
            inheritance.kept.len()
        ));
    }

    let mut progress = Progress::new(&prepared.labels);
    say_corrections(&prepared, started.corrections.as_ref());
    progress.corrected = started
        .corrections
        .as_ref()
        .map(|c| CorrectedMetrics::new(&prepared.labels, &c.corrections()));
    let mut events = started.events;
    let mut ctrl_c = false;
    let mut too_many_errors = false;
    // Images this invocation sent to the server (not replayed, not from the cache).
    let mut asked: u64 = 0;
    // One listener for the whole run, so a Ctrl-C between two events is never missed.
    let signal = tokio::signal::ctrl_c();
    tokio::pin!(signal);
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => {
                    asked += u64::from(sent_to_server(&event));
                    let running = progress.apply(event);
                    let tally = &progress.tally;
                    if !too_many_errors
                        && output
                            .max_errors
                            .is_some_and(|b| b.exceeded(tally.errors(), tally.total()))
                    {
                        too_many_errors = true;
                        started.handle.stop();
                    }
                    if !running { break }
                }
                None => break,
            },
            _ = &mut signal, if !ctrl_c => {
                ctrl_c = true;
                started.handle.stop();
            }
            _ = ticker.tick() => progress.tick(),
        }
    }
    let interrupted = progress.interrupted || ctrl_c || too_many_errors;

    if output.json {
        let mut summary = json_summary(
            progress.report_metrics(),
            &session_dir,
            progress.tally.counts(),
        );
        if let (Some(c), Some(fields)) = (&progress.corrected, summary.as_object_mut()) {
            fields.insert(
                "corrections".into(),
                serde_json::json!({"relabelled": c.relabelled, "doubtful": c.doubtful}),
            );
        }
        if let (Some(inheritance), Some(fields)) = (&prepared.inheritance, summary.as_object_mut())
        {
            let parent = std::path::absolute(&inheritance.parent)
                .unwrap_or_else(|_| inheritance.parent.clone());
            fields.insert("parent".into(), parent.to_string_lossy().into());
            fields.insert("asked".into(), asked.into());
        }
        if progress.tally.proposals.total > 0 {
            summary["proposals"] = proposals_json(&progress.tally.proposals, &session_dir);
        }
        summary["run"] = provenance(&session_dir, &output);
        summary["stopped_early"] = serde_json::Value::Bool(progress.stopped_early.is_some());
        if let Some(hosts) = hosts_json(&progress.hosts) {
            summary["hosts"] = hosts;
        }
        out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        ));
    } else if progress.report_metrics().total() == 0 && progress.tally.proposals.total > 0 {
        out(&proposals_text(&progress.tally.proposals, &session_dir));
    } else if progress.report_metrics().total() > 0 {
        // Labels come from folder and file names: sanitised like any untrusted text.
        let metrics = progress.report_metrics();
        let report = classification_report(metrics, output.digits);
        let interval = accuracy_interval_line(metrics, output.digits).unwrap_or_default();
        let matrix = confusion_text(metrics);
        let coverage = progress
            .stopped_early
            .map(|(_, half)| {
                format!(
                    "stopped early (--until-ci): covers {} of {} images, accuracy known to ±{half:.digits$}\n",
                    progress.tally.counts().done,
                    progress.tally.counts().total,
                    digits = output.digits.max(2),
                )
            })
            .unwrap_or_default();
        let hosts = hosts_text(&progress.hosts);
        out(&sanitize(&format!(
            "{report}{interval}{coverage}\n{matrix}{hosts}"
        )));
    }
    let counts = progress.tally.counts();
    err_line(&format!(
        "{} of {} items done, {} errors, {} unparsed; session: {}",
        counts.done,
        counts.total,
        counts.errors,
        counts.unparsed,
        session_dir.display()
    ));
    if let Some(c) = &progress.corrected {
        err_line(&format!(
            "with label corrections: {} image(s) relabelled, {} doubtful image(s) left out of the metrics",
            c.relabelled, c.doubtful
        ));
    }
    if let Some(error) = &progress.aborted {
        err_line(&format!("squint: run stopped: {error}"));
        err_line(&format!(
            "finished items are saved; continue with: squint run --resume {}",
            session_dir.display()
        ));
        return aborted_exit_code(error.kind);
    }
    if too_many_errors && !ctrl_c {
        err_line(&format!(
            "squint: run stopped: {} items failed, more than --max-errors {}; finished items are saved; \
             fix the cause, then continue with: squint run --resume {}",
            counts.errors,
            output.max_errors.map(|b| b.to_string()).unwrap_or_default(),
            session_dir.display()
        ));
        return EXIT_SERVER;
    }
    if interrupted {
        err_line(&format!(
            "interrupted; continue with: squint run --resume {}",
            session_dir.display()
        ));
        return EXIT_INTERRUPTED;
    }
    if let Some((answered, half)) = progress.stopped_early {
        err_line(&format!(
            "stopped early: the accuracy's 95% interval is ±{half:.4} after {answered} answers; ask the rest with: squint run --resume {}",
            session_dir.display()
        ));
    }
    if progress.tally.metrics.total() == 0
        && progress.tally.proposals.total == 0
        && counts.errors > 0
    {
        err_line(&format!(
            "squint: every item failed ({} errors); there is no accuracy. The errors are in {}",
            counts.errors,
            session_dir.join(crate::session::RESULTS_FILE).display()
        ));
        return EXIT_SERVER;
    }
    if output.fail_under.is_some() && progress.report_metrics().total() == 0 {
        err_line(
            "warning: --fail-under ignored: no image with a known truth was answered, so there is no accuracy",
        );
    } else if let Some(floor) = output.fail_under {
        let accuracy = progress.report_metrics().accuracy();
        if accuracy < floor {
            err_line(&format!(
                "squint: accuracy {accuracy:.4} is below --fail-under {floor}"
            ));
            return EXIT_BELOW;
        }
    }
    EXIT_OK
}

/// Says on stderr which label corrections this run uses as its truth, or which it could use
/// and the flag that would.
fn say_corrections(prepared: &setup::Prepared, used: Option<&setup::CarriedCorrections>) {
    if let Some(c) = used {
        err_line(&format!(
            "label corrections from {}: {} carried into this session, the truth of this run (doubtful images are left out of the metrics)",
            c.from.display(),
            c.describe()
        ));
        if c.refused > 0 {
            err_line(&format!(
                "warning: {} correction(s) of {} name a label that is not a class of this run; left out",
                c.refused,
                c.from.display()
            ));
        }
        return;
    }
    let Some(offer) = prepared.carried.as_ref().filter(|c| !c.applied) else {
        return;
    };
    let linked = prepared
        .inheritance
        .as_ref()
        .is_some_and(|i| i.parent == offer.from);
    let flag = if linked {
        "add --with-corrections".to_owned()
    } else {
        format!("add --corrections-from {}", offer.from.display())
    };
    err_line(&format!(
        "note: {} has {} for this dataset, not used by this run; to make them its truth, {flag}",
        offer.from.display(),
        offer.describe()
    ));
}

/// What produced a JSON report, from the session's own record: version, model, backend,
/// host (without credentials), template name and hash, options, times and the CI bounds.
fn provenance(session_dir: &std::path::Path, output: &RunOnlyArgs) -> serde_json::Value {
    let Ok(session) = crate::session::Session::open(session_dir) else {
        return serde_json::Value::Null;
    };
    let m = session.meta;
    serde_json::json!({
        "squint_version": env!("CARGO_PKG_VERSION"),
        "session_squint_version": m.squint_version,
        "model": m.backend.model,
        "model_digest": m.backend.model_digest,
        "backend": m.backend.kind,
        "host": crate::backend::redact_url(&m.backend.host),
        "template": {"name": m.template.name, "source": m.template.source, "hash": m.template.hash},
        "options": m.options,
        "dataset": {"path": m.dataset.path, "layout": m.dataset.layout, "items": m.dataset.total,
                    "limit_per_class": m.dataset.limit_per_class, "sample": m.dataset.sample, "seed": m.dataset.seed},
        "settings": {"concurrency": m.backend.concurrency, "timeout_s": m.backend.timeout_s,
                     "retries": m.backend.retries, "max_side": m.backend.max_side, "logprobs": m.backend.logprobs,
                     "max_errors": output.max_errors.map(|b| b.to_string()), "fail_under": output.fail_under},
        "started_at": m.started_at,
        "finished_at": m.ended_at,
        "status": m.status,
    })
}

/// True for a result this run got from the server now (not replayed, not cached, not an
/// image that could not even be read).
fn sent_to_server(event: &RunEvent) -> bool {
    matches!(
        event,
        RunEvent::ItemFinished { result, replayed: false, .. }
            if !result.cached && result.attempts > 0
    )
}

/// The exit code of a run the engine stopped, by the kind of what stopped it (the README's
/// table): a session that cannot be written (a full disk above all) is 4, the machine's to
/// fix before a resume; anything else means the run failed, 3. Exhaustive on purpose: a new
/// kind must be routed here deliberately.
fn aborted_exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::DiskFull | ErrorKind::Journal => EXIT_DISK,
        ErrorKind::Auth
        | ErrorKind::Unreachable
        | ErrorKind::Model
        | ErrorKind::Config
        | ErrorKind::Network
        | ErrorKind::Timeout
        | ErrorKind::Server
        | ErrorKind::BadAnswer
        | ErrorKind::Image
        | ErrorKind::Internal => EXIT_SERVER,
    }
}

fn fail(e: &SetupError) -> i32 {
    err_line(&format!("squint: {e}"));
    e.exit_code()
}

fn fail_usage(message: &str) -> i32 {
    err_line(&format!("squint: {message}"));
    EXIT_USAGE
}
