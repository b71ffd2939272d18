//! `squint run`: the headless classification. Progress on stderr, the report (text or JSON) on
//! stdout, the documented exit codes. Ctrl-C stops cleanly and says how to resume.

use super::out::{err_line, out};
use super::progress::Progress;
use super::{EXIT_INTERRUPTED, EXIT_OK, EXIT_SERVER, EXIT_USAGE, RunArgs, RunOnlyArgs};
use crate::domain::report::{classification_report, confusion_text, json_summary};
use crate::domain::sanitize::sanitize;
use crate::engine::RunEvent;
use crate::setup::{self, SetupError};

/// Runs the command and returns the exit code.
pub(super) async fn run(args: RunArgs, output: RunOnlyArgs) -> i32 {
    let spec = match args.into_spec() {
        Ok(spec) => spec,
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
    let (backend, info) = match setup::connect(&spec, &prepared).await {
        Ok(connected) => connected,
        Err(e) => return fail(&e),
    };
    for warning in &info.warnings {
        err_line(&format!("warning: {warning}"));
    }
    let started = match setup::start(&spec, &prepared, backend, info) {
        Ok(started) => started,
        Err(e) => return fail(&e),
    };
    let session_dir = started.session_dir.clone();
    err_line(&format!("session: {}", session_dir.display()));
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

    let mut events = started.events;
    let mut progress = Progress::new(&prepared.labels);
    let mut ctrl_c = false;
    // Images this invocation sent to the server (not replayed, not from the cache).
    let mut asked: u64 = 0;
    // One listener for the whole run, so a Ctrl-C between two events is never missed.
    let signal = tokio::signal::ctrl_c();
    tokio::pin!(signal);
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Some(event) => {
                    asked += u64::from(sent_to_server(&event));
                    if !progress.apply(event) { break }
                }
                None => break,
            },
            _ = &mut signal, if !ctrl_c => {
                ctrl_c = true;
                started.handle.stop();
            }
        }
    }
    let interrupted = progress.interrupted || ctrl_c;
    if let Err(e) = setup::finish_session(&session_dir, interrupted) {
        err_line(&format!(
            "warning: could not record the end of the session: {e}"
        ));
    }

    if output.json {
        let mut summary = json_summary(
            &progress.tally.metrics,
            &session_dir,
            progress.tally.counts(),
        );
        if let (Some(inheritance), Some(fields)) = (&prepared.inheritance, summary.as_object_mut())
        {
            let parent = std::path::absolute(&inheritance.parent)
                .unwrap_or_else(|_| inheritance.parent.clone());
            fields.insert("parent".into(), parent.to_string_lossy().into());
            fields.insert("asked".into(), asked.into());
        }
        out(&format!(
            "{}\n",
            serde_json::to_string_pretty(&summary).unwrap_or_default()
        ));
    } else if progress.tally.metrics.total() > 0 {
        // Labels come from folder and file names: sanitised like any untrusted text.
        let report = classification_report(&progress.tally.metrics, output.digits);
        let matrix = confusion_text(&progress.tally.metrics);
        out(&sanitize(&format!("{report}\n{matrix}")));
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
    if let Some(error) = &progress.aborted {
        err_line(&format!("squint: run stopped: {error}"));
        err_line(&format!(
            "finished items are saved; continue with: squint run --resume {}",
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
    EXIT_OK
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

fn fail(e: &SetupError) -> i32 {
    err_line(&format!("squint: {e}"));
    e.exit_code()
}

fn fail_usage(message: &str) -> i32 {
    err_line(&format!("squint: {message}"));
    EXIT_USAGE
}
